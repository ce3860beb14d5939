"""Writes the command-line reference into README.md, between the markers below, from
the argparse parser itself (neuropynq.cli.build_parser), so it cannot drift from the
CLI. Run after changing an option:
    .venv/bin/python tools/cli_reference.py
tests/test_cli_reference.py checks that README.md holds what this writes."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BEGIN = "<!-- cli-reference: begin (written by tools/cli_reference.py from the parser; do not edit) -->"
END = "<!-- cli-reference: end -->"
WIDTH = 92   # help text wrapped at a fixed width, whatever the terminal


def _fixed_width(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=WIDTH, max_help_position=32)


def reference() -> str:
    """Markdown: `neuropynq --help`, then each command's --help, as text blocks."""
    sys.path.insert(0, str(ROOT / "host"))
    from neuropynq.cli import build_parser

    parser = build_parser()
    _fixed_width(parser)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    parts = ["```text", parser.format_help().rstrip(), "```"]
    for name, sub in commands.choices.items():
        _fixed_width(sub)
        parts += ["", f"#### `neuropynq {name}`", "", "```text", sub.format_help().rstrip(), "```"]
    return "\n".join(parts)


def with_reference(readme: str) -> str:
    """`readme` with the text between the markers replaced by the current reference."""
    if readme.count(BEGIN) != 1 or readme.count(END) != 1 or readme.index(BEGIN) > readme.index(END):
        raise SystemExit(f"{README}: expected one '{BEGIN}' line and, after it, one '{END}' line")
    head, rest = readme.split(BEGIN)
    _, tail = rest.split(END)
    return f"{head}{BEGIN}\n{reference()}\n{END}{tail}"


if __name__ == "__main__":
    README.write_text(with_reference(README.read_text()))
    print("wrote the CLI reference into", README)
