"""What the graph builders share beyond the post: validation, seeding, and the extras of their train step.

The post repeats one 30-line builder five times, so that each reads alone; the
builders here do too, each showing the post's steps in the post's order. What they
add (checking the settings first, into the ``config`` entry, a :class:`~r2rt_rnn.graphs.config.GraphConfig`;
a seeded graph; a feedable learning rate; gradient norms and optional clipping) is one call each, defined here.
The pieces at the end (``placeholders``, ``embed``, ``softmax_logits``, ...) serve
the benchmark's peer graphs and the in-graph sampler.
"""
import random

import numpy as np

from ..cell_types import CELL_TYPES
from ..data import bundled_corpus
from ..runtime import checks
from ..runtime.errors import R2RTError
from ..runtime.machine import available_memory
from ..tf1 import rnn_cell, tf
from .config import GraphConfig

DEFAULT_SEED = 2345  # the post's tf.set_random_seed value


def default_num_classes():
    """The post's global ``vocab_size``: the bundled tiny-shakespeare vocabulary (65)."""
    return bundled_corpus().vocab_size


def seed_graph(seed):
    """Seed the current default graph so that building it again gives the same weights.

    ``tf.set_random_seed`` alone is not enough: the legacy Keras cells draw their
    initializers' seeds from Python's ``random`` (and a few paths from numpy's
    global generator), so those are seeded too. Call it before creating any op.
    """
    seed = checks.seed(seed)
    tf.set_random_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def reset_graph(seed=DEFAULT_SEED):
    """Start a fresh, seeded default graph.

    The post seeds inside ``train_network``, after the graph (and every
    initializer) exists, where the seed no longer reaches the initial weights;
    seeding here, before any op is created, makes a build repeatable.
    """
    tf.reset_default_graph()
    if seed is not None:
        seed_graph(seed)


def check_config(caller=None, allowed_cell_types=None, **settings):
    """The builder's :class:`~r2rt_rnn.graphs.config.GraphConfig`: every setting checked, defaults filled in.

    ``num_classes`` None is the bundled corpus's vocabulary size. The config checks each
    setting (the ``cell_type`` one of :data:`~r2rt_rnn.cell_types.CELL_TYPES`, the sizes,
    the learning rate and gradient bound, ``keep_prob`` when building with dropout); here,
    the ``cell_type`` is one of ``allowed_cell_types`` when ``caller``, the builder's name,
    gives them, and training must fit in this machine's memory.
    """
    if settings.get("num_classes") is None:
        settings["num_classes"] = default_num_classes()
    config = GraphConfig(**settings)
    if allowed_cell_types is not None and config["cell_type"] not in allowed_cell_types:
        raise R2RTError(f"{caller} takes cell_type {', '.join(repr(c) for c in allowed_cell_types)}, "
                        f"got {config['cell_type']!r}; use build_graph for the others", params=("cell_type",))
    check_fits_in_memory(config)
    return config


def training_memory(config):
    """Rough bytes to train a graph of ``config``: ``(parameters, bytes)``.

    Parameters: embedding and softmax (``2 * num_classes * state_size``) plus, per
    layer, the cell's ``[2 * state_size, state_size]`` matrices. Training holds four
    float32 copies of each (the weight, its gradient, Adam's two slots) and, for
    backprop, each step's activations (about ``2 * matrices + 4`` vectors of
    ``state_size`` per layer, per example) and the logits. An estimate from below:
    TensorFlow's own overhead comes on top.
    """
    n, v, layers = config["state_size"], config["num_classes"], config.get("num_layers", 1)
    matrices = CELL_TYPES[config.get("cell_type")].weight_matrices(config.get("num_weights_for_custom_cell", 5))
    params = 2 * v * n + v + layers * matrices * (2 * n * n + n)
    positions = config["batch_size"] * config["num_steps"]
    activations = positions * (layers * (2 * matrices + 4) * n + 3 * v)
    return params, 4 * (4 * params + activations)


def check_fits_in_memory(config):
    """Refuse, before anything is built, a model whose training cannot fit in this machine's free memory."""
    available = available_memory()
    params, needed = training_memory(config)
    if available is not None and needed > available:
        gib = 2**30
        raise R2RTError(
            f"this model needs about {needed / gib:,.1f} GiB to train ({params:,} parameters, each kept with its "
            f"gradient and Adam's two slots, plus activations) but only {available / gib:,.1f} GiB of memory is free; "
            "use a smaller state_size, num_layers, batch_size or num_steps "
            "(--state-size, --num-layers, --batch-size, --num-steps)")


def feedable_learning_rate(learning_rate):
    """Beyond the post: the learning rate as a ``learning_rate`` placeholder defaulting to ``learning_rate``.

    A schedule can feed another rate without rebuilding the graph; unfed, it is the post's constant.
    """
    return tf.placeholder_with_default(float(learning_rate), [], name="learning_rate")


def _gradients(optimizer, loss, *args, **kwargs):
    """``optimizer``'s ``(gradient, variable)`` pairs for ``loss``, those without a gradient left out; R2RTError when
    none is left (the graph has nothing to train)."""
    try:
        pairs = optimizer.compute_gradients(loss, *args, **kwargs)
    except ValueError as exc:  # TensorFlow's words when the graph holds no trainable variable at all
        if "No variables to optimize" not in str(exc):
            raise
        pairs = []
    pairs = [(grad, var) for grad, var in pairs if grad is not None]
    if not pairs:
        raise R2RTError("the graph has nothing to train: no trainable variable has a gradient with respect to the "
                        "loss; make the loss depend on at least one trainable variable")
    return pairs


class GradientNorms(tf.train.Optimizer):
    """Beyond the post: ``optimizer``, measuring the gradients' global norm and clipping them if asked.

    ``GradientNorms(tf.train.AdamOptimizer(rate), config).minimize(loss)`` is the post's
    ``tf.train.AdamOptimizer(rate).minimize(loss)`` (``minimize`` computes the gradients,
    then applies them, as every TF1 optimizer's does), with two things in between:
    ``grad_norm`` records the gradients' global norm and, with ``config["max_grad_norm"]``
    (None: as the post), the gradients are clipped to that global norm;
    ``applied_grad_norm`` records the norm of the gradients applied.
    """

    def __init__(self, optimizer, config):
        super().__init__(use_locking=False, name=optimizer.get_name())
        self._optimizer = optimizer
        self._max_grad_norm = config.get("max_grad_norm")
        self.grad_norm = self.applied_grad_norm = None

    def compute_gradients(self, loss, *args, **kwargs):
        grads, variables = zip(*_gradients(self._optimizer, loss, *args, **kwargs))
        self.grad_norm = tf.linalg.global_norm(grads)
        if self._max_grad_norm:
            grads, _ = tf.clip_by_global_norm(grads, self._max_grad_norm, use_norm=self.grad_norm)
        return list(zip(grads, variables))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        train_step = self._optimizer.apply_gradients(grads_and_vars, global_step=global_step, name=name)
        self.applied_grad_norm = tf.linalg.global_norm([grad for grad, _ in grads_and_vars])
        return train_step


def beyond_the_post(config, learning_rate, optimizer, keep_prob=None, **extra):
    """The entries a builder's dict has beyond the post's.

    ``config`` (how the graph was built, saved beside every checkpoint), ``learning_rate``
    (the placeholder from :func:`feedable_learning_rate`), ``grad_norm`` and
    ``applied_grad_norm`` (from :class:`GradientNorms`), and any ``extra`` entries. With
    ``keep_prob`` (the dropout placeholder): ``keep_prob`` and ``train_feed``, what
    training feeds, ``{keep_prob: config["keep_prob"]}`` when built with dropout, else ``{}``.
    """
    entries = dict(config=config, learning_rate=learning_rate, grad_norm=optimizer.grad_norm,
                   applied_grad_norm=optimizer.applied_grad_norm, **extra)
    if keep_prob is not None:
        entries["keep_prob"] = keep_prob
        entries["train_feed"] = {keep_prob: config["keep_prob"]} if config.get("build_with_dropout") else {}
    return entries


def placeholders(batch_size, num_steps):
    """``x`` and ``y``: int32 placeholders of shape ``[batch_size, num_steps]`` (character ids)."""
    x = tf.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
    y = tf.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
    return x, y


def embed(x, num_classes, state_size):
    """Look up a learned ``[num_classes, state_size]`` embedding: ``[batch, steps] -> [batch, steps, state_size]``."""
    embeddings = tf.get_variable("embedding_matrix", [num_classes, state_size])
    return tf.nn.embedding_lookup(embeddings, x)


def stack(make_cell, num_layers):
    """A MultiRNNCell of ``num_layers`` *distinct* cells.

    The post's ``MultiRNNCell([cell] * num_layers)`` now silently shares one set of
    weights across all layers; calling ``make_cell`` once per layer gives each
    layer its own.
    """
    return rnn_cell.MultiRNNCell([make_cell() for _ in range(num_layers)], state_is_tuple=True)


def softmax_logits(outputs, state_size, num_classes):
    """Project ``[n, state_size]`` RNN outputs to ``[n, num_classes]`` logits (variables ``softmax/W``, ``/b``)."""
    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [state_size, num_classes])
        b = tf.get_variable("b", [num_classes], initializer=tf.constant_initializer(0.0))
    if isinstance(outputs, (list, tuple)):
        return [tf.matmul(o, W) + b for o in outputs]
    return tf.matmul(outputs, W) + b


def sequence_loss_by_example(logits, targets, weights, average_across_timesteps=True):
    """Replacement for the removed ``tf.nn.seq2seq.sequence_loss_by_example``.

    ``logits``: list of ``num_steps`` tensors ``[batch, num_classes]``; ``targets``
    and ``weights``: lists of ``num_steps`` tensors ``[batch]``. Returns ``[batch]``:
    each example's weighted cross-entropy summed over time (divided by the total
    weight when ``average_across_timesteps``).
    """
    if not len(logits) == len(targets) == len(weights):
        raise R2RTError(
            "logits, targets and weights must be lists of one length, "
            f"got {len(logits)}, {len(targets)}, {len(weights)}"
        )
    per_step = [
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=logit) * weight
        for logit, target, weight in zip(logits, targets, weights)
    ]
    total = tf.add_n(per_step)
    if average_across_timesteps:
        total /= tf.add_n(weights) + 1e-12
    return total


def mean_loss(logits, labels):
    """Mean cross-entropy of ``[n, num_classes]`` logits against ``[n]`` integer labels."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


def finish(config, x, y, init_state, final_state, total_loss, **extra):
    """The post's Adam ``train_step`` and returned dict, with this package's extras (see :func:`beyond_the_post`).

    For graphs that are not the post's listings (the benchmark's peers); the builders write these lines out.
    """
    learning_rate = feedable_learning_rate(config["learning_rate"])
    optimizer = GradientNorms(tf.train.AdamOptimizer(learning_rate), config)
    train_step = optimizer.minimize(total_loss)
    return dict(x=x, y=y, init_state=init_state, final_state=final_state, total_loss=total_loss,
                train_step=train_step, **beyond_the_post(config, learning_rate, optimizer, **extra))
