"""A stack of spiking layers trained end to end by backpropagation through time."""
from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .layers import Dense
from .parameter import Parameter


class Network:
    """Layers applied in order; each layer's n_in must equal the previous n_out."""

    def __init__(self, layers: list[Dense]):
        if not layers:
            raise ModelError("a network needs at least one layer")
        for i in range(1, len(layers)):
            if layers[i].n_in != layers[i - 1].n_out:
                raise ModelError(f"layer {i} expects {layers[i].n_in} inputs but layer {i - 1} "
                                 f"has {layers[i - 1].n_out} neurons")
            # Layers on (C, H, W) maps (neuropynq.train.conv) must also agree on the shape.
            given, taken = getattr(layers[i - 1], "out_shape", None), getattr(layers[i], "in_shape", None)
            if given is not None and taken is not None and tuple(given) != tuple(taken):
                raise ModelError(f"layer {i} expects inputs of shape {tuple(taken)} but layer {i - 1} "
                                 f"gives {tuple(given)}")
        self.layers = list(layers)

    @property
    def n_in(self) -> int:
        return self.layers[0].n_in

    @property
    def n_out(self) -> int:
        return self.layers[-1].n_out

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad[...] = 0.0

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Output spikes (T, batch, n_out) for input spikes x (T, batch, n_in) (or
        (T, batch, C, H, W) for a network that starts with a convolution)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_output: np.ndarray) -> None:
        """Accumulate every parameter's gradient from dL/d(output spikes) of the last `forward`."""
        for i in range(len(self.layers) - 1, -1, -1):
            # Nothing upstream of the first layer learns (unless it has delays): skip dL/dx there.
            grad_output = self.layers[i].backward(grad_output, input_grad=i > 0)

    def set_smooth(self, smooth: bool) -> None:
        """Spike with the surrogates' smooth primitives (True) or the step (False)."""
        for layer in self.layers:
            if hasattr(layer, "neuron"):          # pooling and reshaping layers have no neurons
                layer.neuron.smooth = smooth

    def synaptic_operations(self, x: np.ndarray) -> int:
        """Synaptic events of one forward pass on x: every spike arriving at a layer
        times that layer's fan-out (plus the recurrent fan-out of its own spikes).
        A layer's fan-out is its `fan_out` if it has one (a convolution: one synapse
        per output map and kernel offset; 0 for layers without synapses such as
        pooling), else n_out. Runs the forward pass (replacing the cache of the
        last `forward`)."""
        events = 0
        for layer in self.layers:
            events += int(np.count_nonzero(x)) * getattr(layer, "fan_out", layer.n_out)
            x = layer.forward(x)
            if layer.kind == "recurrent":
                events += int(np.count_nonzero(x[:-1])) * layer.n_out
        return events
