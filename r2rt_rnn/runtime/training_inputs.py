"""``train_network``'s inputs, each checked before the first step, each fault one line naming its parameter."""
from pathlib import Path

import numpy as np

from . import checks
from .errors import R2RTError

GRAPH_KEYS = ("x", "y", "init_state", "final_state", "total_loss", "train_step", "config")


def check_graph(g):
    """``g`` must be the dict a graph builder returns (``build_graph`` and the post's other builders)."""
    missing = [k for k in GRAPH_KEYS if not isinstance(g, dict) or k not in g]
    if missing:
        got = f"a dict without {', '.join(missing)}" if isinstance(g, dict) else type(g).__name__
        raise R2RTError(f"g must be the dict a graph builder returns (build_graph(...)), got {got}", params=("g",))
    return g


def check_ids(data, num_classes, what="data"):
    """``data`` as an int32 array of ids in ``[0, num_classes)``, or an R2RTError naming ``what``."""
    if isinstance(data, (str, bytes)):
        raise R2RTError(f"{what} must be an array of character ids, not text; encode it with "
                        "load_corpus(path).train or Vocabulary.from_text(text).encode(text)", params=(what,))
    try:
        ids = np.asarray(data)
    except (TypeError, ValueError):
        ids = np.asarray([], dtype=object)
    if ids.ndim != 1 or ids.size == 0 or not np.issubdtype(ids.dtype, np.integer):
        raise R2RTError(f"{what} must be a non-empty 1-D array of integer ids, got {type(data).__name__} "
                        f"of dtype {ids.dtype} and shape {ids.shape}", params=(what,))
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= num_classes:
        raise R2RTError(f"{what} holds ids from {low} to {high}, but the graph has num_classes={num_classes} "
                        f"(ids 0..{num_classes - 1}); build it with num_classes > {high}", params=(what,))
    return ids.astype(np.int32, copy=False)


def check_vocab(vocab, num_classes):
    """A vocabulary (``encode``/``decode`` and a length) with exactly the graph's ``num_classes`` entries."""
    if vocab is None:
        return None
    if not all(hasattr(vocab, a) for a in ("encode", "decode", "__len__")):
        raise R2RTError(f"vocab must be an r2rt_rnn.data.Vocabulary, got {type(vocab).__name__}", params=("vocab",))
    if len(vocab) != num_classes:
        raise R2RTError(f"vocab has {len(vocab)} characters but the graph has num_classes={num_classes}; build the "
                        f"graph with num_classes={len(vocab)} (a checkpoint's vocabulary must match its softmax)",
                        params=("vocab",))
    return vocab


def check_schedule(lr_decay, lr_decay_after, keep_best, has_validation):
    """R2RTError naming the first bad learning-rate schedule option (its ``params`` say which)."""
    if lr_decay is not None:
        checks.real("lr_decay", lr_decay, 0.0, 1.0, high_open=True, what="between 0 and 1 (exclusive)")
    if lr_decay_after is not None:
        if lr_decay is None or not checks.is_integer(lr_decay_after) or lr_decay_after < 1:
            raise R2RTError(f"lr_decay_after must be 1 or more, with lr_decay set (it counts epochs), "
                            f"got {lr_decay_after!r} with lr_decay {lr_decay!r}", params=("lr_decay_after", "lr_decay"))
    if (keep_best or (lr_decay is not None and lr_decay_after is None)) and not has_validation:
        raise R2RTError("lr_decay and keep_best follow the validation loss: give valid_data "
                        "(or lr_decay_after N for a fixed schedule)",
                        params=("lr_decay", "keep_best", "valid_data", "lr_decay_after"))


def check_resume_vocab(saved, vocab):
    """R2RTError unless checkpoint ``saved`` was trained with ``vocab`` (either unknown passes)."""
    if vocab is not None and saved.vocab is not None and saved.vocab != vocab:
        raise R2RTError(f"resume {saved.path} was trained on a text with another vocabulary ({len(saved.vocab)} "
                        "characters: ids would mean other characters); resume only on the text it was trained on",
                        params=("resume",))


def check_size(g, name, value):
    """``num_steps``/``batch_size``: the graph's own, or the same value again (the post's calls repeat them)."""
    if value is None:
        return g["config"][name]
    checks.integer(name, value)
    if g["config"][name] != value:
        raise R2RTError(f"the graph was built with {name}={g['config'][name]} but train_network got "
                        f"{name}={value}; leave it out (it defaults to the graph's) or pass the same value")
    return int(value)


def check_save(save):
    if save is True or not isinstance(save, (str, Path, type(None), bool)):
        raise R2RTError(f"save must be a checkpoint path (e.g. save='saves/GRU') or False, got {save!r}",
                        params=("save",))
    return save or None


def check_inputs(g, num_epochs, num_steps, batch_size, save, data, valid_data, vocab, lr_decay, lr_decay_after,
                 keep_best, keep_prob=None):
    """Every input of ``train_network``; returns ``(num_steps, batch_size, data, valid_data, vocab, save)``."""
    check_graph(g)
    num_steps, batch_size = check_size(g, "num_steps", num_steps), check_size(g, "batch_size", batch_size)
    checks.integer("num_epochs", num_epochs)
    num_classes = g["config"]["num_classes"]
    data = check_ids(data, num_classes, "data")
    checks.length(data, batch_size, num_steps)
    if valid_data is not None:
        valid_data = check_ids(valid_data, num_classes, "valid_data")
        checks.length(valid_data, batch_size, num_steps, what="validation text")
    vocab = check_vocab(vocab, num_classes)
    check_schedule(lr_decay, lr_decay_after, keep_best, valid_data is not None)
    return num_steps, batch_size, data, valid_data, vocab, check_save(save)
