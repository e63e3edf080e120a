"""Notebook 04's figures (r2rt_rnn.reproduction.figures.ptb), drawn from small made-up records."""
import numpy as np

from r2rt_rnn.reproduction.figures import ptb as figures


def run(train, valid, rates):
    return {"epochs": [{"train_perplexity": t, "valid_perplexity": v, "learning_rate": r}
                       for t, v, r in zip(train, valid, rates)]}


def test_dropout_figure_draws_perplexities_gaps_and_learning_rates():
    runs = {"a": run([300, 100, 60], [200, 130, 125], [1.0, 1.0, 0.5]),
            "b": run([350, 200, 150, 130], [210, 170, 140, 128], [1.0, 0.8, 0.64, 0.512])}
    fig = figures.dropout_figure(runs)
    top, middle, bottom = fig.axes
    assert len(top.lines) == 4 and len(middle.lines) == 2 + 1  # two runs' gaps and the zero line
    assert list(middle.lines[1].get_ydata()) == [-140, -30, -10, -2]
    assert bottom.get_yscale() == "log" and list(bottom.lines[0].get_ydata()) == [1.0, 1.0, 0.5]


def test_cost_figure_fits_its_log_axis_to_the_bars():
    def model(measured, own, peak):
        return {"words_per_second": measured, "arithmetic": {"at_own_shapes": {"words_per_second": own},
                                                             "at_peak": {"words_per_second": peak}}}

    speed = {"small": model(4000, 3500, 7000), "large": model(120, 300, 400)}
    anchor = {"small": {"fp32": {"wps": 80000}}, "large": {"fp32": {"wps": 60000}}}
    ax = figures.cost_figure(speed, anchor).axes[0]
    low, high = ax.get_ylim()
    assert ax.get_yscale() == "log" and low <= 120 and 80000 < high < 1e6
    assert np.isclose(low, 60)
