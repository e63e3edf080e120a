"""Training and evaluating the PTB word model (Zaremba et al. 2014; TF tutorial ``ptb_word_lm.py``).

Training is truncated backpropagation: gradients stop at the edge of each
``num_steps`` window, but the LSTM *state* does not, it is fed from one batch into
the next. Plain SGD, gradients clipped by their global norm, and a learning rate
that is held for ``max_epoch`` epochs and then multiplied by ``lr_decay`` every
epoch. Quality is per-word perplexity, ``exp(total loss / total words)``.

The model is in :mod:`r2rt_rnn.ptb.model`, the hyper-parameters in
:mod:`r2rt_rnn.ptb.configs`; the command line (``python -m r2rt_rnn ptb --data-path DIR
--model small``) is :mod:`r2rt_rnn.cli.ptb`.
"""
import contextlib
import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..data import Vocabulary, check_positive, epoch_size, ptb_iterator
from ..runtime import checkpoint, interrupts, summaries
from ..runtime.errors import R2RTError, TrainingInterrupted
from ..runtime.machine import cpu_seconds, cpu_share
from ..runtime.progress import Progress
from ..tf1 import tf
from .configs import CONFIGS, Config, LargeConfig, MediumConfig, SmallConfig, TestConfig, config_from_dict, get_config
from .model import PTBModel, build_models
from .reader import ptb_raw_data

# The tutorial's script held the configs and the model too; its names stay importable from here.
__all__ = ["CONFIGS", "Config", "LargeConfig", "MediumConfig", "PTBModel", "SmallConfig", "SplitTooShort",
           "TestConfig", "TrainResult", "build_models", "check_save_path", "checkpoint_perplexity", "get_config",
           "load_model", "run_epoch", "train", "word_vocabulary"]


# --- training and evaluation -----------------------------------------------------------------------


def run_epoch(session, model, data, eval_op=None, verbose=False, label="epoch", on_batch=None, max_batches=None,
              reset_state=False):
    """Run ``model`` once over ``data`` (an id array) and return the per-word perplexity.

    The state starts at zero and each batch's final state becomes the next
    batch's initial state. With ``eval_op`` (e.g. ``model.train_op``) the model
    is trained on the way. ``verbose`` shows progress (a bar in a terminal or a
    notebook; in a log file a line about every 10%, with words per second).
    ``on_batch(batches_done, word_loss)`` is called after each batch with the
    count of batches done so far (from 1) and that batch's mean loss per word.
    ``max_batches`` stops after that many batches (the speed measurement's use).
    ``reset_state`` starts every batch from the zero state instead (what carrying it is worth).
    """
    n_batches = epoch_size(len(data), model.batch_size, model.num_steps)
    if max_batches is not None:
        n_batches = min(n_batches, max_batches)
    costs, iters = 0.0, 0
    state = zero = session.run(model.initial_state)
    fetches = {"cost": model.cost, "final_state": model.final_state}
    if eval_op is not None:
        fetches["eval_op"] = eval_op
    words_per_batch = model.batch_size * model.num_steps
    with Progress(n_batches, label, enabled=verbose, rate_unit="words", rate_per_step=words_per_batch) as bar:
        for _, (x, y) in zip(range(n_batches), ptb_iterator(data, model.batch_size, model.num_steps)):
            feed = {model.input_data: x, model.targets: y, **model.state_feed(state)}
            vals = session.run(fetches, feed)
            # carried into the next batch: truncated backprop, not a reset (unless asked to forget)
            state = zero if reset_state else vals["final_state"]
            costs += vals["cost"]
            iters += model.num_steps
            bar.update(1, perplexity=f"{np.exp(costs / iters):.1f}")
            if on_batch is not None:
                on_batch(iters // model.num_steps, float(vals["cost"]) / model.num_steps)
            interrupts.check()  # the command line's Ctrl-C takes effect here, between two batches
    return float(np.exp(costs / iters))


@dataclass
class TrainResult:
    """What :func:`train` measured: one entry per epoch, plus the final test perplexity."""

    config: Config
    learning_rates: list = field(default_factory=list)
    train_perplexity: list = field(default_factory=list)
    valid_perplexity: list = field(default_factory=list)
    epoch_seconds: list = field(default_factory=list)
    epoch_cpu: list = field(default_factory=list)  # per epoch, what the cores did (machine.cpu_share)
    test_perplexity: float = math.nan
    checkpoint: str = None


class SplitTooShort(R2RTError):
    """A split too short for one batch of the config. ``problem`` says which and by how much, ``split`` is its
    name (train, valid or test): a command that offers another way to smaller batches says so with them."""

    def __init__(self, problem, split):
        fix = f"use a longer ptb.{split}.txt" + ("" if split == "test" else
                                                 " or a config with a smaller batch_size/num_steps")
        super().__init__(f"{problem}; {fix}")
        self.problem, self.split = problem, split


def _check_split_lengths(data, config):
    for name, split, ids, batch, steps in (
        ("training", "train", data.train, config.batch_size, config.num_steps),
        ("validation", "valid", data.valid, config.batch_size, config.num_steps),
        ("test", "test", data.test, 1, 1),
    ):
        if epoch_size(len(ids), batch, steps) == 0:
            raise SplitTooShort(f"the {name} split has {len(ids)} words, too few for one [{batch} x {steps}] batch "
                                f"(needs at least {batch * (steps + 1)})", split)


def check_save_path(save_path, overwrite=False):
    """``save_path`` resolved and checked before any work (see :func:`r2rt_rnn.checkpoint.prepare_save_path`).

    The PTB trainer cannot resume: a checkpoint already there is refused unless ``overwrite``.
    Errors name the save path ``save`` (``params``).
    """
    path = checkpoint.prepare_save_path(save_path, overwrite=True)
    if not overwrite and checkpoint.exists(path):
        raise R2RTError(f"{path} already holds a checkpoint; pass overwrite=True to replace it, or choose another "
                        "save path", params=("save", "overwrite"))
    return path


def word_vocabulary(word_to_id):
    """The training split's words as a :class:`~r2rt_rnn.data.Vocabulary`, ids unchanged."""
    return Vocabulary.from_words([w for w, _ in sorted(word_to_id.items(), key=lambda item: item[1])])


def _log_train_perplexity(summary, first_step, n_batches, every=summaries.TRAIN_LOSS_EVERY):
    """An ``on_batch`` for :func:`run_epoch` writing ``train/perplexity`` of each ``every`` batches.

    Its step is the global batch number (``first_step`` + batches done); the last,
    shorter group of an epoch is written at the epoch's end.
    """
    group = []

    def on_batch(batches_done, word_loss):
        group.append(word_loss)
        if len(group) == every or batches_done == n_batches:
            summary.scalar(summaries.TRAIN_PERPLEXITY, np.exp(np.mean(group)), first_step + batches_done)
            group.clear()

    return on_batch


def train(config, data_path=None, save_path=None, max_epochs=None, seed=0, verbose=False, log=print,
          raw_data=None, logdir=None, overwrite=False, min_valid_gain=None):
    """Train the model of ``config`` on the PTB-format directory ``data_path`` and return a :class:`TrainResult`.

    ``config.vocab_size`` is replaced by the real vocabulary size; ``max_epochs``
    overrides ``config.max_max_epoch`` (for quick runs). Each epoch sets the
    learning rate to ``learning_rate * lr_decay ** max(epoch + 1 - max_epoch, 0)``
    (epochs counted from 0), trains once over the training split and measures
    validation perplexity; the test split is measured at the end with batch 1,
    1 step. With ``save_path`` the package's checkpoint (tensors, word vocabulary,
    config) is written there after every epoch; a checkpoint already there is
    refused before any work unless ``overwrite``. ``raw_data`` (a
    :class:`~r2rt_rnn.ptb.reader.PTBData`) skips reading ``data_path``. ``log``
    prints the config, the data's sizes and a line per epoch (None: nothing).
    ``min_valid_gain``: stop after the first epoch whose validation perplexity fell by
    less than this (None: run every epoch).

    With ``logdir``, a new run folder under it gets the graph and TensorBoard
    scalars (:mod:`r2rt_rnn.runtime.summaries`), their steps global training batch numbers:
    ``train/perplexity`` every 10 batches, ``train/learning_rate`` when it changes,
    ``valid/perplexity`` and ``epoch/seconds`` at each epoch's end, ``test/perplexity``.

    A split too short for one batch is a :class:`SplitTooShort`; Ctrl-C keeps the
    last complete epoch in ``save_path`` and raises :class:`~r2rt_rnn.errors.TrainingInterrupted`.
    """
    if save_path is not None:
        save_path = check_save_path(save_path, overwrite)
    data = raw_data if raw_data is not None else ptb_raw_data(data_path)
    config = dataclasses.replace(config, vocab_size=data.vocab_size)
    if max_epochs is not None:
        check_positive(max_epochs=max_epochs)
        config = dataclasses.replace(config, max_max_epoch=max_epochs)
    check_positive(batch_size=config.batch_size, num_steps=config.num_steps, hidden_size=config.hidden_size,
                   num_layers=config.num_layers, max_max_epoch=config.max_max_epoch)
    if not 0.0 < config.keep_prob <= 1.0:
        raise R2RTError(f"keep_prob must be in (0, 1], got {config.keep_prob}")
    _check_split_lengths(data, config)
    log = log or (lambda *_: None)
    vocab = word_vocabulary(data.word_to_id)

    models = build_models(config, seed=seed)
    result = TrainResult(config=config)
    log(f"{type(config).__name__}: {dataclasses.asdict(config)}")
    log(f"words: train {len(data.train)}, valid {len(data.valid)}, test {len(data.test)}; "
        f"vocabulary {data.vocab_size}")
    n_batches = epoch_size(len(data.train), config.batch_size, config.num_steps)
    with checkpoint.hold_lock(save_path) if save_path else contextlib.nullcontext(), \
            summaries.SummaryLog.maybe(logdir, graph=models["graph"]) as summary, \
            tf.Session(graph=models["graph"]) as session:
        if summary.enabled:
            log(f"TensorBoard logs: {summary.path}")
        session.run(models["init"])
        try:
            _train_epochs(config, data, models, session, summary, save_path, vocab, result, verbose, log, n_batches,
                          min_valid_gain)
        except KeyboardInterrupt:
            raise _interrupted(result, save_path) from None
        result.test_perplexity = run_epoch(session, models["test"], data.test, verbose=verbose, label="test")
        log(f"Test perplexity {result.test_perplexity:.3f}")
        summary.scalar(summaries.TEST_PERPLEXITY, result.test_perplexity, config.max_max_epoch * n_batches)
    return result


def _interrupted(result, save_path):
    """The TrainingInterrupted for a Ctrl-C in :func:`train`: what the checkpoint holds (it cannot be resumed)."""
    epoch = len(result.train_perplexity) + 1  # the one interrupted
    saved = checkpoint.load(save_path).progress.get("epochs_done", 0) if result.checkpoint else 0
    if not saved:
        return TrainingInterrupted(f"interrupted during epoch {epoch}; nothing was saved", None, 0)
    return TrainingInterrupted(f"interrupted during epoch {saved + 1}; the checkpoint {save_path} holds the {saved} "
                               "complete epoch(s), ready to evaluate or sample (the PTB trainer cannot resume)",
                               save_path, saved)


def _train_epochs(config, data, models, session, summary, save_path, vocab, result, verbose, log, n_batches,
                  min_valid_gain=None):
    """The epochs of :func:`train`: schedule, one pass over train and valid, log, checkpoint."""
    m, mvalid = models["train"], models["valid"]
    for i in range(config.max_max_epoch):
        lr_decay = config.lr_decay ** max(i + 1 - config.max_epoch, 0.0)
        m.assign_lr(session, config.learning_rate * lr_decay)
        lr = float(session.run(m.lr))
        summary.scalar_on_change(summaries.TRAIN_LEARNING_RATE, lr, i * n_batches)
        t0, cpu0 = time.perf_counter(), cpu_seconds()
        on_batch = _log_train_perplexity(summary, i * n_batches, n_batches) if summary.enabled else None
        train_ppl = run_epoch(session, m, data.train, eval_op=m.train_op, verbose=verbose,
                              label=f"epoch {i + 1} train", on_batch=on_batch)
        seconds = time.perf_counter() - t0
        cpu = cpu_share(cpu0, cpu_seconds(), seconds)
        valid_ppl = run_epoch(session, mvalid, data.valid, verbose=verbose, label=f"epoch {i + 1} valid")
        if not (math.isfinite(train_ppl) and math.isfinite(valid_ppl)):
            raise R2RTError(f"training diverged in epoch {i + 1} (perplexity {train_ppl}); "
                            "lower the learning rate" + ("; the last finite checkpoint is kept at "
                                                          f"{save_path}" if result.checkpoint else ""))
        result.learning_rates.append(lr)
        result.train_perplexity.append(train_ppl)
        result.valid_perplexity.append(valid_ppl)
        result.epoch_seconds.append(seconds)
        result.epoch_cpu.append(cpu)
        log(f"Epoch {i + 1}/{config.max_max_epoch}  learning rate {lr:.3f}  train perplexity {train_ppl:.3f}  "
            f"valid perplexity {valid_ppl:.3f}  ({seconds:.0f} s)")
        summary.scalars({summaries.VALID_PERPLEXITY: valid_ppl, summaries.EPOCH_SECONDS: seconds},
                        (i + 1) * n_batches)
        summary.flush()
        if save_path is not None:
            progress = {"epochs_done": i + 1, "learning_rates": result.learning_rates,
                        "train_perplexity": result.train_perplexity,
                        "valid_perplexity": result.valid_perplexity, "epoch_seconds": result.epoch_seconds}
            result.checkpoint = str(checkpoint.save(session, models, save_path, vocab, progress))
        if min_valid_gain is not None and i and result.valid_perplexity[-2] - valid_ppl < min_valid_gain:
            log(f"validation perplexity fell by less than {min_valid_gain:g}: stopping after epoch {i + 1}")
            break


def load_model(checkpoint_path):
    """Read a PTB checkpoint: returns ``(Checkpoint, config)``; R2RTError if it is not a word model's."""
    ckpt = checkpoint.load(checkpoint_path)
    if ckpt.config.get("builder") != "ptb_word_lm":
        raise R2RTError(f"{checkpoint_path} is a character model's checkpoint; sample it with "
                        "generate_from_checkpoint, or pass a checkpoint written by the PTB trainer (train's save_path)")
    if ckpt.vocab is None or ckpt.vocab.level != "word":
        raise R2RTError(f"checkpoint {checkpoint_path} has no word vocabulary beside it; train it again with "
                        "save_path (the vocabulary is saved with it)")
    return ckpt, config_from_dict(ckpt.config)


def checkpoint_perplexity(checkpoint_path, data_path, split="test", raw_data=None):
    """Restore a PTB checkpoint and return its perplexity on ``split`` of ``data_path``.

    The test split is read with batch 1, 1 step (as in training); other splits
    with the saved config's batch and step sizes. The saved vocabulary must
    match the one built from ``data_path``'s training split.
    """
    if split not in ("train", "valid", "test"):
        raise R2RTError(f"unknown split {split!r}; use train, valid or test")
    ckpt, config = load_model(checkpoint_path)
    data = raw_data if raw_data is not None else ptb_raw_data(data_path)
    if word_vocabulary(data.word_to_id) != ckpt.vocab:
        raise R2RTError(f"the vocabulary of {data_path} differs from the one saved with {checkpoint_path}; "
                        "evaluate with the data directory the model was trained on")
    models = build_models(config)
    model = models["test"] if split == "test" else models["valid"]
    with tf.Session(graph=models["graph"]) as session:
        checkpoint.restore(session, models, ckpt)
        return run_epoch(session, model, getattr(data, split))
