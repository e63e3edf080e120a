"""Standard output that a closed pipe or a full disk cannot turn into a crash.

``python -m r2rt_rnn train ... | head -3`` closes the pipe after three lines; the
next ``print`` raises BrokenPipeError, and Python reports another one while it
flushes stdout at exit. Writing to ``/dev/full`` fails the same way with ENOSPC.
For a training run, that would throw away the run for the sake of its messages.

:func:`guard` (installed by the command line) replaces ``sys.stdout`` with a
:class:`GuardedStdout`: the first failed write points file descriptor 1 at
``/dev/null`` (so nothing else, Python's exit included, can fail on it again),
says so once on stderr, and lets the program go on. Commands whose product *is*
their output (``generate``) ask :func:`lost` after each piece and stop with one line.

A character that the output's encoding cannot write (``PYTHONIOENCODING=ascii``, a
Latin-1 locale) is not a failed output: the stream still works. A command whose output
is the product stops with one line that names the encoding and how to change it
(:func:`write_piece`); any other goes on, writing such characters as ``\\xe9`` escapes,
and says so once on stderr.
"""
import contextlib
import errno
import io
import os
import sys

from .errors import R2RTError


class GuardedStdout(io.TextIOBase):
    """Wraps a text stream; writes after the stream has failed are dropped instead of raising."""

    def __init__(self, stream, note=None):
        super().__init__()
        self._stream = stream
        self._note = note
        self.lost = None  # the reason, once a write failed
        self.unencodable = None  # (encoding, character) once a character could not be written in the encoding

    def _guarded(self, call, *args):
        if self.lost is None:
            try:
                return call(*args)
            except UnicodeEncodeError as exc:  # a ValueError too, but the stream still works
                self._cannot_encode(exc, call, *args)
            except (OSError, ValueError) as exc:  # ValueError: the stream was closed
                self._lose(exc)
        return None

    def write(self, text):
        self._guarded(self._stream.write, text)
        return len(text)

    def _cannot_encode(self, exc, call, *args):
        """A character the encoding cannot write: the product stops (``write_piece``); other output goes on,
        with escapes, after one note."""
        first, self.unencodable = self.unencodable is None, (exc.encoding, exc.object[exc.start:exc.end][:1])
        encoding, char = self.unencodable
        if self._note is None:
            self.lost = f"its encoding, {encoding}, cannot write {char!a}"
            with contextlib.suppress(OSError, ValueError):
                self._stream.flush()  # what came before the character is shown
            return
        if first:
            print(f"note: standard output's encoding, {encoding}, cannot write {char!a}; such characters are shown "
                  "as escapes; run with PYTHONIOENCODING=utf-8 (or in a UTF-8 locale) to see them", file=sys.stderr,
                  flush=True)
        try:
            self._stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # not a TextIOWrapper: escape this text ourselves
            args = tuple(a.encode(encoding, "backslashreplace").decode(encoding) for a in args)
        self._guarded(call, *args)

    def flush(self):
        self._guarded(self._stream.flush)

    def _lose(self, exc):
        self.lost = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
            self._stream.flush()  # what was still buffered goes to /dev/null now, so exit cannot fail on it
        if self._note:
            print(f"note: standard output failed ({self.lost}); {self._note}", file=sys.stderr, flush=True)

    # what callers (tqdm, print, TensorFlow) ask of a stream
    def isatty(self):
        return self.lost is None and self._stream.isatty()

    def fileno(self):
        return self._stream.fileno()

    def writable(self):
        return True

    @property
    def encoding(self):
        return self._stream.encoding


_closed = set()  # the standard streams the program was started without ("stdout", "stderr")


def reopen_closed_streams():
    """Point file descriptors 1 and 2 at ``/dev/null`` when the program was started with them closed.

    ``>&-`` and ``2>&-`` leave a descriptor not open at all (``sys.stdout`` is None), which is
    not a closed pipe: writing raises AttributeError, and the next file opened would take the
    descriptor. Once reopened, a closed stdout is treated as a closed pipe by :func:`guard`,
    and a closed stderr simply shows nothing.
    """
    for fd, name in ((1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
            if getattr(sys, name) is not None:
                continue
        except OSError:
            devnull = os.open(os.devnull, os.O_WRONLY)  # takes the lowest free descriptor: fd itself
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
        setattr(sys, name, open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False,
                                buffering=1))
        _closed.add(name)


@contextlib.contextmanager
def guard(note="the run goes on; nothing more is printed"):
    """Guard ``sys.stdout`` for the block (``note``: what the program does once it is lost)."""
    previous = sys.stdout
    sys.stdout = guarded = GuardedStdout(previous, note)
    if "stdout" in _closed:
        guarded._lose(OSError(errno.EBADF, "it was closed when the program started"))
    try:
        yield guarded
    finally:
        guarded.flush()
        guarded._note = None  # whoever still holds it (a library that kept sys.stdout) writes on, silently
        sys.stdout = previous


def lost():
    """Why stdout stopped taking output (e.g. 'Broken pipe'), or None while it works or is not guarded."""
    return getattr(sys.stdout, "lost", None)


def unencodable():
    """``(encoding, character)`` once stdout could not write a character in its encoding, else None."""
    return getattr(sys.stdout, "unencodable", None)


def write_piece(text):
    """Write ``text`` to stdout now; once stdout is lost, raise R2RTError (for commands whose output is the point)."""
    sys.stdout.write(text)
    sys.stdout.flush()
    if unencodable():
        encoding, char = unencodable()
        raise R2RTError(f"standard output's encoding, {encoding}, cannot write {char!a} (U+{ord(char):04X}), a "
                        "character of the output; run again with PYTHONIOENCODING=utf-8 (or in a UTF-8 locale, "
                        "e.g. LC_ALL=C.UTF-8)")
    if lost():
        raise R2RTError(f"standard output failed ({lost()}), so there is nowhere to write to; "
                        "send the output to a file or a pipe that reads it all")
