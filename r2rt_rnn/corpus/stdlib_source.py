"""A training text with quotes, brackets and indentation: Python's own standard library, read from this machine.

Karpathy's "Unreasonable Effectiveness of RNNs" found its quote and bracket/indent
cells on Linux source and LaTeX; tiny-shakespeare has neither quotes nor brackets.
Every Python install carries a large body of code that is there offline: the
standard library's ``.py`` files beside the running interpreter
(``sysconfig.get_paths()["stdlib"]``). The recipe:

* every ``*.py`` file under that folder, in sorted order of its path relative to it
  (the same text on every machine with the same Python version);
* folders skipped: tests (``test``, ``tests``, ``idle_test``), third-party packages
  (``site-packages``, ``dist-packages``), ``__pycache__``, and two that are generated
  data rather than written code: ``encodings`` (codec tables) and ``pydoc_data``
  (pydoc's help text);
* a file with any non-ASCII character is left out whole (17 of about 730 on Python
  3.11), so the vocabulary stays printable ASCII, tab and newline, and no file is
  changed inside a string or a name; ``\\r\\n`` becomes ``\\n``;
* whole files only (empty ones skipped), taken in order while the total stays within
  ``max_bytes``; files are separated by one blank line.
"""
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from ..runtime import checks
from ..runtime.errors import R2RTError

DEFAULT_MAX_BYTES = 2_000_000
SKIPPED_FOLDERS = frozenset({"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__",
                             "encodings", "pydoc_data"})


@dataclass
class StdlibText:
    """The text and how it was made: the folder read, the files used, and those left out (and why)."""

    text: str
    root: Path
    used: list
    non_ascii: list
    over_cap: int


def stdlib_folder():
    """The running interpreter's standard-library folder."""
    return Path(sysconfig.get_paths()["stdlib"])


def source_files(root):
    """The ``.py`` files under ``root`` that the recipe reads, as relative paths in sorted order."""
    root = Path(root)
    found = (p.relative_to(root) for p in root.rglob("*.py") if p.is_file())
    return sorted(p for p in found if not SKIPPED_FOLDERS.intersection(p.parts[:-1]))


def _ascii_source(path):
    """The file's text with ``\\n`` line ends, or None when it holds anything but ASCII."""
    try:
        return path.read_bytes().decode("ascii").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return None


def build_stdlib_text(root=None, max_bytes=DEFAULT_MAX_BYTES):
    """The corpus (see the module's docstring) from ``root`` (default: this interpreter's standard library).

    Raises R2RTError (naming ``max_bytes`` or ``root``) when the cap is not a positive
    number or when no file fits: no ``.py`` file found, or none within the cap.
    """
    max_bytes = checks.integer("max_bytes", max_bytes, what="a whole number of bytes, 1 or more")
    root = Path(root) if root is not None else stdlib_folder()
    files = source_files(root) if root.is_dir() else []
    if not files:
        raise R2RTError(f"found no Python source files under {root} (tests and site-packages left out); this "
                        "recipe needs a Python install that keeps its standard library as .py files",
                        params=("root",))
    parts, used, non_ascii, over_cap = _fill(root, files, max_bytes)
    if not used:
        raise R2RTError(f"no source file under {root} fits in max_bytes {max_bytes:,}; raise it (the smallest "
                        "file that would fit is a few hundred bytes)", params=("max_bytes",))
    return StdlibText("".join(parts), root, used, non_ascii, over_cap)


def _fill(root, files, max_bytes):
    """The ASCII, non-empty ``files`` under ``root``, in order, each taken while the text stays within
    ``max_bytes``: ``(pieces, files used, files not ASCII, files over the cap)``."""
    parts, used, non_ascii, over_cap, size = [], [], [], 0, 0
    for rel in files:
        source = _ascii_source(root / rel)
        if source is None:
            non_ascii.append(rel)
            continue
        if not source.strip():
            continue  # an empty __init__.py: nothing to learn
        piece = source.rstrip("\n") + "\n\n"
        if size + len(piece) > max_bytes:
            over_cap += 1
            continue
        parts.append(piece)
        used.append(rel)
        size += len(piece)
    return parts, used, non_ascii, over_cap
