"""Notebook 04's figures: the PTB tutorial's small model beside the published perplexities, dropout's effect on
the train/validation gap and the learning-rate schedule, where each epoch's seconds went, and what each
configuration costs.

Each takes recorded runs (``docs/results/ptb_*.json``, read by :func:`r2rt_rnn.reproduction.reproduce.recorded`) and
returns a Figure.
"""
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def _column(record, key):
    return np.array([e[key] for e in record["epochs"]], dtype=float)


def perplexity_figure(small, published, anchor_run=None, anchor_test=None):
    """Left: the small model's train/validation perplexity per epoch (log scale). Right: epochs 4 on, zoomed to
    the published final figures (paper, TF script) and, when given, the H200 anchor's run and test figure."""
    fig = Figure(figsize=(11, 4.2))
    full, zoom = fig.subplots(1, 2)
    epochs = np.arange(1, len(small["epochs"]) + 1)
    train, valid = _column(small, "train_perplexity"), _column(small, "valid_perplexity")
    full.plot(epochs, train, "o-", color="C0", label="ours: train")
    full.plot(epochs, valid, "s-", color="C1", label="ours: validation")
    e1 = published["tf_script"]["epoch_1"]
    full.plot([1], [e1["train_perplexity"]], "o", mfc="none", ms=12, color="C0", label="TF script's log, epoch 1")
    full.plot([1], [e1["valid_perplexity"]], "s", mfc="none", ms=12, color="C1")
    full.set_yscale("log")
    full.set(xlabel="epoch", ylabel="perplexity (log scale)", title="small model, 13 epochs")
    full.legend(fontsize=8)
    full.grid(alpha=0.3, which="both")

    start = 4
    zoom.plot(epochs[start - 1:], valid[start - 1:], "s-", color="C1", label="ours: validation")
    zoom.plot([epochs[-1] + 0.4], [small["test_perplexity"]], "*", ms=14, color="C2", label="ours: test")
    if anchor_run:
        zoom.plot([e["epoch"] for e in anchor_run][start - 1:], [e["valid_ppl"] for e in anchor_run][start - 1:],
                  "^--", color="C4", ms=4, label="PyTorch on an H200: validation")
    if anchor_test:
        zoom.plot([epochs[-1] + 0.4], [anchor_test["test_ppl"]], "*", ms=11, mfc="none", color="C4",
                  label="PyTorch on an H200: test")
    for who, name, style in (("paper", "paper", "--"), ("tf_script", "TF script", ":")):
        zoom.axhline(published[who]["valid_perplexity"], color="C1", ls=style, lw=1, label=f"{name}: validation")
        zoom.axhline(published[who]["test_perplexity"], color="C2", ls=style, lw=1, label=f"{name}: test")
    zoom.set(xlabel="epoch", ylabel="perplexity", title=f"epochs {start}-{len(epochs)} and the published finals")
    zoom.legend(fontsize=7, ncol=2)
    zoom.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def dropout_figure(runs):
    """``runs``: ``{label: record}``. Top: train (dashed) and validation (solid) perplexity per epoch; middle:
    the gap, validation minus train; bottom: the learning rate each epoch ran at (log scale)."""
    fig = Figure(figsize=(9, 7.5))
    top, middle, bottom = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2, 1.6]})
    for i, (label, record) in enumerate(runs.items()):
        epochs = np.arange(1, len(record["epochs"]) + 1)
        train, valid = _column(record, "train_perplexity"), _column(record, "valid_perplexity")
        top.plot(epochs, train, "--", color=f"C{i}", label=f"{label}: train")
        top.plot(epochs, valid, "o-", color=f"C{i}", ms=4, label=f"{label}: validation")
        middle.plot(epochs, valid - train, "o-", color=f"C{i}", ms=4, label=label)
        bottom.plot(epochs, _column(record, "learning_rate"), "o-", color=f"C{i}", ms=4, label=label)
    top.set(ylabel="perplexity", ylim=(30, 200), title="the small model with and without dropout")
    top.legend(fontsize=7, ncol=2)
    middle.axhline(0, color="gray", lw=1)
    middle.set(ylabel="validation - train")
    middle.legend(fontsize=7)
    bottom.set_yscale("log")
    bottom.set(xlabel="epoch", ylabel="learning rate (log)")
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (top, middle, bottom):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def epoch_seconds_figure(runs):
    """Training seconds per epoch of each run, and (where recorded) the CPU seconds other programs took meanwhile."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    width = 0.8 / len(runs)
    for i, (label, record) in enumerate(runs.items()):
        epochs = np.arange(1, len(record["epochs"]) + 1) + (i - (len(runs) - 1) / 2) * width
        ax.bar(epochs, _column(record, "train_seconds"), width, color=f"C{i}", alpha=0.7, label=f"{label}: seconds")
        other = [e.get("cpu", {}).get("other_cpu_seconds") for e in record["epochs"]]
        if any(v is not None for v in other):
            ax.bar(epochs, [v or 0 for v in other], width * 0.5, color="black", alpha=0.6,
                   label=f"{label}: other programs' CPU seconds")
    ax.set(xlabel="epoch", ylabel="seconds", title="where each epoch's time went")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def cost_figure(speed, anchor_wps):
    """Words per second of each config: measured here, an estimate from its matrix products timed alone at their
    own shapes (not a bound: the small model's training beats it), the arithmetic bound at the square-matmul peak,
    and the H200 anchor; log scale."""
    names, series = _cost_series(speed, anchor_wps)
    fig = Figure(figsize=(9, 4.6))
    ax = fig.subplots()
    width = 0.8 / len(series)
    x = np.arange(len(names))
    for i, (label, values) in enumerate(series.items()):
        bars = ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=label, color=f"C{i}")
        for bar, v in zip(bars, values):
            ax.text(bar.get_x() + bar.get_width() / 2, v * 1.08, f"{v:,.0f}", ha="center", fontsize=7, rotation=90)
    ax.set_xticks(x, names)
    ax.set_yscale("log")
    lowest, highest = min(min(v) for v in series.values()), max(max(v) for v in series.values())
    ax.set_ylim(lowest / 2, highest * 5)  # the data's decades, with room above the tallest bar for its label
    ax.set(ylabel="words per second (log)", title="training speed of the three configurations")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2)
    fig.tight_layout()
    return fig


def _cost_series(speed, anchor_wps):
    """The configs present (small to large) and ``{label: words/s per config}`` of the cost figure's four bars."""
    names = [n for n in ("small", "medium", "large") if n in speed]
    series = {
        "measured here (TF1, 2 cores)": [speed[n]["words_per_second"] for n in names],
        "estimate here: its products timed alone at their shapes":
            [speed[n]["arithmetic"]["at_own_shapes"]["words_per_second"] for n in names],
        "bound here: every FLOP at the square-matmul peak": [speed[n]["arithmetic"]["at_peak"]["words_per_second"]
                                                             for n in names],
        "PyTorch cuDNN on one H200 (fp32)": [anchor_wps[n]["fp32"]["wps"] for n in names],
    }
    return names, series
