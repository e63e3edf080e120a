"""The post's pictures, drawn by code: each function returns a ``matplotlib.figure.Figure`` (no pyplot).

* :func:`unrolling_figure`: the list-unrolled graph (one copy of the cell per time step,
  ``static_rnn``) against one ``while`` loop (``dynamic_rnn``, ``tf.scan``: one cell, run
  ``num_steps`` times);
* :func:`dropout_figure`: a ``MultiRNNCell`` stack and where each ``DropoutWrapper`` sits:
  wrapping every cell on both sides drops twice between layers (keep 0.9 x 0.9 = 0.81), while
  ``build_graph`` wraps each cell's input and the stack's output (keep 0.9 everywhere);
* :func:`ln_lstm_figure`: the layer-normalised LSTM cell of the post (``LayerNormalizedLSTMCell``);
* :func:`multi_rnn_cell_figure`: a ``MultiRNNCell`` over two time steps: each layer's output is the next
  layer's input, and the stack's state is the tuple of its layers' states (``state_is_tuple=True``).

Every box is tagged with what it is (:func:`.drawing.count` counts them). ``scripts/draw_diagrams.py``
writes them to ``docs/figures/``; notebook 02 displays them.
"""
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ...runtime import checks
from .drawing import arrow, box, check_count, frame


def unrolling_figure(num_steps=5, graph_nodes=None):
    """The post's first argument: a list-unrolled graph holds ``num_steps`` copies of the cell, a loop one.

    ``graph_nodes``: optional ``(list, loop)`` node counts to print under the two pictures
    (e.g. ``(48617, 1077)`` for the 3-layer LSTM at 200 steps).
    """
    check_count("num_steps", num_steps)
    fig = Figure(figsize=(2.0 + 1.25 * num_steps + 3.2, 3.4), dpi=100)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5 * num_steps + 0.6, 3.6]})
    for t in range(num_steps):
        x = 0.3 + 1.5 * t + 0.6
        box(left, x, 1.5, 1.0, 0.8, f"cell\ncopy {t}", "cell")
        arrow(left, (x, 0.35), (x, 1.1))
        left.text(x, 0.2, f"$x_{{{t}}}$", ha="center", va="center", fontsize=9)
        arrow(left, (x, 1.9), (x, 2.6))
        left.text(x, 2.75, f"$y_{{{t}}}$", ha="center", va="center", fontsize=9)
        if t + 1 < num_steps:
            arrow(left, (x + 0.5, 1.5), (x + 1.0, 1.5))
    left.text(0.3 + 0.75 * num_steps, -0.35, "the graph grows with num_steps: every copy is built, "
              "optimised and held in memory", ha="center", fontsize=8, style="italic")
    frame(left, (0, 1.5 * num_steps + 0.6), (-0.6, 3.1),
           f"a list of tensors (static_rnn): {num_steps} copies of the cell")

    box(right, 1.8, 1.5, 1.2, 0.8, "cell", "loop")
    arrow(right, (2.35, 1.75), (2.35, 1.25), "state", curve=-2.2, label_offset=(0.75, -0.1))
    arrow(right, (1.8, 0.35), (1.8, 1.1))
    right.text(1.8, 0.2, "$x_t$ (t = 0 ... num_steps - 1)", ha="center", va="center", fontsize=8)
    arrow(right, (1.8, 1.9), (1.8, 2.6))
    right.text(1.8, 2.75, "$y_t$, stacked", ha="center", va="center", fontsize=8)
    right.text(1.8, -0.35, "the same graph at any num_steps", ha="center", fontsize=8, style="italic")
    frame(right, (0, 3.6), (-0.6, 3.1), "one while loop (dynamic_rnn, tf.scan)")
    if graph_nodes:
        left.text(0.3 + 0.75 * num_steps, -0.6, f"{graph_nodes[0]:,} graph nodes", ha="center", fontsize=8)
        right.text(1.8, -0.6, f"{graph_nodes[1]:,} graph nodes", ha="center", fontsize=8)
    return fig


def _stack(ax, x, num_layers, drops, keep_prob, title):
    """A vertical MultiRNNCell stack with dropout boxes where ``drops`` says; returns the top's height.

    ``drops``: for each position (0: below layer 0, ..., num_layers: above the top layer), the
    dropout boxes there, as ``"in"`` or ``"out"``.
    """
    top = 0.4  # the upper edge of what was drawn last
    ax.text(x, 0.25, "embedded input $x_t$", ha="center", va="center", fontsize=8)

    def add(height, label, kind, fontsize):
        nonlocal top
        arrow(ax, (x, top), (x, top + 0.3))
        box(ax, x, top + 0.3 + height / 2, 2.2, height, label, kind, fontsize)
        top += 0.3 + height
        return top - height / 2

    for position in range(num_layers + 1):
        for kind in drops.get(position, ()):
            add(0.42, f"{kind}put dropout, keep {keep_prob:g}", "dropout", 8)
        if position < num_layers:
            y = add(0.6, f"layer {position} cell", "cell", 9)
            arrow(ax, (x - 1.7, y), (x - 1.1, y))
            ax.text(x - 1.75, y, "state", ha="right", va="center", fontsize=7, color="#444")
    arrow(ax, (x, top), (x, top + 0.3))
    ax.text(x, top + 0.45, "to the softmax", ha="center", va="center", fontsize=8)
    ax.set_title(title, fontsize=9)
    return top + 0.7


def dropout_figure(num_layers=3, keep_prob=0.9):
    """Where the ``DropoutWrapper`` s sit in a ``num_layers`` ``MultiRNNCell``, the post's two ways.

    Left: each cell wrapped with input *and* output dropout: between two layers a unit is kept
    with probability ``keep_prob ** 2`` (0.81 at 0.9). Right: ``build_graph``: each cell's input
    wrapped, and the whole stack's output: ``keep_prob`` everywhere.
    """
    check_count("num_layers", num_layers, high=8)
    keep_prob = checks.probability("keep_prob", keep_prob)
    fig = Figure(figsize=(9.2, 1.6 + 1.45 * num_layers), dpi=100)
    left, right = fig.subplots(1, 2)
    both = {p: (("out",) if p else ()) + (("in",) if p < num_layers else ()) for p in range(num_layers + 1)}
    top = _stack(left, 2.0, num_layers, both, keep_prob,
                 "DropoutWrapper(cell, input_keep_prob=p, output_keep_prob=p)\non every cell")
    edge = keep_prob * keep_prob
    left.text(3.3, top / 2, f"between layers:\nkept with\n{keep_prob:g} x {keep_prob:g} = {edge:.2f}",
              ha="left", va="center", fontsize=9, color="#a61c00")
    inputs_only = {p: ("in",) if p < num_layers else ("out",) for p in range(num_layers + 1)}
    top_right = _stack(right, 2.0, num_layers, inputs_only, keep_prob,
                       "build_graph: input dropout on each cell,\noutput dropout on the stack")
    right.text(3.3, top_right / 2, f"everywhere:\nkept with\n{keep_prob:g}", ha="left", va="center", fontsize=9,
               color="#38761d")
    height = max(top, top_right)
    for ax in (left, right):
        ax.set_xlim(-0.6, 5.0)
        ax.set_ylim(0, height)
        ax.set_aspect("equal")
        ax.axis("off")
    return fig


def ln_lstm_figure():
    """The post's ``LayerNormalizedLSTMCell``: one linear map, a layer norm per gate, and one on the new cell."""
    fig = Figure(figsize=(10.5, 4.2), dpi=100)
    ax = fig.add_subplot()
    box(ax, 0.7, 2.6, 1.2, 0.7, "$[x_t, h_{t-1}]$", "io")
    box(ax, 2.4, 2.6, 1.5, 0.9, "W [x, h]\n(no bias: each\nLN has a shift)", "op", fontsize=8)
    arrow(ax, (1.3, 2.6), (1.65, 2.6))
    gates = (("i", "$\\sigma$", "input gate"), ("j", "tanh", "candidate"),
             ("f", "$\\sigma(\\cdot + 1)$", "forget gate"), ("o", "$\\sigma$", "output gate"))
    ys = (4.0, 3.1, 2.1, 1.1)
    for (name, activation, what), y in zip(gates, ys):
        arrow(ax, (3.15, 2.6), (3.85, y))
        box(ax, 4.4, y, 1.0, 0.55, f"LN({name})", "ln")
        arrow(ax, (4.9, y), (5.35, y))
        box(ax, 5.95, y, 1.1, 0.55, activation, "gate")
        ax.text(5.95, y - 0.42, what, ha="center", va="center", fontsize=7, color="#444")
    box(ax, 8.0, 3.1, 2.3, 0.8, "$c_t = c_{t-1} \\odot f + i \\odot j$", "op", fontsize=9)
    for y in ys[:3]:
        arrow(ax, (6.5, y), (6.85, 3.1))
    ax.text(8.0, 4.3, "$c_{t-1}$", ha="center", va="center", fontsize=9)
    arrow(ax, (8.0, 4.15), (8.0, 3.52))
    box(ax, 8.0, 1.9, 1.0, 0.55, "LN($c_t$)", "ln")
    arrow(ax, (8.0, 2.7), (8.0, 2.17))
    box(ax, 8.0, 1.0, 2.3, 0.6, "$h_t = \\tanh(\\mathrm{LN}(c_t)) \\odot o$", "op", fontsize=9)
    arrow(ax, (8.0, 1.62), (8.0, 1.3))
    arrow(ax, (6.5, ys[3]), (6.85, 1.0))
    ax.text(9.45, 3.1, "$c_t$", va="center", fontsize=9)
    ax.text(9.45, 1.0, "$h_t$", va="center", fontsize=9)
    ax.text(5.0, 0.15, "LN(v) = scale * (v - mean(v)) / sqrt(var(v) + 1e-5) + shift, over each example's units "
            "(a scale and shift per LN)", ha="center", fontsize=8, style="italic")
    frame(ax, (0, 10.0), (-0.1, 4.6), "the layer-normalised LSTM cell (Ba, Kiros and Hinton 2016), as in the post")
    return fig


def multi_rnn_cell_figure(num_layers=3, num_steps=2):
    """The post's stacked cells: ``MultiRNNCell([cell_0, ..., cell_n])`` unrolled over ``num_steps`` steps.

    Upwards, layer ``l``'s output at step ``t`` is layer ``l + 1``'s input at step ``t``; across, each layer
    carries its own state to its own next step. The stack's state is the tuple ``(s_0, ..., s_n)`` (one
    ``LSTMStateTuple`` ``(c, h)`` per layer for an LSTM), which is what ``init_state`` and ``final_state`` hold.
    """
    check_count("num_layers", num_layers, high=6)
    check_count("num_steps", num_steps, high=6)
    fig = Figure(figsize=(2.2 + 3.0 * num_steps, 1.4 + 1.1 * num_layers), dpi=100)
    ax = fig.add_subplot()
    for t in range(num_steps):
        x = 2.2 + 3.0 * t
        ax.add_patch(Rectangle((x - 1.0, 0.6), 2.0, 1.1 * num_layers, fill=False, linestyle="--", edgecolor="#888",
                               gid="wrapper"))
        ax.text(x + 1.05, 0.62, "one\nMultiRNNCell", ha="left", va="bottom", fontsize=7, color="#666")
        ax.text(x, 0.15, f"$x_{{{t}}}$", ha="center", va="center", fontsize=9)
        arrow(ax, (x, 0.3), (x, 0.75))
        for layer in range(num_layers):
            y = 1.1 + 1.1 * layer
            box(ax, x, y, 1.6, 0.65, f"layer {layer} cell", "cell", fontsize=8)
            if layer + 1 < num_layers:
                arrow(ax, (x, y + 0.33), (x, y + 0.77))
            start = x - 1.4 if t else 0.45  # from the previous step's stack, or from init_state
            arrow(ax, (start, y), (x - 0.8, y), f"$s_{{{layer}}}$", label_offset=(0, 0.03))
        top = 1.1 + 1.1 * (num_layers - 1) + 0.33
        arrow(ax, (x, top), (x, top + 0.6))
        ax.text(x, top + 0.75, f"$y_{{{t}}}$ (top layer's output)", ha="center", va="center", fontsize=8)
    ax.text(0.35, 1.1 + 1.1 * (num_layers - 1) / 2, "init_state =\n$(s_0, ..., s_{%d})$" % (num_layers - 1),
            ha="right", va="center", fontsize=8)
    right = 2.2 + 3.0 * (num_steps - 1) + 0.8
    for layer in range(num_layers):
        arrow(ax, (right, 1.1 + 1.1 * layer), (right + 0.6, 1.1 + 1.1 * layer))
    ax.text(right + 0.7, 1.1 + 1.1 * (num_layers - 1) / 2, "final_state:\none state\nper layer", ha="left",
            va="center", fontsize=8)
    frame(ax, (-1.2, right + 2.0), (-0.1, 1.1 * num_layers + 1.5),
          f"MultiRNNCell of {num_layers} cells (state_is_tuple=True), {num_steps} steps")
    return fig
