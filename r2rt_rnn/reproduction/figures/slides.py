"""The slides' pictures and notebook 03's result figures, drawn by code; each returns a ``Figure`` (no pyplot).

The slides' three architecture pictures:

* :func:`many_to_one_figure`: a forward and a backward RNN read the window; the forward one's
  *last* output and the backward one's *first* are projected, added and projected to the classes;
* :func:`many_to_many_figure`: an output after every input (the next byte), the state carried in
  from the previous batch and out to the next;
* :func:`many_to_one_to_many_figure`: an encoder squeezes the sequence into its final state, a
  decoder unfolds it on zero inputs into the sorted sequence.

And the results: :func:`loss_figure` (per-step losses, a moving mean, held-out points),
:func:`confusion_figure` (the classifier's held-out confusion matrix) and :func:`spikes_figure`
(the sorter's loss beside its gradient norm). Boxes are tagged for :func:`.drawing.count`.
"""
import numpy as np
from matplotlib.figure import Figure

from .drawing import arrow, box, check_count, frame


def _row(ax, y, steps, label, kind="cell", direction=1, x0=1.0, dx=1.2):
    """``steps`` cells at height ``y`` joined left to right (``direction`` 1) or right to left (-1)."""
    xs = [x0 + t * dx for t in range(steps)]
    for x in xs:
        box(ax, x, y, 0.8, 0.55, label, kind, fontsize=8)
    for a, b in zip(xs[:-1], xs[1:]):
        start, end = ((a + 0.4, y), (b - 0.4, y)) if direction > 0 else ((b - 0.4, y), (a + 0.4, y))
        arrow(ax, start, end)
    return xs


def many_to_one_figure(steps=5):
    """The bidirectional classifier of the slides' many-to-one example, ``steps`` inputs wide."""
    check_count("steps", steps, low=2, high=10)
    fig = Figure(figsize=(2.5 + 1.2 * steps, 4.4), dpi=100)
    ax = fig.subplots()
    xs = _row(ax, 1.3, steps, "fw")
    _row(ax, 2.3, steps, "bw", direction=-1)
    for t, x in enumerate(xs):
        ax.text(x, 0.35, f"byte {t}", ha="center", fontsize=7)
        arrow(ax, (x, 0.5), (x, 1.02))
        arrow(ax, (x - 0.25, 0.5), (x - 0.25, 2.02), colour="#999")
    top = xs[-1] + 1.4
    box(ax, top, 1.3, 0.9, 0.5, "project", "op", fontsize=7)
    box(ax, top, 2.3, 0.9, 0.5, "project", "op", fontsize=7)
    arrow(ax, (xs[-1] + 0.4, 1.3), (top - 0.45, 1.3), "last", label_offset=(0, -0.35))
    arrow(ax, (xs[0], 2.58), (top - 0.3, 2.5), "first output of bw", curve=-0.25, label_offset=(0, 0.35))
    box(ax, top, 3.3, 0.5, 0.45, "+", "op")
    arrow(ax, (top + 0.5, 1.5), (top + 0.25, 3.1), curve=0.4)
    arrow(ax, (top, 2.55), (top, 3.08))
    box(ax, top, 4.1, 0.9, 0.5, "classes", "io", fontsize=7)
    arrow(ax, (top, 3.53), (top, 3.85))
    frame(ax, (0.3, top + 0.9), (0.1, 4.5), "many-to-one: read a window both ways, emit one label")
    return fig


def many_to_many_figure(steps=5):
    """The slides' text model: after every byte, scores for the next one; the state crosses batches."""
    check_count("steps", steps, low=2, high=10)
    fig = Figure(figsize=(2.8 + 1.2 * steps, 3.2), dpi=100)
    ax = fig.subplots()
    xs = _row(ax, 1.5, steps, "cells", x0=1.6)
    for t, x in enumerate(xs):
        arrow(ax, (x, 0.55), (x, 1.22))
        ax.text(x, 0.4, f"byte {t}", ha="center", fontsize=7)
        arrow(ax, (x, 1.78), (x, 2.4))
        ax.text(x, 2.5, f"byte {t + 1}?", ha="center", fontsize=7)
    box(ax, 0.45, 1.5, 0.75, 0.5, "state in", "state", fontsize=7)
    arrow(ax, (0.83, 1.5), (xs[0] - 0.4, 1.5))
    box(ax, xs[-1] + 1.2, 1.5, 0.8, 0.5, "state out", "state", fontsize=7)
    arrow(ax, (xs[-1] + 0.4, 1.5), (xs[-1] + 0.8, 1.5))
    frame(ax, (0, xs[-1] + 1.7), (0.1, 3.0), "many-to-many: an output after every input")
    return fig


def many_to_one_to_many_figure(steps=4):
    """The sorter: an encoder over the numbers, its final state the decoder's start, zeros as inputs."""
    check_count("steps", steps, low=2, high=8)
    fig = Figure(figsize=(3.2 + 2.4 * steps, 3.4), dpi=100)
    ax = fig.subplots()
    enc = _row(ax, 1.5, steps, "encoder")
    dec = _row(ax, 1.5, steps, "decoder", kind="gate", x0=enc[-1] + 2.2)
    for t, (e, d) in enumerate(zip(enc, dec)):
        arrow(ax, (e, 0.55), (e, 1.22))
        ax.text(e, 0.4, f"$x_{{{t}}}$", ha="center", fontsize=8)
        arrow(ax, (d, 0.55), (d, 1.22))
        ax.text(d, 0.4, "0", ha="center", fontsize=8)
        arrow(ax, (d, 1.78), (d, 2.4))
        ax.text(d, 2.5, f"sorted[{t}]", ha="center", fontsize=7)
    middle = (enc[-1] + dec[0]) / 2
    box(ax, middle, 2.4, 1.1, 0.5, "final state", "state", fontsize=7)
    arrow(ax, (enc[-1] + 0.3, 1.78), (middle - 0.3, 2.15))
    arrow(ax, (middle + 0.3, 2.15), (dec[0] - 0.3, 1.78))
    ax.text(middle, 1.0, "all it knows\ncomes through here", ha="center", fontsize=7, style="italic")
    frame(ax, (0.3, dec[-1] + 0.8), (0.1, 3.0), "many-to-one-to-many: encode to one state, decode the sorted list")
    return fig


def moving_mean(values, window):
    """The mean of each ``window`` consecutive values (``len(values) - window + 1`` of them)."""
    values = np.asarray(values, dtype=float)
    window = max(1, min(int(window), len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def loss_figure(losses, title, baseline=None, baseline_label=None, valid=None, window=50, ax=None):
    """Per-step losses (faint), their moving mean over ``window`` steps, ``valid`` as ``[(step, loss)]``
    points and an optional dashed ``baseline``. Draws on ``ax`` when given; returns the Figure."""
    fig = ax.figure if ax is not None else Figure(figsize=(8, 3.6), dpi=100)
    ax = ax if ax is not None else fig.subplots()
    losses = np.asarray(losses, dtype=float)
    smooth = moving_mean(losses, window)
    ax.plot(np.arange(1, len(losses) + 1), losses, alpha=0.25, color="C0", label="one batch")
    ax.plot(np.arange(len(losses) - len(smooth) + 1, len(losses) + 1), smooth, color="C0",
            label=f"mean of the last {len(losses) - len(smooth) + 1}")
    if valid:
        steps, values = zip(*valid)
        ax.plot(steps, values, "o-", color="C3", label="held-out")
    if baseline is not None:
        ax.axhline(baseline, color="grey", ls="--", lw=1, label=baseline_label)
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy (nats)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig


def confusion_figure(confusion, class_names):
    """The held-out confusion matrix: row = true source, column = predicted, each cell its count."""
    confusion = np.asarray(confusion)
    fig = Figure(figsize=(5.6, 4.6), dpi=100)
    ax = fig.subplots()
    ax.imshow(confusion, cmap="Blues")
    for (i, j), n in np.ndenumerate(confusion):
        ax.text(j, i, str(n), ha="center", va="center", fontsize=9,
                color="white" if n > confusion.max() / 2 else "black")
    ax.set_xticks(range(len(class_names)), class_names, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(class_names)), class_names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true source")
    ax.set_title("many-to-one: held-out windows", fontsize=10)
    fig.tight_layout()
    return fig


def spikes_figure(losses, grad_norms, spikes=(), window=25):
    """The sorter's loss (log scale) above its global gradient norm before clipping, per step, with
    the ``spikes`` steps marked on both."""
    fig = Figure(figsize=(9, 5), dpi=100)
    top, bottom = fig.subplots(2, 1, sharex=True)
    loss_figure(losses, "many-to-one-to-many: the loss and the gradient norm, step by step", window=window, ax=top)
    top.set_yscale("log")
    bottom.plot(np.arange(1, len(grad_norms) + 1), grad_norms, color="C2", lw=0.8)
    bottom.axhline(5.0, color="grey", ls="--", lw=1, label="clip_by_global_norm at 5")
    bottom.set_yscale("log")
    bottom.set_ylabel("gradient norm")
    bottom.set_xlabel("training step")
    for step in spikes:
        for ax in (top, bottom):
            ax.axvline(step, color="C3", alpha=0.4, lw=1)
    bottom.legend(fontsize=8)
    top.set_xlabel("")
    fig.tight_layout()
    return fig


def runs_figure(panels, window=50, marks=None, log=True):
    """One panel per ``{title: {label: per-step losses}}`` item, each run's moving mean over ``window`` steps
    (log scale with ``log``); ``marks`` ``{label: [step, ...]}`` draws each run's marked steps (spikes) as ticks."""
    fig = Figure(figsize=(4.6 * len(panels), 3.6), dpi=100)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, runs) in zip(axes, panels.items()):
        for i, (label, losses) in enumerate(runs.items()):
            smooth = moving_mean(losses, window)
            start = len(losses) - len(smooth) + 1
            ax.plot(np.arange(start, len(losses) + 1), smooth, color=f"C{i}", label=label)
            steps = (marks or {}).get(label, ())
            ax.plot(steps, [smooth[max(0, s - start)] for s in steps], "v", color=f"C{i}", ms=6, alpha=0.7)
        ax.set_yscale("log" if log else "linear")
        ax.set_xlabel("training step")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    axes[0].set_ylabel(f"loss, mean of {window} steps")
    fig.tight_layout()
    return fig


def rates_figure(runs, frequencies_loss, window=12):
    """The slides' text model at each learning rate (``{label: {"losses", "valid_losses"}}``): training loss
    (moving mean over ``window`` steps, a line) and held-out loss (points), against the loss of the character
    frequencies alone (dashed)."""
    fig = Figure(figsize=(8, 3.8), dpi=100)
    ax = fig.subplots()
    for i, (label, run) in enumerate(runs.items()):
        smooth = moving_mean(run["losses"], window)
        ax.plot(np.arange(len(run["losses"]) - len(smooth) + 1, len(run["losses"]) + 1), smooth, color=f"C{i}",
                label=f"{label}: training, mean of {window} steps")
        if run.get("valid_losses"):
            steps, values = zip(*run["valid_losses"])
            ax.plot(steps, values, "o--", color=f"C{i}", label=f"{label}: held-out")
    ax.axhline(frequencies_loss, color="grey", ls=":", lw=1.5, label="the character frequencies alone")
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy (nats per byte)")
    ax.set_title("many-to-many at the slides' size (recorded), by learning rate", fontsize=10)
    ax.legend(fontsize=7)
    return fig


def held_out_figure(result, chance=None):
    """The classifier's training loss with its held-out loss (left) and held-out accuracy (right) as it trained
    (``result`` from ``train_many_to_one(..., eval_every=N)``)."""
    fig = Figure(figsize=(10, 3.6), dpi=100)
    left, right = fig.subplots(1, 2)
    loss_figure(result["losses"], "many-to-one: training and held-out loss", chance, chance and "chance, ln 4",
                valid=result["valid_losses"], ax=left)
    steps, values = zip(*result["valid_accuracies"])
    right.plot(steps, values, "o-", color="C3", label="held-out accuracy")
    right.set_xlabel("training step")
    right.set_ylabel("accuracy")
    right.set_ylim(0, 1)
    right.set_title("many-to-one: held-out accuracy as it trained", fontsize=10)
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig
