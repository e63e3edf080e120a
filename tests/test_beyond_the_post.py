"""Beyond the post, off by default: gradient clipping, a learning-rate schedule, the best checkpoint."""
import json

import numpy as np
import pytest

import r2rt_rnn.train as train_module
from r2rt_rnn.cli import main as cli_main
from r2rt_rnn.graphs import common
from r2rt_rnn.model import build_graph
from r2rt_rnn.reproduction.presets import PRESETS
from r2rt_rnn.runtime import checkpoint
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.tf1 import tf
from r2rt_rnn.train import train_network

SMALL = dict(cell_type="GRU", state_size=16, num_layers=2, num_steps=10, batch_size=8, num_classes=65)


def losses_after_steps(g, data, steps=3):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        batches = list(zip(range(steps), train_module.ptb_iterator(data, 8, 10)))
        return [sess.run([g["total_loss"], g["train_step"]], {g["x"]: x, g["y"]: y})[0] for _, (x, y) in batches]


def test_clipping_bounds_the_global_gradient_norm(small_data):
    x, y = next(train_module.ptb_iterator(small_data, 8, 10))
    for max_norm in (None, 0.05):
        g = build_graph(max_grad_norm=max_norm, **SMALL)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            before, applied = sess.run([g["grad_norm"], g["applied_grad_norm"]], {g["x"]: x, g["y"]: y})
        assert before > 0.05  # an untrained model's gradient is larger than the bound
        if max_norm is None:
            assert applied == pytest.approx(before)  # the post's model: no clipping
        else:
            assert applied == pytest.approx(max_norm, rel=1e-4)


def test_defaults_build_the_posts_model_same_variables_same_losses(small_data):
    """build_graph's defaults against the post's own last step, Adam's minimize at a constant rate."""
    g = build_graph(**SMALL)
    ours = losses_after_steps(g, small_data)
    variables = [(v.name, v.shape.as_list()) for v in tf.global_variables()]

    # the post's last step: Adam's plain minimize at the config's constant rate, no norms, no extra keys
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(common, "feedable_learning_rate", lambda rate: rate)
        patch.setattr(common, "GradientNorms", lambda optimizer, config: optimizer)
        patch.setattr(common, "beyond_the_post", lambda config, learning_rate, optimizer, **extra:
                      dict(config=config, **extra))
        post = build_graph(**SMALL)
    assert "grad_norm" not in post and "learning_rate" not in post  # the patches took: this is the post's graph
    assert [(v.name, v.shape.as_list()) for v in tf.global_variables()] == variables
    assert losses_after_steps(post, small_data) == ours  # bit for bit


def scripted_validation(monkeypatch, losses):
    """Make each epoch's validation loss the next of ``losses``."""
    values = iter(losses)
    monkeypatch.setattr(train_module, "evaluate", lambda *args, **kwargs: next(values))


def record_fed_rates(monkeypatch):
    """The learning rate each epoch's batches were fed, in order."""
    fed = []
    real_run_batches = train_module.run_batches

    def recording_run_batches(sess, g_, batches, train, feed=None, *args, **kwargs):
        if train:
            fed.append(feed[g_["learning_rate"]])
        return real_run_batches(sess, g_, batches, train, feed, *args, **kwargs)

    monkeypatch.setattr(train_module, "run_batches", recording_run_batches)
    return fed


def test_the_schedule_lowers_the_rate_when_validation_stalls(small_data, monkeypatch):
    scripted_validation(monkeypatch, [3.0, 3.1, 3.2, 2.0])
    g = build_graph(learning_rate=1e-2, **SMALL)
    fed = record_fed_rates(monkeypatch)
    history = train_network(g, 4, data=small_data[:2000], valid_data=small_data[2000:3000], lr_decay=0.5,
                            verbose=False)
    assert fed == pytest.approx([1e-2, 1e-2, 5e-3, 2.5e-3])  # what the optimizer was fed, epoch by epoch
    assert history.learning_rates == pytest.approx(fed)
    assert history.next_learning_rate == pytest.approx(2.5e-3)  # 2.0 improved: no further decay


def test_the_fixed_schedule_decays_every_epoch_after_n_and_on_stalls_before(small_data, monkeypatch):
    scripted_validation(monkeypatch, [3.0, 3.1, 2.9, 2.8, 2.7, 2.6])  # epoch 2 stalls; the rest improve
    fed = record_fed_rates(monkeypatch)
    g = build_graph(learning_rate=1e-2, **SMALL)
    history = train_network(g, 6, data=small_data[:2000], valid_data=small_data[2000:3000], lr_decay=0.5,
                            lr_decay_after=4, verbose=False)
    assert fed == pytest.approx([1e-2, 1e-2, 5e-3, 5e-3, 2.5e-3, 1.25e-3])
    assert history.next_learning_rate == pytest.approx(6.25e-4)


def test_the_fixed_schedule_needs_no_validation_text(small_data, monkeypatch):
    fed = record_fed_rates(monkeypatch)
    g = build_graph(learning_rate=1e-2, **SMALL)
    train_network(g, 3, data=small_data[:2000], lr_decay=0.5, lr_decay_after=1, verbose=False)
    assert fed == pytest.approx([1e-2, 5e-3, 2.5e-3])


@pytest.mark.parametrize("kwargs", [dict(lr_decay_after=2), dict(lr_decay=0.5, lr_decay_after=0),
                                    dict(lr_decay=0.5, lr_decay_after=2.5), dict(lr_decay=0.5, lr_decay_after=True)])
def test_bad_fixed_schedules_are_refused(small_data, kwargs):
    with pytest.raises(R2RTError, match="lr_decay_after must be"):
        train_network(build_graph(**SMALL), 1, data=small_data[:2000], verbose=False, **kwargs)


def test_without_a_schedule_the_rate_stays_the_posts(small_data, monkeypatch):
    scripted_validation(monkeypatch, [3.0, 3.1, 3.2])
    history = train_network(build_graph(**SMALL), 3, data=small_data[:2000], valid_data=small_data[2000:3000],
                            verbose=False)
    assert history.learning_rates == [1e-4] * 3


def test_the_best_checkpoint_is_the_lowest_validation_loss(small_data, monkeypatch, tmp_path, corpus):
    scripted_validation(monkeypatch, [3.0, 2.5, 2.9, 2.7])
    path = tmp_path / "run"
    history = train_network(build_graph(**SMALL), 4, data=small_data[:2000], valid_data=small_data[2000:3000],
                            vocab=corpus.vocab, save=str(path), keep_best=True, verbose=False)
    best = checkpoint.load(f"{path}-best")
    assert str(history.best_checkpoint) == f"{path}-best"
    assert best.progress["epochs_done"] == 2 and best.progress["valid_losses"][-1] == 2.5
    assert checkpoint.load(path).progress["epochs_done"] == 4  # the latest beside it
    # its weights are those after epoch 2: the same as a (repeatable) run stopped after 2 epochs
    scripted_validation(monkeypatch, [3.0, 2.5])
    train_network(build_graph(**SMALL), 2, data=small_data[:2000], valid_data=small_data[2000:3000],
                  save=str(tmp_path / "two"), verbose=False)
    def weights(ckpt):  # the tensors of the file set the checkpoint names now
        return tf.train.load_checkpoint(checkpoint.load(ckpt).prefix)

    best_w, two_w, latest_w = weights(f"{path}-best"), weights(tmp_path / "two"), weights(path)
    name = "softmax/W"
    assert np.array_equal(best_w.get_tensor(name), two_w.get_tensor(name))
    assert not np.array_equal(best_w.get_tensor(name), latest_w.get_tensor(name))


def test_the_beyond_the_post_preset_builds_and_trains(small_data):
    preset = PRESETS["beyond_the_post"].replace(state_size=16, batch_size=8, num_steps=10, epochs=1)
    g = build_graph(**preset.graph_kwargs(65))
    assert g["config"]["max_grad_norm"] == preset.max_grad_norm and g["train_feed"]  # clipping and dropout on
    history = train_network(g, 1, data=small_data[:2000], valid_data=small_data[2000:3000], verbose=False,
                            **preset.schedule_kwargs())
    assert len(history.valid_losses) == 1


@pytest.mark.slow
def test_reproduce_beyond_the_post_records_the_schedule(tmp_path):
    """The one command the report names, shrunk: the preset's fixed decay reaches the results file."""
    preset = PRESETS["beyond_the_post"]
    epochs = preset.lr_decay_after + 2
    assert cli_main(["reproduce", "beyond_the_post", "--epochs", str(epochs), "--max-chars", "4000",
                     "--out", str(tmp_path), "--progress", "off"]) == 0
    tuned = json.loads((tmp_path / "beyond_the_post.json").read_text())["tuned"]
    assert len(tuned["losses"]) == len(tuned["valid_losses"]) == epochs and tuned["train_seconds"] > 0
    rates = tuned["learning_rates"]
    assert rates[0] == preset.learning_rate and all(b <= a for a, b in zip(rates, rates[1:]))
    # after epoch lr_decay_after every epoch decays once, stall or not
    assert rates[-1] == pytest.approx(rates[-2] * preset.lr_decay)
    assert rates[-2] == pytest.approx(rates[-3] * preset.lr_decay)
    assert tuned["preset"]["lr_decay_after"] == preset.lr_decay_after
