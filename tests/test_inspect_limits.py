"""``inspect`` in its slow spots and on its misleading inputs.

A regular expression that takes exponential time is stopped by its time limit, or at
once by Ctrl-C (a real SIGINT to a real process); Ctrl-C between figures stops the
figures; a misspelt built-in says what it meant; a negative span is one line; and only
the traced part of a passage is read and checked.
"""
import signal
import time

import numpy as np
import pytest

from conftest import INSPECT, PASSAGE, assert_one_line_error, run, start_cli
from r2rt_rnn.beyond.inspect import features, passage
from r2rt_rnn.beyond.inspect.features import BUILT_IN, regex_feature
from r2rt_rnn.beyond.inspect.limits import TooSlow, time_limit
from r2rt_rnn.beyond.inspect.passage import encode_passage, read_passage, split_tokens
from r2rt_rnn.data import Vocabulary

CATASTROPHIC = "(a+)+$"  # exponential backtracking on a run of a's that ends in something else
RUN_OF_AS = "a" * 40 + "b\n"


@pytest.fixture(scope="module")
def ckpt(make_checkpoint):
    return make_checkpoint("GRU")


def text_file(folder, text):
    path = folder / "passage.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_catastrophic_regular_expression_meets_its_time_limit(ckpt, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(features, "REGEX_SECONDS", 0.5)
    t = time.monotonic()
    code, _, err = run([*INSPECT, ckpt, "--text", text_file(tmp_path, RUN_OF_AS), "--feature", CATASTROPHIC,
                        "--out", tmp_path / "p.html"], capsys)
    assert time.monotonic() - t < 30
    assert_one_line_error(code, err, f"the regular expression for --feature '{CATASTROPHIC}' took more than 0.5 s; "
                                     "simplify it")
    assert not (tmp_path / "p.html").exists()
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_time_limit_lets_a_quick_expression_through_and_cleans_up():
    assert regex_feature(list("ab(cd)e"), r"\([^)]*\)", seconds=5).tolist() == [0, 0, 1, 1, 1, 1, 0]
    with pytest.raises(TooSlow), time_limit(0.2):
        while True:
            pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.slow
def test_ctrl_c_stops_a_catastrophic_regular_expression_at_once(ckpt, tmp_path):
    """A real SIGINT to a real process, once it has started on the expression (the default limit is 10 s)."""
    proc = start_cli([*INSPECT, ckpt, "--text", text_file(tmp_path, RUN_OF_AS), "--feature", CATASTROPHIC,
                      "--out", tmp_path / "p.html"])
    for line in proc.stdout:
        if line.startswith("inspecting"):
            break
    time.sleep(1.0)  # well inside the expression: everything before it takes milliseconds
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    t = time.monotonic()
    err = proc.stderr.read()
    code = proc.wait(timeout=60)
    assert time.monotonic() - t < 5, "Ctrl-C was not honoured within seconds"
    assert_one_line_error(code, err, "interrupted (Ctrl-C)")
    assert not (tmp_path / "p.html").exists()


@pytest.mark.slow
def test_ctrl_c_between_figures_stops_them(ckpt, tmp_path):
    """Many figures take many seconds; a real SIGINT after the first stops the rest."""
    figures = tmp_path / "figs"
    units = [a for i in range(12) for a in ("--unit", f"{i % 2}:{i}")]
    proc = start_cli([*INSPECT, ckpt, "--text", text_file(tmp_path, PASSAGE * 3), "--out", tmp_path / "p.html",
                      "--figures", figures, *units])
    for line in proc.stdout:
        if line.startswith("figure: "):
            break
    proc.send_signal(signal.SIGINT)
    t = time.monotonic()
    err = proc.stderr.read()
    code = proc.wait(timeout=60)
    assert time.monotonic() - t < 10, "Ctrl-C was not honoured between figures"
    assert_one_line_error(code, err, "interrupted (Ctrl-C)")
    assert 1 <= len(list(figures.glob("*.png"))) < 2 + 12 + len(BUILT_IN)
    assert not list(figures.glob(".*.tmp"))  # each figure is whole or absent


@pytest.mark.parametrize("typo, meant", [("line_positon", "line_position"), ("in_qoutes", "in_quotes"),
                                         ("Word_Length", "word_length")])
def test_a_misspelt_built_in_says_what_it_meant_before_any_work(ckpt, tmp_path, capsys, typo, meant):
    code, out, err = run([*INSPECT, ckpt, "--text", text_file(tmp_path, PASSAGE), "--feature", typo,
                          "--out", tmp_path / "p.html"], capsys)
    line = assert_one_line_error(code, err, f"--feature '{typo}' is not a built-in: did you mean {meant}?",
                                 f"(?:{typo})")
    assert "matches nothing" not in line and "inspecting" not in out


def test_an_expression_close_to_a_built_in_that_matches_nothing_says_so(ckpt, tmp_path, capsys):
    code, _, err = run([*INSPECT, ckpt, "--text", text_file(tmp_path, PASSAGE), "--feature", "line-position",
                        "--out", tmp_path / "p.html"], capsys)
    assert_one_line_error(code, err, "--feature 'line-position' matches nothing", "did you mean the built-in "
                                     "line_position?")


def test_a_literal_word_still_works_as_an_expression(ckpt, tmp_path, capsys):
    code, out, err = run([*INSPECT, ckpt, "--text", text_file(tmp_path, PASSAGE), "--feature", "(?:light)",
                          "--out", tmp_path / "p.html"], capsys)
    assert code == 0, err
    assert "(?:light)" in out


@pytest.mark.parametrize("args", [["--span", "-5:10"], ["--span=-5:10"], ["--span", "-5:-1"], ["--span", "3:-1"],
                                  ["--span", "0:10000"]])
def test_a_span_outside_the_passage_is_one_line(ckpt, tmp_path, capsys, args):
    code, _, err = run([*INSPECT, ckpt, "--text", text_file(tmp_path, PASSAGE), *args,
                        "--out", tmp_path / "p.html"], capsys)
    assert_one_line_error(code, err, "does not lie inside the passage", "--span ")
    assert "expected one argument" not in err


def test_only_the_traced_part_is_read_and_checked(ckpt, tmp_path, capsys):
    """After the first 300 characters: characters the model never saw, then bytes that are not UTF-8."""
    path = tmp_path / "big.txt"
    path.write_bytes((PASSAGE * 10)[:300].encode() + "\u2603".encode() * 300_000 + b"\xff\xfe")
    code, out, err = run([*INSPECT, ckpt, "--text", path, "--chars", 300, "--out", tmp_path / "p.html"], capsys)
    assert code == 0, err
    assert "traced 300 character(s)" in out
    assert len(read_passage(path, "char", 300)) <= passage.FIRST_READ  # one read of 64 KiB, not 900 KB
    code, _, err = run([*INSPECT, ckpt, "--text", path, "--chars", 301, "--out", tmp_path / "p2.html"], capsys)
    assert_one_line_error(code, err, "never saw: '\u2603'", "--skip-unknown")


@pytest.mark.parametrize("level", ["char", "word"])
@pytest.mark.parametrize("skip", [False, True], ids=["all", "skip"])
def test_reading_in_pieces_gives_the_same_tokens_as_reading_it_all(tmp_path, monkeypatch, level, skip):
    monkeypatch.setattr(passage, "FIRST_READ", 7)  # many small reads: words and UTF-8 characters cut between them
    text = "Été au café,\nthe quick brown fox  jumps\tover\n\nthe lazy dog \u2603 déjà vu\n" * 5
    words = split_tokens(text, "word")
    vocab = Vocabulary(text.replace("\u2603", "")) if level == "char" else \
        Vocabulary.from_words([w for w in dict.fromkeys(words) if w not in ("fox", "\u2603")])
    path = text_file(tmp_path, text)
    unknown = "skip" if skip else "unk" if level == "word" else "error"
    if level == "word" and not skip:
        vocab = Vocabulary.from_words([*vocab.idx_to_vocab.values(), "<unk>"])
    counted = vocab.vocab_to_idx if skip else None
    for n in [1, 2, 5, 9, 17, 40, 63, 64, 100, 1000]:
        if level == "char" and not skip and n > text.index("\u2603"):
            break  # an unknown character in the traced part: refused (tested above)
        head = read_passage(path, level, n, counted)
        assert len(head) < len(text) or n >= 40
        tokens, ids = encode_passage(head, vocab, unknown, n)
        expected, _ = encode_passage(text, vocab, unknown, n)
        assert tokens == expected, n
        assert np.array_equal(ids, [vocab.vocab_to_idx[t] for t in tokens])


def test_read_passage_refuses_what_load_text_refuses(tmp_path):
    from r2rt_rnn.runtime.errors import R2RTError

    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9 au lait")
    for name, message in [("missing.txt", "not found"), ("empty.txt", "is empty"), ("latin1.txt", "not UTF-8 text"),
                          (".", "is a directory")]:
        with pytest.raises(R2RTError, match=message):
            read_passage(tmp_path / name, "char", 5)
