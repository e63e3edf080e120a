"""The gentle intro's pictures (notebook 01), drawn by code; each function returns a ``Figure`` (no pyplot).

* :func:`graph_figure`: what a TensorFlow graph is, as the intro shows it with the TF whitepaper's
  feed-forward layer ``ReLU(W x + b)``, beside one step of the intro's RNN built the same way
  (placeholders, variables, operations);
* :func:`batches_figure`: the unrolled RNN over consecutive batches: ``seq_length`` copies of the
  step per window, the last state of each window fed in as the next window's ``init_state``, and the
  gradients stopping at every window's edge;
* :func:`loss_figure`: the training loss per step and its moving mean, with the held-out loss (x in steps,
  or in passes over the text).

Boxes are tagged (``"placeholder"``, ``"variable"``, ``"op"``, ``"cell"``, ``"state"``) for
:func:`.drawing.count`.
"""
import numpy as np
from matplotlib.figure import Figure

from ...runtime import checks
from .drawing import arrow, box, check_count, frame


def _node(ax, x, y, label, kind):
    widths = {"op": 1.1, "variable": 0.9, "placeholder": 1.3, "state": 1.2}
    box(ax, x, y, widths.get(kind, 1.0), 0.5, label, kind, fontsize=8)


def graph_figure():
    """Two graphs of placeholders (pink), variables (orange) and operations (grey): the whitepaper's
    feed-forward layer, and one step of the intro's RNN, ``h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)``,
    ``y_t = h_t W_hy + b_y``."""
    fig = Figure(figsize=(11, 4.2), dpi=100)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    # the whitepaper's ReLU(Wx + b)
    _node(left, 0.8, 0.5, "x", "placeholder")
    _node(left, 2.2, 0.5, "W", "variable")
    _node(left, 1.5, 1.6, "MatMul", "op")
    _node(left, 3.0, 1.6, "b", "variable")
    _node(left, 2.2, 2.7, "Add", "op")
    _node(left, 2.2, 3.8, "ReLU", "op")
    for start, end in (((0.8, 0.75), (1.4, 1.35)), ((2.2, 0.75), (1.6, 1.35)), ((1.5, 1.85), (2.1, 2.45)),
                       ((3.0, 1.85), (2.3, 2.45)), ((2.2, 2.95), (2.2, 3.55))):
        arrow(left, start, end)
    left.text(2.0, -0.35, "nothing is computed until a Session runs it", ha="center", fontsize=8, style="italic")
    frame(left, (0, 4), (-0.6, 4.3), "the TF whitepaper's layer: ReLU(W x + b)")
    # one RNN step
    _node(right, 0.9, 0.5, "$x_t$, one-hot", "placeholder")
    _node(right, 2.3, 0.5, "$W_{xh}$", "variable")
    _node(right, 3.9, 0.5, "$h_{t-1}$\ninit_state", "placeholder")
    _node(right, 5.3, 0.5, "$W_{hh}$", "variable")
    _node(right, 1.6, 1.5, "MatMul", "op")
    _node(right, 4.6, 1.5, "MatMul", "op")
    _node(right, 6.2, 1.5, "$b_h$", "variable")
    _node(right, 3.1, 2.4, "Add", "op")
    _node(right, 3.1, 3.2, "tanh", "op")
    _node(right, 3.1, 4.0, "$h_t$", "state")
    _node(right, 5.0, 3.2, "$W_{hy}$", "variable")
    _node(right, 5.0, 4.0, "MatMul\n+ $b_y$", "op")
    for start, end in (((0.9, 0.75), (1.5, 1.25)), ((2.3, 0.75), (1.7, 1.25)), ((3.9, 0.75), (4.5, 1.25)),
                       ((5.3, 0.75), (4.7, 1.25)), ((1.6, 1.75), (3.0, 2.15)), ((4.6, 1.75), (3.2, 2.15)),
                       ((6.2, 1.75), (3.4, 2.3)), ((3.1, 2.65), (3.1, 2.95)), ((3.1, 3.45), (3.1, 3.75)),
                       ((3.7, 4.0), (4.35, 4.0)), ((5.0, 3.45), (5.0, 3.75))):
        arrow(right, start, end)
    right.text(5.65, 4.0, "$y_t$: scores for\nthe next character", ha="left", va="center", fontsize=8)
    arrow(right, (2.5, 4.0), (1.2, 4.0))
    right.text(1.85, 3.7, "fed back as\nthe next $h_{t-1}$", ha="center", va="top", fontsize=7)
    frame(right, (0, 7.6), (-0.6, 4.6), "one step of the intro's RNN, built the same way")
    return fig


def batches_figure(num_batches=3, seq_length=4):
    """``num_batches`` consecutive windows of ``seq_length`` steps: the state carried across, gradients cut."""
    check_count("num_batches", num_batches, high=6)
    check_count("seq_length", seq_length, high=8)
    width = seq_length * 1.1 + 0.7  # one window and the gap to the next
    fig = Figure(figsize=(1.0 + 0.8 * num_batches * width, 3.2), dpi=100)
    ax = fig.subplots()
    box(ax, 0.35, 1.5, 0.5, 0.5, "0", "state", fontsize=8)
    arrow(ax, (0.6, 1.5), (0.9, 1.5))
    for b in range(num_batches):
        x0 = 1.3 + b * width
        for t in range(seq_length):
            x = x0 + t * 1.1
            box(ax, x, 1.5, 0.8, 0.7, "step", "cell", fontsize=8)
            arrow(ax, (x, 0.55), (x, 1.15))
            ax.text(x, 0.4, f"x[{b * seq_length + t}]", ha="center", fontsize=7)
            arrow(ax, (x, 1.85), (x, 2.4))
            ax.text(x, 2.5, "y", ha="center", fontsize=7)
            if t + 1 < seq_length:
                arrow(ax, (x + 0.4, 1.5), (x + 0.7, 1.5))
        ax.text(x0 + (seq_length - 1) * 0.55, 2.95, f"batch {b}: one session.run", ha="center", fontsize=8)
        if b + 1 < num_batches:
            last, edge = x0 + (seq_length - 1) * 1.1, x0 + (seq_length - 1) * 1.1 + 0.75
            ax.plot([edge] * 2, [0.25, 2.7], ls="--", color="#b00", lw=1)
            arrow(ax, (last + 0.4, 1.5), (last + 1.4, 1.5), colour="#5b3c88")
            ax.text(edge, 1.62, "state", ha="center", fontsize=7, color="#5b3c88")
            ax.text(edge, 0.05, "gradients stop", ha="center", fontsize=7, color="#b00")
    frame(ax, (0, 1.3 + num_batches * width - 1.0), (-0.2, 3.2),
          "the state is carried from batch to batch (fed as init_state); gradients are truncated at each edge")
    return fig


def loss_figure(losses, uniform, valid=None, window=100, title="min-char-rnn", per_pass=None):
    """Per-step training losses (faint), their moving mean over ``window`` steps, ``valid`` as
    ``[(step, loss), ...]`` points, and the uniform guess ``uniform`` (``ln V``) as a dashed line.
    With ``per_pass`` (steps in one pass over the text) the x axis counts passes instead of steps."""
    losses = np.asarray(losses, dtype=float)
    window = max(1, min(window, len(losses)))
    scale = 1.0 if per_pass is None else 1.0 / checks.positive(per_pass=per_pass)[0]
    fig = Figure(figsize=(8, 3.8), dpi=100)
    ax = fig.subplots()
    ax.plot(np.arange(1, len(losses) + 1) * scale, losses, alpha=0.25, color="C0", label="one batch")
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    span = f"{window} steps" if per_pass is None else f"{window / per_pass:g} pass{'' if window == per_pass else 'es'}"
    ax.plot(np.arange(window, len(losses) + 1) * scale, smooth, color="C0", label=f"training: mean of the last {span}")
    if valid:
        steps, values = zip(*valid)
        ax.plot(np.asarray(steps) * scale, values, "o-" if len(steps) <= 40 else "-", color="C3", label="held-out")
    ax.axhline(uniform, color="grey", ls="--", lw=1, label="uniform guess, ln V")
    ax.set_xlabel("training step" if per_pass is None else "passes over the training text")
    ax.set_ylabel("cross-entropy (nats / character)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig
