"""The names of a checkpoint's files, known without TensorFlow: which files make checkpoint ``PATH``, and
which checkpoint a file belongs to.

::

    PATH.config.json                                   the pointer: the config and the set in use
    PATH.sN.index, PATH.sN.data-00000-of-00001         a set of tensors (save number N)
    PATH.sN.vocab.json                                 the set's vocabulary
    PATH.index, PATH.data-00000-of-00001, PATH.vocab.json   the first format's files (no set)
    PATH.lock                                          held by the run that writes PATH

:mod:`r2rt_rnn.runtime.checkpoint` writes and reads them; an output check
(:func:`r2rt_rnn.runtime.files.check_output`) asks :func:`checkpoint_of` so that no
command writes over a model's file, and a save path given as one of a checkpoint's
files (``--save ck/m.s2.index``) is read as that checkpoint (:func:`file_name_suffix`);
:func:`set_pattern` finds the sets and temporary files a killed save left.
"""
import json
import re
from pathlib import Path

DATA_SUFFIX = ".data-00000-of-00001"
TENSOR_SUFFIXES = (".index", DATA_SUFFIX)
# what a user may pass instead of the checkpoint's path: one of its files
FILE_SUFFIXES = (".config.json", ".index", DATA_SUFFIX, ".vocab.json")
LOCK_SUFFIX = ".lock"
DEFAULT_NAME = "checkpoint"  # the file name used when a save path names a directory

# PATH's files: an optional set number (.sN) and one of the suffixes (any TensorFlow shard of the data).
_PART = re.compile(r"(\.s\d+)?(\.config\.json|\.index|\.data-\d{5}-of-\d{5}|\.vocab\.json|\.lock)$")
# A set's number followed by a file's suffix, "_temp" (the Saver's scratch folder) or nothing: a checkpoint
# named like that would be taken for a set of the checkpoint before it (and deleted as a killed save's).
_SET_NUMBER = re.compile(r"\.s\d+(?=[._]|$)")


def config_path(path):
    return Path(f"{path}.config.json")


def exists(path):
    return config_path(path).exists() or Path(f"{path}.index").exists()  # format 2, or format 1


def set_pattern(path):
    """Matches the names of ``path``'s file sets (``NAME.sN``) and of its temporary files, in its folder."""
    name = re.escape(Path(path).name)
    return re.compile(rf"{name}(\.s\d+|\.config\.json\.tmp-\d+|\.tmp-\d+)([._].*)?$|\.{name}\.config\.json\..*\.tmp$")


def file_name_suffix(path):
    """The end of ``path``'s name that makes it look like a checkpoint's file (``.s2.index``, ``.s3``), or None."""
    name = Path(path).name
    found = _PART.search(name) or _SET_NUMBER.search(name)
    return name[found.start():] if found and found.start() > 0 else None


def checkpoint_of(path):
    """The checkpoint (its path, a str) that file ``path`` is, or would be, part of; None when there is none.

    ``ck/m.config.json``, ``ck/m.s7.index`` (of the set in use or a left-over one), ``ck/m.vocab.json``,
    ``ck/m.lock``...: each belongs to ``ck/m`` when a checkpoint is there. A set whose name is not its
    pointer's (a copied checkpoint's) belongs to the pointer beside it that names it.
    """
    path = Path(path)
    found = _PART.search(path.name)
    if not found or found.start() == 0:
        return None
    stem = path.name[: found.start()]
    owner = _pointer_naming(path.parent, stem + (found.group(1) or ""))
    if owner is not None:
        return owner
    for base in [stem] + ([stem + found.group(1)] if found.group(1) else []):  # as checkpoint.resolve reads it
        if exists(path.with_name(base)):
            return str(path.with_name(base))
    return None


def _pointer_naming(folder, set_name):
    """The checkpoint in ``folder`` whose pointer names the set ``set_name`` (a str), or None; never raises."""
    try:
        pointers = list(folder.glob("*.config.json"))
    except OSError:
        return None
    for pointer in pointers:
        try:
            if json.loads(pointer.read_text(encoding="utf-8")).get("set") == set_name:
                return str(pointer.with_name(pointer.name[: -len(".config.json")]))
        except (OSError, ValueError, AttributeError):
            continue
    return None
