"""``python -m r2rt_rnn train``: build the post's model (``build_graph``), train it (``train_network``), save it.

Every option is checked, by its flag, before the text is read or the graph built.
"""
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .. import pretrained
from ..data import load_corpus
from ..generate import generate_from_checkpoint
from ..model import CELL_TYPES, build_graph
from ..reproduction.presets import PRESETS, get_preset
from ..runtime import checkpoint, checks, interrupts
from ..runtime.checks import length as check_length, positive as check_positive, seed as check_seed
from ..runtime.errors import R2RTError, TrainingInterrupted
from ..runtime.parts import fresh_folder
from ..runtime.training_inputs import check_resume_vocab, check_schedule
from ..train import train_network
from .common import continue_with, flags

_POST = PRESETS["post"]
VALID_FRACTION = 0.1
# The preset's fields a checkpoint's model and training fix: a flag that disagrees with a resumed run is refused.
RECORDED = ("cell_type", "state_size", "num_layers", "num_steps", "batch_size", "learning_rate", "keep_prob",
            "max_grad_norm", "lr_decay", "lr_decay_after", "seed")
FLAGS = {"save": "--save", "overwrite": "--overwrite", "resume": "--resume", "lr_decay": "--lr-decay",
         "lr_decay_after": "--lr-decay-after", "keep_best": "--keep-best", "valid_data": "a --valid-fraction above 0",
         "learning_rate": "--learning-rate", "max_grad_norm": "--max-grad-norm", "num_epochs": "--epochs",
         "epochs": "--epochs", "num_steps": "--num-steps", "batch_size": "--batch-size", "state_size": "--state-size",
         "num_layers": "--num-layers", "seed": "--seed", "keep_prob": "--keep-prob", "text": "--text"}


def add_arguments(parser):
    cells = [c for c in CELL_TYPES if c is not None] + ["RNN"]
    parser.add_argument("--text", default=None,
                        help="UTF-8 text file or http(s) URL (default: bundled tiny-shakespeare)")
    parser.add_argument("--preset", default="post", choices=list(PRESETS),
                        help="named configuration the other options start from; 'post' is the post's model")
    parser.add_argument("--cell", default=None, choices=cells, help=f"cell type; RNN is the basic RNN cell "
                        f"(post: {_POST.cell_type})")
    for flag, kind, what in (("--epochs", int, "epochs to train"), ("--num-steps", int, "truncated backprop length"),
                             ("--batch-size", int, "sequences per batch"), ("--state-size", int, "units per layer"),
                             ("--num-layers", int, "stacked RNN layers"),
                             ("--learning-rate", float, "Adam's learning rate")):
        default = getattr(_POST, flag[2:].replace("-", "_"))
        parser.add_argument(flag, type=kind, default=None, help=f"{what} (post: {default})")
    parser.add_argument("--keep-prob", type=float, default=None, metavar="P",
                        help="dropout: the probability of KEEPING each unit, in (0, 1]; 1 = no dropout (post: 1)")
    parser.add_argument("--dropout", type=float, default=None, metavar="KEEP_PROB",
                        help="old name of --keep-prob: it also takes the probability of keeping a unit "
                             "(--dropout 0.9 drops 10%%)")
    parser.add_argument("--max-grad-norm", type=float, default=None,
                        help="clip the gradients to this global norm (post: no clipping)")
    parser.add_argument("--lr-decay", type=float, default=None,
                        help="multiply the learning rate by this when the validation loss does not improve "
                             "(post: constant rate)")
    parser.add_argument("--lr-decay-after", type=int, default=None, metavar="N",
                        help="with --lr-decay: also decay after every epoch from the N-th on (post: never)")
    parser.add_argument("--valid-fraction", type=float, default=None,
                        help=f"hold out this tail fraction of the text for a validation loss (0 = none; default "
                             f"{VALID_FRACTION}, or the --resume checkpoint's)")
    parser.add_argument("--save", default=None,
                        help="checkpoint path, written after every epoch (a folder means FOLDER/checkpoint)")
    parser.add_argument("--keep-best", action="store_true", help="also keep SAVE-best, the lowest validation loss")
    parser.add_argument("--resume", default=None,
                        help="checkpoint to continue training from, with the settings and text it records (it is "
                             "also where the run saves, unless --save), or a shipped model's name (then give --save; "
                             "Adam starts afresh: it ships weights only)")
    parser.add_argument("--overwrite", action="store_true",
                        help="let --save (and SAVE-best) replace a checkpoint that is already there (default: refuse)")
    parser.add_argument("--logdir", default=None, help="write TensorBoard summaries to a new run folder in here")
    parser.add_argument("--seed", type=int, default=None, help=f"random seed for the weights (post: {_POST.seed})")
    parser.add_argument("--sample", type=int, default=0, metavar="N",
                        help="print N characters sampled from the trained model at the end")


def _preset_from_args(args, resumed=None):
    """The preset with the command line's changes (a resumed run's: its recorded settings, which a flag may not
    contradict), every value checked and named by its flag."""
    keep_prob = _keep_prob(args)
    changes = _changes(args, keep_prob)
    base = get_preset(args.preset)
    if resumed is not None:
        recorded = _recorded(resumed)["settings"]
        _refuse_disagreeing(changes, recorded, resumed.path)
        base = base.replace(**recorded)
    preset = base.replace(**changes)
    check_positive(epochs=preset.epochs, num_steps=preset.num_steps, batch_size=preset.batch_size,
                   state_size=preset.state_size, num_layers=preset.num_layers)
    _check_ranges(preset, args)
    check_seed(preset.seed)
    check_schedule(preset.lr_decay, preset.lr_decay_after, args.keep_best, args.valid_fraction > 0)
    return preset


def _keep_prob(args):
    """``--keep-prob``, or its old name ``--dropout`` (with a note saying what it means); not both. None: neither."""
    if args.keep_prob is not None and args.dropout is not None:
        raise R2RTError("give --keep-prob or its old name --dropout, not both")
    if args.dropout is not None:
        print(f"note: --dropout {args.dropout} keeps {args.dropout:.0%} of the units (it is a keep probability); "
              "--keep-prob says so", file=sys.stderr)
    return args.keep_prob if args.keep_prob is not None else args.dropout


def _changes(args, keep_prob):
    """The preset's fields that the command line sets: each flag given (``--cell RNN`` sets cell_type to None)."""
    changes = {"cell_type": None if args.cell == "RNN" else args.cell, "epochs": args.epochs,
               "num_steps": args.num_steps, "batch_size": args.batch_size, "state_size": args.state_size,
               "num_layers": args.num_layers, "learning_rate": args.learning_rate, "keep_prob": keep_prob,
               "max_grad_norm": args.max_grad_norm, "lr_decay": args.lr_decay,
               "lr_decay_after": args.lr_decay_after, "seed": args.seed}
    return {k: v for k, v in changes.items() if v is not None or (k == "cell_type" and args.cell == "RNN")}


def _check_ranges(preset, args):
    """The numbers that must lie in a range (the preset's, as changed, and two of the run's), named by flag."""
    checks.rate("--learning-rate", preset.learning_rate)
    checks.real("--keep-prob", preset.keep_prob, 0.0, 1.0, what="in (0, 1]: the probability of keeping a unit")
    checks.optional(checks.real, "--max-grad-norm", preset.max_grad_norm)
    checks.real("--valid-fraction", args.valid_fraction, 0.0, 1.0, low_open=False, high_open=True, what="in [0, 1)")
    checks.integer("--sample", args.sample, 0, what="a number of characters, 0 or more")


def _recorded(resumed):
    """What a checkpoint of this command records of its run (``settings``, ``text``, ``valid_fraction``); for one
    from before that record (or a shipped model), the settings its model's config holds."""
    about = dict(resumed.progress.get("about") or {})
    if "settings" not in about:
        about["settings"] = {k: resumed.config[k] for k in RECORDED if k in resumed.config}
    return about


def _refuse_disagreeing(changes, recorded, path):
    """A flag that contradicts a resumed run's recorded setting is refused by name (the run could not continue
    as it was; a new run is a new --save)."""
    for name, value in changes.items():
        if name in recorded and value != recorded[name]:
            flag = "--cell" if name == "cell_type" else "--" + name.replace("_", "-")
            raise R2RTError(f"{flag} {'RNN' if value is None else value} differs from the "
                            f"{'RNN' if recorded[name] is None else recorded[name]} that {path} was trained with; "
                            "leave it out to continue that run, or train a new model with --save")


def _about(args, preset):
    """What each checkpoint of this run records of it, so that ``--resume PATH`` alone continues it."""
    text = args.text
    if text is not None and Path(text).expanduser().is_file():
        text = str(Path(text).expanduser().resolve())  # found again from another folder
    settings = {k: getattr(preset, k) for k in RECORDED}
    return {"preset": args.preset, "settings": settings, "text": text, "valid_fraction": args.valid_fraction}


def _text_of(args, resumed):
    """``--text`` and ``--valid-fraction``: as given, else the resumed run's, else the defaults."""
    about = _recorded(resumed) if resumed is not None else {}
    if args.text is None and about.get("text"):
        args.text = about["text"]
        print(f"Continuing on the text {args.text} (recorded in {resumed.path}).")
    if args.valid_fraction is None:
        args.valid_fraction = about.get("valid_fraction", VALID_FRACTION)


def _resumed(args):
    """The checkpoint ``--resume`` names, read and checked to be a character model of ``train``'s (or None)."""
    if not args.resume:
        return None
    resumed = checkpoint.load(args.resume)
    builder = resumed.config.get("builder")
    if builder != "build_graph":
        kind = "a PTB word model (continue it with the ptb command)" if builder == "ptb_word_lm" else \
            f"a {builder} graph"
        raise R2RTError(f"--resume {resumed.path} is {kind}; the train command continues only character models "
                        "written by train")
    return resumed


def _save_path(args, resumed):
    """Where the run saves (checked now): ``--save``, else the checkpoint it resumes."""
    if args.save is None and resumed is not None:
        pretrained.check_not_shipped(resumed.path)  # a shipped model is continued in a checkpoint of the user's
        args.save = resumed.path
        print(f"Continuing {resumed.path}: it is updated after every epoch (--save PATH writes elsewhere).")
    if args.save is None:
        return None
    save = checkpoint.prepare_save_path(args.save, args.overwrite, resumed.path if resumed is not None else None)
    if args.keep_best:
        best_of = resumed.path + "-best" if resumed is not None else None
        checkpoint.prepare_save_path(f"{save}-best", args.overwrite, best_of)
    if save != str(Path(args.save).expanduser()):
        print(f"--save {args.save} is a folder: the checkpoint will be {save}")
    return save


def _read_text(args, preset, resumed):
    corpus = load_corpus(args.text, valid_fraction=args.valid_fraction)
    interrupts.check()
    print(f"Data: {len(corpus.text):,} characters, {corpus.vocab_size} distinct; "
          f"training on {len(corpus.train):,}, validating on {0 if corpus.valid is None else len(corpus.valid):,}.")
    if resumed is not None:  # before the graph is built; train_network checks again for Python callers
        check_resume_vocab(resumed, corpus.vocab)
    held_out = f", a smaller --valid-fraction (it holds out {args.valid_fraction:.2%})" if args.valid_fraction else ""
    with flags({"more text": f"a longer --text{held_out}", **FLAGS}):
        check_length(corpus.train, preset.batch_size, preset.num_steps, "the training text")
    if corpus.valid is not None:
        with flags({"more text": "a larger --valid-fraction (or --valid-fraction 0)", **FLAGS}):
            check_length(corpus.valid, preset.batch_size, preset.num_steps, "the validation text")
    return corpus


def main(args):
    with flags(FLAGS):
        resumed = _resumed(args)
        _text_of(args, resumed)
        preset = _preset_from_args(args, resumed)
        save = _save_path(args, resumed)
        corpus = _read_text(args, preset, resumed)
        t = time.perf_counter()
        g = build_graph(**preset.graph_kwargs(corpus.vocab_size))
        print(f"Built the {preset.cell_type or 'RNN'} graph in {time.perf_counter() - t:.2f} s.")
        interrupts.check()
        with tempfile.TemporaryDirectory(prefix="r2rt-sample-") as tmp:
            target = save or (str(Path(tmp) / "checkpoint") if args.sample else None)  # --sample needs a checkpoint
            t = time.perf_counter()
            try:
                losses = train_network(g, preset.epochs, save=target or False, data=corpus.train,
                                       valid_data=corpus.valid, vocab=corpus.vocab, resume=resumed,
                                       overwrite=args.overwrite, keep_best=args.keep_best, logdir=args.logdir,
                                       about=_about(args, preset), **preset.schedule_kwargs())
            except TrainingInterrupted as exc:
                raise interrupted(_kept(exc, tmp)) from None
            _report(args, preset, corpus, resumed, losses, time.perf_counter() - t)
    return 0


def _kept(exc, tmp):
    """A Ctrl-C'd run whose epochs went to --sample's temporary checkpoint: they move to a folder of their own
    under saves/interrupted (the temporary one goes with the command)."""
    if exc.checkpoint is None or not str(exc.checkpoint).startswith(tmp):
        return exc
    head = str(exc).split(";")[0]
    try:
        where = Path(checkpoint.prepare_save_path(fresh_folder()))
        for part in checkpoint.files(exc.checkpoint):
            shutil.copy2(part, where.parent / part.name)
    except (OSError, R2RTError) as e:
        return TrainingInterrupted(f"{head}; no --save was given and the {exc.epochs} complete epoch(s) could not "
                                   f"be kept ({e}); pass --save", None, exc.epochs)
    return TrainingInterrupted(f"{head}; no --save was given, so the {exc.epochs} complete epoch(s) are kept in "
                               f"{where}", str(where), exc.epochs)


def interrupted(exc):
    """The command's words for a training Ctrl-C: where the complete epochs are and how to continue (``--resume``
    with that path alone takes the run's settings and text from it), or why they were lost."""
    if exc.checkpoint is None:
        if "could not be kept" in str(exc):
            return TrainingInterrupted(str(exc).replace("pass a writable save path", "pass --save to a writable "
                                                        "folder"), None, exc.epochs)
        return TrainingInterrupted(f"interrupted during epoch {exc.epochs}, before it was complete; nothing new was "
                                   "saved; run the same command again to start that epoch over", None, exc.epochs)
    return continue_with(exc)


def _report(args, preset, corpus, resumed, losses, seconds):
    trained = len(losses) - (resumed.progress.get("epochs_done", 0) if resumed is not None else 0)
    if trained > 0:
        print(f"It took {seconds:.1f} seconds to train for {trained} epochs.")
    print(f"The average loss on the final epoch was: {losses[-1]:.4f}")
    if losses.valid_losses:
        print(f"The validation loss after the final epoch was: {losses.valid_losses[-1]:.4f}")
    if args.sample and losses.checkpoint:
        prompt, top = corpus.text[0], min(5, corpus.vocab_size)
        print(f"--- {args.sample} characters sampled (prompt {prompt!r}, top {top}, seed {preset.seed}):")
        generate_from_checkpoint(losses.checkpoint, args.sample, prompt, top, seed=preset.seed)
