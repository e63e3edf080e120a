"""Chance levels: how closely units that learned nothing follow each feature.

A recurrent network with random weights is a random map of what it has read, and with
hundreds of units one of them correlates with almost anything derived from the text (an
untrained 2 x 128 GRU has units at |r| = 0.4 to 0.5 for several built-in features). So a
unit's correlation means something only beside the same number for an untrained copy of
the model: :func:`chance_levels` builds the checkpoint's own graph from its config
(:func:`r2rt_rnn.runtime.checkpoint.build_from_checkpoint`, seed 1), draws its initial weights
a few times (its initialisers run again for each copy), traces the same passage with
each, and keeps each feature's best ``|r|`` per copy. The chance level is the largest of them, and a trained unit is a
*finding* only when its ``|r|`` exceeds that by :data:`MARGIN` (the largest of a few
draws is itself a draw: the margin covers the seeds not tried).

A second, cheaper control needs no other model: the trained units against the feature
shifted by half the passage (:func:`shifted`), which keeps the feature's own rhythm but
breaks its link with the text. It is reported beside the chance level (``"shifted"``)
and does not decide findings.
"""
import contextlib

import numpy as np

from ...runtime import checkpoint, checks
from ...tf1 import tf
from .ranking import UnitStats
from .trace import CHUNK, Tracer, load_weights, model_spec

DEFAULT_SEEDS = 3
MARGIN = 0.1  # a finding's |r| must exceed the chance level by this much
SHIFTED = "shifted:"  # prefix of a shifted feature's name among the statistics


def check_seeds(seeds):
    return checks.integer("baseline_seeds", seeds, 0, 100, what="a whole number from 0 (no baseline) to 100")


def untrained_weights(ckpt, draws, seed=1):
    """Yield ``draws`` sets of ``{checkpoint name: array}``: the model's trainable variables as initialised.

    The checkpoint's graph is built once from its config with ``seed``; each draw runs its
    initialisers again, which gives new values (the same sequence in every process).
    """
    g = checkpoint.build_from_checkpoint(ckpt, seed=seed, batch_size=1, num_steps=1)
    graph = g.get("graph") or tf.get_default_graph()
    with graph.as_default(), tf.Session(graph=graph) as session:
        init, variables = tf.global_variables_initializer(), tf.trainable_variables()
        names = [v.op.name for v in variables]
        for _ in range(draws):
            session.run(init)
            yield dict(zip(names, session.run(variables)))
    if graph is tf.get_default_graph():
        tf.reset_default_graph()  # let the builder's graph go


def best_correlations(stats, names):
    """``{name: largest |r| over the units}`` (None for a feature that does not vary)."""
    r = np.abs(stats.correlation())
    out = {}
    for name in names:
        row = r[stats.names.index(name)]
        out[name] = round(float(np.nanmax(row)), 4) if np.isfinite(row).any() else None
    return out


def shifted(matrix):
    """The features ``[T, F]`` moved by half the passage (around its end), for the shifted control."""
    return np.roll(matrix, len(matrix) // 2, axis=0)


def chance_levels(ckpt, ids, names, matrix, seeds=DEFAULT_SEEDS, chunk=CHUNK, margin=MARGIN, shifted_best=None,
                  tracer=None):
    """``{feature: {"chance", "seeds", "margin", "per_seed", "shifted"}}`` for the passage ``ids``.

    ``names`` / ``matrix`` ``[T, F]``: the features, as ranked; ``seeds``: how many untrained
    copies (draws of the initial weights, see :func:`untrained_weights`); ``shifted_best``:
    ``{feature: best |r|}`` of the shifted control, when the caller computed it. ``chance`` is
    None for a feature that does not vary. ``tracer``: a :class:`~.trace.Tracer` of ``ckpt`` to use (its
    weights are replaced by the untrained ones) instead of building one.
    """
    ckpt = checkpoint.as_checkpoint(ckpt)
    layout = model_spec(ckpt).layout()
    per_seed = {name: [] for name in names}
    with contextlib.nullcontext(tracer) if tracer else Tracer(ckpt) as tracer:  # each copy replaces the last
        for weights in untrained_weights(ckpt, check_seeds(seeds)):
            load_weights(tracer.session, tracer.g, weights)
            for name, best in _traced_correlations(tracer, layout, ids, names, matrix, chunk).items():
                per_seed[name].append(best)
    return {name: _level(values, margin, (shifted_best or {}).get(name)) for name, values in per_seed.items()}


def _traced_correlations(tracer, layout, ids, names, matrix, chunk):
    """:func:`best_correlations` of the features with the units of the model ``tracer`` holds now, over ``ids``."""
    stats, start = UnitStats(names, layout.units), 0
    for piece in tracer.chunks(ids, chunk):
        stats.add(matrix[start:start + len(piece.ids)], layout.activations(piece.layers))
        start += len(piece.ids)
    return best_correlations(stats, names)


def _level(values, margin, shifted_best):
    """One feature's entry of :func:`chance_levels`, from its best ``|r|`` per untrained copy."""
    known = [v for v in values if v is not None]
    return {"chance": max(known) if known else None, "seeds": len(values), "margin": margin,
            "per_seed": values, "shifted": shifted_best}


def baselines_of(ckpt, trace, features, seeds=DEFAULT_SEEDS, margin=MARGIN):
    """:func:`chance_levels` for a whole :class:`~.trace.Trace` of ``ckpt`` and its ``{name: [T] array}`` features.

    >>> rank_units(t, f, baselines=baselines_of(ckpt, t, f))   # each UnitScore says whether it clears chance
    """
    names = list(features)
    matrix = np.stack([features[name] for name in names], axis=1)
    stats = UnitStats([SHIFTED + n for n in names], trace.layout.units)
    stats.add(shifted(matrix), trace.activations())
    controls = best_correlations(stats, [SHIFTED + n for n in names])
    return chance_levels(ckpt, trace.ids, names, matrix, seeds, margin=margin,
                         shifted_best={n: controls[SHIFTED + n] for n in names})
