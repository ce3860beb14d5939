"""Progress of long work, with an estimate of the time left.

One line on stderr, rewritten in place ("\\r"), shown only where someone watches it:
a terminal, or a Jupyter notebook (whose stderr renders "\\r" the same way). It is
silent when stderr is piped or redirected, inside `quiet()` (the CLI's --quiet and
--json), and for work that ends within SHOW_AFTER seconds or is projected to take
less than SHOW_FOR seconds in all: short runs print nothing at all.

    with Progress(len(rows), "rows") as bar:       # counted steps
        for row in rows:
            ...
            bar.advance()

    with timed("bm_sampler on cpu", expected=4.2):  # one opaque step (a kernel frame)
        backend.execute(frame)

Nothing here changes what the work computes: the callers only report to it.
"""
from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager

SHOW_AFTER = 0.5     # seconds before the first line (then the projection is meaningful)
SHOW_FOR = 2.0       # work projected to take less than this (in all) is never shown
REFRESH = 0.25       # seconds between redraws
TICK = 0.1           # how often a timed step's watcher wakes

_quiet = False


@contextmanager
def quiet(on: bool = True):
    """No progress while inside (on=False: leave it as it is)."""
    global _quiet
    before = _quiet
    _quiet = before or on
    try:
        yield
    finally:
        _quiet = before


def watched(stream) -> bool:
    """True when `stream` is a terminal or a Jupyter notebook's output."""
    if type(stream).__module__.startswith("ipykernel"):
        return True
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):    # no isatty, or a closed stream
        return False


def visible(stream=None) -> bool:
    """Whether progress would show on `stream` (default stderr) now."""
    return not _quiet and watched(sys.stderr if stream is None else stream)


def format_seconds(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """`total` steps of work called `what`; `advance(n)` after each n steps. The
    time left is projected from the steps done so far (their mean rate)."""

    def __init__(self, total: int | None, what: str, stream=None, clock=time.monotonic):
        self.total = total if total is None else max(0, int(total))
        self.what = what
        self.done = 0
        self.stream = sys.stderr if stream is None else stream
        self.clock = clock
        self.start = clock()
        self.enabled = visible(self.stream)
        self.shown = False
        self._last_draw = -REFRESH
        self._width = 0

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        self._update()

    def left(self) -> float | None:
        """Projected seconds left, or None before the first step (or with no total)."""
        if not self.done or self.total is None:
            return None
        elapsed = self.clock() - self.start
        return elapsed / self.done * max(0, self.total - self.done)

    def line(self) -> str:
        elapsed = self.clock() - self.start
        count = f"{self.done}/{self.total}" if self.total is not None else f"{self.done}"
        percent = f" {100 * self.done / self.total:3.0f}%" if self.total else ""
        left = self.left()
        eta = f", about {format_seconds(left)} left" if left is not None and self.done < (self.total or 0) else ""
        return f"{self.what}: {count}{percent} ({format_seconds(elapsed)}{eta})"

    def _worth_showing(self, now: float) -> bool:
        elapsed = now - self.start
        if elapsed < SHOW_AFTER:
            return False
        left = self.left()
        return elapsed + left >= SHOW_FOR if left is not None else elapsed >= SHOW_FOR

    def _update(self) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if not self.shown and not self._worth_showing(now):
            return
        if now - self._last_draw >= REFRESH:
            self._draw(self.line())
            self._last_draw = now

    def _draw(self, text: str) -> None:
        pad = max(0, self._width - len(text))   # clear what a longer line left
        self._width = len(text)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self.shown = True

    def echo(self, text: str, file=None) -> None:
        """Print a line of the work's own output (stdout by default) without garbling the
        progress line: it is cleared first and drawn again below the text."""
        if self.shown:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
        print(text, file=sys.stdout if file is None else file, flush=True)
        if self.shown:
            self._draw(self.line())

    def close(self) -> None:
        """The final line (if the work was worth showing), ended by a newline."""
        if self.enabled and (self.shown or self._worth_showing(self.clock())):
            self._draw(self.line())
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


class _Timed(Progress):
    """One step expected to take `expected` seconds (None: unknown): a watcher thread
    redraws elapsed time and time left while the step runs."""

    def __init__(self, what: str, expected: float | None, stream=None, clock=time.monotonic):
        super().__init__(1, what, stream, clock)
        self.expected = expected
        self._stop = threading.Event()
        self._watcher = None
        if self.enabled:
            self._watcher = threading.Thread(target=self._watch, daemon=True)
            self._watcher.start()

    def left(self) -> float | None:
        if self.expected is None:
            return None
        return max(0.0, self.expected - (self.clock() - self.start))

    def line(self) -> str:
        elapsed = self.clock() - self.start
        left = self.left()
        if self.done:
            return f"{self.what}: done ({format_seconds(elapsed)})"
        if left is None:
            return f"{self.what}: running ({format_seconds(elapsed)})"
        return f"{self.what}: {format_seconds(elapsed)}, about {format_seconds(left)} left"

    def _worth_showing(self, now: float) -> bool:
        elapsed = now - self.start
        if elapsed < SHOW_AFTER:
            return False
        return elapsed >= SHOW_FOR or (self.expected is not None and self.expected >= SHOW_FOR)

    def _watch(self) -> None:
        while not self._stop.wait(TICK):
            self._update()

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        self.done = 1
        super().close()


@contextmanager
def timed(what: str, expected: float | None = None, stream=None, clock=time.monotonic):
    """Progress of one opaque step (see the module's docstring)."""
    step = _Timed(what, expected, stream, clock)
    try:
        yield step
    finally:
        step.close()


class Rates:
    """Seconds per unit of work, learnt from the runs of this process, so that a
    later run of the same kind can say how long it should take."""

    def __init__(self):
        self._per_unit: dict[tuple, float] = {}

    def expected(self, kind: tuple, units: float) -> float | None:
        rate = self._per_unit.get(kind)
        return None if rate is None else rate * units

    def record(self, kind: tuple, units: float, seconds: float) -> None:
        if units > 0:
            self._per_unit[kind] = seconds / units


RATES = Rates()
