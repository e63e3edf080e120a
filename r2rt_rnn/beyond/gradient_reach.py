"""How far back a gradient reaches: the vanishing gradient, measured on ``build_graph``'s models.

For a graph of ``num_steps`` = T steps, the loss at the *last* step alone (the
cross-entropy of the prediction made after reading the whole window) is
differentiated with ``tf.gradients`` with respect to the embedded input of every
step. ``reach[k]`` is the norm of that gradient for the input ``k`` steps before
the last one (``k = 0 .. T-1``), averaged over the batch: how much the last
prediction can still learn from a character ``k`` steps back. A basic RNN's
reach shrinks about geometrically with ``k`` (the vanishing gradient); gated cells
(GRU, LSTM) can keep it, when their gates stay open.

``measure`` builds a model with ``build_graph``, measures the reach at
initialisation, trains it briefly (``run_batches``, Adam, the state carried
between batches) and measures it again on the same held-out windows, each
starting from the state the window before left (as in training).
"""
from itertools import islice

import numpy as np

from ..data import ptb_iterator
from ..graphs.common import DEFAULT_SEED
from ..model import build_graph
from ..runtime import checks
from ..tf1 import tf
from ..train import run_batches


def inputs_of(graph):
    """The embedded inputs ``[batch, num_steps, state_size]`` of a ``build_graph`` graph (its embedding lookup)."""
    names = {op.name for op in graph.get_operations()}
    name = "embedding_lookup/Identity" if "embedding_lookup/Identity" in names else "embedding_lookup"
    return graph.get_tensor_by_name(name + ":0")


def reach_tensor(g):
    """A ``[num_steps]`` tensor: entry ``k`` is the batch-mean norm of d(last step's loss)/d(input k steps back)."""
    config = g["config"]
    logits = tf.reshape(g["logits"], [config["batch_size"], config["num_steps"], -1])[:, -1]
    last_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=g["y"][:, -1], logits=logits))
    grad = tf.gradients(last_loss, inputs_of(tf.get_default_graph()))[0]
    return tf.reduce_mean(tf.norm(grad, axis=2), axis=0)[::-1]  # index 0: the last step; T-1: the first


def measure_one(cell_type, train, probe, num_steps=50, train_steps=100, learning_rate=3e-3, num_layers=3,
                state_size=100, batch_size=32, seed=DEFAULT_SEED):
    """``{"init": reach, "trained": reach, "losses": [first, last]}`` for one cell type (None: the basic RNN).

    ``train``, ``probe``: id arrays; training takes ``train_steps`` Adam updates (gradients clipped at 5)
    over the first windows of ``train``; both reaches are averaged over the second batch of ``probe``, whose
    initial state is the first batch's final state (:func:`reach_on`).
    """
    checks.positive(num_steps=num_steps, train_steps=train_steps, batch_size=batch_size)
    checks.length(train, batch_size, num_steps)
    checks.length(probe, batch_size, num_steps)
    g = build_graph(cell_type=cell_type, num_steps=num_steps, num_layers=num_layers, state_size=state_size,
                    batch_size=batch_size, learning_rate=learning_rate, max_grad_norm=5.0, seed=seed)
    reach = reach_tensor(g)
    probes = list(islice(ptb_iterator(probe, batch_size, num_steps), 2))
    batches = list(islice(ptb_iterator(train, batch_size, num_steps), train_steps))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        init = reach_on(sess, g, reach, probes)
        first = run_batches(sess, g, batches[:1], False)
        run_batches(sess, g, batches, True)
        last = run_batches(sess, g, batches[-1:], False)
        trained = reach_on(sess, g, reach, probes)
    return {"init": init, "trained": trained, "losses": [first, last], "updates": len(batches)}


def reach_on(sess, g, reach, batches):
    """``reach`` on the last of ``batches``, its initial state carried from the ones before (as in training).

    With one batch the state starts at zero, and the first step's input writes into an empty state: its
    gradient is unlike the others' (for a layer-normalised cell, many times larger).
    """
    state = None
    for x, y in batches:
        feed = {g["x"]: x, g["y"]: y, **({g["init_state"]: state} if state is not None else {})}
        values, state = sess.run([reach, g["final_state"]], feed)
    return values


def measure(cell_types, train, probe, **settings):
    """``{label: measure_one(...)}`` for each cell type; the label of None is ``"RNN"``."""
    return {cell_type or "RNN": measure_one(cell_type, train, probe, **settings) for cell_type in cell_types}


def decay_per_step(reach, start=1, stop=None):
    """The average factor by which ``reach`` shrinks per step back, between ``start`` and ``stop`` (a geometric fit)."""
    values = np.asarray(reach[start:stop], dtype=float)
    checks.integer("the number of values between start and stop", len(values), minimum=2)
    slope = np.polyfit(np.arange(len(values)), np.log(np.maximum(values, 1e-30)), 1)[0]
    return float(np.exp(slope))
