"""The `neuropynq` command line, run as a user would (`python -m neuropynq`): the
JSON contract of infer/exact/bm, and exit code 2 with one line on stderr for
every kind of bad input."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuropynq import BayesNet, BoltzmannMachine, Sampler, __version__, posterior_marginals

ASIA = Path(__file__).resolve().parents[1] / "examples" / "asia.bif"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "neuropynq", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def run_json(*args):
    done = run_cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def small_bm(tmp_path_factory):
    path = tmp_path_factory.mktemp("bm") / "bm5.npz"
    BoltzmannMachine.random(5, seed=4, weight_scale=0.7).save(path)
    return path


def test_version():
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"neuropynq {__version__}"


def test_infer_json_is_the_samplers_posterior():
    out = run_json("infer", ASIA, "--query", "lung,smoke", "--evidence", "smoke=yes,xray=yes",
                   "--samples", 4096, "--window", 32, "--seed", 5, "--rate", 0.75, "--backend", "ref")
    assert set(out) == {"backend", "samples", "window", "seed", "proposal", "seconds", "posterior"}
    assert (out["backend"], out["samples"], out["window"], out["seed"]) == ("ref", 4096, 32, 5)
    assert out["seconds"] > 0
    bn = BayesNet.from_bif(ASIA)
    post = Sampler("ref").posterior(bn, {"smoke": "yes", "xray": "yes"}, ["lung", "smoke"],
                                    samples=4096, window=32, seed=5, rate=0.75)
    assert out["posterior"] == post.to_dict()
    assert out["posterior"]["smoke"] == {"yes": 1.0, "no": 0.0}


def test_exact_json_matches_variable_elimination():
    out = run_json("exact", ASIA, "--query", "lung,tub", "--evidence", "smoke=yes")
    assert list(out) == ["posterior"]
    assert out["posterior"]["lung"] == pytest.approx({"yes": 0.1, "no": 0.9})
    tub = posterior_marginals(BayesNet.from_bif(ASIA), {"smoke": "yes"}, ["tub"])["tub"]
    assert out["posterior"]["tub"] == pytest.approx({"yes": tub[0], "no": tub[1]})


def test_exact_default_query_is_every_unobserved_variable():
    out = run_json("exact", ASIA, "--evidence", "dysp=yes")
    assert list(out["posterior"]) == ["asia", "tub", "smoke", "lung", "bronc", "either", "xray"]


def test_bm_json(small_bm):
    out = run_json("bm", small_bm, "--sweeps", 400, "--burn-in", 20, "--tau", 2,
                   "--clamp", "1=1", "--seed", 3, "--backend", "ref")
    assert set(out) == {"backend", "sweeps", "seconds", "marginals", "histogram"}
    assert out["backend"] == "ref" and out["sweeps"] == 400
    bm = BoltzmannMachine.load(small_bm)
    run = Sampler("ref").sample(bm, 400, burn_in=20, tau=2, clamp={1: 1}, seed=3)
    assert out["marginals"] == run.marginals.tolist()
    assert out["marginals"][1] == 1.0
    assert out["histogram"] == run.histogram()
    assert sum(out["histogram"].values()) == 400
    assert all(len(k) == 5 and k[1] == "1" for k in out["histogram"])


def test_bm_json_has_no_histogram_beyond_enumeration(tmp_path):
    path = tmp_path / "bm21.npz"
    BoltzmannMachine.random(21, seed=1, density=0.2).save(path)
    out = run_json("bm", path, "--sweeps", 5, "--burn-in", 0, "--backend", "ref")
    assert set(out) == {"backend", "sweeps", "seconds", "marginals"} and len(out["marginals"]) == 21


def test_readable_tables():
    done = run_cli("infer", ASIA, "--query", "lung", "--evidence", "smoke=yes",
                   "--samples", 1024, "--window", 16, "--backend", "ref")
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0].startswith("SNN posterior: ref backend, S=1024, T=16")
    assert lines[1].split() == ["variable", "state", "P"]
    assert lines[2].split()[:2] == ["lung", "yes"] and lines[3].split()[0] == "no"


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "broken.bif").write_text("network x {\n}\nvariable A {\n  type discrete [ 2 ] { a, b }\n")
    np.savez(d / "nob.npz", W=np.zeros((2, 2)))
    np.savez(d / "wide.npz", W=np.array([[0.0, 40.0], [40.0, 0.0]]), b=np.zeros(2))
    return d


BAD_INPUT = {
    "missing BIF": (["infer", "nope.bif"], "nope.bif"),
    "malformed BIF": (["exact", "{bad}/broken.bif"], "broken.bif"),
    "unknown evidence variable": (["infer", ASIA, "--evidence", "smoker=yes", "--backend", "ref"],
                                  "smoker"),
    "unknown state": (["exact", ASIA, "--evidence", "smoke=maybe"], "maybe"),
    "evidence syntax": (["infer", ASIA, "--evidence", "smoke", "--backend", "ref"], "bad evidence 'smoke'"),
    "unknown query variable": (["exact", ASIA, "--query", "lung,lungs"], "lungs"),
    "impossible evidence": (["infer", ASIA, "--evidence", "tub=yes,either=no", "--samples", 64,
                             "--window", 4, "--backend", "ref"], "probability zero"),
    "window beyond the limit": (["infer", ASIA, "--window", 1 << 21, "--backend", "ref"], "window"),
    "zero samples": (["infer", ASIA, "--samples", 0, "--backend", "ref"], "samples"),
    "rate out of range": (["infer", ASIA, "--rate", 1.5, "--backend", "ref"], "rate"),
    "unavailable backend": (["infer", ASIA, "--backend", "fpga"], "fpga"),
    "unknown backend": (["infer", ASIA, "--backend", "gpu"], "unknown backend 'gpu'"),
    "missing npz": (["bm", "nope.npz", "--sweeps", 10], "nope.npz"),
    "npz without b": (["bm", "{bad}/nob.npz", "--sweeps", 10], "lacks array(s) b"),
    "weight beyond Q5.10": (["bm", "{bad}/wide.npz", "--sweeps", 10, "--backend", "ref"], "40"),
    "clamp syntax": (["bm", "{bad}/wide.npz", "--sweeps", 10, "--clamp", "0:1", "--backend", "ref"],
                     "bad clamp '0:1'"),
    "clamp value": (["bm", "{bad}/wide.npz", "--sweeps", 10, "--clamp", "0=2", "--backend", "ref"], "0=2"),
    "no command": ([], "COMMAND"),
    "unknown option": (["exact", ASIA, "--frobnicate"], "--frobnicate"),
    "missing sweeps": (["bm", "x.npz"], "--sweeps"),
    "non-integer samples": (["infer", ASIA, "--samples", "many"], "many"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_one_line(case, bad_files):
    args, named = BAD_INPUT[case]
    done = run_cli(*(str(a).replace("{bad}", str(bad_files)) for a in args))
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("neuropynq") and "error: " in lines[0]
    assert named in lines[0]
