"""One loop driver for every trainer: epochs or a step budget, Ctrl-C safe points, the divergence check, the record.

Every trainer in the package (``train_network``, the PTB tutorial's, min-char-rnn's and the slides' three)
keeps the tutorial's own lines -- the session, the initialiser, ``session.run`` with its feeds, the state
carried from batch to batch, the per-epoch line -- and hands the rest to a :class:`Loop`::

    with Loop(sess, epochs=num_epochs, parts=[ProgressBar(...), Checkpoints(...)]) as loop:
        for epoch in loop.epochs():                      # a resumed run starts after its last complete epoch
            state = None
            for x, y in loop.batches(ptb_iterator(data, batch_size, num_steps)):
                loss, state, _ = sess.run(...)
                loop.step(loss)                          # finite check, record, parts, the Ctrl-C safe point
            loop.end_epoch(valid_loss=...)               # recorded and saved under a deferred Ctrl-C

The loop owns what every trainer needs the same way:

* **the budget**: ``epochs`` (a resumed run counts the epochs already done) and/or ``max_steps``
  (min-char-rnn and the slides count steps; :meth:`Loop.batches` stops at the budget);
* **Ctrl-C**: each :meth:`Loop.step` is a safe point (:func:`r2rt_rnn.runtime.interrupts.check`), so a Ctrl-C
  takes effect within one batch; :meth:`Loop.end_epoch` runs under :func:`~r2rt_rnn.runtime.interrupts.deferred`,
  so an epoch once complete is recorded and saved whole; leaving the ``with`` block on a Ctrl-C raises
  :class:`~r2rt_rnn.runtime.errors.TrainingInterrupted`, whose message the parts write (where the last
  complete epoch is kept, how to continue);
* **divergence**: a non-finite loss stops training with one line (the last checkpoint stays);
* **the record**: :attr:`Loop.history`, a :class:`~r2rt_rnn.runtime.history.TrainingHistory` -- per-epoch mean
  losses, validation losses, seconds, learning rates and any other per-epoch values the trainer names.

Progress, TensorBoard, checkpoints (lock, atomic save, keep-best, resume), evaluation every N steps and
learning-rate schedules are :class:`Part` s (:mod:`r2rt_rnn.runtime.parts`), called at the moments Keras
callbacks and TF1's ``SessionRunHook`` are: when the loop opens, after each step, at each epoch's end, on
Ctrl-C and when it closes.
"""
import math
import time

from . import interrupts
from .errors import R2RTError, TrainingInterrupted
from .history import TrainingHistory


class Part:
    """Something the loop calls at its moments; every method is optional (the defaults do nothing)."""

    def open(self, loop):
        """The loop is entered (the session exists, its variables are initialised): lock, restore, open files."""

    def on_epoch_begin(self, loop):
        """An epoch starts (``loop.epoch``)."""

    def on_step(self, loop, loss):
        """A step finished with ``loss`` (``loop.steps`` counts every step of the run)."""

    def on_epoch_end(self, loop):
        """An epoch is complete and recorded in ``loop.history``: save it, log it, change the learning rate."""

    def on_interrupt(self, loop):
        """Ctrl-C: keep what can be kept; return a sentence saying where it is (or None)."""

    def close(self, loop):
        """The loop is left, however it ended."""


class Loop:
    """The driver (see the module docstring). ``history`` continues a resumed run's record; ``label`` names a
    unit of the budget in messages ("epoch", or "pass" for a trainer that reads its text again and again)."""

    def __init__(self, sess, *, epochs=None, max_steps=None, parts=(), history=None, label="epoch",
                 diverged="lower the learning rate or clip the gradients", log=print, first_number=1,
                 steps_per_epoch=0):
        self.sess, self.num_epochs, self.max_steps, self.log_to = sess, epochs, max_steps, log
        self.first_number = first_number  # how the trainer's lines number epochs: the post counts from 0
        self.steps_per_epoch = steps_per_epoch  # to count a resumed run's steps on from its epochs
        self.parts = [p for p in parts if p is not None]
        self.history = history if history is not None else TrainingHistory()
        self.label, self.diverged = label, diverged
        self.epoch, self.steps, self.epoch_seconds = None, 0, 0.0
        self.epoch_losses, self.step_losses = [], []  # this epoch's, and every step's of this run
        self.start_epochs = len(self.history)
        self._opened, self._started, self.cut_short = [], None, False
        self.in_epoch, self.stopped = False, None

    # --- the block ---------------------------------------------------------------------------------

    def __enter__(self):
        for part in self.parts:
            part.open(self)
            self._opened.append(part)
        self.start_epochs = len(self.history)  # a part may have restored a record
        return self

    def __exit__(self, kind, exc, tb):
        try:
            if kind is not None and issubclass(kind, KeyboardInterrupt) and not isinstance(exc, TrainingInterrupted):
                raise self._interrupted() from None
        finally:
            for part in reversed(self._opened):
                part.close(self)
        return False

    def _interrupted(self):
        done = len(self.history)
        where = [w for w in (part.on_interrupt(self) for part in self._opened) if w]
        return TrainingInterrupted("; ".join([self._when(done)] + [w[0] if isinstance(w, tuple) else w for w in where]),
                                   next((w[1] for w in where if isinstance(w, tuple)), None), done)

    def _when(self, done):
        """When the Ctrl-C came, in the trainer's numbering; whether this run had kept anything new by then."""
        nothing = "nothing new was saved" if done == self.start_epochs else None
        if self.epoch is None:  # restoring, or before the first epoch of this run
            return f"interrupted before {self.label} {done + self.first_number} began; nothing new was saved"
        if not self.in_epoch:  # after the last epoch: measuring or finishing
            return "interrupted as training was finishing" + (f"; {nothing}" if nothing else "")
        what = f"interrupted during {self.label} {done + self.first_number}"
        return what + (f", before it was complete; {nothing}" if nothing else "")

    # --- the budget --------------------------------------------------------------------------------

    @property
    def labels(self):
        """The label's plural as the messages write it: "epoch(s)", "pass(es)"."""
        return self.label + ("(es)" if self.label.endswith("s") else "(s)")

    @property
    def verbose(self):
        return self.log_to is not None

    def stop(self, reason):
        """End training after this epoch (a part decided it: validation stopped improving...)."""
        self.stopped = reason
        self.log(reason)

    @property
    def global_step(self):
        """Steps of the whole run: a resumed run's complete epochs count too."""
        return self.start_epochs * self.steps_per_epoch + self.steps

    @property
    def finished(self):
        """True once the step budget (counting a resumed run's steps) is spent; never, without one."""
        return self.max_steps is not None and self.global_step >= self.max_steps

    def epochs(self):
        """Yield the index of each epoch still to train (from the resumed record's length on)."""
        epoch = len(self.history)
        while not (self.finished or self.stopped) and (self.num_epochs is None or epoch < self.num_epochs):
            self.epoch, self.epoch_losses, self._started, self.in_epoch = epoch, [], time.perf_counter(), True
            for part in self.parts:
                part.on_epoch_begin(self)
            yield epoch
            self.in_epoch = False
            epoch += 1

    def batches(self, batches):
        """Yield from ``batches`` until the step budget is spent (an epoch cut short is not recorded as one)."""
        self.cut_short = False
        for batch in batches:
            if self.finished:
                self.cut_short = True
                return
            yield batch

    # --- each step and epoch -------------------------------------------------------------------------

    def step(self, loss):
        """One step done: check ``loss`` is finite, record it, call the parts; a Ctrl-C takes effect here."""
        loss = float(loss)
        if not math.isfinite(loss):
            raise R2RTError(f"training diverged: the loss became {loss} at step {self.steps + 1}; {self.diverged}",
                            params=("learning_rate", "max_grad_norm"))
        self.steps += 1
        self.epoch_losses.append(loss)
        self.step_losses.append(loss)
        for part in self.parts:
            part.on_step(self, loss)
        interrupts.check()

    def check(self, *_):
        """A Ctrl-C safe point for work that is not a training step (a validation pass's batches)."""
        interrupts.check()

    def end_epoch(self, loss=None, *, valid_loss=None, learning_rate=None, **values):
        """Record the epoch just trained and let the parts act on it, whole, under a deferred Ctrl-C.

        ``loss`` defaults to the mean of the epoch's steps; ``values`` are kept per epoch in
        ``history.values`` (a trainer's own figures: perplexities, CPU shares...). An epoch the step budget cut
        short is not an epoch: nothing is recorded or saved for it (a checkpoint holds complete epochs only).
        """
        if self.cut_short:
            self.in_epoch = False
            return
        seconds = time.perf_counter() - self._started
        if valid_loss is not None and not math.isfinite(valid_loss):
            raise R2RTError(f"training diverged: the validation loss became {valid_loss} after {self.label} "
                            f"{self.epoch + self.first_number}; {self.diverged}",
                            params=("learning_rate", "max_grad_norm"))
        with interrupts.deferred():
            if loss is None:
                loss = sum(self.epoch_losses) / max(len(self.epoch_losses), 1)
            self.epoch_seconds = seconds
            self.history.record(float(loss), seconds, valid_loss, learning_rate, values)
            self.in_epoch = False
            for part in self.parts:
                part.on_epoch_end(self)

    def log(self, line):
        """Print ``line`` with ``log`` (None: nothing) without breaking a progress bar (the ProgressBar part's)."""
        if self.log_to is None:
            return
        for part in self.parts:
            if getattr(part, "bar", None) is not None:
                part.write(line)
                return
        self.log_to(line)
