"""``dynamic_rnn`` graphs: the time loop is a ``tf.while_loop`` built once and run step by step.

Building is fast (the post: 0.53 s instead of 25.6 s) and, here, training is too.
"""
from ..tf1 import rnn_cell, tf
from . import common


def build_multilayer_lstm_graph_with_dynamic_rnn(state_size=100, num_classes=None, batch_size=32, num_steps=200,
                                                 num_layers=3, learning_rate=1e-4, seed=common.DEFAULT_SEED):
    """The post's ``dynamic_rnn`` multi-layer LSTM; same model and variables as the list version.

    ``x``, ``y``: ``[batch_size, num_steps]``; ``final_state``: ``num_layers`` x ``LSTMStateTuple``.
    """
    config = common.check_config(builder="dynamic_lstm", cell_type="LSTM", state_size=state_size,
                                 num_classes=num_classes, batch_size=batch_size, num_steps=num_steps,
                                 num_layers=num_layers, learning_rate=learning_rate)
    num_classes = config["num_classes"]
    common.reset_graph(seed)

    x = tf.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
    y = tf.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
    embeddings = tf.get_variable("embedding_matrix", [num_classes, state_size])
    # no longer a list: one tensor [batch_size, num_steps, state_size]
    rnn_inputs = tf.nn.embedding_lookup(embeddings, x)

    # One LSTMCell per layer: the post's [cell] * num_layers now shares one cell's weights across all layers.
    cell = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(state_size, state_is_tuple=True) for _ in range(num_layers)],
                                 state_is_tuple=True)
    init_state = cell.zero_state(batch_size, tf.float32)
    rnn_outputs, final_state = tf.nn.dynamic_rnn(cell, rnn_inputs, initial_state=init_state)
    # [batch_size * num_steps, state_size] (row b * num_steps + t), so one matmul gives every logit
    rnn_outputs = tf.reshape(rnn_outputs, [-1, state_size])

    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [state_size, num_classes])
        b = tf.get_variable("b", [num_classes], initializer=tf.constant_initializer(0.0))
    logits = tf.matmul(rnn_outputs, W) + b
    y_reshaped = tf.reshape(y, [-1])  # the same order as the outputs' rows
    # by keyword: today's function takes labels first, and only as keywords
    total_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_reshaped, logits=logits))
    learning_rate = common.feedable_learning_rate(learning_rate)  # beyond the post: a schedule can feed it
    optimizer = common.GradientNorms(tf.train.AdamOptimizer(learning_rate), config)  # beyond: norms, clipping
    train_step = optimizer.minimize(total_loss)

    return dict(x=x, y=y, init_state=init_state, final_state=final_state, total_loss=total_loss,
                train_step=train_step, **common.beyond_the_post(config, learning_rate, optimizer))
