"""Are the hand-built cells TensorFlow's? Copy a library cell's weights into the hand-built one and compare.

Each ``compare_*`` builds both cells in a fresh graph, runs them with ``dynamic_rnn`` over the same random
sequence (``steps`` inputs of width ``n``, ``units`` units, a zero initial state), copies the library cell's
weights into the hand-built one, and returns the largest absolute differences of what both compute.

* GRU: ``rnn_cell.GRUCell``'s ``gates/kernel`` ``[N + L, 2L]`` holds the reset then the update gate;
  ``candidate/kernel`` the candidate. The rows split into ``A`` (the input's) and ``B`` (the state's).
* LSTM: ``rnn_cell.LSTMCell``'s ``kernel`` ``[N + L, 4L]`` holds the gates in the order input ``i``,
  candidate ``j``, forget ``f``, output ``o``, and it adds ``forget_bias`` (1.0) inside the forget sigmoid,
  so the hand-built forget gate gets ``bias_f + forget_bias``.
* Basic cell: ``rnn_cell.BasicRNNCell`` computes ``h_t = tanh([x, h] W + b)``, the *state path* of the
  slides' cell, ``s_t = tanh(x A_v + s B_v)``, which has no bias: the comparison sets ``W = [A_v; B_v]``
  and ``b = 0`` and compares the states. The slides' ReLU output ``relu(x A_u + s B_u)`` has no
  counterpart in TensorFlow and is not compared.
"""
import warnings

import numpy as np

from ..runtime import checks
from ..tf1 import rnn_cell, tf
from .cells import HandBasicCell, HandGRUCell, HandLSTMCell

LSTM_ORDER = ("input", "candidate", "forget", "output")  # rnn_cell.LSTMCell's kernel columns, in blocks of L


def _variables(scope):
    return {v.op.name[len(scope) + 1:]: v for v in tf.global_variables() if v.op.name.startswith(scope + "/")}


def _assign(sess, variables, values):
    sess.run([variables[name].assign(value) for name, value in values.items()])


def _gate_values(prefix, kernel, bias, n):
    """``{prefix/A: kernel[:n], prefix/B: kernel[n:], prefix/bias: bias}``: a ``[x, h]`` kernel split for ``gate``."""
    return {f"{prefix}/A": kernel[:n], f"{prefix}/B": kernel[n:], f"{prefix}/bias": bias}


def gru_values(ref, n, units):
    """The hand GRU's weights from ``rnn_cell.GRUCell``'s (``{name under the cell: value}``)."""
    gk, gb, ck, cb = ref["gates/kernel"], ref["gates/bias"], ref["candidate/kernel"], ref["candidate/bias"]
    values = {}
    for name, kernel, bias in (("reset", gk[:, :units], gb[:units]), ("update", gk[:, units:], gb[units:]),
                               ("candidate", ck, cb)):
        values.update(_gate_values(f"gru_cell/{name}", kernel, bias, n))
    return values


def lstm_values(ref, n, units, forget_bias=1.0):
    """The hand LSTM's weights from ``rnn_cell.LSTMCell``'s: the gate blocks reordered, ``forget_bias`` folded in."""
    values = {}
    for block, name in enumerate(LSTM_ORDER):
        cols = slice(block * units, (block + 1) * units)
        bias = ref["bias"][cols] + (forget_bias if name == "forget" else 0.0)
        values.update(_gate_values(f"lstm_cell/{name}", ref["kernel"][:, cols], bias, n))
    return values


def basic_values(ref, n):
    """``BasicRNNCell``'s kernel ``[A_v; B_v]`` as the slides' cell's state weights (its bias must be zero)."""
    return {"basic_rnn_cell/A_v": ref["kernel"][:n], "basic_rnn_cell/B_v": ref["kernel"][n:]}


_KINDS = {  # name: (hand-built cell, library cell, weights from the library's)
    "gru": (HandGRUCell, rnn_cell.GRUCell, gru_values),
    "lstm": (HandLSTMCell, rnn_cell.LSTMCell, lstm_values),
    "basic": (HandBasicCell, rnn_cell.BasicRNNCell, lambda ref, n, units: basic_values(ref, n)),
}


def _state_tensor(state):
    return state.c if isinstance(state, rnn_cell.LSTMStateTuple) else state


def compare(kind, n=3, units=4, batch=2, steps=5, seed=0):
    """Run the hand-built ``kind`` cell (``"gru"``, ``"lstm"``, ``"basic"``) and TensorFlow's on the same inputs
    with copied weights; return ``{"output": max |difference|, "state": max |difference|}`` over all steps.

    For the basic cell "output" compares the hand cell's *state* sequence with ``BasicRNNCell``'s outputs
    (which are its states) and "state" the final states; the ReLU output is not TensorFlow's and is left out.
    For the LSTM "state" compares the final memory cells ``c``.
    """
    hand_cell, ref_cell, values = _KINDS[checks.choice("kind", kind, tuple(_KINDS))]
    checks.positive(n=n, units=units, batch=batch, steps=steps)
    x = np.random.RandomState(checks.seed(seed)).randn(batch, steps, n).astype(np.float32)
    with tf.Graph().as_default():
        tf.set_random_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the library cells' deprecation notices
            ref = ref_cell(units, name="ref")
            ref_out, ref_state = tf.nn.dynamic_rnn(ref, tf.constant(x), dtype=tf.float32, scope="ref_rnn")
        with tf.variable_scope("mine"):
            mine = hand_cell(units, name="cell")
            mine_out, mine_state = tf.nn.dynamic_rnn(mine, tf.constant(x), dtype=tf.float32, scope="rnn")
        if kind == "basic":  # compare the state path: the state at every step
            mine_out = _states_over_time(mine, x, units)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            ref_vars = _variables("ref_rnn/ref")
            if kind == "basic":
                _assign(sess, ref_vars, {"bias": np.zeros(units, np.float32)})
            ref_values = sess.run(ref_vars)
            _assign(sess, _variables("mine/rnn/cell"), values(ref_values, n, units))
            a, b, sa, sb = sess.run([mine_out, ref_out, _state_tensor(mine_state), _state_tensor(ref_state)])
    return {"output": float(np.abs(a - b).max()), "state": float(np.abs(sa - sb).max())}


def _states_over_time(cell, x, units):
    """The hand basic cell's state after each step ``[batch, steps, units]``, its variables reused."""
    state, states = tf.zeros([x.shape[0], units]), []
    with tf.variable_scope("rnn", reuse=True):
        for t in range(x.shape[1]):
            _, state = cell(tf.constant(x[:, t]), state)
            states.append(state)
    return tf.stack(states, axis=1)
