"""README's command-line reference is what the parser prints (tools/cli_reference.py)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import cli_reference  # noqa: E402

from neuropynq.cli import build_parser  # noqa: E402


def test_readme_holds_the_current_cli_reference():
    readme = cli_reference.README.read_text()
    assert readme == cli_reference.with_reference(readme), "run tools/cli_reference.py and commit README.md"


def test_the_reference_names_every_command_and_option():
    text = cli_reference.reference()
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    for name, sub in commands.choices.items():
        assert f"#### `neuropynq {name}`" in text
        for action in sub._actions:
            for option in action.option_strings:
                assert option in text, f"{name} {option}"
    assert "--version" in text
