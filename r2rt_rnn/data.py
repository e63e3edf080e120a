"""Text in, integer batches out: corpus loading, a sorted vocabulary, ``ptb_iterator``.

The data flows one way: text file -> :class:`Vocabulary` -> integer array ->
``(x, y)`` batches of shape ``[batch_size, num_steps]``.

Two fixes to the post live here. Its ``vocab = set(raw_data)`` gives every
Python process a different character order (string hashing is randomised), so a
checkpoint restored in a new process decoded to the wrong characters; our
vocabulary is sorted and saved beside each checkpoint. And its
``reader.ptb_iterator`` came from a TensorFlow module that no longer exists; the
old reader's semantics are reimplemented in numpy below. Downloading a text (its
cache, its checks) is :mod:`r2rt_rnn.runtime.fetch`'s.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .runtime import checks
from .runtime.errors import R2RTError
from .runtime.fetch import URL_SCHEMES, download, max_text_bytes, not_utf8, too_big, utf8_text

# The repository checkout (one level above the package); only meaningful in a source tree.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# tiny-shakespeare ships inside the package (package data), so editable and non-editable
# installs, wheels included, find it; the repository's data/tinyshakespeare.txt is a symlink to it.
BUNDLED_CORPUS = Path(__file__).resolve().parent / "corpus" / "tinyshakespeare.txt"
TINY_SHAKESPEARE_URL = "https://raw.githubusercontent.com/jcjohnson/torch-rnn/master/data/tiny-shakespeare.txt"


def load_text(source=None, cache_dir=None):
    """Return the text of ``source``: a file path, a URL, or None for the bundled corpus.

    An http(s) URL is downloaded once into the cache (:mod:`r2rt_rnn.runtime.fetch`:
    ``R2RT_CACHE_DIR``, ``R2RT_DOWNLOAD_TIMEOUT``), and only a whole UTF-8 body is kept
    there; a ``file://`` URL is a local file, read afresh each time. Fails with
    :class:`R2RTError` (one line, naming the file or URL) when the file is missing,
    empty, not UTF-8, not a regular file (a device such as ``/dev/zero`` or a named
    pipe would never end), or larger than memory allows.
    """
    path, url = _local_copy(source, cache_dir)
    if path.is_file() and path.stat().st_size > max_text_bytes():
        raise too_big(path, path.stat().st_size)
    with open_text(path) as f:
        try:
            raw = f.read()
        except OSError as exc:
            raise R2RTError(f"cannot read {path} ({exc.strerror or exc}); pass another text file") from None
    if not raw:
        raise R2RTError(f"text file is empty: {path}; pass a file with some text in it")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if url is not None:  # a cache entry written before downloads were checked: drop it, name the URL
            path.unlink(missing_ok=True)
            raise not_utf8(url, exc.start, f"its cached copy {path} was deleted") from None
        raise R2RTError(
            f"{path} is not UTF-8 text (undecodable byte at offset {exc.start}); "
            "convert it with e.g. `iconv -t utf-8` first"
        ) from None


def _local_copy(source, cache_dir):
    """``(path to read, the URL it was downloaded from or None)`` for a :func:`load_text` source."""
    if source is None:
        if BUNDLED_CORPUS.exists():
            return BUNDLED_CORPUS, None
        source = TINY_SHAKESPEARE_URL  # an install stripped of its package data
    text = str(source)
    if text.startswith(URL_SCHEMES):
        path = download(text, cache_dir, verify=utf8_text(text))
        return path, None if text.startswith("file://") else text
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise R2RTError(f"cannot read {source}: {scheme}:// addresses are not supported; use an http(s):// URL "
                        "or a local file path")
    return Path(source).expanduser(), None


def open_text(path):
    """``path`` opened for reading in binary, once it is known to be a regular file that can be read.

    A missing path, a folder, a device, pipe or socket (which may never end) and an unreadable file are each
    an R2RTError saying so.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise R2RTError(f"text file not found: {path}; pass the path of an existing UTF-8 text file")
    if path.is_dir():
        raise R2RTError(f"{path} is a directory; pass the path of a UTF-8 text file")
    if not path.is_file():
        raise R2RTError(f"{path} is not a regular file (a device, pipe or socket, which may never end); "
                        "pass the path of a UTF-8 text file")
    try:
        return open(path, "rb")
    except OSError as exc:
        raise R2RTError(f"cannot read {path} ({exc.strerror or exc}); check the file's permissions "
                        "or pass another text file") from None


class Vocabulary:
    """Tokens <-> ids, the same in every process: sorted characters, or words in a given order.

    ``Vocabulary(chars)`` sorts the characters (the post's ``set(raw_data)`` fix);
    ``Vocabulary.from_words(words)`` keeps the words' order (PTB: by frequency).
    Attributes ``vocab_to_idx`` and ``idx_to_vocab`` are the post's two dicts.
    """

    def __init__(self, chars, level="char"):
        tokens = sorted(set(chars)) if level == "char" else list(chars)
        if not tokens:
            raise R2RTError("cannot build a vocabulary from empty text")
        if len(set(tokens)) != len(tokens):
            raise R2RTError("a vocabulary cannot hold the same token twice")
        self.level = level
        self.idx_to_vocab = dict(enumerate(tokens))
        self.vocab_to_idx = {c: i for i, c in self.idx_to_vocab.items()}

    @classmethod
    def from_text(cls, text):
        return cls(set(text))

    @classmethod
    def from_words(cls, words):
        """A word vocabulary whose ids are the positions in ``words``."""
        return cls(words, level="word")

    def __len__(self):
        return len(self.idx_to_vocab)

    def __eq__(self, other):
        return (isinstance(other, Vocabulary) and self.level == other.level
                and self.idx_to_vocab == other.idx_to_vocab)

    def __repr__(self):
        return f"Vocabulary({len(self)} {self.level}s)"

    @property
    def chars(self):
        return [self.idx_to_vocab[i] for i in range(len(self))]

    tokens = chars

    def encode(self, text):
        """Map a string to an int32 array of ids; unknown characters are an error naming them."""
        try:
            return np.fromiter((self.vocab_to_idx[c] for c in text), dtype=np.int32, count=len(text))
        except KeyError as exc:
            raise R2RTError(
                f"{self.level} {exc.args[0]!r} is not in the vocabulary of {len(self)} {self.level}s; "
                f"use only {self.level}s that occur in the training text"
            ) from None

    def decode(self, ids):
        return ("" if self.level == "char" else " ").join(self.idx_to_vocab[int(i)] for i in ids)

    def to_json(self):
        return json.dumps({f"{self.level}s": self.tokens}, ensure_ascii=False)

    def save(self, path):
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path):
        """Read a vocabulary file; a missing, truncated or hand-broken one is an R2RTError naming it."""
        path = Path(path)
        if not path.exists():
            raise R2RTError(f"vocabulary file not found: {path}; it is written beside each checkpoint by train_network")
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            level = "char" if "chars" in saved else "word"
            tokens = saved[f"{level}s"]
            if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                raise TypeError("the token list is not a list of strings")
            if level == "char" and tokens != sorted(set(tokens)):
                raise ValueError("the characters are not sorted and distinct")
            return cls(tokens, level=level)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, R2RTError) as exc:
            raise R2RTError(f"vocabulary file {path} is damaged ({type(exc).__name__}: {exc}); "
                            "use an earlier copy of the checkpoint or train it again") from None


@dataclass
class Corpus:
    """A text, its vocabulary and its ids, optionally split into train and validation ids."""

    text: str = field(repr=False)
    vocab: Vocabulary
    train: np.ndarray = field(repr=False)
    valid: np.ndarray = field(default=None, repr=False)

    @property
    def vocab_size(self):
        return len(self.vocab)


def valid_cut(length, valid_fraction):
    """Where a sequence of ``length`` items splits so that its last ``valid_fraction`` is held out."""
    return int(length * (1.0 - valid_fraction))


def load_corpus(source=None, valid_fraction=0.0, cache_dir=None):
    """Load a text (see :func:`load_text`), build its sorted vocabulary and encode it.

    With ``valid_fraction`` in (0, 1) the last fraction of the ids is held out as
    ``corpus.valid`` (a contiguous tail, so validation text never overlaps training text).
    """
    valid_fraction = checks.fraction("valid_fraction", valid_fraction)
    text = load_text(source, cache_dir)
    vocab = Vocabulary.from_text(text)
    ids = vocab.encode(text)
    if valid_fraction > 0:
        cut = valid_cut(len(ids), valid_fraction)
        return Corpus(text, vocab, ids[:cut], ids[cut:])
    return Corpus(text, vocab, ids)


_bundled = None


def bundled_corpus():
    """The bundled tiny-shakespeare corpus, loaded once per process."""
    global _bundled
    if _bundled is None:
        _bundled = load_corpus()
    return _bundled


def ptb_iterator(raw_data, batch_size, num_steps):
    """Yield ``(x, y)`` int32 batches of shape ``[batch_size, num_steps]``, as the old TF reader did.

    The data is cut into ``batch_size`` contiguous rows, and batch ``i`` takes
    columns ``[i * num_steps, (i + 1) * num_steps)`` of every row, so row ``r`` of
    batch ``i + 1`` continues row ``r`` of batch ``i``: that is what lets a
    training loop carry the final state of one batch into the next. ``y`` is
    ``x`` shifted one character to the left. For 20 ids, ``batch_size=2``, ``num_steps=3``::

        ids   0 1 2 3 4 5 6 7 8 9 | 10 11 12 13 14 15 16 17 18 19
              row 0                 row 1                           (batch_len = 10)

                   batch 0            batch 1            batch 2
        x    [[ 0  1  2],       [[ 3  4  5],       [[ 6  7  8],
              [10 11 12]]        [13 14 15]]        [16 17 18]]
        y    [[ 1  2  3],       [[ 4  5  6],       [[ 7  8  9],
              [11 12 13]]        [14 15 16]]        [17 18 19]]

    Row 0 of batch 1 (3 4 5) picks up where row 0 of batch 0 (0 1 2) stopped.
    (batch_len - 1) // num_steps = 3 batches; ids left over at the end are dropped.
    """
    raw_data = np.asarray(raw_data, dtype=np.int32)
    checks.length(raw_data, batch_size, num_steps)
    batch_len = len(raw_data) // batch_size
    rows = raw_data[: batch_size * batch_len].reshape(batch_size, batch_len)
    for i in range((batch_len - 1) // num_steps):
        x = rows[:, i * num_steps : (i + 1) * num_steps]
        y = rows[:, i * num_steps + 1 : (i + 1) * num_steps + 1]
        yield x, y


def epoch_size(num_ids, batch_size, num_steps):
    """Number of batches :func:`ptb_iterator` yields for ``num_ids`` ids."""
    return max(0, (num_ids // batch_size - 1) // num_steps)


def gen_epochs(n, num_steps, batch_size, data=None):
    """Yield ``n`` epochs, each a fresh :func:`ptb_iterator` over ``data`` (default: the bundled corpus)."""
    checks.positive(num_epochs=n, num_steps=num_steps, batch_size=batch_size)
    if data is None:
        data = bundled_corpus().train
    checks.length(data, batch_size, num_steps)
    for _ in range(n):
        yield ptb_iterator(data, batch_size, num_steps)
