"""How a checkpoint's faults are told: one line that names the file, the tensor or the setting, and what to do.

:mod:`r2rt_rnn.runtime.checkpoint` raises these. TensorFlow's own error text (a
"Graph execution error" with the stack frames of where the op was built) is never
shown: :func:`os_reason` keeps the operating system's words or TensorFlow's one line
that says what went wrong, and a restore TensorFlow refused is told by the tensor it
missed (:func:`restore_error`).
"""
import os
import re
from pathlib import Path

from .. import pretrained
from ..tf1 import tf
from .builders import shape_keys
from .checkpoint_files import DATA_SUFFIX, DEFAULT_NAME, config_path
from .errors import R2RTError

# The operating system's words, as they appear inside a TensorFlow error's text.
_OS_WORDS = ("No space left on device", "Disk quota exceeded", "Read-only file system", "Permission denied",
             "File too large", "Input/output error")
# Lines of a TensorFlow error that say where it happened, not what went wrong.
_TF_NOISE = ("Graph execution error", "Detected at node", "Node:", "File ", "[[", "Restoring from checkpoint failed")


def os_reason(exc):
    """The operating system's words for a failed write or read, or TensorFlow's own line saying what went wrong
    (never a stack frame of its error's text)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).split("Original stack trace")[0]
    return next((w for w in _OS_WORDS if w.lower() in text.lower()), None) or _first_line(text, type(exc).__name__)


def _first_line(text, default):
    """The first line of a TensorFlow error that says what went wrong, cut between words at 200 characters."""
    lines = [line.strip() for line in text.strip().splitlines()]
    line = next((x for x in lines if x and not x.endswith(":") and not x.startswith(_TF_NOISE)), default)
    return line if len(line) <= 200 else line[:200].rsplit(" ", 1)[0] + " ..."


def corrupt(path, what):
    return R2RTError(f"checkpoint {path} is damaged: {what}; use an earlier copy or train it again")


def not_found(path):
    """The R2RTError for a path that holds no checkpoint, naming the ones a folder holds instead."""
    if Path(path).is_dir():
        held = sorted(str(p)[: -len(".config.json")] for p in Path(path).glob("*.config.json"))
        if held:
            return R2RTError(f"{path} is a folder holding {len(held)} checkpoints ({', '.join(held[:5])}"
                             f"{', ...' if len(held) > 5 else ''}); give one of them", params=("checkpoint",))
        return R2RTError(f"{path} is a folder with no checkpoint in it (no {Path(path) / DEFAULT_NAME}.config.json "
                         "or other *.config.json); give a checkpoint path", params=("checkpoint",))
    return R2RTError(f"no checkpoint at {path} (expected {path}.config.json); check the path, train one there "
                     "(the train command, or train_network(..., save=PATH)), or name a shipped model: "
                     f"{', '.join(pretrained.names())}", params=("checkpoint",))


def check_graph_shapes(graph, ckpt):
    """Each of ``graph``'s variables that the checkpoint holds under its name must have the saved shape.

    TensorFlow's restore does not check it: a resource variable takes the saved value's shape, and the
    model fails later, or silently computes something else.
    """
    for v in graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES):
        saved = ckpt.tensors.get(v.op.name)
        if saved is not None and v.shape.is_fully_defined() and v.shape.as_list() != list(saved):
            raise config_mismatch(ckpt, f"needs {v.op.name} of shape {v.shape.as_list()}, which the checkpoint "
                                        f"holds as {list(saved)}")


# What TensorFlow says when a graph's variable is not in a checkpoint.
_MISSING = re.compile(r"Key (\S+) not found in checkpoint")


def restore_error(ckpt, exc):
    """The one-line R2RTError for a restore that TensorFlow refused, saying which file or tensor and what to do."""
    reason = os_reason(exc)
    if isinstance(exc, tf.errors.DataLossError) or "checksum" in reason.lower():
        return corrupt(ckpt.path, f"its tensor data, {Path(ckpt.prefix or ckpt.path).name}{DATA_SUFFIX}, fail "
                                  "their checksum (the file was changed after it was saved)")
    missing = _MISSING.search(reason)
    if missing:
        name = missing.group(1)
        held = max(ckpt.tensors, key=lambda t: len(os.path.commonprefix([t, name])), default=None)
        return config_mismatch(ckpt, f"needs {name}, which the checkpoint does not hold"
                                     + (f" (it holds {held})" if held else ""))
    return R2RTError(f"checkpoint {ckpt.path} does not fit this graph ({reason}); rebuild the graph with the "
                     "checkpoint's settings (see its .config.json)")


def config_mismatch(ckpt, what):
    """A graph that agrees with the checkpoint's config on every shape-deciding setting (see ``check_compatible``)
    but needs other tensors than the checkpoint's: the config does not describe them (edited, or another's)."""
    settings = ", ".join(f"{k}={ckpt.config.get(k)!r}" for k in shape_keys(ckpt.config)[1:])
    return R2RTError(f"checkpoint {ckpt.path} does not match its own {config_path(ckpt.path).name}: a graph built "
                     f"with its settings ({settings}) {what}; that file was edited or belongs to another "
                     "checkpoint: put the right one back, use an earlier copy, or train the model again")
