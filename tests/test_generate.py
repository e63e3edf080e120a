"""generate_characters: restores a checkpoint, primes with a prompt, samples repeatably, and explains bad input."""
import numpy as np
import pytest

from conftest import REPO, run_python
from r2rt_rnn.generate import generate_characters, generate_from_checkpoint
from r2rt_rnn.model import build_graph
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.runtime.sampling import softmax
from r2rt_rnn.train import train_network

SIZES = dict(state_size=32, num_layers=2)


@pytest.fixture(scope="module")
def gru_checkpoint(tmp_path_factory, corpus):
    path = tmp_path_factory.mktemp("ckpt") / "GRU"
    g = build_graph(cell_type="GRU", batch_size=8, num_steps=20, learning_rate=1e-2, **SIZES)
    train_network(g, 2, num_steps=20, batch_size=8, verbose=False, save=str(path),
                  data=corpus.train[:20000], vocab=corpus.vocab)
    return path


def one_char_graph(cell_type="GRU", **sizes):
    return build_graph(cell_type=cell_type, batch_size=1, num_steps=1, **{**SIZES, **sizes})


def test_same_seed_same_text_and_prompt_comes_first(gru_checkpoint):
    a = generate_characters(one_char_graph(), gru_checkpoint, 80, prompt="ROMEO", seed=7, verbose=False)
    b = generate_characters(one_char_graph(), gru_checkpoint, 80, prompt="ROMEO", seed=7, verbose=False)
    c = generate_characters(one_char_graph(), gru_checkpoint, 80, prompt="ROMEO", seed=8, verbose=False)
    assert a == b != c
    assert a.startswith("ROMEO") and len(a) == 5 + 80


def test_the_whole_prompt_primes_the_state(gru_checkpoint):
    # same last character, different history: the continuations differ at the same seed
    a = generate_characters(one_char_graph(), gru_checkpoint, 40, prompt="ROMEO:", seed=1, verbose=False)
    b = generate_characters(one_char_graph(), gru_checkpoint, 40, prompt=":", seed=1, verbose=False)
    assert a[len("ROMEO:"):] != b[1:]


def test_top_one_is_greedy_whatever_the_seed(gru_checkpoint):
    texts = {generate_characters(one_char_graph(), gru_checkpoint, 30, pick_top_chars=1, seed=s, verbose=False)
             for s in (1, 2, 3)}
    assert len(texts) == 1
    cold = generate_characters(one_char_graph(), gru_checkpoint, 30, temperature=1e-4, seed=4, verbose=False)
    assert cold == texts.pop()  # a near-zero temperature is greedy too


@pytest.mark.slow
def test_generation_in_a_new_process_gives_the_same_text(gru_checkpoint):
    code = ("from r2rt_rnn.generate import generate_from_checkpoint as g; "
            f"print(repr(g({str(gru_checkpoint)!r}, 60, prompt='First', pick_top_chars=5, seed=11, verbose=False)))")
    # one fresh process, with a hash seed of its own: the vocabulary's order cannot depend on hashing
    out = run_python(code, env={"PYTHONHASHSEED": "3"})
    assert out.returncode == 0, out.stderr
    here = generate_from_checkpoint(gru_checkpoint, 60, prompt="First", pick_top_chars=5, seed=11, verbose=False)
    assert eval(out.stdout) == here


def test_prompt_character_outside_the_vocabulary(gru_checkpoint):
    with pytest.raises(R2RTError, match="'\u2603' are not in the model's vocabulary of 65"):
        generate_characters(one_char_graph(), gru_checkpoint, 5, prompt="A\u2603", verbose=False)
    with pytest.raises(R2RTError, match="prompt is empty"):
        generate_characters(one_char_graph(), gru_checkpoint, 5, prompt="", verbose=False)


def test_checkpoint_from_another_configuration(gru_checkpoint):
    with pytest.raises(R2RTError, match=r"cell_type='GRU' in the checkpoint but 'LSTM' in this graph"):
        generate_characters(one_char_graph("LSTM"), gru_checkpoint, 5, verbose=False)
    with pytest.raises(R2RTError, match=r"state_size=32 in the checkpoint but 16"):
        generate_characters(one_char_graph(state_size=16), gru_checkpoint, 5, verbose=False)


def test_graph_must_take_one_character_at_a_time(gru_checkpoint):
    g = build_graph(cell_type="GRU", batch_size=32, num_steps=200, **SIZES)
    with pytest.raises(R2RTError, match="batch_size=1, num_steps=1"):
        generate_characters(g, gru_checkpoint, 5, verbose=False)


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_chars=-1), "num_chars"), (dict(pick_top_chars=0), "pick_top_chars"),
    (dict(temperature=0), "temperature"),
])
def test_bad_sampling_settings(gru_checkpoint, kwargs, message):
    args = {"num_chars": 5, **kwargs}
    with pytest.raises(R2RTError, match=message):
        generate_characters(one_char_graph(), gru_checkpoint, verbose=False, **args)


def test_softmax_and_temperature():
    # (top-n is generate_characters' own line: test_top_one_is_greedy_whatever_the_seed, and the in-graph
    # sampler's tests, which draw the same text with --top from an independent top-k, prove it)
    logits = np.log([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(softmax(logits), [0.1, 0.2, 0.3, 0.4])
    hot = softmax(logits, temperature=2.0)
    assert hot[0] > 0.1 and hot[3] < 0.4 and hot.sum() == pytest.approx(1)


def test_bundled_corpus_is_what_generation_decodes_with(gru_checkpoint):
    assert (REPO / "data" / "tinyshakespeare.txt").exists()
    assert set(generate_characters(one_char_graph(), gru_checkpoint, 50, seed=0, verbose=False)) <= set(
        (REPO / "data" / "tinyshakespeare.txt").read_text())
