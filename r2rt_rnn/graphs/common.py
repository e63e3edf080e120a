"""The pieces every graph builder shares: inputs, embedding, stacked cells, softmax, loss.

The post repeats one 30-line builder five times; here each builder composes these
pieces and differs only in how it unrolls the RNN (``static``, ``dynamic``, ``scan``).
"""
import random

import numpy as np

from ..data import bundled_corpus, check_positive
from ..errors import R2RTError
from ..machine import available_memory
from ..tf1 import rnn_cell, tf

DEFAULT_SEED = 2345  # the post's tf.set_random_seed value


def default_num_classes():
    """The post's global ``vocab_size``: the bundled tiny-shakespeare vocabulary (65)."""
    return bundled_corpus().vocab_size


MAX_SEED = 2**31 - 1
FLOAT32_MAX = float(np.finfo(np.float32).max)  # the graphs hold rates and norms in float32


def check_seed(seed, name="seed"):
    """Raise R2RTError unless ``seed`` is an integer in [0, 2**31 - 1] (what TF, numpy and random all take)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise R2RTError(f"{name} must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)


def seed_graph(seed):
    """Seed the current default graph so that building it again gives the same weights.

    ``tf.set_random_seed`` alone is not enough: the legacy Keras cells draw their
    initializers' seeds from Python's ``random`` (and a few paths from numpy's
    global generator), so those are seeded too. Call it before creating any op.
    """
    seed = check_seed(seed)
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


def check_config(**config):
    """Validate the sizes every builder takes; returns the config with defaults filled in."""
    if config.get("num_classes") is None:
        config["num_classes"] = default_num_classes()
    names = ("state_size", "num_classes", "batch_size", "num_steps", "num_layers")
    sizes = {k: config[k] for k in names if k in config}
    check_positive(**sizes)
    for name in ("learning_rate", "max_grad_norm"):
        value = config.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not 0 < value <= FLOAT32_MAX):
            raise R2RTError(f"{name} must be a positive finite number (at most float32's 3.4e38), got {value!r}")
    check_fits_in_memory(config)
    return config


# weight matrices [2 * state_size, state_size] per layer, by cell type (a Custom cell adds num_weights input maps)
_MATRICES_PER_LAYER = {None: 1, "GRU": 3, "post_GRU": 3, "LN_GRU": 3, "LSTM": 4, "LN_LSTM": 4, "LN_LSTM_fast": 4}


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
    matrices = _MATRICES_PER_LAYER.get(config.get("cell_type"), 3 + config.get("num_weights_for_custom_cell", 5))
    params = 2 * v * n + v + layers * matrices * (2 * n * n + n)
    positions = config["batch_size"] * config["num_steps"]
    activations = positions * (layers * (2 * matrices + 4) * n + 3 * v)
    return params, 4 * (4 * params + activations)


def check_fits_in_memory(config):
    """Refuse, before anything is built, a model whose training cannot fit in this machine's free memory."""
    if not all(isinstance(config.get(k), int) for k in ("state_size", "num_classes", "batch_size", "num_steps")):
        return
    available = available_memory()
    params, needed = training_memory(config)
    if available is not None and needed > available:
        gib = 2**30
        raise R2RTError(
            f"this model needs about {needed / gib:,.1f} GiB to train ({params:,} parameters, each kept with its "
            f"gradient and Adam's two slots, plus activations) but only {available / gib:,.1f} GiB of memory is free; "
            "use a smaller state_size, num_layers, batch_size or num_steps "
            "(--state-size, --num-layers, --batch-size, --num-steps)")


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


def lstm_graph_inputs(builder, state_size, num_classes, batch_size, num_steps, num_layers, learning_rate, seed):
    """What the post's three multi-layer LSTM graphs share, up to the unrolling.

    Validates the sizes, starts a fresh seeded graph, and returns ``(config, x, y,
    rnn_inputs, cell, init_state)``: placeholders ``[batch_size, num_steps]``, embedded
    inputs ``[batch_size, num_steps, state_size]``, a ``num_layers`` LSTM stack and its zero state.
    """
    config = check_config(builder=builder, cell_type="LSTM", state_size=state_size, num_classes=num_classes,
                          batch_size=batch_size, num_steps=num_steps, num_layers=num_layers,
                          learning_rate=learning_rate)
    reset_graph(seed)
    x, y = placeholders(batch_size, num_steps)
    rnn_inputs = embed(x, config["num_classes"], state_size)
    cell = stack(lambda: rnn_cell.LSTMCell(state_size, state_is_tuple=True), num_layers)
    return config, x, y, rnn_inputs, cell, cell.zero_state(batch_size, tf.float32)


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
    """Add the Adam ``train_step`` and return the post's dict (plus ``config`` and any extras).

    The learning rate is a ``learning_rate`` placeholder defaulting to the
    config's value, so a schedule can feed another rate without rebuilding; with
    ``config["max_grad_norm"]`` the gradients are clipped by their global norm
    first. ``grad_norm`` is the global gradient norm before clipping, ``applied_grad_norm`` after it.
    """
    learning_rate = tf.placeholder_with_default(float(config["learning_rate"]), [], name="learning_rate")
    optimizer = tf.train.AdamOptimizer(learning_rate)
    grads_and_vars = [(grad, var) for grad, var in optimizer.compute_gradients(total_loss) if grad is not None]
    grads, variables = zip(*grads_and_vars)
    grad_norm = tf.linalg.global_norm(grads)
    if config.get("max_grad_norm"):
        grads, _ = tf.clip_by_global_norm(grads, config["max_grad_norm"], use_norm=grad_norm)
    train_step = optimizer.apply_gradients(zip(grads, variables))
    return dict(
        x=x, y=y, init_state=init_state, final_state=final_state,
        total_loss=total_loss, train_step=train_step, config=config, learning_rate=learning_rate,
        grad_norm=grad_norm, applied_grad_norm=tf.linalg.global_norm(grads), **extra,
    )
