"""A reader that closes the command's stdout early (`neuropynq ... | head -1`) ends it
quietly with status 141, as SIGPIPE ends cat or seq; a broken pipe that is not
stdout's, or another write error on stdout, stays an error: exit 2 with one line."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NETWORK = {"input_rate": 0.2, "layers": [{"kind": "dense", "n_in": 100, "n_out": 30, "rate": 0.05},
                                         {"kind": "dense", "n_in": 30, "n_out": 10}]}
STATUS_SIGPIPE = 141   # 128 + SIGPIPE: what a shell shows for `seq 1000000 | head -1`


def run_with_stdout_closed(argv: list[str]) -> subprocess.CompletedProcess:
    """Run `python -m neuropynq argv` with a stdout pipe whose reader is already gone,
    so the first write fails however little the command prints."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "neuropynq", *argv], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("argv", [["info", "--json"], ["examples"],
                                  ["exact", str(EXAMPLES / "alarm.bif"), "--json"], ["map", "{network}", "--json"]])
def test_closed_stdout_ends_quietly_with_status_141(argv, tmp_path):
    network = tmp_path / "net.json"
    network.write_text(json.dumps(NETWORK))
    done = run_with_stdout_closed([arg.format(network=network) for arg in argv])
    assert (done.returncode, done.stderr) == (STATUS_SIGPIPE, "")


def test_the_same_commands_exit_0_when_stdout_stays_open():
    done = subprocess.run([sys.executable, "-m", "neuropynq", "examples"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "alarm" in done.stdout


def test_a_broken_pipe_that_is_not_stdouts_stays_an_error():
    # the command itself meets EPIPE while its stdout is an open pipe
    code = ("import sys, neuropynq.cli as cli\n"
            "def run(args): raise BrokenPipeError(32, 'Broken pipe', 'board.sock')\n"
            "cli._examples = run\n"
            "sys.exit(cli.main(['examples']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == "neuropynq: error: board.sock: Broken pipe\n"


def test_a_full_stdout_is_an_error():
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "neuropynq", "info", "--json"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "No space left on device" in done.stderr
