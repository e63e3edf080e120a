"""``train_network``: the post's training loop, with validation, checkpoints, and nothing lost on the way.

The loop is the post's: a session, the initialiser, one pass over the data per
epoch carrying each batch's final state into the next, a line per epoch. What it
does beyond the post (checking every input first, resuming, the lock, validation,
the learning-rate schedule, keeping the best epoch, TensorBoard, progress, Ctrl-C)
is the loop driver's and its parts' (:mod:`r2rt_rnn.runtime.loop`,
:mod:`r2rt_rnn.runtime.parts`), named calls a reader can skip.
The ``train`` command is :mod:`r2rt_rnn.cli.train`.
"""
from pathlib import Path

from .data import bundled_corpus, epoch_size, gen_epochs, ptb_iterator
from .graphs.common import reset_graph  # noqa: F401 - the post's public name lives here too
from .runtime import checkpoint
from .runtime.history import TrainingHistory
from .runtime.loop import Loop
from .runtime.parts import Checkpoints, DecayOnStall, ProgressBar, TensorBoard
from .runtime.training_inputs import check_inputs, check_resume_vocab
from .tf1 import tf


def train_network(g, num_epochs, num_steps=None, batch_size=None, verbose=True, save=False, *, data=None,
                  valid_data=None, vocab=None, resume=None, overwrite=False, session_config=None, lr_decay=None,
                  lr_decay_after=None, keep_best=False, logdir=None, about=None):
    """Train graph ``g`` for ``num_epochs`` epochs and return the per-epoch average training losses.

    As in the post, each batch's final state is fed in as the next batch's initial
    state; ``num_steps`` and ``batch_size`` default to the graph's own (the post's
    calls, which repeat them, still work). Beyond the post:

    * ``data`` / ``valid_data``: int id arrays (default: the bundled
      tiny-shakespeare, no validation); ``vocab``: their :class:`Vocabulary`,
      saved beside checkpoints (default with ``data=None``: the bundled corpus's);
      it must have the graph's ``num_classes`` characters;
    * ``save``: a checkpoint path (a folder means ``FOLDER/checkpoint``), written
      after every epoch, all or nothing, and locked against a second writer; a
      checkpoint already there is refused unless ``overwrite=True`` or it is ``resume``;
      ``keep_best``: also keep ``SAVE-best``, the epoch with the lowest validation loss;
    * ``resume``: a checkpoint to continue from (weights, optimiser state, epochs
      done, learning rate); its vocabulary must be ``vocab``; from a weights-only
      one (a shipped model, ``resume="post-GRU"``) Adam's moments start afresh;
      ``num_epochs`` counts the epochs already done;
    * ``lr_decay``: multiply the learning rate by this whenever the validation
      loss fails to improve (default: the post's constant rate);
      ``lr_decay_after=N``: also after every epoch from the N-th on, whatever the
      validation loss does (the PTB tutorial's ``max_epoch`` schedule);
    * ``logdir``: TensorBoard scalars and the graph, in a new run folder under it;
    * ``about``: a JSON-able dict kept in every checkpoint's record (the train command keeps its text and
      settings there, so that ``--resume PATH`` alone continues the run);
    * the first non-finite loss stops training (R2RTError); the last checkpoint stays;
    * Ctrl-C raises :class:`~r2rt_rnn.runtime.errors.TrainingInterrupted` after keeping the
      last *complete* epoch (in ``save``, else in a new folder under ``saves/interrupted``),
      so a resumed run continues exactly as an uninterrupted one.

    The result is a :class:`TrainingHistory` (a list) with ``valid_losses`` too.
    """
    if data is None:  # the post trains on all of tiny-shakespeare
        corpus = bundled_corpus()
        data, vocab = corpus.train, vocab or corpus.vocab
    num_steps, batch_size, data, valid_data, vocab, save = check_inputs(  # every input, before any work
        g, num_epochs, num_steps, batch_size, save, data, valid_data, vocab, lr_decay, lr_decay_after, keep_best)
    schedule = DecayOnStall(g["config"]["learning_rate"], lr_decay, lr_decay_after)
    saves = Checkpoints(g, save, vocab, resume=resume, overwrite=overwrite, keep_best=keep_best,
                        compatible=lambda saved: _resumable(g, saved, vocab),
                        resume_hint=lambda path: f"continue with train_network(..., resume={str(path)!r})")
    n_batches = epoch_size(len(data), batch_size, num_steps)
    parts = [schedule, saves, TensorBoard(logdir, tf.get_default_graph()),
             ProgressBar(n_batches, "epoch", enabled=verbose)]

    with tf.Session(config=session_config) as sess:
        sess.run(tf.global_variables_initializer())
        with Loop(sess, epochs=num_epochs, steps_per_epoch=n_batches, parts=parts, log=print if verbose else None,
                  first_number=0, history=TrainingHistory(about=about)) as loop:
            training_losses = loop.history  # the post's list of per-epoch losses (with any resumed epochs in it)
            _resumed(loop, saves, num_epochs)
            for idx in loop.epochs():
                feed = _train_feed(g, schedule.rate)  # dropout's keep probability, this epoch's learning rate
                epoch = ptb_iterator(data, batch_size, num_steps)
                training_loss = run_batches(sess, g, loop.batches(epoch), True, feed, on_loss=loop.step)
                valid_loss = evaluate(sess, g, valid_data, on_batch=loop.check) if valid_data is not None else None
                loop.end_epoch(training_loss, valid_loss=valid_loss, learning_rate=schedule.rate)
                loop.log(f"Average training loss for Epoch {idx} : {training_loss:.4f}"
                         + (f"   validation loss: {valid_loss:.4f}" if valid_loss is not None else "")
                         + f"   ({loop.epoch_seconds:.1f} s)")
    return training_losses


def _train_feed(g, rate):
    """What every training batch feeds beyond x and y: the graph's ``train_feed`` and the learning rate."""
    return {**g.get("train_feed", {}), **({g["learning_rate"]: rate} if "learning_rate" in g else {})}


def _resumable(g, saved, vocab):
    checkpoint.check_compatible(g["config"], saved.config, saved.path)
    check_resume_vocab(saved, vocab)


def _resumed(loop, saves, num_epochs):
    """Say where a resumed run starts; when its checkpoint already has every epoch asked for, say so (and copy it
    to ``save`` if that is another path)."""
    if saves.saved is None:
        return
    h = loop.history
    loop.log(f"Resumed from {saves.saved.path} after {len(h)} epoch(s)"
             + ("; its weights only: Adam's moments start afresh." if saves.saved.weights_only else "."))
    if len(h) < num_epochs:
        return
    loop.log(f"Nothing left to train: {saves.saved.path} already has {len(h)} epoch(s) and {num_epochs} were asked "
             "for; ask for more epochs to continue.")
    h.checkpoint = saves.saved.path
    if saves.path and Path(saves.path).resolve() != Path(saves.saved.path).resolve():
        h.checkpoint = saves.save_now(loop)


def run_batches(sess, g, batches, fetch_train_step, feed=None, on_loss=None):
    """Run ``g`` over ``(x, y)`` batches, carrying each batch's final state into the next.

    Returns the mean ``total_loss``. With ``fetch_train_step`` the weights are
    updated; ``on_loss(loss)`` is called after every batch.
    """
    fetches = [g["total_loss"], g["final_state"]] + ([g["train_step"]] if fetch_train_step else [])
    state, total, steps = None, 0.0, 0
    for X, Y in batches:
        feed_dict = {g["x"]: X, g["y"]: Y, **(feed or {})}
        if state is not None:
            feed_dict[g["init_state"]] = state  # the previous batch's final state: rows are contiguous text
        loss, state = sess.run(fetches, feed_dict)[:2]
        total += loss
        steps += 1
        if on_loss is not None:
            on_loss(loss)
    return float(total / max(steps, 1))


def evaluate(sess, g, data, batch_size=None, num_steps=None, on_batch=None):
    """Mean loss of ``g`` on ``data`` (ids), state carried across batches, dropout off, no training."""
    batch_size = batch_size or g["config"]["batch_size"]
    num_steps = num_steps or g["config"]["num_steps"]
    return run_batches(sess, g, ptb_iterator(data, batch_size, num_steps), False, on_loss=on_batch)


__all__ = ["evaluate", "gen_epochs", "reset_graph", "run_batches", "train_network"]
