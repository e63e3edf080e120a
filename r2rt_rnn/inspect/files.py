"""Writing the command's outputs: checked before the long work, and never left half written.

Each file is written to a temporary name in its own folder and renamed over the
target only when complete (``os.replace`` within one folder is atomic), so a crash,
a full disk or Ctrl-C leaves either the old file or the new one, never half of one.
"""
import contextlib
import os
import tempfile
from pathlib import Path

from ..errors import R2RTError


def check_writable(path, flag):
    """Raise R2RTError (naming ``flag``) unless a file can be written at ``path``; returns it as a Path.

    The folder must exist (it is not created: a mistyped folder is more likely than a
    wish for a new one) and accept a new file; ``path`` must not be a folder.
    """
    path = Path(path).expanduser()
    folder = path.parent
    if path.is_dir():
        raise R2RTError(f"{flag} {path} is a folder; give a file name, e.g. {path / 'report.html'}")
    if not folder.is_dir():
        raise R2RTError(f"cannot write {flag} {path}: the folder {folder} does not exist; create it or "
                        f"choose another {flag}")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise R2RTError(f"cannot write {flag} {path} ({exc.strerror or exc}); choose another {flag}") from None
    return path


def check_folder(path, flag):
    """Create folder ``path`` if needed and check that files can be written in it; returns it as a Path."""
    path = Path(path).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise R2RTError(f"cannot create the {flag} folder {path} ({exc.strerror or exc}); choose another "
                        f"{flag}") from None
    check_writable(path / "probe", flag)
    return path


def write_atomically(path, data, flag="--out"):
    """Write ``data`` (str or bytes) to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise R2RTError(f"could not write {flag} {path} ({exc.strerror or exc}); nothing was written there; "
                        f"free some space or choose another {flag}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path
