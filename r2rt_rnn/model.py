"""``build_graph``: the post's final model factory, every cell type behind one function.

Compared with the post: one cell per layer (no silent weight sharing), a dropout
keep probability that training can actually set (the post's ``tf.constant(1.0)``
could never be changed), and a ``config`` entry recording how the graph was
built, which is saved beside every checkpoint.
"""
from .cells import CustomCell, FusedLayerNormalizedLSTMCell, GRUCell, LayerNormalizedGRUCell, LayerNormalizedLSTMCell
from .errors import R2RTError
from .graphs import common
from .graphs.dynamic import dynamic_outputs
from .tf1 import rnn_cell, tf

# cell_type -> a function (state_size, num_weights) -> one layer's cell
CELL_TYPES = {
    None: lambda n, k: rnn_cell.BasicRNNCell(n),
    "GRU": lambda n, k: rnn_cell.GRUCell(n),
    "LSTM": lambda n, k: rnn_cell.LSTMCell(n, state_is_tuple=True),
    "LN_LSTM": lambda n, k: LayerNormalizedLSTMCell(n),
    "Custom": lambda n, k: CustomCell(n, k),
    "LN_GRU": lambda n, k: LayerNormalizedGRUCell(n),
    "post_GRU": lambda n, k: GRUCell(n),  # the post's hand-written GRU, for comparison
    # the LN_LSTM model (same variables, same checkpoints), with fewer, larger ops per step
    "LN_LSTM_fast": lambda n, k: FusedLayerNormalizedLSTMCell(n),
}


def check_cell_type(cell_type):
    if cell_type not in CELL_TYPES:
        valid = ", ".join(repr(c) for c in CELL_TYPES)
        raise R2RTError(f"unknown cell_type {cell_type!r}; valid cell types are: {valid}")


def build_graph(cell_type=None, num_weights_for_custom_cell=5, state_size=100, num_classes=None, batch_size=32,
                num_steps=200, num_layers=3, build_with_dropout=False, learning_rate=1e-4, keep_prob=0.9,
                seed=common.DEFAULT_SEED, max_grad_norm=None):
    """Build the post's final character model and return its dict.

    Keys: ``x``, ``y`` (``[batch_size, num_steps]`` int32), ``init_state`` /
    ``final_state`` (one entry per layer; ``LSTMStateTuple(c, h)`` for LSTM cells,
    else ``[batch_size, state_size]``), ``total_loss``, ``train_step``, ``preds``
    (``[batch_size * num_steps, num_classes]`` softmax), ``saver``, plus
    ``keep_prob`` (a placeholder defaulting to 1.0), ``train_feed`` (what training
    feeds: ``{keep_prob: keep_prob}`` when built with dropout) and ``config``.

    ``cell_type``: None (basic RNN), 'GRU', 'LSTM', 'LN_LSTM', 'Custom', 'LN_GRU',
    'post_GRU', or 'LN_LSTM_fast' (the LN_LSTM model, computed faster).
    ``num_classes`` defaults to the bundled corpus's vocabulary size.
    Beyond the post: ``max_grad_norm`` clips the gradients by their global norm
    (None, the default, leaves them as the post did).
    """
    check_cell_type(cell_type)
    if build_with_dropout and (isinstance(keep_prob, bool) or not isinstance(keep_prob, (int, float))
                               or not 0.0 < keep_prob <= 1.0):
        raise R2RTError(f"keep_prob must be a probability of keeping a unit, in (0, 1], got {keep_prob!r}")
    config = common.check_config(builder="build_graph", cell_type=cell_type,
                                 num_weights_for_custom_cell=num_weights_for_custom_cell, state_size=state_size,
                                 num_classes=num_classes, batch_size=batch_size, num_steps=num_steps,
                                 num_layers=num_layers, build_with_dropout=bool(build_with_dropout),
                                 learning_rate=learning_rate, keep_prob=keep_prob, max_grad_norm=max_grad_norm)
    common.reset_graph(seed)
    x, y = common.placeholders(batch_size, num_steps)  # [batch_size, num_steps] character ids
    # 1.0 unless fed: evaluation and generation never need to remember to switch dropout off.
    dropout = tf.placeholder_with_default(1.0, [], name="keep_prob")
    rnn_inputs = common.embed(x, config["num_classes"], state_size)  # [batch_size, num_steps, state_size]

    def make_cell():
        cell = CELL_TYPES[cell_type](state_size, num_weights_for_custom_cell)
        if build_with_dropout:
            cell = rnn_cell.DropoutWrapper(cell, input_keep_prob=dropout)
        return cell

    cell = common.stack(make_cell, num_layers)
    if build_with_dropout:
        cell = rnn_cell.DropoutWrapper(cell, output_keep_prob=dropout)
    init_state = cell.zero_state(batch_size, tf.float32)
    # [batch_size, num_steps, state_size] -> [batch_size * num_steps, state_size]: row b * num_steps + t
    rnn_outputs, final_state = dynamic_outputs(cell, rnn_inputs, init_state)
    logits = common.softmax_logits(rnn_outputs, state_size, config["num_classes"])  # [batch * steps, classes]
    total_loss = common.mean_loss(logits, tf.reshape(y, [-1]))  # y flattened the same way: [batch * steps]
    train_feed = {dropout: keep_prob} if build_with_dropout else {}
    g = common.finish(config, x, y, init_state, final_state, total_loss,
                      preds=tf.nn.softmax(logits), logits=logits, keep_prob=dropout, train_feed=train_feed)
    g["saver"] = tf.train.Saver()
    return g


def build_multilayer_graph_with_custom_cell(cell_type=None, num_weights_for_custom_cell=5, state_size=100,
                                            num_classes=None, batch_size=32, num_steps=200, num_layers=3,
                                            learning_rate=1e-4):
    """The post's builder for its GRU-vs-Custom-cell section: ``build_graph`` without dropout.

    ``cell_type``: 'Custom', 'GRU', 'LSTM', or None (basic RNN), as in the post,
    with one cell per layer (the post's ``[cell] * num_layers`` shares weights today).
    """
    if cell_type not in (None, "Custom", "GRU", "LSTM"):
        raise R2RTError(f"build_multilayer_graph_with_custom_cell takes cell_type 'Custom', 'GRU', 'LSTM' or None, "
                        f"got {cell_type!r}; use build_graph for the others")
    return build_graph(cell_type=cell_type, num_weights_for_custom_cell=num_weights_for_custom_cell,
                       state_size=state_size, num_classes=num_classes, batch_size=batch_size, num_steps=num_steps,
                       num_layers=num_layers, learning_rate=learning_rate)
