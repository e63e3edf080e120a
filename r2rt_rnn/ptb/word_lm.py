"""The PTB word-level LSTM language model (Zaremba et al. 2014; TF tutorial ``ptb_word_lm.py``).

The model reads ``num_steps`` words at a time from each of ``batch_size``
parallel streams, embeds them, runs them through a stack of LSTMs and predicts
the next word with a softmax over the vocabulary. Training is truncated
backpropagation: gradients stop at the edge of each ``num_steps`` window, but
the LSTM *state* does not, it is fed from one batch into the next. Plain SGD,
gradients clipped by their global norm, and a learning rate that is held for
``max_epoch`` epochs and then multiplied by ``lr_decay`` every epoch.

Three models share weights through variable-scope reuse: the training model
(dropout on), a validation model (same shapes, no dropout) and a test model
that reads one word at a time (batch 1, 1 step), as in the tutorial.

Quality is per-word perplexity, ``exp(total loss / total words)``.

Command line: ``python -m r2rt_rnn ptb --data-path DIR --model small``.
"""
import dataclasses
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data import check_positive, epoch_size, ptb_iterator
from ..errors import R2RTError
from ..graphs.common import seed_graph, sequence_loss_by_example, stack
from ..tf1 import rnn_cell, tf
from .reader import ptb_raw_data

__all__ = [
    "CONFIGS", "Config", "LargeConfig", "MediumConfig", "PTBModel", "SmallConfig", "TestConfig", "TrainResult",
    "add_arguments", "build_models", "evaluate", "get_config", "main", "run_epoch", "train",
]


# --- configurations: the tutorial's published hyper-parameters ---------------------------------


@dataclass
class Config:
    """Hyper-parameters of one run. The defaults are the tutorial's small model.

    ``max_epoch``: epochs at the initial learning rate; ``max_max_epoch``: total
    epochs; ``keep_prob``: dropout keep probability (1.0 = no dropout);
    ``vocab_size`` is replaced by the real vocabulary size when training.
    """

    init_scale: float = 0.1
    learning_rate: float = 1.0
    max_grad_norm: float = 5
    num_layers: int = 2
    num_steps: int = 20
    hidden_size: int = 200
    max_epoch: int = 4
    max_max_epoch: int = 13
    keep_prob: float = 1.0
    lr_decay: float = 0.5
    batch_size: int = 20
    vocab_size: int = 10000


@dataclass
class SmallConfig(Config):
    """2 x 200 LSTM, no dropout; published test perplexity 114.5 (paper) / 115.91 (TF script)."""


@dataclass
class MediumConfig(Config):
    """2 x 650 LSTM, dropout 0.5; published test perplexity 82.7 (paper) / 82.07 (TF script)."""

    init_scale: float = 0.05
    max_grad_norm: float = 5
    num_steps: int = 35
    hidden_size: int = 650
    max_epoch: int = 6
    max_max_epoch: int = 39
    keep_prob: float = 0.5
    lr_decay: float = 0.8  # the TF script's value; the paper divides by 1.2 instead


@dataclass
class LargeConfig(Config):
    """2 x 1500 LSTM, dropout 0.65; published test perplexity 78.4 (paper) / 78.29 (TF script)."""

    init_scale: float = 0.04
    max_grad_norm: float = 10
    num_steps: int = 35
    hidden_size: int = 1500
    max_epoch: int = 14
    max_max_epoch: int = 55
    keep_prob: float = 0.35
    lr_decay: float = 1 / 1.15


@dataclass
class TestConfig(Config):
    """A tiny model for tests and quick runs (the tutorial's TestConfig)."""

    max_grad_norm: float = 1
    num_layers: int = 1
    num_steps: int = 2
    hidden_size: int = 2
    max_epoch: int = 1
    max_max_epoch: int = 1


CONFIGS = {"test": TestConfig, "small": SmallConfig, "medium": MediumConfig, "large": LargeConfig}


def get_config(name):
    """A fresh config object for ``name`` (test, small, medium or large)."""
    try:
        return CONFIGS[name]()
    except KeyError:
        raise R2RTError(f"unknown model {name!r}; use one of {', '.join(CONFIGS)}") from None


# --- the model ------------------------------------------------------------------------------------


class PTBModel:
    """The tutorial's graph-mode model. Build it inside a ``tf.variable_scope`` (reuse it to share weights).

    Feeds: ``input_data`` and ``targets``, int32 ``[batch_size, num_steps]``; and
    optionally ``initial_state`` (a tuple of ``LSTMStateTuple(c, h)``, one per
    layer, each ``[batch_size, hidden_size]``), zero when not fed.
    Fetches: ``logits`` ``[batch_size * num_steps, vocab_size]`` (batch-major),
    ``word_losses`` ``[batch_size, num_steps]``, ``cost`` (loss summed over the
    steps, averaged over the batch), ``final_state``; when training, ``train_op``
    and the learning-rate variable ``lr`` (set with :meth:`assign_lr`).
    """

    def __init__(self, is_training, config):
        self.is_training = is_training
        self.config = config
        self.batch_size = batch_size = config.batch_size
        self.num_steps = num_steps = config.num_steps
        size = config.hidden_size
        vocab_size = config.vocab_size
        use_dropout = is_training and config.keep_prob < 1

        self.input_data = tf.placeholder(tf.int32, [batch_size, num_steps], name="input_data")
        self.targets = tf.placeholder(tf.int32, [batch_size, num_steps], name="targets")

        def make_cell():
            # forget_bias 0.0 as in the tutorial's script; the weights start uniform in +-init_scale.
            cell = rnn_cell.BasicLSTMCell(size, forget_bias=0.0, state_is_tuple=True)
            if use_dropout:  # dropout on the cell's output only: the recurrent h -> h path stays intact
                cell = rnn_cell.DropoutWrapper(cell, output_keep_prob=config.keep_prob)
            return cell

        cell = stack(make_cell, config.num_layers)  # one cell per layer: no silent weight sharing
        self.initial_state = cell.zero_state(batch_size, tf.float32)

        with tf.device("/cpu:0"):
            embedding = tf.get_variable("embedding", [vocab_size, size], dtype=tf.float32)
            inputs = tf.nn.embedding_lookup(embedding, self.input_data)  # [batch, steps, size]
        if use_dropout:
            inputs = tf.nn.dropout(inputs, rate=1.0 - config.keep_prob)

        with tf.variable_scope("RNN"):
            outputs, state = tf.nn.static_rnn(
                cell, tf.unstack(inputs, num=num_steps, axis=1), initial_state=self.initial_state
            )
        self.final_state = state

        # [batch, steps * size] -> [batch * steps, size]: row b * num_steps + t is word t of stream b.
        output = tf.reshape(tf.concat(outputs, 1), [-1, size])
        softmax_w = tf.get_variable("softmax_w", [size, vocab_size], dtype=tf.float32)
        softmax_b = tf.get_variable("softmax_b", [vocab_size], dtype=tf.float32)
        self.logits = tf.matmul(output, softmax_w) + softmax_b
        loss = sequence_loss_by_example(
            [self.logits], [tf.reshape(self.targets, [-1])], [tf.ones([batch_size * num_steps], dtype=tf.float32)],
            average_across_timesteps=False,  # per-word losses: each "time step" here is one word row
        )
        self.word_losses = tf.reshape(loss, [batch_size, num_steps])
        self.cost = tf.reduce_sum(loss) / batch_size

        if not is_training:
            self.lr = self.train_op = None
            return
        self.lr = tf.Variable(0.0, trainable=False, name="learning_rate")
        tvars = tf.trainable_variables()
        grads, _ = tf.clip_by_global_norm(tf.gradients(self.cost, tvars), config.max_grad_norm)
        optimizer = tf.train.GradientDescentOptimizer(self.lr)
        self.train_op = optimizer.apply_gradients(
            zip(grads, tvars), global_step=tf.train.get_or_create_global_step()
        )
        self._new_lr = tf.placeholder(tf.float32, shape=[], name="new_learning_rate")
        self._lr_update = tf.assign(self.lr, self._new_lr)

    def assign_lr(self, session, lr_value):
        """Set the learning rate used by ``train_op`` from now on."""
        session.run(self._lr_update, feed_dict={self._new_lr: lr_value})

    def state_feed(self, state):
        """A feed dict that sets ``initial_state`` to ``state`` (as returned for ``final_state``)."""
        feed = {}
        for layer, (c, h) in enumerate(self.initial_state):
            feed[c] = state[layer].c
            feed[h] = state[layer].h
        return feed


def build_models(config, eval_config=None, seed=0):
    """Build a fresh graph with the training, validation and test models sharing one set of weights.

    Returns a dict: ``graph``, ``train``, ``valid``, ``test`` (PTBModel objects),
    ``saver`` and ``init`` (the variable initialiser op). ``eval_config``
    (default: ``config`` with batch 1, 1 step) shapes the test model.
    """
    if eval_config is None:
        eval_config = dataclasses.replace(config, batch_size=1, num_steps=1)
    graph = tf.Graph()
    with graph.as_default():
        seed_graph(seed)
        initializer = tf.random_uniform_initializer(-config.init_scale, config.init_scale, seed=seed)
        with tf.name_scope("Train"):
            with tf.variable_scope("Model", reuse=None, initializer=initializer):
                m = PTBModel(is_training=True, config=config)
        with tf.name_scope("Valid"):
            with tf.variable_scope("Model", reuse=True, initializer=initializer):
                mvalid = PTBModel(is_training=False, config=config)
        with tf.name_scope("Test"):
            with tf.variable_scope("Model", reuse=True, initializer=initializer):
                mtest = PTBModel(is_training=False, config=eval_config)
        saver = tf.train.Saver(max_to_keep=1)
        init = tf.global_variables_initializer()
    return {"graph": graph, "train": m, "valid": mvalid, "test": mtest, "saver": saver, "init": init}


# --- training and evaluation -----------------------------------------------------------------------


def run_epoch(session, model, data, eval_op=None, verbose=False, progress=False):
    """Run ``model`` once over ``data`` (an id array) and return the per-word perplexity.

    The state starts at zero and each batch's final state becomes the next
    batch's initial state. With ``eval_op`` (e.g. ``model.train_op``) the model
    is trained on the way. ``verbose`` prints progress about every 10%;
    ``progress`` shows a tqdm bar (a string is used as its label).
    """
    n_batches = epoch_size(len(data), model.batch_size, model.num_steps)
    start_time = time.time()
    costs = 0.0
    iters = 0
    state = session.run(model.initial_state)
    fetches = {"cost": model.cost, "final_state": model.final_state}
    if eval_op is not None:
        fetches["eval_op"] = eval_op
    batches = ptb_iterator(data, model.batch_size, model.num_steps)
    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, total=n_batches, desc=progress if isinstance(progress, str) else None,
                       leave=False, unit="batch")
    report_every = max(1, n_batches // 10)
    for step, (x, y) in enumerate(batches):
        feed = {model.input_data: x, model.targets: y, **model.state_feed(state)}
        vals = session.run(fetches, feed)
        state = vals["final_state"]  # carried into the next batch: truncated backprop, not a reset
        costs += vals["cost"]
        iters += model.num_steps
        if verbose and step % report_every == report_every - 1:
            wps = iters * model.batch_size / max(time.time() - start_time, 1e-9)
            print(f"{(step + 1) / n_batches:.3f} perplexity: {np.exp(costs / iters):.3f} speed: {wps:.0f} wps")
    return float(np.exp(costs / iters))


@dataclass
class TrainResult:
    """What :func:`train` measured: one entry per epoch, plus the final test perplexity."""

    config: Config
    learning_rates: list = field(default_factory=list)
    train_perplexity: list = field(default_factory=list)
    valid_perplexity: list = field(default_factory=list)
    test_perplexity: float = math.nan
    checkpoint: str = None


def _check_split_lengths(data, config):
    for name, ids, batch, steps in (
        ("training", data.train, config.batch_size, config.num_steps),
        ("validation", data.valid, config.batch_size, config.num_steps),
        ("test", data.test, 1, 1),
    ):
        if epoch_size(len(ids), batch, steps) == 0:
            raise R2RTError(
                f"the {name} split has {len(ids)} words, too few for one [{batch} x {steps}] batch "
                f"(needs at least {batch * (steps + 1)}); use more text or a smaller batch_size/num_steps"
            )


def train(config, data_path=None, save_path=None, max_epochs=None, seed=0, verbose=False, progress=False,
          log=print, raw_data=None):
    """Train the model of ``config`` on the PTB-format directory ``data_path`` and return a :class:`TrainResult`.

    ``config.vocab_size`` is replaced by the real vocabulary size; ``max_epochs``
    overrides ``config.max_max_epoch`` (for quick runs). Each epoch sets the
    learning rate to ``learning_rate * lr_decay ** max(epoch + 1 - max_epoch, 0)``
    (epochs counted from 0), trains once over the training split and measures
    validation perplexity; the test split is measured at the end with batch 1,
    1 step. With ``save_path`` (a directory) a ``tf.train.Saver`` checkpoint, the
    vocabulary and the config are written there after every epoch.
    ``raw_data`` (a :class:`~r2rt_rnn.ptb.reader.PTBData`) skips reading ``data_path``.
    """
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

    models = build_models(config, seed=seed)
    m, mvalid, mtest = models["train"], models["valid"], models["test"]
    result = TrainResult(config=config)
    if log:
        log(f"{type(config).__name__}: {dataclasses.asdict(config)}")
        log(f"words: train {len(data.train)}, valid {len(data.valid)}, test {len(data.test)}; "
            f"vocabulary {data.vocab_size}")
    if save_path is not None:
        save_path = Path(save_path).expanduser()
        save_path.mkdir(parents=True, exist_ok=True)
        (save_path / "vocab.json").write_text(json.dumps(_vocab_list(data.word_to_id)), encoding="utf-8")
        (save_path / "config.json").write_text(
            json.dumps({"class": type(config).__name__, **dataclasses.asdict(config)}, indent=1), encoding="utf-8"
        )
    with tf.Session(graph=models["graph"]) as session:
        session.run(models["init"])
        for i in range(config.max_max_epoch):
            lr_decay = config.lr_decay ** max(i + 1 - config.max_epoch, 0.0)
            m.assign_lr(session, config.learning_rate * lr_decay)
            lr = float(session.run(m.lr))
            train_ppl = run_epoch(session, m, data.train, eval_op=m.train_op, verbose=verbose,
                                  progress=f"epoch {i + 1} train" if progress else False)
            valid_ppl = run_epoch(session, mvalid, data.valid,
                                  progress=f"epoch {i + 1} valid" if progress else False)
            result.learning_rates.append(lr)
            result.train_perplexity.append(train_ppl)
            result.valid_perplexity.append(valid_ppl)
            if log:
                log(f"Epoch {i + 1}/{config.max_max_epoch}  learning rate {lr:.3f}  "
                    f"train perplexity {train_ppl:.3f}  valid perplexity {valid_ppl:.3f}")
            if save_path is not None:
                result.checkpoint = models["saver"].save(session, str(save_path / "model.ckpt"))
        result.test_perplexity = run_epoch(session, mtest, data.test, progress="test" if progress else False)
        if log:
            log(f"Test perplexity {result.test_perplexity:.3f}")
    return result


def _vocab_list(word_to_id):
    return [w for w, _ in sorted(word_to_id.items(), key=lambda item: item[1])]


def evaluate(save_path, data_path, split="test", raw_data=None):
    """Restore the checkpoint in ``save_path`` and return its perplexity on ``split`` of ``data_path``.

    The test split is read with batch 1, 1 step (as in training); other splits
    with the saved config's batch and step sizes. The saved vocabulary must
    match the one built from ``data_path``'s training split.
    """
    save_path = Path(save_path).expanduser()
    for name in ("config.json", "vocab.json"):
        if not (save_path / name).is_file():
            raise R2RTError(f"{save_path / name} not found; pass a --save-path directory written by train()")
    checkpoint = tf.train.latest_checkpoint(str(save_path))
    if checkpoint is None:
        raise R2RTError(f"no checkpoint in {save_path}; train with save_path={str(save_path)!r} first")
    saved = json.loads((save_path / "config.json").read_text(encoding="utf-8"))
    config = CONFIGS.get(saved.pop("class", ""), Config)
    config = Config(**saved) if config is Config else config(**saved)
    data = raw_data if raw_data is not None else ptb_raw_data(data_path)
    if _vocab_list(data.word_to_id) != json.loads((save_path / "vocab.json").read_text(encoding="utf-8")):
        raise R2RTError(f"the vocabulary of {data_path} differs from the one saved in {save_path}; "
                        "evaluate with the data directory the model was trained on")
    models = build_models(config)
    model = models["test"] if split == "test" else models["valid"]
    ids = {"train": data.train, "valid": data.valid, "test": data.test}.get(split)
    if ids is None:
        raise R2RTError(f"unknown split {split!r}; use train, valid or test")
    with tf.Session(graph=models["graph"]) as session:
        models["saver"].restore(session, checkpoint)
        return run_epoch(session, model, ids)


# --- command line -----------------------------------------------------------------------------------


def add_arguments(parser):
    parser.add_argument("--data-path", default=None,
                        help="directory holding ptb.train.txt, ptb.valid.txt, ptb.test.txt "
                             "(default: download simple-examples.tgz into the cache)")
    parser.add_argument("--model", default="small", choices=sorted(CONFIGS, key=list(CONFIGS).index),
                        help="hyper-parameter set: the tutorial's small/medium/large, or a tiny test model")
    parser.add_argument("--save-path", default=None, help="directory for the checkpoint, vocab.json, config.json")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="stop after this many epochs (overrides the config's max_max_epoch)")
    parser.add_argument("--seed", type=int, default=0, help="graph-level random seed")
    parser.add_argument("--verbose", action="store_true", help="print perplexity and speed every 10%% of an epoch")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bars")


def main(args):
    config = get_config(args.model)
    result = train(config, data_path=args.data_path, save_path=args.save_path, max_epochs=args.max_epochs,
                   seed=args.seed, verbose=args.verbose, progress=not args.no_progress)
    if result.checkpoint:
        print(f"checkpoint: {result.checkpoint}")
    return 0
