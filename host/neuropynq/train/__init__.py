"""SNN training on the CPU (numpy): LIF/adaptive-LIF layers trained by surrogate-gradient
BPTT (STBP) with learnable axonal delays, trace-based STDP on latency codes, and
Boltzmann learning whose negative phase runs on the `bm_sampler` (any backend).
See docs/train.md."""
