"""The one place that imports TensorFlow for the whole package.

Everything in r2rt_rnn does ``from r2rt_rnn.tf1 import tf, rnn_cell`` and gets:

* ``tf``: ``tensorflow.compat.v1`` with eager execution switched off, so the posts'
  placeholders, Sessions and Savers work as written in 2016, and with TF 1.x's control flow;
* ``rnn_cell``: ``tf.nn.rnn_cell`` (BasicRNNCell, GRUCell, LSTMCell, MultiRNNCell, ...),
  which only exists with the legacy Keras 2 package (``tf_keras``) switched on;
* ``tf2``: the ``tensorflow`` module itself (its version, ``tf.config``).

Importing it changes only what graph mode needs: those three switches. It leaves the
rest of the process as it was: no warning filters, no logger levels, no other
environment variables, no GPU probe. TensorFlow's start-up lines, deprecation warnings
and log messages are silenced by a call, :func:`r2rt_rnn.quiet` (the command line, the
notebooks and the tests make it); the benchmark asks for the GPUs with
:func:`r2rt_rnn.runtime.machine.gpus`.
"""
import os

import tensorflow as _tf

# tf.nn.rnn_cell lives in the legacy Keras 2 package (tf_keras): TensorFlow picks it over Keras 3 when this is "1"
# at the first touch of rnn_cell below (so it works even if the user imported tensorflow first). Set, not
# defaulted: a user's other value would leave rnn_cell missing.
os.environ["TF_USE_LEGACY_KERAS"] = "1"

tf = _tf.compat.v1
tf2 = _tf

# The posts' placeholders, Sessions and Savers are graph mode's.
if tf.executing_eagerly():
    tf.disable_eager_execution()
# TF 1.x's control flow, as the posts had it: a while loop's invariants (weights, input
# arrays) enter the loop once. TF 2's functional While, lowered in a Session, passes every
# captured tensor through control-flow ops on every iteration; with it, training steps of
# the dynamic_rnn LSTM and LN_LSTM_fast took about 12% longer here.
tf.disable_control_flow_v2()

try:
    rnn_cell = tf.nn.rnn_cell
    rnn_cell.LSTMCell  # noqa: B018 - fails here, not deep inside a graph builder
except AttributeError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "tf.compat.v1.nn.rnn_cell is unavailable: install the legacy Keras package with "
        "`pip install tf_keras` (r2rt_rnn sets TF_USE_LEGACY_KERAS=1 itself)."
    ) from exc

__all__ = ["tf", "tf2", "rnn_cell"]
