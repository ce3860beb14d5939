"""BIF reader and writer: the bnlearn files, round trips, and named errors."""
import numpy as np
import pytest

from neuropynq.errors import ModelError
from neuropynq.models.bayesnet import BayesNet

# bnlearn's free-parameter counts for its repository networks.
BNLEARN_PARAMETERS = {"alarm": 509, "asia": 18, "cancer": 10, "child": 230, "earthquake": 10,
                      "hailfinder": 2656, "hepar2": 1453, "insurance": 1008, "sachs": 178,
                      "survey": 21, "water": 10083, "win95pts": 574,
                      "andes": 1157, "barley": 114005, "diabetes": 429409, "link": 14211,
                      "mildew": 540150, "munin": 80592, "pigs": 5618,
                      # bnlearn's page says 77155; its BIF file's own tables hold 72079
                      # (counted independently from the variable and probability headers).
                      "pathfinder": 72079}

# A -> C <- B with the rows of C out of canonical order, a property line,
# comments, a quoted state and a state name with punctuation-like characters.
SMALL = """\
// leading comment
network "small net" {
  property author = someone ;
}
variable A {
  type discrete [ 2 ] { lo, "hi" };
  property position = (1, 2) ;
}
variable B { type discrete [ 3 ] { <5, 5-12, 12+ }; }
variable C {
  type discrete [ 2 ] { Asy/Patch, Transp. };
}
probability ( A ) { table 0.25, 0.75; }
probability ( B ) {
  table 1e-1, 3.0E-1,
        0.6 ;
}
/* rows in any order */
probability ( C | A, B ) {
  (hi, 12+) 0.5, 0.5;
  (lo, <5) 0.1, 0.9;
  default 0.0, 1.0;
  (lo, 12+) 0.3, 0.7;
}
"""


def assert_same_network(a: BayesNet, b: BayesNet):
    assert a.name == b.name
    assert a.variables == b.variables
    assert a.states == b.states
    assert a.parents == b.parents
    for v in a.variables:
        assert a.cpt[v].shape == b.cpt[v].shape
        np.testing.assert_allclose(a.cpt[v], b.cpt[v], rtol=0, atol=1e-12)


def test_small_bif_is_read_as_written():
    bn = BayesNet.from_bif(SMALL)
    assert bn.name == "small net"
    assert bn.variables == ["A", "B", "C"]
    assert bn.states == {"A": ["lo", "hi"], "B": ["<5", "5-12", "12+"], "C": ["Asy/Patch", "Transp."]}
    assert bn.parents == {"A": [], "B": [], "C": ["A", "B"]}
    np.testing.assert_array_equal(bn.cpt["B"], [0.1, 0.3, 0.6])
    expected_c = np.array([[[0.1, 0.9], [0.0, 1.0], [0.3, 0.7]],
                           [[0.0, 1.0], [0.0, 1.0], [0.5, 0.5]]])
    np.testing.assert_array_equal(bn.cpt["C"], expected_c)


def test_small_bif_round_trips():
    bn = BayesNet.from_bif(SMALL)
    assert_same_network(bn, BayesNet.from_bif(bn.to_bif()))


def test_asia_rows_are_placed_by_state_name(examples_dir):
    # asia lists the rows of `either | lung, tub` as (yes,yes), (no,yes), (yes,no), (no,no).
    bn = BayesNet.from_bif(examples_dir / "asia.bif")
    assert bn.parents["either"] == ["lung", "tub"]
    np.testing.assert_array_equal(bn.cpt["either"][:, :, 0], [[1.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(bn.cpt["dysp"][1, 0], [0.7, 0.3])   # (bronc=no, either=yes)


def test_writer_puts_last_parent_fastest(examples_dir):
    text = BayesNet.from_bif(examples_dir / "asia.bif").to_bif()
    block = text[text.index("probability ( either | lung, tub ) {"):]
    rows = [line.strip() for line in block.splitlines()[1:5]]
    assert rows == ["(yes, yes) 1.0, 0.0;", "(yes, no) 1.0, 0.0;",
                    "(no, yes) 1.0, 0.0;", "(no, no) 0.0, 1.0;"]


def test_every_shared_network_round_trips(shared_bif, tmp_path):
    bn = BayesNet.from_bif(shared_bif)
    assert bn.n_parameters() == BNLEARN_PARAMETERS[shared_bif.stem]
    assert_same_network(bn, BayesNet.from_bif(bn.to_bif()))
    saved = tmp_path / "saved.bif"
    bn.save_bif(saved)
    assert_same_network(bn, BayesNet.from_bif(str(saved)))


def test_examples_match_shared_copies(examples_dir, shared_bn_dir):
    for example in sorted(examples_dir.glob("*.bif")):
        shared = shared_bn_dir / example.name
        if shared.exists():
            assert_same_network(BayesNet.from_bif(example), BayesNet.from_bif(shared))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ModelError, match="BIF file not found: .*nothing.bif"):
        BayesNet.from_bif(tmp_path / "nothing.bif")


def test_normalise_option_reaches_the_constructor():
    text = "variable A { type discrete [ 2 ] { x, y }; }\nprobability ( A ) { table 2, 6; }\n"
    with pytest.raises(ModelError, match="the table of 'A' does not sum to 1"):
        BayesNet.from_bif(text)
    np.testing.assert_array_equal(BayesNet.from_bif(text, normalise=True).cpt["A"], [0.25, 0.75])


HEAD = """network n {
}
variable A {
  type discrete [ 2 ] { a0, a1 };
}
variable B {
  type discrete [ 2 ] { b0, b1 };
}
probability ( A ) {
  table 0.5, 0.5;
}
"""  # 11 lines; a block appended starts on line 12


@pytest.mark.parametrize("tail, message", [
    ("probability ( B | A ) {\n  (a0) 0.5, 0.5;\n  (a1) 0.5 0.5 0.1;\n}\n",
     "BIF line 14: row (a1) of 'B' has 3 probabilities, expected 2"),
    ("probability ( B | A ) {\n  (a0) 0.5, 0.5;\n}\n",
     "BIF line 12: 'B' has no row for parent configuration (a1) and no 'default' line"),
    ("probability ( B | A ) {\n  (a0) 0.5, 0.5;\n  (a0) 0.5, 0.5;\n  (a1) 0.5, 0.5;\n}\n",
     "BIF line 14: row (a0) of 'B' is given twice"),
    ("probability ( B | A ) {\n  (a2) 0.5, 0.5;\n}\n",
     "BIF line 13: 'a2' is not a state of parent 'A' (states: a0, a1)"),
    ("probability ( B | A ) {\n  (a0, a1) 0.5, 0.5;\n}\n",
     "BIF line 13: row (a0, a1) of 'B' names 2 parent states, expected 1"),
    ("probability ( B | Z ) {\n  (z) 0.5, 0.5;\n}\n",
     "BIF line 12: parent 'Z' of 'B' is not a declared variable"),
    ("probability ( Z ) {\n  table 1.0;\n}\n",
     "BIF line 12: probability block for undeclared variable 'Z'"),
    ("probability ( A ) {\n  table 0.5, 0.5;\n}\n",
     "BIF line 12: second probability block for 'A'"),
    ("probability ( B | A ) {\n  table 0.5, 0.5, 0.5, 0.5;\n}\n",
     "BIF line 13: a 'table' line for 'B', which has parents, is not supported"),
    ("probability ( B ) {\n  table 0.5, 0.25, 0.25;\n}\n",
     "BIF line 13: the table of 'B' has 3 probabilities, expected 2"),
    ("probability ( B ) {\n  table 0.5, 0.5;\n  table 0.5, 0.5;\n}\n",
     "BIF line 14: second 'table' line for 'B'"),
    ("probability ( B | A ) {\n  (a0) 0.5, 0.5;\n  default 1.0;\n}\n",
     "BIF line 14: the default row of 'B' has 1 probabilities, expected 2"),
    ("variable A {\n  type discrete [ 2 ] { x, y };\n}\n",
     "BIF line 12: variable 'A' is declared twice"),
    ("variable C {\n  type discrete [ 3 ] { x, y };\n}\n",
     "BIF line 13: variable 'C' declares 3 states but lists 2"),
    ("variable C {\n  property p = 1;\n}\n",
     "BIF line 12: variable 'C' has no 'type discrete' line"),
    ("probability ( B ) {\n  table 0.5, half;\n}\n",
     "BIF line 13: expected a probability, got 'half'"),
    ("probability ( B ) {\n  table 0.5, 0.5\n}\n",
     "BIF line 14: expected a probability, got '}'"),
    ("probability ( B ) {\n  table 0.5, 0.5;\n",
     "BIF line 14: expected 'table', 'default', '(' or '}', got 'end of file'"),
    ("probability B {\n  table 0.5, 0.5;\n}\n",
     "BIF line 12: expected '(', got 'B'"),
    ("probability ( B ) {\n  tabel 0.5, 0.5;\n}\n",
     "BIF line 13: expected 'table', 'default', '(' or '}', got 'tabel'"),
    ("varaible C {\n}\n",
     "BIF line 12: expected 'variable' or 'probability', got 'varaible'"),
    ("variable C {\n  type discrete [ two ] { x, y };\n}\n",
     "BIF line 13: expected the number of states, got 'two'"),
    ("variable C {\n  type discrete [ 2 ] { x, , y };\n}\n",
     "BIF line 13: expected a state name, got ','"),
    ("variable C {\n  type \"discrete\" [ 1 ] { x };\n}\n\"oops",
     "BIF line 15: unexpected character '\"'"),
])
def test_bif_errors_name_line_and_problem(tail, message):
    with pytest.raises(ModelError) as error:
        BayesNet.from_bif(HEAD + tail)
    assert message in str(error.value)


def test_structural_errors_from_bif_reach_the_constructor():
    with pytest.raises(ModelError, match="variable 'B' has no CPT"):
        BayesNet.from_bif(HEAD)
    cyclic = HEAD.replace("probability ( A ) {\n  table 0.5, 0.5;\n}\n", "") + (
        "probability ( A | B ) {\n (b0) 0.5, 0.5;\n (b1) 0.5, 0.5;\n}\n"
        "probability ( B | A ) {\n (a0) 0.5, 0.5;\n (a1) 0.5, 0.5;\n}\n")
    with pytest.raises(ModelError, match="the network has a cycle: (A -> B -> A|B -> A -> B)"):
        BayesNet.from_bif(cyclic)
    with pytest.raises(ModelError, match=r"row \(A=a1\) of 'B' does not sum to 1"):
        BayesNet.from_bif(HEAD + "probability ( B | A ) {\n (a0) 0.5, 0.5;\n (a1) 0.5, 0.6;\n}\n")
    with pytest.raises(ModelError, match="the table of 'B' has a negative entry"):
        BayesNet.from_bif(HEAD + "probability ( B ) {\n table 1.5, -0.5;\n}\n")


def test_names_that_are_not_one_word_are_quoted():
    states = {"A": ["a,b", "x//y"], "B B": ["b0", "(b1)"]}
    bn = BayesNet(["A", "B B"], states, {"B B": ["A"]},
                  {"A": np.array([0.5, 0.5]), "B B": np.array([[0.5, 0.5], [0.25, 0.75]])}, name="two words")
    text = bn.to_bif()
    assert 'probability ( "B B" | A ) {' in text
    assert '("x//y") 0.25, 0.75;' in text
    assert_same_network(bn, BayesNet.from_bif(text))


@pytest.mark.parametrize("field, name", [("name", 'say "hi"'), ("state", "two\nlines")])
def test_unwritable_names_are_refused(field, name):
    states = {"A": [name if field == "state" else "s", "t"]}
    bn = BayesNet(["A"], states, {}, {"A": np.array([0.5, 0.5])},
                  name=name if field == "name" else "n")
    with pytest.raises(ModelError, match="cannot write .* to BIF: it contains a double quote or a newline"):
        bn.to_bif()
