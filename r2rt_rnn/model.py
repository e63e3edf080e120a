"""``build_graph``: the post's final model factory, every cell type behind one function.

Compared with the post: one cell per layer (no silent weight sharing), a dropout
keep probability that training can actually set (the post's could never be
changed), and a ``config`` entry recording how the graph was built, which is saved
beside every checkpoint. The cell types, and what each builds, are the table in
:mod:`r2rt_rnn.cell_types`.
"""
from .cell_types import CELL_TYPES
from .graphs import common
from .tf1 import rnn_cell, tf

__all__ = ["CELL_TYPES", "build_graph", "build_multilayer_graph_with_custom_cell"]


def build_graph(cell_type=None, num_weights_for_custom_cell=5, state_size=100, num_classes=None, batch_size=32,
                num_steps=200, num_layers=3, build_with_dropout=False, learning_rate=1e-4, keep_prob=0.9,
                seed=common.DEFAULT_SEED, max_grad_norm=None):
    """Build the post's final character model and return its dict.

    Keys: ``x``, ``y`` (``[batch_size, num_steps]`` int32), ``init_state`` /
    ``final_state`` (one entry per layer; ``LSTMStateTuple(c, h)`` for LSTM cells,
    else ``[batch_size, state_size]``), ``total_loss``, ``train_step``, ``preds``
    (``[batch_size * num_steps, num_classes]`` softmax), ``saver``, plus
    ``keep_prob`` (a placeholder defaulting to 1.0), ``train_feed`` (what training
    feeds: ``{keep_prob: keep_prob}`` when built with dropout), ``logits``,
    ``learning_rate``, ``grad_norm``, ``applied_grad_norm`` and ``config``.

    ``cell_type``: None (basic RNN), 'GRU', 'LSTM', 'LN_LSTM', 'Custom', 'LN_GRU',
    'post_GRU', or 'LN_LSTM_fast' (the LN_LSTM model, computed faster): the keys of
    :data:`r2rt_rnn.cell_types.CELL_TYPES`, which says which class each builds.
    ``num_classes`` defaults to the bundled corpus's vocabulary size.
    Beyond the post: ``max_grad_norm`` clips the gradients by their global norm
    (None, the default, leaves them as the post did).
    """
    config = common.check_config(builder="build_graph", cell_type=cell_type,
                                 num_weights_for_custom_cell=num_weights_for_custom_cell, state_size=state_size,
                                 num_classes=num_classes, batch_size=batch_size, num_steps=num_steps,
                                 num_layers=num_layers, build_with_dropout=build_with_dropout,
                                 learning_rate=learning_rate, keep_prob=keep_prob, max_grad_norm=max_grad_norm)
    num_classes = config["num_classes"]
    common.reset_graph(seed)

    x = tf.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
    y = tf.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
    # The keep probability: 1.0 unless fed, so evaluation and generation never need to switch dropout off.
    dropout = tf.placeholder_with_default(1.0, [], name="keep_prob")
    embeddings = tf.get_variable("embedding_matrix", [num_classes, state_size])
    rnn_inputs = tf.nn.embedding_lookup(embeddings, x)  # [batch_size, num_steps, state_size]

    def make_cell():  # one layer's cell, of the class the table in r2rt_rnn/cell_types.py gives cell_type
        cell = CELL_TYPES[cell_type].make(state_size, num_weights_for_custom_cell)
        if build_with_dropout:
            cell = rnn_cell.DropoutWrapper(cell, input_keep_prob=dropout)
        return cell

    # One cell per layer: the post's [cell] * num_layers now shares one cell's weights across all layers.
    cell = rnn_cell.MultiRNNCell([make_cell() for _ in range(num_layers)], state_is_tuple=True)
    if build_with_dropout:
        cell = rnn_cell.DropoutWrapper(cell, output_keep_prob=dropout)
    init_state = cell.zero_state(batch_size, tf.float32)
    rnn_outputs, final_state = tf.nn.dynamic_rnn(cell, rnn_inputs, initial_state=init_state)
    # [batch_size * num_steps, state_size] (row b * num_steps + t), so one matmul gives every logit
    rnn_outputs = tf.reshape(rnn_outputs, [-1, state_size])

    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [state_size, num_classes])
        b = tf.get_variable("b", [num_classes], initializer=tf.constant_initializer(0.0))
    logits = tf.matmul(rnn_outputs, W) + b
    y_reshaped = tf.reshape(y, [-1])  # the same order as the outputs' rows
    predictions = tf.nn.softmax(logits)
    # by keyword: today's function takes labels first, and only as keywords
    total_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_reshaped, logits=logits))
    learning_rate = common.feedable_learning_rate(learning_rate)  # beyond the post: a schedule can feed it
    optimizer = common.GradientNorms(tf.train.AdamOptimizer(learning_rate), config)  # beyond: norms, clipping
    train_step = optimizer.minimize(total_loss)

    return dict(x=x, y=y, init_state=init_state, final_state=final_state, total_loss=total_loss,
                train_step=train_step, preds=predictions, saver=tf.train.Saver(),
                **common.beyond_the_post(config, learning_rate, optimizer, keep_prob=dropout, logits=logits))


def build_multilayer_graph_with_custom_cell(cell_type=None, num_weights_for_custom_cell=5, state_size=100,
                                            num_classes=None, batch_size=32, num_steps=200, num_layers=3,
                                            learning_rate=1e-4):
    """The post's builder for its GRU-vs-Custom-cell section: ``build_graph`` without dropout, op for op
    (tests/test_config.py builds both and compares every node and variable).

    ``cell_type``: 'Custom', 'GRU', 'LSTM', or None (basic RNN), as in the post,
    with one cell per layer (the post's ``[cell] * num_layers`` shares weights today).
    Its config names ``build_graph``, which rebuilds the same graph from its checkpoints.
    """
    config = common.check_config("build_multilayer_graph_with_custom_cell", (None, "Custom", "GRU", "LSTM"),
                                 builder="build_graph", cell_type=cell_type,
                                 num_weights_for_custom_cell=num_weights_for_custom_cell, state_size=state_size,
                                 num_classes=num_classes, batch_size=batch_size, num_steps=num_steps,
                                 num_layers=num_layers, build_with_dropout=False, learning_rate=learning_rate,
                                 keep_prob=0.9, max_grad_norm=None)
    num_classes = config["num_classes"]
    common.reset_graph(common.DEFAULT_SEED)

    x = tf.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
    y = tf.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
    keep_prob = tf.placeholder_with_default(1.0, [], name="keep_prob")  # beyond the post: build_graph's, unused
    embeddings = tf.get_variable("embedding_matrix", [num_classes, state_size])
    rnn_inputs = tf.nn.embedding_lookup(embeddings, x)  # [batch_size, num_steps, state_size]

    # One cell per layer, of the class the table in r2rt_rnn/cell_types.py gives cell_type: the post's
    # [cell] * num_layers now shares one cell's weights across all layers.
    cell = rnn_cell.MultiRNNCell([CELL_TYPES[cell_type].make(state_size, num_weights_for_custom_cell)
                                  for _ in range(num_layers)], state_is_tuple=True)
    init_state = cell.zero_state(batch_size, tf.float32)
    rnn_outputs, final_state = tf.nn.dynamic_rnn(cell, rnn_inputs, initial_state=init_state)
    # [batch_size * num_steps, state_size] (row b * num_steps + t), so one matmul gives every logit
    rnn_outputs = tf.reshape(rnn_outputs, [-1, state_size])

    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [state_size, num_classes])
        b = tf.get_variable("b", [num_classes], initializer=tf.constant_initializer(0.0))
    logits = tf.matmul(rnn_outputs, W) + b
    y_reshaped = tf.reshape(y, [-1])  # the same order as the outputs' rows
    predictions = tf.nn.softmax(logits)  # beyond the post: build_graph's, made where build_graph makes them
    # by keyword: today's function takes labels first, and only as keywords
    total_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_reshaped, logits=logits))
    learning_rate = common.feedable_learning_rate(learning_rate)  # beyond the post: a schedule can feed it
    optimizer = common.GradientNorms(tf.train.AdamOptimizer(learning_rate), config)  # beyond: norms, clipping
    train_step = optimizer.minimize(total_loss)

    return dict(x=x, y=y, init_state=init_state, final_state=final_state, total_loss=total_loss,
                train_step=train_step, preds=predictions, saver=tf.train.Saver(),
                **common.beyond_the_post(config, learning_rate, optimizer, keep_prob=keep_prob, logits=logits))
