"""Checkpoints that can be used in a new process.

A checkpoint at ``PATH`` is the Saver's files (``PATH.index``, ``PATH.data-*``)
plus two small JSON files beside them: ``PATH.vocab.json`` (the sorted
vocabulary, so ids decode to the same characters in any process) and
``PATH.config.json`` (how the graph was built, and how far training got).
"""
import importlib
import inspect
import json
from pathlib import Path

from .data import Vocabulary
from .errors import R2RTError
from .tf1 import tf

# The settings that decide the variables' names and shapes: a checkpoint restores
# only into a graph that agrees on all of them. (batch_size and num_steps may differ.)
SHAPE_KEYS = ("builder", "cell_type", "state_size", "num_classes", "num_layers")

# Cell types that are the same model, with the same variables, computed another way:
# a checkpoint of one restores into the other.
SAME_MODEL_AS = {"LN_LSTM_fast": "LN_LSTM"}

# config["builder"] -> the function that builds that graph
BUILDERS = {
    "build_graph": "r2rt_rnn.model:build_graph",
    "list_basic_rnn": "r2rt_rnn.graphs.static:build_basic_rnn_graph_with_list",
    "list_lstm": "r2rt_rnn.graphs.static:build_multilayer_lstm_graph_with_list",
    "dynamic_lstm": "r2rt_rnn.graphs.dynamic:build_multilayer_lstm_graph_with_dynamic_rnn",
    "scan_lstm": "r2rt_rnn.graphs.scan:build_multilayer_lstm_graph_with_scan",
}


def vocab_path(path):
    return Path(f"{path}.vocab.json")


def config_path(path):
    return Path(f"{path}.config.json")


def exists(path):
    return Path(f"{path}.index").exists()


def save(sess, g, path, vocab, progress=None):
    """Save variables with ``g['saver']`` and write the vocabulary and config beside them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    saver = g.get("saver") or tf.train.Saver()
    # The MetaGraph of a list-unrolled graph is megabytes; we rebuild graphs from the config instead.
    saver.save(sess, str(path), write_meta_graph=False)
    if vocab is not None:
        vocab.save(vocab_path(path))
    meta = {"config": g["config"], "progress": progress or {}}
    config_path(path).write_text(json.dumps(meta, indent=1))
    return path


def read_meta(path):
    """Return ``(config, progress, vocab)`` saved beside checkpoint ``path``."""
    if not exists(path):
        raise R2RTError(f"no checkpoint at {path} (expected {path}.index); train one with "
                        f"`python -m r2rt_rnn train --save {path}` or check the path")
    cfg = config_path(path)
    if not cfg.exists():
        raise R2RTError(f"{cfg} is missing, so the graph configuration of {path} is unknown; "
                        "checkpoints written by r2rt_rnn's train_network have it")
    meta = json.loads(cfg.read_text())
    return meta["config"], meta.get("progress", {}), Vocabulary.load(vocab_path(path))


def check_compatible(config, saved, path):
    """Raise R2RTError naming every shape-deciding setting on which ``config`` and ``saved`` differ."""
    keys = SHAPE_KEYS + (("num_weights_for_custom_cell",) if config.get("cell_type") == "Custom" else ())

    def model_of(c):
        return {**c, "cell_type": SAME_MODEL_AS.get(c.get("cell_type"), c.get("cell_type"))}

    mine, theirs = model_of(config), model_of(saved)
    diffs = [f"{k}={saved.get(k)!r} in the checkpoint but {config.get(k)!r} in this graph"
             for k in keys if theirs.get(k) != mine.get(k)]
    if diffs:
        raise R2RTError(f"checkpoint {path} was saved from another configuration: {'; '.join(diffs)}; "
                        "rebuild the graph with the checkpoint's settings (see its .config.json)")


def restore(sess, g, path):
    """Restore checkpoint ``path`` into graph ``g``'s session; returns ``(progress, vocab)``."""
    saved, progress, vocab = read_meta(path)
    check_compatible(g["config"], saved, path)
    saver = g.get("saver") or tf.train.Saver()
    try:
        saver.restore(sess, str(path))
    except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError) as exc:
        first_line = str(exc).strip().splitlines()[0][:200]
        raise R2RTError(f"checkpoint {path} does not fit this graph ({first_line}); "
                        "rebuild the graph with the checkpoint's settings") from None
    return progress, vocab


def build_from_checkpoint(path, **overrides):
    """Rebuild the graph a checkpoint was trained with, e.g. ``batch_size=1, num_steps=1`` for generation."""
    config, _, _ = read_meta(path)
    module, name = BUILDERS[config["builder"]].split(":")
    builder = getattr(importlib.import_module(module), name)
    accepted = inspect.signature(builder).parameters
    kwargs = {k: v for k, v in {**config, **overrides}.items() if k in accepted}
    return builder(**kwargs)
