"""Finding units: the features mean what they say, and a unit planted to follow one is found first.

The planted model is a basic RNN whose unit 3 is wired by hand to be +1 inside brackets
and -1 outside (a self-loop that holds its value, kicked up by "(" and down by ")"); the
other units are random and never see the bracket inputs. The finder must name 0:3 first
for the built-in feature, for a regular expression and for a span the user marks.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from r2rt_rnn import checkpoint
from r2rt_rnn.cli import main as cli_main
from r2rt_rnn.data import Vocabulary
from r2rt_rnn.inspect.analysis import inspect_passage
from r2rt_rnn.inspect.features import compute_features, regex_feature, span_feature
from r2rt_rnn.inspect.gates import GateStats
from r2rt_rnn.inspect.ranking import rank_units
from r2rt_rnn.inspect.trace import trace
from r2rt_rnn.model import build_graph
from r2rt_rnn.tf1 import tf

BRACKET_UNIT = 3


def test_built_in_features_on_a_known_passage():
    tokens = list('ROMEO:\nHe said "hi (there)" don\'t.\n')
    f = compute_features(tokens)

    def marks(name):
        return "".join(str(int(v))[-1] for v in f[name])

    #                               R O M E O : \n H e _ s a i d _ " h i _ ( t h e r e ) " _ d o n ' t . \n
    assert marks("line_position") == "0123456" + "0123456789012345678901234567"
    assert marks("line_start") == "1000000" + "1000000000000000000000000000"
    assert marks("in_quotes") == "0000000" + "0000000011111111111000000000"
    assert marks("in_brackets") == "0000000" + "0000000000001111110000000000"
    assert marks("in_word") == "1111100" + "1101111001100111110001111100"
    assert marks("word_length") == "1234500" + "1201234001200123450001234500"
    assert marks("upper_run") == "1234500" + "1000000000000000000000000000"
    assert marks("speaker_line") == "1111110" + "0000000000000000000000000000"


def test_word_level_features_count_words_and_sentences():
    words = "the cat ( sat ) <eos> a dog".split()
    f = compute_features(words)
    assert f["line_position"].tolist() == [0, 1, 2, 3, 4, 5, 0, 1]
    assert f["line_start"].tolist() == [1, 0, 0, 0, 0, 0, 1, 0]
    assert f["in_brackets"].tolist() == [0, 0, 1, 1, 0, 0, 0, 0]
    assert f["word_length"].tolist() == [3, 3, 0, 3, 0, 0, 1, 3]
    assert regex_feature(words, r"cat.*sat").tolist() == [0, 1, 1, 1, 0, 0, 0, 0]


def test_regex_and_span_features():
    tokens = list("abc abc xyz")
    assert regex_feature(tokens, "b+c").tolist() == [0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0]
    assert regex_feature(tokens, "q*").sum() == 0  # empty matches mark nothing
    assert span_feature(len(tokens), 2, 5).tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]


def test_gate_stats_count_saturated_positions():
    rng = np.random.default_rng(1)
    layers = [{"u": rng.random((300, 4))}, {"u": rng.random((300, 4)) ** 4}]
    stats = GateStats(["u"])
    stats.add([{"u": layer["u"][:100]} for layer in layers])
    stats.add([{"u": layer["u"][100:]} for layer in layers])
    per_unit = stats.per_unit()
    for i, layer in enumerate(layers):
        np.testing.assert_allclose(per_unit[i]["u"][0], (layer["u"] < 0.1).mean(axis=0))
        np.testing.assert_allclose(per_unit[i]["u"][1], (layer["u"] > 0.9).mean(axis=0))
    assert stats.summary()["1"]["u"]["left"] > stats.summary()["0"]["u"]["left"]  # x**4 sits low more often


# --- a planted unit --------------------------------------------------------------------------------


def bracketed_passage(corpus_text, stretches, seed=0, length=1500):
    """``length`` characters of tiny-shakespeare with ``stretches`` bracketed stretches of 8-60 characters."""
    rng = np.random.default_rng(seed)
    text = list(corpus_text[-length:])
    starts = sorted(rng.choice(np.arange(20, length - 80, 90), stretches, replace=False))
    for start in reversed(starts):
        end = start + int(rng.integers(8, 60))
        text.insert(end, ")")
        text.insert(start, "(")
    return "".join(text)


@pytest.fixture(scope="module")
def planted(tmp_path_factory, corpus):
    """A one-layer basic RNN of 8 units whose unit 3 is exactly "inside brackets"."""
    vocab = Vocabulary.from_text(corpus.text + "()")
    n = 8
    rng = np.random.default_rng(7)
    embedding = rng.normal(0, 0.5, (len(vocab), n))
    embedding[:, 0] = 0.0
    embedding[vocab.vocab_to_idx["("], 0] = 1.0  # input feature 0: +1 for "(", -1 for ")"
    embedding[vocab.vocab_to_idx[")"], 0] = -1.0
    kernel = rng.normal(0, 0.4, (2 * n, n))  # rows: [input (n), previous state (n)]
    kernel[0, :] = 0.0  # no other unit sees the bracket input...
    kernel[n + BRACKET_UNIT, :] = 0.0  # ...nor reads unit 3
    kernel[:, BRACKET_UNIT] = 0.0
    kernel[0, BRACKET_UNIT] = 12.0  # a bracket kicks it to +1 or -1
    kernel[n + BRACKET_UNIT, BRACKET_UNIT] = 6.0  # and a strong self-loop holds it there
    bias = np.zeros(n)
    bias[BRACKET_UNIT] = -2.0  # starting from 0, it settles at -1: outside
    g = build_graph(cell_type=None, state_size=n, num_layers=1, num_classes=len(vocab), batch_size=1, num_steps=1)
    values = {"embedding_matrix": embedding, "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/kernel": kernel,
              "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/bias": bias}
    path = tmp_path_factory.mktemp("planted") / "brackets"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in tf.trainable_variables():
            if v.op.name in values:
                sess.run(v.assign(values[v.op.name].astype(np.float32)))
        checkpoint.save(sess, g, str(path), vocab)
    return path


def test_the_planted_bracket_unit_is_found_first(planted, corpus):
    t = trace(planted, bracketed_passage(corpus.text, 8))
    ranked = rank_units(t, compute_features(t.tokens))["in_brackets"]
    best = ranked[0]
    assert str(best.unit) == f"0:{BRACKET_UNIT}"
    assert best.correlation > 0.95 and best.inside > 0.95 and best.outside < 0.05
    assert abs(ranked[1].correlation) < best.correlation - 0.2  # and it stands out from the random units
    # no other built-in feature is followed by it that well
    for name, scores in rank_units(t, compute_features(t.tokens)).items():
        if name != "in_brackets" and scores:
            assert abs(scores[0].correlation) < 0.95 or str(scores[0].unit) != f"0:{BRACKET_UNIT}", name


def test_a_regular_expression_and_a_marked_span_find_it_too(planted, corpus):
    text = bracketed_passage(corpus.text, 1, seed=3, length=800)
    start, end = text.index("("), text.index(")")
    found = inspect_passage(planted, text, features=[r"\([^)]*"], spans=[(start, end)])
    for name in (r"\([^)]*", f"span {start}:{end}"):
        best = found.best(name)
        assert str(best.unit) == f"0:{BRACKET_UNIT}", name
        assert best.inside > 0.95 and best.outside < 0.05, name


def test_the_command_reports_the_planted_unit_in_its_summary(planted, corpus, tmp_path, capsys):
    text = tmp_path / "passage.txt"
    text.write_text(bracketed_passage(corpus.text, 8), encoding="utf-8")
    code = cli_main(["inspect", str(planted), "--text", str(text), "--feature", "in_brackets", "--json",
                     str(tmp_path / "s.json"), "--out", str(tmp_path / "p.html")])
    out = capsys.readouterr().out
    assert code == 0
    summary = json.loads(Path(tmp_path / "s.json").read_text())
    assert summary["features"]["in_brackets"]["best"]["unit"] == f"0:{BRACKET_UNIT}"
    assert summary["tokens"] == len(text.read_text()) and summary["trace_seconds"] > 0
    assert summary["peak_rss_mib"] > 0 and summary["gate_saturation"]["layers"] == {}  # a basic RNN has no gates
    assert f"0:{BRACKET_UNIT}" in out
