"""`Sampler`: SNN posterior inference on Bayesian networks and neural sampling of
Boltzmann machines, on any backend that speaks the spec's frames."""
from __future__ import annotations

import time

import numpy as np

from .backends.base import Backend
from .backends.registry import AUTO_ORDER, auto_backend, get_backend
from .errors import BackendUnavailable, EvidenceError, NeuropynqError, ParameterError
from .framing import parse_output
from .proposals import DEFAULT_PROPOSAL, check_proposal, proposal_model
from .progress import RATES, Progress, timed, visible as progress_visible
from .results import BMSamples, Posterior


# Progress on a run with no time estimate yet: work units (neuron updates) from which
# short runs of about 1/CALIBRATION_SHARE of the work are timed first (about 3 % more
# work), only when someone watches.
CALIBRATE_FROM = 1 << 20
CALIBRATION_SHARE = 64


class Sampler:
    """Runs the kernels on one backend: "ref", "cpu", "fpga", "auto" (the first of
    fpga, cpu, ref that can run here) or a `Backend` instance.

    `threads`: host threads per run on the cpu backend, which splits a Bayesian-network
    run's samples between them (default: every core); the counts do not depend on it.
    Other backends ignore it."""

    def __init__(self, backend: str | Backend = "auto", threads: int | None = None):
        self.unavailable: dict[str, str] = {}
        if isinstance(backend, Backend):
            self.backend = backend
        elif backend == "auto":
            self.backend, self.unavailable = auto_backend()
        else:
            self.backend = get_backend(backend)
        if threads is not None:
            self.backend = self.backend.with_threads(threads)

    def describe(self) -> str:
        """Which backend runs, and why any backend `auto` preferred to it could not."""
        lines = [f"backend: {self.backend.name}"]
        lines += [f"  {name}: {self.unavailable[name]}" for name in AUTO_ORDER if name in self.unavailable]
        return "\n".join(lines)

    def posterior(self, bn, evidence=None, query=None, samples: int = 16384, window: int = 256,
                  seed: int = 0, rate: float = 0.5, proposal: str = DEFAULT_PROPOSAL) -> Posterior:
        """P̂(query | evidence) by importance sampling with Poisson-spiking sample neurons.

        `evidence` maps variables to state names or indices; `query` is a variable
        name or a list of them (default: every non-evidence variable). A query on an
        evidence variable gives the point mass on its observed state.

        `proposal` is where the samples come from (neuropynq.proposals): "prior"
        (likelihood weighting), "epis" (EPIS-BN: loopy belief propagation of the
        evidence into the sampled variables' tables) or "auto" (whichever of the two
        a short host pilot predicts the smaller error for). The result's `proposal`
        says which ran.
        """
        from .kernels.bn_model import BNKernelModel, BNTables, rate_to_rmax

        start = time.perf_counter()
        limits = self.backend.bn_limits()
        observed = bn.parse_evidence(evidence)
        query = _query_list(bn, observed, query)
        rmax = rate_to_rmax(rate)
        BNKernelModel.check_run(samples, window, rmax, limits)
        check_proposal(proposal)
        return self._posterior(BNTables(bn, limits), observed, query, samples, window, seed, rmax, proposal,
                               start, watch=True)

    def posterior_batch(self, bn, evidence_rows, query=None, samples: int = 16384, window: int = 256,
                        seed: int = 0, rate: float = 0.5, errors: str = "raise",
                        proposal: str = DEFAULT_PROPOSAL) -> list:
        """`posterior` for each evidence set of `evidence_rows` (dicts as `posterior`
        takes), with the same query and run parameters: row i's answer equals
        `posterior(bn, evidence_rows[i], ...)` count for count. The work that does not
        depend on the evidence (checks, quantised tables, backend set-up) is done once.

        A row whose evidence is bad (unknown variable or state, probability zero, no
        spikes, tables past the build's limits) raises its error naming the row when
        `errors="raise"`; with `errors="return"` its place in the list holds the error
        (a NeuropynqError) and the other rows are still answered.
        """
        return list(self.iter_posteriors(bn, evidence_rows, query, samples, window, seed, rate, errors,
                                         proposal))

    def iter_posteriors(self, bn, evidence_rows, query=None, samples: int = 16384, window: int = 256,
                        seed: int = 0, rate: float = 0.5, errors: str = "raise",
                        proposal: str = DEFAULT_PROPOSAL):
        """`posterior_batch` one row at a time: a generator, returned once the run
        parameters and the query have been checked (those fail the whole batch here)."""
        from .kernels.bn_model import BNKernelModel, BNTables, rate_to_rmax

        if errors not in ("raise", "return"):
            raise ParameterError(f"errors must be 'raise' or 'return', got {errors!r}")
        limits = self.backend.bn_limits()
        if query is not None:
            _query_list(bn, {}, query)
        rmax = rate_to_rmax(rate)
        BNKernelModel.check_run(samples, window, rmax, limits)
        BNKernelModel.check_seed(seed)
        check_proposal(proposal)
        return self._rows(BNTables(bn, limits), evidence_rows, query, samples, window, seed, rmax, proposal,
                          errors)

    def _rows(self, tables, evidence_rows, query, samples, window, seed, rmax, proposal, errors):
        bn = tables.bn
        total = len(evidence_rows) if hasattr(evidence_rows, "__len__") else None
        with Progress(total, f"evidence rows on {self.backend.name}") as progress:
            for i, evidence in enumerate(evidence_rows):
                start = time.perf_counter()
                try:
                    observed = bn.parse_evidence(evidence)
                    answer = self._posterior(tables, observed, _query_list(bn, observed, query),
                                             samples, window, seed, rmax, proposal, start)
                except (ParameterError, BackendUnavailable):
                    raise   # the same for every row
                except NeuropynqError as exc:
                    if errors == "raise":
                        raise type(exc)(f"evidence row {i}: {exc}") from exc
                    answer = exc
                progress.advance()
                yield answer

    def _posterior(self, tables, observed: dict[str, int], query: list[str], samples: int, window: int,
                   seed: int, rmax: int, proposal: str, start: float, watch: bool = False) -> Posterior:
        bn = tables.bn
        model, used = proposal_model(tables, observed, proposal, window, rmax, seed)
        frame = model.run_frame(samples, window, seed, rmax)
        # Work units for the time estimate: every sample neuron draws V variables, then steps T times.
        units = samples * (model.n_vars + window)
        def short_run(share: int):
            part = max(1, samples // share)
            return model.run_frame(part, window, seed, rmax), part * (model.n_vars + window)

        result = model.unpack(parse_output(self._execute(frame, "bn_sampler", units, watch, short_run)))
        if result.total == 0:
            _explain_no_spikes(bn, observed)
        return Posterior(
            marginals={v: result.counts[v] / result.total for v in query},
            states={v: list(bn.states[v]) for v in query},
            counts={v: result.counts[v] for v in bn.variables}, total=int(result.total),
            samples=samples, window=window, seed=seed, backend=self.backend.name,
            seconds=time.perf_counter() - start,
            evidence={v: bn.states[v][k] for v, k in observed.items()}, proposal=used)

    def sample(self, bm, sweeps: int, burn_in: int = 100, tau: int = 1, clamp=None, seed: int = 0,
               thin: int = 1, record: bool = True, init=None) -> BMSamples:
        """Neural sampling of `bm` (refractory time `tau`; 1 = Gibbs): `sweeps` recorded
        states, one every `thin` sweeps after `burn_in`; `clamp` maps neuron -> 0/1.

        The chain starts from `init` (N refractory counters 0…tau; 0/1 states for
        Gibbs sampling) or, by default, with every free neuron off; clamped neurons
        keep their clamp value whatever `init` says. It ends in the result's
        `final_state`, so passing that (with a new seed) as the next run's `init`
        continues the chain (persistent chains)."""
        start = time.perf_counter()
        model, frame, units, short_run = self._bm_run(bm, sweeps, burn_in, tau, clamp, seed, thin, record, init)
        out = self._execute(frame, "bm_sampler", units, short_run=short_run)
        return self._bm_samples(model, out, sweeps, record, time.perf_counter() - start)

    def sample_chains(self, bm, chains: int, sweeps: int, burn_in: int = 100, tau: int = 1, clamp=None,
                      seed: int = 0, thin: int = 1, record: bool = True, init=None) -> list[BMSamples]:
        """`chains` independent chains of `bm`: chain c is, bit for bit, the run
        `sample(bm, sweeps, burn_in, tau, clamp, seed + c, thin, record, init_c)`, with
        `init` None, one start state for every chain, or one per chain (a (chains, N)
        array, e.g. the previous call's final states). On a board whose dense bm overlay
        holds several kernels (boards.txt bm_instances: the ZCU104's two) the chains run
        side by side, as many at a time; elsewhere one after another. Each result's
        `seconds` is the whole call's."""
        if isinstance(chains, bool) or not isinstance(chains, (int, np.integer)) or chains < 1:
            raise ParameterError(f"chains must be a positive integer, got {chains!r}")
        starts = [None] * chains
        if init is not None:
            init = np.asarray(init)
            if init.ndim == 2 and init.shape[0] != chains:
                raise ParameterError(f"init holds {init.shape[0]} start states for {chains} chains")
            starts = list(init) if init.ndim == 2 else [init] * chains
        start = time.perf_counter()
        runs = [self._bm_run(bm, sweeps, burn_in, tau, clamp, seed + c, thin, record, starts[c])
                for c in range(chains)]
        with timed(f"{chains} bm_sampler chains on {self.backend.name}", None):
            outs = self.backend.execute_many([run[1] for run in runs])
        seconds = time.perf_counter() - start
        return [self._bm_samples(run[0], out, sweeps, record, seconds) for run, out in zip(runs, outs)]

    def _bm_run(self, bm, sweeps, burn_in, tau, clamp, seed, thin, record, init):
        """The kernel model, frame, work units and short-run maker of one bm run."""
        from .kernels.bm_model import BMKernelModel

        model = BMKernelModel.build(bm, clamp)
        # The build that runs it (the fpga backend: its dense or its sparse bm overlay)
        limits = self.backend.bm_frame_limits(model)
        model.check_run(sweeps, burn_in, thin, tau, record, limits)
        # RUN, or RUN_SPARSE for a machine of bounded degree the build takes only so
        frame = model.frame(limits, sweeps, burn_in, thin, tau, seed, record, init)
        units = bm.n * (burn_in + sweeps * thin)     # neuron updates, for the time estimate
        def short_run(share: int):
            part, warm = max(1, sweeps // share), burn_in // share
            return model.frame(limits, part, warm, thin, tau, seed, record, init), bm.n * (warm + part * thin)
        return model, frame, units, short_run

    def _bm_samples(self, model, out, sweeps: int, record: bool, seconds: float) -> BMSamples:
        counts = model.unpack(parse_output(out), sweeps, record)
        return BMSamples(on_counts=counts.on_counts, spike_counts=counts.spike_counts,
                         states=counts.states, sweeps=sweeps, backend=self.backend.name,
                         seconds=seconds, final_state=counts.final_state)

    def _execute(self, frame, kernel: str, units: int, watch: bool = True, short_run=None):
        """The backend's output frame; progress shown while a long frame runs, its
        length estimated from earlier runs of the kernel on this backend. With no
        earlier run, a large run that someone watches is estimated first from short
        runs of the same model (`short_run(share)` gives the frame and work units of
        about 1/share of this run), whose outputs are discarded."""
        if not watch:
            return self.backend.execute(frame)
        kind, what = (self.backend.name, kernel), f"{kernel} on {self.backend.name}"
        if (RATES.expected(kind, units) is None and units >= CALIBRATE_FROM and short_run is not None
                and progress_visible()):
            self._calibrate(kind, short_run)
        start = time.perf_counter()
        with timed(what, RATES.expected(kind, units)):
            out = self.backend.execute(frame)
        RATES.record(kind, units, time.perf_counter() - start)
        return out

    def _calibrate(self, kind: tuple, short_run) -> None:
        """Seconds per work unit from short runs: the first warms the backend up (its
        time holds one-off costs), then two of different sizes, whose difference
        leaves out what every frame costs whatever its size."""
        seconds, units = [], []
        for share in (2 * CALIBRATION_SHARE, 2 * CALIBRATION_SHARE, CALIBRATION_SHARE):
            frame, work = short_run(share)
            start = time.perf_counter()
            self.backend.execute(frame)
            seconds.append(time.perf_counter() - start)
            units.append(work)
        slope = (seconds[2] - seconds[1]) / (units[2] - units[1]) if units[2] > units[1] else 0.0
        RATES.record(kind, 1, slope if slope > 0 else seconds[2] / units[2])

def _query_list(bn, observed: dict[str, int], query) -> list[str]:
    if query is None:
        return [v for v in bn.variables if v not in observed]
    names = [query] if isinstance(query, str) else list(query)
    if not names:
        raise EvidenceError("the query names no variable")
    for v in names:
        if v not in bn.states:
            raise EvidenceError(f"unknown query variable {v!r} (network {bn.name!r} has no such variable)")
    return names


def _explain_no_spikes(bn, observed: dict[str, int]) -> None:
    """No sample neuron spiked: either the evidence is impossible or the run was too short."""
    from .exact.variable_elimination import probability_of_evidence

    if observed and probability_of_evidence(bn, observed) == 0:
        given = ", ".join(f"{v}={bn.states[v][k]}" for v, k in observed.items())
        raise EvidenceError(f"evidence has probability zero: {given}")
    raise NeuropynqError("no spikes: raise samples, window or rate")
