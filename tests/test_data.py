"""The data pipeline: text -> sorted vocabulary -> ids -> (x, y) batches, and its errors."""
import numpy as np
import pytest

from conftest import run_pythons
from r2rt_rnn.data import Vocabulary, epoch_size, gen_epochs, load_corpus, load_text, ptb_iterator
from r2rt_rnn.runtime.errors import R2RTError


def test_bundled_corpus_is_the_posts():
    text = load_text()
    assert len(text) == 1115394
    assert len(set(text)) == 65


def test_ptb_iterator_rows_are_contiguous_and_y_is_x_shifted():
    raw = np.arange(1000)
    batches = list(ptb_iterator(raw, batch_size=4, num_steps=10))
    assert len(batches) == epoch_size(1000, 4, 10) == (250 - 1) // 10
    for x, y in batches:
        assert x.shape == y.shape == (4, 10)
        np.testing.assert_array_equal(y, x + 1)  # raw[i] == i, so "next character" is +1
    # row r of batch i+1 continues row r of batch i: what lets state carry over
    for (x0, _), (x1, _) in zip(batches, batches[1:]):
        np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)
    # each row is its own contiguous stretch of the data
    np.testing.assert_array_equal(batches[0][0][:, 0], [0, 250, 500, 750])


def test_gen_epochs_yields_n_fresh_iterators(small_data):
    epochs = list(gen_epochs(3, 20, 8, small_data))
    assert len(epochs) == 3
    assert all(len(list(e)) == epoch_size(len(small_data), 8, 20) for e in epochs)


def test_vocabulary_is_sorted_and_round_trips(tmp_path):
    vocab = Vocabulary.from_text("hello world")
    assert vocab.chars == sorted(set("hello world"))
    assert vocab.decode(vocab.encode("low")) == "low"
    vocab.save(tmp_path / "v.json")
    assert Vocabulary.load(tmp_path / "v.json") == vocab


@pytest.mark.slow
def test_vocabulary_is_identical_across_processes():
    code = "from r2rt_rnn.data import load_corpus; print(repr(''.join(load_corpus().vocab.chars)))"
    # Different hash seeds are what made the post's set() ordering differ between processes.
    outs = run_pythons([(code, {"PYTHONHASHSEED": seed}) for seed in ("1", "2")])
    assert all(o.returncode == 0 for o in outs), outs[0].stderr
    assert outs[0].stdout == outs[1].stdout
    assert len(eval(outs[0].stdout)) == 65


def test_validation_split_is_the_tail():
    corpus = load_corpus(valid_fraction=0.1)
    assert len(corpus.train) + len(corpus.valid) == 1115394
    assert corpus.vocab.decode(corpus.valid[-20:]) == corpus.text[-20:]


@pytest.mark.parametrize("content, message", [
    (None, "not found"),
    (b"", "empty"),
    ("caf\xe9".encode("latin-1"), "not UTF-8"),
])
def test_bad_files_give_one_line_errors(tmp_path, content, message):
    path = tmp_path / "text.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(R2RTError, match=message) as info:
        load_text(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(R2RTError, match="directory"):
        load_text(tmp_path)


def test_text_shorter_than_one_batch_names_the_sizes():
    for too_short in (6400, 6401, 32 * 201 - 1):  # the batch_size * num_steps + 1, and one less than needed
        with pytest.raises(R2RTError, match=rf"has {too_short} tokens .* 32 \* \(200 \+ 1\) = 6432"):
            next(ptb_iterator(np.zeros(too_short, dtype=np.int32), 32, 200))
    assert len(list(ptb_iterator(np.zeros(32 * 201, dtype=np.int32), 32, 200))) == 1


@pytest.mark.parametrize("kwargs, name", [
    (dict(batch_size=0, num_steps=5), "batch_size"),
    (dict(batch_size=4, num_steps=-1), "num_steps"),
    (dict(batch_size=2.5, num_steps=5), "batch_size"),
])
def test_non_positive_sizes_are_rejected(kwargs, name):
    with pytest.raises(R2RTError, match=name):
        next(ptb_iterator(np.zeros(1000, dtype=np.int32), **kwargs))


def test_unknown_character_is_named():
    with pytest.raises(R2RTError, match="'z'"):
        Vocabulary.from_text("abc").encode("abz")
