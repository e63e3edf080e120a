"""The build and train parts: the post's four graphs and each ``build_graph`` cell, built and stepped."""
import functools

from ..cell_types import post_cell_types, same_model
from ..data import bundled_corpus, epoch_size, ptb_iterator
from ..graphs.dynamic import build_multilayer_lstm_graph_with_dynamic_rnn
from ..graphs.scan import build_multilayer_lstm_graph_with_scan
from ..graphs.static import build_basic_rnn_graph_with_list, build_multilayer_lstm_graph_with_list
from ..model import build_graph
from ..reproduction.post_results import POST_3_EPOCHS_S, POST_20_EPOCHS_S, POST_BUILD_S, POST_CORPUS_CHARS
from .timing import Trainer, log, median, time_graph, time_interleaved

GRAPH_BUILDERS = {
    "list_basic_rnn": build_basic_rnn_graph_with_list,
    "list_lstm": build_multilayer_lstm_graph_with_list,
    "dynamic_lstm": build_multilayer_lstm_graph_with_dynamic_rnn,
    "scan_lstm": build_multilayer_lstm_graph_with_scan,
}

GRAPH_LABELS = {
    "list_basic_rnn": "list-unrolled BasicRNN",
    "list_lstm": "list-unrolled 3-layer LSTM",
    "dynamic_lstm": "dynamic_rnn 3-layer LSTM",
    "scan_lstm": "tf.scan 3-layer LSTM",
}


def batches(batch_size, num_steps):
    """Endless ``(x, y)`` batches of tiny-shakespeare, ``[batch_size, num_steps]`` each, in training order."""
    ids = bundled_corpus().train
    while True:
        yield from ptb_iterator(ids, batch_size, num_steps)


def training_figures(steps_s, cfg, num_steps, epochs, post_s=None):
    """Step time -> chars/s and projected seconds per epoch and per the post's run of ``epochs`` epochs."""
    step = median(steps_s)
    per_epoch = epoch_size(POST_CORPUS_CHARS, cfg.batch_size, num_steps)
    fig = {"num_steps": num_steps, "batch_size": cfg.batch_size, "steps_s": steps_s, "step_s": step,
           "chars_per_s": cfg.batch_size * num_steps / step, "batches_per_epoch": per_epoch,
           "epoch_s": per_epoch * step, "projected_epochs": epochs, "projected_s": epochs * per_epoch * step}
    if post_s is not None:
        fig["post_s"] = post_s
        fig["post_over_ours"] = post_s / fig["projected_s"]
    return fig


def bench_graphs(cfg, parts, results):
    """The post's four graphs at ``cfg.graph_steps``: build part and (for the three LSTMs) train part."""
    kwargs = dict(state_size=cfg.state_size, batch_size=cfg.batch_size, num_steps=cfg.graph_steps)
    for name, builder in GRAPH_BUILDERS.items():
        train = "train" in parts and name != "list_basic_rnn"
        if "build" not in parts and not train:
            continue
        extra = {} if name == "list_basic_rnn" else {"num_layers": cfg.num_layers}
        n_builds = cfg.build_repeats if "build" in parts else 1
        build = functools.partial(builder, **kwargs, **extra)
        r = time_graph(build, n_builds, batches(cfg.batch_size, cfg.graph_steps), cfg.warmup_steps,
                       cfg.timed_steps if train else 0)
        if "build" in parts:
            results["build"][name] = {
                "label": GRAPH_LABELS[name], "num_steps": cfg.graph_steps, "builds_s": r["builds_s"],
                "build_s": r["build_s"], "init_s": r["init_s"], "first_step_s": r["first_step_s"],
                "first_run_s": r["first_run_s"], "post_build_s": POST_BUILD_S[name],
                "post_over_ours": POST_BUILD_S[name] / r["build_s"],
            }
            log(f"build  {name:15s} {r['build_s']:7.3f} s (median of {len(r['builds_s'])}; post "
                f"{POST_BUILD_S[name]} s)   first session.run {r['first_run_s']:.3f} s")
        if train:
            fig = training_figures(r["steps_s"], cfg, cfg.graph_steps, cfg.graph_epochs, POST_3_EPOCHS_S[name])
            fig["label"] = GRAPH_LABELS[name]
            results["train"][name] = fig
            log(f"train  {name:15s} {fig['step_s'] * 1e3:8.1f} ms/step {fig['chars_per_s']:9.0f} chars/s   "
                f"{cfg.graph_epochs} epochs ~{fig['projected_s']:.1f} s (post {POST_3_EPOCHS_S[name]} s)")


def bench_cells(cfg, results):
    """The post's cells (and faster ways of computing them: :func:`r2rt_rnn.cell_types.post_cell_types`) at
    ``cfg.cell_steps`` steps, timed in turns (:func:`time_interleaved`)."""
    trainers = {}
    try:
        for cell in post_cell_types():
            def build(cell=cell):
                return build_graph(cell_type=cell, state_size=cfg.state_size, batch_size=cfg.batch_size,
                                   num_steps=cfg.cell_steps, num_layers=cfg.num_layers)

            trainers[cell] = Trainer(build, 1, batches(cfg.batch_size, cfg.cell_steps))
        steps = time_interleaved(trainers, cfg.warmup_steps, cfg.timed_steps)
    finally:
        for trainer in trainers.values():
            trainer.close()
    for cell, trainer in trainers.items():
        post_s = POST_20_EPOCHS_S.get(same_model(cell))  # LN_LSTM_fast: the post's LN_LSTM run
        fig = training_figures(steps[cell], cfg, cfg.cell_steps, cfg.cell_epochs, post_s)
        fig.update(label=f"build_graph(cell_type={cell!r})", build_s=trainer.out["build_s"],
                   first_run_s=trainer.out["first_run_s"])
        results["train"][cell] = fig
        post = f" (post {fig['post_s']} s)" if "post_s" in fig else ""
        log(f"train  {cell:15s} {fig['step_s'] * 1e3:8.1f} ms/step {fig['chars_per_s']:9.0f} chars/s   "
            f"{cfg.cell_epochs} epochs ~{fig['projected_s']:.0f} s{post}")
