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
from ..cells import CustomCell, FusedLayerNormalizedLSTMCell, GRUCell, LayerNormalizedGRUCell, LayerNormalizedLSTMCell
from ..errors import R2RTError
from ..tf1 import rnn_cell, tf

# cell type -> the names of the gates it records (Custom's "mix": its softmax mixture weights)
GATE_NAMES = {
    None: (),
    "GRU": ("r", "u"), "post_GRU": ("r", "u"), "LN_GRU": ("r", "u"), "Custom": ("r", "u", "mix"),
    "LSTM": ("i", "f", "o"), "LN_LSTM": ("i", "f", "o"), "LN_LSTM_fast": ("i", "f", "o"),
    "PTB_LSTM": ("i", "f", "o"),  # the PTB word model's BasicLSTMCell
}
LSTM_TYPES = ("LSTM", "LN_LSTM", "LN_LSTM_fast", "PTB_LSTM")
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


def _keeping_gates(cls):
    """``cls`` with :class:`_KeepsGates` mixed in, under the same class name (variable scopes use it)."""
    return type(cls.__name__, (_KeepsGates, cls), {"__doc__": cls.__doc__, "__module__": __name__})


_PACKAGE_CELLS = {"post_GRU": GRUCell, "LN_GRU": LayerNormalizedGRUCell, "Custom": CustomCell,
                  "LN_LSTM": LayerNormalizedLSTMCell, "LN_LSTM_fast": FusedLayerNormalizedLSTMCell}
_KEEPING = {name: _keeping_gates(cls) for name, cls in _PACKAGE_CELLS.items()}


def gated_cell(cell_type, num_units, num_weights=5):
    """One layer's cell for ``cell_type`` (as in ``r2rt_rnn.model.CELL_TYPES``) that records its gates.

    ``PTB_LSTM`` is the PTB word model's ``BasicLSTMCell`` (forget bias 0.0, as the tutorial).
    The layer names are the training graph's (``gru_cell``, ``lstm_cell``, ...).
    """
    if cell_type is None:
        return rnn_cell.BasicRNNCell(num_units)  # no gates to record
    if cell_type == "GRU":
        return GatedGRUCell(num_units, name="gru_cell")
    if cell_type == "LSTM":
        return GatedLSTMCell(num_units, forget_bias=1.0, name="lstm_cell")  # LSTMCell's default forget bias
    if cell_type == "PTB_LSTM":
        return GatedLSTMCell(num_units, forget_bias=0.0, name="basic_lstm_cell")
    if cell_type == "Custom":
        return _KEEPING["Custom"](num_units, num_weights)
    if cell_type in _KEEPING:
        return _KEEPING[cell_type](num_units)
    raise R2RTError(f"cannot trace cell type {cell_type!r}; traceable cell types: "
                    f"{', '.join(repr(c) for c in GATE_NAMES)}")


def record_sizes(cell_type, num_units, num_weights=5):
    """What one layer records per step, name -> width: its state parts (``c`` and ``h``, or ``h``) and gates."""
    sizes = {"c": num_units, "h": num_units} if cell_type in LSTM_TYPES else {"h": num_units}
    for gate in GATE_NAMES[cell_type]:
        sizes[gate] = num_weights if gate == "mix" else num_units
    return sizes


class TracingStack(rnn_cell.MultiRNNCell):
    """``MultiRNNCell`` whose output at each step is a tuple, one dict per layer, of all the layer computed.

    Each dict maps a name from :func:`record_sizes` to a ``[batch, width]`` tensor;
    ``dynamic_rnn`` stacks them over time to ``[batch, steps, width]``. The state and
    the variable names are ``MultiRNNCell``'s but for the stack's own scope
    (``tracing_stack/cell_<i>/...`` for ``multi_rnn_cell/cell_<i>/...``: see :data:`STACK_SCOPE`).
    """

    def __init__(self, cells, sizes):
        super().__init__(cells, state_is_tuple=True)
        self._sizes = tuple(dict(s) for s in sizes)

    @property
    def output_size(self):
        return self._sizes

    def call(self, inputs, state):
        records, new_states = [], []
        for i, cell in enumerate(self._cells):
            with tf.variable_scope(f"cell_{i}"):  # MultiRNNCell's scope for layer i
                cell.recorded = {}
                inputs, new_state = cell(inputs, state[i])  # the layer's output is the next layer's input
            record = dict(cell.recorded or {})
            if isinstance(new_state, rnn_cell.LSTMStateTuple):
                record["c"], record["h"] = new_state
            else:
                record["h"] = new_state
            records.append({name: record[name] for name in self._sizes[i]})
            new_states.append(new_state)
        return tuple(records), tuple(new_states)
