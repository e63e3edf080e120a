"""The post's cells and build_graph: every cell type trains, ln() normalises, variables are per layer, dropout works."""
import numpy as np
import pytest

from conftest import slow_but
from r2rt_rnn.cells import CustomCell, LayerNormalizedLSTMCell, linear, ln, normalise
from r2rt_rnn.data import ptb_iterator
from r2rt_rnn.model import CELL_TYPES, build_graph
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.tf1 import tf
from r2rt_rnn.train import train_network

SMALL = dict(state_size=24, batch_size=8, num_steps=16, num_layers=2, learning_rate=1e-2)


@pytest.mark.parametrize("cell_type", slow_but(list(CELL_TYPES), "GRU"), ids=str)
def test_each_cell_type_trains(cell_type, small_data):
    g = build_graph(cell_type=cell_type, **SMALL)
    assert {"x", "y", "init_state", "final_state", "total_loss", "train_step", "preds", "saver"} <= set(g)
    losses = train_network(g, 2, num_steps=16, batch_size=8, verbose=False, data=small_data[:4000])
    assert losses[-1] < losses[0] - 0.05, losses


def test_unknown_cell_type_lists_the_valid_ones():
    with pytest.raises(R2RTError, match=r"unknown cell_type 'lstm'.*'GRU', 'LSTM', 'LN_LSTM', 'Custom'"):
        build_graph(cell_type="lstm")


def test_ln_normalises_each_row_before_scale_and_shift():
    tf.reset_default_graph()
    x = tf.constant(np.random.default_rng(0).normal(3.0, 5.0, (6, 40)), tf.float32)
    y = ln(x)
    scale, shift = tf.trainable_variables()
    assert scale.name == "layer_norm/scale:0" and shift.name == "layer_norm/shift:0"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y)  # scale starts at 1 and shift at 0, so this is the normalised tensor
        np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-5)
        np.testing.assert_allclose(out.var(axis=1), 1, atol=1e-3)
        sess.run([scale.assign(tf.fill([40], 2.0)), shift.assign(tf.fill([40], 0.5))])
        np.testing.assert_allclose(sess.run(y), 2 * out + 0.5, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape, axis", [((6, 40), 1), ((5, 4, 12), 2)])
def test_normalise_gradient_is_the_derivative_of_layer_norm(shape, axis):
    """normalise() writes its gradient out; it must equal TF's derivative of the same formula (via tf.nn.moments)."""
    tf.reset_default_graph()
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(1.0, 3.0, shape), tf.float64)
    upstream = tf.constant(rng.standard_normal(shape), tf.float64)
    mean, var = tf.nn.moments(x, [axis], keepdims=True)
    reference = (x - mean) / tf.sqrt(var + 1e-5)
    ours = normalise(x, axis)
    with tf.Session() as sess:
        out, ref, grad, ref_grad = sess.run([ours, reference, tf.gradients(ours, x, upstream)[0],
                                             tf.gradients(reference, x, upstream)[0]])
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-8, atol=1e-10)
    assert np.abs(grad).max() > 1e-3  # a real gradient, not zeros


def test_ln_rejects_non_2d_tensors():
    tf.reset_default_graph()
    with pytest.raises(R2RTError, match="2-D"):
        ln(tf.zeros([2, 3, 4]))


def test_linear_matches_a_matmul_of_the_concatenation():
    tf.reset_default_graph()
    a, b = tf.ones([2, 3]), tf.ones([2, 5])
    out = linear([a, b], 4, True, bias_start=0.5)
    names = sorted(v.name for v in tf.trainable_variables())
    assert names == ["Linear/Bias:0", "Linear/Matrix:0"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        matrix = sess.run(tf.trainable_variables()[0])
        np.testing.assert_allclose(sess.run(out), np.ones([2, 8]) @ matrix + 0.5, rtol=1e-5)


def _shapes(scope_filter):
    return {v.name: v.shape.as_list() for v in tf.trainable_variables() if scope_filter in v.name}


def test_layer_normalized_lstm_has_its_own_variables_per_layer():
    build_graph(cell_type="LN_LSTM", state_size=10, num_layers=3, batch_size=2, num_steps=3)
    for layer in range(3):
        found = _shapes(f"cell_{layer}/")
        assert sum(name.endswith("Linear/Matrix:0") for name in found) == 1
        assert [s for n, s in found.items() if n.endswith("Linear/Matrix:0")] == [[20, 40]]  # [input+state, 4*state]
        for gate in ("i", "j", "f", "o", "new_h"):
            assert sum(f"/{gate}/layer_norm/scale" in n for n in found) == 1
            assert sum(f"/{gate}/layer_norm/shift" in n for n in found) == 1
        assert len(found) == 1 + 2 * 5  # no bias: each ln brings its shift
    assert len(tf.trainable_variables()) == 1 + 3 * 11 + 2  # + embedding, softmax W and b


def test_custom_cell_has_its_own_variables_per_layer():
    build_graph(cell_type="Custom", num_weights_for_custom_cell=4, state_size=10, num_layers=3, batch_size=2,
                num_steps=3)
    for layer in range(3):
        found = {n.split("CustomCell/")[1]: s for n, s in _shapes(f"cell_{layer}/").items()}
        assert found == {
            "Gates/Linear/Matrix:0": [20, 20], "Gates/Linear/Bias:0": [20],
            "Candidate/Linear/Matrix:0": [20, 4], "Candidate/Linear/Bias:0": [4],  # the lambdas
            "Candidate/Ws:0": [4, 10, 10],
            "Candidate/second/Matrix:0": [10, 10], "Candidate/second/Bias:0": [10],
        }


def test_custom_cell_rejects_zero_weights():
    with pytest.raises(R2RTError, match="num_weights"):
        CustomCell(10, 0)


def test_layer_normalized_lstm_state_is_a_tuple():
    cell = LayerNormalizedLSTMCell(7)
    assert tuple(cell.state_size) == (7, 7) and cell.output_size == 7


def _training_losses(g, batch, feed_keep_prob, repeats=2):
    """Loss of the same batch twice in a row, with dropout on (fed) or off (default)."""
    x, y = batch
    feed = {g["x"]: x, g["y"]: y, **(g["train_feed"] if feed_keep_prob else {})}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return [sess.run(g["total_loss"], feed) for _ in range(repeats)]


def test_dropout_changes_outputs_only_when_switched_on(small_data):
    g = build_graph(cell_type="LSTM", build_with_dropout=True, keep_prob=0.5, **SMALL)
    assert g["train_feed"] == {g["keep_prob"]: 0.5}
    batch = next(ptb_iterator(small_data, 8, 16))
    on = _training_losses(g, batch, feed_keep_prob=True)
    off = _training_losses(g, batch, feed_keep_prob=False)
    assert on[0] != on[1]  # a fresh dropout mask each run
    assert off[0] == off[1]  # keep_prob defaults to 1.0: evaluation and generation are deterministic
    # and a graph built without dropout has nothing to switch on
    assert build_graph(cell_type="LSTM", **SMALL)["train_feed"] == {}


def test_bad_keep_prob_is_rejected():
    with pytest.raises(R2RTError, match="keep_prob"):
        build_graph(cell_type="GRU", build_with_dropout=True, keep_prob=0.0)
