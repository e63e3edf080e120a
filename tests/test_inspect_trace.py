"""Tracing: the states and guesses it returns are those of the generation path, for every model.

The reference is what ``generate_characters`` does: the checkpoint's own graph rebuilt
with ``batch_size=1, num_steps=1``, one ``session.run`` per token, the state fed back.
The tracer's gates are checked against the cell equations computed in numpy from the
checkpoint's weights, and the streaming statistics against one-shot numpy.
"""

import numpy as np
import pytest

from conftest import PASSAGE, ptb_checkpoint, slow_but
from r2rt_rnn.beyond.inspect.analysis import inspect_passage
from r2rt_rnn.beyond.inspect.features import compute_features
from r2rt_rnn.beyond.inspect.gates import gate_saturation
from r2rt_rnn.beyond.inspect.ranking import UnitStats, rank_units
from r2rt_rnn.beyond.inspect.trace import Tracer, trace
from r2rt_rnn.model import CELL_TYPES
from r2rt_rnn.runtime import checkpoint
from r2rt_rnn.runtime.sampling import sampling_session_config
from r2rt_rnn.tf1 import tf


def step_by_step(path, ids):
    """The generation path: per token, the states (one dict per layer) and the next-token probabilities."""
    ckpt = checkpoint.load(path)
    if ckpt.config["builder"] == "ptb_word_lm":
        from r2rt_rnn.ptb.model import build_models
        from r2rt_rnn.ptb.word_lm import load_model

        models = build_models(load_model(path)[1])
        model = models["test"]
        graph, x, logits_t, final = models["graph"], model.input_data, model.logits, model.final_state
        state_feed = model.state_feed
    else:
        models = checkpoint.build_from_checkpoint(ckpt, batch_size=1, num_steps=1)
        graph, x, logits_t, final = tf.get_default_graph(), models["x"], models["logits"], models["final_state"]

        def state_feed(state):
            return {models["init_state"]: state}
    states, probs = [], []
    with tf.Session(graph=graph, config=sampling_session_config()) as sess:
        checkpoint.restore(sess, models, ckpt)
        state = None
        for token in ids:
            feed = {x: [[token]]}
            if state is not None:
                feed.update(state_feed(state))  # the state carried from the last token, as generation does
            logits, state = sess.run([logits_t, final], feed)
            z = logits[0].astype(np.float64)
            probs.append(np.exp(z - z.max()) / np.exp(z - z.max()).sum())
            states.append([{"c": s.c[0], "h": s.h[0]} if hasattr(s, "c") else {"h": s[0]} for s in state])
    return states, np.array(probs)


@pytest.mark.parametrize("cell_type", slow_but(list(CELL_TYPES), "GRU"), ids=lambda c: c or "RNN")
def test_tracing_equals_stepping_one_character_at_a_time(make_checkpoint, cell_type):
    path = make_checkpoint(cell_type)
    t = trace(path, PASSAGE, chunk=13)  # several chunks: the state must be carried between them
    states, probs = step_by_step(path, t.ids)
    assert len(t) == len(PASSAGE) and t.tokens == list(PASSAGE)
    for layer in range(2):
        for part in t.layers[layer].keys() & {"c", "h"}:
            reference = np.array([s[layer][part] for s in states])
            np.testing.assert_allclose(t.layers[layer][part], reference, atol=2e-5, err_msg=f"{layer} {part}")
            assert np.abs(reference).max() > 0.05  # the states are not all zero: the comparison means something
    # the guesses: the top 5 in order, and the probability of the character that came
    np.testing.assert_allclose(t.top_probs, -np.sort(-probs, axis=1)[:, :5], atol=2e-5)
    np.testing.assert_allclose(t.next_prob[:-1], probs[np.arange(len(probs) - 1), t.ids[1:]], atol=2e-5)
    assert np.isnan(t.next_prob[-1])  # nothing follows the last character
    for layer in t.layers:
        for name in set(layer) - {"c", "h"}:
            assert ((layer[name] >= 0) & (layer[name] <= 1)).all(), name  # every gate is a sigmoid or a softmax


def test_ptb_tracing_equals_stepping_one_word_at_a_time(tmp_path):
    path = ptb_checkpoint(tmp_path)
    text = " you are all resolved rather to die \n speak speak \n first you know <unk> \n"
    t = trace(path, text, chunk=4)
    assert t.tokens == text.replace("\n", " <eos> ").split() and t.level == "word"
    states, probs = step_by_step(path, t.ids)
    for layer in range(2):
        for part in ("c", "h"):
            np.testing.assert_allclose(t.layers[layer][part], [s[layer][part] for s in states], atol=2e-5)
    np.testing.assert_allclose(t.next_prob[:-1], probs[np.arange(len(probs) - 1), t.ids[1:]], rtol=1e-4, atol=1e-7)
    assert set(t.layers[0]) == {"c", "h", "i", "f", "o"}


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _weights(tracer):
    with tracer.g["graph"].as_default():
        return {v.op.name: tracer.session.run(v) for v in tf.global_variables()}


@pytest.mark.parametrize("cell_type", ["GRU", "LSTM"])
def test_rewritten_tensorflow_cells_record_the_gates_of_the_cell_equations(make_checkpoint, cell_type):
    """TensorFlow's GRUCell and LSTMCell hide their gates; our rewrite must give the textbook values."""
    path = make_checkpoint(cell_type, num_layers=1)
    t = trace(path, PASSAGE)
    with Tracer(path) as tracer:
        w = _weights(tracer)
    x = w["embedding_matrix"][t.ids]  # [T, state_size]
    h = t.layers[0]["h"]
    h_prev = np.vstack([np.zeros((1, h.shape[1])), h[:-1]])
    scope = "rnn/tracing_stack/cell_0/"
    if cell_type == "GRU":
        gates = _sigmoid(np.hstack([x, h_prev]) @ w[scope + "gru_cell/gates/kernel"] + w[scope + "gru_cell/gates/bias"])
        r, u = np.split(gates, 2, axis=1)
        np.testing.assert_allclose(t.layers[0]["r"], r, atol=1e-5)
        np.testing.assert_allclose(t.layers[0]["u"], u, atol=1e-5)
    else:
        z = np.hstack([x, h_prev]) @ w[scope + "lstm_cell/kernel"] + w[scope + "lstm_cell/bias"]
        i, j, f, o = np.split(z, 4, axis=1)
        np.testing.assert_allclose(t.layers[0]["i"], _sigmoid(i), atol=1e-5)
        np.testing.assert_allclose(t.layers[0]["f"], _sigmoid(f + 1.0), atol=1e-5)  # LSTMCell's forget bias
        np.testing.assert_allclose(t.layers[0]["o"], _sigmoid(o), atol=1e-5)


def test_custom_cell_records_its_mixture_weights(make_checkpoint):
    path = make_checkpoint("Custom")
    t = trace(path, PASSAGE)
    mix = t.layers[1]["mix"]
    assert mix.shape == (len(PASSAGE), 5)
    np.testing.assert_allclose(mix.sum(axis=1), 1.0, atol=1e-5)
    assert mix.std(axis=0).max() > 1e-3  # the weights change with the input


def test_surprisal_and_running_loss(make_checkpoint):
    t = trace(make_checkpoint("GRU"), PASSAGE)
    np.testing.assert_allclose(t.surprisal[:-1], -np.log2(t.next_prob[:-1]))
    loss = -np.log(t.next_prob[:-1])
    np.testing.assert_allclose(t.running_loss[:-1], np.cumsum(loss) / np.arange(1, len(loss) + 1), rtol=1e-6)
    assert t.running_loss[-1] == pytest.approx(loss.mean())  # the last position adds nothing


def test_streaming_pass_ranks_as_the_whole_trace_and_keeps_only_what_the_page_shows(make_checkpoint):
    path = make_checkpoint("LSTM")
    text = PASSAGE * 6
    whole = trace(path, text)
    expected = rank_units(whole, compute_features(whole.tokens), top=4)
    found = inspect_passage(path, text, keep=50, chunk=17, top=4)
    assert found.num_tokens == len(text) and len(found.shown) == 50
    assert set(found.shown.layers[0]) == {"c", "h"}  # the gates are summarised, not kept
    for name, ranked in expected.items():
        got = found.rankings[name]
        assert [str(s.unit) for s in got] == [str(s.unit) for s in ranked], name
        np.testing.assert_allclose([s.correlation for s in got], [s.correlation for s in ranked], atol=1e-6)
        np.testing.assert_allclose([s.inside for s in got], [s.inside for s in ranked], atol=1e-9)
    assert found.gates.summary() == gate_saturation(whole).summary()
    assert found.loss == pytest.approx(-np.log(whole.next_prob[:-1]).mean(), rel=1e-6)


def test_unit_stats_in_chunks_equal_numpy_at_once():
    rng = np.random.default_rng(0)
    features = np.stack([rng.integers(0, 2, 500), rng.normal(size=500)], axis=1).astype(float)
    units = rng.normal(size=(500, 6)) + features[:, :1] * np.arange(6) * 0.5
    stats = UnitStats(["binary", "noise"], list(range(6)))
    for start in range(0, 500, 37):
        stats.add(features[start:start + 37], units[start:start + 37])
    expected = np.corrcoef(np.hstack([features, units]).T)[:2, 2:]
    np.testing.assert_allclose(stats.correlation(), expected, atol=1e-10)
    inside, outside = stats.fractions()
    marked = features[:, 0] > 0
    np.testing.assert_allclose(inside[0], (units[marked] > 0.5).mean(axis=0))
    np.testing.assert_allclose(outside[0], (units[~marked] > 0.5).mean(axis=0))
    assert [s.unit for s in stats.ranking("binary", 3)] == [5, 4, 3]  # the more it depends, the higher it ranks
