"""Reading the Penn Treebank (PTB) word-level data: files -> word ids -> batches.

The tutorial's ``reader.py`` in our own words. A PTB directory holds three text
files, ``ptb.train.txt``, ``ptb.valid.txt`` and ``ptb.test.txt``: one sentence per
line, words separated by spaces, already lower-cased, numbers replaced by ``N``
and rare words by ``<unk>``. Every line end becomes an ``<eos>`` token.

The vocabulary is built from the training split only, ordered by count (most
frequent first) and then alphabetically, so the ids are the same in every
process. Words of the validation/test splits that never occur in training map to
``<unk>`` when the vocabulary has that token (it always has, on PTB); without an
``<unk>`` entry such a word is an :class:`R2RTError` naming it. (The original
reader silently dropped unseen words, which shortens the split and flatters
perplexity; on real PTB no word is unseen, so both rules give the same ids.)

The batch iterator is :func:`r2rt_rnn.data.ptb_iterator` (the old TF reader's
semantics, in numpy); it replaces the tutorial's queue-based ``ptb_producer``.
"""
import collections
import os
import tarfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..data import epoch_size, ptb_iterator
from ..runtime.errors import R2RTError
from ..runtime.fetch import default_cache_dir, download
from ..runtime.files import write_file

PTB_URL = "http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz"
SPLITS = ("train", "valid", "test")
EOS = "<eos>"
UNK = "<unk>"

__all__ = [
    "EOS", "PTB_URL", "PTBData", "UNK", "build_vocab", "download_ptb", "epoch_size", "file_to_word_ids",
    "find_ptb", "ptb_iterator", "ptb_raw_data", "read_words", "split_path", "split_words",
]


def split_path(data_path, split):
    """Path of ``ptb.<split>.txt`` in ``data_path`` (``split`` is train, valid or test)."""
    if split not in SPLITS:
        raise R2RTError(f"unknown PTB split {split!r}; use one of {', '.join(SPLITS)}")
    return Path(data_path).expanduser() / f"ptb.{split}.txt"


def _where_from(offer_download):
    """The fix that ends a "wrong folder" message, naming the parameter ``data_path``."""
    fix = ("data_path must be a directory holding ptb.train.txt, ptb.valid.txt and ptb.test.txt "
           f"(simple-examples/data/ in {PTB_URL})")
    return fix + (", or leave data_path out to download them" if offer_download else "")


def _not_a_file(path):
    """What is wrong with PTB file ``path``: None when it is a file, else that it is missing or a folder."""
    if path.is_file():
        return None
    return f"PTB file {path} is a folder, not a file" if path.is_dir() else f"PTB file not found: {path}"


def split_words(text):
    """PTB-format text as its tokens: split at white space, with ``<eos>`` at every line end."""
    return text.replace("\n", f" {EOS} ").split()


def read_words(filename):
    """Return the tokens of one PTB-format file as a list of str, with ``<eos>`` at every line end.

    ``" the cat sat \\n a dog \\n"`` -> ``["the", "cat", "sat", "<eos>", "a", "dog", "<eos>"]``.
    """
    path = Path(filename).expanduser()
    problem = _not_a_file(path)
    if problem:
        raise R2RTError(f"{problem}; pass an existing PTB-format text file, e.g. ptb.train.txt "
                        f"from simple-examples/data/ in {PTB_URL}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise R2RTError(f"{path} is not UTF-8 text (undecodable byte at offset {exc.start}); "
                        "convert it first") from None
    return split_words(text)


def build_vocab(filename):
    """Map each word of ``filename`` to an id: most frequent word 0, ties broken alphabetically.

    Returns a dict ``{word: id}`` with ids ``0 .. len - 1``.
    """
    counts = collections.Counter(read_words(filename))
    if not counts:
        raise R2RTError(f"{filename} holds no words; a PTB training file needs at least one sentence")
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {word: i for i, (word, _) in enumerate(ordered)}


def file_to_word_ids(filename, word_to_id):
    """Encode ``filename`` as an int32 array of ids, shape ``[num_tokens]``.

    Words missing from ``word_to_id`` become ``<unk>``; without an ``<unk>`` entry
    they raise :class:`R2RTError` naming the first one.
    """
    words = read_words(filename)
    unk = word_to_id.get(UNK)
    ids = np.empty(len(words), dtype=np.int32)
    for i, word in enumerate(words):
        wid = word_to_id.get(word, unk)
        if wid is None:
            raise R2RTError(
                f"word {word!r} in {filename} does not occur in the training split and the vocabulary has no "
                f"{UNK!r} token; add {UNK} to the training text or replace rare words with it"
            )
        ids[i] = wid
    return ids


class PTBData(NamedTuple):
    """The three splits as int32 id arrays plus the training vocabulary.

    Unpacks like the tutorial's tuple: ``train, valid, test, word_to_id = ptb_raw_data(path)``.
    """

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    word_to_id: dict

    @property
    def vocab_size(self):
        return len(self.word_to_id)

    @property
    def id_to_word(self):
        return {i: w for w, i in self.word_to_id.items()}


def ptb_raw_data(data_path=None, offer_download=True):
    """Load ``ptb.{train,valid,test}.txt`` from ``data_path`` and encode them with the training vocabulary.

    ``data_path=None`` downloads and extracts the published archive into the
    cache (see :func:`download_ptb`). Raises :class:`R2RTError` (``params``:
    ``data_path``) naming the file that is missing, or a folder, before any is
    read; with ``offer_download`` the message says that leaving ``data_path`` out
    downloads the files (a caller that cannot download passes False).
    """
    if data_path is None:
        data_path = download_ptb()
    data_path = Path(data_path).expanduser()
    if not data_path.is_dir():
        raise R2RTError(f"PTB data directory not found: {data_path}; {_where_from(offer_download)}",
                        params=("data_path",))
    for split in SPLITS:  # check all three before the slow part, so the error comes at once
        problem = _not_a_file(split_path(data_path, split))
        if problem:
            raise R2RTError(f"{problem}; {_where_from(offer_download)}", params=("data_path",))
    word_to_id = build_vocab(split_path(data_path, "train"))
    train, valid, test = (file_to_word_ids(split_path(data_path, s), word_to_id) for s in SPLITS)
    return PTBData(train, valid, test, word_to_id)


def download_ptb(cache_dir=None, url=PTB_URL):
    """Download Mikolov's ``simple-examples.tgz`` once and extract its three PTB files.

    The files ``simple-examples/data/ptb.{train,valid,test}.txt`` are written to
    ``<cache_dir>/ptb/`` (each whole or not at all; ``cache_dir`` defaults to
    ``$R2RT_CACHE_DIR``, see :mod:`r2rt_rnn.runtime.fetch`); that directory is returned
    (ready for :func:`ptb_raw_data`). Nothing is downloaded when the three files
    are already there, and an archive that cannot be read, or lacks one of the files,
    never enters the cache. When that fails, the message says to unpack the archive by
    hand and give its folder as ``data_path``; a file that cannot be written names
    ``cache_dir``.
    """
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    target = cache_dir / "ptb"
    if all(split_path(target, s).is_file() for s in SPLITS):
        return target
    # download()'s own advice names a text file; this archive's files go in through a folder
    fix = "try again later, or download and unpack it by hand and give data_path its simple-examples/data folder"
    try:
        archive = download(url, cache_dir, fix=fix, verify=lambda path: _check_archive(path, url, fix))
    except R2RTError as exc:
        raise R2RTError(str(exc), params=("data_path",)) from None
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "r:gz") as tar:
            for split, info in zip(SPLITS, _members(tar)):
                # extractfile + write: never trust member paths from an archive (no extractall)
                write_file(split_path(target, split), tar.extractfile(info).read(), "cache_dir")
    except (tarfile.TarError, KeyError, OSError, EOFError) as exc:
        drop = f"delete {archive} and retry, or " if not url.startswith("file://") else ""
        raise R2RTError(
            f"could not extract the PTB files from {archive} ({exc}); {drop}extract "
            "simple-examples/data/ptb.*.txt by hand and give data_path that folder", params=("data_path",)
        ) from None
    return target


def find_ptb(data_path=None, cache_dir=None):
    """The first folder holding all three PTB files, or None; never downloads.

    Looks in ``data_path`` (default: ``$R2RT_PTB_DIR`` when set), then where :func:`download_ptb`
    puts them (``<cache_dir>/ptb``, ``cache_dir`` defaulting to the download cache). A notebook
    calls it to train on the real data when the reader already has it, and on a stand-in otherwise.
    """
    if data_path is None:
        data_path = os.environ.get("R2RT_PTB_DIR") or None
    candidates = [Path(data_path).expanduser()] if data_path else []
    candidates.append((Path(cache_dir).expanduser() if cache_dir else default_cache_dir()) / "ptb")
    for folder in candidates:
        if all(split_path(folder, s).is_file() for s in SPLITS):
            return folder
    return None


def _members(tar):
    """The archive's entries for ptb.{train,valid,test}.txt (KeyError naming the first one missing)."""
    members = []
    for split in SPLITS:
        member = f"./simple-examples/data/ptb.{split}.txt"
        try:
            members.append(tar.getmember(member))
        except KeyError:
            members.append(tar.getmember(member[2:]))  # archives with and without the "./" prefix
    return members


def _check_archive(path, url, fix):
    """A ``verify`` for download(): the body is a gzipped tar holding the three PTB files, read to the end."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            _members(tar)
            tar.getmembers()  # reads every header: a body cut short fails here, not on the next run
    except (tarfile.TarError, KeyError, OSError, EOFError) as exc:
        raise R2RTError(f"could not download {url}: what came is not the PTB archive ({exc}); nothing was cached; "
                        f"{fix}", params=("data_path",)) from None
