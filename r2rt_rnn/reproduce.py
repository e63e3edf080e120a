"""``python -m r2rt_rnn reproduce NAME``: rerun a published experiment and record what it measured.

Names: the post's three character-model experiments (``graph_styles``,
``gru_vs_custom``, ``cell_comparison``; see :mod:`r2rt_rnn.experiments`), ``all``
of those, ours beyond the post (``beyond_the_post``: the tuned character model of
the ``beyond_the_post`` preset), the PTB tutorial's small model (``ptb_small``,
13 epochs on the real data) and the speed of its three models (``ptb_speed``: a few
hundred timed batches each, projected to a full run). Each writes ``NAME.json`` holding the command, the
machine and every per-epoch figure beside the published ones; a character
experiment's file has one record per model (``losses``, ``valid_losses``,
``train_seconds``, ...), merged with the models already in the file.

Results go to a git-ignored run folder (``runs/reproduce``) unless ``--out`` says
otherwise; the recorded results in ``docs/results`` change only when asked for by
name (``--out docs/results``).
"""
import dataclasses
import datetime
import json
import os
import shlex
import sys
import time
from pathlib import Path

from . import experiments
from .checkpoint import check_writable_folder, prepare_save_path
from .cli import program_name
from .data import check_positive, epoch_size
from .errors import R2RTError
from .machine import describe
from .ptb import word_lm
from .ptb.configs import PUBLISHED as PTB_PUBLISHED, SmallConfig, get_config
from .ptb.model import build_models
from .ptb.reader import ptb_raw_data, split_path
from .tf1 import tf

DEFAULT_OUT = Path("runs") / "reproduce"
PTB_NAMES = ("ptb_small", "ptb_speed")
CHAR_NAMES = tuple(experiments.EXPERIMENTS)
POST_NAMES = ("graph_styles", "gru_vs_custom", "cell_comparison")  # what 'all' runs
# How messages name the options: this command's flags (experiments.run's own names are the Python API's).
FLAGS = {"epochs": "--epochs", "num_steps": "--num-steps", "models": "--models", "max_chars": "--max-chars",
         "save_dir": "--save-dir",
         "resume": "reproduce starts each model over (it has no --resume); `train --resume` continues that checkpoint"}


def command_line():
    """The command as the user typed it (for the record), whether through python -m or the console script."""
    return " ".join([program_name(), *map(shlex.quote, sys.argv[1:])])


def record(name, results, out, merge=False, command=None):
    """Write ``out/NAME.json``: the command that made it, the machine, the results; returns the path.

    With ``merge``, results already in the file under other keys are kept (a character
    experiment run for some of its models updates just those).
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.json"
        previous = {}
        if merge and path.exists():
            try:
                previous = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                raise R2RTError(f"{path} is not valid JSON; move it away or choose another --out folder") from None
        payload = {**previous, "command": command or command_line(),
                   "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                   "machine": describe(), **results}
        partial = path.with_suffix(".json.part")
        partial.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise R2RTError(f"cannot write results to {out} ({exc.strerror or exc}); choose another --out folder") from None
    return path


def ptb_small(data_path, save=None, max_epochs=None, seed=0, verbose=False, data_flag="--data-path"):
    """Train the tutorial's small model on real PTB; returns the results dict (per epoch and test).

    Messages name this command's options: ``data_flag`` for the data folder, ``--save-dir`` for ``save``.
    """
    if save is not None:
        save = prepare_save_path(save, flag="--save-dir")  # before the data is read, so a refusal comes at once
    data = ptb_raw_data(data_path, flag=data_flag, offer_download=False)
    result = word_lm.train(SmallConfig(), raw_data=data, save_path=save, max_epochs=max_epochs, seed=seed,
                           verbose=verbose, names={"data_path": data_flag, "save_path": "--save-dir", "smaller": None})
    epochs = [{"epoch": i + 1, "learning_rate": lr, "train_perplexity": tr, "valid_perplexity": va,
               "train_seconds": s}
              for i, (lr, tr, va, s) in enumerate(zip(result.learning_rates, result.train_perplexity,
                                                      result.valid_perplexity, result.epoch_seconds))]
    return {"config": dataclasses.asdict(result.config), "seed": seed, "epochs": epochs,
            "test_perplexity": result.test_perplexity, "test_eval": "batch 1, 1 step, as in the tutorial",
            "train_seconds": sum(result.epoch_seconds), "checkpoint": result.checkpoint,
            "published": PTB_PUBLISHED}


def ptb_speed(data_path, models=("small", "medium", "large"), batches=200, warmup=10, seed=0,
              data_flag="--data-path"):
    """Time ``batches`` training batches of each PTB config on the real data; project each full run.

    Returns ``{model: {words_per_second, seconds_per_epoch, projected_hours, ...}}``; the
    projection is training only (validation adds a few percent) at the measured rate.
    Every model's batch count is checked before the first is timed.
    """
    check_positive(**{"--batches": batches})
    data = ptb_raw_data(data_path, flag=data_flag, offer_download=False)
    configs = {name: dataclasses.replace(get_config(name), vocab_size=data.vocab_size) for name in models}
    for name, config in configs.items():
        available = epoch_size(len(data.train), config.batch_size, config.num_steps)
        if available <= warmup:
            raise R2RTError(f"the {name} model gets only {available} training batches per epoch from "
                            f"{split_path(data_path, 'train')}, and warming up takes {warmup} before any is timed; "
                            f"give {data_flag} the real PTB files")
        if warmup + batches > available:
            raise R2RTError(f"--batches {batches}: the {name} model has {available} training batches per epoch, "
                            f"{warmup} of them for warming up; ask for at most {available - warmup}")
    results = {}
    for name, config in configs.items():
        m = build_models(config, seed=seed)
        train_model, words = m["train"], config.batch_size * config.num_steps
        with tf.Session(graph=m["graph"]) as session:
            session.run(m["init"])
            train_model.assign_lr(session, config.learning_rate)
            if warmup:
                word_lm.run_epoch(session, train_model, data.train, eval_op=train_model.train_op, max_batches=warmup)
            start = time.perf_counter()
            word_lm.run_epoch(session, train_model, data.train, eval_op=train_model.train_op, max_batches=batches)
            seconds = time.perf_counter() - start
        wps = batches * words / seconds
        epoch_s = len(data.train) / wps
        results[name] = {"batches_timed": batches, "words_per_second": wps, "seconds_per_epoch": epoch_s,
                         "epochs": config.max_max_epoch, "projected_hours": config.max_max_epoch * epoch_s / 3600,
                         "config": dataclasses.asdict(config)}
        print(f"{name}: {wps:,.0f} words/s over {batches} batches; an epoch {epoch_s / 60:.1f} min; "
              f"{config.max_max_epoch} epochs {results[name]['projected_hours']:.1f} h", flush=True)
    return results


def add_arguments(parser):
    parser.add_argument("experiment", choices=CHAR_NAMES + ("all",) + PTB_NAMES,
                        help="which experiment; 'all' is the post's three")
    parser.add_argument("--out", default=str(DEFAULT_OUT),
                        help="folder for NAME.json (the recorded results: --out docs/results)")
    parser.add_argument("--epochs", type=int, default=None, help="default: the published number of epochs")
    parser.add_argument("--num-steps", type=int, default=None, help="character experiments: default the post's")
    parser.add_argument("--models", nargs="+", default=None, help="character experiments: run only these models")
    parser.add_argument("--max-chars", type=int, default=None,
                        help="character experiments: train on the first N characters only")
    parser.add_argument("--save-dir", default=None, help="keep a checkpoint per model in this folder")
    parser.add_argument("--data-path", default=None,
                        help="ptb_small, ptb_speed: folder holding ptb.{train,valid,test}.txt "
                             "(default: $R2RT_PTB_DIR)")
    parser.add_argument("--verbose", action="store_true", help="show progress within each epoch")
    parser.add_argument("--batches", type=int, default=200, help="ptb_speed: training batches timed per model")


def main(args):
    if args.epochs is not None:
        check_positive(**{"--epochs": args.epochs})
    if args.experiment in PTB_NAMES:
        data_path, data_flag = args.data_path, "--data-path"
        if data_path is None and os.environ.get("R2RT_PTB_DIR"):
            data_path, data_flag = os.environ["R2RT_PTB_DIR"], "$R2RT_PTB_DIR"
        if not data_path:
            raise R2RTError(f"{args.experiment} needs the PTB data: pass --data-path DIR or set R2RT_PTB_DIR")
        check_writable_folder(args.out, "choose another --out folder")
        if args.experiment == "ptb_speed":
            results = {"models": ptb_speed(data_path, batches=args.batches, data_flag=data_flag)}
        else:
            save = str(Path(args.save_dir) / "ptb_small") if args.save_dir else None
            results = ptb_small(data_path, save=save, max_epochs=args.epochs, verbose=args.verbose,
                                data_flag=data_flag)
        print(f"wrote {record(args.experiment, results, args.out)}")
        return 0
    names = list(POST_NAMES) if args.experiment == "all" else [args.experiment]
    for name in names:  # every experiment's options, before the first one trains
        experiments.plan(name, args.epochs, args.num_steps, args.models, args.max_chars, args.save_dir, FLAGS)
    check_writable_folder(args.out, "choose another --out folder")
    for name in names:
        results = experiments.run(name, args.epochs, args.num_steps, args.models, max_chars=args.max_chars,
                                  save_dir=args.save_dir, names=FLAGS)
        print(f"wrote {record(name, results, args.out, merge=True)}")
    return 0
