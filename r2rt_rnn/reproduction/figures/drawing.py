"""The drawing pieces every notebook's diagrams share: tagged boxes, arrows, an empty frame, and a counter.

Every box is a patch whose ``gid`` says what it is (``"cell"``, ``"dropout"``, ``"gate"``, ...), so
a test can count what a picture holds with :func:`count`. The diagrams themselves live in one
module per source: :mod:`.post_diagrams` (notebook 02), :mod:`.gentle` (02), :mod:`.slides` (03).
"""
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ...runtime import checks

COLOURS = {"cell": "#cfe2f3", "dropout": "#f4cccc", "ln": "#fff2cc", "gate": "#d9ead3", "op": "#eeeeee",
           "io": "white", "loop": "#cfe2f3", "variable": "#fce5cd", "placeholder": "#ead1dc", "state": "#d9d2e9"}
MAX_DRAWN = 40  # copies of a cell one picture can hold


def check_count(name, value, low=1, high=MAX_DRAWN):
    """``value`` as an int; R2RTError unless it is a whole number in ``[low, high]`` (how many copies a picture can
    hold)."""
    return checks.integer(name, value, low, high, what=f"a whole number from {low} to {high} to draw")


def box(ax, x, y, w, h, label, kind, fontsize=9):
    """A rounded box centred on (x, y), tagged ``kind`` (its gid), with ``label`` inside."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=COLOURS[kind], edgecolor="#444", linewidth=1, gid=kind))
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize)


def arrow(ax, start, end, label=None, curve=0.0, colour="#444", label_offset=(0, 0.12)):
    """An arrow from ``start`` to ``end`` (bent by ``curve``), with an optional small ``label`` beside it."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, color=colour, linewidth=1,
                                 connectionstyle=f"arc3,rad={curve}", shrinkA=2, shrinkB=2, gid="arrow"))
    if label:
        x, y = (start[0] + end[0]) / 2 + label_offset[0], (start[1] + end[1]) / 2 + label_offset[1]
        ax.text(x, y, label, ha="center", va="bottom", fontsize=7, color=colour)


def frame(ax, xlim, ylim, title):
    """Axes limits, equal aspect, no axis lines: a blank canvas for boxes and arrows."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)


def count(fig, kind, axes=None):
    """How many boxes of ``kind`` (a gid) the figure, or its axes number ``axes``, holds."""
    chosen = fig.axes if axes is None else [fig.axes[axes]]
    return sum(1 for ax in chosen for patch in ax.patches if patch.get_gid() == kind)
