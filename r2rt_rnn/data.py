"""Text in, integer batches out: corpus loading, a sorted vocabulary, ``ptb_iterator``.

The data flows one way: text file -> :class:`Vocabulary` -> integer array ->
``(x, y)`` batches of shape ``[batch_size, num_steps]``.

Two fixes to the post live here. Its ``vocab = set(raw_data)`` gives every
Python process a different character order (string hashing is randomised), so a
checkpoint restored in a new process decoded to the wrong characters; our
vocabulary is sorted and saved beside each checkpoint. And its
``reader.ptb_iterator`` came from a TensorFlow module that no longer exists; the
old reader's semantics are reimplemented in numpy below.
"""
import hashlib
import json
import os
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import R2RTError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PACKAGE_ROOT / "data" / "tinyshakespeare.txt"
TINY_SHAKESPEARE_URL = "https://raw.githubusercontent.com/jcjohnson/torch-rnn/master/data/tiny-shakespeare.txt"
DEFAULT_CACHE_DIR = Path(os.environ.get("R2RT_CACHE_DIR", Path.home() / ".cache" / "r2rt_rnn"))


def download(url, cache_dir=None):
    """Download ``url`` once into ``cache_dir`` and return the local path.

    The post fetched tiny-shakespeare with ``urllib.request.urlretrieve`` on every
    fresh machine; we do the same but keep the file in a cache keyed by the URL.
    """
    cache_dir = Path(cache_dir or DEFAULT_CACHE_DIR)
    name = url.rstrip("/").rsplit("/", 1)[-1] or "download"
    target = cache_dir / f"{hashlib.sha1(url.encode()).hexdigest()[:10]}-{name}"
    if target.exists() and target.stat().st_size > 0:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    try:
        urllib.request.urlretrieve(url, partial)
    except OSError as exc:
        raise R2RTError(
            f"could not download {url} ({exc}); download it by hand and pass the local file path instead"
        ) from None
    partial.replace(target)
    return target


def load_text(source=None, cache_dir=None):
    """Return the text of ``source``: a file path, a URL (downloaded once), or None for the bundled corpus.

    Fails with :class:`R2RTError` (one line, naming the file) when the file is
    missing, empty, or not UTF-8.
    """
    if source is None:
        path = BUNDLED_CORPUS
        if not path.exists():  # installed without the repository's data/ folder
            path = download(TINY_SHAKESPEARE_URL, cache_dir)
    elif str(source).startswith(("http://", "https://", "file://")):
        path = download(str(source), cache_dir)
    else:
        path = Path(source).expanduser()
    if not path.exists():
        raise R2RTError(f"text file not found: {path}; pass the path of an existing UTF-8 text file")
    if path.is_dir():
        raise R2RTError(f"{path} is a directory; pass the path of a UTF-8 text file")
    raw = path.read_bytes()
    if not raw:
        raise R2RTError(f"text file is empty: {path}; pass a file with some text in it")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise R2RTError(
            f"{path} is not UTF-8 text (undecodable byte at offset {exc.start}); "
            "convert it with e.g. `iconv -t utf-8` first"
        ) from None


class Vocabulary:
    """A sorted character vocabulary: the same ids in every process.

    Attributes ``vocab_to_idx`` and ``idx_to_vocab`` are the post's two dicts.
    """

    def __init__(self, chars):
        chars = sorted(set(chars))
        if not chars:
            raise R2RTError("cannot build a vocabulary from empty text")
        self.idx_to_vocab = dict(enumerate(chars))
        self.vocab_to_idx = {c: i for i, c in self.idx_to_vocab.items()}

    @classmethod
    def from_text(cls, text):
        return cls(set(text))

    def __len__(self):
        return len(self.idx_to_vocab)

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.idx_to_vocab == other.idx_to_vocab

    def __repr__(self):
        return f"Vocabulary({len(self)} characters)"

    @property
    def chars(self):
        return [self.idx_to_vocab[i] for i in range(len(self))]

    def encode(self, text):
        """Map a string to an int32 array of ids; unknown characters are an error naming them."""
        try:
            return np.fromiter((self.vocab_to_idx[c] for c in text), dtype=np.int32, count=len(text))
        except KeyError as exc:
            raise R2RTError(
                f"character {exc.args[0]!r} is not in the vocabulary of {len(self)} characters; "
                "use only characters that occur in the training text"
            ) from None

    def decode(self, ids):
        return "".join(self.idx_to_vocab[int(i)] for i in ids)

    def save(self, path):
        Path(path).write_text(json.dumps({"chars": self.chars}, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path):
        path = Path(path)
        if not path.exists():
            raise R2RTError(f"vocabulary file not found: {path}; it is written beside each checkpoint by train_network")
        return cls(json.loads(path.read_text(encoding="utf-8"))["chars"])


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


def load_corpus(source=None, valid_fraction=0.0, cache_dir=None):
    """Load a text (see :func:`load_text`), build its sorted vocabulary and encode it.

    With ``valid_fraction`` in (0, 1) the last fraction of the ids is held out as
    ``corpus.valid`` (a contiguous tail, so validation text never overlaps training text).
    """
    if not 0.0 <= valid_fraction < 1.0:
        raise R2RTError(f"valid_fraction must be in [0, 1), got {valid_fraction}")
    text = load_text(source, cache_dir)
    vocab = Vocabulary.from_text(text)
    ids = vocab.encode(text)
    if valid_fraction > 0:
        cut = int(len(ids) * (1.0 - valid_fraction))
        return Corpus(text, vocab, ids[:cut], ids[cut:])
    return Corpus(text, vocab, ids)


_bundled = None


def bundled_corpus():
    """The bundled tiny-shakespeare corpus, loaded once per process."""
    global _bundled
    if _bundled is None:
        _bundled = load_corpus()
    return _bundled


def check_positive(**sizes):
    """Raise R2RTError naming the first size that is not a positive integer."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise R2RTError(f"{name} must be a positive integer, got {value!r}")


def check_length(raw_data, batch_size, num_steps, what="text"):
    """Raise R2RTError unless ``raw_data`` fills at least one ``[batch_size, num_steps]`` batch.

    The reader cuts the data into ``batch_size`` rows and needs ``num_steps + 1``
    tokens in each (the targets are shifted by one), so one batch takes
    ``batch_size * (num_steps + 1)`` tokens: a little more than ``batch_size * num_steps + 1``.
    """
    check_positive(batch_size=batch_size, num_steps=num_steps)
    needed = batch_size * (num_steps + 1)
    if len(raw_data) < needed:
        raise R2RTError(
            f"{what} has {len(raw_data)} tokens but one batch needs batch_size * (num_steps + 1) = "
            f"{batch_size} * ({num_steps} + 1) = {needed}; use a longer text or a smaller batch_size/num_steps"
        )


def ptb_iterator(raw_data, batch_size, num_steps):
    """Yield ``(x, y)`` int32 batches of shape ``[batch_size, num_steps]``, as the old TF reader did.

    The data is cut into ``batch_size`` contiguous rows, and batch ``i`` takes
    columns ``[i * num_steps, (i + 1) * num_steps)`` of every row, so row ``r`` of
    batch ``i + 1`` continues row ``r`` of batch ``i``: that is what lets a
    training loop carry the final state of one batch into the next. ``y`` is
    ``x`` shifted one character to the left.
    """
    raw_data = np.asarray(raw_data, dtype=np.int32)
    check_length(raw_data, batch_size, num_steps)
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
    check_positive(num_epochs=n, num_steps=num_steps, batch_size=batch_size)
    if data is None:
        data = bundled_corpus().train
    check_length(data, batch_size, num_steps)
    for _ in range(n):
        yield ptb_iterator(data, batch_size, num_steps)
