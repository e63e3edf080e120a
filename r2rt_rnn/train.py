"""``train_network``: the post's training loop, with validation, checkpoints, and nothing lost on the way.

The loop is the post's: a session, the initialiser, one pass over the data per
epoch carrying each batch's final state into the next, a line per epoch, a save.
What it does beyond the post (checking every input first, resuming, the lock,
validation, the learning-rate schedule, keeping the best epoch, TensorBoard,
progress, Ctrl-C) is a named step of :class:`r2rt_rnn.training_run.TrainingRun`.
The ``train`` command is :mod:`r2rt_rnn.cli.train`.
"""
import math

from .data import gen_epochs, ptb_iterator
from .graphs.common import reset_graph  # noqa: F401 - the post's public name lives here too
from .runtime import checkpoint, interrupts
from .runtime.errors import R2RTError
from .runtime.training_run import TrainingRun
from .tf1 import tf


def train_network(g, num_epochs, num_steps=None, batch_size=None, verbose=True, save=False, *, data=None,
                  valid_data=None, vocab=None, resume=None, overwrite=False, session_config=None, lr_decay=None,
                  lr_decay_after=None, keep_best=False, logdir=None):
    """Train graph ``g`` for ``num_epochs`` epochs and return the per-epoch average training losses.

    As in the post, each batch's final state is fed in as the next batch's initial
    state; ``num_steps`` and ``batch_size`` default to the graph's own (the post's
    calls, which repeat them, still work). Beyond the post:

    * ``data`` / ``valid_data``: int id arrays (default: the bundled
      tiny-shakespeare, no validation); ``vocab``: their :class:`Vocabulary`,
      saved beside checkpoints (default with ``data=None``: the bundled corpus's);
    * ``save``: a checkpoint path (a folder means ``FOLDER/checkpoint``), written
      after every epoch, all or nothing, and locked against a second writer; a
      checkpoint already there is refused unless ``overwrite=True`` or it is ``resume``;
      ``keep_best``: also keep ``SAVE-best``, the epoch with the lowest validation loss;
    * ``resume``: a checkpoint to continue from (weights, optimiser state, epochs
      done, learning rate); its vocabulary must be ``vocab``; from a weights-only
      one (a shipped model, ``resume="post-GRU"``) Adam's moments start afresh;
    * ``lr_decay``: multiply the learning rate by this whenever the validation
      loss fails to improve (default: the post's constant rate);
      ``lr_decay_after=N``: also after every epoch from the N-th on, whatever the
      validation loss does (the PTB tutorial's ``max_epoch`` schedule);
    * ``logdir``: TensorBoard scalars and the graph, in a new run folder under it;
    * the first non-finite loss stops training (R2RTError); the last checkpoint stays;
    * Ctrl-C raises :class:`~r2rt_rnn.errors.TrainingInterrupted` after keeping the
      last *complete* epoch (in ``save``, else in ``saves/interrupted``), so a
      resumed run continues exactly as an uninterrupted one.

    The result is a :class:`TrainingHistory` (a list) with ``valid_losses`` too.
    """
    run = TrainingRun(g, num_epochs, num_steps, batch_size, save, data=data, valid_data=valid_data, vocab=vocab,
                      resume=resume, overwrite=overwrite, lr_decay=lr_decay, lr_decay_after=lr_decay_after,
                      keep_best=keep_best, logdir=logdir, verbose=verbose)  # every input checked before any work
    training_losses = run.history  # the post's list of per-epoch losses (with any resumed epochs in it)
    with run.locked(), tf.Session(config=session_config) as sess, run.summaries(sess):
        sess.run(tf.global_variables_initializer())
        if not run.resume(sess):  # resume=: its weights, optimiser slots and epochs done
            return training_losses
        try:
            for idx, epoch in enumerate(gen_epochs(num_epochs, run.num_steps, run.batch_size, run.data)):
                if idx < len(training_losses):
                    continue  # trained before the checkpoint we resumed from
                with run.epoch(idx) as progress:
                    training_loss = run_batches(sess, g, epoch, True, run.feed(), progress, run.on_loss)
                valid_loss = evaluate(sess, g, run.valid_data) if run.valid_data is not None else None
                with interrupts.deferred():  # the epoch is complete: a Ctrl-C waits until it is recorded and saved
                    run.log(run.record_epoch(sess, idx, training_loss, valid_loss))
                    run.schedule()
                    if run.save_path:
                        training_losses.checkpoint = checkpoint.save(sess, g, run.save_path, run.vocab,
                                                                     training_losses.progress())
                    run.epoch_kept(sess)
        except KeyboardInterrupt:
            raise run.interrupted(sess) from None
    return training_losses


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
            raise R2RTError(f"training diverged: the loss became {loss} at batch {steps + 1}; lower the "
                            "learning_rate or clip the gradients (max_grad_norm)",
                            params=("learning_rate", "max_grad_norm"))
        total += loss
        steps += 1
        if on_loss is not None:
            on_loss(loss)
        if progress is not None:
            progress.update(1, loss=f"{total / steps:.3f}")
        interrupts.check()  # a Ctrl-C takes effect here, between two batches
    return float(total / max(steps, 1))


def evaluate(sess, g, data, batch_size=None, num_steps=None):
    """Mean loss of ``g`` on ``data`` (ids), state carried across batches, dropout off, no training."""
    batch_size = batch_size or g["config"]["batch_size"]
    num_steps = num_steps or g["config"]["num_steps"]
    return run_batches(sess, g, ptb_iterator(data, batch_size, num_steps), fetch_train_step=False)
