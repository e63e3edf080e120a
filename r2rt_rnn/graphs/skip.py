"""A skip connection from t-2 to t, built with ``tf.scan``: the post's "it would be easy to do with scan".

``dynamic_rnn`` hands the cell only the previous step's state. ``tf.scan`` carries
whatever the step function returns, so the step can carry the state of the last *two*
steps and feed the older one back in: at step t the cell reads ``[x_t, h_{t-2}]`` (the
top layer's output two steps back) beside its state from t-1. Without the skip
(``skip=False``) the graph is the post's GRU model (``build_graph(cell_type="GRU")``),
unrolled by ``scan`` instead of ``dynamic_rnn``, with the same variable names.
"""
from ..tf1 import rnn_cell, tf
from . import common


def build_skip_connection_graph_with_scan(state_size=100, num_classes=None, batch_size=32, num_steps=200,
                                          num_layers=3, learning_rate=1e-4, skip=True, seed=common.DEFAULT_SEED):
    """A ``num_layers`` GRU unrolled by ``tf.scan``; with ``skip``, each step also reads the output of t-2.

    ``init_state`` / ``final_state``: ``(state at t-1, state at t-2)``, each a tuple of one
    ``[batch_size, state_size]`` tensor per layer (zeros before the text starts), so training
    carries both across batches as it carries any state.
    """
    config = common.check_config(builder="scan_skip_gru", cell_type="GRU", state_size=state_size,
                                 num_classes=num_classes, batch_size=batch_size, num_steps=num_steps,
                                 num_layers=num_layers, learning_rate=learning_rate, skip=skip)
    num_classes = config["num_classes"]
    common.reset_graph(seed)

    x = tf.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
    y = tf.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
    embeddings = tf.get_variable("embedding_matrix", [num_classes, state_size])
    rnn_inputs = tf.nn.embedding_lookup(embeddings, x)

    # One GRUCell per layer: the post's [cell] * num_layers now shares one cell's weights across all layers.
    cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(state_size) for _ in range(num_layers)], state_is_tuple=True)
    # what scan carries besides the output: the stack's state after t-1 and after t-2
    init_state = (cell.zero_state(batch_size, tf.float32), cell.zero_state(batch_size, tf.float32))

    def step(carried, x_t):
        _, (previous, before_previous) = carried
        # the skip connection: the top layer's output at t-2 joins the input at t
        inputs = tf.concat([x_t, before_previous[-1]], axis=1) if skip else x_t
        output, state = cell(inputs, previous)
        return output, (state, previous)

    # Inside an "rnn" variable scope, the cell's variables are named as dynamic_rnn's would be.
    with tf.variable_scope("rnn"):
        rnn_outputs, (states, previous_states) = tf.scan(
            step, tf.transpose(rnn_inputs, [1, 0, 2]), initializer=(tf.zeros([batch_size, state_size]), init_state))
    # scan stacks every step's states: [num_steps, batch_size, state_size] per layer; keep the last step's
    final_state = tuple(tuple(layer[-1] for layer in stacked) for stacked in (states, previous_states))
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
