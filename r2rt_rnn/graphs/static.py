"""List-unrolled graphs: one copy of the cell per time step, built in Python (``static_rnn``).

This is the post's starting point. Every time step adds its own ops to the
graph, so building a 200-step graph takes seconds (the post: 5.6 s for a basic
RNN, 25.6 s for a 3-layer LSTM) and the first ``session.run`` is slow too.
"""
from ..tf1 import rnn_cell, tf
from . import common


def build_basic_rnn_graph_with_list(state_size=100, num_classes=None, batch_size=32, num_steps=200,
                                    learning_rate=1e-4, seed=common.DEFAULT_SEED):
    """The post's first graph: a one-layer BasicRNNCell over one-hot inputs, unrolled as a list.

    ``x``, ``y``: ``[batch_size, num_steps]`` ids; ``init_state``/``final_state``: ``[batch_size, state_size]``.
    ``num_classes`` defaults to the bundled corpus's vocabulary size.
    """
    config = common.check_config(builder="list_basic_rnn", cell_type=None, state_size=state_size,
                                 num_classes=num_classes, batch_size=batch_size, num_steps=num_steps,
                                 num_layers=1, learning_rate=learning_rate)
    num_classes = config["num_classes"]
    common.reset_graph(seed)

    x = tf.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
    y = tf.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
    x_one_hot = tf.one_hot(x, num_classes)
    # a list of num_steps tensors [batch_size, num_classes]: one op does the post's split and squeeze
    rnn_inputs = tf.unstack(x_one_hot, axis=1)

    cell = rnn_cell.BasicRNNCell(state_size)
    init_state = cell.zero_state(batch_size, tf.float32)
    rnn_outputs, final_state = tf.nn.static_rnn(cell, rnn_inputs, initial_state=init_state)  # tf.nn.rnn's new name

    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [state_size, num_classes])
        b = tf.get_variable("b", [num_classes], initializer=tf.constant_initializer(0.0))
    logits = [tf.matmul(rnn_output, W) + b for rnn_output in rnn_outputs]

    y_as_list = tf.unstack(y, axis=1)
    loss_weights = [tf.ones([batch_size]) for _ in range(num_steps)]
    # TensorFlow removed tf.nn.seq2seq; common.sequence_loss_by_example is the same loss, written out
    losses = common.sequence_loss_by_example(logits, y_as_list, loss_weights)
    total_loss = tf.reduce_mean(losses)
    learning_rate = common.feedable_learning_rate(learning_rate)  # beyond the post: a schedule can feed it
    optimizer = common.GradientNorms(tf.train.AdamOptimizer(learning_rate), config)  # beyond: norms, clipping
    train_step = optimizer.minimize(total_loss)

    return dict(x=x, y=y, init_state=init_state, final_state=final_state, total_loss=total_loss,
                train_step=train_step, **common.beyond_the_post(config, learning_rate, optimizer))


def build_multilayer_lstm_graph_with_list(state_size=100, num_classes=None, batch_size=32, num_steps=200,
                                          num_layers=3, learning_rate=1e-4, seed=common.DEFAULT_SEED):
    """A ``num_layers`` LSTM over learned embeddings, unrolled as a list with ``static_rnn``.

    ``final_state`` is a tuple of ``num_layers`` ``LSTMStateTuple(c, h)``, each ``[batch_size, state_size]``.
    """
    config = common.check_config(builder="list_lstm", cell_type="LSTM", state_size=state_size,
                                 num_classes=num_classes, batch_size=batch_size, num_steps=num_steps,
                                 num_layers=num_layers, learning_rate=learning_rate)
    num_classes = config["num_classes"]
    common.reset_graph(seed)

    x = tf.placeholder(tf.int32, [batch_size, num_steps], name="input_placeholder")
    y = tf.placeholder(tf.int32, [batch_size, num_steps], name="labels_placeholder")
    embeddings = tf.get_variable("embedding_matrix", [num_classes, state_size])
    # a list of num_steps tensors [batch_size, state_size]: one op does the post's split and squeeze
    rnn_inputs = tf.unstack(tf.nn.embedding_lookup(embeddings, x), axis=1)

    # One LSTMCell per layer: the post's [cell] * num_layers now shares one cell's weights across all layers.
    cell = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(state_size, state_is_tuple=True) for _ in range(num_layers)],
                                 state_is_tuple=True)
    init_state = cell.zero_state(batch_size, tf.float32)
    rnn_outputs, final_state = tf.nn.static_rnn(cell, rnn_inputs, initial_state=init_state)  # tf.nn.rnn's new name

    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [state_size, num_classes])
        b = tf.get_variable("b", [num_classes], initializer=tf.constant_initializer(0.0))
    logits = [tf.matmul(rnn_output, W) + b for rnn_output in rnn_outputs]

    y_as_list = tf.unstack(y, axis=1)
    loss_weights = [tf.ones([batch_size]) for _ in range(num_steps)]
    # TensorFlow removed tf.nn.seq2seq; common.sequence_loss_by_example is the same loss, written out
    losses = common.sequence_loss_by_example(logits, y_as_list, loss_weights)
    total_loss = tf.reduce_mean(losses)
    learning_rate = common.feedable_learning_rate(learning_rate)  # beyond the post: a schedule can feed it
    optimizer = common.GradientNorms(tf.train.AdamOptimizer(learning_rate), config)  # beyond: norms, clipping
    train_step = optimizer.minimize(total_loss)

    return dict(x=x, y=y, init_state=init_state, final_state=final_state, total_loss=total_loss,
                train_step=train_step, **common.beyond_the_post(config, learning_rate, optimizer))
