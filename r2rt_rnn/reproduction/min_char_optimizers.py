"""min-char-rnn's optimizer against ours: why notebook 01 trains with Adam, measured.

Karpathy's min-char-rnn updates every weight with Adagrad at a learning rate of 0.1, on the cross-entropy
*summed* over its 25-character window, its accumulator starting at zero (``mem += dparam**2``,
``param -= 0.1 * dparam / sqrt(mem + 1e-8)``). The package's :func:`r2rt_rnn.min_char_rnn.build_graph`
minimises the *mean* over the window, whose gradients are ``seq_length`` times smaller, with Adam.
TensorFlow's ``AdagradOptimizer`` starts its accumulator at 0.1 (``initial_accumulator_value``); beside
small gradients that start dominates ``sqrt(accumulator)`` and the steps stay small.

:func:`optimizer_runs` trains the same model (same seed, same batches, the state carried as ``train``
carries it, every gradient entry clipped as ``build_graph`` clips it) once per :class:`Arm`, so the two
causes can be told apart: the loss's scale (mean or sum) and the accumulator's start.
"""
import itertools
from dataclasses import dataclass

import numpy as np

from ..data import Vocabulary
from ..graphs.common import seed_graph
from ..min_char_rnn import Config, build_graph, gen_epoch_data
from ..runtime import checks
from ..tf1 import tf


@dataclass(frozen=True)
class Arm:
    """One way to train: ``optimizer`` ``"adam"`` or ``"adagrad"``; ``summed``: minimise the window's summed
    loss (min-char-rnn's) instead of its mean; ``accumulator``: Adagrad's starting accumulator."""

    optimizer: str
    learning_rate: float
    summed: bool = False
    accumulator: float = 0.1  # TensorFlow's default


ADAGRAD_START = 1e-8  # min-char-rnn's accumulator starts at 0 and adds 1e-8 under the square root
ARMS = {
    "Adam 0.005, mean loss (ours)": Arm("adam", 0.005),
    "Adagrad 0.1, mean loss, accumulator from 0.1 (TF's default)": Arm("adagrad", 0.1),
    "Adagrad 0.1, summed loss, accumulator from 0.1": Arm("adagrad", 0.1, summed=True),
    "Adagrad 0.1, summed loss, accumulator from 1e-8 (min-char-rnn's)": Arm("adagrad", 0.1, summed=True,
                                                                            accumulator=ADAGRAD_START),
}


def train_step(g, arm, clip):
    """``arm``'s update of ``g``'s weights, each gradient entry clipped to ``[-clip, clip]`` as in build_graph."""
    loss = g["loss"] * g["config"]["seq_length"] if arm.summed else g["loss"]
    if arm.optimizer == "adam":
        optimizer = tf.train.AdamOptimizer(arm.learning_rate)
    else:
        optimizer = tf.train.AdagradOptimizer(arm.learning_rate, initial_accumulator_value=arm.accumulator)
    grads = [(tf.clip_by_value(d, -clip, clip), v) for d, v in optimizer.compute_gradients(loss)]
    return optimizer.apply_gradients(grads)


def _run(ids, vocab_size, arm, config):
    """Per-step mean losses (nats/char) of ``config.steps`` steps of ``arm``, the state carried between batches."""
    with tf.Graph().as_default():
        seed_graph(config.seed)
        g = build_graph(vocab_size, config.hidden_size, config.seq_length, config.learning_rate, config.clip)
        step = train_step(g, arm, config.clip)
        batches = itertools.chain.from_iterable(  # pass after pass over the text, as long as the steps last
            gen_epoch_data(ids, config.batch_size, config.seq_length) for _ in itertools.count())
        losses = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            h = np.zeros([config.batch_size, config.hidden_size], np.float32)
            for x, y in itertools.islice(batches, config.steps):
                loss, h, _ = sess.run([g["loss"], g["final_state"], step], {g["x"]: x, g["y"]: y, g["init_state"]: h})
                losses.append(float(loss))
    return losses


def optimizer_runs(text, steps, arms=None, config=None):
    """``{name: per-step training losses}``: the min-char-rnn model trained ``steps`` steps on ``text`` by each
    of ``arms`` (default :data:`ARMS`), from the same initial weights; ``config`` gives the sizes (default
    :class:`~r2rt_rnn.min_char_rnn.Config`).
    The state is carried on from one pass into the next (short runs make few passes)."""
    checks.positive(steps=steps)
    config = Config(**{**(config or Config()).__dict__, "steps": steps}).checked()
    vocab = Vocabulary.from_text(text)
    ids = vocab.encode(text)
    checks.length(ids, config.batch_size, config.seq_length)
    return {name: _run(ids, len(vocab), arm, config) for name, arm in (arms or ARMS).items()}
