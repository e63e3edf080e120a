"""``train_network``: the post's training loop, with validation, checkpoints, and nothing lost on the way.

Beyond the post it checks every input before the first step, keeps a checkpoint
after each complete epoch (and optionally the best one by validation loss),
stops at the first non-finite loss, and on Ctrl-C keeps the last complete epoch.

Also the ``train`` command: ``python -m r2rt_rnn train --cell GRU --epochs 20 --save saves/GRU``.
"""
import contextlib
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import checkpoint, interrupts, summaries
from .data import (
    Vocabulary,
    bundled_corpus,
    check_length,
    check_positive,
    epoch_size,
    gen_epochs,
    load_corpus,
    ptb_iterator,
)
from .errors import R2RTError, TrainingInterrupted
from .generate import generate_from_checkpoint
from .graphs.common import FLOAT32_MAX, check_seed, reset_graph  # noqa: F401 - reset_graph: the post's public name lives here too
from .history import TrainingHistory
from .model import CELL_TYPES, build_graph
from .presets import PRESETS, get_preset
from .progress import Progress
from .summaries import SummaryLog
from .tf1 import tf

INTERRUPTED_PATH = Path("saves") / "interrupted"  # where Ctrl-C keeps the last epoch when no save path was given


def check_ids(data, num_classes, what="data"):
    """``data`` as an int32 array of ids in ``[0, num_classes)``, or an R2RTError naming ``what``."""
    if isinstance(data, (str, bytes)):
        raise R2RTError(f"{what} must be an array of character ids, not text; encode it with "
                        "load_corpus(path).train or Vocabulary.from_text(text).encode(text)")
    try:
        ids = np.asarray(data)
    except (TypeError, ValueError):
        ids = np.asarray([], dtype=object)
    if ids.ndim != 1 or ids.size == 0 or not np.issubdtype(ids.dtype, np.integer):
        raise R2RTError(f"{what} must be a non-empty 1-D array of integer ids, got {type(data).__name__} "
                        f"of dtype {ids.dtype} and shape {ids.shape}")
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= num_classes:
        raise R2RTError(f"{what} holds ids from {low} to {high}, but the graph has num_classes={num_classes} "
                        f"(ids 0..{num_classes - 1}); build it with num_classes > {high}")
    return ids.astype(np.int32, copy=False)


def _check_size(g, name, value):
    if value is None:
        return g["config"][name]
    check_positive(**{name: value})
    if g["config"][name] != value:
        raise R2RTError(f"the graph was built with {name}={g['config'][name]} but train_network got "
                        f"{name}={value}; leave it out (it defaults to the graph's) or pass the same value")
    return value


def run_batches(sess, g, batches, fetch_train_step, feed=None, progress=None, on_loss=None):
    """Run ``g`` over ``(x, y)`` batches, carrying each batch's final state into the next.

    Returns the mean ``total_loss``; a non-finite loss is an R2RTError (training
    diverged). With ``fetch_train_step`` the weights are updated; ``on_loss(loss)``
    is called after every batch.
    """
    fetches = [g["total_loss"], g["final_state"]] + ([g["train_step"]] if fetch_train_step else [])
    state, total, steps = None, 0.0, 0
    for X, Y in batches:
        feed_dict = {g["x"]: X, g["y"]: Y, **(feed or {})}
        if state is not None:
            feed_dict[g["init_state"]] = state  # the previous batch's final state: rows are contiguous text
        loss, state = sess.run(fetches, feed_dict)[:2]
        if not math.isfinite(loss):
            raise R2RTError(f"training diverged: the loss became {loss} at batch {steps + 1}; lower the learning "
                            "rate or clip the gradients (max_grad_norm / --max-grad-norm)")
        total += loss
        steps += 1
        if on_loss is not None:
            on_loss(loss)
        if progress is not None:
            progress.update(1, loss=f"{total / steps:.3f}")
        interrupts.check()  # a Ctrl-C takes effect here, between two batches
    return total / max(steps, 1)


def evaluate(sess, g, data, batch_size=None, num_steps=None):
    """Mean loss of ``g`` on ``data`` (ids), state carried across batches, dropout off, no training."""
    batch_size = batch_size or g["config"]["batch_size"]
    num_steps = num_steps or g["config"]["num_steps"]
    return run_batches(sess, g, ptb_iterator(data, batch_size, num_steps), fetch_train_step=False)


def check_schedule(lr_decay, lr_decay_after, keep_best, has_validation, names=None):
    """R2RTError naming the first bad learning-rate schedule option; ``names`` maps each to its flag.

    ``names["validation"]`` says how to get a validation text (the command line's is a flag).
    """
    n = {"lr_decay": "lr_decay", "lr_decay_after": "lr_decay_after", "keep_best": "keep_best",
         "validation": "pass valid_data too", **(names or {})}
    if lr_decay is not None and not (isinstance(lr_decay, float) and 0 < lr_decay < 1):
        raise R2RTError(f"{n['lr_decay']} must be between 0 and 1 (exclusive), got {lr_decay!r}")
    if lr_decay_after is not None and (lr_decay is None or isinstance(lr_decay_after, bool)
                                       or not isinstance(lr_decay_after, int) or lr_decay_after < 1):
        raise R2RTError(f"{n['lr_decay_after']} must be 1 or more, with {n['lr_decay']} set (it counts epochs), "
                        f"got {lr_decay_after!r} with {n['lr_decay']} {lr_decay!r}")
    if (keep_best or (lr_decay is not None and lr_decay_after is None)) and not has_validation:
        raise R2RTError(f"{n['lr_decay']} and {n['keep_best']} follow the validation loss: {n['validation']} "
                        f"(or {n['lr_decay_after']} N for a fixed schedule)")


def check_resume_vocab(saved, vocab, name):
    """R2RTError unless checkpoint ``saved`` was trained with ``vocab`` (either unknown passes)."""
    if vocab is not None and saved.vocab is not None and saved.vocab != vocab:
        raise R2RTError(f"{name} was trained on a text with another vocabulary ({len(saved.vocab)} characters: "
                        f"ids would mean other characters); resume only on the text it was trained on")


def _snapshot(sess):
    """Every variable's value (weights and optimiser slots), to go back to on Ctrl-C."""
    variables = tf.global_variables()
    return list(zip(variables, sess.run(variables)))


def train_network(g, num_epochs, num_steps=None, batch_size=None, verbose=True, save=False, *,
                  data=None, valid_data=None, vocab=None, resume=None, session_config=None,
                  lr_decay=None, lr_decay_after=None, keep_best=False, logdir=None, save_flag="--save",
                  resume_hint=None):
    """Train graph ``g`` for ``num_epochs`` epochs and return the per-epoch average training losses.

    As in the post, each batch's final state is fed in as the next batch's initial
    state; ``num_steps`` and ``batch_size`` default to the graph's own (the post's
    calls, which repeat them, still work). Beyond the post:

    * ``data`` / ``valid_data``: int id arrays (default: the bundled
      tiny-shakespeare, no validation); ``vocab``: their :class:`Vocabulary`,
      saved beside checkpoints (default with ``data=None``: the bundled corpus's);
    * ``save``: a checkpoint path (a folder means ``FOLDER/checkpoint``), written
      after every epoch, all or nothing, and locked against a second writer;
      ``keep_best``: also keep ``SAVE-best``, the epoch with the lowest validation loss;
    * ``resume``: a checkpoint to continue from (weights, optimiser state, epochs
      done, learning rate); its vocabulary must be ``vocab``;
    * ``lr_decay``: multiply the learning rate by this whenever the validation
      loss fails to improve (default: the post's constant rate);
      ``lr_decay_after=N``: also after every epoch from the N-th on, whatever the
      validation loss does (the PTB tutorial's ``max_epoch`` schedule);
    * ``logdir``: TensorBoard scalars and the graph, in a new run folder under it;
    * the first non-finite loss stops training (R2RTError); the last checkpoint stays;
    * Ctrl-C raises :class:`~r2rt_rnn.errors.TrainingInterrupted` after keeping the
      last *complete* epoch (in ``save``, else in ``saves/interrupted``), so a
      resumed run continues exactly as an uninterrupted one;
    * ``save_flag`` and ``resume_hint``: how messages name the save path's option and
      say how to continue (a command without ``--resume`` says what it can do instead).

    The result is a :class:`TrainingHistory` (a list) with ``valid_losses`` too.
    """
    config = g["config"]
    num_steps, batch_size = _check_size(g, "num_steps", num_steps), _check_size(g, "batch_size", batch_size)
    check_positive(num_epochs=num_epochs)
    if data is None:
        corpus = bundled_corpus()
        data, vocab = corpus.train, vocab or corpus.vocab
    if vocab is not None and not isinstance(vocab, Vocabulary):
        raise R2RTError(f"vocab must be an r2rt_rnn.data.Vocabulary, got {type(vocab).__name__}")
    data = check_ids(data, config["num_classes"], "data")
    check_length(data, batch_size, num_steps)
    if valid_data is not None:
        valid_data = check_ids(valid_data, config["num_classes"], "valid_data")
        check_length(valid_data, batch_size, num_steps, what="validation text")
    if save is True or not isinstance(save, (str, Path, type(None), bool)):
        raise R2RTError(f"save must be a checkpoint path (e.g. save='saves/GRU') or False, got {save!r}")
    check_schedule(lr_decay, lr_decay_after, keep_best, valid_data is not None)
    save_path = checkpoint.prepare_save_path(save, flag=save_flag) if save else None
    saved = checkpoint.as_checkpoint(resume) if resume else None
    if saved is not None:
        resume = saved.path
        checkpoint.check_compatible(config, saved.config, resume)
        check_resume_vocab(saved, vocab, resume)
        vocab = vocab or saved.vocab
    history = TrainingHistory.from_progress(saved.progress) if saved else TrainingHistory()
    n_batches = epoch_size(len(data), batch_size, num_steps)
    log = (lambda *a: print(*a, flush=True)) if verbose else (lambda *a: None)
    if "saver" not in g:
        g["saver"] = tf.train.Saver()
    lr = config["learning_rate"]
    if saved is not None and saved.config.get("learning_rate") == lr and history.next_learning_rate:
        lr = history.next_learning_rate  # continue the saved schedule, unless the graph asks for another rate
    start_epochs = len(history)
    best = min(history.valid_losses) if history.valid_losses else math.inf

    lock = checkpoint.hold_lock(save_path, flag=save_flag) if save_path else contextlib.nullcontext()
    with lock, tf.Session(config=session_config) as sess, \
            SummaryLog.maybe(logdir, graph=sess.graph, first_step=len(history) * n_batches) as summary:
        sess.run(tf.global_variables_initializer())
        if saved is not None:
            checkpoint.restore(sess, g, saved)
            log(f"Resumed from {resume} after {len(history)} epoch(s).")
        if len(history) >= num_epochs:
            log(f"Nothing left to train: {resume} already has {len(history)} epoch(s) and {num_epochs} were asked for; "
                "ask for more epochs to continue.")
            history.checkpoint = resume
            if save_path and Path(save_path).resolve() != Path(resume).resolve():
                history.checkpoint = checkpoint.save(sess, g, save_path, vocab, history.progress())
            return history
        last_complete = _snapshot(sess)
        step = len(history) * n_batches
        try:
            for idx, epoch in enumerate(gen_epochs(num_epochs, num_steps, batch_size, data)):
                if idx < len(history):
                    continue  # finished before the checkpoint we resumed from
                t0 = time.perf_counter()
                feed = dict(g.get("train_feed") or {})
                if "learning_rate" in g:
                    feed[g["learning_rate"]] = lr

                def on_loss(loss):
                    nonlocal step
                    step += 1
                    if step % summaries.TRAIN_LOSS_EVERY == 0:
                        summary.scalar(summaries.TRAIN_LOSS, loss, step)

                with Progress(n_batches, f"epoch {idx}", enabled=verbose) as bar:
                    loss = float(run_batches(sess, g, epoch, True, feed, bar, on_loss))
                seconds = time.perf_counter() - t0
                line = f"Average training loss for Epoch {idx} : {loss:.4f}"
                if valid_data is not None:
                    valid_loss = float(evaluate(sess, g, valid_data, batch_size, num_steps))
                    line += f"   validation loss: {valid_loss:.4f}"
                # The epoch is complete: record and save it whole; a Ctrl-C here waits until that is done.
                with interrupts.deferred():
                    history.append(loss)
                    history.learning_rates.append(float(lr))
                    history.epoch_seconds.append(seconds)
                    log(line + f"   ({seconds:.1f} s)")
                    summary.scalar(summaries.EPOCH_SECONDS, seconds, step)
                    summary.scalar_on_change(summaries.TRAIN_LEARNING_RATE, lr, step)
                    stalled = False
                    if valid_data is not None:
                        history.valid_losses.append(valid_loss)
                        summary.scalar(summaries.VALID_LOSS, valid_loss, step)
                        stalled = valid_loss >= best
                        if not stalled:
                            best = valid_loss
                            if keep_best and save_path:
                                history.best_checkpoint = checkpoint.save(sess, g, f"{save_path}-best", vocab,
                                                                          history.progress())
                    scheduled = lr_decay_after is not None and len(history) >= lr_decay_after
                    if lr_decay is not None and (stalled or scheduled):
                        lr *= lr_decay
                        why = f"decayed after every epoch from epoch {lr_decay_after} on" if scheduled else \
                            "validation loss did not improve"
                        log(f"Learning rate now {lr:.3g} ({why}).")
                    history.next_learning_rate = float(lr)
                    if save_path:
                        history.checkpoint = checkpoint.save(sess, g, save_path, vocab, history.progress())
                    last_complete = _snapshot(sess)
                    summary.flush()
        except KeyboardInterrupt:
            raise _keep_last_epoch(sess, g, save_path, vocab, history, last_complete, start_epochs,
                                   resume_hint) from None
    return history


def _keep_last_epoch(sess, g, save_path, vocab, history, last_complete, start_epochs, resume_hint=None):
    """On Ctrl-C: make sure the last complete epoch is on disk; returns the TrainingInterrupted to raise."""
    done = len(history)
    if done == start_epochs:
        return TrainingInterrupted(
            f"interrupted during epoch {done}, before it was complete; nothing new was saved; "
            "run the same command again to start that epoch over")
    if save_path:
        where = save_path  # written at the end of the last complete epoch: nothing to add
    else:
        for variable, value in last_complete:  # back to the end of the last complete epoch
            variable.load(value, sess)
        where = checkpoint.prepare_save_path(INTERRUPTED_PATH)
        checkpoint.save(sess, g, where, vocab, history.progress())
    hint = resume_hint or f"continue with --resume {where} (train_network(..., resume={str(where)!r}))"
    return TrainingInterrupted(
        f"interrupted during epoch {done}; the checkpoint {where} holds the {done} complete epoch(s); {hint}")


# --- command line -------------------------------------------------------------------------------

_POST = PRESETS["post"]


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
    parser.add_argument("--valid-fraction", type=float, default=0.1,
                        help="hold out this tail fraction of the text for a validation loss (0 = none)")
    parser.add_argument("--save", default=None,
                        help="checkpoint path, written after every epoch (a folder means FOLDER/checkpoint)")
    parser.add_argument("--keep-best", action="store_true", help="also keep SAVE-best, the lowest validation loss")
    parser.add_argument("--resume", default=None,
                        help="checkpoint to continue training from (it is also where the run saves, unless --save)")
    parser.add_argument("--overwrite", action="store_true",
                        help="let --save replace a checkpoint that is already there (default: refuse)")
    parser.add_argument("--logdir", default=None, help="write TensorBoard summaries to a new run folder in here")
    parser.add_argument("--seed", type=int, default=None, help=f"random seed for the weights (post: {_POST.seed})")
    parser.add_argument("--sample", type=int, default=0, metavar="N",
                        help="print N characters sampled from the trained model at the end")


def _preset_from_args(args):
    """The preset with the command line's changes, every value checked and named by its flag."""
    if args.keep_prob is not None and args.dropout is not None:
        raise R2RTError("give --keep-prob or its old name --dropout, not both")
    keep_prob = args.keep_prob if args.keep_prob is not None else args.dropout
    if args.dropout is not None:
        print(f"note: --dropout {args.dropout} keeps {args.dropout:.0%} of the units (it is a keep probability); "
              "--keep-prob says so", file=sys.stderr)
    changes = {"cell_type": None if args.cell == "RNN" else args.cell, "epochs": args.epochs,
               "num_steps": args.num_steps, "batch_size": args.batch_size, "state_size": args.state_size,
               "num_layers": args.num_layers, "learning_rate": args.learning_rate, "keep_prob": keep_prob,
               "max_grad_norm": args.max_grad_norm, "lr_decay": args.lr_decay,
               "lr_decay_after": args.lr_decay_after, "seed": args.seed}
    preset = get_preset(args.preset).replace(**{k: v for k, v in changes.items()
                                               if v is not None or (k == "cell_type" and args.cell == "RNN")})
    check_positive(**{"--epochs": preset.epochs, "--num-steps": preset.num_steps, "--batch-size": preset.batch_size,
                      "--state-size": preset.state_size, "--num-layers": preset.num_layers})
    for flag, value, ok, rule in (
        ("--learning-rate", preset.learning_rate, 0 < preset.learning_rate <= FLOAT32_MAX,
         "a positive finite number (at most float32's 3.4e38)"),
        ("--keep-prob", preset.keep_prob, 0 < preset.keep_prob <= 1, "in (0, 1]: the probability of keeping a unit"),
        ("--max-grad-norm", preset.max_grad_norm, preset.max_grad_norm is None or 0 < preset.max_grad_norm < math.inf,
         "a positive finite number"),
        ("--valid-fraction", args.valid_fraction, 0 <= args.valid_fraction < 1, "in [0, 1)"),
        ("--sample", args.sample, args.sample >= 0, "a number of characters, 0 or more"),
    ):
        if not ok:
            raise R2RTError(f"{flag} must be {rule}, got {value}")
    check_seed(preset.seed, "--seed")
    check_schedule(preset.lr_decay, preset.lr_decay_after, args.keep_best, args.valid_fraction > 0,
                   names={"lr_decay": "--lr-decay", "lr_decay_after": "--lr-decay-after", "keep_best": "--keep-best",
                          "validation": "use a --valid-fraction above 0"})
    return preset


def _check_resumable(resumed, flag):
    if resumed.config.get("builder") != "build_graph":
        kind = "a PTB word model (continue it with the ptb command)" if resumed.config.get("builder") == \
            "ptb_word_lm" else f"a {resumed.config.get('builder')} graph"
        raise R2RTError(f"{flag} {resumed.path} is {kind}; the train command continues only character models "
                        "written by train")


def main(args):
    preset = _preset_from_args(args)
    resumed = checkpoint.load(args.resume) if args.resume else None
    if resumed is not None:
        _check_resumable(resumed, "--resume")
    if args.save is None and resumed is not None:
        args.save = resumed.path
        print(f"Continuing {resumed.path}: it is updated after every epoch (--save PATH writes elsewhere).")
    save = None
    if args.save is not None:
        save = checkpoint.prepare_save_path(
            args.save, resuming=resumed.path if resumed is not None else None,
            if_taken=None if args.overwrite else f"continue it with --resume {args.save}, pass --overwrite to "
                                                 "replace it, or choose another --save path")
        if save != str(Path(args.save).expanduser()):
            print(f"--save {args.save} is a folder: the checkpoint will be {save}")
    corpus = load_corpus(args.text, valid_fraction=args.valid_fraction)
    interrupts.check()
    print(f"Data: {len(corpus.text):,} characters, {corpus.vocab_size} distinct; "
          f"training on {len(corpus.train):,}, validating on {0 if corpus.valid is None else len(corpus.valid):,}.")
    if resumed is not None:  # before the graph is built; train_network checks again for Python callers
        check_resume_vocab(resumed, corpus.vocab, f"--resume {args.resume}")
    held_out = f", a smaller --valid-fraction (it holds out {args.valid_fraction:.2%})" if args.valid_fraction else ""
    check_length(corpus.train, preset.batch_size, preset.num_steps, "the training text",
                 fix=f"use a longer --text{held_out} or a smaller --batch-size/--num-steps")
    if corpus.valid is not None:
        check_length(corpus.valid, preset.batch_size, preset.num_steps, "the validation text",
                     fix="raise --valid-fraction (or use --valid-fraction 0), or lower --batch-size/--num-steps")
    t = time.perf_counter()
    g = build_graph(**preset.graph_kwargs(corpus.vocab_size))
    print(f"Built the {preset.cell_type or 'RNN'} graph in {time.perf_counter() - t:.2f} s.")
    interrupts.check()
    with tempfile.TemporaryDirectory(prefix="r2rt-sample-") as tmp:
        target = save or (str(Path(tmp) / "checkpoint") if args.sample else None)  # --sample needs a checkpoint
        t = time.perf_counter()
        losses = train_network(g, preset.epochs, save=target or False, data=corpus.train, valid_data=corpus.valid,
                               vocab=corpus.vocab, resume=resumed, keep_best=args.keep_best, logdir=args.logdir,
                               **preset.schedule_kwargs())
        trained = len(losses) - (resumed.progress.get("epochs_done", 0) if resumed is not None else 0)
        if trained > 0:
            print(f"It took {time.perf_counter() - t:.1f} seconds to train for {trained} epochs.")
        print(f"The average loss on the final epoch was: {losses[-1]:.4f}")
        if losses.valid_losses:
            print(f"The validation loss after the final epoch was: {losses.valid_losses[-1]:.4f}")
        if args.sample and losses.checkpoint:
            prompt, top = corpus.text[0], min(5, corpus.vocab_size)
            print(f"--- {args.sample} characters sampled (prompt {prompt!r}, top {top}, seed {preset.seed}):")
            generate_from_checkpoint(losses.checkpoint, args.sample, prompt, top, seed=preset.seed)
    return 0
