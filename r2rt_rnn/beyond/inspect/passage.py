"""The passage to look at: text -> the model's tokens (characters, or PTB words) -> ids.

Characters the model never saw are refused in one line naming them, or, when asked,
left out (``unknown="skip"``); a PTB word model can also read them as ``<unk>``
(``unknown="unk"``), as its sampler does. Only the tokens that are traced are
checked, and :func:`read_passage` reads only as much of a file as they need.
"""
import codecs
import os
from itertools import islice
from pathlib import Path

import numpy as np

from ...data import BUNDLED_CORPUS, load_text, max_text_bytes, open_text
from ...ptb.reader import UNK, split_words
from ...runtime import checks
from ...runtime.errors import R2RTError

UNKNOWN_POLICIES = ("error", "skip", "unk")
FIRST_READ = 1 << 16  # bytes read first; each later read doubles what was read so far
# How the remedies of :class:`UnknownTokens` are said from Python (a command says its flags instead).
PYTHON_REMEDIES = {"skip": "unknown='skip'", "unk": "unknown='unk'"}


class UnknownTokens(R2RTError):
    """The traced part of a passage has tokens the model never saw; the message names them and the remedies.

    ``spelled({"skip": ..., "unk": ...})`` is the same error with the remedies said another way (a flag).
    """

    def __init__(self, what, shown, has_unk, asked_unk, remedies=None):
        self.facts = (what, shown, has_unk, asked_unk)
        say = remedies or PYTHON_REMEDIES
        if asked_unk:
            message = (f"the passage has {what}(s) the model never saw ({shown}) and the model has no {UNK} token "
                       f"to read them as; {say['skip']} leaves them out")
        else:
            fix = f"{say['unk']} reads them as {UNK}, {say['skip']} leaves them out" if has_unk else \
                f"{say['skip']} leaves them out"
            message = (f"the passage has {what}(s) the model never saw: {shown}; {fix}, or use text like the "
                       "training text")
        super().__init__(message)

    def spelled(self, remedies):
        return UnknownTokens(*self.facts, remedies=remedies)


def split_tokens(text, level):
    """``text`` as the model reads it: a list of characters, or of words with ``<eos>`` at each line end."""
    if level == "word":
        return split_words(text)
    return list(text)


def _check_max_tokens(max_tokens):
    checks.optional(checks.integer, "max_tokens", max_tokens, what="a whole number, 1 or more")


def encode_passage(text, vocab, unknown="error", max_tokens=None):
    """The passage's tokens and ids: ``(tokens, ids)``, ``ids`` int32 ``[num_tokens]``.

    ``max_tokens`` keeps only the first that many (after skipping). ``unknown``, for tokens
    among those the model never saw: ``"error"`` (:class:`UnknownTokens`, naming them),
    ``"skip"`` (leave them out) or ``"unk"`` (word models: read them as ``<unk>``). Tokens
    past ``max_tokens`` are not looked at. An empty passage is an R2RTError.
    """
    if unknown not in UNKNOWN_POLICIES:
        raise R2RTError(f"unknown must be one of {', '.join(UNKNOWN_POLICIES)}, got {unknown!r}", params=("unknown",))
    if not isinstance(text, str):
        raise R2RTError(f"the passage must be a string, got {type(text).__name__}")
    _check_max_tokens(max_tokens)
    level = getattr(vocab, "level", "char")
    what = "word" if level == "word" else "character"
    tokens = split_tokens(text, level)
    if not tokens:
        raise R2RTError(f"the passage is empty; give some text with at least one {what} in it")
    tokens = _known(tokens, vocab.vocab_to_idx, unknown, max_tokens, what)
    return tokens, np.array([vocab.vocab_to_idx[t] for t in tokens], dtype=np.int32)


def _known(tokens, to_id, unknown, max_tokens, what):
    """The first ``max_tokens`` tokens, each one the model knows, by the ``unknown`` policy."""
    if unknown == "skip":
        return _skip_unknown(tokens, to_id, max_tokens, what)
    tokens = tokens[:max_tokens]
    missing = list(dict.fromkeys(t for t in tokens if t not in to_id))
    if not missing:
        return tokens
    if unknown == "error" or UNK not in to_id:
        raise UnknownTokens(what, _listed(missing), UNK in to_id, unknown == "unk")
    return [t if t in to_id else UNK for t in tokens]


def _skip_unknown(tokens, to_id, max_tokens, what):
    """The first ``max_tokens`` of the tokens the model knows (policy ``"skip"``); none at all is an error."""
    tokens = list(islice((t for t in tokens if t in to_id), max_tokens))
    if not tokens:
        raise R2RTError(f"the passage is empty once the {what}s the model never saw are left out")
    return tokens


def _listed(missing, most=12):
    """The first ``most`` unknown tokens, quoted, and how many more there are."""
    return ", ".join(map(repr, missing[:most])) + (f" and {len(missing) - most} more" if len(missing) > most else "")


def _complete_tokens(text, level, counted):
    """How many whole tokens ``text`` holds (a word cut by the end of what was read is not whole yet)."""
    if level != "word":
        return len(text) if counted is None else sum(c in counted for c in text)
    tokens = split_tokens(text, level)
    if tokens and not text[-1].isspace():
        tokens = tokens[:-1]
    return len(tokens) if counted is None else sum(t in counted for t in tokens)


def read_passage(path, level="char", max_tokens=None, counted=None):
    """The start of UTF-8 text file ``path``: enough of it for ``max_tokens`` tokens (all of it for None).

    ``level``: ``"char"`` or ``"word"`` (the model's tokens, as :func:`split_tokens`);
    ``counted``: only tokens in it count towards ``max_tokens`` (the vocabulary, when
    unknown tokens are to be skipped). The file is read in growing pieces, so a 200 MB
    file costs what the traced part needs; more than :func:`r2rt_rnn.data.max_text_bytes`
    is refused. Errors (missing, a folder or device, empty, not UTF-8) are one line. A URL
    is :func:`r2rt_rnn.data.load_text`'s: downloaded once, then read whole.
    """
    _check_max_tokens(max_tokens)
    if "://" in str(path):
        return load_text(path)
    decoder, parts, size, limit = codecs.getincrementaldecoder("utf-8")(), [], 0, max_text_bytes()
    with open_text(path) as f:
        while True:
            raw = f.read(max(FIRST_READ, size))
            size += len(raw)
            if size > limit:
                raise R2RTError(f"{path}: the passage to read is more than {limit / 2**20:,.0f} MiB, more than this "
                                "machine can hold in memory with its ids; ask for fewer tokens or pass a smaller file")
            try:
                parts.append(decoder.decode(raw, final=not raw))
            except UnicodeDecodeError as exc:
                raise R2RTError(f"{path} is not UTF-8 text (undecodable byte at offset {size - len(raw) + exc.start}); "
                                "convert it with e.g. `iconv -t utf-8` first") from None
            if not raw:
                break
            if max_tokens is not None:
                parts = ["".join(parts)]
                if _complete_tokens(parts[0], level, counted) >= max_tokens:
                    break
    text = "".join(parts)
    if not text:
        raise R2RTError(f"text file is empty: {path}; pass a file with some text in it")
    return text


def default_source(level):
    """The file :func:`default_text` reads (None when there is none to read)."""
    if level == "word":
        folder = os.environ.get("R2RT_PTB_DIR")
        return Path(folder) / "ptb.valid.txt" if folder else None
    return BUNDLED_CORPUS


def default_text(level):
    """What to look at when no text is given: text the model did not train on.

    Characters: the last tenth of the bundled tiny-shakespeare (the ``train`` command's
    validation split). Words: ``ptb.valid.txt`` in ``$R2RT_PTB_DIR``.
    """
    if level == "word":
        path = default_source(level)
        if path is None or not path.is_file():
            raise R2RTError("a PTB word model needs a passage (text: a file with one sentence a line, as PTB's), "
                            "or R2RT_PTB_DIR set to the folder holding ptb.valid.txt", params=("text",))
        return load_text(path)
    text = load_text(None)
    return text[int(len(text) * 0.9):]
