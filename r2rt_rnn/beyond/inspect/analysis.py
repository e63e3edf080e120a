"""One pass over a passage that gathers everything the page, the figures and the summary need.

:func:`inspect_passage` traces a checkpoint chunk by chunk (:class:`~.trace.Tracer`) and,
as each chunk arrives, adds it to the running statistics: unit-against-feature sums
(:class:`~.ranking.UnitStats`), gate saturation counts (:class:`~.gates.GateStats`) and
the loss. Only the first ``keep`` positions are held whole (for the page and the
figures), so a 100,000-character passage needs the memory of one chunk plus those.
Then, on the same passage, the chance level of each feature (:mod:`.baseline`: untrained
copies of the model) and the ablation of each feature's best unit and of the units asked
for (:mod:`.ablation`). Every input is checked before the tracing starts.
"""
import os
import resource
import time
from dataclasses import dataclass, field

import numpy as np

from ...runtime import checkpoint, checks
from ...runtime.errors import R2RTError
from .ablation import StateMeans, ablation_report, check_mode, run_ablations
from .baseline import DEFAULT_SEEDS, MARGIN, SHIFTED, best_correlations, chance_levels, check_seeds, shifted
from .features import BUILT_IN, close_built_in, compute_features
from .gates import GateStats
from .passage import encode_passage
from .ranking import UnitStats
from .trace import CHUNK, Trace, Tracer, model_spec

KEEP = 10_000  # positions held whole for the page and the figures
TOP_UNITS = 3  # units offered on the page for each feature


def _rss_mib():
    """The resident memory of this process now, MiB (Linux; else None)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


@dataclass
class Inspection:
    """What :func:`inspect_passage` found.

    ``shown``: a :class:`~.trace.Trace` of the first ``keep`` positions (states and
    guesses; gates are summarised in ``gates``); ``rankings``: ``{feature: [UnitScore]}``;
    ``features``: the features' values on ``shown``'s positions; ``units``: the units the
    user asked for; ``loss``: mean cross-entropy of the next token (nats);
    ``baselines``: ``{feature: {"chance", "seeds", "margin", ...}}`` (:mod:`.baseline`; empty
    when none was computed); ``ablations``: ``{unit name: {"feature", "loss_on",
    "loss_on_ablated", "loss_off", "loss_off_ablated", ...}}`` in nats (:mod:`.ablation`).
    """

    checkpoint: str
    spec: object
    num_tokens: int
    shown: Trace
    rankings: dict
    features: dict
    gates: GateStats
    loss: float
    units: list = field(default_factory=list)
    timing: dict = field(default_factory=dict)
    baselines: dict = field(default_factory=dict)
    ablations: dict = field(default_factory=dict)

    def best(self, feature):
        ranked = self.rankings.get(feature) or []
        return ranked[0] if ranked else None

    def page_units(self, per_feature=TOP_UNITS):
        """The units to offer on the page: those asked for, then the best few of each feature, no repeats."""
        chosen = list(self.units)
        for ranked in self.rankings.values():
            chosen += [score.unit for score in ranked[:per_feature]]
        if not chosen:  # nothing ranked (a one-token passage): the first unit, so the page still colours
            chosen = [self.spec.layout().units[0]]
        return list(dict.fromkeys(chosen))

    def summary(self):
        """A JSON-able summary: best unit per feature, gate saturation per layer, loss, time and memory."""
        unit = "word" if self.spec.level == "word" else "character"
        return {
            "checkpoint": self.checkpoint, "cell_type": self.spec.cell_type or "RNN",
            "layers": self.spec.num_layers, "units_per_layer": self.spec.state_size, "tokens": self.num_tokens,
            "token": unit, "loss_nats": _finite(self.loss),
            "bits_per_token": _finite(self.loss / np.log(2)),
            "features": {name: {**({"best": ranked[0].as_dict(), "top": [s.as_dict() for s in ranked]}
                                   if ranked else {"best": None, "note": "the feature does not vary in this passage"}),
                                **({"baseline": self.baselines[name]} if name in self.baselines else {})}
                         for name, ranked in self.rankings.items()},
            "ablations": self.ablations,
            "gate_saturation": {"low": self.gates.low, "high": self.gates.high, "layers": self.gates.summary()},
            **self.timing,
        }


def _finite(x):
    return round(float(x), 4) if x is not None and np.isfinite(x) else None


def _features(tokens, features, spans):
    """:func:`compute_features`, refusing a regular expression that matches nothing (spans always mark something)."""
    values = compute_features(tokens, features, spans)
    for name, f in values.items():
        if name not in BUILT_IN and not np.any(f):
            guess = close_built_in(name)
            raise R2RTError(f"feature {name!r} matches nothing in the {len(tokens)}-token passage; "
                            + (f"did you mean the built-in {guess}?" if guess else
                               "check the expression, or trace more tokens (max_tokens)"),
                            params=("feature", "max_tokens"))
    return values


class _Pass:
    """The running statistics of one trace, a chunk at a time: unit-against-feature sums (each feature and its
    shifted control), gate saturation counts, the states' means, the loss, and the first ``keep`` positions."""

    def __init__(self, names, spec, matrix, keep, threshold):
        self.layout, self.parts, self.keep = spec.layout(), spec.parts, keep
        self.matrix = np.concatenate([matrix, shifted(matrix)], axis=1)
        self.stats = UnitStats(names + [SHIFTED + n for n in names], self.layout.units, threshold)
        self.gates, self.means = GateStats(spec.gate_names), StateMeans()
        self.kept, self.loss_sum, self.loss_n, self.start = [], 0.0, 0, 0

    def add(self, piece):
        end = self.start + len(piece.ids)
        self.stats.add(self.matrix[self.start:end], self.layout.activations(piece.layers))
        self.gates.add(piece.layers)
        self.means.add(piece.layers)
        predicted = piece.next_prob[~np.isnan(piece.next_prob)]
        self.loss_sum += float(-np.log(np.maximum(predicted, 1e-30)).sum())
        self.loss_n += len(predicted)
        if self.start < self.keep:
            self.kept.append(piece.head(self.keep - self.start, names=self.parts))
        self.start = end

    @property
    def loss(self):
        """Mean cross-entropy of the next tokens (nats); NaN when none was scored."""
        return self.loss_sum / self.loss_n if self.loss_n else float("nan")


def _check_extras(layout, baseline_seeds, ablate, ablation):
    """The baseline and ablation settings, checked: ``(seeds, [Unit] asked to ablate)``."""
    seeds = check_seeds(baseline_seeds)
    if ablation != "off":
        check_mode(ablation)
    elif ablate:
        raise R2RTError("ablation 'off' leaves nothing to clamp the units to; ablate needs ablation mean or zero",
                        params=("ablation", "ablate"))
    return seeds, [layout.parse(u) for u in ablate]


def _ablations(ckpt, spec, ids, names, matrix, stats, rankings, asked, means, ablation, chunk):
    """The ablation report of the units asked for and of each feature's best unit (none when ``ablation`` is off)."""
    if ablation == "off" or not len(ids):
        return {}
    judged = {}  # unit -> the feature it is judged on
    r = np.nan_to_num(np.abs(stats.correlation()[:len(names)]), nan=-1.0)
    for unit in asked:
        judged.setdefault(unit, names[int(np.argmax(r[:, spec.layout().column(unit)]))] if names else None)
    for name, ranked in rankings.items():
        if ranked:
            judged.setdefault(ranked[0].unit, name)
    judged = {unit: name for unit, name in judged.items() if name is not None}
    if not judged:
        return {}
    sums = run_ablations(ckpt, spec, ids, list(judged), names, matrix, means, ablation, chunk)
    return ablation_report(list(judged), list(judged.values()), names, sums, ablation, means)


def _check_keep(keep):
    """``keep``, checked: a whole number of positions, 1 or more."""
    checks.integer("keep", keep, what="a whole number, 1 or more")


def _feature_matrix(values, positions):
    """The features' names and their values as a ``[positions, features]`` float32 matrix (no columns if none)."""
    names = list(values)
    matrix = np.stack([values[n] for n in names], axis=1).astype(np.float32) if names else np.zeros((positions, 0))
    return names, matrix


def _baselines(ckpt, ids, names, matrix, seeds, chunk, stats, tracer):
    """Each feature's chance level (:mod:`.baseline`), traced in ``tracer``'s graph, beside the best correlation of
    its shifted control in ``stats``; none without seeds or features."""
    if not (seeds and names):
        return {}
    shifted_best = best_correlations(stats, [SHIFTED + n for n in names])
    return chance_levels(ckpt, ids, names, matrix, seeds, chunk, MARGIN,
                         {n: shifted_best[SHIFTED + n] for n in names}, tracer)


def _timing(marks, positions, rss_before):
    """The :class:`Inspection`'s ``timing``: seconds between the ``marks`` (start, traced set up, traced, baseline
    done, ablations done), the tracing speed and the process's memory."""
    t0, t1, t2, t3, t4 = marks
    return {"setup_seconds": round(t1 - t0, 3), "trace_seconds": round(t2 - t1, 3),
            "tokens_per_second": round(positions / max(t2 - t1, 1e-9), 1),
            "baseline_seconds": round(t3 - t2, 3), "ablation_seconds": round(t4 - t3, 3),
            "rss_before_trace_mib": None if rss_before is None else round(rss_before, 1),
            "peak_rss_mib": round(_peak_rss_mib(), 1)}


def inspect_passage(path_or_ckpt, text, features=None, spans=(), units=(), unknown="error", max_tokens=None,
                    keep=KEEP, chunk=CHUNK, top=10, threshold=0.5, baseline_seeds=DEFAULT_SEEDS, ablate=(),
                    ablation="mean"):
    """Trace ``text`` through a checkpoint once and gather rankings, gate statistics and the shown positions.

    ``features``: built-in names and regular expressions (default: every built-in);
    ``spans``: ``(start, end)`` token ranges the user marked; ``units``: ``"LAYER:INDEX"``
    strings to show whatever they rank; ``max_tokens``: trace only the first that many
    tokens; ``keep``: how many positions to hold whole; ``baseline_seeds``: untrained copies
    traced for each feature's chance level (0: none); ``ablate``: ``"LAYER:INDEX"`` units to
    clamp, besides each feature's best unit; ``ablation``: clamp to the unit's ``"mean"`` or
    to ``"zero"``, or ``"off"`` (no ablation). Returns an :class:`Inspection` whose ``timing``
    has the seconds to set up, to trace, for the baseline and the ablations, and the process's
    memory. Errors name these parameters (``features`` as ``feature``, ``units`` as ``unit``).
    """
    _check_keep(keep)
    ckpt = checkpoint.as_checkpoint(path_or_ckpt)
    spec = model_spec(ckpt)
    checkpoint.vocabulary(ckpt)
    layout = spec.layout()
    chosen_units = [layout.parse(u) for u in units]
    seeds, asked = _check_extras(layout, baseline_seeds, ablate, ablation)
    tokens, ids = encode_passage(text, ckpt.vocab, unknown, max_tokens)
    values = _features(tokens, features, spans)
    names, matrix = _feature_matrix(values, len(ids))

    rss_before, t0 = _rss_mib(), time.perf_counter()
    run = _Pass(names, spec, matrix, keep, threshold)
    with Tracer(ckpt) as tracer:
        t1 = time.perf_counter()
        for piece in tracer.chunks(ids, chunk):
            run.add(piece)
        t2 = time.perf_counter()
        baselines = _baselines(ckpt, ids, names, matrix, seeds, chunk, run.stats, tracer)  # in the same graph
    t3 = time.perf_counter()
    rankings = {name: run.stats.ranking(name, top, baselines.get(name)) for name in names}
    ablations = _ablations(ckpt, spec, ids, names, matrix, run.stats, rankings, asked, run.means, ablation, chunk)
    t4 = time.perf_counter()
    shown = Trace.join(run.kept, tokens[:keep], spec, ckpt.vocab)
    timing = _timing((t0, t1, t2, t3, t4), len(ids), rss_before)
    return Inspection(ckpt.path, spec, len(ids), shown, rankings, {n: values[n][:keep] for n in names}, run.gates,
                      run.loss, chosen_units, timing, baselines, ablations)
