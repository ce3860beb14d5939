"""BIF (Bayesian Interchange Format) reader and writer, bnlearn dialect.

Reads what the bnlearn repository files use::

    network NAME { property ...; }
    variable X { type discrete [ n ] { s0, s1, ... }; property ...; }
    probability ( X ) { table p0, p1, ...; }
    probability ( X | P0, P1 ) { (a, b) p0, p1, ...; default p0, p1, ...; }

plus `//` and `/* */` comments and double-quoted names. A `table` line in a
block with parents is rejected: dialects disagree on its ordering, so guessing
would risk a silently wrong model. Syntax errors name the line and what was
expected; structural checks (cycles, row sums, ...) are left to `BayesNet`.

Hostile files are bounded: the file size is checked before it is read, tokens are
produced one at a time (a file of 50 MiB of '{' fails at its first token), and the
size of every table (the product of its cardinalities) is checked before the table
is built, so a 4 KB file cannot ask for a 64 GiB table.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, NamedTuple

import numpy as np

from ..errors import LimitError, ModelError, quote
from ..input_files import decode_text, read_bytes

if TYPE_CHECKING:
    from .bayesnet import BayesNet

# The largest bnlearn files are ~5.5 MB and their largest table has 280000 entries
# (mildew); these bounds leave room for bigger real networks while keeping a
# hostile file's memory use to a few hundred MB.
FILE_BYTES_MAX = 64 << 20
TABLE_ENTRIES_MAX = 1 << 22       # entries of one probability table
TOTAL_ENTRIES_MAX = 1 << 24       # entries of all tables together
_STATE_COUNT = re.compile(r"[0-9]{1,6}")

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<comment>//[^\n]*|/\*.*?\*/)
      | (?P<punct>[{}()\[\],;|])
      | (?P<quoted>"[^"\n]*")
      | (?P<word>[^\s{}()\[\],;|"/]+(?:/(?![/*])[^\s{}()\[\],;|"/]*)*)
      | (?P<error>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class _Token(NamedTuple):
    kind: str   # "punct", "word" or "end"
    text: str
    line: int


@dataclass
class BifContent:
    """What a BIF file says, in the shape of the `BayesNet` constructor."""
    name: str
    variables: list[str]
    states: dict[str, list[str]]
    parents: dict[str, list[str]]
    cpts: dict[str, np.ndarray]


def _tokenise(text: str) -> Iterator[_Token]:
    """Tokens one at a time, then "end" for ever: the parser stops at the first
    error without the whole token list ever being built."""
    line = 1
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "word" or kind == "punct":
            yield _Token(kind, value, line)
        elif kind == "quoted":
            yield _Token("word", value[1:-1], line)
        elif kind == "error":
            raise ModelError(f"BIF line {line}: unexpected character {value!r}")
        else:
            line += value.count("\n")
    while True:
        yield _Token("end", "end of file", line)


@dataclass
class _ProbabilityBlock:
    variable: str
    parents: list[str]
    line: int
    table: tuple[list[float], int] | None = None          # values, line
    default: tuple[list[float], int] | None = None
    rows: list[tuple[list[str], list[float], int]] | None = None


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenise(text)
        self.next = next(self.tokens)

    def peek(self) -> _Token:
        return self.next

    def take(self) -> _Token:
        token = self.next
        self.next = next(self.tokens)
        return token

    def fail(self, token: _Token, expected: str) -> ModelError:
        return ModelError(f"BIF line {token.line}: expected {expected}, got {quote(token.text)}")

    def expect(self, text: str) -> _Token:
        token = self.take()
        if token.text != text or token.kind == "end":
            raise self.fail(token, repr(text))
        return token

    def name(self, what: str) -> str:
        token = self.take()
        if token.kind != "word":
            raise self.fail(token, what)
        return token.text

    def skip_property(self) -> None:
        """`property` lines carry free text up to ';' that no model field uses."""
        start = self.expect("property")
        while self.peek().text != ";":
            if self.peek().kind == "end":
                raise ModelError(f"BIF line {start.line}: property is not terminated by ';'")
            self.take()
        self.take()

    def names_until(self, closing: str, what: str) -> list[str]:
        names = [self.name(what)]
        while self.peek().text == ",":
            self.take()
            names.append(self.name(what))
        self.expect(closing)
        return names

    def numbers(self) -> list[float]:
        """Probabilities separated by commas (or blanks) up to ';'."""
        values: list[float] = []
        while True:
            token = self.take()
            if token.kind == "word":
                try:
                    values.append(float(token.text))
                except ValueError:
                    raise self.fail(token, "a probability") from None
                if len(token.text) > 100:   # float() takes any length; no probability needs it
                    raise self.fail(token, "a probability of at most 100 characters")
            elif token.text == ";" and values:
                return values
            else:
                raise self.fail(token, "a probability")
            if self.peek().text == ",":
                self.take()

    def network(self) -> str:
        self.expect("network")
        name = self.name("a network name")
        self.expect("{")
        while self.peek().text != "}":
            if self.peek().text != "property":
                raise self.fail(self.peek(), "'property' or '}'")
            self.skip_property()
        self.take()
        return name

    def variable(self) -> tuple[str, list[str], int]:
        start = self.expect("variable")
        name = self.name("a variable name")
        self.expect("{")
        states: list[str] | None = None
        while self.peek().text != "}":
            if self.peek().text == "property":
                self.skip_property()
                continue
            if self.peek().text != "type":
                raise self.fail(self.peek(), "'type', 'property' or '}'")
            self.take()
            self.expect("discrete")
            self.expect("[")
            count_token = self.take()
            if count_token.kind != "word" or not _STATE_COUNT.fullmatch(count_token.text):
                raise self.fail(count_token, "the number of states")
            self.expect("]")
            self.expect("{")
            states = self.names_until("}", "a state name")
            self.expect(";")
            if len(states) != int(count_token.text):
                raise ModelError(f"BIF line {count_token.line}: variable {name!r} declares "
                                 f"{count_token.text} states but lists {len(states)}")
        self.take()
        if states is None:
            raise ModelError(f"BIF line {start.line}: variable {name!r} has no 'type discrete' line")
        return name, states, start.line

    def probability(self) -> _ProbabilityBlock:
        start = self.expect("probability")
        self.expect("(")
        variable = self.name("a variable name")
        parents: list[str] = []
        if self.peek().text == "|":
            self.take()
            parents = self.names_until(")", "a parent name")
        else:
            self.expect(")")
        block = _ProbabilityBlock(variable, parents, start.line, rows=[])
        self.expect("{")
        while self.peek().text != "}":
            token = self.peek()
            if token.text == "property":
                self.skip_property()
            elif token.text in ("table", "default"):
                self.take()
                if getattr(block, token.text) is not None:
                    raise ModelError(f"BIF line {token.line}: second {token.text!r} line for {variable!r}")
                setattr(block, token.text, (self.numbers(), token.line))
            elif token.text == "(":
                self.take()
                configuration = self.names_until(")", "a parent state")
                block.rows.append((configuration, self.numbers(), token.line))
            else:
                raise self.fail(token, "'table', 'default', '(' or '}'")
        self.take()
        return block

    def parse(self) -> tuple[str, list[tuple[str, list[str], int]], list[_ProbabilityBlock]]:
        name = "unknown"
        declarations: list[tuple[str, list[str], int]] = []
        blocks: list[_ProbabilityBlock] = []
        if self.peek().text == "network":
            name = self.network()
        while self.peek().kind != "end":
            keyword = self.peek().text
            if keyword == "variable":
                declarations.append(self.variable())
            elif keyword == "probability":
                blocks.append(self.probability())
            else:
                raise self.fail(self.peek(), "'variable' or 'probability'")
        return name, declarations, blocks


def _check_length(values: list[float], card: int, where: str, line: int) -> None:
    if len(values) != card:
        raise ModelError(f"BIF line {line}: {where} has {len(values)} probabilities, expected {card}")


def _table_entries(block: _ProbabilityBlock, states: dict[str, list[str]]) -> int:
    """Entries of the block's table, checked against TABLE_ENTRIES_MAX before it is built."""
    entries = 1
    for u in (*block.parents, block.variable):
        entries *= len(states[u])
        if entries > TABLE_ENTRIES_MAX:
            sizes = " x ".join(str(len(states[u])) for u in (*block.parents, block.variable))
            raise LimitError(f"BIF line {block.line}: the table of {quote(block.variable)} would have "
                             f"{sizes} entries; at most {TABLE_ENTRIES_MAX} are supported")
    return entries


def _build_cpt(block: _ProbabilityBlock, states: dict[str, list[str]]) -> np.ndarray:
    v = block.variable
    card = len(states[v])
    shape = tuple(len(states[p]) for p in block.parents) + (card,)
    if not block.parents:
        if block.rows:
            raise ModelError(f"BIF line {block.rows[0][2]}: {v!r} has no parents, so it takes "
                             f"a 'table' line, not a parent-state row")
        if block.table is None:
            raise ModelError(f"BIF line {block.line}: probability ( {v} ) has no 'table' line")
        _check_length(block.table[0], card, f"the table of {v!r}", block.table[1])
        return np.array(block.table[0], dtype=np.float64)
    if block.table is not None:
        raise ModelError(f"BIF line {block.table[1]}: a 'table' line for {v!r}, which has parents, "
                         f"is not supported (its entry order differs between BIF dialects); "
                         f"write one '(parent states) p0, p1, ...;' row per configuration")
    cpt = np.zeros(shape)
    filled = np.zeros(shape[:-1], dtype=bool)
    positions = {p: {s: k for k, s in enumerate(states[p])} for p in block.parents}
    for configuration, values, line in block.rows:
        where = f"row ({', '.join(configuration)}) of {v!r}"
        if len(configuration) != len(block.parents):
            raise ModelError(f"BIF line {line}: {where} names {len(configuration)} parent states, "
                             f"expected {len(block.parents)} (parents {', '.join(block.parents)})")
        index = []
        for parent, state in zip(block.parents, configuration):
            if state not in positions[parent]:
                raise ModelError(f"BIF line {line}: {state!r} is not a state of parent {parent!r} "
                                 f"(states: {', '.join(states[parent])})")
            index.append(positions[parent][state])
        index = tuple(index)
        if filled[index]:
            raise ModelError(f"BIF line {line}: {where} is given twice")
        _check_length(values, card, where, line)
        cpt[index] = values
        filled[index] = True
    if block.default is not None:
        _check_length(block.default[0], card, f"the default row of {v!r}", block.default[1])
        cpt[~filled] = block.default[0]
    elif not filled.all():
        missing = tuple(int(i) for i in np.argwhere(~filled)[0])
        names = ", ".join(states[p][i] for p, i in zip(block.parents, missing))
        raise ModelError(f"BIF line {block.line}: {v!r} has no row for parent configuration "
                         f"({names}) and no 'default' line")
    return cpt


def read_bif_file(path) -> str:
    """The text of the BIF file `path`: a regular file of at most FILE_BYTES_MAX bytes,
    UTF-8 (a byte-order mark is allowed)."""
    return decode_text(read_bytes(path, "a BIF", FILE_BYTES_MAX), path)


def parse_bif(text: str) -> BifContent:
    """Parse BIF text into constructor arguments of `BayesNet` (no structural validation)."""
    text = text.removeprefix("\ufeff")
    name, declarations, blocks = _Parser(text).parse()
    if not declarations:
        raise ModelError("the file has no variables")
    variables: list[str] = []
    states: dict[str, list[str]] = {}
    for variable, variable_states, line in declarations:
        if variable in states:
            raise ModelError(f"BIF line {line}: variable {variable!r} is declared twice")
        variables.append(variable)
        states[variable] = variable_states
    parents: dict[str, list[str]] = {}
    cpts: dict[str, np.ndarray] = {}
    total = 0
    for block in blocks:
        v = block.variable
        if v not in states:
            raise ModelError(f"BIF line {block.line}: probability block for undeclared variable {v!r}")
        if v in cpts:
            raise ModelError(f"BIF line {block.line}: second probability block for {v!r}")
        for parent in block.parents:
            if parent not in states:
                raise ModelError(f"BIF line {block.line}: parent {parent!r} of {v!r} is not a declared variable")
        total += _table_entries(block, states)
        if total > TOTAL_ENTRIES_MAX:
            raise LimitError(f"BIF line {block.line}: the tables up to {quote(v)} have {total} entries; "
                             f"at most {TOTAL_ENTRIES_MAX} are supported")
        parents[v] = list(block.parents)
        cpts[v] = _build_cpt(block, states)
    return BifContent(name, variables, states, parents, cpts)


def _name(name: str, what: str) -> str:
    """`name` as the reader reads it back: bare if it is one word, else quoted."""
    match = _TOKEN.fullmatch(name)
    if match is not None and match.lastgroup == "word":
        return name
    if '"' in name or "\n" in name:
        raise ModelError(f"cannot write {what} {name!r} to BIF: it contains a double quote or a newline")
    return f'"{name}"'


def _probabilities(row: np.ndarray) -> str:
    # repr of a float is its shortest exact decimal form, so reading back is lossless.
    return ", ".join(repr(float(p)) for p in row)


def format_bif(bn: BayesNet) -> str:
    """BIF text for `bn` (bnlearn dialect; rows with the last parent varying fastest)."""
    var = {v: _name(v, "variable") for v in bn.variables}
    state = {v: [_name(s, f"state of {v!r}") for s in bn.states[v]] for v in bn.variables}
    lines = [f"network {_name(bn.name, 'network name')} {{", "}"]
    for v in bn.variables:
        lines += [f"variable {var[v]} {{",
                  f"  type discrete [ {bn.card(v)} ] {{ {', '.join(state[v])} }};", "}"]
    for v in bn.variables:
        parents = bn.parents[v]
        cpt = bn.cpt[v]
        if not parents:
            lines += [f"probability ( {var[v]} ) {{", f"  table {_probabilities(cpt)};", "}"]
            continue
        lines.append(f"probability ( {var[v]} | {', '.join(var[p] for p in parents)} ) {{")
        for index in itertools.product(*(range(bn.card(p)) for p in parents)):
            names = ", ".join(state[p][i] for p, i in zip(parents, index))
            lines.append(f"  ({names}) {_probabilities(cpt[index])};")
        lines.append("}")
    return "\n".join(lines) + "\n"
