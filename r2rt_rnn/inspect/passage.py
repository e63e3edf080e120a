"""The passage to look at: text -> the model's tokens (characters, or PTB words) -> ids.

Characters the model never saw are refused in one line naming them, or, when asked,
left out (``unknown="skip"``); a PTB word model can also read them as ``<unk>``
(``unknown="unk"``), as its sampler does.
"""
import os
from pathlib import Path

import numpy as np

from ..data import load_text
from ..errors import R2RTError

EOS, UNK = "<eos>", "<unk>"
UNKNOWN_POLICIES = ("error", "skip", "unk")


def split_tokens(text, level):
    """``text`` as the model reads it: a list of characters, or of words with ``<eos>`` at each line end."""
    if level == "word":
        return text.replace("\n", f" {EOS} ").split()
    return list(text)


def encode_passage(text, vocab, unknown="error", max_tokens=None):
    """The passage's tokens and ids: ``(tokens, ids)``, ``ids`` int32 ``[num_tokens]``.

    ``unknown``: ``"error"`` (an R2RTError naming the unseen tokens), ``"skip"`` (leave
    them out) or ``"unk"`` (word models: read them as ``<unk>``). ``max_tokens`` keeps
    only the first that many (after skipping). An empty passage is an R2RTError.
    """
    if unknown not in UNKNOWN_POLICIES:
        raise R2RTError(f"unknown must be one of {', '.join(UNKNOWN_POLICIES)}, got {unknown!r}")
    if not isinstance(text, str):
        raise R2RTError(f"the passage must be a string, got {type(text).__name__}")
    level = getattr(vocab, "level", "char")
    what = "word" if level == "word" else "character"
    tokens = split_tokens(text, level)
    if not tokens:
        raise R2RTError("the passage is empty; give some text (--text FILE) with at least one "
                        f"{what} in it")
    to_id = vocab.vocab_to_idx
    missing = list(dict.fromkeys(t for t in tokens if t not in to_id))
    if missing:
        shown = ", ".join(map(repr, missing[:12])) + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")
        if unknown == "unk":
            if UNK not in to_id:
                raise R2RTError(f"the passage has {what}(s) the model never saw ({shown}) and the model has no "
                                f"{UNK} token to read them as; --skip-unknown leaves them out")
            tokens = [t if t in to_id else UNK for t in tokens]
        elif unknown == "skip":
            tokens = [t for t in tokens if t in to_id]
        else:
            fix = "--unknown unk reads them as <unk>, --skip-unknown leaves them out" if UNK in to_id else \
                "--skip-unknown leaves them out"
            raise R2RTError(f"the passage has {what}(s) the model never saw: {shown}; {fix} "
                            f"(Python: unknown='skip'), or use text like the training text")
        if not tokens:
            raise R2RTError(f"the passage is empty once the {what}s the model never saw are left out")
    if max_tokens is not None:
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, (int, np.integer)) or max_tokens < 1:
            raise R2RTError(f"--chars must be a whole number, 1 or more, got {max_tokens!r}")
        tokens = tokens[:max_tokens]
    return tokens, np.array([to_id[t] for t in tokens], dtype=np.int32)


def default_text(level):
    """What to look at when no text is given: text the model did not train on.

    Characters: the last tenth of the bundled tiny-shakespeare (the ``train`` command's
    validation split). Words: ``ptb.valid.txt`` in ``$R2RT_PTB_DIR``.
    """
    if level == "word":
        folder = os.environ.get("R2RT_PTB_DIR")
        path = Path(folder) / "ptb.valid.txt" if folder else None
        if path is None or not path.is_file():
            raise R2RTError("a PTB word model needs a passage: pass --text FILE (PTB-style text, one sentence a "
                            "line), or set R2RT_PTB_DIR to the folder holding ptb.valid.txt")
        return load_text(path)
    text = load_text(None)
    return text[int(len(text) * 0.9):]
