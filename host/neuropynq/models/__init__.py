"""Probabilistic models: Bayesian networks (BIF), Boltzmann machines, task models."""
