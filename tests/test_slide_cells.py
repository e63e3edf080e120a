"""Notebook 03's additions: the cells drawn gate by gate, the hand-built cells against TensorFlow's on copied
weights and in training, the sorter's optimizers, loss spikes counted, and the classifier measured as it trains."""
import numpy as np
import pytest

from r2rt_rnn.architectures import cell_match
from r2rt_rnn.architectures.many_to_one import load_sources, make_windows, spread, train_many_to_one
from r2rt_rnn.architectures.sorting import make_optimizer, train_sorter
from r2rt_rnn.beyond.spikes import spike_episodes
from r2rt_rnn.reproduction.figures import slide_cells, slides
from r2rt_rnn.reproduction.figures.drawing import count
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.tf1 import tf


def texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts + [ax.title]).replace("$", "")


@pytest.mark.parametrize("figure, gates, pointwise, labels", [
    (slide_cells.basic_cell_figure, 2, 0, ["A_u", "B_u", "A_v", "B_v", "ReLU", "tanh", "s_{t-1}", "o_t", "s_t"]),
    (slide_cells.lstm_cell_figure, 4, 5, ["F\nσ", "I\nσ", "S\ntanh", "O\nσ", "c_{t-1}", "h_{t-1}", "c_t", "h_t"]),
    (slide_cells.gru_cell_figure, 3, 5, ["U\nσ", "R\nσ", "O\ntanh", "1−", "h_{t-1}", "h_t"]),
])
def test_each_cell_is_drawn_gate_by_gate_with_the_slides_names(figure, gates, pointwise, labels):
    fig = figure()
    assert count(fig, "gate") == gates and count(fig, "pointwise") == pointwise
    assert "x_t" in texts(fig)
    for label in labels:
        assert label in texts(fig), label


@pytest.mark.parametrize("kind", ["gru", "lstm", "basic"])
def test_hand_cells_compute_tensorflows_function_on_copied_weights(kind):
    diff = cell_match.compare(kind, n=3, units=5, batch=2, steps=4, seed=1)
    assert diff["output"] < 1e-5 and diff["state"] < 1e-5


def test_lstm_weights_are_reordered_and_the_forget_bias_folded_in():
    n, units = 2, 3
    kernel = np.arange((n + units) * 4 * units, dtype=float).reshape(n + units, 4 * units)
    values = cell_match.lstm_values({"kernel": kernel, "bias": np.zeros(4 * units)}, n, units, forget_bias=1.0)
    assert (values["lstm_cell/candidate/A"] == kernel[:n, units:2 * units]).all()
    assert (values["lstm_cell/output/B"] == kernel[n:, 3 * units:]).all()
    assert (values["lstm_cell/forget/bias"] == 1.0).all() and (values["lstm_cell/input/bias"] == 0.0).all()
    with pytest.raises(R2RTError, match="kind"):
        cell_match.compare("rnn")


@pytest.mark.parametrize("cell", ["hand_lstm", "hand_basic"])
def test_the_sorter_trains_the_hand_built_lstm_and_basic_cell(cell):
    result = train_sorter(seq_length=4, num_values=6, n_train=1000, n_test=100, steps=40, batch_size=32,
                          state_dim=16, learning_rate=5e-3, log_every=0, seed=0, cell=cell)
    assert len(result["losses"]) == 40 and np.isfinite(result["losses"]).all()
    assert np.mean(result["losses"][-10:]) < np.mean(result["losses"][:10])


@pytest.mark.parametrize("optimizer, kw", [("adam", dict(epsilon=1e-3)), ("momentum", {}), ("sgd", {})])
def test_the_sorter_takes_an_optimizer(optimizer, kw):
    result = train_sorter(seq_length=3, num_values=5, n_train=500, n_test=50, steps=5, batch_size=16, state_dim=8,
                          learning_rate=0.05, log_every=0, optimizer=optimizer, **kw)
    assert len(result["losses"]) == 5


def test_bad_optimizers_are_refused():
    with tf.Graph().as_default():
        with pytest.raises(R2RTError, match="optimizer"):
            make_optimizer("rmsprop", 1e-3)
        with pytest.raises(R2RTError, match="epsilon"):
            make_optimizer("adam", 1e-3, epsilon=0.0)


def test_spikes_are_steps_over_k_times_the_running_median_grouped_into_episodes():
    losses = np.full(200, 0.1)
    losses[[100, 110, 160]] = [1.0, 0.9, 0.6]
    losses[170] = 0.4  # 4 x the median: not a spike at factor 5
    assert spike_episodes(losses, window=50) == [(101, 111), (161, 161)]
    assert spike_episodes(losses, window=50, gap=5) == [(101, 101), (111, 111), (161, 161)]
    tiny = np.full(100, 1e-4)
    tiny[60] = 5e-3  # 50 x the median, but under the floor of 0.01
    assert spike_episodes(tiny, window=10) == []
    with pytest.raises(R2RTError, match="window"):
        spike_episodes(losses, window=0)


def test_the_classifier_is_measured_on_held_out_windows_as_it_trains():
    data = make_windows(load_sources(), seq_length=16, train_per_class=40, test_per_class=10, seed=0)
    result = train_many_to_one(data, steps=6, batch_size=8, state_dim=8, n_layers=1, log_every=0, eval_every=3)
    assert [s for s, _ in result["valid_losses"]] == [3, 6] == [s for s, _ in result["valid_accuracies"]]
    assert result["valid_accuracies"][-1][1] == pytest.approx(result["test_accuracy"])
    train_confusion = np.array(result["train_confusion"])
    assert (train_confusion.sum(axis=1) == 40).all()  # every class's training windows, not the first class's
    assert np.trace(train_confusion) / 160 == pytest.approx(result["train_accuracy"])
    fig = slides.held_out_figure(result, np.log(4))
    assert len(fig.axes) == 2
    assert list(spread(10, 4)) == [0, 3, 6, 9] and list(spread(3, 10)) == [0, 1, 2]


def test_result_figures_draw_every_run():
    runs = {"a": list(np.linspace(3, 1, 100)), "b": list(np.linspace(3, 2, 100))}
    fig = slides.runs_figure({"sorter": runs}, window=10, marks={"a": [50]})
    assert len(fig.axes[0].lines) == 4
    recorded = {"2e-3": {"losses": runs["a"], "valid_losses": [[50, 3.0], [100, 2.0]]}, "5e-4": {"losses": runs["b"]}}
    fig = slides.rates_figure(recorded, 3.3)
    assert len(fig.axes[0].lines) == 4  # two training lines, one held-out line, the frequencies
