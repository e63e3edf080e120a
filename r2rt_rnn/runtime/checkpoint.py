"""Checkpoints that survive a crash and can be used in a new process: one format for every model.

A checkpoint at ``PATH`` is one pointer file and the set of files it names (their names:
:mod:`.checkpoint_files`)::

    PATH.config.json                      how the graph was built, how far training got, a manifest
                                          (tensor names and shapes, file sizes) and the name of the set
    PATH.sN.index, PATH.sN.data-00000-of-00001   the tf.train.Saver's tensors (save number N)
    PATH.sN.vocab.json                    the vocabulary, so ids decode to the same tokens anywhere

Writing (:func:`save`): a save writes a *new* set, ``PATH.s(N+1).*``, flushes it to
disk, and only then replaces the pointer, in one atomic rename; the old set is
deleted after that. A crash, a kill or a full disk at any instant therefore leaves
either the previous checkpoint or the new one, each whole. A set left by a killed
save is deleted by the next run that takes the lock (:func:`hold_lock`). Ctrl-C
during a save is held back until it ends.

Reading (:func:`load`): the parts are read once and checked against each other
(vocabulary size against the config, tensors against the manifest), so a
truncated, hand-edited or mismatched checkpoint is a one-line :class:`R2RTError`,
never a TensorFlow stack trace (:mod:`.checkpoint_faults` words each fault). :func:`restore` puts
the tensors into a graph, after checking the graph's variables' shapes against them (TensorFlow does not).
Checkpoints of the first format (``PATH.index``, ``PATH.vocab.json`` beside the
config, no set) still load. A weights-only checkpoint (a shipped model, :mod:`r2rt_rnn.pretrained`)
has no optimiser slots: restored into a training graph, its optimiser starts afresh.

While a training run writes to ``PATH`` it holds ``PATH.lock``, so a second run
saving to the same path is refused instead of silently overwriting.
"""
import contextlib
import fcntl
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import pretrained
from ..cell_types import check_cell_type
from ..data import Vocabulary
from ..tf1 import tf
from . import interrupts
from .builders import BUILDERS, differences
from .checkpoint_faults import check_graph_shapes, corrupt, not_found, os_reason, restore_error
from .checkpoint_files import (  # the files' names, also known to the output checks without TensorFlow
    DATA_SUFFIX,  # noqa: F401 (part of this module's interface, as before the names had a module)
    DEFAULT_NAME,
    FILE_SUFFIXES,
    TENSOR_SUFFIXES,
    checkpoint_of,
    config_path,
    exists,
    file_name_suffix,
    set_pattern,
)
from .errors import R2RTError
from .files import check_writable_folder, fsync_path, replace_atomically

FORMAT = 2
READABLE_FORMATS = (1, 2)


def _current_set(path):
    """The set name ``path``'s pointer names (None for none or a format-1 checkpoint); never raises."""
    try:
        return json.loads(config_path(path).read_text(encoding="utf-8")).get("set")
    except (OSError, ValueError, AttributeError):
        return None


def remove_leftovers(path):
    """Delete the file sets and temporary files of ``path`` that its pointer does not name (killed saves).

    Only for the process that holds ``path``'s lock, or is the only writer.
    """
    path = Path(path)
    keep, pattern = _current_set(path), set_pattern(path)
    if not path.parent.is_dir():
        return
    for entry in path.parent.iterdir():
        if pattern.match(entry.name) and not (keep and entry.name.startswith(f"{keep}.")):
            with contextlib.suppress(OSError):
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


@dataclass
class Checkpoint:
    """A checkpoint read from disk and checked: its config, training progress, vocabulary and tensors."""

    path: str
    config: dict
    progress: dict = field(default_factory=dict)
    vocab: Vocabulary = None
    tensors: dict = field(default_factory=dict)  # variable name -> shape
    prefix: str = None  # where the tensor files are: PATH.sN (PATH for the first format)
    weights_only: bool = False  # the model's variables only, no optimiser slots

    @property
    def num_classes(self):
        return self.config.get("num_classes", self.config.get("vocab_size"))


# --- where to save ----------------------------------------------------------------------------------


def prepare_save_path(path, overwrite=False, resuming=None):
    """Resolve and check a save path *before* any training: returns the checkpoint path as a str.

    A directory (or a path ending in ``/``) means "inside it", as ``DIR/checkpoint``; one of
    a checkpoint's files (``ck/m.s2.index``) means that checkpoint (``ck/m``), and a name that
    would pass for one of another checkpoint's files is refused (:func:`_save_name`).
    The folder is created if needed and a test file is written there, so an
    unwritable location fails now, in one line, not after the first epoch. A path
    that already holds a checkpoint is refused rather than replaced, unless
    ``overwrite`` or it is ``resuming``, the checkpoint the run continues.
    """
    raw = str(path)
    path = Path(raw).expanduser()
    if raw.endswith(("/", os.sep)) or path.is_dir():
        path = path / DEFAULT_NAME
    path = _save_name(path)
    pretrained.check_not_shipped(path)  # part of the package: never written, even with overwrite
    check_writable_folder(path.parent, "save")
    if not overwrite and exists(path) and not (resuming and Path(resuming).resolve() == path.resolve()):
        raise R2RTError(f"{path} already holds a checkpoint; continue it with resume {path}, pass overwrite=True "
                        "to replace it, or choose another save path", params=("save", "overwrite", "resume"))
    return str(path)


def _save_name(path):
    """``path``, or the checkpoint it is one of the files of (``ck/m.s2.index`` -> ``ck/m``, as :func:`resolve` reads
    it); R2RTError for a name that reading would take for a file of another checkpoint (``ck/m.s2``, ``x.index``)."""
    owner = checkpoint_of(path)
    if owner is not None:
        return Path(owner)
    suffix = file_name_suffix(path)
    if suffix:
        base = path.with_name(path.name[: -len(suffix)])
        raise R2RTError(f"save {path} ends like one of a checkpoint's files ({suffix}), so it would be read as a "
                        f"file of {base}; give the checkpoint's own name without it, e.g. {base}", params=("save",))
    return path


@contextlib.contextmanager
def hold_lock(path):
    """Hold ``PATH.lock`` for the duration; refuse (R2RTError naming the holder) if another process has it.

    The lock is an ``flock`` on the file, so it goes with its process however that
    ends (a killed holder leaves an unlocked file, which the next run takes over,
    deleting the half-written sets its saves left).
    """
    lock = Path(f"{path}.lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise R2RTError(f"cannot create the lock file {lock} ({exc.strerror or exc}); "
                            "choose another save path", params=("save",)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise R2RTError(f"{path} is being written by a training run in process {holder}; wait for it to "
                            "finish, stop it, or choose another save path", params=("save",)) from None
        try:
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break  # we hold the lock on the file that is at the path now
        except FileNotFoundError:
            pass
        os.close(fd)  # its last holder removed the file as we opened it: take the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        remove_leftovers(path)  # what killed saves left: ours to clean now that we hold the lock
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()  # while still holding it, so no one can lock the file we remove
        os.close(fd)


# --- writing ----------------------------------------------------------------------------------------


def _write_durably(path, text):
    """A file of a set not yet in use: written and flushed in place (the pointer's rename makes it live)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _next_set(path):
    """``NAME.sN`` for the next save: one more than the highest number in the folder, so no set is reused."""
    numbers = [int(m.group(1)) for entry in path.parent.iterdir()
               if (m := re.match(re.escape(path.name) + r"\.s(\d+)[._]", entry.name))]
    return f"{path.name}.s{max(numbers, default=0) + 1}"


def _saver(g, weights_only):
    """What a save writes with: ``g``'s own saver, or one over its trainable variables only (no optimiser slots)."""
    if weights_only:
        return tf.train.Saver(tf.trainable_variables())
    return g.get("saver") or tf.train.Saver()


def save(sess, g, path, vocab, progress=None, weights_only=False):
    """Save ``g``'s variables, vocabulary and config to checkpoint ``path``, all or nothing.

    ``g`` needs ``config`` (a mapping of JSON values: a builder's ``GraphConfig`` or a dict) and may hold a
    ``saver``. Returns the path.
    ``weights_only``: only the trainable variables, not the optimiser's slots.
    Raises R2RTError (the previous checkpoint intact) when the disk is full or unwritable.
    """
    path = Path(path)
    saver = _saver(g, weights_only)
    previous = _current_set(path)
    with interrupts.deferred():
        name = _next_set(path)
        prefix = path.with_name(name)
        try:
            # The MetaGraph of a list-unrolled graph is megabytes; graphs are rebuilt from the config instead.
            saver.save(sess, str(prefix), write_meta_graph=False, write_state=False)
            if vocab is not None:
                _write_durably(f"{prefix}.vocab.json", vocab.to_json())
            suffixes = TENSOR_SUFFIXES + ((".vocab.json",) if vocab is not None else ())
            for suffix in TENSOR_SUFFIXES:
                fsync_path(f"{prefix}{suffix}")
            tensors = {var: list(shape) for var, shape in tf.train.list_variables(str(prefix))}
            meta = {"format": FORMAT, "set": name, "config": dict(g["config"]), "progress": progress or {},
                    "tensors": tensors, "files": {s: os.path.getsize(f"{prefix}{s}") for s in suffixes},
                    "weights_only": bool(weights_only)}
            fsync_path(path.parent)  # the set's names are on disk before the pointer can name them
            replace_atomically(config_path(path), json.dumps(meta, indent=1).encode())  # the switch: one rename
        except (OSError, tf.errors.OpError) as exc:
            _delete_set(prefix)
            shutil.rmtree(f"{prefix}_temp", ignore_errors=True)  # where the Saver writes before it merges
            raise R2RTError(f"could not write checkpoint {path} ({os_reason(exc)}); the previous checkpoint there "
                            "is unchanged; free some disk space or choose another save path",
                            params=("save",)) from None
        # The new set is in use: the one it replaced (or a format-1 checkpoint's files) can go.
        _delete_set(path.with_name(previous) if previous else path)
    return path


def _delete_set(prefix):
    """Delete the files of the set at ``prefix`` (``PATH.sN``, or ``PATH`` for a format-1 checkpoint) that exist."""
    for suffix in FILE_SUFFIXES[1:]:
        with contextlib.suppress(OSError):
            os.unlink(f"{prefix}{suffix}")


# --- reading ----------------------------------------------------------------------------------------


def resolve(path):
    """The checkpoint path a user meant: ``path``, ``FOLDER/checkpoint`` for a folder, a file's checkpoint, or
    a shipped model's (``post-GRU``; :mod:`r2rt_rnn.pretrained`) when nothing at ``path`` is a checkpoint."""
    path = str(path)
    if exists(path):
        return path
    if exists(Path(path) / DEFAULT_NAME):  # a folder means FOLDER/checkpoint, as for saving
        return str(Path(path) / DEFAULT_NAME)
    return checkpoint_of(path) or pretrained.lookup(path) or path  # one of its files, e.g. X.index or X.s3.index


def _read_pointer(path):
    """The checked contents of ``PATH.config.json``."""
    cfg = config_path(path)
    meta = _parse_pointer(path, cfg)
    config, version = meta["config"], meta.get("format", 1)
    if version not in READABLE_FORMATS:
        raise R2RTError(f"checkpoint {path} has format {version!r}, which this r2rt_rnn does not know (it reads "
                        f"formats {', '.join(map(str, READABLE_FORMATS))}); update r2rt_rnn or use another checkpoint")
    _check_config(path, cfg, config)
    name = meta.get("set")
    if version >= 2 and not (isinstance(name, str) and name and os.sep not in name and name not in (".", "..")):
        raise corrupt(path, f"{cfg.name} does not name its tensor files")
    return meta


def _check_config(path, cfg, config):
    """The config says every shape-deciding setting, and names a cell type r2rt_rnn has."""
    keys = BUILDERS[config["builder"]].shape_keys
    missing = [k for k in keys if k not in config]
    if missing:
        raise corrupt(path, f"{cfg.name} does not say {', '.join(missing)}")
    if "cell_type" in keys:
        try:
            check_cell_type(config["cell_type"])
        except R2RTError as exc:
            raise corrupt(path, f"{cfg.name} names an {exc}") from None


def _parse_pointer(path, cfg):
    """``PATH.config.json`` read as JSON, with a ``config`` that names a known builder."""
    try:
        meta = json.loads(cfg.read_text(encoding="utf-8"))
        config = meta["config"]
        if not isinstance(config, dict) or config.get("builder") not in BUILDERS:
            raise KeyError("builder")
    except FileNotFoundError:
        raise R2RTError(f"{cfg} is missing, so the graph configuration of {path} is unknown; "
                        "checkpoints written by r2rt_rnn's train_network have it") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise corrupt(path, f"{cfg.name} is not a valid configuration ({type(exc).__name__}: {exc})") from None
    return meta


# A reader beside a writer: the writer may switch the pointer to a new set and delete the old one between the
# reader's reading of the pointer and of the set's files. The reader then starts again on the set named now.
READ_ATTEMPTS = 50


def load(path):
    """Read checkpoint ``path`` once and check its parts against each other; returns a :class:`Checkpoint`.

    When a training run saves to ``path`` meanwhile, the read starts again on the set the pointer
    names now: a reader gets the previous checkpoint or the new one, whole, never a false "damaged".
    """
    path = resolve(path)
    if not exists(path):
        raise not_found(path)
    for attempt in range(READ_ATTEMPTS):
        before = _current_set(path)
        try:
            return _load_once(path)
        except R2RTError:
            if attempt + 1 == READ_ATTEMPTS or _current_set(path) == before:
                raise  # the pointer did not move: the damage is real
            time.sleep(0.005)
    raise AssertionError("unreachable")


def _load_once(path):
    meta = _read_pointer(path)
    prefix = str(Path(path).with_name(meta["set"])) if meta.get("format", 1) >= 2 else path
    ckpt = Checkpoint(path, meta["config"], meta.get("progress") or {}, None, {}, prefix,
                      weights_only=meta.get("weights_only") is True)
    ckpt.vocab = _read_vocabulary(ckpt)
    _check_sizes(path, prefix, meta.get("files") or {})
    try:
        ckpt.tensors = {name: list(shape) for name, shape in tf.train.list_variables(prefix)}
    except (tf.errors.OpError, ValueError) as exc:
        raise corrupt(path, f"its tensor index, {Path(prefix).name}.index, cannot be read "
                      f"({os_reason(exc)})") from None
    expected = meta.get("tensors")
    if expected is not None and expected != ckpt.tensors:
        raise corrupt(path, "its tensors are not the ones its config.json describes")
    _check_shapes(ckpt)
    return ckpt


def _read_vocabulary(ckpt):
    """The set's vocabulary (None when it has none), checked against the config's number of classes."""
    where = f"{ckpt.prefix}.vocab.json"
    if not Path(where).exists():
        return None
    try:
        vocab = Vocabulary.load(where)
    except R2RTError:
        raise corrupt(ckpt.path, f"its vocabulary, {Path(where).name}, cannot be read") from None
    if ckpt.num_classes is not None and len(vocab) != ckpt.num_classes:
        raise corrupt(ckpt.path, f"its vocabulary has {len(vocab)} entries but its config says "
                                 f"{ckpt.num_classes} classes")
    return vocab


def _check_sizes(path, prefix, sizes):
    """Each file of the set has the size the manifest ``sizes`` (``{suffix: bytes}``) recorded."""
    for suffix, size in sizes.items():
        part = f"{prefix}{suffix}"
        try:
            actual = os.stat(part).st_size  # one look: a writer may delete the set at any instant
        except OSError:
            raise corrupt(path, f"its file {Path(part).name} is missing") from None
        if actual != size:
            raise corrupt(path, f"{Path(part).name} has {actual} bytes, {size} were written")


def files(path):
    """The files checkpoint ``path`` consists of now: its pointer and the set it names (what to copy)."""
    ckpt = load(path)
    parts = [config_path(ckpt.path)] + [Path(f"{ckpt.prefix}{s}") for s in FILE_SUFFIXES[1:]]
    return [p for p in parts if p.exists()]


def _check_shapes(ckpt):
    """The config's sizes against the saved tensors' shapes (the embedding and the softmax weights)."""
    for name, shape in BUILDERS[ckpt.config["builder"]].tensors(ckpt.config).items():
        if name in ckpt.tensors and ckpt.tensors[name] != shape:
            raise corrupt(ckpt.path, f"its config says {name} is {shape} but the saved tensor is "
                                     f"{ckpt.tensors[name]}")


def vocabulary(ckpt):
    """The checkpoint's vocabulary, or an R2RTError saying why its ids cannot be decoded without one."""
    if ckpt.vocab is None:
        raise R2RTError(f"checkpoint {ckpt.path} has no vocabulary beside it, so its ids cannot be decoded; "
                        "train it with train_network(..., vocab=...) or the train command")
    return ckpt.vocab


def as_checkpoint(path_or_ckpt):
    return path_or_ckpt if isinstance(path_or_ckpt, Checkpoint) else load(path_or_ckpt)


def check_compatible(config, saved, path):
    """Raise R2RTError naming every shape-deciding setting on which ``config`` and ``saved`` differ (the builders'
    table decides which: :func:`.builders.differences`)."""
    diffs = [f"{k}={saved.get(k)!r} in the checkpoint but {config.get(k)!r} in this graph"
             for k in differences(config, saved)]
    if diffs:
        raise R2RTError(f"checkpoint {path} was saved from another configuration: {'; '.join(diffs)}; "
                        "rebuild the graph with the checkpoint's settings (see its .config.json)")


def restore(sess, g, path_or_ckpt):
    """Restore a checkpoint (a path or a loaded :class:`Checkpoint`) into ``g``'s session; returns the Checkpoint.

    If a training run replaced the checkpoint's set since it was read, the set its pointer names
    now is restored, and returned, instead.
    """
    ckpt = as_checkpoint(path_or_ckpt)
    check_compatible(g["config"], ckpt.config, ckpt.path)
    check_graph_shapes(sess.graph, ckpt)
    saver = g.get("saver") or tf.train.Saver()
    if ckpt.weights_only and "train_step" in g:  # a graph with an optimiser: its slots keep their initial values
        saver = tf.train.Saver(tf.trainable_variables())
    for attempt in range(READ_ATTEMPTS):
        try:
            saver.restore(sess, ckpt.prefix or ckpt.path)
            return ckpt
        except (tf.errors.OpError, ValueError) as exc:
            if attempt + 1 < READ_ATTEMPTS and _current_set(ckpt.path) not in (None, Path(ckpt.prefix).name):
                ckpt = load(ckpt.path)  # a writer saved meanwhile: take the set it wrote
                continue
            raise restore_error(ckpt, exc) from None
    raise AssertionError("unreachable")


def build_from_checkpoint(path_or_ckpt, **overrides):
    """Rebuild the graph a checkpoint was trained with, e.g. ``batch_size=1, num_steps=1`` for generation."""
    config = as_checkpoint(path_or_ckpt).config
    return BUILDERS[config["builder"]].build(**{**config, **overrides})
