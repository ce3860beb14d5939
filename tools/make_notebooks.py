"""Writes the board notebooks (host/neuropynq/notebooks/*.ipynb) from the cell
sources below, so the notebooks stay reviewable as code. Run after editing:
    .venv/bin/python tools/make_notebooks.py
tests/test_notebooks.py checks the committed notebooks match and runs them."""
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "host" / "neuropynq" / "notebooks"

SETUP = '''import os
import numpy as np
from neuropynq import BayesNet, BoltzmannMachine, Sampler, posterior_marginals
from neuropynq.errors import BackendUnavailable

# On a PYNQ board "auto" runs on the FPGA: each kernel build has its own overlay
# (bitstreams/<board>/neuropynq_bn.bit, neuropynq_bm.bit and, where the board has one,
# neuropynq_bm_sparse.bit for sparse Boltzmann machines beyond the dense one), loaded as
# it is asked for; elsewhere it falls back to the cpu backend. NEUROPYNQ_BACKEND overrides the choice.
BACKEND = os.environ.get("NEUROPYNQ_BACKEND", "auto")
snn = Sampler(BACKEND)
print(snn.describe())'''

# Figures: matplotlib where it is installed; without it a notebook still runs to the end,
# says so, and prints the numbers. NEUROPYNQ_FIGURES (a folder) also saves each figure
# there: the test suite runs the notebooks headless and checks the files.
PLOTTING = '''import os, sys
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: no figures, the numbers are printed instead "
          "(pip install matplotlib to draw them)")
try:
    from IPython.display import display     # tables as HTML in Jupyter
except ImportError:
    display = print


def show(fig, name):
    """Save the figure to $NEUROPYNQ_FIGURES/<name>.png when that is set; Jupyter shows it inline."""
    folder = os.environ.get("NEUROPYNQ_FIGURES")
    if folder:
        fig.savefig(os.path.join(folder, f"{name}.png"), dpi=72)
    if "ipykernel" not in sys.modules:       # headless: nothing will show it, free it
        plt.close(fig)'''

GETTING_STARTED = [
    ("markdown", "# neuropynq on the board: Bayesian inference with spiking sample neurons\n\n"
     "Each of S *sample neurons* carries one ancestral sample of the ALARM network and fires "
     "over T steps at a rate proportional to its importance weight; the posterior is the "
     "spike-weighted vote. The same seed gives the same counts on the FPGA and on the CPU."),
    ("code", SETUP),
    ("code", PLOTTING),
    ("code", '''from neuropynq import resources
bn = BayesNet.from_bif(resources.example("alarm"))     # the bundled ALARM network
evidence = {"HRBP": "HIGH", "BP": "LOW"}
query = ["LVFAILURE", "HYPOVOLEMIA", "STROKEVOLUME"]
print(len(bn.variables), "variables;", "evidence:", evidence)'''),
    ("markdown", "## Run the SNN sampler and compare with the exact posterior"),
    ("code", '''post = snn.posterior(bn, evidence, query=query, samples=32768, window=256, seed=1)
exact = posterior_marginals(bn, evidence, query)
display(post)      # a table: HTML in Jupyter, aligned text elsewhere
mae = np.mean(np.concatenate([np.abs(post.marginals[v] - exact[v]) for v in query]))
print(f"mean absolute error against the exact posterior {mae:.4f}; {post.seconds:.3f} s on {post.backend}")
assert mae < 0.03'''),
    ("code", '''labels = [f"{v}={s}" for v in query for s in bn.states[v]]
snn_p = np.concatenate([post.marginals[v] for v in query])
exact_p = np.concatenate([exact[v] for v in query])
if plt is not None:
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.bar(np.arange(len(labels)) - 0.2, exact_p, width=0.4, label="exact (variable elimination)")
    ax.bar(np.arange(len(labels)) + 0.2, snn_p, width=0.4, label=f"SNN sampler ({post.backend})")
    ax.set_xticks(np.arange(len(labels)), labels, rotation=60, ha="right")
    ax.set_ylabel("P(state | evidence)"); ax.legend(); fig.tight_layout()
    show(fig, "posterior")
else:
    for label, p, q in zip(labels, exact_p, snn_p):
        print(f"{label:22s} exact {p:.4f} {'#' * int(40 * p):40s} snn {q:.4f}")'''),
    ("markdown", "## The same seed on another backend gives the same counts"),
    ("code", '''other = "cpu" if snn.backend.name == "fpga" else "ref"
try:
    twin = Sampler(other).posterior(bn, evidence, query=query, samples=32768, window=256, seed=1)
    assert all(np.array_equal(twin.counts[v], post.counts[v]) for v in query)
    print(f"{snn.backend.name}: {post.seconds:.3f} s, {other}: {twin.seconds:.3f} s, identical counts")
except BackendUnavailable as exc:
    print("not compared:", exc)'''),
]

BOLTZMANN = [
    ("markdown", "# Neural sampling of a Boltzmann machine\n\n"
     "Refractory spiking neurons (Buesing et al. 2011) sample p(z) ∝ exp(bᵀz + ½zᵀWz); "
     "τ = 1 is Gibbs sampling. We compare the empirical distribution with full enumeration."),
    ("code", SETUP),
    ("code", PLOTTING),
    ("code", '''from neuropynq.exact.enumeration import joint, kl_divergence
bm = BoltzmannMachine.random(8, seed=3)
run = snn.sample(bm, sweeps=50_000, burn_in=100, tau=4, seed=7)
display(run)       # marginals and the most frequent states
p_exact = joint(bm)
p_snn = run.distribution()
kl = kl_divergence(p_snn, p_exact)
print(f"KL(empirical || exact) = {kl:.4f} after {run.sweeps} sweeps ({run.seconds:.2f} s, {run.backend})")
assert kl < 0.05'''),
    ("code", '''top = np.argsort(p_exact)[::-1][:16]
if plt is not None:
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.bar(np.arange(top.size) - 0.2, p_exact[top], width=0.4, label="exact")
    ax.bar(np.arange(top.size) + 0.2, p_snn[top], width=0.4, label="SNN sampler")
    ax.set_xticks(np.arange(top.size), [format(s, "08b")[::-1] for s in top], rotation=90)
    ax.set_ylabel("p(z)"); ax.legend(); fig.tight_layout()
    show(fig, "distribution")
else:   # a text plot
    for s in top:
        print(format(s, "08b")[::-1], f"{p_exact[s]:.4f}", "#" * int(200 * p_exact[s]),
              f"| {p_snn[s]:.4f}", "*" * int(200 * p_snn[s]))'''),
    ("markdown", "## Several chains\n\n"
     "`sample_chains` runs independent chains, chain c seeded `seed + c` (each one, bit for bit, "
     "what `sample` gives for that seed). On the ZCU104 the dense bm overlay holds two kernels, "
     "so two chains run side by side; elsewhere they run one after another. Chains that "
     "disagree by more than their sampling error would say the chains have not mixed."),
    ("code", '''chains = snn.sample_chains(bm, chains=4, sweeps=12_500, burn_in=100, tau=4, seed=7)
p_chains = np.mean([c.distribution() for c in chains], axis=0)
kl_chains = kl_divergence(p_chains, p_exact)
per_chain = np.array([c.marginals for c in chains])        # (chains, N): P(z_k = 1) in each chain
print(f"{len(chains)} chains of {chains[0].sweeps} sweeps: KL(pooled || exact) = {kl_chains:.4f} "
      f"({chains[0].seconds:.2f} s, {chains[0].backend})")
print("largest spread of a marginal between chains:", f"{np.ptp(per_chain, axis=0).max():.4f}")
assert kl_chains < 0.05'''),
]

TRAINING = [
    ("markdown", "# Training a spiking network, saving it, mapping it onto a chip\n\n"
     "`neuropynq.train` trains networks of leaky integrate-and-fire (LIF) neurons by "
     "backpropagation through time with a surrogate gradient, in numpy, on any machine (the "
     "board's ARM cores included). Here: three classes of jittered Poisson spike patterns, "
     "a 20-16-3 network, its loss and held-out accuracy per epoch, its spikes and membrane "
     "potentials, the saved file, and that file mapped onto a many-core neuromorphic chip."),
    ("code", PLOTTING),
    ("code", '''import tempfile
import numpy as np
from neuropynq.train import Adam, Dense, LIF, Network, RateCrossEntropy, accuracy, fit, save_network
from neuropynq.train import load_network as load_trained
from neuropynq.train.data import poisson_patterns

CLASSES, CHANNELS, STEPS = 3, 20, 30
# One set of class templates; samples jitter each spike by up to one step.
x, y = poisson_patterns(classes=CLASSES, channels=CHANNELS, steps=STEPS, samples=192, rate=0.1,
                        jitter=1, seed=3)
x_train, y_train, x_test, y_test = x[:, :128], y[:128], x[:, 128:], y[128:]   # held out: 64
print(f"inputs (steps, samples, channels): train {x_train.shape}, held out {x_test.shape}")'''),
    ("markdown", "## The input spike trains: one sample of each class"),
    ("code", '''examples = [int(np.flatnonzero(y_train == c)[0]) for c in range(CLASSES)]
if plt is not None:
    fig, axes = plt.subplots(1, CLASSES, figsize=(9, 2.5), sharey=True)
    for c, (ax, s) in enumerate(zip(axes, examples)):
        t, channel = np.nonzero(x_train[:, s])
        ax.scatter(t, channel, marker="|", s=30)
        ax.set_title(f"class {c}"); ax.set_xlabel("step")
    axes[0].set_ylabel("input channel"); fig.tight_layout()
    show(fig, "input_raster")
else:
    for c, s in enumerate(examples):
        print(f"class {c}: {int(x_train[:, s].sum())} input spikes")'''),
    ("markdown", "## Train: loss and held-out accuracy per epoch\n\n"
     "`fit` shows progress on long runs and returns the history, a table."),
    ("code", '''neuron = LIF(beta=0.9)
net = Network([Dense(CHANNELS, 16, neuron, seed=1, weight_scale=2.0),
               Dense(16, CLASSES, neuron, seed=2, weight_scale=2.0)])
print(f"held-out accuracy before training {accuracy(net, x_test, y_test):.2f}")
history = fit(net, x_train, y_train, RateCrossEntropy(5.0), Adam(net.parameters(), lr=0.02), epochs=8,
              batch_size=32, seed=0, x_test=x_test, y_test=y_test)
display(history)
assert history["test_accuracy"][-1] >= 0.9'''),
    ("code", '''epochs = np.arange(1, len(history) + 1)
if plt is not None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
    left.plot(epochs, history["loss"], marker="o"); left.set_xlabel("epoch"); left.set_ylabel("training loss")
    right.plot(epochs, history["test_accuracy"], marker="o", color="C2")
    right.set_ylim(0, 1.05); right.set_xlabel("epoch"); right.set_ylabel("held-out accuracy")
    fig.tight_layout()
    show(fig, "loss_accuracy")
else:
    for e, loss, acc in zip(epochs, history["loss"], history["test_accuracy"]):
        print(f"epoch {e}: loss {loss:.3f}, held-out accuracy {acc:.2f}")'''),
    ("markdown", "## Inside the trained network: hidden spikes and membrane potentials\n\n"
     "A layer keeps its last run for the backward pass; its `margin` is the membrane "
     "potential minus the threshold."),
    ("code", '''sample = x_test[:, :1]
out = net.forward(sample)
hidden = net.layers[0]._run
spikes = hidden.spikes[:, 0]                              # (steps, 16)
membrane = hidden.margin[:, 0] + neuron.threshold
assert np.array_equal(spikes, membrane >= neuron.threshold)   # a spike where u reaches the threshold
print(f"label {y_test[0]}, output spike counts {out[:, 0].sum(axis=0).astype(int)}")
if plt is not None:
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    t, unit = np.nonzero(spikes)
    top.scatter(t, unit, marker="|", s=40); top.set_ylabel("hidden neuron")
    for k in range(3):
        line, = bottom.plot(membrane[:, k], label=f"neuron {k}")
        fired = np.flatnonzero(spikes[:, k])
        bottom.plot(fired, membrane[fired, k], "o", color=line.get_color(), ms=4)
    bottom.axhline(neuron.threshold, color="k", ls="--", lw=1, label="threshold")
    bottom.set_xlabel("step"); bottom.set_ylabel("membrane potential (dots: spikes)")
    bottom.legend(fontsize=8)
    fig.tight_layout()
    show(fig, "hidden_spikes_membrane")
else:
    for k in range(3):
        print(f"hidden neuron {k}: {int(spikes[:, k].sum())} spikes, peak potential {membrane[:, k].max():.2f}")'''),
    ("markdown", "## Save it, load it back, map it onto a chip"),
    ("code", '''path = os.path.join(tempfile.mkdtemp(), "snn.npz")
save_network(net, path)
again = load_trained(path)
assert np.array_equal(again.forward(x_test), net.forward(x_test))   # the same network
print("saved to", path)

from neuropynq.mapping import TIANJICX, load_network, map_network
mapping = map_network(load_network(path), TIANJICX, "hamilton")
display(mapping)      # layers, slices and the cost of the placement (notebook 5 draws it)'''),
]

MAPPING = [
    ("markdown", "# Mapping a spiking network onto a many-core chip\n\n"
     "`neuropynq.mapping` cuts each layer into core-sized slices, places the slices on the "
     "chip's mesh and routes spikes with XY routing. The placement decides how far spikes "
     "travel: here a Hamilton loop (consecutive slices on neighbouring cores), simulated "
     "annealing of the hop traffic, and row-major order (the baseline), on a TianjicX-like chip."),
    ("code", PLOTTING),
    ("code", '''import numpy as np
from neuropynq.mapping import TIANJICX, map_network, network_from_dict

net = network_from_dict({"input_rate": 0.2, "layers": [
    {"kind": "dense", "n_in": 784, "n_out": 512, "rate": 0.05},
    {"kind": "dense", "n_in": 512, "n_out": 256, "rate": 0.05},
    {"kind": "dense", "n_in": 256, "n_out": 10}]})
PLACEMENTS = ("hamilton", "anneal", "rowmajor")
mappings = {p: map_network(net, TIANJICX, p, seed=0) for p in PLACEMENTS}
display(mappings["hamilton"])'''),
    ("markdown", "## The three placements side by side"),
    ("code", '''from neuropynq.tables import html_table, text_table
header = ["placement", "cores", "packet-hops/step", "most loaded link", "latency ns/step", "energy nJ/step"]
rows = [[p, m.cost.cores, m.cost.hop_traffic, m.cost.max_link_load, m.cost.latency_ns, m.cost.energy_nj]
        for p, m in mappings.items()]
try:
    from IPython.display import HTML
    display(HTML(html_table(header, rows, "placements")))
except ImportError:
    print(text_table(header, rows))
hops = {p: m.cost.hop_traffic for p, m in mappings.items()}
assert hops["anneal"] <= hops["hamilton"] <= hops["rowmajor"]'''),
    ("markdown", "## The mesh: where each layer's slices sit, and the load on each link"),
    ("code", '''def draw_mesh(ax, mapping):
    """Cores coloured by the layer of their slice (grey: free); each link drawn wider and
    redder the more packets per step it carries (both directions summed)."""
    chip, links = mapping.chip, mapping.links
    layer_of = np.full(chip.rows * chip.cols, -1)
    for s, core in zip(mapping.slices, mapping.cores):
        layer_of[core] = s.layer
    load = {"east": links.east + links.west, "south": links.south + links.north}
    top = max(max(a.max() for a in load.values() if a.size), 1e-9)
    for direction, (dr, dc) in (("east", (0, 1)), ("south", (1, 0))):
        for (r, c), value in np.ndenumerate(load[direction]):
            if value:
                ax.plot([c, c + dc], [r, r + dr], color=plt.cm.Reds(0.3 + 0.7 * value / top),
                        lw=1 + 5 * value / top, zorder=1, solid_capstyle="butt")
    rows, cols = np.divmod(np.arange(chip.rows * chip.cols), chip.cols)
    used = layer_of >= 0
    ax.scatter(cols[~used], rows[~used], s=8, color="0.85", zorder=2)
    points = ax.scatter(cols[used], rows[used], s=16, c=layer_of[used], cmap="viridis", zorder=3,
                        vmin=0, vmax=len(mapping.layers) - 1)
    ax.set_title(f"{mapping.placement}: {mapping.cost.hop_traffic:.0f} packet-hops/step", fontsize=9)
    ax.set_aspect("equal"); ax.invert_yaxis(); ax.set_xticks([]); ax.set_yticks([])
    return points


if plt is not None:
    fig, axes = plt.subplots(1, len(mappings), figsize=(12, 3.2))
    for ax, m in zip(axes, mappings.values()):
        points = draw_mesh(ax, m)
    fig.colorbar(points, ax=axes, label="layer", ticks=range(len(net.layers)), shrink=0.8)
    show(fig, "mesh_placements")
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(list(hops), list(hops.values()), color=["C0", "C1", "C2"])
    ax.set_ylabel("packet-hops per step"); fig.tight_layout()
    show(fig, "hop_traffic")
else:   # the mesh as text: the layer of each used core, "." for a free one
    m = mappings["hamilton"]
    grid = np.full((m.chip.rows, m.chip.cols), ".")
    for s, core in zip(m.slices, m.cores):
        grid[divmod(int(core), m.chip.cols)] = str(s.layer)
    print("\\n".join("".join(row) for row in grid))'''),
    ("markdown", "`mapping_svg(mapping)` / `neuropynq map --svg` draw the same mesh as an SVG file, "
     "without matplotlib."),
]

LEARNING = [
    ("markdown", "# Boltzmann learning with the sampler in the loop\n\n"
     "A restricted Boltzmann machine learns the 3x3 *bars and stripes* patterns. Each update's "
     "negative phase is drawn by the spiking sampler (`Sampler.sample`, on the FPGA on a board), "
     "the positive phase and the exact log-likelihood are computed in closed form."),
    ("code", SETUP),
    ("code", PLOTTING),
    ("code", '''from neuropynq.train import BoltzmannModel, ContrastiveDivergence, replicated
from neuropynq.train.data import bars_and_stripes

data = bars_and_stripes(3)                 # 14 patterns of 9 pixels
optimum = -np.log(len(data))               # log-likelihood of the uniform distribution over them
model = BoltzmannModel(9, 9, seed=0, init_scale=0.1)
cd = ContrastiveDivergence(model, snn, lr=0.1, sweeps=20, burn_in=40, chains=8, decay_updates=100)


def visible_samples(model, seed, chains=8):
    """Visible states drawn by the sampler from the model's machine (chains side by side)."""
    run = snn.sample(replicated(model.machine(), chains), sweeps=50, burn_in=50, seed=seed)
    return run.states.reshape(-1, chains, model.n)[:, :, :model.n_visible].reshape(-1, model.n_visible)


def pattern_fraction(samples):
    return float(((samples[:, None, :] == data[None]).all(axis=2)).any(axis=1).mean())


before = visible_samples(model, seed=1)
print(f"log-likelihood {model.log_likelihood(data):.2f} nats (optimum {optimum:.2f}); "
      f"{pattern_fraction(before):.0%} of the samples are patterns")'''),
    ("markdown", "## Learn: the log-likelihood after each update"),
    ("code", '''history = cd.fit(data, updates=200)
display(history)
after = visible_samples(model, seed=2)
gain = history["log_likelihood"][-1] - history["log_likelihood"][0]
print(f"log-likelihood {history['log_likelihood'][-1]:.2f} nats (+{gain:.2f}); "
      f"{pattern_fraction(after):.0%} of the samples are patterns")
assert gain > 2.0 and pattern_fraction(after) > pattern_fraction(before)'''),
    ("code", '''if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(np.arange(1, len(history) + 1), history["log_likelihood"], label="model")
    ax.axhline(optimum, color="k", ls="--", lw=1, label="optimum (uniform over the patterns)")
    ax.set_xlabel("update"); ax.set_ylabel("log-likelihood (nats)"); ax.legend(); fig.tight_layout()
    show(fig, "log_likelihood")
    fig, axes = plt.subplots(2, 8, figsize=(8, 2.4))
    for row, (name, samples) in enumerate((("before", before), ("after", after))):
        for k, ax in enumerate(axes[row]):
            ax.imshow(samples[-8 + k].reshape(3, 3), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([]); ax.set_yticks([])
        axes[row, 0].set_ylabel(name)
    fig.suptitle("the last sample of each of 8 chains"); fig.tight_layout()
    show(fig, "samples_before_after")
else:
    for name, samples in (("before", before), ("after", after)):
        print(name + ":", "  ".join("/".join("".join(map(str, r)) for r in sample.reshape(3, 3))
                                    for sample in samples[-8:]))'''),
]

ACCELERATOR = [
    ("markdown", "# The accelerator against the processor\n\n"
     "How fast does each backend reach a given accuracy? For the ALARM network (37 variables) "
     "and HAILFINDER (56), each backend runs the SNN sampler at a range of sample counts S; "
     "the mean absolute error of the posterior marginals against the exact ones (variable "
     "elimination) is plotted against the seconds the run took. Every backend returns the "
     "same counts for the same seed, so at a given S the error is the same on all of them: "
     "only the seconds differ.\n\n"
     "On a PYNQ board the `fpga` curve is measured. Elsewhere each board build's curve is "
     "*projected*: the kernels' cycle model over the run's own frame (checked against the "
     "cycles Verilator measures on the SystemVerilog twins, `bench/bench_hw.py`, docs/rtl.md) "
     "divided by the build's clock. It leaves out the host's side of a board run (Python, "
     "the DMA set-up), which dominates the smallest runs."),
    ("code", SETUP),
    ("code", PLOTTING),
    ("code", '''from neuropynq import resources
from neuropynq.boards import board_builds
from neuropynq.errors import LimitError
from neuropynq.projection import posterior_seconds
from neuropynq.tables import html_table, text_table

NETWORKS = {"alarm": {"HRBP": "HIGH", "BP": "LOW"},
            "hailfinder": {"R5Fcst": "XNIL", "CldShadeOth": "Cloudy"}}
WINDOW = 256
SAMPLES = [256, 1024, 4096, 16384, 65536]
SEEDS = (1, 2)                # the error is averaged over these runs, the seconds are their median
nets = {name: BayesNet.from_bif(resources.example(name)) for name in NETWORKS}
exact = {name: posterior_marginals(nets[name], ev) for name, ev in NETWORKS.items()}


def mae(post, truth):
    """Mean absolute error over every state of every non-evidence variable."""
    return float(np.mean(np.concatenate([np.abs(post.marginals[v] - truth[v]) for v in post.marginals])))


# The backends that can run here: ref, cpu on one thread and on every core, fpga on a board.
samplers = {"ref": Sampler("ref")}
try:
    samplers["cpu, 1 thread"] = Sampler("cpu", threads=1)
    cores = Sampler("cpu").backend.threads
    if cores > 1:
        samplers[f"cpu, {cores} threads"] = Sampler("cpu", threads=cores)
except BackendUnavailable as exc:
    print("no cpu backend here:", exc)
try:
    samplers["fpga"] = snn if snn.backend.name == "fpga" else Sampler("fpga")
except BackendUnavailable as exc:
    print("no board here, its figures are projected:", exc)
print("measured:", ", ".join(samplers))'''),
    ("markdown", "## Measure: seconds and error at each sample count"),
    ("code", '''curves = {}                   # (network, backend) -> (seconds, error) at each S
for name, evidence in NETWORKS.items():
    for label, sampler in samplers.items():
        sampler.posterior(nets[name], evidence, samples=SAMPLES[0], window=WINDOW)   # warm-up
        seconds, error = [], []
        for s in SAMPLES:
            runs = [sampler.posterior(nets[name], evidence, samples=s, window=WINDOW, seed=seed)
                    for seed in SEEDS]
            seconds.append(np.median([r.seconds for r in runs]))
            error.append(np.mean([mae(r, exact[name]) for r in runs]))
        curves[name, label] = np.array(seconds), np.array(error)
    errors = [curves[name, label][1] for label in samplers]
    assert all(np.array_equal(e, errors[0]) for e in errors), "the backends' counts differ"
    assert errors[0][-1] < errors[0][0] / 4      # 256 times the samples: about 1/16 of the error'''),
    ("markdown", "## Project: each board build, where no board is present\n\n"
     "The error is the measured one at the same S (a board returns the same counts); the "
     "seconds are the projected kernel time. A build whose limits the network exceeds has no curve."),
    ("code", '''PROJECTED = "projected (Verilator cycles ÷ clock), not measured"
projections = {}              # (network, board) -> (seconds, error) at each S
if "fpga" not in samplers:
    for name, evidence in NETWORKS.items():
        measured_error = curves[name, "ref"][1]
        for board, build in board_builds().items():
            try:
                seconds = [posterior_seconds(build, nets[name], evidence, s, WINDOW) for s in SAMPLES]
            except LimitError as exc:
                print(f"{name} on {board}: does not fit the build ({exc})")
                continue
            projections[name, board] = np.array(seconds), measured_error
    for board, build in board_builds().items():
        print(f"{board} ({build.bn_lanes} lanes at {build.clock_mhz} MHz): {PROJECTED}")'''),
    ("code", '''header = ["network", "backend", "S", "ms", "samples/s", "error (MAE)"]
rows = [[name, label, s, 1e3 * t, s / t, e]
        for (name, label), (seconds, error) in curves.items() for s, t, e in zip(SAMPLES, seconds, error)]
rows += [[name, f"{board} (projected)", s, 1e3 * t, s / t, e]
         for (name, board), (seconds, error) in projections.items() for s, t, e in zip(SAMPLES, seconds, error)]
try:
    from IPython.display import HTML
    display(HTML(html_table(header, rows, "seconds and error per backend", limit=None)))
except ImportError:
    print(text_table(header, rows, limit=None))'''),
    ("code", '''if plt is not None:
    fig, axes = plt.subplots(1, len(NETWORKS), figsize=(11, 4.5), sharey=True)
    for ax, name in zip(axes, NETWORKS):
        for label in samplers:
            seconds, error = curves[name, label]
            ax.loglog(seconds, error, marker="o", label=f"{label}, measured")
        for (net_name, board), (seconds, error) in projections.items():
            if net_name == name:
                ax.loglog(seconds, error, ls="--", marker="s", mfc="none", label=f"{board}, {PROJECTED}")
        ax.set_title(f"{name} ({len(nets[name].variables)} variables), T = {WINDOW}, S = {SAMPLES[0]} ... {SAMPLES[-1]}",
                     fontsize=9)
        ax.set_xlabel("seconds per run"); ax.grid(True, which="both", lw=0.3)
    axes[0].set_ylabel("posterior error (MAE against exact)")
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    show(fig, "error_vs_seconds")
else:
    print("error against seconds: the table above, one row per point")'''),
]


def notebook(cells):
    def cell(kind, source):
        c = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            c.update(execution_count=None, outputs=[])
        return c
    return {"cells": [cell(k, s) for k, s in cells],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


NOTEBOOKS = {"01_getting_started.ipynb": GETTING_STARTED,
             "02_boltzmann_sampling.ipynb": BOLTZMANN,
             "03_accelerator_against_processor.ipynb": ACCELERATOR,
             "04_training_an_snn.ipynb": TRAINING,
             "05_mapping.ipynb": MAPPING,
             "06_boltzmann_learning.ipynb": LEARNING}


def render(name: str) -> str:
    return json.dumps(notebook(NOTEBOOKS[name]), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        (OUT / name).write_text(render(name))
        print("wrote", OUT / name)
