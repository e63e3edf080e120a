"""The fast paths compute the post's models: LN_LSTM_fast gives LN_LSTM's loss, state and gradients
for the same weights; the in-graph sampler writes the same text as generate_characters."""
import numpy as np
import pytest

from r2rt_rnn.beyond import in_graph_sampler as fast
from r2rt_rnn.cell_types import CELL_TYPES, same_model
from r2rt_rnn.data import bundled_corpus
from r2rt_rnn.generate import generate_characters, generate_from_checkpoint
from r2rt_rnn.model import build_graph
from r2rt_rnn.tf1 import tf
from r2rt_rnn.train import train_network

pytestmark = pytest.mark.slow  # trains a checkpoint of every cell type, and builds the sampler graphs

BATCH, STEPS, UNITS = 4, 7, 16
# every cell type that is its own model (LN_LSTM_fast is LN_LSTM's, which the in-graph sampler runs on it)
SAMPLED_CELL_TYPES = [c for c in CELL_TYPES if same_model(c) == c]


def run_model(cell_type, weights=None, state_values=None, keep_prob=None, build_with_dropout=False):
    """Loss, final state and gradients (variables and initial state) of one batch.

    ``weights``: {variable name: value} to load (default: fresh random ones, returned).
    """
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 65, (2, BATCH, STEPS))
    g = build_graph(cell_type, state_size=UNITS, batch_size=BATCH, num_steps=STEPS, num_layers=2,
                    build_with_dropout=build_with_dropout)
    variables = {v.op.name: v for v in tf.trainable_variables()}
    names = sorted(variables)
    init_state = tf.nest.flatten(g["init_state"])
    final_state = tf.nest.flatten(g["final_state"])
    # a loss that depends on the final state too, so its gradient is checked as well
    objective = g["total_loss"] + sum(0.1 * (k + 1) * tf.reduce_sum(s) for k, s in enumerate(final_state))
    grads = [tf.convert_to_tensor(d) for d in tf.gradients(objective, [variables[n] for n in names] + init_state)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        if weights is None:
            weights = {n: 0.5 * rng.standard_normal(v.shape.as_list()).astype(np.float32) for n, v in variables.items()}
        assert sorted(weights) == names  # same variable names: checkpoints interchange
        for n, v in variables.items():
            v.load(weights[n], sess)
        feed = {g["x"]: x, g["y"]: y}
        if state_values is not None:
            feed.update(zip(init_state, state_values))
        if keep_prob is not None:
            feed[g["keep_prob"]] = keep_prob
        loss, state, grad_values = sess.run([g["total_loss"], final_state, grads], feed)
    return weights, loss, state, dict(zip(names + [f"init_state_{k}" for k in range(len(init_state))], grad_values))


@pytest.mark.parametrize("post_cell, fast_cell", [("LN_LSTM", "LN_LSTM_fast")])
def test_fast_cell_is_the_same_model(post_cell, fast_cell):
    states = list(np.random.default_rng(1).standard_normal((4, BATCH, UNITS)).astype(np.float32))  # 2 layers x (c, h)
    weights, loss, state, grads = run_model(post_cell, state_values=states)
    _, fast_loss, fast_state, fast_grads = run_model(fast_cell, weights, states)
    np.testing.assert_allclose(fast_loss, loss, rtol=1e-5)
    for a, b in zip(fast_state, state):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert sorted(fast_grads) == sorted(grads)
    for name, g in grads.items():
        np.testing.assert_allclose(fast_grads[name], g, rtol=1e-4, atol=1e-5 * np.abs(g).max(), err_msg=name)


def test_fast_cell_dropout_uses_the_keep_prob_placeholder():
    weights, loss, _, _ = run_model("LN_LSTM")
    _, kept, _, _ = run_model("LN_LSTM_fast", weights, build_with_dropout=True)  # keep_prob defaults to 1.0
    _, dropped, _, grads = run_model("LN_LSTM_fast", weights, build_with_dropout=True, keep_prob=0.5)
    np.testing.assert_allclose(kept, loss, rtol=1e-5)
    assert abs(dropped - loss) > 1e-3
    assert all(np.all(np.isfinite(g)) for g in grads.values())


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """A tiny model of each cell type trained a few steps on a slice of tiny-shakespeare, saved."""
    corpus = bundled_corpus()
    paths = {}
    for cell_type in SAMPLED_CELL_TYPES:
        path = tmp_path_factory.mktemp(str(cell_type)) / "model"
        g = build_graph(cell_type, state_size=32, num_layers=2, batch_size=8, num_steps=20, learning_rate=1e-2)
        train_network(g, 1, num_steps=20, batch_size=8, verbose=False, save=path, data=corpus.train[:4000],
                      vocab=corpus.vocab)
        paths[cell_type] = path
    return paths


OPTIONS = [{}, {"pick_top_chars": 5, "temperature": 0.7, "prompt": "ROMEO:"}, {"temperature": 1.5, "prompt": "Th"}]
POST_GATED = ("LSTM", "GRU", "LN_LSTM", "Custom")
# every sampling option with the post's gated cells, and every other cell type with the defaults
SAMPLER_CASES = ([pytest.param(c, o, id=f"{c}-options{i}") for c in POST_GATED for i, o in enumerate(OPTIONS)]
                 + [pytest.param(c, {}, id=f"{c or 'RNN'}-options0")
                    for c in SAMPLED_CELL_TYPES if c not in POST_GATED])


@pytest.mark.parametrize("cell_type, options", SAMPLER_CASES)
def test_sample_in_graph_writes_the_same_text(checkpoints, cell_type, options):
    """Both samplers, every cell type (on a Custom cell the in-graph sampler's loop once failed to build)."""
    path = checkpoints[cell_type]
    expected = generate_from_checkpoint(path, 200, seed=7, verbose=False, **options)
    text = fast.sample_in_graph(path, 200, seed=7, **options)
    assert text == expected
    assert text.startswith(options.get("prompt", "A")) and len(text) == len(options.get("prompt", "A")) + 200


@pytest.mark.parametrize("num_chars", [1, fast.UNROLL - 1, fast.UNROLL + 1, 2 * fast.UNROLL])
def test_sample_in_graph_any_length(checkpoints, num_chars):
    """The loop draws UNROLL characters per iteration; lengths that are not a multiple of it come out exact."""
    path = checkpoints["GRU"]
    expected = generate_from_checkpoint(path, num_chars, prompt="KING", seed=11, verbose=False)
    assert fast.sample_in_graph(path, num_chars, prompt="KING", seed=11) == expected
    assert len(expected) == 4 + num_chars


@pytest.mark.parametrize("cell_type", SAMPLED_CELL_TYPES)
def test_a_long_prompt_primed_in_one_pass_gives_the_same_text(checkpoints, cell_type, monkeypatch):
    """Over PRIME_IN_ONE_PASS characters both samplers prime in pieces (dynamic_rnn; the in-graph loop, here
    in runs of 64): the text is the one that feeding the prompt a character at a time gives, for every cell."""
    from r2rt_rnn import generate

    path, prompt = checkpoints[cell_type], bundled_corpus().text[:generate.PRIME_IN_ONE_PASS + 50]
    one_pass = generate_from_checkpoint(path, 40, prompt, seed=3, verbose=False)
    monkeypatch.setattr(fast, "PRIME_CHUNK", 64)
    assert fast.sample_in_graph(path, 40, prompt, seed=3) == one_pass
    monkeypatch.setattr(generate, "PRIME_IN_ONE_PASS", 10**9)
    assert generate_from_checkpoint(path, 40, prompt, seed=3, verbose=False) == one_pass


def test_sample_in_graph_depends_on_the_seed(checkpoints):
    path = checkpoints["LSTM"]
    assert fast.sample_in_graph(path, 50, seed=1) != fast.sample_in_graph(path, 50, seed=2)
    assert fast.sample_in_graph(path, 0, prompt="AB") == "AB"


def test_ln_lstm_checkpoint_restores_into_ln_lstm_fast(checkpoints):
    """Same variable names and shapes: an LN_LSTM checkpoint's weights give LN_LSTM_fast the same loss."""
    x = bundled_corpus().train[:41]
    losses = []
    for cell_type in ("LN_LSTM", "LN_LSTM_fast"):
        g = build_graph(cell_type, state_size=32, num_layers=2, batch_size=2, num_steps=20)
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, fast.checkpoint.load(checkpoints["LN_LSTM"]).prefix)
            losses.append(sess.run(g["total_loss"], {g["x"]: x[:40].reshape(2, 20), g["y"]: x[1:].reshape(2, 20)}))
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)


def test_post_checkpoint_resumes_and_generates_on_the_fast_path(checkpoints):
    """checkpoint.restore treats LN_LSTM and LN_LSTM_fast as one model: train --resume and generate work across them."""
    corpus = bundled_corpus()
    path = checkpoints["LN_LSTM"]
    config = fast.checkpoint.load(path).config
    sizes = {k: config[k] for k in ("state_size", "num_layers", "batch_size", "num_steps")}
    g = build_graph("LN_LSTM_fast", **sizes)
    history = train_network(g, 2, num_steps=sizes["num_steps"], batch_size=sizes["batch_size"], verbose=False,
                            data=corpus.train[:3000], vocab=corpus.vocab, resume=str(path))
    assert len(history) == 2
    g = build_graph("LN_LSTM_fast", **{**sizes, "batch_size": 1, "num_steps": 1})
    fast_text = generate_characters(g, path, 40, seed=3, verbose=False)
    assert fast_text == generate_from_checkpoint(path, 40, seed=3, verbose=False)
