"""The post's three experiments, as functions the notebook and the ``reproduce`` command share.

* ``graph_styles``: the 3-layer LSTM unrolled as a list, with ``dynamic_rnn`` and with
  ``tf.scan`` (post: 3 epochs at 200 steps);
* ``gru_vs_custom``: the GRU against the post's Custom cell (post: 5 epochs at 30 steps);
* ``cell_comparison``: GRU, LSTM and LN_LSTM via ``build_graph`` (post: 20 epochs at 80 steps),
  and, when named in ``models``, the layer-normalised GRU the post suggested trying (``LN_GRU``).

and the post's open threads, ours: ``learning_rates`` (its Adam 1e-4 against faster rates,
same model, same steps, so equal time), ``dropout_gap`` (without and with dropout, the gap
between training and validation loss) and ``skip_connection`` (``tf.scan`` with a skip from
t-2 to t, :mod:`r2rt_rnn.graphs.skip`).

Each returns one record per model: build time, training time, per-epoch training
and validation losses, and the post's published figures (:mod:`r2rt_rnn.reproduction.post_results`)
beside them. The ``reproduce`` command (:mod:`r2rt_rnn.cli.reproduce`) runs them
and records the results.
"""
import dataclasses
import inspect
import time
from pathlib import Path

from ..data import load_corpus
from ..graphs.dynamic import build_multilayer_lstm_graph_with_dynamic_rnn
from ..graphs.scan import build_multilayer_lstm_graph_with_scan
from ..graphs.skip import build_skip_connection_graph_with_scan
from ..graphs.static import build_multilayer_lstm_graph_with_list
from ..model import build_graph, build_multilayer_graph_with_custom_cell
from ..runtime import checkpoint, checks
from ..runtime.errors import R2RTError
from ..train import train_network
from .post_results import published
from .presets import PRESETS

# The post's three, in its order (what ``reproduce all`` runs); EXPERIMENTS adds ours beyond the post.
POST_EXPERIMENTS = ("graph_styles", "gru_vs_custom", "cell_comparison")
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3)  # the post's, then faster
# Models an experiment runs only when asked for by name: beside the post's own, not in its runs.
ONLY_WHEN_NAMED = {"cell_comparison": ("LN_GRU",)}

def _lstm_graph(builder):
    """One of the post's three 3-layer LSTM graph styles, sized by a preset."""
    return lambda p, k: builder(state_size=p.state_size, num_classes=k, batch_size=p.batch_size,
                                num_steps=p.num_steps, num_layers=p.num_layers, learning_rate=p.learning_rate)


def _cell_graph(cell_type, builder=build_graph, **changes):
    """A graph of ``builder`` sized by a preset, with ``cell_type`` and any other ``changes`` to the preset."""
    return lambda p, k: builder(**{key: value for key, value in
                                   p.replace(cell_type=cell_type, **changes).graph_kwargs(k).items()
                                   if key in inspect.signature(builder).parameters})


def _skip_graph(skip):
    return lambda p, k: build_skip_connection_graph_with_scan(
        state_size=p.state_size, num_classes=k, batch_size=p.batch_size, num_steps=p.num_steps,
        num_layers=p.num_layers, learning_rate=p.learning_rate, skip=skip, seed=p.seed)


# experiment -> {model name: graph factory(preset, num_classes)}; sizes and epochs are PRESETS[experiment].
EXPERIMENTS = {
    "graph_styles": {
        "list": _lstm_graph(build_multilayer_lstm_graph_with_list),
        "dynamic_rnn": _lstm_graph(build_multilayer_lstm_graph_with_dynamic_rnn),
        "scan": _lstm_graph(build_multilayer_lstm_graph_with_scan),
    },
    "gru_vs_custom": {
        "GRU": _cell_graph("GRU", build_multilayer_graph_with_custom_cell),
        "Custom": _cell_graph("Custom", build_multilayer_graph_with_custom_cell),
    },
    "cell_comparison": {"GRU": _cell_graph("GRU"), "LSTM": _cell_graph("LSTM"), "LN_LSTM": _cell_graph("LN_LSTM"),
                        "LN_GRU": _cell_graph("LN_GRU")},  # the post's suggestion (ONLY_WHEN_NAMED)
    # the post's open threads, ours
    "learning_rates": {f"{rate:g}": _cell_graph("GRU", learning_rate=rate) for rate in LEARNING_RATES},
    "dropout_gap": {"no dropout": _cell_graph("GRU", keep_prob=1.0), "dropout": _cell_graph("GRU")},
    "skip_connection": {"scan": _skip_graph(False), "scan, skip t-2": _skip_graph(True)},
    # ours, beyond the post: the best model we found for 30 minutes of training on a 2-core CPU
    "beyond_the_post": {"tuned": lambda p, k: build_graph(**p.graph_kwargs(k))},
}


def _model_preset(preset, config):
    """The experiment's preset as this model ran it: its own cell type, learning rate and keep probability."""
    keep_prob = config.get("keep_prob", preset.keep_prob) if config.get("build_with_dropout") else 1.0
    return preset.replace(cell_type=config.get("cell_type", preset.cell_type),
                          learning_rate=config.get("learning_rate", preset.learning_rate),
                          keep_prob=keep_prob if "build_with_dropout" in config else preset.keep_prob)


def _check_count(name, value, default):
    checks.optional(checks.integer, name, value, what="1 or more", fix=f"leave it out for {default}")


def default_models(experiment):
    """The models :func:`run` trains when ``models`` is left out: all of the experiment's but ``ONLY_WHEN_NAMED``."""
    return [m for m in EXPERIMENTS[experiment] if m not in ONLY_WHEN_NAMED.get(experiment, ())]


def plan(experiment, epochs=None, num_steps=None, models=None, max_chars=None, save_dir=None, overwrite=False,
         keep_best=True):
    """Check :func:`run`'s options before any work: returns the preset to run and ``{model: save path or False}``.

    A bad value is an R2RTError naming its parameter (and in ``params``): a count
    below 1 (left out, each means the post's value, or the whole text), a model the
    experiment does not have, ``max_chars`` too few for one batch, a ``save_dir``
    that cannot be written, that already holds the model's checkpoint (or, with
    ``keep_best``, its ``-best``) unless ``overwrite``, or whose checkpoint another
    training run is writing (``params``: ``save``, as :mod:`r2rt_rnn.runtime.checkpoint`
    names a save path).
    """
    for name, value, default in (("epochs", epochs, "the post's number"), ("num_steps", num_steps, "the post's"),
                                 ("max_chars", max_chars, "the whole text")):
        _check_count(name, value, default)
    _check_models(experiment, models)
    preset = PRESETS[experiment].replace(epochs=epochs or PRESETS[experiment].epochs,
                                         num_steps=num_steps or PRESETS[experiment].num_steps)
    _check_max_chars(experiment, preset, max_chars)
    chosen = models or default_models(experiment)
    saves = {}
    for name in EXPERIMENTS[experiment]:  # in the experiment's order
        if name in chosen:
            saves[name] = _save_path(save_dir, name, preset, overwrite, keep_best) if save_dir else False
    return preset, saves


def _check_models(experiment, models):
    """Refuse a model the experiment does not have (``models`` None or empty: its default ones)."""
    unknown = sorted(set(models or ()) - set(EXPERIMENTS[experiment]))
    if unknown:
        raise R2RTError(f"models: {', '.join(unknown)} not in {experiment}; choose from "
                        f"{', '.join(EXPERIMENTS[experiment])}", params=("models",))


def _check_max_chars(experiment, preset, max_chars):
    """Refuse a ``max_chars`` too few for one batch of the preset (None: the whole text)."""
    needed = preset.batch_size * (preset.num_steps + 1)
    if max_chars is not None and max_chars < needed:
        raise R2RTError(f"max_chars {max_chars} is too few characters for one batch of {experiment}, which takes "
                        f"{preset.batch_size} * ({preset.num_steps} + 1) = {needed} (batch size * (steps + 1)); "
                        "raise max_chars or lower num_steps", params=("max_chars", "num_steps"))


def _save_path(save_dir, name, preset, overwrite, keep_best):
    """Model ``name``'s checkpoint path under ``save_dir``, checked: writable, not there already (nor its ``-best``
    with ``keep_best``) unless ``overwrite``, and not locked by another training run."""
    path = checkpoint.prepare_save_path(Path(save_dir) / f"{name}_{preset.epochs}_epochs", overwrite)
    if keep_best:
        checkpoint.prepare_save_path(f"{path}-best", overwrite)
    with checkpoint.hold_lock(path):
        pass  # free now (else refused here, naming the run that holds it); train_network takes it again
    return path


def run(experiment, epochs=None, num_steps=None, models=None, text=None, max_chars=None,
        valid_fraction=0.1, save_dir=None, verbose=True, overwrite=False):
    """Run one experiment; returns ``{model: record}``.

    ``epochs``/``num_steps`` default to the post's; ``max_chars`` keeps only the
    first characters of the text (the notebook's quick mode); ``save_dir`` keeps a
    checkpoint per model (e.g. ``saves/GRU_20_epochs`` as in the post), refusing to
    replace one already there unless ``overwrite``. The options are checked first
    (:func:`plan`). Each record's ``preset`` is the model's own (with its cell type,
    where the experiment's preset has one for all), ``graph_config`` is how its
    graph was built and ``post`` what the post published for it. Ctrl-C raises
    :class:`~r2rt_rnn.runtime.errors.TrainingInterrupted` from ``train_network``.
    """
    factories = EXPERIMENTS[experiment]
    preset, saves = plan(experiment, epochs, num_steps, models, max_chars, save_dir, overwrite, valid_fraction > 0)
    epochs, num_steps = preset.epochs, preset.num_steps
    corpus = load_corpus(text, valid_fraction=valid_fraction)
    train, valid = corpus.train, corpus.valid
    if max_chars is not None:
        train = train[:max_chars]
        valid = None if valid is None else valid[: max(max_chars // 10, preset.batch_size * (num_steps + 1))]
    results = {}
    for name, save in saves.items():
        if verbose:
            print(f"--- {experiment}: {name}, {epochs} epochs at {num_steps} steps")
        t = time.perf_counter()
        g = factories[name](preset, corpus.vocab_size)
        build_seconds = time.perf_counter() - t
        model_preset = _model_preset(preset, g["config"])
        t = time.perf_counter()
        history = train_network(g, epochs, data=train, valid_data=valid, vocab=corpus.vocab, save=save,
                                overwrite=overwrite, verbose=verbose, keep_best=bool(save) and valid is not None,
                                **(preset.schedule_kwargs() if valid is not None else {}))
        results[name] = {
            "epochs": epochs, "num_steps": num_steps, "build_seconds": build_seconds,
            "train_seconds": time.perf_counter() - t, "losses": list(history),
            "valid_losses": history.valid_losses, "train_chars": int(len(train)),
            "epoch_seconds": history.epoch_seconds, "learning_rates": history.learning_rates,
            "best_valid_loss": min(history.valid_losses) if history.valid_losses else None,
            "post": published(experiment, name), "preset": dataclasses.asdict(model_preset),
            "graph_config": dict(g["config"]),
        }
        if verbose:
            print(f"{name}: built in {build_seconds:.2f} s, trained in {results[name]['train_seconds']:.1f} s, "
                  f"final loss {history[-1]:.4f}")
    return results
