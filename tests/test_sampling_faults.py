"""Sampling at the edges: a temperature so small it overflows (greedy, the same in both character samplers and
for words, with warnings as errors), a word sample of any length (streamed from chunked uniforms, the same text,
stopped by Ctrl-C within a second), a long prompt primed in one pass (the per-character state, the same text)."""
import dataclasses
import itertools
import signal
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import TINY, assert_one_line_error, run_cli, run_python, slow_but, start_cli
from r2rt_rnn import generate
from r2rt_rnn.beyond import in_graph_sampler
from r2rt_rnn.runtime.sampling import sample_index, softmax

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ptb_tiny"
TINY_TEMPERATURES = [5e-324, 1e-320, 1e-308, 1e-300, 1e-30]


@pytest.fixture(scope="module")
def words(tmp_path_factory):
    """``(checkpoint path, PTBData)`` of a one-epoch PTB model on the tiny fixture (a few seconds)."""
    from r2rt_rnn.ptb import word_lm
    from r2rt_rnn.ptb.configs import TestConfig
    from r2rt_rnn.ptb.reader import ptb_raw_data

    data = ptb_raw_data(FIXTURE)
    save = tmp_path_factory.mktemp("ptb_words") / "ckpt"
    config = dataclasses.replace(TestConfig(), hidden_size=16, num_steps=5)
    return word_lm.train(config, raw_data=data, save_path=save, max_epochs=1, seed=0, log=None).checkpoint, data


# --- tiny temperatures ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("temperature", TINY_TEMPERATURES + [1e-3, 1.0, 1e3, 1e308])
def test_softmax_is_a_distribution_at_every_temperature_without_a_warning(temperature):
    logits = np.array([1.5, -2.0, 3.25, 3.0, -40.0], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow or an invalid value would raise here
        p = softmax(logits, temperature)
    assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
    if temperature <= 1e-30:
        assert p.tolist() == [0, 0, 1, 0, 0]  # greedy: the likeliest, always
    if temperature == 1e308:
        np.testing.assert_allclose(p, 0.2)  # so hot that every word is as likely


def test_equally_likely_maxima_share_the_draw_at_a_tiny_temperature():
    p = softmax(np.array([2.0, -1.0, 2.0]), 1e-320)
    assert p.tolist() == [0.5, 0, 0.5]
    assert [sample_index(p, u) for u in (0.0, 0.49, 0.5, 0.99)] == [0, 0, 2, 2]


@pytest.mark.parametrize("temperature", slow_but(TINY_TEMPERATURES, 1e-320))
def test_both_character_samplers_are_greedy_at_a_tiny_temperature(trained, temperature):
    path = trained[0]
    greedy = generate.generate_from_checkpoint(path, 30, "F", pick_top_chars=1, seed=2, verbose=False)
    assert generate.generate_from_checkpoint(path, 30, "F", temperature=temperature, seed=1, verbose=False) == greedy
    assert in_graph_sampler.sample_in_graph(path, 30, "F", temperature=temperature, seed=1) == greedy


@pytest.mark.slow
def test_the_command_line_samplers_agree_at_a_tiny_temperature():
    """The report's case: 1e-320 was a traceback one way and 30 line breaks the other."""
    args = ["generate", "post-GRU", "--num-chars", "30", "--seed", "1", "--temperature", "1e-320"]
    per_char, in_graph, top_one = (run_cli(*args), run_cli(*args, "--in-graph"),
                                   run_cli("generate", "post-GRU", "--num-chars", "30", "--top", "1"))
    for proc in (per_char, in_graph, top_one):
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert per_char.stdout == in_graph.stdout == top_one.stdout
    assert per_char.stdout.count("\n") < 10


def test_the_word_sampler_is_greedy_at_a_tiny_temperature_with_warnings_as_errors(words):
    from r2rt_rnn.ptb.sample import sample_words

    path, _ = words
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=RuntimeWarning)  # numpy's overflow (TensorFlow's own stay notes)
        texts = {sample_words(path, 15, "the", temperature=t, seed=s) for t in (1e-320, 1e-308) for s in (1, 2)}
    assert len(texts) == 1
    assert texts.pop() == sample_words(path, 15, "the", temperature=1e-6, seed=3)  # the greedy text


@pytest.mark.slow
def test_generate_on_a_word_model_at_a_tiny_temperature_in_a_process_where_warnings_are_errors(words):
    path, _ = words
    out = run_python(f"from r2rt_rnn.cli import main; main(['generate', {str(path)!r}, '--num-words', '10', "
                     "'--temperature', '1e-320', '--seed', '1'])", env={"PYTHONWARNINGS": "error"})
    assert out.returncode == 0 and out.stderr == "", out.stderr
    assert len(out.stdout.split()) == 10


# --- the word sampler streams -----------------------------------------------------------------------------------

def reference_word_ids(path, num_words, prompt, temperature, seed):
    """The word sampler as it was: every uniform drawn up front, then one session.run per word."""
    from r2rt_rnn.ptb.model import build_models
    from r2rt_rnn.ptb.word_lm import load_model
    from r2rt_rnn.runtime import checkpoint
    from r2rt_rnn.tf1 import tf

    ckpt, config = load_model(path)
    uniforms = np.random.default_rng(seed).random(num_words)
    models = build_models(config)
    model = models["test"]
    sampled, feed = [], [ckpt.vocab.vocab_to_idx[w] for w in prompt.split()]
    with tf.Session(graph=models["graph"]) as session:
        checkpoint.restore(session, models, ckpt)
        state = session.run(model.initial_state)
        for u in uniforms:
            for word_id in feed:
                logits, state = session.run([model.logits, model.final_state],
                                            {model.input_data: [[word_id]], **model.state_feed(state)})
            sampled.append(sample_index(softmax(logits[0], temperature), u))
            feed = [sampled[-1]]
    return sampled


def test_the_word_sampler_draws_uniforms_in_chunks_and_keeps_each_seeds_text(words, monkeypatch):
    from r2rt_rnn.ptb import sample

    path, _ = words
    expected = reference_word_ids(path, 40, "we know", 0.9, 17)
    assert sample.sample_word_ids(path, 40, "we know", temperature=0.9, seed=17)[2].tolist() == expected
    monkeypatch.setattr(sample, "UNIFORMS_CHUNK", 7)  # 40 words from six chunks: the same draws, the same text
    assert sample.sample_word_ids(path, 40, "we know", temperature=0.9, seed=17)[2].tolist() == expected
    text = "".join(sample.iter_words(path, 40, "we know", temperature=0.9, seed=17))
    assert text == sample.sample_words(path, 40, "we know", temperature=0.9, seed=17)


def test_a_word_sample_of_any_length_streams_in_bounded_memory(words):
    from r2rt_rnn.ptb.sample import iter_words, sample_words

    path, _ = words
    tracemalloc.start()
    try:
        pieces = iter_words(path, 99_999_999_999, "the", seed=4)  # was a 745 GiB allocation
        first = list(itertools.islice(pieces, 300))
        pieces.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20
    assert "".join(first[:31]) == sample_words(path, 30, "the", seed=4)  # the prompt's word, then 30 drawn


@pytest.mark.slow
def test_ctrl_c_stops_a_long_word_sample_within_a_second(words):
    path, _ = words
    proc = start_cli(["generate", path, "--num-words", "99999999999", "--seed", "1"])
    assert proc.stdout.read(200)  # words are coming: the sampler streams
    t = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code, err = proc.wait(timeout=60), proc.stderr.read()
    elapsed = time.monotonic() - t
    assert_one_line_error(code, err, "interrupted")
    assert elapsed < 1.0


# --- a long prompt primed in one pass ---------------------------------------------------------------------------

def per_character_state(path, ids):
    """The state after feeding ``ids`` one ``session.run`` each, as the post primes (the reference)."""
    from r2rt_rnn.model import build_graph
    from r2rt_rnn.runtime import checkpoint
    from r2rt_rnn.tf1 import tf

    g = build_graph(**{**TINY, "batch_size": 1, "num_steps": 1}, num_classes=checkpoint.load(path).num_classes)
    with tf.Session() as sess:
        checkpoint.restore(sess, g, path)
        state = sess.run(g["init_state"])
        for i in ids:
            state = sess.run(g["final_state"], {g["x"]: [[i]], g["init_state"]: state})
    return state


def test_priming_in_one_pass_gives_the_per_character_state(trained, text_file):
    from r2rt_rnn.runtime import checkpoint

    path = trained[0]
    ids = checkpoint.load(path).vocab.encode(text_file.read_text()[:700])
    one_pass = generate.prime_state(path, ids, chunk=256)  # three runs: 256, 256, 188
    for a, b in zip(np.concatenate([np.ravel(s) for s in one_pass]),
                    np.concatenate([np.ravel(s) for s in per_character_state(path, ids)])):
        assert a == pytest.approx(b, abs=1e-5)


def test_a_long_prompt_gives_the_same_text_primed_in_one_pass_in_pieces_or_a_character_at_a_time(
        trained, text_file, monkeypatch):
    path = trained[0]
    prompt = text_file.read_text()[:600]
    one_pass = generate.generate_from_checkpoint(path, 60, prompt, seed=9, verbose=False)
    monkeypatch.setattr(in_graph_sampler, "PRIME_CHUNK", 128)  # five runs of the in-graph priming loop
    assert in_graph_sampler.sample_in_graph(path, 60, prompt, seed=9) == one_pass
    monkeypatch.setattr(generate, "PRIME_IN_ONE_PASS", 10**9)  # the post's way: one session.run a character
    assert generate.generate_from_checkpoint(path, 60, prompt, seed=9, verbose=False) == one_pass
    assert one_pass.startswith(prompt) and len(one_pass) == 660
