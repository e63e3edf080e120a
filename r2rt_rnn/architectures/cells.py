"""The slides' hand-built cells, with their bugs fixed, plus two small helpers.

Shapes use the row convention of TensorFlow: an input batch is ``[batch, N]``,
a state or output batch is ``[batch, L]``, and weights multiply on the right
(``x @ A`` with ``A`` of shape ``[N, L]``).

What the slides got wrong, and what is done here instead:

* ``tf.Variable(shape=..., initializer=...)`` is not a TensorFlow API; the
  variables are made with ``tf.get_variable`` inside a named variable scope, so
  every gate gets its *own* weights (``A``, ``B``) and its own bias ``b``.
* The gate bias was declared ``[L, L]`` and never added; here it is ``[L]`` and
  added.
* ``lstm_cell`` multiplied the forget gate by the previous *output*; the LSTM
  forgets from the previous *cell state*: ``c_t = F * c_{t-1} + I * S``.
* ``gru_cell`` computed an update gate ``U`` and then mixed with the reset gate
  ``R`` instead; the update gate is what interpolates between the old output
  and the candidate: ``h_t = U * h_{t-1} + (1 - U) * O``.
* ``tf.mul`` is ``tf.multiply`` (or ``*``) now.
"""

from ..graphs.common import stack
from ..runtime import checks
from ..tf1 import rnn_cell, tf

_UNIFORM = tf.random_uniform_initializer(-1.0, 1.0)  # the slides' initializer for basic_rnn_cell


def _dim(tensor):
    dim = tensor.get_shape()[1]
    return int(dim) if dim is not None else None


def basic_rnn_cell(input_tensor, state_tensor, output_dim, scope="basic_rnn_cell"):
    """One step of the slides' basic cell: a ReLU output and a separate tanh state.

    ``output = relu(x A_u + s B_u)`` and ``new_state = tanh(x A_v + s B_v)``.
    Unlike a textbook RNN the output is *not* the state: the cell has two weight
    pairs, one that reads out and one that carries memory.

    Args:
        input_tensor: ``[batch, N]`` float32.
        state_tensor: ``[batch, S]`` float32.
        output_dim: ``M``, the width of the output.
    Returns:
        ``(output [batch, M], new_state [batch, S])``.
    """
    n, s = _dim(input_tensor), _dim(state_tensor)
    with tf.variable_scope(scope, initializer=_UNIFORM):
        A_u = tf.get_variable("A_u", [n, output_dim])
        B_u = tf.get_variable("B_u", [s, output_dim])
        A_v = tf.get_variable("A_v", [n, s])
        B_v = tf.get_variable("B_v", [s, s])
    output = tf.nn.relu(tf.matmul(input_tensor, A_u) + tf.matmul(state_tensor, B_u))
    new_state = tf.tanh(tf.matmul(input_tensor, A_v) + tf.matmul(state_tensor, B_v))
    return output, new_state


def gate(input_tensor, previous_output, activation, name):
    """``activation(x A + h B + b)`` with weights owned by this gate alone.

    The slides' ``lstm_gate`` and ``gru_gate`` were the same function; one is enough.

    Args:
        input_tensor: ``x``, ``[batch, N]``.
        previous_output: ``h``, ``[batch, L]`` (or ``R * h`` for the GRU candidate).
        activation: e.g. ``tf.sigmoid`` for a gate, ``tf.tanh`` for a candidate.
        name: the variable scope; each gate needs a distinct one so it owns ``A``, ``B``, ``b``.
    Returns:
        ``[batch, L]``.
    """
    n, units = _dim(input_tensor), _dim(previous_output)
    with tf.variable_scope(name):
        A = tf.get_variable("A", [n, units])
        B = tf.get_variable("B", [units, units])
        # "bias", not "b": TensorFlow makes op names unique ignoring case, so "b" next to "B" became "b_1".
        b = tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
    return activation(tf.matmul(input_tensor, A) + tf.matmul(previous_output, B) + b)


def lstm_cell(input_tensor, output, state, scope="lstm_cell"):
    """One LSTM step built from four gates.

    ``F, I, O = sigmoid(.)`` (forget, input, output gates), ``S = tanh(.)`` (candidate),
    ``c_t = F * c_{t-1} + I * S`` and ``h_t = O * tanh(c_t)``.

    Args:
        input_tensor: ``[batch, N]``.
        output: the previous output ``h_{t-1}``, ``[batch, L]``.
        state: the previous cell state ``c_{t-1}``, ``[batch, L]``.
    Returns:
        ``(h_t [batch, L], c_t [batch, L])``.
    """
    with tf.variable_scope(scope):
        F = gate(input_tensor, output, tf.sigmoid, "forget")
        I = gate(input_tensor, output, tf.sigmoid, "input")  # noqa: E741 - the slides' name
        O = gate(input_tensor, output, tf.sigmoid, "output")  # noqa: E741 - the slides' name
        S = gate(input_tensor, output, tf.tanh, "candidate")
    new_state = F * state + I * S  # the slides had ``output * F``: the memory lives in ``state``
    new_output = O * tf.tanh(new_state)
    return new_output, new_state


def gru_cell(input_tensor, output, scope="gru_cell"):
    """One GRU step built from three gates.

    ``U, R = sigmoid(.)`` (update, reset), candidate ``O = tanh(x A + (R * h) B + b)``,
    ``h_t = U * h_{t-1} + (1 - U) * O``. The reset gate scales ``h`` *before* the
    matmul, as in the slides and as TensorFlow's ``GRUCell`` does (cuDNN's variant
    applies it after ``h B``; the two are different functions).

    Args:
        input_tensor: ``[batch, N]``.
        output: the previous output (which is also the state) ``h_{t-1}``, ``[batch, L]``.
    Returns:
        ``h_t``, ``[batch, L]``.
    """
    with tf.variable_scope(scope):
        U = gate(input_tensor, output, tf.sigmoid, "update")
        R = gate(input_tensor, output, tf.sigmoid, "reset")
        O = gate(input_tensor, R * output, tf.tanh, "candidate")  # noqa: E741 - the slides' name
    return U * output + (1.0 - U) * O  # the slides mixed with R here and never used U


class HandGRUCell(rnn_cell.RNNCell):
    """:func:`gru_cell` as an ``RNNCell``, so ``dynamic_rnn`` and ``MultiRNNCell`` can run the hand-built GRU.

    The state is the output (``[batch, units]``), as for ``rnn_cell.GRUCell``; the weights are the
    three gates' ``A``, ``B`` and ``bias`` under ``gru_cell/{update,reset,candidate}``, created on the
    first step and reused on every later one (the cell's layer scope sees to that).
    """

    def __init__(self, units, name=None):
        super().__init__(name=name)
        self._units = units

    @property
    def state_size(self):
        return self._units

    @property
    def output_size(self):
        return self._units

    def call(self, inputs, state):
        h = gru_cell(inputs, state)
        return h, h


class HandLSTMCell(rnn_cell.RNNCell):
    """:func:`lstm_cell` as an ``RNNCell``; its state is an ``LSTMStateTuple(c, h)`` as ``rnn_cell.LSTMCell``'s.

    The weights are the four gates' ``A``, ``B`` and ``bias`` under ``lstm_cell/{forget,input,output,candidate}``.
    """

    def __init__(self, units, name=None):
        super().__init__(name=name)
        self._units = units

    @property
    def state_size(self):
        return rnn_cell.LSTMStateTuple(self._units, self._units)

    @property
    def output_size(self):
        return self._units

    def call(self, inputs, state):
        c, h = state
        h, c = lstm_cell(inputs, h, c)
        return h, rnn_cell.LSTMStateTuple(c, h)


class HandBasicCell(rnn_cell.RNNCell):
    """:func:`basic_rnn_cell` as an ``RNNCell``: the ReLU output goes up (or out), the tanh state goes on.

    ``output_units`` (default ``units``) is the output's width; the weights are ``A_u``, ``B_u``, ``A_v``, ``B_v``
    under ``basic_rnn_cell``, initialised uniformly in [-1, 1] as the slides do.
    """

    def __init__(self, units, output_units=None, name=None):
        super().__init__(name=name)
        self._units, self._output_units = units, output_units or units

    @property
    def state_size(self):
        return self._units

    @property
    def output_size(self):
        return self._output_units

    def call(self, inputs, state):
        return basic_rnn_cell(inputs, state, self._output_units)


CELLS = {"gru": rnn_cell.GRUCell, "lstm": rnn_cell.LSTMCell, "basic": rnn_cell.BasicRNNCell,
         "hand_gru": HandGRUCell, "hand_lstm": HandLSTMCell, "hand_basic": HandBasicCell}  # multi_layer_rnn's names


def multi_layer_rnn(n_layers, state_dim, cell="gru"):
    """A ``MultiRNNCell`` of ``n_layers`` cells of ``state_dim`` units, one *new* cell per layer.

    ``MultiRNNCell([cell] * n)`` would now share one set of weights across all layers
    (with only a warning), so each layer gets its own cell object. ``cell`` names one of
    :data:`CELLS`: TensorFlow's GRU, LSTM or basic cell, or the hand-built ones: ``"hand_gru"``,
    ``"hand_lstm"``, ``"hand_basic"`` (:class:`HandGRUCell`, :class:`HandLSTMCell`, :class:`HandBasicCell`).
    """
    make = CELLS[checks.choice("cell", cell, tuple(sorted(CELLS)))]
    # LSTM states stay LSTMStateTuples; GRU/basic states are single tensors per layer.
    return stack(lambda: make(state_dim), n_layers)


def project(tensor, output_dim, name):
    """A dense layer without activation: ``[batch, D] -> [batch, output_dim]``, the slides' ``project``."""
    d = _dim(tensor)
    with tf.variable_scope(name):
        W = tf.get_variable("W", [d, output_dim])
        b = tf.get_variable("b", [output_dim], initializer=tf.zeros_initializer())
    return tf.matmul(tensor, W) + b
