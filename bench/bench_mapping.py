"""Mapping benchmarks (neuropynq.mapping).

1. Time to map networks of 10^3 ... 10^6 neurons (partition + traffic + placement +
   cost) with the Hamilton placement, and with annealing up to 10^5 neurons, on a
   mesh of TianjicX-like cores big enough to hold them: a chain of dense layers and
   a convolutional network.
2. The four placements compared on traffic x hops and on the most loaded link, for
   a few networks on the two chip presets."""
from __future__ import annotations

import dataclasses
import math
import time

from neuropynq.mapping import SPINNAKER2, TIANJICX, ConvLayer, DenseLayer, Network, map_network


def dense_chain(neurons: int) -> Network:
    width = 200
    return Network([DenseLayer(width, width, 0.05) for _ in range(max(1, neurons // width))])


def conv_net(neurons: int) -> Network:
    # 4 conv layers of 16 channels on a side x side image: 4 * 16 * side^2 neurons.
    side = max(4, round(math.sqrt(neurons / 64)))
    return Network([ConvLayer(2 if i == 0 else 16, 16, side, side, 3, 0.05) for i in range(4)])


def big_mesh(cores: int):
    side = math.ceil(math.sqrt(cores * 1.1))
    side += side % 2                          # an even side has a Hamiltonian cycle
    return dataclasses.replace(TIANJICX, name=f"tianjicx-{side}x{side}", rows=side, cols=side)


def scaling_rows():
    rows = []
    for name, build in (("dense chain", dense_chain), ("conv net", conv_net)):
        for neurons in (10**3, 10**4, 10**5, 10**6):
            net = build(neurons)
            chip = big_mesh(4 * net.neurons // TIANJICX.neurons_per_core + 16)
            start = time.perf_counter()
            mapping = map_network(net, chip, "hamilton")
            seconds = time.perf_counter() - start
            # Annealing runs a fixed budget of moves (at most 200000), so it is timed up to 10^5.
            annealed = map_network(net, chip, "anneal") if neurons <= 10**5 else None
            rows.append((name, net.neurons, mapping.cost.cores, f"{chip.rows}x{chip.cols}", seconds,
                         annealed.seconds if annealed else float("nan")))
    return rows


COMPARISON = {
    "chain 40 x dense 100 (tianjicx)": (Network([DenseLayer(100, 100, 0.1) for _ in range(40)]), TIANJICX),
    "chain 12 x dense 512, split fan-in (tianjicx)":
        (Network([DenseLayer(512, 512, 0.05) for _ in range(12)]), TIANJICX),
    "conv 4 x 8ch 16x16 (tianjicx)": (Network([ConvLayer(8, 8, 16, 16, 3, 0.1) for _ in range(4)]), TIANJICX),
    "conv 2-16-16 28x28 + dense 100 + 10 (spinnaker2)": (Network([
        ConvLayer(2, 16, 28, 28, 3, 0.05), ConvLayer(16, 16, 28, 28, 3, 0.05, stride=2),
        DenseLayer(16 * 14 * 14, 100, 0.1), DenseLayer(100, 10, 0.1)], input_rate=0.2), SPINNAKER2),
    "recurrent 1000 (spinnaker2)": (Network([DenseLayer(100, 1000, 0.05, recurrent=True)]), SPINNAKER2),
}


def comparison_rows():
    rows = []
    for name, (net, chip) in COMPARISON.items():
        for placement in ("hamilton", "anneal", "rowmajor", "random"):
            m = map_network(net, chip, placement, seed=0)
            rows.append((name, placement, m.cost.cores, m.cost.hop_traffic, m.cost.max_link_load,
                         m.cost.latency_ns, m.seconds))
    return rows


def main() -> None:
    print(f"{'network':<12} {'neurons':>9} {'cores':>6} {'mesh':>9} {'hamilton s':>10} {'anneal s':>9}")
    for name, neurons, cores, mesh, seconds, anneal_seconds in scaling_rows():
        print(f"{name:<12} {neurons:>9} {cores:>6} {mesh:>9} {seconds:>10.2f} {anneal_seconds:>9.2f}")
    print()
    width = max(len(name) for name in COMPARISON)
    print(f"{'network':<{width}} {'placement':<9} {'cores':>5} {'traffic*hops':>12} "
          f"{'max link':>9} {'latency ns':>10} {'seconds':>8}")
    for name, placement, cores, hop, link, latency, seconds in comparison_rows():
        print(f"{name:<{width}} {placement:<9} {cores:>5} {hop:>12.1f} {link:>9.1f} {latency:>10.0f} "
              f"{seconds:>8.2f}")


if __name__ == "__main__":
    main()
