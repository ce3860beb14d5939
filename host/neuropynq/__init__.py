"""neuropynq: SNN sampling on PYNQ FPGAs and CPUs, bit for bit (see docs/spec.md)."""
__version__ = "0.1.0"

# Public names, imported on first use so that `import neuropynq` stays light and
# does not depend on every submodule being importable.
_EXPORTS = {
    "BayesNet": "neuropynq.models.bayesnet",
    "BoltzmannMachine": "neuropynq.models.boltzmann",
    "posterior_marginals": "neuropynq.exact.variable_elimination",
    "probability_of_evidence": "neuropynq.exact.variable_elimination",
    "Sampler": "neuropynq.sampler",
    "Posterior": "neuropynq.results",
    "BMSamples": "neuropynq.results",
    "get_backend": "neuropynq.backends.registry",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'neuropynq' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
