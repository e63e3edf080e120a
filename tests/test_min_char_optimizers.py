"""Notebook 01's measurements of our departures from min-char-rnn: the optimizers, and the loss figure in passes."""
import numpy as np
import pytest

from r2rt_rnn.data import load_text
from r2rt_rnn.min_char_rnn import Config
from r2rt_rnn.reproduction.figures import gentle
from r2rt_rnn.reproduction.min_char_optimizers import ARMS, Arm, optimizer_runs
from r2rt_rnn.runtime.errors import R2RTError

TEXT = load_text(None)[:20000]
SMALL = Config(hidden_size=16, seq_length=5, batch_size=4)


def test_every_arm_starts_from_the_same_weights_and_learns():
    runs = optimizer_runs(TEXT, 60, config=SMALL)
    assert list(runs) == list(ARMS) and all(len(losses) == 60 for losses in runs.values())
    firsts = {round(losses[0], 6) for losses in runs.values()}
    assert len(firsts) == 1 and abs(firsts.pop() - np.log(len(set(TEXT)))) < 0.01  # same start: uniform
    adam = runs["Adam 0.005, mean loss (ours)"]
    assert np.mean(adam[-20:]) < adam[0] - 0.3


def test_the_summed_loss_and_the_accumulator_change_adagrad():
    arms = {"mean": Arm("adagrad", 0.1), "summed": Arm("adagrad", 0.1, summed=True),
            "start": Arm("adagrad", 0.1, accumulator=1e-8)}
    runs = optimizer_runs(TEXT, 20, arms=arms, config=SMALL)
    assert runs["mean"][1] != runs["summed"][1] and runs["mean"][1] != runs["start"][1]
    assert runs["mean"][0] == runs["summed"][0] == runs["start"][0]  # the first loss is before any update


def test_optimizer_runs_refuses_a_bad_step_count():
    with pytest.raises(R2RTError, match="steps"):
        optimizer_runs(TEXT, 0)


def test_the_loss_figure_counts_passes_when_told_how_many_steps_make_one():
    losses = list(np.linspace(4, 2, 50))
    fig = gentle.loss_figure(losses, 4.1, [(10, 3.5), (50, 2.5)], window=10, per_pass=10)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "passes over the training text"
    assert ax.lines[0].get_xdata()[-1] == 5.0 and list(ax.lines[2].get_xdata()) == [1.0, 5.0]
    assert "mean of the last 1 pass" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert gentle.loss_figure(losses, 4.1).axes[0].get_xlabel() == "training step"
    with pytest.raises(R2RTError, match="per_pass"):
        gentle.loss_figure(losses, 4.1, per_pass=0)
