"""Ablation: does the model need a unit? Clamp it during the trace and see where the loss rises.

A unit that follows a feature may only be along for the ride. To test that it is *used*,
the passage is traced again with the unit held at a fixed value at every step (before its
layer's state is carried on or passed up), and the next-token loss is compared, on the
positions the feature marks (f > 0, the same "inside" as the ranking's) and on the others.
"This unit follows the position in the line" then comes with "and without it the loss
near ... rises by so much" (or it does not).

The value (``mode``):

* ``"mean"`` (the default): the unit's mean over the passage in the normal trace. The rest
  of the network sees a typical value, so what is lost is what the unit *varies* with;
* ``"zero"``: 0, the middle of the range of ``tanh``.

An LSTM's cell unit (``LAYER:INDEX``, its ``c``) is clamped together with the output ``h``
at the same index, so nothing of it reaches the rest of the network; ``LAYER:INDEX:h``
clamps only the output. All the ablated units run in one graph as a batch, one row per
unit and a first row with nothing clamped, so ``k`` ablations cost far less than ``k`` traces.
"""
import numpy as np

from ...runtime import interrupts
from ...runtime.errors import R2RTError
from ...tf1 import tf
from .trace import CHUNK, checkpoint_variables, forward_pass, open_session

MODES = ("mean", "zero")
MAX_LOGITS = 20_000_000  # floats of [batch, chunk, classes] one session.run may hold


def check_mode(mode):
    if mode not in MODES:
        raise R2RTError(f"ablation mode {mode!r} is not one of {', '.join(MODES)} (or off)", params=("ablation",))
    return mode


class StateMeans:
    """Each layer's state parts summed over positions, one chunk at a time: the means ``"mean"`` clamps to."""

    def __init__(self):
        self.n, self.sums = 0, []

    def add(self, layers):
        """``layers``: one dict per layer of ``[T, width]`` state parts (``h``, and ``c`` for LSTMs), and gates."""
        if not self.sums:
            self.sums = [{} for _ in layers]
        for sums, record in zip(self.sums, layers):
            for part in ("c", "h"):
                if part in record:
                    sums[part] = sums.get(part, 0.0) + np.asarray(record[part], dtype=np.float64).sum(axis=0)
        self.n += len(np.asarray(layers[0]["h"]))

    def mean(self, layer, part, index):
        return float(self.sums[layer][part][index] / max(self.n, 1))


def _clamped_parts(unit, lstm):
    """The state parts clamping ``unit`` sets: an LSTM cell unit takes its output ``h`` with it."""
    return ("c", "h") if lstm and unit.part == "c" else (unit.part,)


def clamp_arrays(spec, units, mode, means):
    """Per layer ``{part: (mask, value)}``, each ``[1 + len(units), width]``: row 0 free, row i + 1 clamps unit i."""
    rows, width = 1 + len(units), spec.state_size
    lstm = "c" in spec.parts
    arrays = [{part: (np.zeros((rows, width), np.float32), np.zeros((rows, width), np.float32))
               for part in spec.parts} for _ in range(spec.num_layers)]
    for row, unit in enumerate(units, start=1):
        for part in _clamped_parts(unit, lstm):
            mask, value = arrays[unit.layer][part]
            mask[row, unit.index] = 1.0
            value[row, unit.index] = means.mean(unit.layer, part, unit.index) if mode == "mean" else 0.0
    return arrays


def build_ablator(spec, arrays):
    """The forward pass over one chunk with a batch row per clamp setting of ``arrays``: a dict of tensors.

    Feeds ``ids`` / ``targets`` ``[T]`` and ``init_state``; fetches ``target_logp``
    ``[rows, T]`` (the log probability of each next token, per row) and ``final_state``.
    """
    rows = len(arrays[0][spec.parts[0]][0])
    graph = tf.Graph()
    with graph.as_default():
        ids = tf.placeholder(tf.int32, [None], name="ids")
        targets = tf.placeholder(tf.int32, [None], name="targets")
        clamps = tuple({part: (tf.constant(mask), tf.constant(value)) for part, (mask, value) in layer.items()}
                       for layer in arrays)
        sizes = [{"h": spec.state_size} for _ in range(spec.num_layers)]  # only what the softmax needs
        records, init_state, final_state, (W, b) = forward_pass(spec, ids, sizes, clamps, batch=rows)
        h = tf.reshape(records[-1]["h"], [-1, spec.state_size])  # [rows * T, state_size]
        log_p = tf.reshape(tf.nn.log_softmax(tf.matmul(h, W) + b), [rows, -1, spec.num_classes])
        picked = tf.tile(targets[None, :, None], [rows, 1, 1])  # [rows, T, 1]
        target_logp = tf.gather(log_p, picked, batch_dims=2)[:, :, 0]  # [rows, T]
        variables = checkpoint_variables(spec)
        saver = tf.train.Saver(var_list=variables)
    return {"graph": graph, "ids": ids, "targets": targets, "init_state": init_state, "final_state": final_state,
            "target_logp": target_logp, "saver": saver, "variables": variables,
            "shapes": {name: v.shape.as_list() for name, v in variables.items()}}


class LossSums:
    """Per batch row: the next-token loss summed on and off each feature's positions, and the counts."""

    def __init__(self, rows, num_features):
        self.on, self.all = np.zeros((rows, num_features)), np.zeros(rows)
        self.count_on, self.count_all = np.zeros(num_features), 0

    def add(self, loss, scored, features):
        """``loss`` ``[rows, T]`` nats, ``scored`` ``[T]`` bool (a next token exists), ``features`` ``[T, F]``."""
        loss = np.where(scored[None, :], loss, 0.0)
        on = ((features > 0) & scored[:, None]).astype(np.float64)
        self.on += loss @ on
        self.all += loss.sum(axis=1)
        self.count_on += on.sum(axis=0)
        self.count_all += int(scored.sum())

    def means(self, row, k):
        """``(loss on, loss off)`` for batch row ``row`` and feature ``k``; None where no position counts."""
        off_count = self.count_all - self.count_on[k]
        on = self.on[row, k] / self.count_on[k] if self.count_on[k] else None
        off = (self.all[row] - self.on[row, k]) / off_count if off_count else None
        return on, off


def run_ablations(ckpt, spec, ids, units, names, matrix, means, mode="mean", chunk=CHUNK):
    """Trace ``ids`` with each of ``units`` clamped in turn (all at once, as a batch); returns a :class:`LossSums`.

    Row 0 is the model untouched; row ``i + 1`` has ``units[i]`` clamped (see the module's docstring).
    """
    check_mode(mode)
    arrays = clamp_arrays(spec, units, mode, means)
    g = build_ablator(spec, arrays)
    rows = 1 + len(units)
    step = max(1, min(chunk, MAX_LOGITS // (rows * spec.num_classes)))
    sums = LossSums(rows, len(names))
    ids = np.asarray(ids, dtype=np.int32)
    session = open_session(ckpt, g)
    try:
        state = None
        for start in range(0, len(ids), step):
            interrupts.check()
            piece, following = ids[start:start + step], ids[start + 1:start + step + 1]
            targets = np.concatenate([following, np.zeros(len(piece) - len(following), np.int32)])
            feed = {g["ids"]: piece, g["targets"]: targets}
            if state is not None:
                feed[g["init_state"]] = state  # every row carries its own state over to the next chunk
            target_logp, state = session.run([g["target_logp"], g["final_state"]], feed)
            scored = np.arange(len(piece)) < len(following)
            sums.add(-target_logp.astype(np.float64), scored, matrix[start:start + len(piece)])
    finally:
        session.close()
    return sums


def ablation_report(units, unit_features, names, sums, mode, means=None):
    """``{unit name: {"feature", "loss_on", "loss_on_ablated", "loss_off", "loss_off_ablated", ...}}`` (nats).

    ``unit_features``: the feature each unit is judged on (the one it follows best);
    ``by_feature`` has the same four numbers for every feature.
    """
    out = {}
    for row, (unit, feature) in enumerate(zip(units, unit_features), start=1):
        by_feature = {}
        for k, name in enumerate(names):
            (on, off), (on_ablated, off_ablated) = sums.means(0, k), sums.means(row, k)
            by_feature[name] = {"loss_on": _r(on), "loss_on_ablated": _r(on_ablated), "loss_off": _r(off),
                                "loss_off_ablated": _r(off_ablated), "positions_on": int(sums.count_on[k])}
        count = max(sums.count_all, 1)
        value = (means.mean(unit.layer, unit.part, unit.index) if mode == "mean" and means else 0.0)
        out[str(unit)] = {"feature": feature, **by_feature[feature], "mode": mode, "value": round(value, 4),
                          "loss_all": _r(sums.all[0] / count), "loss_all_ablated": _r(sums.all[row] / count),
                          "positions": int(sums.count_all), "by_feature": by_feature}
    return out


def _r(x):
    return None if x is None else round(float(x), 4)
