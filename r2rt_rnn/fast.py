"""The in-graph sampler: ``generate_characters`` as one ``session.run``.

:func:`sample_in_graph` does what ``generate_characters`` does (prime the state with
the prompt, then feed each sampled character back with the state) inside one
``tf.while_loop``, so Python is not called once per character. It draws the same
uniforms and samples by the same inverse CDF, in float64, so the same seed gives the
same text. (The faster layer-normalised LSTM, ``cell_type='LN_LSTM_fast'``, is a cell:
``cells.FusedLayerNormalizedLSTMCell``.)
"""
import contextlib

import numpy as np

from . import checkpoint
from .graphs import common
from .tf1 import tf


@contextlib.contextmanager
def _control_flow_v1():
    """Build TF1 ``while_loop``s: their loop invariants (weights, input arrays) are entered once,
    where a TF2 ``While`` op, lowered in a Session, passes every captured tensor through
    five control-flow ops per iteration; with per-step work this small that overhead dominates."""
    was_v2 = tf.control_flow_v2_enabled()
    tf.disable_control_flow_v2()
    try:
        yield
    finally:
        if was_v2:
            tf.enable_control_flow_v2()


def sample_from_logits(logits, u, pick_top_chars=None, temperature=1.0):
    """In-graph :func:`~r2rt_rnn.generate.next_char_distribution` + :func:`~r2rt_rnn.generate.sample_index`.

    ``logits``: ``[num_classes]``; ``u``: a float64 scalar in [0, 1). Computed in
    float64 like the numpy version: divide by ``temperature``, keep the
    ``pick_top_chars`` largest, softmax, and return (int32) the number of
    cumulative probabilities ``<= u`` (numpy's ``searchsorted(side='right')``),
    capped at ``num_classes - 1``.
    """
    z = tf.cast(logits, tf.float64) / temperature
    num_classes = int(z.shape[0])
    if pick_top_chars is not None and pick_top_chars < num_classes:
        kth_largest = tf.math.top_k(z, pick_top_chars).values[-1]
        z = tf.where(z >= kth_largest, z, tf.fill([num_classes], tf.constant(-np.inf, tf.float64)))
    p = tf.exp(z - tf.reduce_max(z))
    cdf = tf.cumsum(p / tf.reduce_sum(p))
    index = tf.reduce_sum(tf.cast(cdf <= u, tf.int32))
    return tf.minimum(index, num_classes - 1)


def build_sampler(config, pick_top_chars=None, temperature=1.0):
    """Build the in-graph sampler for a model built by ``build_graph(**config)``; returns a dict.

    Keys: ``prompt`` (int32 placeholder ``[prompt_length]``, at least one id),
    ``uniforms`` (float64 placeholder ``[num_chars]``), ``chars`` (int32
    ``[num_chars]``: the sampled ids), ``saver`` and ``config``. The variables have
    the training graph's names, so its checkpoints restore here.
    """
    from .model import CELL_TYPES  # model imports this module

    # LN_LSTM checkpoints run on the fused cell: the same model and variables, fewer ops per step
    cell_type = "LN_LSTM_fast" if config["cell_type"] == "LN_LSTM" else config["cell_type"]
    state_size, num_classes = config["state_size"], config["num_classes"]
    common.reset_graph(None)
    prompt = tf.placeholder(tf.int32, [None], name="prompt")
    uniforms = tf.placeholder(tf.float64, [None], name="uniforms")
    embeddings = tf.get_variable("embedding_matrix", [num_classes, state_size])
    cell = common.stack(lambda: CELL_TYPES[cell_type](state_size, config.get("num_weights_for_custom_cell", 5)),
                        config["num_layers"])
    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [state_size, num_classes])
        b = tf.get_variable("b", [num_classes])
    init_state = cell.zero_state(1, tf.float32)

    def run_cell(char_id, state):
        with tf.variable_scope("rnn", reuse=tf.AUTO_REUSE):  # dynamic_rnn's scope: the same variable names
            return cell(tf.nn.embedding_lookup(embeddings, char_id[None]), state)

    run_cell(prompt[0], init_state)  # creates the cell's variables outside the loops

    def prime(t, state):  # feed prompt[:-1], as generate_characters does, to set the state
        return t + 1, run_cell(prompt[t], state)[1]

    num_chars = tf.size(uniforms)

    def sample(t, current, state, chars):
        output, state = run_cell(current, state)
        logits = tf.matmul(output, W)[0] + b
        current = sample_from_logits(logits, uniforms[t], pick_top_chars, temperature)
        return t + 1, current, state, chars.write(t, current)

    with _control_flow_v1():
        _, state = tf.while_loop(lambda t, _: t < tf.size(prompt) - 1, prime, (0, init_state))
        chars = tf.TensorArray(tf.int32, size=num_chars)
        _, _, _, chars = tf.while_loop(lambda t, *_: t < num_chars, sample, (0, prompt[-1], state, chars))
        chars = chars.stack()
    return {"prompt": prompt, "uniforms": uniforms, "chars": chars, "saver": tf.train.Saver(), "config": dict(config)}


def sample_in_graph(checkpoint_path, num_chars, prompt="A", pick_top_chars=None, temperature=1.0, seed=None):
    """``generate_from_checkpoint`` in one ``session.run``: returns the prompt followed by ``num_chars`` characters.

    The same ``seed`` (and options) gives the same text as ``generate_characters``:
    the same uniforms, ``np.random.default_rng(seed).random(num_chars)``, pick the
    characters by the same inverse CDF.
    """
    from .generate import check_sampling, encode_prompt

    config, _, vocab = checkpoint.read_meta(checkpoint_path)
    check_sampling(num_chars, pick_top_chars, temperature, config["num_classes"])
    prompt_ids = encode_prompt(prompt, vocab)
    uniforms = np.random.default_rng(seed).random(num_chars)
    if num_chars == 0:
        return prompt
    g = build_sampler(config, pick_top_chars, temperature)
    with tf.Session() as sess:
        checkpoint.restore(sess, g, checkpoint_path)
        chars = sess.run(g["chars"], {g["prompt"]: prompt_ids, g["uniforms"]: uniforms})
    return vocab.decode(list(prompt_ids) + chars.tolist())
