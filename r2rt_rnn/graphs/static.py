"""List-unrolled graphs: one copy of the cell per time step, built in Python (``static_rnn``).

This is the post's starting point. Every time step adds its own ops to the
graph, so building a 200-step graph takes seconds (the post: 5.6 s for a basic
RNN, 25.6 s for a 3-layer LSTM) and the first ``session.run`` is slow too.
"""
from ..tf1 import rnn_cell, tf
from . import common


def _unstack_time(t):
    """``[batch, num_steps, ...] -> num_steps x [batch, ...]`` (the post's split + squeeze)."""
    return tf.unstack(t, axis=1)


def _list_loss(config, outputs, y):
    logits = common.softmax_logits(outputs, config["state_size"], config["num_classes"])
    y_as_list = _unstack_time(y)
    loss_weights = [tf.ones([config["batch_size"]]) for _ in range(config["num_steps"])]
    losses = common.sequence_loss_by_example(logits, y_as_list, loss_weights)
    return tf.reduce_mean(losses)


def build_basic_rnn_graph_with_list(state_size=100, num_classes=None, batch_size=32, num_steps=200,
                                    learning_rate=1e-4, seed=common.DEFAULT_SEED):
    """The post's first graph: a one-layer BasicRNNCell over one-hot inputs, unrolled as a list.

    ``x``, ``y``: ``[batch_size, num_steps]`` ids; ``init_state``/``final_state``: ``[batch_size, state_size]``.
    ``num_classes`` defaults to the bundled corpus's vocabulary size.
    """
    config = common.check_config(builder="list_basic_rnn", cell_type=None, state_size=state_size,
                                 num_classes=num_classes, batch_size=batch_size, num_steps=num_steps,
                                 num_layers=1, learning_rate=learning_rate)
    common.reset_graph(seed)
    x, y = common.placeholders(batch_size, num_steps)
    rnn_inputs = _unstack_time(tf.one_hot(x, config["num_classes"]))
    cell = rnn_cell.BasicRNNCell(state_size)
    init_state = cell.zero_state(batch_size, tf.float32)
    rnn_outputs, final_state = tf.nn.static_rnn(cell, rnn_inputs, initial_state=init_state)
    total_loss = _list_loss(config, rnn_outputs, y)
    return common.finish(config, x, y, init_state, final_state, total_loss)


def build_multilayer_lstm_graph_with_list(state_size=100, num_classes=None, batch_size=32, num_steps=200,
                                          num_layers=3, learning_rate=1e-4, seed=common.DEFAULT_SEED):
    """A ``num_layers`` LSTM over learned embeddings, unrolled as a list with ``static_rnn``.

    ``final_state`` is a tuple of ``num_layers`` ``LSTMStateTuple(c, h)``, each ``[batch_size, state_size]``.
    """
    config, x, y, rnn_inputs, cell, init_state = common.lstm_graph_inputs(
        "list_lstm", state_size, num_classes, batch_size, num_steps, num_layers, learning_rate, seed)
    rnn_outputs, final_state = tf.nn.static_rnn(cell, _unstack_time(rnn_inputs), initial_state=init_state)
    total_loss = _list_loss(config, rnn_outputs, y)
    return common.finish(config, x, y, init_state, final_state, total_loss)
