"""The gradient's reach (r2rt_rnn.beyond.gradient_reach): shapes, a nonzero gradient at the last step, a
tanh RNN with tiny recurrent weights forgetting faster than one with its initial weights, the state carried
into the measured batch, and the figure."""
import numpy as np
import pytest

from r2rt_rnn.beyond.gradient_reach import decay_per_step, inputs_of, measure, reach_on, reach_tensor
from r2rt_rnn.data import bundled_corpus, ptb_iterator
from r2rt_rnn.model import build_graph
from r2rt_rnn.reproduction.figures.post_losses import gradient_reach_figure
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.tf1 import tf

BATCH, STEPS, UNITS = 4, 12, 16


def test_measure_gives_one_positive_norm_per_step_back_for_each_cell():
    text = bundled_corpus().train[:3000]
    results = measure([None, "GRU"], text, text, num_steps=STEPS, train_steps=2, num_layers=1, state_size=UNITS,
                      batch_size=BATCH)
    assert list(results) == ["RNN", "GRU"]
    for record in results.values():
        for key in ("init", "trained"):
            assert record[key].shape == (STEPS,)
            assert np.all(np.isfinite(record[key])) and record[key][0] > 0  # the last step's input matters
        assert record["updates"] == 2 and all(np.isfinite(record["losses"]))


def reach_with_recurrent_scale(scale):
    """The reach of a 1-layer tanh RNN whose recurrent weights are multiplied by ``scale``."""
    g = build_graph(None, state_size=UNITS, batch_size=BATCH, num_steps=STEPS, num_layers=1)
    assert inputs_of(tf.get_default_graph()).shape.as_list() == [BATCH, STEPS, UNITS]
    reach = reach_tensor(g)
    kernel = next(v for v in tf.trainable_variables() if "kernel" in v.op.name or "Matrix" in v.op.name)
    x, y = np.random.default_rng(0).integers(0, 65, (2, BATCH, STEPS))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        weights = sess.run(kernel)
        weights[UNITS:] *= scale  # rows UNITS..: the previous state's part of [input, state]
        kernel.load(weights, sess)
        return sess.run(reach, {g["x"]: x, g["y"]: y})


def test_tiny_recurrent_weights_make_the_gradient_vanish_faster():
    normal, tiny = reach_with_recurrent_scale(1.0), reach_with_recurrent_scale(0.05)
    assert normal[0] > 0 and tiny[0] > 0
    assert tiny[5] / tiny[0] < 1e-3 * normal[5] / normal[0]
    assert decay_per_step(tiny) < decay_per_step(normal)


def test_decay_per_step_is_the_factor_of_a_geometric_sequence():
    assert decay_per_step(3.0 * 0.5 ** np.arange(10), start=0) == pytest.approx(0.5)
    with pytest.raises(R2RTError):
        decay_per_step([1.0, 0.5], start=1)


def test_the_figure_draws_each_cell_relative_to_its_last_step_in_two_log_panels():
    results = {"RNN": {"init": np.array([2.0, 1.0, 0.5]), "trained": np.array([4.0, 1.0, 0.1])},
               "GRU": {"init": np.array([1.0, 1.0, 1.0]), "trained": np.array([1.0, 2.0, 0.5])}}
    fig = gradient_reach_figure(results, title="reach")
    assert len(fig.axes) == 2 and all(ax.get_yscale() == "log" for ax in fig.axes)
    assert [line.get_label() for line in fig.axes[1].lines] == ["RNN", "GRU"]
    assert list(fig.axes[1].lines[0].get_ydata()) == [1.0, 0.25, 0.025]


def test_reach_on_carries_the_state_from_the_batches_before():
    g = build_graph("GRU", state_size=UNITS, batch_size=BATCH, num_steps=STEPS, num_layers=1)
    reach = reach_tensor(g)
    first, second = list(ptb_iterator(bundled_corpus().train[:2000], BATCH, STEPS))[:2]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        carried, fresh = reach_on(sess, g, reach, [first, second]), reach_on(sess, g, reach, [second])
        again = reach_on(sess, g, reach, [first, second])
    assert carried.shape == fresh.shape == (STEPS,)
    np.testing.assert_allclose(carried, again, rtol=1e-5)  # no randomness, no state kept between calls
    assert not np.allclose(carried, fresh)  # the first batch's final state changed the second's gradients
