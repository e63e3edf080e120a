"""The post's pictures (r2rt_rnn.reproduction.figures.post_diagrams) and the loss curves beside the post's
(r2rt_rnn.reproduction.figures.post_losses)."""

import numpy as np
import pytest

from conftest import recorded
from r2rt_rnn.reproduction.figures import post_diagrams as diagrams
from r2rt_rnn.reproduction.figures.drawing import count
from r2rt_rnn.reproduction.figures.post_losses import coinciding, loss_figure
from r2rt_rnn.reproduction.post_results import EXPERIMENTS as POST
from r2rt_rnn.runtime.errors import R2RTError


def texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts + [ax.title])


@pytest.mark.parametrize("num_steps", [1, 4, 9])
def test_unrolling_draws_one_cell_per_step_against_one_loop(num_steps):
    fig = diagrams.unrolling_figure(num_steps, graph_nodes=(48617, 1077))
    assert count(fig, "cell", axes=0) == num_steps
    assert count(fig, "loop", axes=1) == 1
    assert f"{num_steps} copies" in texts(fig) and "48,617 graph nodes" in texts(fig)


@pytest.mark.parametrize("num_layers, keep_prob, between", [(3, 0.9, "0.81"), (2, 0.5, "0.25")])
def test_dropout_wrapped_twice_between_layers_against_build_graphs_once(num_layers, keep_prob, between):
    fig = diagrams.dropout_figure(num_layers, keep_prob)
    assert [count(fig, "cell", axes=i) for i in (0, 1)] == [num_layers, num_layers]
    # every cell wrapped on both sides, against each cell's input and the stack's output
    assert [count(fig, "dropout", axes=i) for i in (0, 1)] == [2 * num_layers, num_layers + 1]
    assert f"= {between}" in texts(fig) and f"{keep_prob:g}" in texts(fig)


def test_ln_lstm_normalises_each_gate_and_the_new_cell():
    fig = diagrams.ln_lstm_figure()
    assert count(fig, "ln") == 5 and count(fig, "gate") == 4
    assert "LN(c_t)" in texts(fig).replace("$", "")


@pytest.mark.parametrize("num_layers, num_steps", [(3, 2), (1, 4)])
def test_multi_rnn_cell_stacks_one_cell_per_layer_per_step_and_carries_one_state_per_layer(num_layers, num_steps):
    fig = diagrams.multi_rnn_cell_figure(num_layers, num_steps)
    assert count(fig, "cell") == num_layers * num_steps
    assert count(fig, "wrapper") == num_steps  # each step's stack is one MultiRNNCell
    states = [t for t in texts(fig).split() if t.startswith("$s_{")]
    assert len(states) == num_layers * num_steps  # each layer's state enters each step
    assert f"MultiRNNCell of {num_layers} cells" in texts(fig)


@pytest.mark.parametrize("call", [lambda: diagrams.unrolling_figure(0), lambda: diagrams.unrolling_figure(41),
                                  lambda: diagrams.dropout_figure(3, 0.0), lambda: diagrams.dropout_figure(True),
                                  lambda: diagrams.multi_rnn_cell_figure(0),
                                  lambda: diagrams.multi_rnn_cell_figure(3, 7)])
def test_sizes_that_cannot_be_drawn_are_refused(call):
    with pytest.raises(R2RTError):
        call()


def legend(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_graph_styles_coincide_and_the_title_says_so():
    results = recorded("graph_styles")
    assert coinciding(results) == [["list", "dynamic_rnn", "scan"]]
    fig = loss_figure(results, "graph_styles", title="three ways to unroll")
    assert "list, dynamic_rnn and scan coincide" in fig.axes[0].get_title()
    post_lines = [line for line in fig.axes[0].lines if line.get_label().endswith("(post)")]
    assert [list(line.get_ydata()) for line in post_lines] == [POST["graph_styles"][m]["losses"] for m in results]
    assert all(line.get_linestyle() == "--" for line in post_lines)
    # each coinciding curve shows its markers on its own epochs
    assert len({str(line.get_markevery()) for line in fig.axes[0].lines if "(train)" in line.get_label()}) == 3


def test_the_posts_last_epoch_only_is_one_star_and_epochs_are_whole_numbers():
    results = recorded("cell_comparison")
    fig = loss_figure(results, "cell_comparison")
    stars = [line for line in fig.axes[0].lines if line.get_label().endswith("(post, last epoch only)")]
    assert [(list(s.get_xdata()), list(s.get_ydata())) for s in stars] == \
        [([20], [POST["cell_comparison"][m]["final_loss"]]) for m in results if m in POST["cell_comparison"]]
    assert "LN_GRU" in results  # the post never ran it: no star, and no post line of any kind
    assert not [line for line in fig.axes[0].lines if line.get_label().startswith("LN_GRU (post")]
    assert coinciding(results) == [] and "coincide" not in fig.axes[0].get_title()
    ticks = fig.axes[0].get_xticks()
    assert len(ticks) and all(float(t).is_integer() for t in ticks)


def test_curves_apart_by_more_than_the_tolerance_do_not_coincide():
    a = {"losses": [3.0, 2.0], "valid_losses": [3.1, 2.1]}
    assert coinciding({"a": a, "b": {**a, "losses": [3.0, 2.01]}}) == []
    assert coinciding({"a": a, "b": {**a, "losses": [3.0, 2.0001]}}) == [["a", "b"]]
    assert "(post)" not in " ".join(legend(loss_figure({"a": a}, post=False)))


# ---- notebook 01 (the gentle intro) and 03 (the slides) ------------------------------------------------

def test_the_intro_graph_has_the_whitepaper_layer_and_one_rnn_step():
    from r2rt_rnn.reproduction.figures import gentle

    fig = gentle.graph_figure()
    # x, W, b | x_t, h_{t-1}, five weights; ops MatMul, Add, ReLU | MatMul x 2, Add, tanh, the readout
    assert [count(fig, "placeholder", axes=i) for i in (0, 1)] == [1, 2]
    assert [count(fig, "variable", axes=i) for i in (0, 1)] == [2, 4]
    assert [count(fig, "op", axes=i) for i in (0, 1)] == [3, 5]


@pytest.mark.parametrize("batches, steps", [(2, 3), (3, 4)])
def test_the_batches_picture_carries_the_state_across_each_edge(batches, steps):
    from r2rt_rnn.reproduction.figures import gentle

    fig = gentle.batches_figure(batches, steps)
    assert count(fig, "cell") == batches * steps
    assert texts(fig).count("gradients stop") == batches - 1 and texts(fig).count("state") >= batches - 1
    with pytest.raises(R2RTError, match="num_batches"):
        gentle.batches_figure(0, 3)


def test_the_slides_three_architectures():
    from r2rt_rnn.reproduction.figures import slides

    m2o = slides.many_to_one_figure(5)
    assert count(m2o, "cell") == 10 and count(m2o, "op") == 3  # fw and bw rows; two projections and the sum
    assert count(slides.many_to_many_figure(6), "cell") == 6
    sorter = slides.many_to_one_to_many_figure(4)
    assert count(sorter, "cell") == 4 and count(sorter, "gate") == 4 and count(sorter, "state") == 1
    assert "sorted[3]" in texts(sorter)
    with pytest.raises(R2RTError, match="steps"):
        slides.many_to_one_figure(1)


def test_the_slides_result_figures():
    from r2rt_rnn.reproduction.figures import slides

    fig = slides.confusion_figure([[9, 1], [2, 8]], ["a", "b"])
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["1", "2", "8", "9"]
    losses = list(np.linspace(2, 0.1, 60))
    fig = slides.spikes_figure(losses, list(np.linspace(9, 1, 60)), spikes=[30])
    assert len(fig.axes) == 2 and fig.axes[1].get_yscale() == "log"
    assert list(slides.moving_mean([1, 2, 3, 4], 2)) == [1.5, 2.5, 3.5]
