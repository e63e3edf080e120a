"""Chance levels and ablation: a unit is a finding only above what untrained copies of the model reach, and
clamping a unit the model uses raises the loss where its feature is on.

The planted model (conftest.py) has one unit wired to be exactly "inside brackets" and a softmax that
reads it to expect ")" inside and "(" outside; its other units are random.
"""
import json

import numpy as np
import pytest

from conftest import BRACKET_UNIT, FIXTURE, bracketed_passage, ptb_checkpoint
from r2rt_rnn.beyond.inspect.ablation import StateMeans, ablation_report, run_ablations
from r2rt_rnn.beyond.inspect.analysis import inspect_passage
from r2rt_rnn.beyond.inspect.baseline import MARGIN, baselines_of
from r2rt_rnn.beyond.inspect.features import compute_features
from r2rt_rnn.beyond.inspect.figures import feature_caption
from r2rt_rnn.beyond.inspect.ranking import rank_units
from r2rt_rnn.beyond.inspect.trace import model_spec, trace
from r2rt_rnn.cli import main as cli_main
from r2rt_rnn.runtime import checkpoint

PLANTED = f"0:{BRACKET_UNIT}"
OTHER = "0:5"  # a random unit of the planted model


@pytest.fixture(scope="module")
def planted_found(planted, corpus):
    return inspect_passage(planted, bracketed_passage(corpus.text, 14), features=["in_brackets", "line_position"],
                           baseline_seeds=3, ablate=[OTHER])


def test_an_untrained_model_gets_a_chance_level_per_feature(make_checkpoint, corpus):
    ckpt = make_checkpoint("GRU")
    text = bracketed_passage(corpus.text, 6, length=700)
    names = ["in_brackets", "line_position", "indent"]
    found = inspect_passage(ckpt, text, features=names, baseline_seeds=2, ablation="off")
    chance = found.baselines["in_brackets"]
    assert chance["seeds"] == 2 and len(chance["per_seed"]) == 2 and chance["margin"] == MARGIN
    assert chance["chance"] == max(chance["per_seed"]) and 0 < chance["chance"] < 1
    assert chance["per_seed"][0] != chance["per_seed"][1]  # two different untrained copies
    assert 0 <= chance["shifted"] < 1
    assert found.baselines["indent"]["chance"] is None  # nothing is indented here: no chance level either
    assert found.best("in_brackets").chance == chance["chance"]
    # rank_units carries the same chance levels, computed again from a whole trace: the copies are the same
    t = trace(ckpt, text)
    features = compute_features(t.tokens, names)
    again = baselines_of(ckpt, t, features, seeds=2)
    assert again["in_brackets"]["per_seed"] == chance["per_seed"]
    best = rank_units(t, features, baselines=again)["in_brackets"][0]
    assert best.chance == chance["chance"] and best.finding == (abs(best.correlation) > chance["chance"] + MARGIN)
    assert found.ablations == {}


def test_a_word_model_gets_chance_levels_from_its_own_initialiser(tmp_path):
    text = (FIXTURE / "ptb.valid.txt").read_text()
    found = inspect_passage(ptb_checkpoint(tmp_path), text, features=["in_word", "line_start"], unknown="unk",
                            baseline_seeds=2, ablation="off")
    for name in ("in_word", "line_start"):
        first, second = found.baselines[name]["per_seed"]
        assert 0 < first < 1 and first != second, name  # the PTB builder takes the seed: two different copies


def test_the_planted_unit_clears_chance_and_the_random_units_do_not(planted_found):
    ranked = planted_found.rankings["in_brackets"]
    chance = planted_found.baselines["in_brackets"]
    assert str(ranked[0].unit) == PLANTED and ranked[0].finding is True
    assert ranked[0].correlation > max(chance["per_seed"]) + MARGIN  # above every untrained copy
    assert [s.finding for s in ranked[1:]] == [False] * (len(ranked) - 1)
    summary = planted_found.summary()["features"]["in_brackets"]
    assert summary["best"]["finding"] is True and summary["baseline"]["chance"] == chance["chance"]
    assert "a finding" in feature_caption(planted_found, "in_brackets", ranked[0])


def test_ablating_the_planted_unit_raises_the_loss_inside_brackets(planted_found):
    ablated, other = planted_found.ablations[PLANTED], planted_found.ablations[OTHER]
    assert ablated["feature"] == "in_brackets" and ablated["mode"] == "mean"
    rise_on = ablated["loss_on_ablated"] - ablated["loss_on"]
    rise_off = ablated["loss_off_ablated"] - ablated["loss_off"]
    assert rise_on > 0.05 and rise_on > rise_off + 0.05, ablated
    other_on = other["by_feature"]["in_brackets"]
    other_rise = other_on["loss_on_ablated"] - other_on["loss_on"]
    assert abs(other_rise) < rise_on / 3, other  # clamping a unit that does not track brackets does far less
    assert ablated["loss_all"] == pytest.approx(planted_found.loss, abs=1e-4)  # the unclamped row: the model itself
    assert "clamped to its mean" in feature_caption(planted_found, "in_brackets", planted_found.best("in_brackets"))


def test_clamping_to_zero_also_hurts_where_brackets_are_open(planted, corpus):
    ckpt = checkpoint.load(planted)
    spec = model_spec(ckpt)
    text = bracketed_passage(corpus.text, 14, seed=1)
    t = trace(ckpt, text)
    matrix = compute_features(t.tokens, ["in_brackets"])["in_brackets"][:, None]
    means = StateMeans()
    means.add(t.layers)
    unit = spec.layout().parse(PLANTED)
    sums = run_ablations(ckpt, spec, t.ids, [unit], ["in_brackets"], matrix, means, mode="zero", chunk=300)
    report = ablation_report([unit], ["in_brackets"], ["in_brackets"], sums, "zero")[PLANTED]
    assert report["value"] == 0.0
    rise_on = report["loss_on_ablated"] - report["loss_on"]
    assert rise_on > 0.05 and rise_on > report["loss_off_ablated"] - report["loss_off"] + 0.03, report
    scored = ~np.isnan(t.next_prob)
    assert report["loss_on"] == pytest.approx(-np.log(t.next_prob[scored & (matrix[:, 0] > 0)]).mean(), abs=1e-4)


def test_the_command_reports_chance_and_ablation(planted, corpus, tmp_path, capsys):
    text = tmp_path / "passage.txt"
    text.write_text(bracketed_passage(corpus.text, 14), encoding="utf-8")
    code = cli_main(["inspect", str(planted), "--text", str(text), "--feature", "in_brackets", "--baseline-seeds",
                     "2", "--ablate", OTHER, "--json", str(tmp_path / "s.json"), "--out", str(tmp_path / "p.html")])
    out = capsys.readouterr().out
    assert code == 0
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["features"]["in_brackets"]["best"]["finding"] is True
    assert summary["features"]["in_brackets"]["baseline"]["seeds"] == 2
    assert set(summary["ablations"]) == {PLANTED, OTHER} and summary["ablation_seconds"] > 0
    row = next(line for line in out.splitlines() if line.startswith("in_brackets"))
    assert PLANTED in row and " yes " in row
    assert "chance: the best |r| of 2 untrained copies" in out and f"{PLANTED} (in_brackets): on " in out
