"""Kernel models: a host model quantised and laid out as the kernels see it (docs/spec.md §2.1, §3.1, §4)."""
