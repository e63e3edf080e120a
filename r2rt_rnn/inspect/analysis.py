"""One pass over a passage that gathers everything the page, the figures and the summary need.

:func:`inspect_passage` traces a checkpoint chunk by chunk (:class:`~.trace.Tracer`) and,
as each chunk arrives, adds it to the running statistics: unit-against-feature sums
(:class:`~.ranking.UnitStats`), gate saturation counts (:class:`~.gates.GateStats`) and
the loss. Only the first ``keep`` positions are held whole (for the page and the
figures), so a 100,000-character passage needs the memory of one chunk plus those.
Every input is checked before the tracing starts.
"""
import os
import resource
import time
from dataclasses import dataclass, field

import numpy as np

from .. import checkpoint
from ..errors import R2RTError
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
    user asked for; ``loss``: mean cross-entropy of the next token (nats).
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
            "features": {name: ({"best": ranked[0].as_dict(), "top": [s.as_dict() for s in ranked]}
                                if ranked else {"best": None, "note": "the feature does not vary in this passage"})
                         for name, ranked in self.rankings.items()},
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


def inspect_passage(path_or_ckpt, text, features=None, spans=(), units=(), unknown="error", max_tokens=None,
                    keep=KEEP, chunk=CHUNK, top=10, threshold=0.5):
    """Trace ``text`` through a checkpoint once and gather rankings, gate statistics and the shown positions.

    ``features``: built-in names and regular expressions (default: every built-in);
    ``spans``: ``(start, end)`` token ranges the user marked; ``units``: ``"LAYER:INDEX"``
    strings to show whatever they rank; ``max_tokens``: trace only the first that many
    tokens; ``keep``: how many positions to hold whole. Returns an :class:`Inspection`
    whose ``timing`` has the seconds to set up and to trace, and the process's memory.
    Errors name these parameters (``features`` as ``feature``, ``units`` as ``unit``).
    """
    if isinstance(keep, bool) or not isinstance(keep, (int, np.integer)) or keep < 1:
        raise R2RTError(f"keep must be a whole number, 1 or more, got {keep!r}", params=("keep",))
    ckpt = checkpoint.as_checkpoint(path_or_ckpt)
    spec = model_spec(ckpt)
    checkpoint.vocabulary(ckpt)
    layout = spec.layout()
    chosen_units = [layout.parse(u) for u in units]
    tokens, ids = encode_passage(text, ckpt.vocab, unknown, max_tokens)
    values = _features(tokens, features, spans)
    names = list(values)
    matrix = np.stack([values[n] for n in names], axis=1).astype(np.float32) if names else np.zeros((len(ids), 0))

    rss_before, t0 = _rss_mib(), time.perf_counter()
    stats = UnitStats(names, layout.units, threshold)
    gates = GateStats(spec.gate_names)
    kept, loss_sum, loss_n, start = [], 0.0, 0, 0
    with Tracer(ckpt) as tracer:
        t1 = time.perf_counter()
        for piece in tracer.chunks(ids, chunk):
            end = start + len(piece.ids)
            stats.add(matrix[start:end], layout.activations(piece.layers))
            gates.add(piece.layers)
            predicted = piece.next_prob[~np.isnan(piece.next_prob)]
            loss_sum += float(-np.log(np.maximum(predicted, 1e-30)).sum())
            loss_n += len(predicted)
            if start < keep:
                kept.append(piece.head(keep - start, names=spec.parts))
            start = end
    t2 = time.perf_counter()
    shown = Trace.join(kept, tokens[:keep], spec, ckpt.vocab)
    timing = {"setup_seconds": round(t1 - t0, 3), "trace_seconds": round(t2 - t1, 3),
              "tokens_per_second": round(len(ids) / max(t2 - t1, 1e-9), 1),
              "rss_before_trace_mib": None if rss_before is None else round(rss_before, 1),
              "peak_rss_mib": round(_peak_rss_mib(), 1)}
    rankings = {name: stats.ranking(name, top) for name in names}
    return Inspection(ckpt.path, spec, len(ids), shown, rankings, {n: values[n][:keep] for n in names}, gates,
                      loss_sum / loss_n if loss_n else float("nan"), chosen_units, timing)
