"""Every endpoint of a routed proxy run, not just the critical path.

nextpnr-ecp5's report names one critical path per clock; a design that misses its
target by a few nanoseconds usually has many slow paths, and a place-and-route of the
sparse overlay takes an hour or more. So tools/timing_estimate.py keeps nextpnr's SDF
(routed.sdf: every cell arc and every routed net delay) beside each run, and this tool
runs a static timing analysis over it: the longest arrival at every register, block
RAM and multiplier input, grouped by source signal, slowest first.

    python tools/timing_paths.py build/timing/<run> [--period 10] [--top 25]

(or a run's placed.sdf from `timing_estimate.py --placed-only`: the same ranking over
nextpnr's estimated delays before routing)

prints, per endpoint signal over the period: its worst arrival, how many of its bits
are over, and the signals its worst path runs through (launch first). The arrival of
the slowest endpoint is the critical path nextpnr reports (the same SDF, the max
corner, setup times included), which tests/test_timing_paths.py checks on a real run.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import timing_estimate as te  # noqa: E402  (signal_root: cell name -> source signal)

_INSTANCE = re.compile(r"\(INSTANCE\s*(.*?)\)\s*$")
_IOPATH = re.compile(r"\(IOPATH\s+(\S+)\s+(\S+)\s+\(([\d.]+):([\d.]+):([\d.]+)\)"
                     r"(?:\s+\(([\d.]+):([\d.]+):([\d.]+)\))?")
_INTERCONNECT = re.compile(r"\(INTERCONNECT\s+(\S+)\s+(\S+)\s+\(([\d.]+):([\d.]+):([\d.]+)\)"
                           r"(?:\s+\(([\d.]+):([\d.]+):([\d.]+)\))?")
_SETUP = re.compile(r"\(SETUPHOLD\s+\((?:pos|neg)edge\s+(\S+)\)\s+\((?:pos|neg)edge\s+(\S+)\)"
                    r"\s+\(([\d.]+):([\d.]+):([\d.]+)\)")
_UNESCAPE = re.compile(r"\\(.)")
# Arcs that start at a clock pin launch a path (flip-flop, block RAM, LUT-RAM write,
# registered multiplier); the ECP5 cells' clock pins:
CLOCK_PINS = frozenset({"CLK", "CLKA", "CLKB", "WCK", "CLK0", "CLK1", "CLK2", "CLK3"})


def _unescape(name: str) -> str:
    return _UNESCAPE.sub(r"\1", name)


def _split_pin(path: str) -> tuple[str, str]:
    """'cell/PIN' (SDF escapes a '/' inside a name as '\\/') -> (cell, PIN)."""
    cut = max(i for i, c in enumerate(path) if c == "/" and (i == 0 or path[i - 1] != "\\"))
    return _unescape(path[:cut]), path[cut + 1:]


def _worst(groups: tuple[str | None, ...]) -> float:
    """The max-corner delay (ps) of an SDF arc: the larger of rise and fall."""
    return max(float(groups[i]) for i in (2, 5) if groups[i] is not None)


@dataclass
class Graph:
    """The routed design's timing arcs, pins named (cell, pin)."""
    arcs: dict            # pin -> [(next pin, delay ps)]
    launch: dict          # pin -> clock-to-out delay (ps) of a clocked output
    setup: dict           # endpoint pin -> setup time (ps)


def read_sdf(text: str) -> Graph:
    arcs: dict = defaultdict(list)
    launch: dict = {}
    setup: dict = {}
    instance = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("(INSTANCE"):
            instance = _unescape(_INSTANCE.match(line).group(1).strip())
        elif line.startswith("(IOPATH"):
            m = _IOPATH.match(line)
            src, dst, delay = m.group(1), m.group(2), _worst(m.groups()[2:])
            if src in CLOCK_PINS:
                key = (instance, dst)
                launch[key] = max(launch.get(key, 0.0), delay)
            else:
                arcs[(instance, src)].append(((instance, dst), delay))
        elif line.startswith("(INTERCONNECT"):
            m = _INTERCONNECT.match(line)
            arcs[_split_pin(m.group(1))].append((_split_pin(m.group(2)), _worst(m.groups()[2:])))
        elif line.startswith("(SETUPHOLD"):
            m = _SETUP.match(line)
            if m and m.group(2) in CLOCK_PINS:
                key = (instance, m.group(1))
                setup[key] = max(setup.get(key, 0.0), float(m.group(5)))
    return Graph(dict(arcs), launch, setup)


def arrivals(g: Graph) -> tuple[dict, dict]:
    """Longest arrival (ps, from the clock edge) at every pin reachable from a launch,
    and each pin's predecessor on that path."""
    indegree: dict = defaultdict(int)
    for src, outs in g.arcs.items():
        for dst, _ in outs:
            indegree[dst] += 1
    arrive = dict(g.launch)
    before: dict = {}
    # Kahn's order over the whole graph: pins no launch reaches stay absent.
    ready = [p for p in set(g.arcs) | set(g.launch) if indegree[p] == 0]
    while ready:
        pin = ready.pop()
        at = arrive.get(pin)
        for dst, delay in g.arcs.get(pin, ()):
            if at is not None and at + delay > arrive.get(dst, -1.0):
                arrive[dst] = at + delay
                before[dst] = pin
            indegree[dst] -= 1
            if indegree[dst] == 0:
                ready.append(dst)
    if any(n > 0 for n in indegree.values()):
        raise ValueError("the SDF's arcs form a combinational loop")
    return arrive, before


@dataclass(frozen=True)
class Endpoint:
    signal: str           # source signal of the endpoint (signal_root)
    arrival_ns: float     # worst arrival plus setup
    bits: int             # endpoint pins of this signal over the period
    through: tuple        # source signals along its worst path, launch first
    pins: tuple = ()      # that path pin by pin: ((cell, pin), arrival ns), launch first


def _path(pin, before, arrive) -> tuple:
    pins = []
    while pin is not None:
        pins.append((pin, arrive[pin] / 1000))
        pin = before.get(pin)
    return tuple(reversed(pins))


def _signals(pins) -> tuple[str, ...]:
    names = []
    for (cell, _), _ in pins:
        name = te.signal_root(cell)[0]
        if not names or names[-1] != name:
            names.append(name)
    return tuple(names)


def endpoints(g: Graph, period_ns: float) -> tuple[list[Endpoint], int, int]:
    """Endpoint signals with a path over `period_ns`, slowest first; the number of
    endpoint pins over it and in all."""
    arrive, before = arrivals(g)
    groups: dict = {}
    over = 0
    timed = 0
    for pin, setup in g.setup.items():
        if pin not in arrive:
            continue
        timed += 1
        total = (arrive[pin] + setup) / 1000
        if total <= period_ns:
            continue
        over += 1
        name = te.signal_root(pin[0])[0]
        worst, bits, where = groups.get(name, (0.0, 0, pin))
        groups[name] = (max(worst, total), bits + 1, pin if total > worst else where)
    rows = []
    for name, (worst, bits, where) in groups.items():
        pins = _path(where, before, arrive)
        rows.append(Endpoint(name, worst, bits, _signals(pins), pins))
    return sorted(rows, key=lambda e: -e.arrival_ns), over, timed


def format_endpoints(rows: list[Endpoint], over: int, timed: int, period_ns: float,
                     top: int) -> list[str]:
    lines = [f"endpoints over {period_ns:g} ns: {over:,} of {timed:,} "
             f"({len(rows)} signals; worst {rows[0].arrival_ns:.2f} ns)" if rows else
             f"endpoints over {period_ns:g} ns: none of {timed:,}"]
    for e in rows[:top]:
        lines.append(f"  {e.arrival_ns:6.2f} ns  {e.bits:5d} bits  {e.signal}")
        lines.append(f"{'':27}via {' -> '.join(e.through)}")
    if len(rows) > top:
        lines.append(f"  ... {len(rows) - top} more signals")
    return lines


def format_pins(e: Endpoint) -> list[str]:
    """An endpoint's worst path pin by pin: arrival (ns) and cell/pin."""
    return [f"worst path to {e.signal} ({e.arrival_ns:.2f} ns with setup):"] + \
        [f"  {at:6.2f}  {cell}/{pin}" for (cell, pin), at in e.pins]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", type=Path, help="a run folder of tools/timing_estimate.py "
                    "(build/timing/<kernel>-<sizes>-<digest>) or its routed.sdf")
    ap.add_argument("--period", type=float, default=10.0, help="ns (default 10: 100 MHz)")
    ap.add_argument("--top", type=int, default=25, help="signals to print")
    ap.add_argument("--path", metavar="SIGNAL", action="append", default=[],
                    help="also print this endpoint signal's worst path pin by pin")
    args = ap.parse_args(argv)
    sdf = args.run / "routed.sdf" if args.run.is_dir() else args.run
    if not sdf.is_file():
        ap.error(f"{sdf} not found: runs of tools/timing_estimate.py write it with the routed design")
    rows, over, timed = endpoints(read_sdf(sdf.read_text()), args.period)
    print("\n".join(format_endpoints(rows, over, timed, args.period, args.top)))
    for signal in args.path:
        match = [e for e in rows if e.signal == signal]
        if not match:
            ap.error(f"{signal} has no endpoint over {args.period:g} ns")
        print("\n".join(format_pins(match[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
