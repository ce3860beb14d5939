"""The Python reference kernels (bit-exact to docs/spec.md) and their float twins."""
