"""Finding units: the features mean what they say, and a unit planted to follow one is found first.

The planted model (``planted`` in conftest.py) is a basic RNN whose unit 3 is wired by
hand to be +1 inside brackets and -1 outside; the other units are random and never see
the bracket inputs. The finder must name 0:3 first for the built-in feature, for a
regular expression and for a span the user marks.
"""
import json
from pathlib import Path

import numpy as np

from conftest import BRACKET_UNIT, bracketed_passage
from r2rt_rnn.beyond.inspect.analysis import inspect_passage
from r2rt_rnn.beyond.inspect.features import compute_features, regex_feature, span_feature
from r2rt_rnn.beyond.inspect.gates import GateStats
from r2rt_rnn.beyond.inspect.ranking import rank_units
from r2rt_rnn.beyond.inspect.trace import trace
from r2rt_rnn.cli import main as cli_main


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


def test_python_source_features():
    lines = ["def f(a, g(b)):\n", "    s = \"(x\" + 'it\\'s'  # don't \"\n", '\tdoc = """a\n', '"b" """\n']
    f = compute_features(list("".join(lines)), ["bracket_depth", "indent", "in_string", "in_quotes", "in_brackets"])

    def marks(name):
        return "".join(str(int(v))[-1] for v in f[name])

    assert [len(line) for line in lines] == [16, 34, 12, 8]
    # a bracket counts wherever it is, in a string too: the "( in line 2 stays open to the end
    #                                d e f _ f ( a , _ g ( b ) ) : \n
    assert marks("bracket_depth") == "0000011111221000" + "0" * 9 + "1" * 25 + "1" * 12 + "1" * 8
    assert marks("in_brackets") == marks("bracket_depth").replace("2", "1")
    # leading spaces count as they come; a tab takes the column to 8
    assert marks("indent") == "0" * 16 + "1234" + "4" * 30 + "8" * 12 + "0" * 8
    # line 2: "(x" and 'it\'s' (the escaped quote does not close it), not the comment's don't or its "
    # lines 3-4: a triple-quoted string over the line break, with "b" inside it
    assert marks("in_string") == ("0" * 16 + "0" * 8 + "111" + "0" * 4 + "111111" + "0" * 13
                                  + "0" * 7 + "11111" + "1111" + "0000")
    assert marks("in_quotes")[16:50] == "0" * 8 + "111" + "0" * 21 + "11"  # every double quote toggles it


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


def test_the_planted_bracket_unit_is_found_first(planted, corpus):
    t = trace(planted, bracketed_passage(corpus.text, 8))
    ranked = rank_units(t, compute_features(t.tokens))["in_brackets"]
    best = ranked[0]
    assert str(best.unit) == f"0:{BRACKET_UNIT}"
    assert best.correlation > 0.95 and best.inside > 0.95 and best.outside < 0.05
    assert abs(ranked[1].correlation) < best.correlation - 0.2  # and it stands out from the random units
    # no other built-in feature is followed by it that well (bracket_depth is in_brackets here: no nesting)
    for name, scores in rank_units(t, compute_features(t.tokens)).items():
        if name not in ("in_brackets", "bracket_depth") and scores:
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
