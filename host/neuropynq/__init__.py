"""neuropynq: SNN sampling on PYNQ FPGAs and CPUs, bit for bit (see docs/spec.md)."""
__version__ = "0.1.0"
