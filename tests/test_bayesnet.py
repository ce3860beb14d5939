"""BayesNet: constructor validation, topological order, evidence parsing."""
import numpy as np
import pytest

from neuropynq.errors import EvidenceError, ModelError
from neuropynq.models.bayesnet import BayesNet


def chain(**overrides):
    """A -> B, both binary; keyword arguments replace constructor arguments."""
    args = dict(
        variables=["A", "B"],
        states={"A": ["a0", "a1"], "B": ["b0", "b1"]},
        parents={"A": [], "B": ["A"]},
        cpts={"A": np.array([0.3, 0.7]), "B": np.array([[0.9, 0.1], [0.2, 0.8]])},
    )
    args.update(overrides)
    return BayesNet(**args)


def test_fields_and_shapes():
    bn = chain(name="tiny")
    assert bn.name == "tiny"
    assert bn.variables == ["A", "B"]
    assert bn.card("B") == 2
    assert bn.cpt["B"].dtype == np.float64
    np.testing.assert_array_equal(bn.cpt["B"], [[0.9, 0.1], [0.2, 0.8]])
    assert bn.n_parameters() == 1 + 2


def test_cpts_are_read_only():
    bn = chain()
    with pytest.raises(ValueError):
        bn.cpt["A"][0] = 0.5


def test_constructor_copies_its_inputs():
    cpts = {"A": np.array([0.3, 0.7]), "B": np.array([[0.9, 0.1], [0.2, 0.8]])}
    bn = chain(cpts=cpts)
    cpts["A"][0] = 0.0
    assert bn.cpt["A"][0] == 0.3


def test_topological_order_takes_earliest_ready_variable():
    # File order A, B, C, D with C -> B and A -> D. Ready at the start: A, C.
    # Taking the earliest ready one each time gives A, C, B, D; a FIFO Kahn
    # queue would give A, C, D, B.
    states = {v: ["0", "1"] for v in "ABCD"}
    parents = {"A": [], "B": ["C"], "C": [], "D": ["A"]}
    root, child = np.array([0.5, 0.5]), np.array([[0.5, 0.5], [0.5, 0.5]])
    cpts = {"A": root, "B": child, "C": root, "D": child}
    bn = BayesNet(list("ABCD"), states, parents, cpts)
    assert bn.topological_order() == ["A", "C", "B", "D"]


def test_topological_order_with_multiple_parents():
    # E <- (D, B); D <- C. File order E, D, C, B: C first (earliest ready after
    # E, D wait), then D, then B, then E.
    states = {v: ["0", "1"] for v in "EDCB"}
    parents = {"E": ["D", "B"], "D": ["C"], "C": [], "B": []}
    cpts = {"E": np.full((2, 2, 2), 0.5), "D": np.full((2, 2), 0.5),
            "C": np.full(2, 0.5), "B": np.full(2, 0.5)}
    bn = BayesNet(list("EDCB"), states, parents, cpts)
    assert bn.topological_order() == ["C", "D", "B", "E"]


def test_state_index_and_parse_evidence():
    bn = chain()
    assert bn.state_index("B", "b1") == 1
    assert bn.state_index("B", 0) == 0
    assert bn.state_index("B", np.int64(1)) == 1
    assert bn.parse_evidence({"A": "a1", "B": 0}) == {"A": 1, "B": 0}
    assert bn.parse_evidence(None) == {}


@pytest.mark.parametrize("evidence, message", [
    ({"C": "c0"}, "unknown variable 'C'"),
    ({"A": "a2"}, "'a2' is not a state of 'A' (states: a0, a1)"),
    ({"A": 2}, "state index 2 of 'A' is out of range 0..1"),
    ({"A": -1}, "state index -1 of 'A' is out of range 0..1"),
    ({"A": True}, "must be a state name or an integer index"),
    ({"A": 0.0}, "must be a state name or an integer index"),
])
def test_bad_evidence_is_named(evidence, message):
    with pytest.raises(EvidenceError) as error:
        chain().parse_evidence(evidence)
    assert message in str(error.value)


def test_state_names_that_look_like_numbers_are_names():
    bn = BayesNet(["X"], {"X": ["1", "0"]}, {}, {"X": np.array([0.25, 0.75])})
    assert bn.state_index("X", "0") == 1
    assert bn.state_index("X", 0) == 0


@pytest.mark.parametrize("overrides, message", [
    (dict(variables=["A", "B", "A"]), "duplicate variable 'A'"),
    (dict(states={"A": ["a0", "a0"], "B": ["b0", "b1"]}), "variable 'A' has duplicate states: a0"),
    (dict(states={"A": [], "B": ["b0", "b1"]}), "variable 'A' has no states"),
    (dict(states={"A": ["a0", "a1"]}), "variable 'B' has no list of states"),
    (dict(parents={"A": [], "B": ["Z"]}), "parent 'Z' of 'B' is not a variable of the network"),
    (dict(parents={"A": [], "B": ["A"], "Z": []}), "parents given for unknown variable 'Z'"),
    (dict(parents={"A": [], "B": ["A", "A"]}), "variable 'B' lists a parent twice"),
    (dict(parents={"A": ["A"], "B": ["A"]}), "variable 'A' is its own parent"),
    (dict(cpts={"A": np.array([0.3, 0.7])}), "variable 'B' has no CPT"),
    (dict(cpts={"A": np.array([0.3, 0.7]), "B": np.array([[0.9, 0.1], [0.2, 0.8]]), "C": np.ones(1)}),
     "CPT given for unknown variable 'C'"),
    (dict(states={"A": ["a0", "a1"], "B": ["b0", "b1"], "C": ["c"]}), "states given for unknown variable 'C'"),
    (dict(states={"A": ["a0", 1], "B": ["b0", "b1"]}), "states of 'A' must be non-empty strings, got 1"),
    (dict(variables=["A", ""]), "variable names must be non-empty strings, got ''"),
    (dict(cpts={"A": np.array([0.3, 0.7]), "B": np.array([0.9, 0.1])}),
     "CPT of 'B' has shape (2,), expected (2, 2) (axes A, B)"),
    (dict(cpts={"A": np.array([0.3, 0.2, 0.5]), "B": np.array([[0.9, 0.1], [0.2, 0.8]])}),
     "CPT of 'A' has shape (3,), expected (2,)"),
    (dict(cpts={"A": np.array([1.3, -0.3]), "B": np.array([[0.9, 0.1], [0.2, 0.8]])}),
     "the table of 'A' has a negative entry"),
    (dict(cpts={"A": np.array([0.3, 0.7]), "B": np.array([[0.9, 0.1], [0.2, 0.7]])}),
     "row (A=a1) of 'B' does not sum to 1"),
    (dict(cpts={"A": np.array([0.3, 0.7]), "B": np.array([[np.nan, 0.1], [0.2, 0.8]])}),
     "row (A=a0) of 'B' has a non-finite entry"),
])
def test_invalid_models_are_named(overrides, message):
    with pytest.raises(ModelError) as error:
        chain(**overrides)
    assert message in str(error.value)


def test_row_sum_tolerance_is_one_in_a_million():
    chain(cpts={"A": np.array([0.3, 0.7 + 0.9e-6]), "B": np.array([[0.9, 0.1], [0.2, 0.8]])})
    with pytest.raises(ModelError, match="the table of 'A' does not sum to 1"):
        chain(cpts={"A": np.array([0.3, 0.7 + 1.1e-6]), "B": np.array([[0.9, 0.1], [0.2, 0.8]])})


def test_normalise_rescales_rows_but_not_all_zero_rows():
    bn = chain(cpts={"A": np.array([1.0, 3.0]), "B": np.array([[2.0, 2.0], [0.0, 5.0]])}, normalise=True)
    np.testing.assert_array_equal(bn.cpt["A"], [0.25, 0.75])
    np.testing.assert_array_equal(bn.cpt["B"], [[0.5, 0.5], [0.0, 1.0]])
    with pytest.raises(ModelError, match=r"row \(A=a1\) of 'B' is all zeros and cannot be normalised"):
        chain(cpts={"A": np.array([1.0, 3.0]), "B": np.array([[2.0, 2.0], [0.0, 0.0]])}, normalise=True)


def test_cycle_is_named():
    # A -> B -> C -> A, and D hanging off C.
    states = {v: ["0", "1"] for v in "ABCD"}
    parents = {"A": ["C"], "B": ["A"], "C": ["B"], "D": ["C"]}
    cpts = {v: np.full((2, 2), 0.5) for v in "ABCD"}
    with pytest.raises(ModelError) as error:
        BayesNet(list("ABCD"), states, parents, cpts)
    message = str(error.value)
    assert "cycle" in message
    # The cycle is reported in parent -> child direction, starting anywhere on it.
    path = message.split(": ", 1)[1].split(" -> ")
    assert path[0] == path[-1] and sorted(path[:-1]) == ["A", "B", "C"]
    for parent, child in zip(path, path[1:]):
        assert parent in parents[child]
