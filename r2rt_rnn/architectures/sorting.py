"""Many-to-one-to-many: an encoder-decoder RNN that learns to sort sequences of numbers.

The encoder reads ``seq_length`` numbers (one-hot, ``num_values`` columns) and its
final state is the whole sequence squeezed into a fixed-size vector. The decoder
starts from that state and runs ``seq_length`` steps on all-zero inputs (as in the
slides: it gets no hint but the state), and each step's output is projected to
``num_values`` logits for the number at that position of the sorted sequence.
"""
import time

import numpy as np

from ..graphs.common import seed_graph
from ..runtime import checks
from ..runtime.errors import R2RTError
from ..tf1 import tf
from .cells import multi_layer_rnn, project
from .common import check_2d, minibatches, train_on_minibatches

SEQ_LENGTH = 256  # the slides' values; the defaults below are sized for a CPU
E_DIM = 128
STATE_DIM = 512
N_LAYERS = 4
OPTIMIZERS = ("adam", "momentum", "sgd")  # what build_sorting_graph's ``optimizer`` takes


def check_sequences(x, seq_length, num_values):
    """Return ``x`` as int32 ``[n, seq_length]``; R2RTError for a wrong shape or a value outside ``[0, num_values)``."""
    x = check_2d(x, seq_length, "sequences")
    if not np.issubdtype(x.dtype, np.integer):
        raise R2RTError(f"sequences must hold integers, got dtype {x.dtype}")
    bad = (x < 0) | (x >= num_values)
    if bad.any():
        raise R2RTError(f"sequence value {x[bad][0]} is out of range; values must be integers in [0, {num_values})")
    return x.astype(np.int32)


def make_sorting_data(n, seq_length, num_values, seed=0):
    """``n`` random sequences and their sorted versions: ``(x, y)``, both int32 ``[n, seq_length]``."""
    checks.positive(n=n, seq_length=seq_length)
    checks.integer("num_values", num_values, 2, what="an integer, at least 2 for sorting to mean anything")
    x = np.random.RandomState(seed).randint(0, num_values, size=(n, seq_length)).astype(np.int32)
    return x, np.sort(x, axis=1)


def build_sorting_graph(seq_length=SEQ_LENGTH, num_values=E_DIM, state_dim=STATE_DIM, n_layers=N_LAYERS,
                        learning_rate=1e-3, cell="gru", clip=5.0, optimizer="adam", epsilon=1e-8):
    """Build the sorter in the current default graph; return its tensors as a dict.

    Keys: ``x`` int32 placeholder ``[batch, seq_length]`` (the numbers), ``y`` int32
    placeholder ``[batch, seq_length]`` (the same numbers sorted), ``encoder_state`` (a tuple
    of ``n_layers`` ``[batch, state_dim]`` tensors), ``logits`` ``[batch, seq_length, num_values]``,
    ``prediction`` int32 ``[batch, seq_length]``, ``loss``, ``position_accuracy`` (fraction of
    correct numbers), ``sequence_accuracy`` (fraction of sequences entirely correct), ``train_step``.
    ``optimizer`` and ``epsilon``: see :func:`make_optimizer`.
    """
    checks.positive(seq_length=seq_length, num_values=num_values, state_dim=state_dim, n_layers=n_layers)
    x = tf.placeholder(tf.int32, [None, seq_length], name="x")
    y = tf.placeholder(tf.int32, [None, seq_length], name="y")
    inputs = tf.one_hot(x, depth=num_values, dtype=tf.float32)  # [batch, seq_length, num_values]
    with tf.variable_scope("encoder"):
        _, encoder_state = tf.nn.dynamic_rnn(multi_layer_rnn(n_layers, state_dim, cell), inputs, dtype=tf.float32)
    with tf.variable_scope("decoder"):
        # The decoder's only information is the encoder's state; its inputs are zeros [batch, seq_length, 1].
        zeros = tf.zeros_like(inputs[:, :, :1])
        decoded, _ = tf.nn.dynamic_rnn(multi_layer_rnn(n_layers, state_dim, cell), zeros, initial_state=encoder_state)
    logits = tf.reshape(project(tf.reshape(decoded, [-1, state_dim]), num_values, "project"),
                        [-1, seq_length, num_values])
    prediction = tf.cast(tf.argmax(logits, -1), tf.int32)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    correct = tf.cast(tf.equal(prediction, y), tf.float32)  # [batch, seq_length]
    optimizer = make_optimizer(optimizer, learning_rate, epsilon)
    grads, variables = zip(*optimizer.compute_gradients(loss))
    if clip is None:
        grad_norm = tf.linalg.global_norm(grads)
    else:
        grads, grad_norm = tf.clip_by_global_norm(grads, clip)
    return dict(x=x, y=y, encoder_state=encoder_state, logits=logits, prediction=prediction, loss=loss,
                position_accuracy=tf.reduce_mean(correct),
                sequence_accuracy=tf.reduce_mean(tf.reduce_min(correct, axis=1)), grad_norm=grad_norm,
                train_step=optimizer.apply_gradients(zip(grads, variables)),
                seq_length=seq_length, num_values=num_values)


def make_optimizer(name, learning_rate, epsilon=1e-8):
    """``"adam"`` (``epsilon`` is Adam's, TensorFlow's default 1e-8), ``"momentum"`` (0.9) or plain ``"sgd"``."""
    name = checks.choice("optimizer", name, OPTIMIZERS)
    learning_rate = checks.real("learning_rate", learning_rate)
    if name == "adam":
        return tf.train.AdamOptimizer(learning_rate, epsilon=checks.real("epsilon", epsilon))
    if name == "momentum":
        return tf.train.MomentumOptimizer(learning_rate, momentum=0.9)
    return tf.train.GradientDescentOptimizer(learning_rate)


def sort_sequences(sess, g, sequences):
    """The model's sorted version of ``sequences`` ``[n, seq_length]``: int32 ``[n, seq_length]``.

    The input is checked first, so a wrong length or an out-of-range number is an
    R2RTError rather than a silent all-zero one-hot row.
    """
    x = check_sequences(sequences, g["seq_length"], g["num_values"])
    return sess.run(g["prediction"], {g["x"]: x})


def positional_baseline(y_train, y_test, num_values):
    """Per-position accuracy of always answering each position's most common training value.

    Sorted sequences are far from uniform at each position (position 0 is usually
    small), so this is a fairer bar than the ``1 / num_values`` of pure chance.
    """
    guess = np.array([np.bincount(col, minlength=num_values).argmax() for col in np.asarray(y_train).T])
    return float(np.mean(np.asarray(y_test) == guess[None, :]))


def train_sorter(seq_length=5, num_values=10, n_train=20000, n_test=1000, steps=1000, batch_size=64,
                 state_dim=64, n_layers=1, learning_rate=3e-3, seed=0, log_every=100, progress=False, cell="gru",
                 clip=5.0, optimizer="adam", epsilon=1e-8):
    """Train the sorter on random sequences and score it on different, held-out ones.

    Returns a dict: ``losses`` and ``grad_norms`` (per step; the norm before clipping),
    ``position_accuracy`` and ``sequence_accuracy`` on the test sequences, ``chance``
    (``1 / num_values``), ``positional_baseline``, a few ``examples`` (input, prediction) pairs
    and ``seconds`` (training only). ``cell``, ``clip``, ``optimizer``, ``epsilon``: see
    :func:`build_sorting_graph`.
    """
    checks.positive(steps=steps, batch_size=batch_size, n_test=n_test)
    x_train, y_train = make_sorting_data(n_train, seq_length, num_values, seed)
    x_test, y_test = make_sorting_data(n_test, seq_length, num_values, seed + 1)
    graph = tf.Graph()
    with graph.as_default():
        seed_graph(seed)
        g = build_sorting_graph(seq_length, num_values, state_dim, n_layers, learning_rate, cell, clip, optimizer,
                                epsilon)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            batches = minibatches(n_train, batch_size, steps, np.random.RandomState(seed))
            start = time.perf_counter()
            history = train_on_minibatches(sess, g, x_train, y_train, batches, steps, "sorter", progress, log_every)
            seconds = time.perf_counter() - start
            pos, seq = sess.run([g["position_accuracy"], g["sequence_accuracy"]], {g["x"]: x_test, g["y"]: y_test})
            examples = list(zip(x_test[:5].tolist(), sort_sequences(sess, g, x_test[:5]).tolist()))
    return dict(**history, seconds=seconds, position_accuracy=float(pos), sequence_accuracy=float(seq),
                chance=1.0 / num_values, positional_baseline=positional_baseline(y_train, y_test, num_values),
                examples=examples)
