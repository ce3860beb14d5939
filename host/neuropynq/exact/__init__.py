"""Exact inference, the yardstick of every sampler: variable elimination and enumeration."""
