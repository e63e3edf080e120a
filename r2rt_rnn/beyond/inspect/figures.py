"""PNG figures of a trace, for notebooks and the README (``matplotlib.figure.Figure``, no pyplot).

* :func:`unit_figure`: the passage coloured by one unit (red above 0, blue below), as
  in Karpathy's "The Unreasonable Effectiveness of Recurrent Neural Networks";
* :func:`predictions_figure`: under each token, the model's top guesses for the next
  one, shaded by probability, the one that came in bold;
* :func:`gate_saturation_figure`: one dot per gate unit at (fraction of positions below
  0.1, fraction above 0.9), per gate kind, coloured by layer (Karpathy, Johnson and
  Fei-Fei 2015, figure 3).

Each returns a Figure. :func:`figure_names` names the files a run's figures go to,
:func:`inspection_figure` draws one of them and :func:`png_bytes` renders it, so the
caller writes it whole (:func:`r2rt_rnn.runtime.files.write_file`) or not at all.
"""
import hashlib
import io

from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ...ptb.reader import EOS

MONO = "DejaVu Sans Mono"


def _shown(token):
    return {"\n": "\u21b5", EOS: "\u21b5", "\t": "\u2192", " ": " "}.get(token, token)


def _layout(tokens, width, words):
    """Row and column (in character cells) of each token, wrapping at ``width`` cells and after line breaks."""
    places, row, col = [], 0, 0
    for token in tokens:
        size = len(_shown(token))
        if col and col + size > width:
            row, col = row + 1, 0
        places.append((row, col, size))
        col += size + (1 if words else 0)
        if token in ("\n", EOS):
            row, col = row + 1, 0
    return places


def unit_figure(trace, unit, start=0, length=600, width=80, title=None):
    """The tokens ``start`` to ``start + length`` of ``trace`` coloured by ``unit`` (a Unit or "LAYER:INDEX")."""
    layout = trace.layout
    unit = layout.parse(unit) if isinstance(unit, str) else unit
    values = layout.activation(trace.layers, unit)[start:start + length]
    tokens = trace.tokens[start:start + length]
    places = _layout(tokens, width, trace.level == "word")
    rows = (places[-1][0] + 1) if places else 1
    title = title or f"unit {unit}: red = positive, blue = negative"
    header = 0.45 + 0.16 * title.count("\n")  # inches above the text for the title's lines
    fig = Figure(figsize=(width * 0.11 + 0.4, rows * 0.2 + 0.15 + header), dpi=110)
    ax = fig.add_axes([0.01, 0.01, 0.98, 1 - header / (rows * 0.2 + 0.15 + header)])
    cmap, norm = colormaps["RdBu_r"], Normalize(-1, 1)
    for (row, col, size), token, v in zip(places, tokens, values):
        ax.add_patch(Rectangle((col, -row - 1), size, 1, facecolor=cmap(norm(v)), edgecolor="none"))
        ax.text(col + size / 2, -row - 0.5, _shown(token), ha="center", va="center", family=MONO, fontsize=8,
                color="white" if abs(v) > 0.6 else ("#999" if token in ("\n", EOS) else "black"))
    ax.set_xlim(0, width)
    ax.set_ylim(-rows, 0)
    ax.axis("off")
    ax.set_title(title, fontsize=9, loc="left")
    return fig


def predictions_figure(trace, start=0, length=40, title=None):
    """Tokens ``start`` to ``start + length`` across the top; under each, the top guesses for the next token."""
    stop = min(start + length, len(trace))
    k = trace.top_ids.shape[1]
    cell = 1.6 if trace.level == "word" else 1.0  # word guesses need wider columns
    fig = Figure(figsize=((stop - start) * 0.28 * cell + 0.6, (k + 1) * 0.28 + 0.7), dpi=110)
    ax = fig.add_axes([0.01, 0.01, 0.98, 0.82])
    cmap = colormaps["Blues"]
    vocab = trace.vocab.idx_to_vocab
    for x, t in enumerate(range(start, stop)):
        ax.text(x * cell + cell / 2, 0.5, _shown(trace.tokens[t]), ha="center", va="center", family=MONO,
                fontsize=9, fontweight="bold")
        following = trace.ids[t + 1] if t + 1 < len(trace) else None
        for rank in range(k):
            p = float(trace.top_probs[t, rank])
            guess = int(trace.top_ids[t, rank])
            ax.add_patch(Rectangle((x * cell, -rank - 1), cell, 1, facecolor=cmap(0.1 + 0.8 * p), edgecolor="white"))
            label = _shown(vocab[guess]).replace(" ", "\u2423")[:6]  # a visible space
            ax.text(x * cell + cell / 2, -rank - 0.5, label, ha="center", va="center", family=MONO,
                    fontsize=7 if trace.level == "word" else 8, color="white" if p > 0.55 else "black",
                    fontweight="bold" if guess == following else "normal")
    ax.set_xlim(0, (stop - start) * cell)
    ax.set_ylim(-k, 1)
    ax.axis("off")
    ax.set_title(title or f"the text (top row) and the model's {k} likeliest next tokens under each, darker = more "
                          "probable, bold = what came", fontsize=9, loc="left")
    return fig


def gate_saturation_figure(gate_stats, title=None):
    """One panel per gate kind: a dot per unit at (fraction < 0.1, fraction > 0.9), coloured by layer."""
    per_unit = gate_stats.per_unit()
    names = gate_stats.gate_names
    fig = Figure(figsize=(3.2 * max(len(names), 1) + 0.4, 3.6), dpi=110)
    if not names or not per_unit:
        ax = fig.add_subplot(1, 1, 1)
        ax.text(0.5, 0.5, "this cell has no gates", ha="center", va="center")
        ax.axis("off")
        return fig
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, gate in zip(axes, names):
        for layer, record in enumerate(per_unit):
            left, right = record[gate]
            ax.scatter(left, right, s=10, alpha=0.7, color=f"C{layer}", label=f"layer {layer}")
        ax.plot([0, 1], [1, 0], color="#bbb", lw=0.8)  # a gate cannot be both more than all the time
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
        ax.set_title(f"gate {gate}", fontsize=10)
        ax.set_xlabel(f"fraction < {gate_stats.low} (shut)", fontsize=8)
        ax.set_ylabel(f"fraction > {gate_stats.high} (open)", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7, loc="upper right")
    fig.suptitle(title or "How often each gate unit saturates", fontsize=10)
    fig.tight_layout()
    return fig


def png_bytes(fig):
    """``fig`` rendered as a PNG file's bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _file_stem(what):
    return "unit_" + "".join(c if c.isalnum() or c in "_-" else "_" for c in str(what))[:40]


def figure_names(features, units):
    """The file of each figure of an inspection, ``{file name: (kind, what)}``, in the order they are drawn.

    ``predictions.png`` and ``gates.png``, then ``unit_<UNIT>.png`` for each unit asked for
    (``0:3`` -> ``unit_0_3.png``) and ``unit_<FEATURE>.png`` for each feature's best unit.
    Characters other than letters, digits, ``_`` and ``-`` become ``_``; a name already
    taken (features that differ only in punctuation or case, or past 40 characters) gets
    a short hash of the feature, so no figure replaces another.
    """
    names = {"predictions.png": ("predictions", None), "gates.png": ("gates", None)}
    taken = {name.casefold() for name in names}  # case-insensitive file systems
    items = [("unit", u) for u in dict.fromkeys(units)] + [("feature", f) for f in dict.fromkeys(features)]
    for kind, what in items:
        name = f"{_file_stem(what)}.png"
        if name.casefold() in taken:
            name = f"{_file_stem(what)}_{hashlib.sha1(str(what).encode()).hexdigest()[:8]}.png"
        taken.add(name.casefold())
        names[name] = (kind, what)
    return names


def inspection_figure(found, kind, what):
    """The figure ``(kind, what)`` of :func:`figure_names` for an :class:`~.analysis.Inspection`.

    None for a feature that no unit follows (it does not vary in the passage).
    """
    shown = found.shown
    if kind == "predictions":
        return predictions_figure(shown, 0, min(40, len(shown)))
    if kind == "gates":
        return gate_saturation_figure(found.gates)
    if kind == "unit":
        return unit_figure(shown, what, 0, min(600, len(shown)))
    best = found.best(what)
    if best is None:
        return None
    return unit_figure(shown, best.unit, 0, min(600, len(shown)), title=feature_caption(found, what, best))


def feature_caption(found, feature, best):
    """``FEATURE: unit U, r = ...``, with the feature's chance level and verdict, and the unit's ablation if run."""
    text = f"{feature}: unit {best.unit}, r = {best.correlation:+.2f}"
    baseline = found.baselines.get(feature)
    if baseline and baseline.get("chance") is not None:
        verdict = "a finding" if best.finding else "NOT above chance"
        text += (f"; chance {baseline['chance']:.2f} (best |r| of {baseline['seeds']} untrained copies, "
                 f"margin {baseline['margin']}): {verdict}")
    ablated = found.ablations.get(str(best.unit))
    if ablated and ablated["feature"] == feature and ablated["loss_on"] is not None:
        text += (f"\nclamped to its {ablated['mode']}: loss where {feature} is on {ablated['loss_on']:.2f} -> "
                 f"{ablated['loss_on_ablated']:.2f} nats, off {_nats(ablated['loss_off'])} -> "
                 f"{_nats(ablated['loss_off_ablated'])}")
    return text


def _nats(x):
    return "-" if x is None else f"{x:.2f}"
