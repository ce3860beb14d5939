"""Many queries: `Sampler.posterior_batch` answers each evidence set as `posterior`
would, count for count, builds the evidence-independent tables once, and keeps
answering after a bad row; `neuropynq infer --evidence-file` prints one JSON line
per CSV row and names bad rows by line number."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from neuropynq import BayesNet, Sampler
from neuropynq.cli import main
from neuropynq.errors import EvidenceError, ParameterError
from neuropynq.kernels import bn_model

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RUN = dict(samples=3000, window=16, seed=7)
# asia: either = lung OR tub, so lung=yes with either=no has probability zero.
ROWS = [{"xray": "yes"}, {"smoke": "no", "dysp": "yes"}, {}, {"xray": "maybe"},
        {"lung": "yes", "either": "no"}, {"asthma": "yes"}, {"xray": 1, "smoke": "yes"}]
GOOD = [0, 1, 2, 6]


@pytest.fixture(scope="module")
def asia():
    return BayesNet.from_bif(EXAMPLES / "asia.bif")


@pytest.fixture(scope="module", params=["ref", "cpu"])
def sampler(request):
    if request.param == "cpu" and shutil.which("g++") is None:
        pytest.skip("g++ is not installed")
    return Sampler(request.param, threads=2) if request.param == "cpu" else Sampler("ref")


def _same_counts(a, b):
    assert a.total == b.total > 0 and a.evidence == b.evidence
    assert list(a.marginals) == list(b.marginals)
    for v in a.counts:
        np.testing.assert_array_equal(a.counts[v], b.counts[v])


def test_each_row_equals_its_own_posterior_call(asia, sampler):
    answers = sampler.posterior_batch(asia, ROWS, query=["lung", "bronc"], errors="return", **RUN)
    assert len(answers) == len(ROWS)
    for i in GOOD:
        _same_counts(answers[i], sampler.posterior(asia, ROWS[i], query=["lung", "bronc"], **RUN))
    assert isinstance(answers[3], EvidenceError) and "'maybe' is not a state of 'xray'" in str(answers[3])
    assert isinstance(answers[4], EvidenceError) and "probability zero" in str(answers[4])
    assert isinstance(answers[5], EvidenceError) and "unknown variable 'asthma'" in str(answers[5])


def test_default_query_is_each_rows_unobserved_variables(asia):
    first, second = Sampler("ref").posterior_batch(asia, [{"xray": "yes"}, {"smoke": "no", "lung": "no"}], **RUN)
    assert set(first.marginals) == set(asia.variables) - {"xray"}
    assert set(second.marginals) == set(asia.variables) - {"smoke", "lung"}


def test_tables_are_built_once_per_batch(asia, monkeypatch):
    builds, nl_tables = [], []
    init, nl = bn_model.BNTables.__init__, bn_model.neg_log2_weight
    monkeypatch.setattr(bn_model.BNTables, "__init__", lambda self, *a: builds.append(1) or init(self, *a))
    monkeypatch.setattr(bn_model, "neg_log2_weight", lambda p: nl_tables.append(1) or nl(p))
    rows = [{"xray": "yes"}, {"xray": "yes", "smoke": "no"}, {"xray": "no"}, {"xray": "yes"}] * 3
    answers = Sampler("ref").posterior_batch(asia, rows, query="lung", **RUN)
    assert len(answers) == 12 and all(a.total > 0 for a in answers)
    assert len(builds) == 1
    assert len(nl_tables) == 3   # xray=yes, smoke=no, xray=no


def test_a_bad_row_raises_naming_it_by_default(asia):
    with pytest.raises(EvidenceError, match=r"evidence row 3: 'maybe' is not a state of 'xray'"):
        Sampler("ref").posterior_batch(asia, ROWS, **RUN)


@pytest.mark.parametrize("kwargs, message", [
    (dict(samples=0), "samples must be a positive integer"),
    (dict(seed=-1), "seed must be a 64-bit unsigned integer"),
    (dict(errors="ignore"), "errors must be 'raise' or 'return'"),
])
def test_bad_run_parameters_fail_the_whole_batch(asia, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        Sampler("ref").posterior_batch(asia, ROWS, **{**RUN, "errors": "return", **kwargs})


def test_an_unknown_query_fails_the_whole_batch(asia):
    with pytest.raises(EvidenceError, match="unknown query variable 'cough'"):
        Sampler("ref").posterior_batch(asia, ROWS, query=["lung", "cough"], errors="return", **RUN)


# ---------------------------------------------------------------- command line
CSV = """xray, smoke ,dysp
yes,,
no,no,yes

maybe,,
yes,yes
,,
yes,yes,no,extra
"""


def _infer_rows(tmp_path, capsys, text, *extra):
    rows = tmp_path / "rows.csv"
    rows.write_text(text)
    args = ["infer", str(EXAMPLES / "asia.bif"), "--evidence-file", str(rows), "--backend", "ref",
            "--samples", "3000", "--window", "16", "--seed", "7", *extra]
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, [json.loads(line) for line in out.out.splitlines()], out.err.splitlines(), rows


def test_evidence_file_prints_a_json_line_per_good_row(tmp_path, capsys, asia):
    code, lines, errors, rows = _infer_rows(tmp_path, capsys, CSV, "--query", "lung,bronc")
    assert code == 2
    assert [d["line"] for d in lines] == [2, 3, 7]
    assert [d["evidence"] for d in lines] == [{"xray": "yes"}, {"xray": "no", "smoke": "no", "dysp": "yes"}, {}]
    assert errors == [f"neuropynq: error: {rows} line 5: 'maybe' is not a state of 'xray' (states: yes, no)",
                      f"neuropynq: error: {rows} line 6: 2 cells; the header has 3",
                      f"neuropynq: error: {rows} line 8: 4 cells; the header has 3"]
    for d in lines:
        assert set(d) == {"line", "evidence", "backend", "samples", "window", "seed", "proposal", "seconds", "posterior"}
        assert (d["backend"], d["samples"], d["window"], d["seed"]) == ("ref", 3000, 16, 7)
        assert list(d["posterior"]) == ["lung", "bronc"]
    single = Sampler("ref").posterior(asia, {"xray": "no", "smoke": "no", "dysp": "yes"},
                                      query=["lung", "bronc"], **RUN)
    assert lines[1]["posterior"] == single.to_dict()


def test_evidence_file_with_only_good_rows_exits_0(tmp_path, capsys):
    code, lines, errors, _ = _infer_rows(tmp_path, capsys, "lung,either\nyes,yes\nno,\n", "--query", "xray")
    assert (code, errors, len(lines)) == (0, [], 2)


def test_zero_probability_row_is_named(tmp_path, capsys):
    code, lines, errors, rows = _infer_rows(tmp_path, capsys, "lung,either\nyes,no\nno,\n")
    assert code == 2 and [d["line"] for d in lines] == [3]
    assert errors == [f"neuropynq: error: {rows} line 2: evidence has probability zero: lung=yes, either=no"]


@pytest.mark.parametrize("text, message", [
    ("xray,cough\nyes,\n", "line 1: unknown variable 'cough' in the header"),
    ("xray,xray\nyes,\n", "line 1: the header names 'xray' twice"),
    ("", "line 1: no header line of variable names"),
])
def test_a_bad_header_fails_the_whole_file(tmp_path, capsys, text, message):
    code, lines, errors, rows = _infer_rows(tmp_path, capsys, text)
    assert code == 2 and lines == [] and errors == [f"neuropynq: error: {rows} {message}"]


@pytest.mark.parametrize("data, message", [
    (b"xray\nyes\n\xff\n", "line 3: not UTF-8 text"),
    (b'xray\n"' + b"y" * 200_000 + b'"\n', "line 2: not readable as CSV"),
])
def test_an_unreadable_file_is_named_with_its_line(tmp_path, capsys, data, message):
    rows = tmp_path / "rows.csv"
    rows.write_bytes(data)
    with pytest.raises(SystemExit) as exit_info:
        main(["infer", str(EXAMPLES / "asia.bif"), "--evidence-file", str(rows)])
    err = capsys.readouterr().err.splitlines()
    assert exit_info.value.code == 2 and len(err) == 1 and message in err[0] and str(rows) in err[0]


def test_evidence_and_evidence_file_are_exclusive(tmp_path, capsys):
    code, lines, errors, _ = _infer_rows(tmp_path, capsys, CSV, "--evidence", "xray=yes")
    assert code == 2 and lines == []
    assert errors == ["neuropynq: error: give --evidence or --evidence-file, not both"]


def test_a_missing_evidence_file_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["infer", str(EXAMPLES / "asia.bif"), "--evidence-file", str(tmp_path / "none.csv")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and str(tmp_path / "none.csv") in err[0]


def test_iter_posteriors_checks_the_run_before_the_first_row(asia):
    with pytest.raises(ParameterError, match="window must be a positive integer"):
        Sampler("ref").iter_posteriors(asia, ROWS, samples=100, window=0)
    rows = Sampler("ref").iter_posteriors(asia, iter(ROWS[:2]), query="lung", **RUN)
    assert [a.evidence for a in rows] == ROWS[:2]
