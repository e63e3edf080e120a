"""``python -m r2rt_rnn reproduce NAME``: rerun a published experiment and record what it measured.

Names: the post's three character-model experiments (``graph_styles``,
``gru_vs_custom``, ``cell_comparison``; see :mod:`r2rt_rnn.reproduction.experiments`), ``all``
of those, ours beyond the post (``beyond_the_post``), the PTB tutorial's small
model (``ptb_small``), the same with dropout (``ptb_dropout``: keep_prob 0.5;
1.0 is ``ptb_small``), an epoch of the medium model (``ptb_medium``), the speed
of its three models (``ptb_speed``) and the slides' text model at the slides'
size (``slides_text``); the runs and the records are
:mod:`r2rt_rnn.reproduction.reproduce`'s. Every option is checked, by its flag, before the first model trains.

Results go to a git-ignored run folder (``runs/reproduce``) unless ``--out`` says
otherwise; the recorded results in ``docs/results`` change only when asked for by
name (``--out docs/results``). ``--save-dir`` keeps a checkpoint per model and
refuses to replace one already there unless ``--overwrite``.
"""
import os
import shlex
import sys
from pathlib import Path

from ..ptb import word_lm
from ..reproduction import experiments, reproduce
from ..runtime import checkpoint, checks
from ..runtime.errors import R2RTError, TrainingInterrupted
from ..runtime.files import check_writable_folder
from .common import continue_with, flags, program_name
from .ptb import short_split_line

FLAGS = {"epochs": "--epochs", "max_epochs": "--epochs", "num_steps": "--num-steps", "models": "--models",
         "max_chars": "--max-chars", "save": "--save-dir", "overwrite": "--overwrite", "resume": "`train --resume`",
         "out": "--out", "batches": "--batches", "steps": "--steps", "data_path": "--data-path"}


def add_arguments(parser):
    parser.add_argument("experiment",
                        choices=reproduce.CHAR_NAMES + ("all",) + reproduce.PTB_NAMES + reproduce.SLIDES_NAMES,
                        help="which experiment; 'all' is the post's three")
    parser.add_argument("--out", default=str(reproduce.DEFAULT_OUT),
                        help="folder for NAME.json (the recorded results: --out docs/results)")
    parser.add_argument("--epochs", type=int, default=None, help="default: the published number of epochs")
    parser.add_argument("--num-steps", type=int, default=None, help="character experiments: default the post's")
    parser.add_argument("--models", nargs="+", default=None, help="character experiments: run only these models")
    parser.add_argument("--max-chars", type=int, default=None,
                        help="character experiments: train on the first N characters only")
    parser.add_argument("--save-dir", default=None, help="keep a checkpoint per model in this folder")
    parser.add_argument("--overwrite", action="store_true",
                        help="let --save-dir replace the checkpoints already there (default: refuse)")
    parser.add_argument("--data-path", default=None,
                        help="the ptb_* experiments: folder holding ptb.{train,valid,test}.txt "
                             "(default: $R2RT_PTB_DIR)")
    parser.add_argument("--verbose", action="store_true", help="show progress within each epoch")
    parser.add_argument("--steps", type=int, default=None,
                        help="slides_text, slides_rates: training steps (default 200, 300)")
    parser.add_argument("--batches", type=int, default=None, help="ptb_speed: training batches timed per model "
                                                                  "(default 200)")


def command_line():
    """The command as the user typed it (for the record), whether through python -m or the console script."""
    return " ".join([program_name(), *map(shlex.quote, sys.argv[1:])])


# Which of the options each kind of experiment takes (--out: every one): any other one given is refused by name.
TAKES = {"char": {"epochs", "num_steps", "models", "max_chars", "save_dir", "overwrite"},
         "ptb": {"epochs", "save_dir", "overwrite", "data_path", "verbose"},
         "ptb_speed": {"data_path", "batches"},
         "slides": {"steps"}}
UNSET = {"epochs": None, "num_steps": None, "models": None, "max_chars": None, "save_dir": None, "overwrite": False,
         "data_path": None, "verbose": False, "steps": None, "batches": None}


def _kind(experiment):
    if experiment == "ptb_speed":
        return "ptb_speed"
    if experiment in reproduce.PTB_NAMES:
        return "ptb"
    return "slides" if experiment in reproduce.SLIDES_NAMES else "char"


def _refuse_options_that_do_not_apply(args):
    """An option the experiment would ignore is refused, by its flag, before anything runs."""
    takes = TAKES[_kind(args.experiment)]
    given = [name for name, unset in UNSET.items() if getattr(args, name) != unset and name not in takes]
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise R2RTError(f"{flag} does not apply to {args.experiment} (it takes "
                        f"{', '.join('--' + n.replace('_', '-') for n in sorted(takes))} and --out); leave it out")


def main(args):
    _refuse_options_that_do_not_apply(args)
    with flags(FLAGS):
        if args.epochs is not None:
            checks.positive(epochs=args.epochs)
    if args.experiment in reproduce.PTB_NAMES:
        return _run_ptb(args)
    if args.experiment in reproduce.SLIDES_NAMES:
        return _run_slides(args)
    return _run_char(args)


# --- the PTB experiments ----------------------------------------------------------------------------


def _data_path(args):
    """The PTB folder and how messages name it: ``--data-path``, else ``$R2RT_PTB_DIR``."""
    data_path, name = args.data_path, "--data-path"
    if data_path is None and os.environ.get("R2RT_PTB_DIR"):
        data_path, name = os.environ["R2RT_PTB_DIR"], "$R2RT_PTB_DIR"
    if not data_path:
        raise R2RTError(f"{args.experiment} needs the PTB data: pass --data-path DIR or set R2RT_PTB_DIR")
    return data_path, name


def _run_ptb(args):
    data_path, data_flag = _data_path(args)
    with flags({**FLAGS, "data_path": data_flag}):
        check_writable_folder(args.out, "out")
    if args.experiment == "ptb_speed":
        results = ptb_speed(data_path, data_flag, batches=200 if args.batches is None else args.batches)
    elif args.experiment == "ptb_dropout":
        results = ptb_training(data_path, data_flag, run=reproduce.ptb_dropout, save_dir=args.save_dir,
                               max_epochs=args.epochs, verbose=args.verbose, overwrite=args.overwrite)
    else:
        run = {"ptb_small": reproduce.ptb_small, "ptb_dropout_decay": reproduce.ptb_dropout_decay,
               "ptb_medium": reproduce.ptb_medium}[args.experiment]
        save = str(Path(args.save_dir) / args.experiment) if args.save_dir else None
        results = ptb_training(data_path, data_flag, run=run, save=save, verbose=args.verbose,
                               overwrite=args.overwrite, **({} if args.epochs is None else {"max_epochs": args.epochs}))
    with flags(FLAGS):
        print(f"wrote {reproduce.record(args.experiment, results, args.out, command_line())}")
    return 0


def ptb_training(data_path, data_flag="--data-path", run=reproduce.ptb_small, **kwargs):
    """``run`` (:func:`r2rt_rnn.reproduction.reproduce.ptb_small`, ``ptb_dropout``, ``ptb_dropout_decay`` or
    ``ptb_medium``), its messages naming this command's flags (the data: ``data_flag``)."""
    with flags({**FLAGS, "data_path": data_flag}):
        try:
            return run(data_path, **kwargs)
        except word_lm.SplitTooShort as exc:
            raise R2RTError(short_split_line(exc)) from None  # no --model here: the fix is the data alone
        except TrainingInterrupted as exc:
            raise continue_with(exc, f"reproduce starts each run over (it has no --resume); "
                                     f"`ptb --resume {exc.checkpoint}` continues that checkpoint") from None


def ptb_speed(data_path, data_flag="--data-path", **kwargs):
    """:func:`r2rt_rnn.reproduction.reproduce.ptb_speed`, its messages naming this command's flags; prints a line per
    model."""
    with flags({**FLAGS, "data_path": data_flag}):
        try:
            return reproduce.ptb_speed(data_path, log=lambda line: print(line, flush=True), **kwargs)
        except reproduce.TooManyBatches as exc:
            raise R2RTError(f"--batches {exc.asked}: {exc.reason}") from None


# --- the slides at their own size --------------------------------------------------------------------


def _run_slides(args):
    with flags(FLAGS):
        check_writable_folder(args.out, "out")
        if args.steps is not None:
            checks.positive(steps=args.steps)
    run = reproduce.slides_text if args.experiment == "slides_text" else reproduce.slides_rates
    results = run(**({} if args.steps is None else {"steps": args.steps}), log=lambda line: print(line, flush=True))
    with flags(FLAGS):
        print(f"wrote {reproduce.record(args.experiment, results, args.out, command_line())}")
    return 0


# --- the character experiments ----------------------------------------------------------------------


def _run_char(args):
    names = list(reproduce.POST_NAMES) if args.experiment == "all" else [args.experiment]
    with flags(FLAGS):
        _plan(names, args)
        check_writable_folder(args.out, "out")
        for name in names:
            try:
                results = experiments.run(name, args.epochs, args.num_steps, args.models, max_chars=args.max_chars,
                                          save_dir=args.save_dir, overwrite=args.overwrite)
            except TrainingInterrupted as exc:
                raise interrupted(exc) from None
            print(f"wrote {reproduce.record(name, results, args.out, command_line(), merge=True)}")
    return 0


def _plan(names, args):
    """Every experiment's options checked before the first one trains; no two of them may save to one path."""
    writers = {}
    for name in names:
        _, saves = experiments.plan(name, args.epochs, args.num_steps, args.models, args.max_chars, args.save_dir,
                                    args.overwrite)
        for path in filter(None, saves.values()):
            if path in writers:
                raise R2RTError(f"--save-dir: {writers[path]} and {name} would both save {path}; run them one "
                                "at a time, or with different --save-dir folders")
            writers[path] = name


def interrupted(exc):
    """The command's words for a Ctrl-C during training: reproduce starts each model over."""
    if exc.checkpoint is None:
        return TrainingInterrupted(f"interrupted during epoch {exc.epochs}, before it was complete; nothing new was "
                                   "saved; run the same command again to start over", None, exc.epochs)
    return TrainingInterrupted(f"interrupted during epoch {exc.epochs}; the checkpoint {exc.checkpoint} holds the "
                               f"{exc.epochs} complete epoch(s); reproduce starts each model over (it has no "
                               f"--resume); {_how_to_continue(exc.checkpoint)}", exc.checkpoint, exc.epochs)


def _how_to_continue(path):
    """``train --resume`` for a model ``train`` builds, else the Python call (the train command refuses others)."""
    try:
        builder = checkpoint.load(path).config.get("builder")
    except R2RTError:
        builder = None
    if builder == "build_graph":
        return f"`train --resume {path}` continues that checkpoint"
    return f"train_network(..., resume={str(path)!r}) continues that checkpoint"
