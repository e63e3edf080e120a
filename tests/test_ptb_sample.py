"""Tests for sampling words from a PTB word model (r2rt_rnn.ptb.sample), on the tiny fixture.

One small model (the tutorial's TestConfig, widened to 16 units and 5 steps so that
it learns something in one epoch) is trained once for the module, in a few seconds.
A new process checks both what it samples and its test perplexity (for test_ptb.py).
"""
import dataclasses
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import run_python
from r2rt_rnn.runtime.errors import R2RTError

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ptb_tiny"


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    """``(TrainResult, PTBData)`` of a one-epoch model on the fixture, saved to ``TrainResult.checkpoint``."""
    from r2rt_rnn.ptb import word_lm
    from r2rt_rnn.ptb.configs import TestConfig
    from r2rt_rnn.ptb.reader import ptb_raw_data

    data = ptb_raw_data(FIXTURE)
    save = tmp_path_factory.mktemp("ptb_sample") / "ckpt"
    config = dataclasses.replace(TestConfig(), hidden_size=16, num_steps=5)
    return word_lm.train(config, raw_data=data, save_path=save, max_epochs=1, seed=0, log=None), data


@pytest.fixture(scope="module")
def trained(training):
    """``(checkpoint path, PTBData)`` of that model."""
    result, data = training
    return result.checkpoint, data


def tokens(text):
    """The tokens of a sample, ``<eos>`` for each line break (the inverse of format_words)."""
    return text.replace("\n", " <eos> ").split()


def test_same_seed_same_text_and_different_seeds_differ(trained):
    from r2rt_rnn.ptb.sample import sample_words

    path, _ = trained
    first = sample_words(path, 40, "the", seed=7)
    assert sample_words(path, 40, "the", seed=7) == first
    assert sample_words(path, 40, "the", seed=8) != first
    assert first.startswith("the ")


@pytest.mark.parametrize("num_words", [0, 1, 25])
def test_number_of_sampled_words_and_eos_as_line_breaks(trained, num_words):
    from r2rt_rnn.ptb.sample import format_words, sample_word_ids, sample_words

    path, data = trained
    vocab, prompt_ids, sampled = sample_word_ids(path, num_words, "the", seed=3)
    assert prompt_ids.tolist() == [data.word_to_id["the"]] and len(sampled) == num_words
    assert all(0 <= i < data.vocab_size for i in sampled)
    text = sample_words(path, num_words, "the", seed=3)
    assert tokens(text) == ["the", *(vocab.idx_to_vocab[int(i)] for i in sampled)]
    assert "<eos>" not in text
    assert len(tokens(sample_words(path, num_words, "", seed=3))) == num_words  # an empty prompt adds nothing
    assert format_words(["a", "<unk>", "<eos>", "b", "<eos>"]) == "a <unk>\nb\n"


def test_low_temperature_is_greedy_whatever_the_seed(trained):
    """Temperature 1e-6 picks the argmax every time: the same text for every seed, equal to a greedy decode."""
    from r2rt_rnn.ptb.model import build_models
    from r2rt_rnn.ptb.sample import sample_word_ids
    from r2rt_rnn.ptb.word_lm import load_model
    from r2rt_rnn.runtime import checkpoint
    from r2rt_rnn.tf1 import tf

    path, data = trained
    runs = [sample_word_ids(path, 12, "the <eos> and", temperature=1e-6, seed=s)[2].tolist() for s in (0, 1, 99)]
    assert runs[0] == runs[1] == runs[2]
    assert sample_word_ids(path, 12, "the <eos> and", temperature=1e-300, seed=5)[2].tolist() == runs[0]

    ckpt, config = load_model(path)  # an independent greedy decode that carries the state
    models = build_models(config)
    model = models["test"]
    greedy = []
    with tf.Session(graph=models["graph"]) as session:
        checkpoint.restore(session, models, ckpt)
        state = session.run(model.initial_state)
        feed_ids = [data.word_to_id[w] for w in ("the", "<eos>", "and")]
        while len(greedy) < 12:
            for word_id in feed_ids:
                logits, state = session.run([model.logits, model.final_state],
                                            {model.input_data: [[word_id]], **model.state_feed(state)})
            greedy.append(int(np.argmax(logits[0])))
            feed_ids = [greedy[-1]]
    assert runs[0] == greedy


def test_unknown_prompt_words_notice_or_error(trained, capsys):
    from r2rt_rnn.ptb.sample import sample_words

    path, _ = trained
    text = sample_words(path, 5, "zyzzyva the Qux zyzzyva", seed=1)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'zyzzyva'" in err and "'Qux'" in err and "<unk>" in err
    assert err.count("zyzzyva") == 1  # each unknown word named once
    assert tokens(text)[:4] == ["<unk>", "the", "<unk>", "<unk>"]  # the prompt as the model saw it
    assert text == sample_words(path, 5, "<unk> the <unk> <unk>", seed=1)
    assert capsys.readouterr().err == ""
    with pytest.raises(R2RTError, match=r"'zyzzyva', 'Qux'.*not in the model's vocabulary"):
        sample_words(path, 5, "zyzzyva the Qux", seed=1, unknown="error")


@pytest.mark.parametrize("kwargs, name", [
    ({"num_words": -1}, "num_words"), ({"num_words": 2.0}, "num_words"), ({"num_words": True}, "num_words"),
    ({"temperature": 0}, "temperature"), ({"temperature": -1.0}, "temperature"),
    ({"temperature": math.inf}, "temperature"), ({"temperature": math.nan}, "temperature"),
    ({"temperature": "1"}, "temperature"), ({"seed": -1}, "seed"), ({"seed": 2 ** 32}, "seed"),
    ({"seed": 1.5}, "seed"), ({"unknown": "drop"}, "unknown"), ({"prompt": ["the"]}, "prompt"),
])
def test_bad_arguments_are_one_line_errors_naming_them(trained, kwargs, name):
    from r2rt_rnn.ptb.sample import sample_words

    with pytest.raises(R2RTError, match=rf"^{name} must be") as info:
        sample_words(trained[0], **{"num_words": 3, **kwargs})
    assert "\n" not in str(info.value)


def test_character_checkpoint_and_missing_checkpoint_are_refused(trained, tmp_path):
    from r2rt_rnn.ptb.sample import sample_words

    path = Path(trained[0])
    for part in path.parent.glob(f"{path.name}.*"):
        if not part.name.endswith(".lock"):
            shutil.copy(part, tmp_path / part.name)
    meta_path = tmp_path / f"{path.name}.config.json"
    meta = json.loads(meta_path.read_text())
    c = meta["config"]  # what a character model's checkpoint says
    c.update(builder="list_lstm", cell_type="LSTM", state_size=c["hidden_size"], num_classes=c["vocab_size"])
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(R2RTError, match="character model's checkpoint"):
        sample_words(tmp_path / path.name, 3)
    with pytest.raises(R2RTError, match="no checkpoint at"):
        sample_words(tmp_path / "nothing", 3)


@pytest.mark.slow
def test_a_fresh_process_samples_the_same_text_and_measures_the_same_perplexity(training):
    """One new process (another hash seed) restores the checkpoint: the same sample as here for the same seed,
    and the test perplexity that training measured, to the printed digits (the package's one checkpoint format:
    tensors, vocabulary, config). One process for both: starting Python and TensorFlow is most of the cost."""
    from r2rt_rnn.ptb.sample import sample_words
    from r2rt_rnn.runtime import checkpoint

    result, data = training
    path = result.checkpoint
    saved = checkpoint.load(path)
    assert saved.config["builder"] == "ptb_word_lm" and saved.vocab.level == "word"
    assert len(saved.vocab) == data.vocab_size
    expected = sample_words(path, 30, "the", temperature=0.8, seed=123)
    code = ("import json\n"
            "from r2rt_rnn.ptb.sample import sample_words\n"
            "from r2rt_rnn.ptb.word_lm import checkpoint_perplexity\n"
            f"text = sample_words({path!r}, 30, 'the', temperature=0.8, seed=123)\n"
            f"print(json.dumps([text, '%.3f' % checkpoint_perplexity({path!r}, {str(FIXTURE)!r})]))")
    out = run_python(code, env={"PYTHONHASHSEED": "5"})
    assert out.returncode == 0, out.stderr[-2000:]
    text, perplexity = json.loads(out.stdout.strip().splitlines()[-1])
    assert text == expected
    assert perplexity == f"{result.test_perplexity:.3f}"


def test_the_generate_command_samples_words_from_a_ptb_checkpoint(trained, capsys):
    from r2rt_rnn.cli import main as cli_main
    from r2rt_rnn.ptb.sample import sample_words

    path = str(trained[0])
    assert cli_main(["generate", path, "--num-words", "12", "--prompt", "the xyzzy", "--seed", "4"]) == 0
    out, err = capsys.readouterr()
    assert "xyzzy" in err and "<unk>" in err  # one notice naming the unknown word
    assert out.rstrip("\n") == sample_words(path, 12, "the xyzzy", seed=4)
    assert cli_main(["generate", path, "--top", "5"]) == 2  # --top is for character models
    assert "--top" in capsys.readouterr().err
