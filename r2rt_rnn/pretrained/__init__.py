"""Models shipped inside the package, by name: a five-minute start without training first.

``post-GRU`` is the post's final model: the 3 x 100 GRU trained 20 epochs at 80 steps with
Adam at 1e-4 (the ``post`` preset, seed 2345), on the first 90% of tiny-shakespeare. It is
stored *weights only* (no Adam slots): 0.8 MB instead of 2.3 MB. Every command and function
that reads a checkpoint takes its name where it takes a path::

    python -m r2rt_rnn generate post-GRU --num-chars 300 --seed 0
    python -m r2rt_rnn inspect post-GRU --chars 2000 --out post-GRU.html

    from r2rt_rnn import pretrained
    pretrained.path("post-GRU")   # the checkpoint's path, for anything that takes one

A path that holds a checkpoint wins over a shipped name. How each model was trained (the
command, the seed, every epoch's losses, the minutes, the machine) is ``training.json``
beside its weights (:func:`record`). The folder is part of the package: nothing writes
into it (:func:`check_not_shipped`: every save path and output goes through it, ``overwrite`` or not).
"""
import json
from pathlib import Path

from ..runtime.errors import R2RTError

FOLDER = Path(__file__).resolve().parent
CHECKPOINT = "checkpoint"  # each model is FOLDER/NAME/checkpoint.* (the package's one checkpoint format)
RECORD = "training.json"  # how it was trained
# name -> what it is, in one line
MODELS = {
    "post-GRU": "the post's 3 x 100 GRU after 20 epochs at 80 steps (Adam 1e-4, seed 2345), weights only",
}


def names():
    """The shipped models' names."""
    return list(MODELS)


def path(name):
    """The checkpoint path of shipped model ``name`` (a str), or R2RTError naming the shipped ones."""
    if name not in MODELS:
        raise R2RTError(f"no shipped model is called {name!r}; the shipped models are {', '.join(MODELS)}",
                        params=("model",))
    found = FOLDER / name / CHECKPOINT
    if not Path(f"{found}.config.json").is_file():
        raise R2RTError(f"the shipped model {name} is missing from this installation ({found}.config.json); "
                        "reinstall r2rt_rnn")
    return str(found)


def lookup(text):
    """``path(text)`` when ``text`` is a shipped model's name, else None (for
    :func:`r2rt_rnn.runtime.checkpoint.resolve`)."""
    return path(text) if isinstance(text, str) and text in MODELS else None


def record(name):
    """How shipped model ``name`` was trained: the dict in its ``training.json``."""
    path(name)
    return json.loads((FOLDER / name / RECORD).read_text(encoding="utf-8"))


def is_shipped(location):
    """True when ``location`` (a checkpoint path or any file) lies inside the shipped models' folder."""
    try:
        resolved = Path(location).expanduser().resolve()
    except (OSError, RuntimeError):
        return False
    return resolved == FOLDER or FOLDER in resolved.parents


def check_not_shipped(location, param="save"):
    """R2RTError when ``location`` lies in the shipped models' folder, which is part of the package: never written."""
    if is_shipped(location):
        raise R2RTError(f"{location} is inside r2rt_rnn's shipped models ({FOLDER}), which are never written; "
                        f"choose a {param} path of your own", params=(param,))
