"""The post's four graph builders: they build, train, have the right shapes, and agree with each other."""
import numpy as np
import pytest

from r2rt_rnn.data import ptb_iterator
from r2rt_rnn.graphs.dynamic import build_multilayer_lstm_graph_with_dynamic_rnn
from r2rt_rnn.graphs.scan import build_multilayer_lstm_graph_with_scan
from r2rt_rnn.graphs.static import build_basic_rnn_graph_with_list, build_multilayer_lstm_graph_with_list
from r2rt_rnn.tf1 import tf
from r2rt_rnn.train import train_network

SMALL = dict(state_size=24, batch_size=4, num_steps=12, learning_rate=1e-2)
# two layers for the LSTM graphs: stacking (a cell per layer, the state carried per layer) shows as well as with
# the post's three, and the graphs build faster
LSTM_SMALL = dict(SMALL, num_layers=2)
LSTM_BUILDERS = [build_multilayer_lstm_graph_with_list, build_multilayer_lstm_graph_with_dynamic_rnn,
                 build_multilayer_lstm_graph_with_scan]
ALL_BUILDERS = [build_basic_rnn_graph_with_list] + LSTM_BUILDERS


def first_batches(data, n=2):
    it = ptb_iterator(data, SMALL["batch_size"], SMALL["num_steps"])
    return [next(it) for _ in range(n)]


@pytest.mark.parametrize("builder", ALL_BUILDERS, ids=lambda b: b.__name__)
def test_builder_returns_the_posts_dict_and_trains(builder, small_data):
    g = builder(**(SMALL if builder is build_basic_rnn_graph_with_list else LSTM_SMALL))
    assert {"x", "y", "init_state", "final_state", "total_loss", "train_step"} <= set(g)
    losses = train_network(g, 3, num_steps=SMALL["num_steps"], batch_size=SMALL["batch_size"],
                           verbose=False, data=small_data[:3000])
    assert len(losses) == 3
    assert losses[-1] < losses[0] - 0.1, losses


@pytest.mark.parametrize("builder", LSTM_BUILDERS, ids=lambda b: b.__name__)
def test_lstm_final_state_is_one_tuple_per_layer(builder, small_data):
    g = builder(**{**LSTM_SMALL, "num_layers": 3})
    assert len(g["final_state"]) == 3
    (x, y), = first_batches(small_data, 1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        state = sess.run(g["final_state"], {g["x"]: x, g["y"]: y})
    for layer in state:
        assert layer.c.shape == layer.h.shape == (SMALL["batch_size"], SMALL["state_size"])
    # one cell per layer: 3 kernels + 3 biases, not the post's silently shared single pair
    cell_vars = [v for v in tf.trainable_variables() if "lstm_cell" in v.name]
    assert len(cell_vars) == 6


def test_basic_rnn_state_shape(small_data):
    g = build_basic_rnn_graph_with_list(**SMALL)
    (x, y), = first_batches(small_data, 1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        state = sess.run(g["final_state"], {g["x"]: x, g["y"]: y})
    assert state.shape == (SMALL["batch_size"], SMALL["state_size"])


def _loss_and_state(builder, weights, x, y):
    g = builder(**LSTM_SMALL)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in tf.trainable_variables():
            v.load(weights[v.name], sess)
        return sess.run([g["total_loss"], g["final_state"]], {g["x"]: x, g["y"]: y})


def test_list_dynamic_and_scan_are_the_same_model(small_data):
    """Same weights, same inputs: the three unrolling styles compute the same loss and final state."""
    build_multilayer_lstm_graph_with_list(**LSTM_SMALL)
    rng = np.random.default_rng(0)
    weights = {v.name: rng.normal(0, 0.3, v.shape.as_list()).astype(np.float32) for v in tf.trainable_variables()}
    (x, y), = first_batches(small_data, 1)
    results = [_loss_and_state(b, weights, x, y) for b in LSTM_BUILDERS]
    ref_loss, ref_state = results[0]
    for loss, state in results[1:]:
        assert loss == pytest.approx(ref_loss, rel=1e-5)
        for a, b in zip(tf.nest.flatten(ref_state), tf.nest.flatten(state)):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("builder", LSTM_BUILDERS, ids=lambda b: b.__name__)
def test_fed_back_state_changes_the_next_batch_loss(builder, small_data):
    g = builder(**LSTM_SMALL)
    (x1, y1), (x2, y2) = first_batches(small_data, 2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in tf.trainable_variables():  # larger weights than the default init, so state matters visibly
            v.load(np.random.default_rng(1).normal(0, 0.5, v.shape.as_list()), sess)
        state = sess.run(g["final_state"], {g["x"]: x1, g["y"]: y1})
        zero_state_loss = sess.run(g["total_loss"], {g["x"]: x2, g["y"]: y2})
        carried_loss = sess.run(g["total_loss"], {g["x"]: x2, g["y"]: y2, g["init_state"]: state})
    assert abs(carried_loss - zero_state_loss) > 1e-3
