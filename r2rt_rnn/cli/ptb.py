"""``python -m r2rt_rnn ptb``: train the PTB word model (:func:`r2rt_rnn.ptb.word_lm.train`) and report it.

The trainer prints a line per epoch and the test perplexity; this module checks the
options by their flags, names the trainer's parameters as flags in its messages and
prints where the checkpoint is.
"""
from ..ptb import word_lm
from ..ptb.configs import CONFIGS, get_config
from ..runtime import checks
from ..runtime.errors import R2RTError, TrainingInterrupted
from .common import continue_with, flags

FLAGS = {"data_path": "--data-path", "save": "--save", "overwrite": "--overwrite", "max_epochs": "--max-epochs",
         "seed": "--seed", "logdir": "--logdir", "cache_dir": "R2RT_CACHE_DIR", "resume": "--resume"}
# How to get batches small enough for a short split, by --model: a smaller model (none smaller than test).
SMALLER_MODEL = "a smaller --model (test needs the fewest words)"


def short_split_line(exc, smaller=None):
    """The line for a :class:`~r2rt_rnn.ptb.word_lm.SplitTooShort`: a longer file, or ``smaller`` (None: none)."""
    fix = f"use a longer ptb.{exc.split}.txt" + (f" or {smaller}" if smaller and exc.split != "test" else "")
    return f"{exc.problem}; {fix}"


def add_arguments(parser):
    parser.add_argument("--data-path", default=None,
                        help="directory holding ptb.train.txt, ptb.valid.txt, ptb.test.txt "
                             "(default: download simple-examples.tgz into the cache)")
    parser.add_argument("--model", default=None, choices=list(CONFIGS),
                        help="hyper-parameter set: the tutorial's small/medium/large, or a tiny test model "
                             "(default: small, or the --resume checkpoint's)")
    parser.add_argument("--save", "--save-path", dest="save", default=None,
                        help="checkpoint path, written after every epoch (a folder means FOLDER/checkpoint)")
    parser.add_argument("--overwrite", action="store_true",
                        help="let --save replace a checkpoint that is already there (default: refuse)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="stop after this many epochs, those a resumed checkpoint has included "
                             "(default: the config's max_max_epoch)")
    parser.add_argument("--resume", default=None, metavar="CHECKPOINT",
                        help="continue a checkpoint this command wrote, after its last complete epoch (its model "
                             "and record; it is updated unless --save names another path)")
    parser.add_argument("--seed", type=int, default=0, help="graph-level random seed")
    parser.add_argument("--verbose", action="store_true",
                        help="show progress within each epoch (perplexity and words per second)")
    parser.add_argument("--logdir", default=None, metavar="DIR",
                        help="write TensorBoard logs (graph, perplexities, learning rate) to a new run folder "
                             "under DIR")


def main(args):
    with flags(FLAGS):
        if args.max_epochs is not None:
            checks.integer("max_epochs", args.max_epochs)
        checks.seed(args.seed)
        if args.resume and args.model:
            raise R2RTError("--resume continues the checkpoint's own model; leave out --model")
        config = get_config(args.model or "small") if not args.resume else None
        try:
            result = word_lm.train(config, data_path=args.data_path, save_path=args.save,
                                   max_epochs=args.max_epochs, seed=args.seed, verbose=args.verbose,
                                   logdir=args.logdir, overwrite=args.overwrite, resume=args.resume)
        except word_lm.SplitTooShort as exc:
            raise R2RTError(short_split_line(exc, None if args.model == "test" else SMALLER_MODEL)) from None
        except TrainingInterrupted as exc:
            raise continue_with(exc) from None
    if result.checkpoint:
        print(f"checkpoint: {result.checkpoint}")
    return 0
