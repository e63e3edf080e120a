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
    config, x, y, rnn_inputs, cell, init_state = common.lstm_graph_inputs(
        "scan_lstm", state_size, num_classes, batch_size, num_steps, num_layers, learning_rate, seed)
    # Inside an "rnn" variable scope, the cell's variables get the same names as
    # dynamic_rnn's, so one checkpoint restores into either graph.
    with tf.variable_scope("rnn"):
        rnn_outputs, final_states = tf.scan(
            lambda acc, x_t: cell(x_t, acc[1]),
            tf.transpose(rnn_inputs, [1, 0, 2]),
            initializer=(tf.zeros([batch_size, state_size]), init_state),
        )
    final_state = tuple(rnn_cell.LSTMStateTuple(c[-1], h[-1]) for c, h in final_states)
    logits = common.softmax_logits(tf.reshape(rnn_outputs, [-1, state_size]), state_size, config["num_classes"])
    # scan's outputs are time-major, so the labels are transposed to match.
    total_loss = common.mean_loss(logits, tf.reshape(tf.transpose(y, [1, 0]), [-1]))
    return common.finish(config, x, y, init_state, final_state, total_loss)
