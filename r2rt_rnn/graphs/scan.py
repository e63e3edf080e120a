"""``tf.scan`` graphs: the same loop as ``dynamic_rnn``, written with a higher-order function.

``scan`` applies ``f(previous, x_t)`` along the first axis, so inputs go in
time-major (``[num_steps, batch, ...]``) and every intermediate state comes back
stacked; the final state is the last slice of each.
"""
from ..tf1 import rnn_cell, tf
from . import common


def build_multilayer_lstm_graph_with_scan(state_size=100, num_classes=None, batch_size=32, num_steps=200,
                                          num_layers=3, learning_rate=1e-4, seed=common.DEFAULT_SEED):
    """The post's ``tf.scan`` multi-layer LSTM; same model and variable names as the dynamic_rnn version.

    ``x``, ``y``: ``[batch_size, num_steps]``; the scanned states are ``[num_steps, batch_size, state_size]``
    each, and ``final_state`` takes their last time step.
    """
    config = common.check_config(builder="scan_lstm", cell_type="LSTM", state_size=state_size,
                                 num_classes=num_classes, batch_size=batch_size, num_steps=num_steps,
                                 num_layers=num_layers, learning_rate=learning_rate)
    num_classes = config["num_classes"]
    common.reset_graph(seed)

    x = tf.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
    y = tf.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
    embeddings = tf.get_variable("embedding_matrix", [num_classes, state_size])
    rnn_inputs = tf.nn.embedding_lookup(embeddings, x)

    # One LSTMCell per layer: the post's [cell] * num_layers now shares one cell's weights across all layers.
    cell = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(state_size, state_is_tuple=True) for _ in range(num_layers)],
                                 state_is_tuple=True)
    init_state = cell.zero_state(batch_size, tf.float32)
    # Inside an "rnn" variable scope, the cell's variables get the same names as
    # dynamic_rnn's, so one checkpoint restores into either graph.
    with tf.variable_scope("rnn"):
        rnn_outputs, final_states = tf.scan(lambda acc, x_t: cell(x_t, acc[1]),
                                            tf.transpose(rnn_inputs, [1, 0, 2]),
                                            initializer=(tf.zeros([batch_size, state_size]), init_state))
    # each layer's c and h at the last time step (axis=0: a batch of 1 keeps its batch axis)
    final_state = tuple(rnn_cell.LSTMStateTuple(
        tf.squeeze(tf.slice(c, [num_steps - 1, 0, 0], [1, batch_size, state_size]), axis=0),
        tf.squeeze(tf.slice(h, [num_steps - 1, 0, 0], [1, batch_size, state_size]), axis=0))
        for c, h in final_states)
    # [num_steps * batch_size, state_size], time-major: row t * batch_size + b
    rnn_outputs = tf.reshape(rnn_outputs, [-1, state_size])

    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [state_size, num_classes])
        b = tf.get_variable("b", [num_classes], initializer=tf.constant_initializer(0.0))
    logits = tf.matmul(rnn_outputs, W) + b
    y_reshaped = tf.reshape(tf.transpose(y, [1, 0]), [-1])  # time-major too, to match the outputs' rows
    # by keyword: today's function takes labels first, and only as keywords
    total_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_reshaped, logits=logits))
    learning_rate = common.feedable_learning_rate(learning_rate)  # beyond the post: a schedule can feed it
    optimizer = common.GradientNorms(tf.train.AdamOptimizer(learning_rate), config)  # beyond: norms, clipping
    train_step = optimizer.minimize(total_loss)

    return dict(x=x, y=y, init_state=init_state, final_state=final_state, total_loss=total_loss,
                train_step=train_step, **common.beyond_the_post(config, learning_rate, optimizer))
