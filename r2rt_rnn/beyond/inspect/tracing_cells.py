"""Cells that keep their gates: the model's own cells, each with a place to put what it computed.

The package's cells (:mod:`r2rt_rnn.cells`) hand their gates to ``self._record_gates``,
which does nothing there; :func:`gated_cell` returns the same cell with that method
keeping them. TensorFlow's ``GRUCell``, ``LSTMCell`` and ``BasicLSTMCell`` hide their
gates inside ``call``, so :class:`GatedGRUCell` and :class:`GatedLSTMCell` write that
``call`` out again (the same ops, in the same order) with the gates recorded. Either way
the variables keep their names, so a checkpoint restores into them unchanged, and
``tests/test_inspect_trace.py`` checks every cell's states against the generation path.

:class:`TracingStack` is ``MultiRNNCell`` whose per-step *output* is everything each
layer computed (states and gates), so one ``dynamic_rnn`` returns the whole history.
"""
import dataclasses
import functools

from ...cell_types import lookup
from ...cells import _ShowsGates
from ...runtime.errors import R2RTError
from ...tf1 import rnn_cell, tf

# The stack's variable scope here, and in the training graphs (MultiRNNCell takes no name to copy)
STACK_SCOPE = ("/tracing_stack/", "/multi_rnn_cell/")


class _KeepsGates:
    """Mixed in before a cell class: ``_record_gates`` keeps the tensors in ``self.recorded``."""

    recorded = None

    def _record_gates(self, **gates):
        self.recorded.update(gates)


class GatedGRUCell(_KeepsGates, rnn_cell.GRUCell):
    """TensorFlow's ``GRUCell`` (same variables, same ops) recording its reset and update gates."""

    def call(self, inputs, state):
        gate_inputs = tf.nn.bias_add(tf.matmul(tf.concat([inputs, state], 1), self._gate_kernel), self._gate_bias)
        r, u = tf.split(tf.sigmoid(gate_inputs), 2, axis=1)  # reset, update: [batch, num_units] each
        self._record_gates(r=r, u=u)
        candidate = tf.nn.bias_add(tf.matmul(tf.concat([inputs, r * state], 1), self._candidate_kernel),
                                   self._candidate_bias)
        new_h = u * state + (1 - u) * self._activation(candidate)
        return new_h, new_h


class GatedLSTMCell(_KeepsGates, rnn_cell.BasicLSTMCell):
    """TensorFlow's LSTM step (``LSTMCell`` without peepholes or projection, or ``BasicLSTMCell``).

    Records the input, forget and output gates after their sigmoid (the forget gate
    with the cell's ``forget_bias`` added, as it acts on ``c``). Both TensorFlow classes
    compute ``c' = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j)`` and
    ``h' = tanh(c') * sigmoid(o)`` from one ``[input, h] @ kernel + bias``, split as i, j, f, o.
    """

    def call(self, inputs, state):
        c, h = state
        gate_inputs = tf.nn.bias_add(tf.matmul(tf.concat([inputs, h], 1), self._kernel), self._bias)
        i, j, f, o = tf.split(gate_inputs, 4, axis=1)  # [batch, num_units] each
        i, f, o = tf.sigmoid(i), tf.sigmoid(f + tf.constant(self._forget_bias, dtype=f.dtype)), tf.sigmoid(o)
        self._record_gates(i=i, f=f, o=o)
        new_c = c * f + i * self._activation(j)
        new_h = self._activation(new_c) * o
        return new_h, rnn_cell.LSTMStateTuple(new_c, new_h)


@functools.lru_cache(maxsize=None)
def _keeping_gates(cls):
    """``cls`` with :class:`_KeepsGates` mixed in, under the same class name (variable scopes use it)."""
    return type(cls.__name__, (_KeepsGates, cls), {"__doc__": cls.__doc__, "__module__": __name__})


# TensorFlow's cells, whose gates are hidden in call -> the rewrite that records them, and the
# original's layer name (so the variables keep their names)
_REWRITES = {
    rnn_cell.GRUCell: (GatedGRUCell, "gru_cell"),
    rnn_cell.LSTMCell: (GatedLSTMCell, "lstm_cell"),  # its forget bias defaults to 1.0, as BasicLSTMCell's
    rnn_cell.BasicLSTMCell: (GatedLSTMCell, "basic_lstm_cell"),
}


def gated_cell(cell_type, num_units, num_weights=5):
    """One layer's cell for ``cell_type`` (see :func:`r2rt_rnn.cell_types.lookup`) that records its gates.

    The cell is the one ``r2rt_rnn.cell_types`` gives ``cell_type`` (with its options, as
    ``PTB_LSTM``'s forget bias), with the same layer names (``gru_cell``, ``lstm_cell``, ...).
    """
    spec = lookup(cell_type)
    if spec.cell in _REWRITES:
        rewrite, name = _REWRITES[spec.cell]
        return dataclasses.replace(spec, cell=rewrite, options={**spec.options, "name": name}).make(num_units,
                                                                                                    num_weights)
    if issubclass(spec.cell, _ShowsGates):  # the package's cells: they hand their gates to _record_gates
        return dataclasses.replace(spec, cell=_keeping_gates(spec.cell)).make(num_units, num_weights)
    if spec.gates:
        raise R2RTError(f"cannot trace cell type {cell_type!r}: its {spec.cell.__name__} does not show its gates")
    return spec.make(num_units, num_weights)  # no gates to record (BasicRNNCell)


def record_sizes(cell_type, num_units, num_weights=5):
    """What one layer records per step, name -> width: its state parts (``c`` and ``h``, or ``h``) and gates."""
    return lookup(cell_type).record_sizes(num_units, num_weights)


class TracingStack(rnn_cell.MultiRNNCell):
    """``MultiRNNCell`` whose output at each step is a tuple, one dict per layer, of all the layer computed.

    Each dict maps a name from :func:`record_sizes` to a ``[batch, width]`` tensor;
    ``dynamic_rnn`` stacks them over time to ``[batch, steps, width]``. The state and
    the variable names are ``MultiRNNCell``'s but for the stack's own scope
    (``tracing_stack/cell_<i>/...`` for ``multi_rnn_cell/cell_<i>/...``: see :data:`STACK_SCOPE`).

    ``clamps`` (for ablation, :mod:`.ablation`): one dict per layer, ``{part: (mask, value)}``
    with tensors that broadcast to ``[batch, width]``; after each step the layer's ``part``
    (``h``, or an LSTM's ``c``) becomes ``value`` where ``mask`` is 1, before it is carried to
    the next step or passed up to the next layer.
    """

    def __init__(self, cells, sizes, clamps=None):
        super().__init__(cells, state_is_tuple=True)
        self._sizes = tuple(dict(s) for s in sizes)
        self._clamps = clamps

    @property
    def output_size(self):
        return self._sizes

    def call(self, inputs, state):
        records, new_states = [], []
        for i, cell in enumerate(self._cells):
            with tf.variable_scope(f"cell_{i}"):  # MultiRNNCell's scope for layer i
                cell.recorded = {}
                inputs, new_state = cell(inputs, state[i])  # the layer's output is the next layer's input
            if self._clamps and self._clamps[i]:
                new_state = _clamped(new_state, self._clamps[i])
                inputs = new_state.h if isinstance(new_state, rnn_cell.LSTMStateTuple) else new_state
            record = dict(cell.recorded or {})
            if isinstance(new_state, rnn_cell.LSTMStateTuple):
                record["c"], record["h"] = new_state
            else:
                record["h"] = new_state
            records.append({name: record[name] for name in self._sizes[i]})
            new_states.append(new_state)
        return tuple(records), tuple(new_states)


def _clamped(state, clamps):
    """A layer's new state with the masked units of each part in ``clamps`` set to their values."""
    def clamp(part, tensor):
        if part not in clamps:
            return tensor
        mask, value = clamps[part]
        return tensor * (1.0 - mask) + value * mask

    if isinstance(state, rnn_cell.LSTMStateTuple):
        return rnn_cell.LSTMStateTuple(clamp("c", state.c), clamp("h", state.h))
    return clamp("h", state)
