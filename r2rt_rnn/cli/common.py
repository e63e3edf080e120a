"""The command layer: ``python -m r2rt_rnn COMMAND``, one module per command.

Each module offers ``add_arguments(parser)`` and ``main(args)``: it parses the
options, checks them and names them by their flags, calls the teaching and library
modules (which name their *parameters*), and prints the results. Nothing below this
layer imports it. :mod:`r2rt_rnn.cli` picks the module and turns every way a command
can end into an exit status and at most one line.
"""
import contextlib
import os
import sys

from ..runtime.errors import R2RTError, TrainingInterrupted

# name -> (module, one-line help)
COMMANDS = {
    "train": ("r2rt_rnn.cli.train",
              "train a character model (build_graph + train_network) and save a checkpoint"),
    "generate": ("r2rt_rnn.cli.generate",
                 "generate text from a checkpoint written by train (or ptb), or the shipped post-GRU"),
    "reproduce": ("r2rt_rnn.cli.reproduce",
                  "rerun a published experiment (the post's three, PTB small) and record it"),
    "bench": ("r2rt_rnn.cli.bench",
              "time graph builds, training and generation; write JSON, Markdown and a chart"),
    "minchar": ("r2rt_rnn.cli.minchar", "the gentle intro: a hand-written vanilla RNN (min-char-rnn) in TF1"),
    "ptb": ("r2rt_rnn.cli.ptb", "the PTB word-level language model (Zaremba et al. 2014)"),
    "inspect": ("r2rt_rnn.cli.inspect",
                "look inside a checkpoint (or the shipped post-GRU): next-token guesses, unit firings, gates, a page"),
    "corpus": ("r2rt_rnn.cli.corpus",
               "build a training text from a recipe (stdlib: Python's own standard-library source)"),
}


@contextlib.contextmanager
def flags(mapping):
    """Inside the block, an R2RTError that names a parameter of ``mapping`` (``{"save": "--save"}``) says the flag."""
    try:
        yield
    except R2RTError as exc:
        raise exc.with_flags(mapping) from None

def program_name():
    """How the user invoked us: 'r2rt-rnn' through the console script, else 'python -m r2rt_rnn'."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return name if name and not name.endswith((".py", "__main__.py")) and name != "-c" else "python -m r2rt_rnn"


def continue_with(exc, how=None):
    """``exc`` (a :class:`TrainingInterrupted` whose message ends in the library's ``continue with ...``) with that
    hint said as ``how`` (default: ``--resume CHECKPOINT``); unchanged when no checkpoint holds its epochs."""
    if exc.checkpoint is None:
        return exc
    head = str(exc).split("; continue with")[0]
    return TrainingInterrupted(f"{head}; {how or f'continue with --resume {exc.checkpoint}'}", exc.checkpoint,
                               exc.epochs)
