"""Checkpoints that survive a crash and can be used in a new process: one format for every model.

A checkpoint at ``PATH`` is four files side by side::

    PATH.index, PATH.data-00000-of-00001   the tf.train.Saver's tensors
    PATH.vocab.json                         the vocabulary, so ids decode to the same tokens anywhere
    PATH.config.json                        how the graph was built, how far training got, and a
                                            manifest of the tensors (names, shapes, file sizes)

Writing (:func:`save`): every file is first written under a temporary name and
flushed to disk; only when all four are complete are they renamed over the old
ones, the JSON files last. A crash, a kill or a full disk while writing leaves the
previous checkpoint as it was. (The one exception is the instant between renaming
the two tensor files, a few microseconds per save: a process killed exactly there
leaves a pair that :func:`load` reports as damaged, since the sizes recorded in the
config no longer match.) Ctrl-C during the save is held back until it ends.

Reading (:func:`load`): the three parts are read once and checked against each
other (vocabulary size against the config, tensors against the manifest), so a
truncated, hand-edited or mismatched checkpoint is a one-line :class:`R2RTError`,
never a TensorFlow stack trace. :func:`restore` puts the tensors into a graph.

While a training run writes to ``PATH`` it holds ``PATH.lock`` (:func:`hold_lock`),
so a second run saving to the same path is refused instead of silently overwriting.
"""
import contextlib
import fcntl
import importlib
import inspect
import json
import os
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .data import Vocabulary
from .errors import R2RTError
from .tf1 import tf

FORMAT = 1
DATA_SUFFIX = ".data-00000-of-00001"

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
    "ptb_word_lm": "r2rt_rnn.ptb.model:build_from_config",
}

DEFAULT_NAME = "checkpoint"  # the file name used when a save path names a directory


def vocab_path(path):
    return Path(f"{path}.vocab.json")


def config_path(path):
    return Path(f"{path}.config.json")


def exists(path):
    return Path(f"{path}.index").exists()


@dataclass
class Checkpoint:
    """A checkpoint read from disk and checked: its config, training progress, vocabulary and tensors."""

    path: str
    config: dict
    progress: dict = field(default_factory=dict)
    vocab: Vocabulary = None
    tensors: dict = field(default_factory=dict)  # variable name -> shape

    @property
    def num_classes(self):
        return self.config.get("num_classes", self.config.get("vocab_size"))


# --- where to save ----------------------------------------------------------------------------------


def prepare_save_path(path, flag="--save"):
    """Resolve and check a save path *before* any training: returns the checkpoint path as a str.

    A directory (or a path ending in ``/``) means "inside it", as ``DIR/checkpoint``.
    The folder is created if needed and a test file is written there, so an
    unwritable location fails now, in one line, not after the first epoch.
    """
    raw = str(path)
    path = Path(raw).expanduser()
    if raw.endswith(("/", os.sep)) or path.is_dir():
        path = path / DEFAULT_NAME
    for parent in [path.parent, *path.parent.parents]:
        if parent.exists() and not parent.is_dir():
            raise R2RTError(f"cannot save to {path}: {parent} is a file, not a folder; "
                            f"choose another {flag} path")
    check_writable_folder(path.parent, f"choose another {flag} path")
    return str(path)


def check_writable_folder(folder, fix):
    """Create ``folder`` if needed and write (then delete) a test file there; else R2RTError ending in ``fix``."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise R2RTError(f"cannot write to {folder} ({exc.strerror or exc}); {fix}") from None


@contextlib.contextmanager
def hold_lock(path, flag="--save"):
    """Hold ``PATH.lock`` for the duration; refuse (R2RTError naming the holder) if another process has it.

    The lock is an ``flock`` on the file, so it goes with its process however that
    ends (a killed holder leaves an unlocked file, which the next run takes over).
    """
    lock = Path(f"{path}.lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise R2RTError(f"cannot create the lock file {lock} ({exc.strerror or exc}); "
                            f"choose another {flag} path") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise R2RTError(f"{path} is being written by a training run in process {holder}; wait for it to "
                            f"finish, stop it, or choose another {flag} path") from None
        try:
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break  # we hold the lock on the file that is at the path now
        except FileNotFoundError:
            pass
        os.close(fd)  # its last holder removed the file as we opened it: take the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()  # while still holding it, so no one can lock the file we remove
        os.close(fd)


# --- writing ----------------------------------------------------------------------------------------


_deferring = []  # non-empty while an interrupts_deferred() block is active


@contextlib.contextmanager
def interrupts_deferred():
    """Hold a Ctrl-C that arrives inside the block until the (outermost) block ends; main thread only."""
    if _deferring or threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    _deferring.append(True)
    try:
        yield
    finally:
        _deferring.pop()
        signal.signal(signal.SIGINT, previous)
    if caught:  # not in `finally`: an exception from the block itself goes first
        raise KeyboardInterrupt


def _write_durably(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def save(sess, g, path, vocab, progress=None):
    """Save ``g``'s variables, vocabulary and config to checkpoint ``path``, all or nothing.

    ``g`` needs ``config`` (a JSON-able dict) and may hold a ``saver``. Returns the path.
    Raises R2RTError (the previous checkpoint intact) when the disk is full or unwritable.
    """
    path = Path(path)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    saver = g.get("saver") or tf.train.Saver()
    parts = (DATA_SUFFIX, ".index", ".vocab.json", ".config.json")  # the order they are renamed in
    with interrupts_deferred():
        try:
            # The MetaGraph of a list-unrolled graph is megabytes; graphs are rebuilt from the config instead.
            saver.save(sess, str(tmp), write_meta_graph=False, write_state=False)
            for suffix in (".index", DATA_SUFFIX):
                with open(f"{tmp}{suffix}", "rb+") as f:
                    os.fsync(f.fileno())
            tensors = {name: list(shape) for name, shape in tf.train.list_variables(str(tmp))}
            files = {suffix: os.path.getsize(f"{tmp}{suffix}") for suffix in (".index", DATA_SUFFIX)}
            if vocab is not None:
                _write_durably(f"{tmp}.vocab.json", vocab.to_json())
            meta = {"format": FORMAT, "config": g["config"], "progress": progress or {},
                    "tensors": tensors, "files": files}
            _write_durably(f"{tmp}.config.json", json.dumps(meta, indent=1))
            # All four are complete: rename them into place, the small JSON files last.
            for suffix in parts:
                if Path(f"{tmp}{suffix}").exists():
                    os.replace(f"{tmp}{suffix}", f"{path}{suffix}")
            if vocab is None:  # a stale vocabulary must not describe these tensors
                with contextlib.suppress(FileNotFoundError):
                    vocab_path(path).unlink()
        except (OSError, tf.errors.OpError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0][:120]
            raise R2RTError(f"could not write checkpoint {path} ({reason}); the previous checkpoint there is "
                            "unchanged; free some disk space or choose another save path") from None
        finally:
            for suffix in parts:
                with contextlib.suppress(OSError):
                    Path(f"{tmp}{suffix}").unlink()
    return path


# --- reading ----------------------------------------------------------------------------------------


def _corrupt(path, what):
    return R2RTError(f"checkpoint {path} is damaged: {what}; use an earlier copy or train it again")


def load(path):
    """Read checkpoint ``path`` once and check its parts against each other; returns a :class:`Checkpoint`."""
    path = str(path)
    if not exists(path) and exists(Path(path) / DEFAULT_NAME):  # a folder means FOLDER/checkpoint, as for saving
        path = str(Path(path) / DEFAULT_NAME)
    if not exists(path):
        raise R2RTError(f"no checkpoint at {path} (expected {path}.index); train one with "
                        f"`python -m r2rt_rnn train --save {path}` or check the path")
    cfg = config_path(path)
    try:
        meta = json.loads(cfg.read_text(encoding="utf-8"))
        config = meta["config"]
        if not isinstance(config, dict) or config.get("builder") not in BUILDERS:
            raise KeyError("builder")
    except FileNotFoundError:
        raise R2RTError(f"{cfg} is missing, so the graph configuration of {path} is unknown; "
                        "checkpoints written by r2rt_rnn's train_network have it") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _corrupt(path, f"{cfg.name} is not a valid configuration ({type(exc).__name__}: {exc})") from None
    ckpt = Checkpoint(path, config, meta.get("progress") or {}, None, {})
    if vocab_path(path).exists():
        ckpt.vocab = Vocabulary.load(vocab_path(path))
        if ckpt.num_classes is not None and len(ckpt.vocab) != ckpt.num_classes:
            raise _corrupt(path, f"its vocabulary has {len(ckpt.vocab)} entries but its config says "
                                 f"{ckpt.num_classes} classes")
    for suffix, size in (meta.get("files") or {}).items():
        actual = os.path.getsize(f"{path}{suffix}") if os.path.exists(f"{path}{suffix}") else None
        if actual != size:
            raise _corrupt(path, f"{Path(path).name}{suffix} has {actual} bytes, {size} were written")
    try:
        ckpt.tensors = {name: list(shape) for name, shape in tf.train.list_variables(path)}
    except (tf.errors.OpError, ValueError) as exc:
        raise _corrupt(path, f"its tensor index cannot be read ({str(exc).strip().splitlines()[0][:120]})") from None
    expected = meta.get("tensors")
    if expected is not None and expected != ckpt.tensors:
        raise _corrupt(path, "its tensors are not the ones its config.json describes")
    _check_shapes(ckpt)
    return ckpt


def _check_shapes(ckpt):
    """The config's sizes against the tensors' shapes (the embedding and the softmax weights)."""
    c = ckpt.config
    if c.get("builder") == "ptb_word_lm":
        expected = {"Model/embedding": [c.get("vocab_size"), c.get("hidden_size")],
                    "Model/softmax_w": [c.get("hidden_size"), c.get("vocab_size")]}
    else:
        expected = {"embedding_matrix": [c.get("num_classes"), c.get("state_size")],
                    "softmax/W": [c.get("state_size"), c.get("num_classes")]}
    for name, shape in expected.items():
        if name in ckpt.tensors and ckpt.tensors[name] != shape:
            raise _corrupt(ckpt.path, f"its config says {name} is {shape} but the saved tensor is "
                                      f"{ckpt.tensors[name]}")


def as_checkpoint(path_or_ckpt):
    return path_or_ckpt if isinstance(path_or_ckpt, Checkpoint) else load(path_or_ckpt)


def check_compatible(config, saved, path):
    """Raise R2RTError naming every shape-deciding setting on which ``config`` and ``saved`` differ."""
    keys = SHAPE_KEYS + (("num_weights_for_custom_cell",) if config.get("cell_type") == "Custom" else ())
    if config.get("builder") == "ptb_word_lm":
        keys = ("builder", "num_layers", "hidden_size", "vocab_size")

    def model_of(c):
        return {**c, "cell_type": SAME_MODEL_AS.get(c.get("cell_type"), c.get("cell_type"))}

    mine, theirs = model_of(config), model_of(saved)
    diffs = [f"{k}={saved.get(k)!r} in the checkpoint but {config.get(k)!r} in this graph"
             for k in keys if theirs.get(k) != mine.get(k)]
    if diffs:
        raise R2RTError(f"checkpoint {path} was saved from another configuration: {'; '.join(diffs)}; "
                        "rebuild the graph with the checkpoint's settings (see its .config.json)")


def restore(sess, g, path_or_ckpt):
    """Restore a checkpoint (a path or a loaded :class:`Checkpoint`) into ``g``'s session; returns the Checkpoint."""
    ckpt = as_checkpoint(path_or_ckpt)
    check_compatible(g["config"], ckpt.config, ckpt.path)
    saver = g.get("saver") or tf.train.Saver()
    try:
        saver.restore(sess, ckpt.path)
    except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError) as exc:
        first_line = str(exc).strip().splitlines()[0][:200]
        raise R2RTError(f"checkpoint {ckpt.path} does not fit this graph ({first_line}); "
                        "rebuild the graph with the checkpoint's settings") from None
    except (tf.errors.OpError, ValueError) as exc:
        raise _corrupt(ckpt.path, f"its tensors cannot be read ({str(exc).strip().splitlines()[0][:120]})") from None
    return ckpt


def build_from_checkpoint(path_or_ckpt, **overrides):
    """Rebuild the graph a checkpoint was trained with, e.g. ``batch_size=1, num_steps=1`` for generation."""
    config = as_checkpoint(path_or_ckpt).config
    module, name = BUILDERS[config["builder"]].split(":")
    builder = getattr(importlib.import_module(module), name)
    accepted = inspect.signature(builder).parameters
    kwargs = {k: v for k, v in {**config, **overrides}.items() if k in accepted}
    return builder(**kwargs)
