"""The post's open threads as code: the skip connection from t-2 to t with tf.scan, LN_GRU beside the post's
cells, its learning rate against faster ones, and dropout's train/validation gap (each run here in quick mode);
and the run behind notebook 02's first figure, whose three graph styles train one model."""
import numpy as np
import pytest

from r2rt_rnn.data import ptb_iterator
from r2rt_rnn.graphs.skip import build_skip_connection_graph_with_scan
from r2rt_rnn.model import build_graph
from r2rt_rnn.reproduction import experiments
from r2rt_rnn.tf1 import tf
from r2rt_rnn.train import train_network

SIZES = dict(state_size=16, num_layers=2, batch_size=4, num_steps=10)


def loss_on(g, x, y, values=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in tf.trainable_variables():
            if values is not None:
                v.load(values[v.op.name], sess)
        return sess.run(g["total_loss"], {g["x"]: x, g["y"]: y}), {v.op.name: sess.run(v)
                                                                      for v in tf.trainable_variables()}


def test_without_the_skip_scan_computes_the_posts_gru(corpus):
    x, y = next(ptb_iterator(corpus.train, SIZES["batch_size"], SIZES["num_steps"]))
    reference, weights = loss_on(build_graph(cell_type="GRU", **SIZES), x, y)
    loss, _ = loss_on(build_skip_connection_graph_with_scan(skip=False, **SIZES), x, y, weights)
    assert loss == pytest.approx(reference, abs=1e-6)


def test_the_skip_feeds_the_output_of_t_minus_2_into_the_first_layer(small_data):
    g = build_skip_connection_graph_with_scan(skip=True, **SIZES)
    shapes = {v.op.name: v.shape.as_list() for v in tf.trainable_variables()}
    n = SIZES["state_size"]
    assert shapes["rnn/multi_rnn_cell/cell_0/gru_cell/gates/kernel"] == [3 * n, 2 * n]  # [x_t, h_(t-2), h_(t-1)]
    assert shapes["rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel"] == [2 * n, 2 * n]
    # the carried state is (t-1, t-2); training feeds it from batch to batch like any state
    assert len(g["init_state"]) == 2 and len(g["final_state"][1]) == SIZES["num_layers"]
    losses = train_network(g, 2, data=small_data[:3000], valid_data=small_data[3000:4000], verbose=False)
    assert np.all(np.isfinite(losses)) and losses[1] < losses[0] and losses.valid_losses[1] < losses.valid_losses[0]


def test_ln_gru_trains_only_when_named_so_the_posts_comparison_stays_its_three():
    assert list(experiments.plan("cell_comparison")[1]) == ["GRU", "LSTM", "LN_LSTM"]
    assert list(experiments.plan("cell_comparison", models=["GRU", "LN_GRU"])[1]) == ["GRU", "LN_GRU"]


@pytest.mark.slow
@pytest.mark.parametrize("experiment, models, check", [
    ("learning_rates", ["0.0001", "0.003"],
     lambda name, r: r["preset"]["learning_rate"] == r["graph_config"]["learning_rate"] == float(name)),
    ("dropout_gap", None,
     lambda name, r: r["graph_config"]["build_with_dropout"] == (name == "dropout")
     and r["preset"]["keep_prob"] == (0.8 if name == "dropout" else 1.0)),
    ("skip_connection", None, lambda name, r: r["graph_config"]["skip"] == (name == "scan, skip t-2")),
    ("cell_comparison", ["LN_GRU"], lambda name, r: r["graph_config"]["cell_type"] == "LN_GRU" and r["post"] == {}),
])
def test_each_open_thread_runs_in_quick_mode_and_records_what_ran(experiment, models, check):
    results = experiments.run(experiment, epochs=1, num_steps=10, models=models, max_chars=2000, verbose=False)
    assert list(results) == (models or experiments.default_models(experiment))
    for name, record in results.items():
        assert check(name, record), (name, record["preset"], record["graph_config"])
        assert np.isfinite(record["losses"][0]) and np.isfinite(record["valid_losses"][0])


@pytest.mark.slow
def test_the_three_graph_styles_train_one_model_so_their_losses_coincide():
    """Notebook 02 draws the recorded graph_styles run and says its three curves are one: the run that records it
    (``reproduce graph_styles``, ``R2RT_RERUN=1``) gives list, dynamic_rnn and scan the same losses, epoch by epoch."""
    results = experiments.run("graph_styles", epochs=2, num_steps=10, max_chars=3000, verbose=False)
    assert list(results) == ["list", "dynamic_rnn", "scan"]
    first = results["list"]
    assert first["losses"][1] < first["losses"][0]  # it trains
    for name, record in results.items():
        assert record["graph_config"]["num_steps"] == 10 and record["epoch_seconds"] and record["build_seconds"] > 0
        np.testing.assert_allclose(record["losses"], first["losses"], rtol=0, atol=5e-4, err_msg=name)
        np.testing.assert_allclose(record["valid_losses"], first["valid_losses"], rtol=0, atol=5e-4, err_msg=name)
