"""Per-epoch loss curves with the post's beside them: what notebook 02 draws after each experiment.

:func:`loss_figure` takes the records :func:`r2rt_rnn.reproduction.experiments.run` returns (or a
``docs/results/*.json`` file's models) and draws, per model, the training loss (solid),
the validation loss (dotted) and what the post printed (:mod:`r2rt_rnn.reproduction.post_results`):
its per-epoch losses dashed and labelled "post", or, where it printed only the last
epoch's, one star at that epoch. Epochs are whole numbers on the axis. Models whose
curves coincide (the post's three graph styles are one model, so they give one line)
are named in the title and drawn with their own markers at staggered epochs, so each
stays visible. Returns a ``matplotlib.figure.Figure`` (no pyplot).
"""
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..post_results import published
from ..presets import PRESETS

MARKERS = "osD^v<>p"
SAME_WITHIN = 5e-4  # per-epoch losses closer than this (nats) draw as one line


def _same_curves(a, b, tolerance):
    for key in ("losses", "valid_losses"):
        x, y = list(a.get(key) or []), list(b.get(key) or [])
        if len(x) != len(y) or (x and not np.allclose(x, y, rtol=0, atol=tolerance)):
            return False
    return True


def coinciding(results, tolerance=SAME_WITHIN):
    """Groups (lists of two or more names) of models whose training and validation curves agree within ``tolerance``."""
    groups = []
    for name, record in results.items():
        for group in groups:
            if _same_curves(record, results[group[0]], tolerance):
                group.append(name)
                break
        else:
            groups.append([name])
    return [group for group in groups if len(group) > 1]


def _post_epochs(experiment, record):
    """The epoch the post's final loss belongs to: its experiment's epoch count (the preset's), else ours."""
    if experiment in PRESETS:
        return PRESETS[experiment].epochs
    return len(record["losses"])


def _draw_post(ax, name, record, experiment, colour):
    theirs = published(experiment, name) or record.get("post") or {}  # post_results first: the one copy
    if theirs.get("losses"):
        epochs = np.arange(1, len(theirs["losses"]) + 1)
        ax.plot(epochs, theirs["losses"], "--", color=colour, alpha=0.75, linewidth=1.5, label=f"{name} (post)")
    elif theirs.get("final_loss") is not None:
        ax.plot([_post_epochs(experiment, record)], [theirs["final_loss"]], linestyle="none", marker="*",
                markersize=13, color=colour, markeredgecolor="black", label=f"{name} (post, last epoch only)")


def loss_figure(results, experiment=None, title="", post=True):
    """Training (solid) and validation (dotted) loss per epoch of each model in ``results``, the post's dashed.

    ``results``: ``{model: {"losses": [...], "valid_losses": [...], "post": {...}}}``; the post's
    values are :func:`r2rt_rnn.reproduction.post_results.published` for ``experiment`` (a record's own ``post``
    copy only where that has none). ``post=False`` leaves the post's values out.
    """
    fig = Figure(figsize=(8.4, 4.0), dpi=100)
    ax = fig.add_axes([0.09, 0.13, 0.6, 0.75])
    groups = coinciding(results)
    stagger = {name: (group.index(name), len(group)) for group in groups for name in group}
    for i, (name, record) in enumerate(results.items()):
        colour, marker = f"C{i}", MARKERS[i % len(MARKERS)]
        epochs = np.arange(1, len(record["losses"]) + 1)
        # a curve that coincides with others shows its markers on every len(group)-th epoch, each from its own
        style = dict(marker=marker, color=colour, markevery=stagger.get(name), markersize=6,
                     markerfacecolor="none" if name in stagger and stagger[name][0] else colour)
        ax.plot(epochs, record["losses"], "-", label=f"{name} (train)", **style)
        if record.get("valid_losses"):
            ax.plot(epochs, record["valid_losses"], ":", label=f"{name} (validation)", **style)
        if post:
            _draw_post(ax, name, record, experiment, colour)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("average loss (nats per character)")
    notes = [f"{_names(group)} coincide: one line" for group in groups]
    ax.set_title("\n".join([title] + notes) if title else "\n".join(notes), fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    return fig


def _names(group):
    return ", ".join(group[:-1]) + " and " + group[-1]


def gradient_reach_figure(results, title=""):
    """How far back the last step's gradient reaches: two log-scale panels, at initialisation and after training.

    ``results``: :func:`r2rt_rnn.beyond.gradient_reach.measure`'s ``{label: {"init": reach, "trained": reach}}``;
    each line is ``reach[k] / reach[0]``, the gradient's norm ``k`` steps back relative to the last step's.
    """
    fig = Figure(figsize=(9.6, 3.8), dpi=100)
    panels = (("init", "at initialisation"), ("trained", "after training"))
    axes = [fig.add_axes([0.08 + 0.42 * i, 0.14, 0.36, 0.72]) for i in range(2)]
    for ax, (key, label) in zip(axes, panels):
        for i, (name, record) in enumerate(results.items()):
            reach = np.asarray(record[key], dtype=float)
            ax.semilogy(np.arange(len(reach)), reach / reach[0], "-", color=f"C{i}", marker=MARKERS[i],
                        markevery=max(1, len(reach) // 8), markersize=5, label=name)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("k: steps back from the last one")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("gradient norm, relative to k = 0")
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
