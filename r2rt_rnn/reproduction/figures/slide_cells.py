"""The slides' three hand-built cells drawn gate by gate, as textbooks draw them (notebook 03).

Each picture has the inputs ``x_t`` (from below) and the previous state or output (from the left), each
gate a box with its activation and its weights (``cells.gate``: ``activation(x_t A + h_{t-1} B + b)``,
every gate its own ``A``, ``B``, ``b``), the element-wise products and sums as circles, and the new
state and output leaving on the right (and the top). Gate boxes are tagged ``"gate"`` and circles
``"pointwise"``, so :func:`.drawing.count` can count them.

* :func:`basic_cell_figure`: the slides' basic cell, a ReLU output (``A_u``, ``B_u``) and a tanh state
  (``A_v``, ``B_v``);
* :func:`lstm_cell_figure`: forget ``F``, input ``I``, output ``O`` (sigmoids) and candidate ``S`` (tanh);
* :func:`gru_cell_figure`: update ``U``, reset ``R`` (sigmoids) and candidate ``O`` (tanh).
"""
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from .drawing import arrow, box, frame


def circle(ax, x, y, label, r=0.28):
    """An element-wise operation (``×``, ``+``, ``1−``, ``tanh``): a circle tagged ``"pointwise"``."""
    ax.add_patch(Circle((x, y), r, facecolor="#eeeeee", edgecolor="#444", linewidth=1, gid="pointwise"))
    ax.text(x, y, label, ha="center", va="center", fontsize=8 if len(label) > 2 else 11)


def line(ax, xs, ys):
    """A plain connecting line (no arrow head): a bus that several gates read."""
    ax.plot(xs, ys, color="#444", lw=1)


def _inputs(ax, previous, bus_end, y_prev=5.0):
    """``previous`` enters on the left at ``y_prev`` and drops to the input bus, where ``x_t`` joins from below."""
    ax.text(0.1, y_prev, previous, ha="right", va="center", fontsize=10)
    line(ax, [0.15, 0.8, 0.8], [y_prev, y_prev, 1.3])
    line(ax, [0.8, bus_end], [1.3, 1.3])
    ax.text(1.4, 0.25, "$x_t$", ha="center", fontsize=10)
    arrow(ax, (1.4, 0.45), (1.4, 1.3))


def _gate(ax, x, name, activation, y=2.6):
    """A gate box at ``x`` with its name and activation, fed from the input bus below."""
    box(ax, x, y, 1.0, 0.8, f"{name}\n{activation}", "gate", fontsize=9)
    arrow(ax, (x, 1.3), (x, y - 0.42))


def basic_cell_figure():
    """The slides' basic cell: ``o_t = ReLU(x_t A_u + s_{t-1} B_u)`` up, ``s_t = tanh(x_t A_v + s_{t-1} B_v)`` on."""
    fig = Figure(figsize=(7.2, 4.0), dpi=100)
    ax = fig.subplots()
    _inputs(ax, "$s_{t-1}$", 5.0, y_prev=1.3)
    for x, y, text in ((3.0, 3.7, "ReLU\n$x_t A_u + s_{t-1} B_u$"), (3.0, 2.3, "tanh\n$x_t A_v + s_{t-1} B_v$")):
        box(ax, x, y, 2.6, 0.9, text, "gate", fontsize=9)
    arrow(ax, (2.0, 1.3), (2.0, 1.83))
    arrow(ax, (4.8, 1.3), (4.33, 3.6), curve=0.15)
    arrow(ax, (3.0, 4.17), (3.0, 4.8))
    ax.text(3.0, 4.9, "$o_t$ (output, any width)", ha="center", va="bottom", fontsize=10)
    arrow(ax, (4.32, 2.3), (6.0, 2.3))
    ax.text(6.05, 2.3, "$s_t$ (state)", ha="left", va="center", fontsize=10)
    frame(ax, (-0.9, 7.6), (0.0, 5.6), "the slides' basic cell: a ReLU output and a separate tanh state")
    return fig


def lstm_cell_figure():
    """The fixed LSTM: ``c_t = F ⊙ c_{t-1} + I ⊙ S``, ``h_t = O ⊙ tanh(c_t)``; each gate its own ``A``, ``B``, ``b``."""
    fig = Figure(figsize=(8.4, 5.2), dpi=100)
    ax = fig.subplots()
    ax.text(0.1, 5.6, "$c_{t-1}$", ha="right", va="center", fontsize=10)
    _inputs(ax, "$h_{t-1}$", 6.5)
    for x, name, activation in ((2.0, "F", "σ"), (3.5, "I", "σ"), (5.0, "S", "tanh"), (6.5, "O", "σ")):
        _gate(ax, x, name, activation)
    circle(ax, 2.0, 5.6, "×")  # F ⊙ c_{t-1}
    circle(ax, 4.25, 4.1, "×")  # I ⊙ S
    circle(ax, 4.25, 5.6, "+")
    circle(ax, 7.6, 4.6, "tanh", r=0.34)
    circle(ax, 7.6, 3.5, "×")  # O ⊙ tanh(c_t)
    arrow(ax, (0.15, 5.6), (1.72, 5.6))
    arrow(ax, (2.0, 3.0), (2.0, 5.32))
    arrow(ax, (2.28, 5.6), (3.97, 5.6))
    arrow(ax, (3.5, 3.0), (4.05, 3.9))
    arrow(ax, (5.0, 3.0), (4.45, 3.9))
    arrow(ax, (4.25, 4.38), (4.25, 5.32))
    arrow(ax, (4.53, 5.6), (9.3, 5.6))
    ax.text(9.35, 5.6, "$c_t$", ha="left", va="center", fontsize=10)
    arrow(ax, (7.6, 5.6), (7.6, 4.94))
    arrow(ax, (7.6, 4.26), (7.6, 3.78))
    arrow(ax, (7.0, 2.6), (7.35, 3.35))
    arrow(ax, (7.88, 3.5), (9.3, 3.5))
    ax.text(9.35, 3.5, "$h_t$", ha="left", va="center", fontsize=10)
    ax.text(4.25, 0.45, "each gate: activation($x_t A + h_{t-1} B + b$), its own $A, B, b$", ha="left",
            fontsize=8, style="italic")
    frame(ax, (-0.9, 10.2), (0.0, 6.3), "the LSTM cell (fixed): forget F, input I, candidate S, output O")
    return fig


def gru_cell_figure():
    """The fixed GRU: ``h_t = U ⊙ h_{t-1} + (1 − U) ⊙ O`` with the candidate ``O`` reading ``R ⊙ h_{t-1}``."""
    fig = Figure(figsize=(8.4, 5.2), dpi=100)
    ax = fig.subplots()
    _inputs(ax, "$h_{t-1}$", 6.2, y_prev=5.6)
    for x, name, activation in ((2.0, "R", "σ"), (4.1, "O", "tanh"), (6.2, "U", "σ")):
        _gate(ax, x, name, activation)
    circle(ax, 2.9, 4.0, "×")  # R ⊙ h_{t-1}, taken from h_{t-1} before the update gate's product
    circle(ax, 6.2, 5.6, "×")  # U ⊙ h_{t-1}
    circle(ax, 7.1, 3.7, "1−", r=0.3)
    circle(ax, 7.9, 4.5, "×")  # (1 - U) ⊙ O
    circle(ax, 7.9, 5.6, "+")
    arrow(ax, (0.8, 5.6), (5.92, 5.6))
    arrow(ax, (2.9, 5.6), (2.9, 4.28))
    arrow(ax, (2.3, 3.0), (2.7, 3.78))
    arrow(ax, (3.1, 3.78), (3.75, 3.02))
    arrow(ax, (6.2, 3.0), (6.2, 5.32))
    arrow(ax, (6.55, 3.0), (6.88, 3.48))
    arrow(ax, (7.32, 3.9), (7.7, 4.3))
    arrow(ax, (4.6, 2.95), (7.62, 4.45), curve=0.12)  # O, past the update gate
    arrow(ax, (6.48, 5.6), (7.62, 5.6))
    arrow(ax, (7.9, 4.78), (7.9, 5.32))
    arrow(ax, (8.18, 5.6), (9.3, 5.6))
    ax.text(9.35, 5.6, "$h_t$", ha="left", va="center", fontsize=10)
    ax.text(4.25, 0.45, "O reads $x_t$ and $R \\odot h_{t-1}$; each gate its own $A, B, b$", ha="left",
            fontsize=8, style="italic")
    frame(ax, (-0.9, 10.2), (0.0, 6.3), "the GRU cell (fixed): update U, reset R, candidate O")
    return fig
