"""The gentle intro: Karpathy's min-char-rnn as a hand-written vanilla RNN in TF1 graph mode.

Per step, with ``x_t`` a one-hot character and ``h_t`` the hidden state::

    h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)
    y_t = h_t W_hy + b_y            (logits of the next character)

The post writes the same equations column-wise (``W_xh x_t`` with ``W_xh`` of shape
``[H, V]``); TensorFlow keeps examples in rows, so here ``x_t`` is ``[N, V]``, ``W_xh``
is ``[V, H]``, ``W_hh`` ``[H, H]`` and ``W_hy`` ``[H, V]``.

The graph unrolls ``seq_length`` steps. The last hidden state of one window is fed
back as the first state of the next, so the model sees context longer than a window
(gradients are still truncated at the window edge). :func:`gen_epoch_data` is the
post's ``genEpochData``: the text is split into ``batch_size`` streams read in parallel.

The command line (``python -m r2rt_rnn minchar``) is :mod:`r2rt_rnn.cli.minchar`.
"""
import time
from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np

from .data import Vocabulary, epoch_size, load_text, ptb_iterator
from .graphs.common import seed_graph
from .runtime import checkpoint, checks
from .runtime.errors import R2RTError
from .runtime.loop import Loop
from .runtime.parts import Checkpoints, Every, ProgressBar, TensorBoard
from .tf1 import tf


@dataclass
class Config:
    """Hyper-parameters; the defaults are sized for a real run on tiny-shakespeare on a CPU."""

    hidden_size: int = 128  # H
    seq_length: int = 25  # steps unrolled per window, as in min-char-rnn
    batch_size: int = 32  # parallel streams in gen_epoch_data
    learning_rate: float = 0.005  # Adam (see build_graph for why not Adagrad)
    clip: float = 5.0  # min-char-rnn clips every gradient entry to [-5, 5]
    steps: int = 5000  # about 3.6 passes over tiny-shakespeare at 32 x 25; ~20 s on 2 CPU cores
    sample_length: int = 400
    seed: int = 0
    epochs: Optional[int] = None  # whole passes over the text: the budget instead of `steps` when given

    def checked(self):
        """This config, if its sizes are positive integers and its rates positive and finite (else an R2RTError
        naming the first bad field)."""
        checks.positive(hidden_size=self.hidden_size, seq_length=self.seq_length, batch_size=self.batch_size,
                        steps=self.steps, sample_length=self.sample_length)
        checks.optional(checks.integer, "epochs", self.epochs)
        checks.rate("learning_rate", self.learning_rate)
        checks.rate("clip", self.clip)
        checks.seed(self.seed)
        return self


def gen_epoch_data(ids, batch_size, seq_length):
    """The post's ``genEpochData``: yield ``(x, y)`` int32 batches ``[batch_size, seq_length]``.

    ``ids`` is cut into ``batch_size`` contiguous streams; batch ``i`` holds window ``i`` of
    every stream, so batch ``i + 1`` continues batch ``i`` row by row (which is what makes
    carrying the hidden state across batches meaningful). ``y`` is ``x`` shifted by one
    character: the next character to predict.
    """
    return ptb_iterator(ids, batch_size, seq_length)


def build_graph(vocab_size, hidden_size=128, seq_length=25, learning_rate=0.005, clip=5.0):
    """Build the vanilla RNN in the current default graph; return its tensors as a dict.

    Keys:
        ``x``, ``y``: int32 placeholders ``[batch, seq_length]`` (character ids);
        ``x_oh``, ``y_oh``: their one-hot versions ``[batch, seq_length, vocab_size]``;
        ``init_state``: float32 placeholder ``[batch, hidden_size]``, the carried ``h``;
        ``final_state``: ``[batch, hidden_size]``, ``h`` after the last step;
        ``logits``: ``[batch, seq_length, vocab_size]``; ``loss``: mean cross-entropy (nats/char);
        ``train_step``: Adam with each gradient entry clipped to ``[-clip, clip]``;
        ``sample_x`` int32 ``[1]``, ``sample_state`` ``[1, hidden_size]``, ``sample_probs``
        ``[1, vocab_size]``, ``sample_next_state`` ``[1, hidden_size]``: one step of the same
        weights for sampling.
    """
    checks.positive(vocab_size=vocab_size, hidden_size=hidden_size, seq_length=seq_length)
    V, H = vocab_size, hidden_size
    x = tf.placeholder(tf.int32, [None, seq_length], name="x")
    y = tf.placeholder(tf.int32, [None, seq_length], name="y")
    init_state = tf.placeholder(tf.float32, [None, H], name="init_state")
    x_oh = tf.one_hot(x, V)
    y_oh = tf.one_hot(y, V)

    # min-char-rnn initialises weights with randn * 0.01 and biases with zeros.
    small = tf.random_normal_initializer(stddev=0.01)
    W_xh = tf.get_variable("W_xh", [V, H], initializer=small)
    W_hh = tf.get_variable("W_hh", [H, H], initializer=small)
    W_hy = tf.get_variable("W_hy", [H, V], initializer=small)
    b_h = tf.get_variable("b_h", [H], initializer=tf.zeros_initializer())
    b_y = tf.get_variable("b_y", [V], initializer=tf.zeros_initializer())

    def step(x_t, h_prev):
        """``x_t`` ``[N, V]``, ``h_prev`` ``[N, H]`` -> (``h_t`` ``[N, H]``, logits ``[N, V]``)."""
        h_t = tf.tanh(tf.matmul(x_t, W_xh) + tf.matmul(h_prev, W_hh) + b_h)
        return h_t, tf.matmul(h_t, W_hy) + b_y

    # Unrolled by hand, as the post does: a Python loop adds seq_length copies of `step`.
    h, logits = init_state, []
    for t in range(seq_length):
        h, y_t = step(x_oh[:, t, :], h)
        logits.append(y_t)
    logits = tf.stack(logits, axis=1)  # [batch, seq_length, V]
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_oh, logits=logits))

    # min-char-rnn used Adagrad(0.1) on a loss *summed* over the window. On this mean loss the
    # gradients are seq_length times smaller and TF's Adagrad accumulator starts at 0.1, which
    # then dominates them and keeps the steps small. Adam is insensitive to that scale; notebook 01's
    # "Why Adam" measures both causes (r2rt_rnn.reproduction.min_char_optimizers).
    optimizer = tf.train.AdamOptimizer(learning_rate)
    grads_and_vars = [(tf.clip_by_value(g, -clip, clip), v) for g, v in optimizer.compute_gradients(loss)]
    train_step = optimizer.apply_gradients(grads_and_vars)

    # The sampler shares the weights: it is the same `step`, unrolled once with batch 1.
    sample_x = tf.placeholder(tf.int32, [1], name="sample_x")
    sample_state = tf.placeholder(tf.float32, [1, H], name="sample_state")
    sample_next_state, sample_logits = step(tf.one_hot(sample_x, V), sample_state)
    config = dict(builder="min_char_rnn", vocab_size=V, hidden_size=H, seq_length=seq_length,
                  learning_rate=float(learning_rate), clip=float(clip))  # what a checkpoint records of the model
    return dict(x=x, y=y, x_oh=x_oh, y_oh=y_oh, init_state=init_state, final_state=h, logits=logits,
                loss=loss, train_step=train_step, sample_x=sample_x, sample_state=sample_state,
                sample_probs=tf.nn.softmax(sample_logits), sample_next_state=sample_next_state,
                hidden_size=H, config=config)


def sample(sess, g, vocab, seed_char, length, state=None, rng=None):
    """Generate ``length`` characters, starting from ``seed_char`` and hidden state ``state``.

    Each step feeds the previous character and state, draws the next character from
    the softmax, and feeds it back. ``state`` defaults to zeros ``[1, hidden_size]``.
    Returns the generated string (without the seed character).
    """
    checks.positive(length=length)
    if not isinstance(seed_char, str) or len(seed_char) != 1:
        raise R2RTError(f"seed_char must be a single character, got {seed_char!r}", params=("seed_char",))
    if seed_char not in vocab.vocab_to_idx:
        raise R2RTError(f"seed character {seed_char!r} is not in the training text; pick one that is")
    rng = rng or np.random.RandomState(0)
    h = np.zeros([1, g["hidden_size"]], np.float32) if state is None else np.asarray(state, np.float32)[-1:]
    idx = vocab.vocab_to_idx[seed_char]
    out = []
    for _ in range(length):
        probs, h = sess.run([g["sample_probs"], g["sample_next_state"]],
                            {g["sample_x"]: [idx], g["sample_state"]: h})
        p = probs[0].astype(np.float64)
        idx = rng.choice(len(p), p=p / p.sum())
        out.append(vocab.idx_to_vocab[idx])
    return "".join(out)


def held_out_loss(sess, g, ids, batch_size, seq_length):
    """Mean loss (nats/char) of the model in ``g`` over ``ids``, read as in training (streams side by side,
    the state carried from window to window) but without a training step; ``batch_size`` shrinks
    to fit a short text."""
    batch_size = max(1, min(batch_size, (len(ids) - 1) // seq_length))
    h = np.zeros([batch_size, g["hidden_size"]], np.float32)
    losses = []
    for x, y in gen_epoch_data(ids, batch_size, seq_length):
        loss, h = sess.run([g["loss"], g["final_state"]], {g["x"]: x, g["y"]: y, g["init_state"]: h})
        losses.append(float(loss))
    return float(np.mean(losses))


def train(text=None, config=None, seed_char=None, progress=True, log_every=500, samples_every=0, logdir=None,
          valid_text=None, eval_every=0, save=None, resume=None, overwrite=False):
    """Train min-char-rnn on ``text`` (default: the bundled tiny-shakespeare) and sample from it.

    Runs ``config.steps`` batches (or ``config.epochs`` whole passes), looping over the text as many
    times as needed; the hidden state is carried from each batch to the next and reset at the start of
    every pass. Returns a dict: ``losses`` (per step of this run, nats/char), ``sample`` (``seed_char``
    followed by ``config.sample_length`` characters; ``seed_char`` defaults to the text's first character),
    ``samples`` (step -> ``seed_char`` and 100 characters, every ``samples_every`` steps when > 0),
    ``valid_losses`` (``[(step, held-out loss)]`` every ``eval_every`` steps and at the end, when
    ``valid_text`` is given), ``pass_losses`` (the mean loss of each complete pass), ``passes`` (how many
    times training read the text), ``vocab``, ``config``, ``seconds``, ``logdir`` (the run's TensorBoard
    directory, or None) and ``checkpoint``.

    ``valid_text`` is never trained on; the vocabulary covers it too, so its characters have ids.
    Every ``log_every`` steps one line gives the mean training loss of those steps (and the
    held-out loss when it was measured at that step); the progress bar shows the same mean.

    Beyond the intro (the loop's parts, :mod:`r2rt_rnn.runtime.parts`): ``save`` writes a checkpoint after
    every complete pass (one already there is refused unless ``overwrite``); ``resume`` continues one after its
    last complete pass, the steps and passes it holds counted in the budget; Ctrl-C keeps the last complete
    pass. With ``logdir``, a new run directory under it gets the graph and, for TensorBoard, ``train/loss``,
    ``train/learning_rate`` and the samples as text (:mod:`r2rt_rnn.runtime.summaries`).
    """
    config = (config or Config()).checked()
    vocab, ids, valid_ids, seed_char = _encoded(text, valid_text, seed_char, config)
    per_pass = epoch_size(len(ids), config.batch_size, config.seq_length)

    graph = tf.Graph()
    with graph.as_default():
        seed_graph(config.seed)
        g = build_graph(len(vocab), config.hidden_size, config.seq_length, config.learning_rate, config.clip)
        rng = np.random.RandomState(config.seed)
        sess = tf.Session()
        tensorboard = TensorBoard(logdir, graph, learning_rate=config.learning_rate)  # refused now, if it must be
        parts = [Checkpoints(g, save, vocab, resume=resume, overwrite=overwrite,
                             compatible=lambda saved: _resumable(g, saved, vocab)), tensorboard,
                 valid_ids is not None and Every(eval_every, lambda: held_out_loss(
                     sess, g, valid_ids, config.batch_size, config.seq_length), "held-out loss") or None,
                 ProgressBar(label="min-char-rnn", enabled=progress, unit="step", window=log_every or 100,
                             log_every=log_every)]
        samples, start = {}, time.time()
        with sess:
            sess.run(tf.global_variables_initializer())
            loop = Loop(sess, epochs=config.epochs, max_steps=config.steps, steps_per_epoch=per_pass, parts=parts,
                        label="pass")
            with loop:
                for _ in loop.epochs():  # min-char-rnn sweeps the text again and again
                    h = np.zeros([config.batch_size, config.hidden_size], np.float32)  # each pass starts from zeros
                    for x, y in loop.batches(gen_epoch_data(ids, config.batch_size, config.seq_length)):
                        # The state carried over: this window's first h is the previous window's last h.
                        loss, h, _ = sess.run([g["loss"], g["final_state"], g["train_step"]],
                                              {g["x"]: x, g["y"]: y, g["init_state"]: h})
                        loop.step(loss)
                        if samples_every and loop.global_step % samples_every == 0:
                            samples[loop.global_step] = seed_char + sample(sess, g, vocab, seed_char, 100, rng=rng)
                            tensorboard.text(loop, samples[loop.global_step])
                    loop.end_epoch()
                text_out = sample(sess, g, vocab, seed_char, config.sample_length, rng=rng)
                tensorboard.text(loop, seed_char + text_out)
    return dict(losses=loop.step_losses, sample=seed_char + text_out, samples=samples,
                valid_losses=[tuple(e) for e in loop.history.evals.get("held-out loss", [])],
                pass_losses=list(loop.history), passes=len(loop.history) + loop.cut_short, vocab=vocab,
                config=asdict(config), seconds=time.time() - start, logdir=tensorboard.path,
                checkpoint=loop.history.checkpoint)


def _encoded(text, valid_text, seed_char, config):
    """The text's vocabulary (covering ``valid_text`` too), both texts as ids, and the sample's first character."""
    text = load_text(None) if text is None else text
    if not text:
        raise R2RTError("the training text is empty; pass a file with some text in it")
    vocab = Vocabulary.from_text(text + (valid_text or ""))
    ids = vocab.encode(text)
    checks.length(ids, config.batch_size, config.seq_length)
    valid_ids = vocab.encode(valid_text) if valid_text else None
    if valid_ids is not None and len(valid_ids) <= config.seq_length:
        raise R2RTError(f"valid_text has {len(valid_ids)} characters; it needs more than seq_length "
                        f"({config.seq_length}) to measure a held-out loss")
    seed_char = text[0] if seed_char is None else seed_char
    if seed_char not in vocab.vocab_to_idx:
        raise R2RTError(f"seed character {seed_char!r} does not occur in the training text; pick one that does")
    return vocab, ids, valid_ids, seed_char


def _resumable(g, saved, vocab):
    """R2RTError unless checkpoint ``saved`` is a min-char-rnn of this size trained on this text's characters."""
    checkpoint.check_compatible(g["config"], saved.config, saved.path)
    if saved.vocab != vocab:
        raise R2RTError(f"resume {saved.path} was trained on a text with other characters; resume it on the text "
                        "it was trained on", params=("resume",))
