"""Writing outputs: one policy for every file a command writes, checked before the long work.

* :func:`check_output` decides, before any work, whether a path may be written: its
  folder must exist and take new files; a folder, one of the run's own inputs (the
  checkpoint being read, the passage, a file the recipe reads), another output of the
  same run, or a file of any checkpoint (``X.config.json``, ``X.sN.index``, ... of a
  checkpoint at ``X``: :mod:`.checkpoint_files`) is refused, ``overwrite`` or not; an
  existing file is replaced only with ``overwrite``. A device or a FIFO
  (``/dev/null``) is always writable.
* :func:`write_file` writes it: a regular file (or a new one) through a temporary file
  in the same folder, flushed to disk and renamed over the target, so a crash, a full
  disk or Ctrl-C leaves the old file or the new one, never half of one. A device or a
  FIFO (``/dev/null``, a named pipe) is written in place and never renamed over; a
  symbolic link has its target written, and stays a link.
* :func:`check_writable_folder` is the one probe of a folder: create it if asked, write a
  test file there, delete it.
* Nothing is written inside the models shipped with the package (:mod:`r2rt_rnn.pretrained`).

Errors name the parameter (``out``, ``json``, ``overwrite``...) in ``R2RTError.params``, so a
command can say its flag.
"""
import contextlib
import os
import stat
import tempfile
from pathlib import Path

from .. import pretrained
from .checkpoint_files import checkpoint_of
from .errors import R2RTError


def fsync_path(path):
    """Flush a file's (or a folder's entries') data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_special(path):
    """True for an existing device, FIFO or socket (after following links): written in place, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _resolved(path):
    """``path`` with its links followed, as far as they lead (a link loop stays as it is)."""
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError):  # a symbolic link loop (RuntimeError before Python 3.13)
        return Path(os.path.abspath(Path(path).expanduser()))


def same_file(a, b):
    """True when ``a`` and ``b`` are one file (the same inode, or the same path once links are followed)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return _resolved(a) == _resolved(b)


def check_writable_folder(folder, param, create=True):
    """Make sure files can be written in ``folder`` (created first when ``create``); returns it as a Path."""
    folder = Path(folder).expanduser()
    for parent in [folder, *folder.parents]:
        if parent.exists() and not parent.is_dir():
            raise R2RTError(f"cannot write {param} {folder}: {parent} is a file, not a folder; "
                            f"choose another {param} path", params=(param,))
    if not create and not folder.is_dir():
        raise R2RTError(f"cannot write {param}: the folder {folder} does not exist; create it or choose another "
                        f"{param}", params=(param,))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise R2RTError(f"cannot write {param} {folder} ({exc.strerror or exc}); choose another {param} path",
                        params=(param,)) from None
    return folder


def check_output(path, param, inputs=(), others=(), overwrite=False):
    """Check, before any work, that output ``path`` may be written (see the module's policy); returns it as a Path.

    ``inputs``: paths the run reads (refused as outputs, so nothing it reads is destroyed);
    ``others``: ``(param, path)`` pairs of the run's other outputs (one file cannot be two outputs);
    ``overwrite``: an existing file may be replaced (never an input's or a checkpoint's).
    """
    path = Path(path).expanduser()
    pretrained.check_not_shipped(path, param)
    if path.is_dir():
        raise R2RTError(f"{param} {path} is a folder; give a file name, e.g. {path / 'out'}", params=(param,))
    _refuse_inputs(path, param, inputs)
    if is_special(path):
        return path  # a device or a FIFO: written in place, so two outputs may share it (/dev/null)
    owner = checkpoint_of(path) or checkpoint_of(_resolved(path))
    if owner is not None:
        raise R2RTError(f"{param} {path} is a file of the checkpoint {owner}; writing it would damage that model; "
                        f"choose another {param}", params=(param,))
    for other_param, other in others:
        if other is not None and same_file(path, other):
            raise R2RTError(f"{param} and {other_param} are both {path}; one would replace the other; give "
                            "them different paths", params=(param, other_param))
    if not overwrite and path.exists():
        raise R2RTError(f"{param} {path} exists; pass overwrite=True to replace it, or choose another {param}",
                        params=(param, "overwrite"))
    check_writable_folder(_resolved(path).parent, param, create=False)
    return path


def _refuse_inputs(path, param, inputs):
    """R2RTError when ``path`` is one of ``inputs`` (the same file, or the same path once links are followed)."""
    if not path.exists():
        return  # nothing there (or a link to nothing): not a file that is read
    for source in inputs:
        if source is not None and Path(source).exists() and same_file(path, source):
            raise R2RTError(f"{param} {path} is one of this run's inputs ({source}); writing it would destroy "
                            f"it; choose another {param}", params=(param,))


def write_file(path, data, param):
    """Write ``data`` (str or bytes) to ``path`` whole or not at all (see the module's policy); returns the Path."""
    path = Path(path).expanduser()
    pretrained.check_not_shipped(path, param)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target = _resolved(path) if path.is_symlink() else path  # a link stays a link: its target gets the data
    try:
        if is_special(target):
            with open(target, "wb") as f:
                f.write(payload)
            return path
        replace_atomically(target, payload)
    except OSError as exc:
        raise R2RTError(f"could not write {param} {path} ({exc.strerror or exc}); nothing was written there; "
                        f"free some space or choose another {param}", params=(param,)) from None
    return path


def replace_atomically(target, payload):
    """Replace regular file ``target`` by ``payload`` (bytes): temporary file, fsync, rename, fsync of the folder.

    The one atomic write of the package; raises OSError (the old file untouched). The
    temporary file is ``.NAME.*.tmp`` beside the target.
    """
    target = Path(target)
    mode = os.stat(target).st_mode & 0o7777 if target.exists() else 0o644
    # the name cut short: a temporary name longer than the file system allows would fail where the target fits
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
        with contextlib.suppress(OSError):
            fsync_path(target.parent)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
