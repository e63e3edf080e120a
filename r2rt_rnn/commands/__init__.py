"""The command layer: ``python -m r2rt_rnn COMMAND``, one module per command.

Each module offers ``add_arguments(parser)`` and ``main(args)``: it parses the
options, checks them and names them by their flags, calls the teaching and library
modules (which name their *parameters*), and prints the results. Nothing below this
layer imports it. :mod:`r2rt_rnn.cli` picks the module and turns every way a command
can end into an exit status and at most one line.
"""
import contextlib

from ..errors import R2RTError

# name -> (module, one-line help)
COMMANDS = {
    "train": ("r2rt_rnn.commands.train",
              "train a character model (build_graph + train_network) and save a checkpoint"),
    "generate": ("r2rt_rnn.commands.generate",
                 "generate text from a checkpoint written by train (or ptb), or the shipped post-GRU"),
    "reproduce": ("r2rt_rnn.commands.reproduce",
                  "rerun a published experiment (the post's three, PTB small) and record it"),
    "bench": ("r2rt_rnn.commands.bench",
              "time graph builds, training and generation; write JSON, Markdown and a chart"),
    "minchar": ("r2rt_rnn.commands.minchar", "the gentle intro: a hand-written vanilla RNN (min-char-rnn) in TF1"),
    "ptb": ("r2rt_rnn.commands.ptb", "the PTB word-level language model (Zaremba et al. 2014)"),
    "inspect": ("r2rt_rnn.commands.inspect",
                "look inside a checkpoint (or the shipped post-GRU): next-token guesses, unit firings, gates, a page"),
    "corpus": ("r2rt_rnn.commands.corpus",
               "build a training text from a recipe (stdlib: Python's own standard-library source)"),
}


@contextlib.contextmanager
def flags(mapping):
    """Inside the block, an R2RTError that names a parameter of ``mapping`` (``{"save": "--save"}``) says the flag."""
    try:
        yield
    except R2RTError as exc:
        raise exc.with_flags(mapping) from None
