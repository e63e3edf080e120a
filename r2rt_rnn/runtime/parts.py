"""The parts a :class:`~r2rt_rnn.runtime.loop.Loop` calls: progress, TensorBoard, checkpoints, evaluation every N
steps and learning-rate schedules. A trainer lists the ones it wants; each is independent of the others,
except that evaluations (:class:`Every`) come before the :class:`ProgressBar` whose step lines show them,
and :class:`Checkpoints` (which restores a resumed run's record) comes first.
"""
import contextlib
from pathlib import Path

import numpy as np

from ..tf1 import tf
from . import checkpoint, summaries
from .loop import Part
from .progress import Progress
from .summaries import SummaryLog

INTERRUPTED_FOLDER = Path("saves") / "interrupted"  # where Ctrl-C keeps the last epoch when no save path was given


class ProgressBar(Part):
    """A bar per epoch (``per_epoch`` batches), or one for the whole step budget (``per_epoch`` None), showing the
    running mean loss (of the epoch, or of the last ``window`` steps); every ``log_every`` steps a line with the
    mean of those steps and any evaluation taken at that step."""

    def __init__(self, per_epoch=None, label="epoch", enabled=True, unit="batch", window=None, log_every=0,
                 **progress):
        self.per_epoch, self.label, self.enabled, self.unit = per_epoch, label, enabled, unit
        self.window, self.log_every, self.progress, self.bar = window, log_every, progress, None

    def _open_bar(self, total, desc):
        self.close(None)
        self.bar = Progress(total, desc, enabled=self.enabled, unit=self.unit, **self.progress)

    def open(self, loop):
        if self.per_epoch is None and loop.max_steps is not None:
            self._open_bar(max(loop.max_steps - loop.global_step, 0), self.label)

    def on_epoch_begin(self, loop):
        if self.per_epoch is not None:  # the label may place the epoch's number, as the trainer counts them
            number = loop.epoch + loop.first_number  # "epoch {} train" -> "epoch 1 train"
            label = self.label if "{}" in self.label else self.label + " {}"
            self._open_bar(self.per_epoch, label.format(number))

    def on_step(self, loop, loss):
        recent = loop.epoch_losses if self.window is None else loop.step_losses[-self.window:]
        key = "loss" if self.window is None else f"mean loss of the last {len(recent)}"
        if self.bar is not None:
            self.bar.update(1, **{key: f"{np.mean(recent):.3f}"})
        if self.log_every and loop.global_step % self.log_every == 0:
            mean = np.mean(loop.step_losses[-self.log_every:])
            line = f"step {loop.global_step}: training loss (mean of the last {self.log_every} steps) {mean:.3f}"
            for name, taken in loop.history.evals.items():
                if taken and taken[-1][0] == loop.global_step:
                    line += f", {name} {taken[-1][1]:.3f}"
            loop.log(line)

    def on_epoch_end(self, loop):
        if self.per_epoch is not None:
            self.close(loop)

    def write(self, line):
        if self.bar is not None:
            self.bar.write(line)
        else:
            print(line, flush=True)

    def close(self, loop):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Every(Part):
    """Measure ``measure()`` every ``n`` steps (0: never) and when the step budget is spent; kept in
    ``history.evals[name]`` as ``[step, value]``."""

    def __init__(self, n, measure, name="held-out loss"):
        self.n, self.measure, self.name = n, measure, name

    def on_step(self, loop, loss):
        if (self.n and loop.global_step % self.n == 0) or loop.finished:
            loop.history.evals.setdefault(self.name, []).append([loop.global_step, float(self.measure())])


class TensorBoard(Part):
    """TensorBoard scalars and the graph in a new run folder under ``logdir`` (nothing without one).

    The training loss (``tag``; ``transform`` turns a mean loss into e.g. a perplexity) is the mean of the steps
    since the last point, written every :data:`~r2rt_rnn.runtime.summaries.TRAIN_LOSS_EVERY` steps, at each
    epoch's end and when the budget is spent; at each epoch's end also its seconds, the validation loss and the
    values named in ``tags`` (``{value name: tag}``); the learning rate at the first step it is used.
    Steps are global (:attr:`~r2rt_rnn.runtime.loop.Loop.global_step`): a resumed run counts on.
    """

    def __init__(self, logdir, graph=None, tag=summaries.TRAIN_LOSS, transform=float, tags=None, learning_rate=None):
        self.log = SummaryLog.maybe(logdir, graph=graph)  # opened (or refused) before any training
        self.tag, self.transform, self.tags = tag, transform, tags or {}
        self.group, self.constant_rate = [], learning_rate

    @property
    def path(self):
        return self.log.path

    def open(self, loop):
        self.log.first_step = first = len(loop.history) * loop.steps_per_epoch
        if self.constant_rate is not None:  # a trainer whose rate never changes: written once, at its start
            self.log.scalar_on_change(summaries.TRAIN_LEARNING_RATE, float(self.constant_rate), first)

    @staticmethod
    def step(loop):
        return loop.global_step

    def text(self, loop, text):
        """A generated sample, for TensorBoard's Text tab, at the current step."""
        self.log.text(summaries.TRAIN_SAMPLE, text, self.step(loop))

    def learning_rate(self, loop, rate, step=None):
        """The learning rate the steps from ``step`` on train with (written when it changes)."""
        self.log.scalar_on_change(summaries.TRAIN_LEARNING_RATE, float(rate),
                                  self.step(loop) if step is None else step)

    def _flush_group(self, loop):
        if self.group:
            self.log.scalar(self.tag, self.transform(np.mean(self.group)), self.step(loop))
            self.group = []

    def on_step(self, loop, loss):
        self.group.append(loss)
        if len(self.group) == summaries.TRAIN_LOSS_EVERY or loop.finished:
            self._flush_group(loop)

    def on_epoch_end(self, loop):
        self._flush_group(loop)
        h, step = loop.history, self.step(loop)
        values = {summaries.EPOCH_SECONDS: h.epoch_seconds[-1]}
        if len(h.valid_losses) == len(h):
            values[summaries.VALID_LOSS] = h.valid_losses[-1]
        values.update({tag: h.values[name][-1] for name, tag in self.tags.items() if name in h.values})
        self.log.scalars(values, step)
        if len(h.learning_rates) == len(h):  # the rate this epoch trained with, at the step it started
            self.learning_rate(loop, h.learning_rates[-1], step - len(loop.epoch_losses))
        self.log.flush()

    def close(self, loop):
        self._flush_group(loop)
        self.log.close()


class Checkpoints(Part):
    """Checkpoints of ``g`` (a graph's dict with its ``config``) at ``save`` after every complete epoch.

    Checked when made, before any training: the save path (a checkpoint already there is refused unless
    ``overwrite`` or it is the one resumed), ``SAVE-best`` with ``keep_best`` and the checkpoint to ``resume``
    (``compatible(saved)`` raises if it cannot continue in this graph). While the loop runs it holds the save
    path's lock; it restores ``resume``'s weights, optimiser slots and record when the loop opens; it keeps
    ``SAVE-best``, the epoch with the lowest validation loss. On Ctrl-C the last complete epoch is on disk at
    ``save``; without a save path it is written to a new folder under ``saves/interrupted`` (never over
    another run's), or the message says why it was lost. ``resume_hint(path)`` is how a user continues.
    """

    def __init__(self, g, save=None, vocab=None, *, resume=None, overwrite=False, keep_best=False,
                 compatible=None, resume_hint=None):
        self.g, self.keep_best = g, keep_best
        self.saved = checkpoint.as_checkpoint(resume) if resume else None
        self.path = _save_path(save, overwrite, self.saved, keep_best)
        if self.saved is not None and compatible is not None:
            compatible(self.saved)
        self.vocab = vocab or (self.saved.vocab if self.saved is not None else None)
        self.hint = resume_hint or (lambda path: f"continue with resume={str(path)!r}")
        self.best, self.last_complete, self._lock, self._saver = None, None, contextlib.ExitStack(), None

    def open(self, loop):
        if self.path:
            self._lock.enter_context(checkpoint.hold_lock(self.path))
        # the graph's own saver if it has one, else one made once here (the caller's dict is left as it was)
        self._saver = self.g.get("saver") or tf.train.Saver(name="r2rt_checkpoints")
        if self.saved is not None:
            checkpoint.restore(loop.sess, self.g, self.saved)
            restored = type(loop.history).from_progress(self.saved.progress)
            restored.about = loop.history.about or restored.about  # this run's own words about itself, if any
            loop.history[:] = restored
            loop.history.__dict__.update(restored.__dict__)
        valid = loop.history.valid_losses
        self.best = min(valid) if valid else None
        if not self.path:
            self.last_complete = self._snapshot(loop)

    def _graph(self):
        return {**self.g, "saver": self._saver}

    def _snapshot(self, loop):
        variables = loop.sess.graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)
        return list(zip(variables, loop.sess.run(variables)))

    def save_now(self, loop, path=None):
        """Write the session's variables and the record to ``path`` (default: the save path); returns the path."""
        return checkpoint.save(loop.sess, self._graph(), path or self.path, self.vocab, loop.history.progress())

    def on_epoch_end(self, loop):
        h = loop.history
        if self.path:
            h.checkpoint = self.save_now(loop)
        else:
            self.last_complete = self._snapshot(loop)
        if len(h.valid_losses) == len(h) and (self.best is None or h.valid_losses[-1] < self.best):
            self.best = h.valid_losses[-1]
            if self.keep_best and self.path:
                h.best_checkpoint = self.save_now(loop, f"{self.path}-best")

    def on_interrupt(self, loop):
        done = len(loop.history)
        if done == loop.start_epochs:
            return None
        if self.path:
            return (f"the checkpoint {self.path} holds the {done} complete {loop.labels}; {self.hint(self.path)}",
                    self.path)
        for variable, value in self.last_complete:  # back to the end of the last complete epoch
            variable.load(value, loop.sess)
        try:
            where = checkpoint.prepare_save_path(fresh_folder())
            self.save_now(loop, where)
        except Exception as exc:  # noqa: BLE001 - whatever the disk says, the message must say the epochs are lost
            return f"the {done} complete {loop.labels} could not be kept ({exc}); pass a writable save path"
        return f"no save path was given, so the {done} complete {loop.labels} are kept in {where}; " \
               f"{self.hint(where)}", where

    def close(self, loop):
        self._lock.close()


def _save_path(save, overwrite, saved, keep_best):
    """The checked save path (None: no saving), and ``SAVE-best``'s with ``keep_best``: a checkpoint already there is
    refused unless ``overwrite`` or it is the one resumed (``saved``)."""
    if not save:
        return None
    resuming = saved.path if saved is not None else None
    path = checkpoint.prepare_save_path(save, overwrite, resuming)
    if keep_best:  # SAVE-best is a model too: never replaced unasked
        checkpoint.prepare_save_path(f"{path}-best", overwrite, resuming and f"{resuming}-best")
    return path


def fresh_folder(parent=None):
    """``parent/run-N``, the first N not taken: an interrupted run never replaces another's checkpoint."""
    parent, n = INTERRUPTED_FOLDER if parent is None else parent, 1
    while (Path(parent) / f"run-{n}").exists():
        n += 1
    return str(Path(parent) / f"run-{n}") + "/"


class DecayOnStall(Part):
    """``train_network``'s schedule: multiply the rate ``lr_decay`` whenever the validation loss fails to improve,
    and after every epoch from the ``lr_decay_after``-th on. ``rate`` is what the next epoch trains with.

    List it before :class:`Checkpoints`, so each saved record holds the rate the next epoch will use.
    """

    def __init__(self, rate, lr_decay=None, lr_decay_after=None):
        self.rate, self.lr_decay, self.lr_decay_after = rate, lr_decay, lr_decay_after
        self.best, self.started = None, False

    def on_epoch_begin(self, loop):
        if self.started:
            return
        self.started, h = True, loop.history  # the first epoch: a resumed record is in place by now
        if h.next_learning_rate and h.learning_rates and h.learning_rates[0] == self.rate:
            self.rate = h.next_learning_rate  # the saved schedule goes on, unless the graph asks otherwise
        self.best = min(h.valid_losses) if h.valid_losses else None

    def on_epoch_end(self, loop):
        h = loop.history
        stalled = False
        if len(h.valid_losses) == len(h):
            stalled = self.best is not None and h.valid_losses[-1] >= self.best
            self.best = h.valid_losses[-1] if not stalled else self.best
        scheduled = self.lr_decay_after is not None and len(h) >= self.lr_decay_after
        if self.lr_decay is not None and (stalled or scheduled):
            self.rate *= self.lr_decay
            why = f"decayed after every epoch from epoch {self.lr_decay_after} on" if scheduled else \
                "validation loss did not improve"
            loop.log(f"Learning rate now {self.rate:.3g} ({why}).")
        h.next_learning_rate = float(self.rate)


class StopWhenFlat(Part):
    """Stop after the first epoch whose ``name`` (a per-epoch value, lower is better) fell by less than ``gain``
    (None: never)."""

    def __init__(self, gain, name):
        self.gain, self.name = gain, name

    def on_epoch_end(self, loop):
        seen = loop.history.values.get(self.name, [])
        if self.gain is not None and len(seen) > 1 and seen[-2] - seen[-1] < self.gain:
            loop.stop(f"{self.name.replace('_', ' ')} fell by less than {self.gain:g}: stopping after "
                      f"{loop.label} {len(seen)}")
