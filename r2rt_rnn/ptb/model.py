"""The PTB word-level LSTM language model (Zaremba et al. 2014; TF tutorial ``ptb_word_lm.py``).

The model reads ``num_steps`` words at a time from each of ``batch_size``
parallel streams, embeds them, runs them through a stack of LSTMs and predicts
the next word with a softmax over the vocabulary.

Three models share weights through variable-scope reuse: the training model
(dropout on), a validation model (same shapes, no dropout) and a test model
that reads one word at a time (batch 1, 1 step), as in the tutorial.
"""
import dataclasses

from ..graphs.common import seed_graph, sequence_loss_by_example, stack
from ..tf1 import rnn_cell, tf
from .configs import config_from_dict

__all__ = ["PTBModel", "build_from_config", "build_models", "checkpoint_config"]


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
    return {"graph": graph, "train": m, "valid": mvalid, "test": mtest, "saver": saver, "init": init,
            "config": checkpoint_config(config)}


def checkpoint_config(config):
    """The dict saved as a PTB checkpoint's config: the hyper-parameters, the class name and the builder."""
    return {"builder": "ptb_word_lm", "class": type(config).__name__, **dataclasses.asdict(config)}


def build_from_config(seed=0, **saved):
    """Rebuild the models of a checkpoint's config (what :func:`checkpoint_config` wrote), initialised from ``seed``."""
    return build_models(config_from_dict(saved), seed=seed)
