"""Many-to-many: a byte-level language model that feeds its state back to generate text.

Every input byte gets an output: the distribution of the next byte. Training runs
``seq_length`` steps at a time and carries the final state of one batch into the
next (the rows of :func:`r2rt_rnn.data.ptb_iterator` continue each other).
Generation feeds one byte and the previous state, samples the next byte, and
repeats; the sampler only ever draws printable characters.

The slides' ``initial_state`` placeholder of shape ``[N_LAYERS, batch, STATE_DIM]``
is kept: it is unstacked into one state per GRU layer, so the whole state goes
in and comes out as a single array.
"""
import string
import time

import numpy as np

from ..data import ptb_iterator
from ..graphs.common import seed_graph
from ..runtime import checks
from ..runtime.errors import R2RTError
from ..runtime.loop import Loop
from ..runtime.parts import Every, ProgressBar
from ..tf1 import tf
from .cells import multi_layer_rnn, project
from .common import E_DIM, text_to_bytes

SEQ_LENGTH = 256  # the slides' values; the defaults of the functions below are CPU-sized
STATE_DIM = 512
N_LAYERS = 3
PRINTABLE = np.array([c in string.printable for c in map(chr, range(E_DIM))])  # [E_DIM] bool mask


def build_many_to_many_graph(e_dim=E_DIM, state_dim=STATE_DIM, n_layers=N_LAYERS, learning_rate=2e-3, clip=5.0):
    """Build the language model in the current default graph; return its tensors as a dict.

    Keys: ``x``, ``y`` uint8 placeholders ``[batch, time]`` (any time length, so the same graph
    trains on windows and generates one byte at a time), ``initial_state`` float32 placeholder
    ``[n_layers, batch, state_dim]``, ``final_state`` (same shape), ``logits``
    ``[batch * time, e_dim]``, ``probabilities`` (softmax of the logits), ``loss``, ``train_step``.
    """
    checks.positive(e_dim=e_dim, state_dim=state_dim, n_layers=n_layers)
    x = tf.placeholder(tf.uint8, [None, None], name="x")
    y = tf.placeholder(tf.uint8, [None, None], name="y")
    initial_state = tf.placeholder(tf.float32, [n_layers, None, state_dim], name="initial_state")
    inputs = tf.one_hot(x, depth=e_dim, dtype=tf.float32)  # [batch, time, e_dim]
    cell = multi_layer_rnn(n_layers, state_dim, "gru")  # GRU: a layer's state is one [batch, state_dim] tensor
    state_tuple = tuple(tf.unstack(initial_state, axis=0))
    output, state = tf.nn.dynamic_rnn(cell, inputs, initial_state=state_tuple)
    logits = project(tf.reshape(output, [-1, state_dim]), e_dim, "project")  # [batch * time, e_dim]
    labels = tf.reshape(tf.cast(y, tf.int32), [-1])
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    optimizer = tf.train.AdamOptimizer(learning_rate)
    grads, variables = zip(*optimizer.compute_gradients(loss))
    grads, _ = tf.clip_by_global_norm(grads, clip)  # long unrolls make exploding gradients likely
    train_step = optimizer.apply_gradients(zip(grads, variables))
    return dict(x=x, y=y, initial_state=initial_state, final_state=tf.stack(state), logits=logits,
                probabilities=tf.nn.softmax(logits), loss=loss, train_step=train_step,
                n_layers=n_layers, state_dim=state_dim, e_dim=e_dim)


def zero_state(g, batch_size):
    """A numpy zero state ``[n_layers, batch_size, state_dim]`` for graph ``g``."""
    return np.zeros([g["n_layers"], batch_size, g["state_dim"]], dtype=np.float32)


def generate_text(sess, g, length, start="_", rng=None, temperature=1.0):
    """Sample ``length`` printable characters from the model, feeding each one back with the state.

    The slides replaced a non-printable draw by ``'_'``; here the probabilities of
    non-printable bytes are zeroed and the rest renormalised before drawing, so the
    text keeps the model's own choice among printable characters.

    Args:
        start: a string of printable ASCII fed first to warm up the state (the slides used ``'_'``).
    Returns:
        ``str`` of ``length`` characters, all in :data:`string.printable`.
    """
    checks.positive(length=length)
    if not start or any(c not in string.printable for c in start):
        raise R2RTError(f"start must be a non-empty string of printable ASCII characters, got {start!r}")
    checks.real("temperature", temperature)
    rng = rng or np.random.RandomState(0)
    mask = PRINTABLE[: g["e_dim"]]
    state = zero_state(g, 1)
    feed = text_to_bytes(start)[None, :]  # [1, len(start)]
    out = []
    while len(out) < length:
        probs, state = sess.run([g["probabilities"], g["final_state"]],
                                {g["x"]: feed, g["initial_state"]: state})
        p = probs[-1].astype(np.float64) ** (1.0 / temperature) * mask
        p /= p.sum()
        nxt = rng.choice(len(p), p=p)
        out.append(chr(nxt))
        feed = np.array([[nxt]], dtype=np.uint8)
    return "".join(out)


def held_out_loss(sess, g, ids, batch_size, seq_length):
    """Mean next-byte cross-entropy (nats) of the model on ``ids``, read as training reads (state carried)."""
    state, total, count = zero_state(g, batch_size), 0.0, 0
    for x, y in ptb_iterator(ids, batch_size, seq_length):
        loss, state = sess.run([g["loss"], g["final_state"]], {g["x"]: x, g["y"]: y, g["initial_state"]: state})
        total, count = total + float(loss), count + 1
    return total / count


def train_many_to_many(text, steps=300, batch_size=32, seq_length=64, state_dim=128, n_layers=2,
                       learning_rate=2e-3, sample_length=200, seed=0, log_every=50, progress=False,
                       valid_text=None, eval_every=0):
    """Train the byte-level model on ``text`` for ``steps`` batches, then sample from it.

    The final state of each batch is the initial state of the next; at the end of the
    text the state is reset to zeros and a new pass begins. With ``valid_text``, the
    held-out loss (:func:`held_out_loss`) is measured every ``eval_every`` steps (0: at
    the end only) and at the end.

    Returns a dict: ``losses`` (one per step), ``valid_losses`` (``[step, loss]`` pairs,
    empty without ``valid_text``), ``seconds`` (training alone) and ``sample``
    (``sample_length`` printable characters).
    """
    checks.positive(steps=steps, batch_size=batch_size, seq_length=seq_length, sample_length=sample_length)
    ids = text_to_bytes(text)
    _check_text(ids, batch_size, seq_length, "text")
    valid_ids = None if valid_text is None else text_to_bytes(valid_text)
    if valid_ids is not None:
        _check_text(valid_ids, batch_size, seq_length, "valid_text")
    graph = tf.Graph()
    with graph.as_default():
        seed_graph(seed)
        g = build_many_to_many_graph(state_dim=state_dim, n_layers=n_layers, learning_rate=learning_rate)
        seconds = 0.0
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            held_out = Every(eval_every, lambda: held_out_loss(sess, g, valid_ids, batch_size, seq_length),
                             "held-out loss") if valid_ids is not None else None
            parts = [held_out, ProgressBar(label="many-to-many", enabled=progress, unit="step", window=log_every or 50,
                                           log_every=log_every)]
            with Loop(sess, max_steps=steps, parts=parts, label="pass") as loop:
                for _ in loop.epochs():
                    state = zero_state(g, batch_size)  # a new pass over the text starts from scratch
                    for x, y in loop.batches(ptb_iterator(ids, batch_size, seq_length)):
                        t = time.perf_counter()
                        loss, state, _ = sess.run([g["loss"], g["final_state"], g["train_step"]],
                                                  {g["x"]: x, g["y"]: y, g["initial_state"]: state})
                        seconds += time.perf_counter() - t
                        loop.step(loss)
                    loop.end_epoch()
                sample = generate_text(sess, g, sample_length, rng=np.random.RandomState(seed))
    valid_losses = [list(e) for e in loop.history.evals.get("held-out loss", [])]
    return dict(losses=loop.step_losses, valid_losses=valid_losses, seconds=seconds, sample=sample)


def _check_text(ids, batch_size, seq_length, name):
    checks.length(ids, batch_size, seq_length, name)
