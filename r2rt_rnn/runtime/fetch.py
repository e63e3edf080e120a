"""Fetching a file from a URL once, into a cache: what ``load_text(url)`` and ``download_ptb`` stand on.

The post fetched tiny-shakespeare with ``urllib.request.urlretrieve`` on every fresh
machine. Here a download is kept in a cache keyed by its URL, and only a complete,
checked body ever enters it: the bytes stream into ``NAME.part-PID`` beside the entry,
the length the server promised (``Content-Length``) is checked, the caller's ``verify``
(UTF-8 text, a readable archive) reads the file, and only then is it renamed into
place. A short, undecodable or interrupted body leaves nothing behind. The download
runs in a worker thread while the caller's thread looks for a Ctrl-C every 0.1 s, so
the first Ctrl-C is honoured even while the server is silent.

``file://`` URLs name local files: :func:`download` returns their path, read afresh
each time (an edit is seen) and never copied into the cache.

Two environment variables, each read when it is used (a bad value is one line naming it):

* ``R2RT_CACHE_DIR``: the cache folder (default ``~/.cache/r2rt_rnn``). Set but empty
  counts as unset: the default folder, never the current one.
* ``R2RT_DOWNLOAD_TIMEOUT``: the seconds a server may stay silent, on connecting and on
  each read, before the download gives up (default 30).
"""
import codecs
import contextlib
import hashlib
import http.client
import math
import os
import socket
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from . import interrupts
from .errors import R2RTError
from .machine import available_memory

URL_SCHEMES = ("http://", "https://", "file://")
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 86400.0  # a day: more does not fit every platform's socket timeout
POLL = 0.1  # seconds between two looks for a Ctrl-C while a download runs
READ_SIZE = 1 << 16  # at most this many bytes per read: a slow server's bytes are written as they come
RETRY = "try again later, or download it by hand and pass the file's path instead"


def default_cache_dir():
    """The download cache: ``$R2RT_CACHE_DIR``, or ``~/.cache/r2rt_rnn`` when it is unset or empty."""
    value = os.environ.get("R2RT_CACHE_DIR", "")
    if value:
        return Path(value).expanduser()
    try:
        return Path.home() / ".cache" / "r2rt_rnn"
    except RuntimeError:  # no HOME and no entry in the password database
        raise R2RTError("the download cache has no home folder to go in; set R2RT_CACHE_DIR to a writable folder",
                        params=("cache_dir",)) from None


def download_timeout():
    """Seconds a server may stay silent: ``$R2RT_DOWNLOAD_TIMEOUT`` (default 30), checked here, when it is used."""
    value = os.environ.get("R2RT_DOWNLOAD_TIMEOUT", "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_TIMEOUT:
        raise R2RTError(f"R2RT_DOWNLOAD_TIMEOUT must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, "
                        f"got {value!r}; set it to e.g. 30, or unset it for the default {DEFAULT_TIMEOUT:g}")
    return seconds


def max_text_bytes():
    """The largest text we read: an eighth of the free memory (text, ids and batches each take a copy or more)."""
    available = available_memory()
    return available // 8 if available else 2**32


def too_big(what, size):
    """The error for a text of ``size`` bytes over :func:`max_text_bytes`, naming ``what``."""
    return R2RTError(f"{what} is {size / 2**20:,.0f} MiB, more than this machine can hold in memory with its ids "
                     f"(at most {max_text_bytes() / 2**20:,.0f} MiB here); pass a smaller text file")


def local_path(url):
    """The file a ``file://`` URL names: ``file:///home/a/t.txt`` or ``file://localhost/home/a/t.txt``."""
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise R2RTError(f"cannot read {url}: a file:// URL names a file on this machine (file:///PATH); "
                        "pass the file's path, or an http(s):// URL")
    return Path(urllib.request.url2pathname(parts.path))


def cache_entry(url, cache_dir=None):
    """Where the download of ``url`` is cached: ``CACHE/<sha1 of the URL, 10 digits>-<last part of the URL>``."""
    name = url.rstrip("/").rsplit("/", 1)[-1] or "download"
    folder = Path(cache_dir) if cache_dir else default_cache_dir()
    return folder / f"{hashlib.sha1(url.encode()).hexdigest()[:10]}-{name}"


def download(url, cache_dir=None, fix=None, verify=None):
    """Download ``url`` once into ``cache_dir`` (default :func:`default_cache_dir`) and return the local path.

    A ``file://`` URL returns its file's path (never cached); a missing one, a folder,
    a device or a pipe is an R2RTError. Otherwise an entry already cached is returned
    as it is; else the body is fetched into a ``.part`` file, its length checked
    against ``Content-Length``, ``verify(path)`` (which raises R2RTError for a body
    the caller cannot use) run on it, and only then renamed into the cache. Gives
    up on a server silent for :func:`download_timeout` seconds, and on a body over
    :func:`max_text_bytes`. ``fix`` ends a failure's message: what the caller's user
    can do instead.
    """
    if url.startswith("file://"):
        return _local_file(url, fix)
    target = cache_entry(url, cache_dir)
    if target.is_file() and target.stat().st_size > 0:
        return target
    fix = fix or RETRY
    timeout = download_timeout()  # a bad value is said before anything is created
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise R2RTError(f"cannot create the download cache {target.parent} ({exc.strerror or exc}); "
                        "set R2RT_CACHE_DIR to a writable folder", params=("cache_dir",)) from None
    partial = target.with_name(f"{target.name}.part-{os.getpid()}")
    try:
        _fetch_watching_for_ctrl_c(url, partial, timeout, fix)
        if verify is not None:
            verify(partial)
        partial.replace(target)
    except R2RTError:  # already one line that says what to do (R2RTError is a ValueError: let it through first)
        raise
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise _failed(url, exc, timeout, fix) from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return target


def _failed(url, exc, timeout, fix):
    """The one-line error for a download that ended in ``exc`` (a timeout, a refusal, an HTTP error...)."""
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return R2RTError(f"could not download {url}: the server did not answer within {timeout:g} s; {fix}")
    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        reason = f"the server did not answer within {timeout:g} s"
    return R2RTError(f"could not download {url} ({reason}); {fix}")


def _local_file(url, fix):
    """The regular file a ``file://`` URL names, or an R2RTError saying what it is instead."""
    path = local_path(url)
    if path.is_file():
        return path
    if not path.exists():
        reason = f"no such file: {path}"
    elif path.is_dir():
        reason = f"{path} is a folder"
    else:
        reason = f"{path} is not a regular file (a device, pipe or socket, which may never end)"
    raise R2RTError(f"could not download {url} ({reason}); {fix or 'pass the path of an existing regular file'}")


def _fetch_watching_for_ctrl_c(url, partial, timeout, fix):
    """:func:`_fetch` in a worker thread; this thread checks for a Ctrl-C every :data:`POLL` seconds.

    The file is opened here, before the worker starts, so that whatever stops the
    download, the caller's cleanup finds (and removes) the one file there is.
    """
    stop, outcome = threading.Event(), {}
    out = open(partial, "wb")

    def work():
        try:
            with out:
                _fetch(url, out, timeout, fix, stop)
        except BaseException as exc:  # handed to the caller's thread, which raises it
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"download {url}", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            interrupts.check()
            worker.join(POLL)
    finally:
        stop.set()  # the worker stops at its next read; a silent server keeps it only until the timeout
    if "error" in outcome:
        raise outcome["error"]


def _fetch(url, out, timeout, fix, stop):
    """Stream ``url`` into the open file ``out``, checking its size against ``Content-Length`` and the memory."""
    limit = max_text_bytes()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        promised = _promised_length(response)
        if promised is not None and promised > limit:
            raise too_big(url, promised)
        size = 0
        while not stop.is_set() and (chunk := response.read1(READ_SIZE)):
            size += len(chunk)
            if size > limit:
                raise too_big(url, size)
            out.write(chunk)
    if not stop.is_set() and promised is not None and size != promised:
        raise R2RTError(f"could not download {url}: the server promised {promised:,} bytes (Content-Length) and "
                        f"sent {size:,} before it closed the connection; nothing was cached; {fix}")


def _promised_length(response):
    value = response.headers.get("Content-Length")
    return int(value) if value and value.strip().isdigit() else None


def utf8_text(url):
    """A ``verify`` for :func:`download`: the body is UTF-8 text, not empty; else an R2RTError naming ``url``.

    Read in chunks, so the check costs no more memory than the download itself.
    """
    def verify(path):
        decoder, offset = codecs.getincrementaldecoder("utf-8")(), 0
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    raise not_utf8(url, offset - pending + exc.start, "nothing was cached") from None
                if not chunk:
                    break
                offset += len(chunk)
        if offset == 0:
            raise R2RTError(f"{url} sent no text (an empty body); nothing was cached; pass a URL or file with "
                            "some text in it")

    return verify


def not_utf8(url, offset, what_became_of_it):
    """The error for a download that is not UTF-8: it names the URL and what to do, never a cache file."""
    return R2RTError(f"{url} is not UTF-8 text (undecodable byte at offset {offset}); {what_became_of_it}; "
                     "download it yourself, convert it (e.g. `iconv -t utf-8`) and pass the converted file's path")
