"""min-char-rnn (the gentle intro): shapes, state carry-over, training, sampling, bad input, CLI."""
import numpy as np
import pytest

from r2rt_rnn import cli
from r2rt_rnn.data import Vocabulary, load_text
from r2rt_rnn.min_char_rnn import Config, build_graph, gen_epoch_data, sample, train
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.tf1 import tf

TEXT = load_text(None)[:30000]


def test_gen_epoch_data_streams_continue_each_other():
    ids = np.arange(1000)
    batches = list(gen_epoch_data(ids, batch_size=4, seq_length=10))
    assert len(batches) == (1000 // 4 - 1) // 10
    (x0, y0), (x1, _) = batches[0], batches[1]
    assert x0.shape == y0.shape == (4, 10)
    np.testing.assert_array_equal(y0, x0 + 1)  # the target is the next character
    np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)  # row r of batch 1 continues row r of batch 0


def test_graph_shapes_and_state_carry_over():
    vocab = Vocabulary.from_text(TEXT)
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        g = build_graph(len(vocab), hidden_size=16, seq_length=7)
        names = sorted(v.name for v in tf.trainable_variables())
        assert names == ["W_hh:0", "W_hy:0", "W_xh:0", "b_h:0", "b_y:0"]
        x, y = next(gen_epoch_data(vocab.encode(TEXT), 3, 7))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            zeros = np.zeros([3, 16], np.float32)
            x_oh, logits, h1 = sess.run([g["x_oh"], g["logits"], g["final_state"]],
                                        {g["x"]: x, g["y"]: y, g["init_state"]: zeros})
            assert x_oh.shape == logits.shape == (3, 7, len(vocab))
            np.testing.assert_array_equal(x_oh.argmax(-1), x)
            assert h1.shape == (3, 16) and np.all(np.abs(h1) < 1)  # tanh
            # The initial state matters: feeding h1 back gives different logits than zeros.
            logits2 = sess.run(g["logits"], {g["x"]: x, g["init_state"]: h1})
            assert not np.allclose(logits, logits2)


def test_training_lowers_loss_and_samples_from_vocabulary():
    config = Config(hidden_size=64, seq_length=20, batch_size=16, steps=250, sample_length=80, seed=1)
    result = train(TEXT, config, seed_char="T", progress=False, log_every=0)
    losses = result["losses"]
    assert len(losses) == 250
    uniform = np.log(len(result["vocab"]))
    assert abs(losses[0] - uniform) < 0.1  # small init: the first prediction is nearly uniform
    assert np.mean(losses[-50:]) < np.mean(losses[:50]) - 0.5  # measured: 3.40 -> 2.55
    assert np.mean(losses[-50:]) < 2.8
    assert result["sample"].startswith("T") and len(result["sample"]) == 81
    assert set(result["sample"]) <= set(TEXT)


def test_sample_is_reproducible_and_rejects_unknown_seed():
    vocab = Vocabulary.from_text("abcab")
    with tf.Graph().as_default():
        g = build_graph(len(vocab), hidden_size=8, seq_length=3)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            a = sample(sess, g, vocab, "a", 30, rng=np.random.RandomState(5))
            b = sample(sess, g, vocab, "a", 30, rng=np.random.RandomState(5))
            assert a == b and len(a) == 30 and set(a) <= set("abc")
            with pytest.raises(R2RTError, match="'z'"):
                sample(sess, g, vocab, "z", 10)


@pytest.mark.parametrize(
    "text, kwargs, match",
    [
        ("", {}, "empty"),
        ("short text", {}, "one batch needs"),
        (TEXT, {"hidden_size": 0}, "hidden_size"),
        (TEXT, {"seq_length": -3}, "seq_length"),
    ],
)
def test_bad_input_is_an_r2rt_error(text, kwargs, match):
    config = Config(steps=1, **kwargs)
    with pytest.raises(R2RTError, match=match):
        train(text, config, progress=False)


def test_unknown_seed_char_is_rejected_before_training():
    with pytest.raises(R2RTError, match="seed character"):
        train(TEXT, Config(steps=1), seed_char="\u20ac", progress=False)


def test_cli_trains_and_prints_a_sample(tmp_path, capsys):
    path = tmp_path / "tempest.txt"
    path.write_text(TEXT[:5000], encoding="utf-8")
    rc = cli.main(["minchar", "--text", str(path), "--steps", "20", "--hidden-size", "16", "--batch-size", "4",
                   "--sample-length", "30", "--seed-char", "F", "--progress", "off", "--log-every", "10"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "step 20: training loss (mean of the last 10 steps)" in out and "---- sample ----" in out
    assert out.split("---- sample ----\n", 1)[1].startswith("F")


def test_cli_reports_missing_file(tmp_path, capsys):
    rc = cli.main(["minchar", "--text", str(tmp_path / "nope.txt"), "--steps", "1"])
    assert rc == 2 and "not found" in capsys.readouterr().err


def test_intermediate_samples_are_whole_starting_with_the_seed_character():
    result = train(TEXT, Config(hidden_size=8, seq_length=5, batch_size=2, steps=10, sample_length=5),
                   seed_char="T", progress=False, log_every=0, samples_every=5)
    assert sorted(result["samples"]) == [5, 10]
    for text in result["samples"].values():
        assert text.startswith("T") and len(text) == 101
    assert result["sample"].startswith("T") and len(result["sample"]) == 6


def test_held_out_loss_is_measured_on_text_never_trained_on():
    train_text, valid_text = TEXT[:4000], TEXT[4000:5000] + "\u00e9"  # a character only the held-out text has
    result = train(train_text, Config(steps=12, batch_size=4, hidden_size=16), progress=False, log_every=0,
                   valid_text=valid_text, eval_every=5)
    assert [step for step, _ in result["valid_losses"]] == [5, 10, 12]  # every 5 steps, and at the end
    assert all(0 < loss < np.log(len(result["vocab"])) + 0.3 for _, loss in result["valid_losses"])
    assert "\u00e9" in result["vocab"].vocab_to_idx and result["passes"] >= 1
    with pytest.raises(R2RTError, match="valid_text has 3 characters"):
        train(train_text, Config(steps=1, batch_size=4), progress=False, valid_text="abc")
