"""Everything ``train_network`` does beyond the post's loop, as named steps it calls.

:class:`TrainingRun` checks every input before the first step, holds the save path's
lock, resumes from a checkpoint, writes TensorBoard scalars, times each epoch behind a
progress bar, adds the validation loss to the per-epoch line, keeps the best
checkpoint, lowers the learning rate on schedule and, on Ctrl-C, keeps the last
complete epoch. A reader of :func:`r2rt_rnn.train.train_network` can skip all of it.
"""
import contextlib
import math
import time
from pathlib import Path

import numpy as np

from ..data import Vocabulary, bundled_corpus, check_length, check_positive, epoch_size
from ..tf1 import tf
from . import checkpoint, summaries
from .errors import R2RTError, TrainingInterrupted
from .history import TrainingHistory
from .progress import Progress
from .summaries import SummaryLog

INTERRUPTED_PATH = Path("saves") / "interrupted"  # where Ctrl-C keeps the last epoch when no save path was given


def check_ids(data, num_classes, what="data"):
    """``data`` as an int32 array of ids in ``[0, num_classes)``, or an R2RTError naming ``what``."""
    if isinstance(data, (str, bytes)):
        raise R2RTError(f"{what} must be an array of character ids, not text; encode it with "
                        "load_corpus(path).train or Vocabulary.from_text(text).encode(text)", params=(what,))
    try:
        ids = np.asarray(data)
    except (TypeError, ValueError):
        ids = np.asarray([], dtype=object)
    if ids.ndim != 1 or ids.size == 0 or not np.issubdtype(ids.dtype, np.integer):
        raise R2RTError(f"{what} must be a non-empty 1-D array of integer ids, got {type(data).__name__} "
                        f"of dtype {ids.dtype} and shape {ids.shape}", params=(what,))
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= num_classes:
        raise R2RTError(f"{what} holds ids from {low} to {high}, but the graph has num_classes={num_classes} "
                        f"(ids 0..{num_classes - 1}); build it with num_classes > {high}", params=(what,))
    return ids.astype(np.int32, copy=False)


def check_schedule(lr_decay, lr_decay_after, keep_best, has_validation):
    """R2RTError naming the first bad learning-rate schedule option (its ``params`` say which)."""
    if lr_decay is not None and not (isinstance(lr_decay, float) and 0 < lr_decay < 1):
        raise R2RTError(f"lr_decay must be between 0 and 1 (exclusive), got {lr_decay!r}", params=("lr_decay",))
    if lr_decay_after is not None and (lr_decay is None or isinstance(lr_decay_after, bool)
                                       or not isinstance(lr_decay_after, int) or lr_decay_after < 1):
        raise R2RTError(f"lr_decay_after must be 1 or more, with lr_decay set (it counts epochs), "
                        f"got {lr_decay_after!r} with lr_decay {lr_decay!r}", params=("lr_decay_after", "lr_decay"))
    if (keep_best or (lr_decay is not None and lr_decay_after is None)) and not has_validation:
        raise R2RTError("lr_decay and keep_best follow the validation loss: give valid_data "
                        "(or lr_decay_after N for a fixed schedule)",
                        params=("lr_decay", "keep_best", "valid_data", "lr_decay_after"))


def check_resume_vocab(saved, vocab):
    """R2RTError unless checkpoint ``saved`` was trained with ``vocab`` (either unknown passes)."""
    if vocab is not None and saved.vocab is not None and saved.vocab != vocab:
        raise R2RTError(f"resume {saved.path} was trained on a text with another vocabulary ({len(saved.vocab)} "
                        "characters: ids would mean other characters); resume only on the text it was trained on",
                        params=("resume",))


def _check_size(g, name, value):
    if value is None:
        return g["config"][name]
    check_positive(**{name: value})
    if g["config"][name] != value:
        raise R2RTError(f"the graph was built with {name}={g['config'][name]} but train_network got "
                        f"{name}={value}; leave it out (it defaults to the graph's) or pass the same value")
    return value


class TrainingRun:
    """One call of ``train_network``: its checked inputs, its record so far, and the steps around the loop."""

    def __init__(self, g, num_epochs, num_steps, batch_size, save, *, data, valid_data, vocab, resume, overwrite,
                 lr_decay, lr_decay_after, keep_best, logdir, verbose):
        self.g, self.num_epochs, self.verbose, self.logdir = g, num_epochs, verbose, logdir
        self.num_steps = _check_size(g, "num_steps", num_steps)
        self.batch_size = _check_size(g, "batch_size", batch_size)
        check_positive(num_epochs=num_epochs)
        self._check_data(data, valid_data, vocab)
        if save is True or not isinstance(save, (str, Path, type(None), bool)):
            raise R2RTError(f"save must be a checkpoint path (e.g. save='saves/GRU') or False, got {save!r}",
                            params=("save",))
        check_schedule(lr_decay, lr_decay_after, keep_best, self.valid_data is not None)
        self.lr_decay, self.lr_decay_after, self.keep_best = lr_decay, lr_decay_after, keep_best
        self.saved = checkpoint.as_checkpoint(resume) if resume else None
        resuming = self.saved.path if self.saved else None
        self.save_path = checkpoint.prepare_save_path(save, overwrite, resuming) if save else None
        if self.save_path and keep_best:  # SAVE-best is a model too: never replaced unasked
            checkpoint.prepare_save_path(f"{self.save_path}-best", overwrite, resuming and f"{resuming}-best")
        self._start_record()
        if "saver" not in g:
            g["saver"] = tf.train.Saver()

    def _check_data(self, data, valid_data, vocab):
        num_classes = self.g["config"]["num_classes"]
        if data is None:
            corpus = bundled_corpus()
            data, vocab = corpus.train, vocab or corpus.vocab
        if vocab is not None and not isinstance(vocab, Vocabulary):
            raise R2RTError(f"vocab must be an r2rt_rnn.data.Vocabulary, got {type(vocab).__name__}")
        self.data, self.vocab = check_ids(data, num_classes, "data"), vocab
        check_length(self.data, self.batch_size, self.num_steps)
        self.valid_data = None if valid_data is None else check_ids(valid_data, num_classes, "valid_data")
        if self.valid_data is not None:
            check_length(self.valid_data, self.batch_size, self.num_steps, what="validation text")

    def _start_record(self):
        """The record the run continues: empty, or the resumed checkpoint's (with its learning rate)."""
        if self.saved is not None:
            checkpoint.check_compatible(self.g["config"], self.saved.config, self.saved.path)
            check_resume_vocab(self.saved, self.vocab)
            self.vocab = self.vocab or self.saved.vocab
        self.history = TrainingHistory.from_progress(self.saved.progress) if self.saved else TrainingHistory()
        self.start_epochs = len(self.history)
        self.n_batches = epoch_size(len(self.data), self.batch_size, self.num_steps)
        self.lr = self.g["config"]["learning_rate"]
        if self.saved is not None and self.saved.config.get("learning_rate") == self.lr \
                and self.history.next_learning_rate:
            self.lr = self.history.next_learning_rate  # the saved schedule goes on, unless the graph asks otherwise
        self.best = min(self.history.valid_losses) if self.history.valid_losses else math.inf
        self.step = len(self.history) * self.n_batches
        self.summary = self.last_complete = self.seconds = None
        self.stalled = False

    def log(self, *words):
        if self.verbose:
            print(*words, flush=True)

    # --- around the session --------------------------------------------------------------------------

    def locked(self):
        """The save path's lock (a second run writing there is refused), or nothing when not saving."""
        return checkpoint.hold_lock(self.save_path) if self.save_path else contextlib.nullcontext()

    @contextlib.contextmanager
    def summaries(self, sess):
        """TensorBoard scalars and the graph under ``logdir`` (nothing without one)."""
        with SummaryLog.maybe(self.logdir, graph=sess.graph, first_step=self.step) as self.summary:
            yield self.summary

    def resume(self, sess):
        """Restore ``resume=``'s weights and optimiser slots (weights only: fresh slots); False: no epoch left."""
        if self.saved is not None:
            checkpoint.restore(sess, self.g, self.saved)
            fresh = "; its weights only: Adam's moments start afresh" if self.saved.weights_only else ""
            self.log(f"Resumed from {self.saved.path} after {len(self.history)} epoch(s){fresh}.")
        self.last_complete = _snapshot(sess)
        if len(self.history) < self.num_epochs:
            return True
        self.log(f"Nothing left to train: {self.saved.path} already has {len(self.history)} epoch(s) and "
                 f"{self.num_epochs} were asked for; ask for more epochs to continue.")
        self.history.checkpoint = self.saved.path
        if self.save_path and Path(self.save_path).resolve() != Path(self.saved.path).resolve():
            self.history.checkpoint = checkpoint.save(sess, self.g, self.save_path, self.vocab,
                                                      self.history.progress())
        return False

    # --- each epoch ----------------------------------------------------------------------------------

    def feed(self):
        """What every training batch feeds beyond x and y: dropout's keep probability, this epoch's learning rate."""
        feed = dict(self.g.get("train_feed") or {})
        if "learning_rate" in self.g:
            feed[self.g["learning_rate"]] = self.lr
        return feed

    @contextlib.contextmanager
    def epoch(self, idx):
        """Time the epoch's batches behind a progress bar."""
        t0 = time.perf_counter()
        with Progress(self.n_batches, f"epoch {idx}", enabled=self.verbose) as bar:
            yield bar
        self.seconds = time.perf_counter() - t0

    def on_loss(self, loss):
        """After every batch: TensorBoard's training loss, every few steps."""
        self.step += 1
        if self.step % summaries.TRAIN_LOSS_EVERY == 0:
            self.summary.scalar(summaries.TRAIN_LOSS, loss, self.step)

    def record_epoch(self, sess, idx, loss, valid_loss=None):
        """Record the finished epoch and its validation loss (keeping SAVE-best); returns the per-epoch line."""
        h, line = self.history, f"Average training loss for Epoch {idx} : {loss:.4f}"
        h.append(loss)
        h.learning_rates.append(float(self.lr))
        h.epoch_seconds.append(self.seconds)
        self.summary.scalar(summaries.EPOCH_SECONDS, self.seconds, self.step)
        self.summary.scalar_on_change(summaries.TRAIN_LEARNING_RATE, self.lr, self.step)
        self.stalled = False
        if valid_loss is not None:
            line += f"   validation loss: {valid_loss:.4f}"
            h.valid_losses.append(valid_loss)
            self.summary.scalar(summaries.VALID_LOSS, valid_loss, self.step)
            self.stalled = valid_loss >= self.best
            if not self.stalled:
                self.best = valid_loss
                if self.keep_best and self.save_path:
                    h.best_checkpoint = checkpoint.save(sess, self.g, f"{self.save_path}-best", self.vocab,
                                                        h.progress())
        return line + f"   ({self.seconds:.1f} s)"

    def schedule(self):
        """Lower the learning rate when the validation loss stalled, or on the fixed schedule."""
        scheduled = self.lr_decay_after is not None and len(self.history) >= self.lr_decay_after
        if self.lr_decay is not None and (self.stalled or scheduled):
            self.lr *= self.lr_decay
            why = f"decayed after every epoch from epoch {self.lr_decay_after} on" if scheduled else \
                "validation loss did not improve"
            self.log(f"Learning rate now {self.lr:.3g} ({why}).")
        self.history.next_learning_rate = float(self.lr)

    def epoch_kept(self, sess):
        """The epoch is on disk: remember its weights (to go back to on Ctrl-C) and flush the scalars."""
        self.last_complete = _snapshot(sess)
        self.summary.flush()

    # --- Ctrl-C ----------------------------------------------------------------------------------------

    def interrupted(self, sess):
        """On Ctrl-C: make sure the last complete epoch is on disk; returns the TrainingInterrupted to raise."""
        done = len(self.history)
        if done == self.start_epochs:
            return TrainingInterrupted(f"interrupted during epoch {done}, before it was complete; nothing new was "
                                       "saved; run it again to start that epoch over", None, done)
        where = self.save_path  # written at the end of the last complete epoch: nothing to add
        if not where:
            for variable, value in self.last_complete:  # back to the end of the last complete epoch
                variable.load(value, sess)
            where = checkpoint.prepare_save_path(INTERRUPTED_PATH, overwrite=True)
            checkpoint.save(sess, self.g, where, self.vocab, self.history.progress())
        return TrainingInterrupted(f"interrupted during epoch {done}; the checkpoint {where} holds the {done} "
                                   f"complete epoch(s); continue with train_network(..., resume={str(where)!r})",
                                   where, done)


def _snapshot(sess):
    """Every variable's value (weights and optimiser slots), to go back to on Ctrl-C."""
    variables = tf.global_variables()
    return list(zip(variables, sess.run(variables)))
