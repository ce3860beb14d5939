"""The `neuropynq` command: SNN inference on a BIF network, exact inference, neural
sampling of a Boltzmann machine, mapping onto neuromorphic chips.

`--json` output is a contract (see `infer`, `exact`, `bm`, `map` below); bad input
exits with code 2 and one line on stderr."""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import select
import signal
import sys
import warnings
from pathlib import Path

import numpy as np

from . import __version__, progress, resources
from .errors import EvidenceError, ModelError, NeuropynqError, quote
from .proposals import DEFAULT_PROPOSAL, PROPOSALS

EXIT_BAD_INPUT = 2
EXIT_STDOUT_CLOSED = 128 + signal.SIGPIPE   # what a shell reports for a tool SIGPIPE killed
EVIDENCE_FILE_MAX = 64 << 20   # bytes of an --evidence-file (some 500 000 rows of ALARM)
MESSAGE_MAX = 400   # characters of an error line; a hostile value may be megabytes


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (the default prints the usage too)."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {_one_line(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="neuropynq", description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--version", action="version", version=f"neuropynq {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def bn_arguments(sub):
        sub.add_argument("model", metavar="MODEL.bif",
                         help="a BIF file, or the name of a bundled network (neuropynq examples)")
        sub.add_argument("--query", metavar="A[,B...]",
                         help="query variables (default: every non-evidence variable)")
        sub.add_argument("--evidence", metavar="X=s[,Y=t...]", help="observed states")
        sub.add_argument("--json", action="store_true", help="print JSON")

    infer = commands.add_parser("infer", help="posterior marginals by SNN importance sampling")
    bn_arguments(infer)
    infer.add_argument("--samples", type=int, default=16384, help="sample neurons S")
    infer.add_argument("--window", type=int, default=256, help="spike window T (steps)")
    infer.add_argument("--seed", type=int, default=0)
    infer.add_argument("--rate", type=float, default=0.5, help="maximum firing probability per step")
    infer.add_argument("--backend", default="auto", help="auto, ref, cpu or fpga")
    infer.add_argument("--proposal", choices=PROPOSALS, default=DEFAULT_PROPOSAL, metavar="NAME",
                       help="where samples come from (default auto): prior (likelihood weighting), epis (EPIS-BN: the "
                            "evidence propagated into the tables by loopy belief propagation) or auto "
                            "(whichever a short pilot on the host predicts the smaller error for)")
    infer.add_argument("--threads", type=int, metavar="N",
                       help="cpu backend: threads sharing the samples (default: every core)")
    infer.add_argument("--evidence-file", type=Path, metavar="ROWS.csv",
                       help="many queries: header = variable names, one evidence set per row "
                            "(empty cell = unobserved); prints one JSON object per row")
    infer.set_defaults(run=_infer)

    exact = commands.add_parser("exact", help="exact posterior marginals by variable elimination")
    bn_arguments(exact)
    exact.set_defaults(run=_exact)

    examples = commands.add_parser("examples", help="list the bundled example networks")
    examples.set_defaults(run=_examples)

    bm = commands.add_parser("bm", help="neural sampling of a Boltzmann machine (.npz with W and b)")
    bm.add_argument("model", type=Path, metavar="MODEL.npz")
    bm.add_argument("--sweeps", type=int, required=True, help="recorded states")
    bm.add_argument("--burn-in", type=int, default=100)
    bm.add_argument("--thin", type=int, default=1, help="sweeps per recorded state")
    bm.add_argument("--tau", type=int, default=1, help="refractory time (1 = Gibbs sampling)")
    bm.add_argument("--clamp", metavar="i=v[,j=w...]", help="neurons clamped to 0 or 1")
    bm.add_argument("--seed", type=int, default=0)
    bm.add_argument("--backend", default="auto", help="auto, ref, cpu or fpga")
    bm.add_argument("--json", action="store_true", help="print JSON")
    bm.set_defaults(run=_bm)
    _add_map_command(commands)

    info = commands.add_parser("info", help="version, the backends that run here, the board, "
                                            "each kernel's overlay and each kernel build's limits")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(run=_info)
    for sub in commands.choices.values():
        sub.add_argument("--quiet", action="store_true",
                         help="no progress lines on stderr (never shown with --json or when piped)")
    return parser


def main(argv: list[str] | None = None) -> int:
    # One line on stderr is the contract: a warning (numpy overflow while a hostile
    # table is checked, say) must never add lines; bad values are errors, not warnings.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        args = build_parser().parse_args(argv)
        try:
            with progress.quiet(args.quiet or getattr(args, "json", False)):
                args.run(args)
            sys.stdout.flush()   # a closed stdout must raise here, not at interpreter exit
        except BrokenPipeError as exc:
            if not _stdout_reader_gone():
                _fail(_os_error_line(exc))
            # The reader quit early (`neuropynq ... | head -1`): not an error of the input.
            # Leave as cat or seq do when SIGPIPE kills them: no message, and the status
            # the shell shows for them (128 + SIGPIPE = 141), so `set -o pipefail` still
            # knows the output was cut. Not the signal itself: main() also runs in-process.
            # stdout now points at devnull, else Python's final flush reports the pipe again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            raise SystemExit(EXIT_STDOUT_CLOSED)
        except OSError as exc:
            _fail(_os_error_line(exc))
        except (NeuropynqError, ValueError) as exc:
            _fail(str(exc))
        except MemoryError:
            _fail("out of memory (the input is larger than this machine can handle)")
    return 0


def _os_error_line(exc: OSError) -> str:
    return f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)


def _stdout_reader_gone() -> bool:
    """Whether stdout is a pipe or socket whose reader has closed it: a broken pipe
    elsewhere (a file or connection of the command's own) stays an error."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):   # no poll(), or stdout has no descriptor
        return False


def _one_line(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= MESSAGE_MAX else line[:MESSAGE_MAX] + "..."


def _fail(message: str):
    _warn(message)
    raise SystemExit(EXIT_BAD_INPUT)


def _warn(message: str) -> None:
    print(f"neuropynq: error: {_one_line(message)}", file=sys.stderr)


def parse_assignments(text: str | None, what: str) -> dict[str, str]:
    """"A=x,B=y" -> {"A": "x", "B": "y"}; EvidenceError naming a malformed item."""
    if not text:
        return {}
    out: dict[str, str] = {}
    for item in text.split(","):
        name, eq, value = (part.strip() for part in item.partition("="))
        if not eq or not name or not value or "=" in value:
            raise EvidenceError(f"bad {what} {item.strip()!r}: expected NAME=VALUE")
        if name in out:
            raise EvidenceError(f"{what} gives {name!r} twice")
        out[name] = value
    return out


def parse_clamp(text: str | None) -> dict[int, int]:
    """"0=1,3=0" -> {0: 1, 3: 0}; EvidenceError naming a malformed clamp."""
    clamp: dict[int, int] = {}
    for name, value in parse_assignments(text, "clamp").items():
        if not name.isdigit() or value not in ("0", "1"):
            raise EvidenceError(f"bad clamp '{name}={value}': expected NEURON=0 or NEURON=1")
        clamp[int(name)] = int(value)
    return clamp


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [name.strip() for name in text.split(",")]


def _load_bn(model: str):
    from .models.bayesnet import BayesNet
    # A path that exists wins over a bundled network of the same name.
    path = Path(model) if Path(model).exists() else resources.example(model)
    try:
        return BayesNet.from_bif(path)
    except NeuropynqError as exc:
        if str(path) in str(exc):
            raise
        raise type(exc)(f"{path}: {exc}") from None


def _infer(args) -> None:
    from .sampler import Sampler
    if args.evidence_file is not None:
        _infer_rows(args)
        return
    bn = _load_bn(args.model)
    evidence = parse_assignments(args.evidence, "evidence")
    sampler = Sampler(args.backend, threads=args.threads)
    post = sampler.posterior(bn, evidence, _names(args.query), samples=args.samples,
                             window=args.window, seed=args.seed, rate=args.rate, proposal=args.proposal)
    if args.json:
        _print_json({"backend": post.backend, "samples": post.samples, "window": post.window,
                     "seed": post.seed, "proposal": post.proposal, "seconds": post.seconds,
                     "posterior": post.to_dict()})
    else:
        print(f"SNN posterior: {post.backend} backend, S={post.samples}, T={post.window}, "
              f"seed {post.seed}, proposal {post.proposal}, {post.total} spikes, {post.seconds:.3f} s")
        _print_table(post.to_dict())


def read_evidence_rows(path: Path, bn) -> list[tuple[int, dict[str, str] | str]]:
    """(line number, evidence) for each row of an evidence CSV, or (line number, what
    is wrong) for a row with the wrong number of cells. The header names variables of
    `bn` (EvidenceError otherwise: it concerns every row); empty cells are unobserved;
    blank lines are skipped."""
    from .input_files import read_text
    reader = csv.reader(io.StringIO(read_text(path, "an evidence CSV", EVIDENCE_FILE_MAX), newline=""))
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            raise EvidenceError(f"{path} line 1: no header line of variable names")
        for name in header:
            if name not in bn.states:
                raise EvidenceError(f"{path} line {reader.line_num}: unknown variable {quote(name)} in the header")
        if len(set(header)) != len(header):
            twice = next(name for name in header if header.count(name) > 1)
            raise EvidenceError(f"{path} line {reader.line_num}: the header names {quote(twice)} twice")
        rows: list[tuple[int, dict[str, str] | str]] = []
        for cells in reader:
            if not cells:
                continue
            if len(cells) != len(header):
                rows.append((reader.line_num, f"{len(cells)} cells; the header has {len(header)}"))
                continue
            rows.append((reader.line_num, {v: c.strip() for v, c in zip(header, cells) if c.strip()}))
    except csv.Error as exc:   # a cell past csv's field size limit, say
        raise EvidenceError(f"{path} line {reader.line_num}: not readable as CSV ({exc})") from None
    return rows


def _infer_rows(args) -> None:
    """One JSON line per evidence row; a bad row is named on stderr and skipped, and
    the exit code is then 2."""
    from .sampler import Sampler
    if args.evidence:
        raise EvidenceError("give --evidence or --evidence-file, not both")
    bn = _load_bn(args.model)
    rows = read_evidence_rows(args.evidence_file, bn)
    good = [(line, evidence) for line, evidence in rows if isinstance(evidence, dict)]
    bad = {line: what for line, what in rows if isinstance(what, str)}
    sampler = Sampler(args.backend, threads=args.threads)
    answers = sampler.iter_posteriors(bn, [evidence for _, evidence in good], _names(args.query),
                                      samples=args.samples, window=args.window, seed=args.seed,
                                      rate=args.rate, errors="return", proposal=args.proposal)
    answered = iter(zip(good, answers))
    for line, _ in rows:
        if line in bad:
            _warn(f"{args.evidence_file} line {line}: {bad[line]}")
            continue
        _, post = next(answered)
        if isinstance(post, NeuropynqError):
            _warn(f"{args.evidence_file} line {line}: {post}")
            bad[line] = str(post)
            continue
        print(json.dumps({"line": line, "evidence": post.evidence, "backend": post.backend,
                          "samples": post.samples, "window": post.window, "seed": post.seed,
                          "proposal": post.proposal, "seconds": post.seconds, "posterior": post.to_dict()}),
              flush=True)
    if bad:
        raise SystemExit(EXIT_BAD_INPUT)


def _examples(args) -> None:
    from .models.bayesnet import BayesNet
    print(f"bundled networks (use the name in place of MODEL.bif), in {resources.examples_dir()}:")
    for name in resources.example_names():
        bn = BayesNet.from_bif(resources.example(name))
        print(f"  {name:<12} {len(bn.variables):>3} variables")


def _exact(args) -> None:
    from .exact.variable_elimination import posterior_marginals
    bn = _load_bn(args.model)
    observed = bn.parse_evidence(parse_assignments(args.evidence, "evidence"))
    query = _names(args.query) or [v for v in bn.variables if v not in observed]
    for v in query:
        if v not in bn.states:
            raise EvidenceError(f"unknown query variable {v!r}")
    # Observed query variables get their point mass there, after the P(e) = 0 check.
    exact = posterior_marginals(bn, observed, query)
    posterior = {v: {s: float(x) for s, x in zip(bn.states[v], exact[v])} for v in query}
    if args.json:
        _print_json({"posterior": posterior})
    else:
        print("exact posterior (variable elimination)")
        _print_table(posterior)


def _bm(args) -> None:
    from .exact.enumeration import ENUMERATION_MAX
    from .models.boltzmann import BoltzmannMachine
    from .sampler import Sampler
    bm = BoltzmannMachine.load(args.model)
    small = bm.n <= ENUMERATION_MAX
    run = Sampler(args.backend).sample(bm, args.sweeps, burn_in=args.burn_in, tau=args.tau,
                                       clamp=parse_clamp(args.clamp), seed=args.seed,
                                       thin=args.thin, record=small)
    if args.json:
        out = {"backend": run.backend, "sweeps": run.sweeps, "seconds": run.seconds,
               "marginals": [float(m) for m in run.marginals]}
        if small:
            out["histogram"] = run.histogram()
        _print_json(out)
        return
    print(f"Boltzmann machine N={bm.n}: {run.backend} backend, {run.sweeps} sweeps, {run.seconds:.3f} s")
    print(f"{'neuron':>6}  {'P(z=1)':>8}  {'spikes':>8}")
    for k, (m, s) in enumerate(zip(run.marginals, run.spike_counts)):
        print(f"{k:>6}  {m:8.4f}  {int(s):>8}")
    if small:
        top = sorted(run.histogram().items(), key=lambda kv: -kv[1])[:10]
        print("most frequent states (character i = neuron i):")
        for state, count in top:
            print(f"  {state}  {count / run.sweeps:.4f}")


def _add_map_command(commands) -> None:
    sub = commands.add_parser("map", help="map an SNN onto a many-core neuromorphic chip")
    sub.add_argument("model", type=Path, metavar="MODEL",
                     help="JSON layer list (docs/mapping.md) or a .npz network from neuropynq.train")
    sub.add_argument("--chip", default="tianjicx", metavar="tianjicx|spinnaker2|FILE.json")
    sub.add_argument("--placement", default="hamilton", metavar="hamilton|anneal|rowmajor|random")
    sub.add_argument("--seed", type=int, default=0, help="seed of the random and anneal placements")
    sub.add_argument("--svg", type=Path, metavar="FILE.svg", help="also draw the placed mesh")
    sub.add_argument("--json", action="store_true", help="print the mapping as JSON")
    sub.set_defaults(run=_map)


def _map(args) -> None:
    from .mapping import load_chip, load_network, map_network, write_svg
    mapping = map_network(load_network(args.model), load_chip(args.chip), args.placement, args.seed)
    if args.svg:
        if args.svg.is_fifo():   # opening it would wait for a reader for ever
            raise ModelError(f"cannot write {args.svg}: it is a named pipe")
        try:
            write_svg(mapping, args.svg)
        except OSError as exc:
            raise ModelError(f"cannot write {args.svg}: {exc.strerror}") from None
    if args.json:
        _print_json(mapping.to_dict())
    else:
        print(mapping.summary())


def _info(args) -> None:
    from .info import gather
    machine = gather()
    if args.json:
        _print_json(machine.to_dict())
    else:
        print(machine)


def _print_json(obj) -> None:
    try:   # built whole first, so that a failure prints nothing
        text = json.dumps(obj, indent=2, allow_nan=False)
    except ValueError:
        raise ModelError("the result holds a non-finite number, which JSON cannot express") from None
    print(text)


def _print_table(posterior: dict[str, dict[str, float]]) -> None:
    vw = max([8, *map(len, posterior)])
    sw = max([5, *(len(s) for d in posterior.values() for s in d)])
    print(f"{'variable':<{vw}}  {'state':<{sw}}  {'P':>7}")
    for v, dist in posterior.items():
        for i, (s, p) in enumerate(dist.items()):
            print(f"{v if i == 0 else '':<{vw}}  {s:<{sw}}  {p:7.4f}")

