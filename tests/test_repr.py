"""Results as tables: HTML in a notebook (`_repr_html_`, names escaped) and aligned,
short text in a terminal; and the training histories that `fit` returns (the same
updates as the hand-written loops)."""
import html
import re
from pathlib import Path

import numpy as np
import pytest

from neuropynq import BayesNet, BoltzmannMachine, Sampler
from neuropynq.mapping import TIANJICX, map_network, network_from_dict
from neuropynq.results import BMSamples
from neuropynq.tables import ROWS_TEXT
from neuropynq.train import (Adam, BoltzmannModel, ContrastiveDivergence, Dense, History, LIF, Network,
                             RateCrossEntropy, accuracy, fit, train_epoch)
from neuropynq.train.data import poisson_patterns

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HOSTILE = "<b>x&y</b>"

HOSTILE_BIF = f"""network n {{ }}
variable {HOSTILE} {{ type discrete [ 2 ] {{ "<i>on</i>", off }}; }}
probability ( {HOSTILE} ) {{ table 0.25, 0.75; }}
"""


def cells(table_html: str) -> list[list[str]]:
    """The text of every body row's cells (bars and tags dropped, entities decoded)."""
    body = table_html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[html.unescape(re.sub(r"<[^>]*>", "", td)) for td in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]


@pytest.fixture(scope="module")
def asia_posterior():
    bn = BayesNet.from_bif(EXAMPLES / "asia.bif")
    return Sampler("ref").posterior(bn, {"xray": "yes"}, query=["lung", "tub"], samples=512, window=16, seed=1)


def test_posterior_html_table_holds_every_state_its_probability_and_spikes(asia_posterior):
    post = asia_posterior
    page = post._repr_html_()
    assert "xray=yes" in page and "ref backend" in page
    expected = [[v if k == 0 else "", s, f"{p:.4f}", str(int(post.counts[v][k]))]
                for v in ("lung", "tub") for k, (s, p) in enumerate(zip(post.states[v], post.marginals[v]))]
    assert cells(page) == expected


def test_posterior_text_is_aligned(asia_posterior):
    lines = repr(asia_posterior).splitlines()
    assert lines[0].startswith("Posterior given xray=yes (ref backend, S=512, T=16, seed=1")
    header, rows = lines[1], lines[2:]
    assert header.split() == ["variable", "state", "P", "spikes"] and len(rows) == 4
    # numbers right-aligned in one column: the P column ends at the same place in every row
    ends = {line.index(f"{p:.4f}") + 6 for line, p in
            zip(rows, np.concatenate([asia_posterior.marginals["lung"], asia_posterior.marginals["tub"]]))}
    assert len(ends) == 1
    assert str(asia_posterior) == repr(asia_posterior)


def test_names_from_the_model_are_escaped(tmp_path):
    path = tmp_path / "hostile.bif"
    path.write_text(HOSTILE_BIF)
    post = Sampler("ref").posterior(BayesNet.from_bif(path), samples=64, window=8, seed=1)
    page = post._repr_html_()
    assert "<b>" not in page and "<i>" not in page
    assert html.escape(HOSTILE) in page
    assert [row[:2] for row in cells(page)] == [[HOSTILE, "<i>on</i>"], ["", "off"]]


def test_bm_samples_table_and_most_frequent_states():
    run = Sampler("ref").sample(BoltzmannMachine.random(5, seed=2), 400, seed=3)
    page = run._repr_html_()
    neurons, states = page.split("</table>")[:2]
    assert cells(neurons + "</table>") == [[str(k), f"{m:.4f}", str(int(s))]
                                           for k, (m, s) in enumerate(zip(run.marginals, run.spike_counts))]
    top = sorted(run.histogram().items(), key=lambda kv: -kv[1])[:BMSamples.TOP_STATES]
    assert cells(states + "</table>") == [[s, f"{c / run.sweeps:.4f}"] for s, c in top]
    text = repr(run)
    assert "most frequent states" in text and top[0][0] in text


def test_a_large_run_keeps_its_repr_short():
    n = 1024
    run = BMSamples(on_counts=np.arange(n), spike_counts=np.arange(n), states=None, sweeps=n,
                    backend="ref", seconds=1.0)
    text = repr(run)
    assert len(text.splitlines()) < 20 and f"{n - 12} more rows" in text
    page = run._repr_html_()
    assert len(cells(page)) == 64 and f"{n - 64} more rows" in page


@pytest.fixture(scope="module")
def mapping():
    net = network_from_dict({"input_rate": 0.2, "layers": [
        {"kind": "dense", "n_in": 64, "n_out": 32, "rate": 0.05}, {"kind": "dense", "n_in": 32, "n_out": 4}]})
    return map_network(net, TIANJICX, "rowmajor")


def test_mapping_shows_its_layers_and_cost(mapping):
    page = mapping._repr_html_()
    layers, cost = page.split("</table>")[:2]
    assert [row[:4] for row in cells(layers + "</table>")] == [["0", "dense", "32", str(mapping.layers[0]["synapses"])],
                                                                 ["1", "dense", "4", str(mapping.layers[1]["synapses"])]]
    figures = dict(cells(cost + "</table>"))
    assert figures["cores used"] == str(mapping.cost.cores)
    assert figures["latency (ns/step)"] == f"{mapping.cost.latency_ns:.5g}"   # >= 10: 5 significant digits
    assert str(mapping) == mapping.summary()
    assert len(repr(mapping).splitlines()) == 1 and "rowmajor" in repr(mapping)


def test_history_columns_table_and_errors():
    history = History("epoch", "training")
    history.append(loss=1.0, accuracy=0.5)
    history.append(loss=0.5, accuracy=0.75)
    assert history["loss"].tolist() == [1.0, 0.5] and history.to_dict()["accuracy"] == [0.5, 0.75]
    assert cells(history._repr_html_()) == [["1", "1.0000", "0.5000"], ["2", "0.5000", "0.7500"]]
    history.append(loss=1234.56789, accuracy=0.0)
    assert cells(history._repr_html_())[-1] == ["3", "1234.6", "0.0000"]
    history.rows.pop()
    assert repr(history).splitlines()[1].split() == ["epoch", "loss", "accuracy"]
    with pytest.raises(KeyError, match="loss, accuracy"):
        history["acc"]
    with pytest.raises(ValueError, match="records loss, accuracy"):
        history.append(loss=0.1)
    for _ in range(40):
        history.append(loss=0.1, accuracy=1.0)
    assert len(repr(history).splitlines()) <= ROWS_TEXT + 3 and "earlier epochs not shown" in repr(history)


def net_and_data():
    x, y = poisson_patterns(classes=2, channels=8, steps=12, samples=48, rate=0.15, seed=1)
    neuron = LIF(beta=0.9)
    return Network([Dense(8, 8, neuron, seed=1, weight_scale=2.0), Dense(8, 2, neuron, seed=2, weight_scale=2.0)]), x, y


def test_fit_is_the_hand_written_loop_and_records_each_epoch():
    net, x, y = net_and_data()
    history = fit(net, x, y, RateCrossEntropy(5.0), Adam(net.parameters(), lr=0.02), epochs=3,
                  batch_size=16, seed=4, x_test=x, y_test=y)
    by_hand, _, _ = net_and_data()
    optimiser = Adam(by_hand.parameters(), lr=0.02)
    losses = [train_epoch(by_hand, x, y, RateCrossEntropy(5.0), optimiser, 16, seed=4 + e) for e in range(3)]
    assert history["loss"].tolist() == losses
    assert history["test_accuracy"][-1] == accuracy(by_hand, x, y)
    assert history.columns == ["loss", "test_accuracy", "seconds"] and len(history) == 3
    assert all(np.array_equal(a.value, b.value) for a, b in zip(net.parameters(), by_hand.parameters()))


def test_contrastive_divergence_fit_is_step_by_step_with_the_log_likelihood():
    data = np.array([[1, 0, 1, 0], [0, 1, 0, 1]])
    runs = []
    for _ in range(2):
        model = BoltzmannModel(4, 2, seed=1)
        runs.append((model, ContrastiveDivergence(model, Sampler("ref"), lr=0.1, sweeps=20, burn_in=5, chains=4)))
    (model, cd), (by_hand, cd_hand) = runs
    history = cd.fit(data, updates=3)
    likelihoods = []
    for _ in range(3):
        cd_hand.step(data)
        likelihoods.append(by_hand.log_likelihood(data))
    assert history["log_likelihood"].tolist() == likelihoods
    assert np.array_equal(model.W_vh.value, by_hand.W_vh.value)
    assert "Boltzmann learning: 3 updates" in repr(history)
