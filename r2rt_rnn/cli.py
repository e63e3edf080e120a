"""``python -m r2rt_rnn COMMAND``: one sub-command per job.

Each command lives in the module that does the work; that module offers
``add_arguments(parser)`` and ``main(args)``. Only the chosen command's module is
imported, so ``--help`` is instant and TensorFlow loads only when needed.
"""
import argparse
import importlib
import sys

from .errors import R2RTError

# name -> (module, one-line help)
COMMANDS = {
    "train": ("r2rt_rnn.train", "train a character model (build_graph + train_network) and save a checkpoint"),
    "generate": ("r2rt_rnn.generate", "generate text from a checkpoint written by `train`"),
    "reproduce": ("r2rt_rnn.experiments", "rerun the post's experiments (graph styles, GRU vs Custom, cell comparison)"),
    "bench": ("r2rt_rnn.benchmark", "time graph builds, training and generation; write JSON, Markdown and a chart"),
    "minchar": ("r2rt_rnn.min_char_rnn", "the gentle intro: a hand-written vanilla RNN (min-char-rnn) in TF1"),
    "ptb": ("r2rt_rnn.ptb.word_lm", "the PTB word-level language model (Zaremba et al. 2014)"),
}


def _parser(argv):
    parser = argparse.ArgumentParser(prog="python -m r2rt_rnn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    # Parse only the command name first, then let the chosen module define its options.
    known, _ = parser.parse_known_args(argv[:1])
    if known.command is None:
        return parser, None
    module = importlib.import_module(COMMANDS[known.command][0])
    full = argparse.ArgumentParser(
        prog=f"python -m r2rt_rnn {known.command}", description=COMMANDS[known.command][1],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    module.add_arguments(full)
    return full, module


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, module = _parser(argv)
    if module is None:
        parser.print_help()
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    args = parser.parse_args(argv[1:])
    try:
        return module.main(args) or 0
    except R2RTError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
