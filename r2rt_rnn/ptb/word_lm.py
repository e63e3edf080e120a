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
import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..data import Vocabulary, epoch_size, ptb_iterator
from ..runtime import checkpoint, checks
from ..runtime.errors import R2RTError
from ..runtime.loop import Loop
from ..runtime.machine import cpu_seconds, cpu_share
from ..runtime.parts import Checkpoints, ProgressBar, StopWhenFlat, TensorBoard
from ..runtime.summaries import TEST_PERPLEXITY, TRAIN_PERPLEXITY, VALID_PERPLEXITY
from ..tf1 import tf
from .configs import CONFIGS, Config, LargeConfig, MediumConfig, SmallConfig, TestConfig, config_from_dict, get_config
from .model import PTBModel, build_models
from .reader import ptb_raw_data

# The tutorial's script held the configs and the model too; its names stay importable from here.
__all__ = ["CONFIGS", "Config", "LargeConfig", "MediumConfig", "PTBModel", "SmallConfig", "SplitTooShort",
           "TestConfig", "TrainResult", "build_models", "checkpoint_perplexity", "get_config",
           "load_model", "run_epoch", "train", "word_vocabulary"]


# --- training and evaluation -----------------------------------------------------------------------


def run_epoch(session, model, data, eval_op=None, on_batch=None, max_batches=None, reset_state=False):
    """Run ``model`` once over ``data`` (an id array) and return the per-word perplexity.

    The state starts at zero and each batch's final state becomes the next
    batch's initial state. With ``eval_op`` (e.g. ``model.train_op``) the model
    is trained on the way. ``on_batch(batches_done, word_loss)`` is called after each batch with the
    count of batches done so far (from 1) and that batch's mean loss per word (the trainer's loop
    takes it there: progress, TensorBoard, the Ctrl-C safe point).
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
    for _, (x, y) in zip(range(n_batches), ptb_iterator(data, model.batch_size, model.num_steps)):
        feed = {model.input_data: x, model.targets: y, **model.state_feed(state)}
        vals = session.run(fetches, feed)
        # carried into the next batch: truncated backprop, not a reset (unless asked to forget)
        state = zero if reset_state else vals["final_state"]
        costs += vals["cost"]
        iters += model.num_steps
        if on_batch is not None:
            on_batch(iters // model.num_steps, float(vals["cost"]) / model.num_steps)
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

    @classmethod
    def of(cls, config, history, test_perplexity):
        """The result of a run whose loop recorded ``history`` (a resumed run's earlier epochs included)."""
        values = history.values
        return cls(config, list(history.learning_rates), list(values.get("train_perplexity", [])),
                   list(values.get("valid_perplexity", [])), list(values.get("train_seconds", [])),
                   list(values.get("cpu", [])), test_perplexity,
                   None if history.checkpoint is None else str(history.checkpoint))


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


def word_vocabulary(word_to_id):
    """The training split's words as a :class:`~r2rt_rnn.data.Vocabulary`, ids unchanged."""
    return Vocabulary.from_words([w for w, _ in sorted(word_to_id.items(), key=lambda item: item[1])])


def train(config=None, data_path=None, save_path=None, max_epochs=None, seed=0, verbose=False, log=print,
          raw_data=None, logdir=None, overwrite=False, min_valid_gain=None, resume=None):
    """Train the model of ``config`` on the PTB-format directory ``data_path`` and return a :class:`TrainResult`.

    As the tutorial's ``main``: each epoch sets the learning rate to
    ``learning_rate * lr_decay ** max(epoch + 1 - max_epoch, 0)`` (epochs counted from 0), trains once
    over the training split and measures validation perplexity; the test split is measured at the end
    with batch 1, 1 step. ``config.vocab_size`` is replaced by the real vocabulary size; ``max_epochs``
    overrides ``config.max_max_epoch`` (counting any epochs a resumed checkpoint already has).
    ``raw_data`` (a :class:`~r2rt_rnn.ptb.reader.PTBData`) skips reading ``data_path``. ``log`` prints
    the config, the data's sizes and a line per epoch (None: nothing); ``verbose`` shows progress within
    each epoch. ``min_valid_gain``: stop after the first epoch whose validation perplexity fell by less.

    Beyond the tutorial (the loop's parts, :mod:`r2rt_rnn.runtime.parts`): with ``save_path`` the package's
    checkpoint (tensors, word vocabulary, config, the per-epoch record) is written after every epoch; one
    already there is refused before any work unless ``overwrite``. ``resume`` (a checkpoint this trainer wrote)
    continues after its last complete epoch, with its config when ``config`` is None, saving there unless
    ``save_path`` says otherwise; the epochs then match an uninterrupted run's (without dropout: its random
    masks start afresh). ``logdir``: TensorBoard's ``train/perplexity``, ``valid/perplexity``,
    ``train/learning_rate``, ``epoch/seconds``, ``test/perplexity`` and the graph, in a new run folder.

    A split too short for one batch is a :class:`SplitTooShort`; Ctrl-C keeps the last complete epoch and
    raises :class:`~r2rt_rnn.runtime.errors.TrainingInterrupted`.
    """
    config, data, saved = _inputs(config, data_path, raw_data, max_epochs, resume)
    log = log or (lambda *_: None)
    vocab = word_vocabulary(data.word_to_id)
    models = build_models(config, seed=seed)
    m, mvalid, mtest = models["train"], models["valid"], models["test"]
    n_batches = epoch_size(len(data.train), config.batch_size, config.num_steps)
    saves = Checkpoints(models, save_path or (saved.path if saved else None), vocab, resume=saved,
                        overwrite=overwrite, compatible=lambda ckpt: _resumable(models, ckpt, vocab),
                        resume_hint=lambda path: f"continue with resume={str(path)!r}")
    tensorboard = TensorBoard(logdir, models["graph"], tag=TRAIN_PERPLEXITY,
                              transform=np.exp, tags={"valid_perplexity": VALID_PERPLEXITY})
    parts = [saves, tensorboard, StopWhenFlat(min_valid_gain, "valid_perplexity"),
             ProgressBar(n_batches, "epoch {} train", enabled=verbose, rate_unit="words",
                         rate_per_step=config.batch_size * config.num_steps)]
    log(f"{type(config).__name__}: {dataclasses.asdict(config)}")
    log(f"words: train {len(data.train)}, valid {len(data.valid)}, test {len(data.test)}; "
        f"vocabulary {data.vocab_size}")
    if tensorboard.path:
        log(f"TensorBoard logs: {tensorboard.path}")

    with tf.Session(graph=models["graph"]) as session:
        session.run(models["init"])
        with Loop(session, epochs=config.max_max_epoch, steps_per_epoch=n_batches, parts=parts, log=log) as loop:
            for i in loop.epochs():
                lr_decay = config.lr_decay ** max(i + 1 - config.max_epoch, 0.0)
                m.assign_lr(session, config.learning_rate * lr_decay)
                lr = float(session.run(m.lr))
                t0, cpu0 = time.perf_counter(), cpu_seconds()
                train_perplexity = run_epoch(session, m, data.train, eval_op=m.train_op,
                                             on_batch=lambda _, word_loss: loop.step(word_loss))
                seconds = time.perf_counter() - t0
                cpu = cpu_share(cpu0, cpu_seconds(), seconds)
                valid_perplexity = run_epoch(session, mvalid, data.valid, on_batch=loop.check)
                loop.end_epoch(math.log(train_perplexity), valid_loss=math.log(valid_perplexity), learning_rate=lr,
                               train_perplexity=train_perplexity, valid_perplexity=valid_perplexity,
                               train_seconds=seconds, cpu=cpu)
                log(f"Epoch {i + 1}/{config.max_max_epoch}  learning rate {lr:.3f}  train perplexity "
                    f"{train_perplexity:.3f}  valid perplexity {valid_perplexity:.3f}  ({seconds:.0f} s)")
            test_perplexity = run_epoch(session, mtest, data.test, on_batch=loop.check)
            log(f"Test perplexity {test_perplexity:.3f}")
            tensorboard.log.scalar(TEST_PERPLEXITY, test_perplexity, tensorboard.step(loop))
    return TrainResult.of(config, loop.history, test_perplexity)


def _inputs(config, data_path, raw_data, max_epochs, resume):
    """The checked config (the resumed checkpoint's when ``config`` is None), data and checkpoint to resume."""
    saved = load_model(resume)[0] if resume else None
    if config is None:
        config = config_from_dict(saved.config) if saved else SmallConfig()
    data = raw_data if raw_data is not None else ptb_raw_data(data_path)
    config = dataclasses.replace(config, vocab_size=data.vocab_size)
    if max_epochs is not None:
        config = dataclasses.replace(config, max_max_epoch=checks.integer("max_epochs", max_epochs))
    checks.positive(batch_size=config.batch_size, num_steps=config.num_steps, hidden_size=config.hidden_size,
                    num_layers=config.num_layers, max_max_epoch=config.max_max_epoch)
    checks.probability("keep_prob", config.keep_prob)
    _check_split_lengths(data, config)
    return config, data, saved


def _resumable(models, saved, vocab):
    """R2RTError unless checkpoint ``saved`` continues in ``models`` on this data's vocabulary."""
    checkpoint.check_compatible(models["config"], saved.config, saved.path)
    if saved.vocab != vocab:
        raise R2RTError(f"resume {saved.path} was trained on data with another vocabulary; resume it with the "
                        "data directory it was trained on", params=("resume",))


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
