"""The in-graph sampler: ``generate_characters`` as one ``session.run``.

:func:`sample_in_graph` does what ``generate_characters`` does (prime the state with
the prompt, then feed each sampled character back with the state) inside one
``tf.while_loop``, so Python is not called once per character. It draws the same
uniforms and samples by the same inverse CDF, in float64, so the same seed gives the
same text.
"""
import numpy as np

from ..cell_types import CELL_TYPES, fastest
from ..generate import PRIME_CHUNK
from ..graphs import common
from ..runtime import checkpoint, checks, interrupts
from ..runtime.errors import R2RTError
from ..runtime.sampling import check_sampling, encode_prompt, sampling_session_config, tempered
from ..tf1 import tf

UNROLL = 4  # characters per iteration of the sampling loop


def sample_from_logits(logits, u, pick_top_chars=None, temperature=1.0):
    """In-graph :func:`~r2rt_rnn.runtime.sampling.softmax` + :func:`~r2rt_rnn.runtime.sampling.sample_index`.

    ``logits``: ``[1, num_classes]``; ``u``: a float64 scalar in [0, 1). Computed in
    float64 like the numpy version: subtract the largest logit, divide by the
    temperature (:func:`~r2rt_rnn.runtime.sampling.tempered`; a tiny one is greedy, as
    there), keep the ``pick_top_chars`` largest, softmax, and return (int32, shape ``[1]``)
    the number of cumulative probabilities ``<= u`` (numpy's ``searchsorted(side='right')``),
    capped at ``num_classes - 1``. Everything stays 2-D (a batch of one), so no ops
    are spent slicing.
    """
    z = tf.cast(logits, tf.float64)
    z -= tf.reduce_max(z, axis=1, keepdims=True)  # first: z <= 0, so dividing by a tiny temperature gives -inf
    if temperature != 1.0:  # dividing by 1.0 changes nothing
        z /= tempered(temperature)
    num_classes = int(z.shape[1])
    if pick_top_chars is not None and pick_top_chars < num_classes:
        kth_largest = tf.reduce_min(tf.math.top_k(z, pick_top_chars).values, axis=1, keepdims=True)
        z = tf.where(z >= kth_largest, z, tf.constant(-np.inf, tf.float64, [1, num_classes]))
    p = tf.exp(z)  # the largest z is 0: no overflow
    cdf = tf.cumsum(p / tf.reduce_sum(p, axis=1, keepdims=True), axis=1)
    index = tf.reduce_sum(tf.cast(cdf <= u, tf.int32), axis=1)
    return tf.minimum(index, num_classes - 1)


def build_sampler(config, pick_top_chars=None, temperature=1.0):
    """Build the in-graph sampler for a model built by ``build_graph(**config)``; returns a dict.

    Keys: ``prompt`` (int32 placeholder ``[prompt_length]``, at least one id),
    ``uniforms`` (float64 placeholder ``[num_chars]``), ``chars`` (int32
    ``[num_chars]``: the sampled ids), ``init_state`` (zero unless fed), ``primed_state``
    (the state after feeding every prompt character but the last; fetched alone, it
    runs only the priming loop) and
    ``final_state`` (the state after feeding every sampled character but the last:
    fed back with that last character as the next ``prompt``, it continues the
    text exactly, when ``num_chars`` is a multiple of ``UNROLL``), ``saver`` and
    ``config``. The variables have the training graph's names, so its checkpoints
    restore here.
    """
    # LN_LSTM checkpoints run on the fused cell: the same model and variables, fewer ops per step
    cell_spec = CELL_TYPES[fastest(config["cell_type"])]
    state_size, num_classes = config["state_size"], config["num_classes"]
    common.reset_graph(None)
    prompt = tf.placeholder(tf.int32, [None], name="prompt")
    uniforms = tf.placeholder(tf.float64, [None], name="uniforms")
    embeddings = tf.get_variable("embedding_matrix", [num_classes, state_size])
    cell = common.stack(lambda: cell_spec.make(state_size, config.get("num_weights_for_custom_cell", 5)),
                        config["num_layers"])
    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [state_size, num_classes])
        b = tf.get_variable("b", [num_classes])
    init_state = cell.zero_state(1, tf.float32)

    # Each weight is read once, before the loops, and enters them as a loop invariant,
    # instead of costing a ReadVariableOp per weight per character.
    embeddings, W, b = tf.identity(embeddings), tf.identity(W), tf.identity(b)
    reads = {}

    def read_once(getter, name, *args, **kwargs):
        if name not in reads:
            reads[name] = tf.identity(getter(name, *args, **kwargs))
        return reads[name]

    def run_cell(char_id, state):  # char_id: [1]
        inputs = tf.nn.embedding_lookup(embeddings, char_id)
        # A batch of one, said statically: a slice of the prompt has an unknown length, and a cell that
        # keeps its inputs' batch dimension (the Custom cell) would give a state of [None, state_size],
        # which the while loops refuse (the state enters them as [1, state_size]).
        inputs.set_shape([1, state_size])
        # dynamic_rnn's scope, so the variables have the training graph's names
        with tf.variable_scope("rnn", reuse=tf.AUTO_REUSE, custom_getter=read_once):
            return cell(inputs, state)

    run_cell(prompt[:1], init_state)  # creates the cell's variables outside the loops

    def prime(t, state):  # feed prompt[:-1], as generate_characters does, to set the state
        return t + 1, run_cell(prompt[t:t + 1], state)[1]

    # UNROLL characters per iteration, so the loop's own control-flow ops are paid once
    # for UNROLL characters; the uniforms are padded to a whole number of iterations and
    # the characters drawn from the padding (after the last real one) are dropped.
    num_chars = tf.size(uniforms)
    num_iterations = (num_chars + UNROLL - 1) // UNROLL
    padded = tf.concat([uniforms, tf.zeros([UNROLL], tf.float64)], 0)[:num_iterations * UNROLL]
    us = tf.TensorArray(tf.float64, size=num_iterations).unstack(tf.reshape(padded, [-1, UNROLL]))

    def sample(t, current, state, chars):
        u = tf.unstack(us.read(t), UNROLL)
        drawn = []
        for k in range(UNROLL):
            output, state = run_cell(current, state)
            current = sample_from_logits(tf.matmul(output, W) + b, u[k], pick_top_chars, temperature)
            drawn.append(current)
        return t + 1, current, state, chars.write(t, tf.concat(drawn, 0))

    _, primed_state = tf.while_loop(lambda t, _: t < tf.size(prompt) - 1, prime, (0, init_state))
    chars = tf.TensorArray(tf.int32, size=num_iterations, element_shape=[UNROLL])
    _, _, final_state, chars = tf.while_loop(lambda t, *_: t < num_iterations, sample,
                                             (0, prompt[-1:], primed_state, chars))
    chars = chars.concat()[:num_chars]
    return {"prompt": prompt, "uniforms": uniforms, "chars": chars, "init_state": init_state,
            "primed_state": primed_state, "final_state": final_state, "saver": tf.train.Saver(),
            "config": dict(config)}


CHUNK = 4096  # characters per session.run when streaming (a multiple of UNROLL, so no padding mid-text)


def iter_in_graph(checkpoint_path, num_chars, prompt="A", pick_top_chars=None, temperature=1.0, seed=None,
                  chunk=CHUNK):
    """Yield the prompt, then the sampled text in pieces of ``chunk`` characters, one ``session.run`` each.

    The state and the last character are carried from one run into the next, and
    the uniforms come from one generator in order, so the pieces join into the text
    one run over all ``num_chars`` would give; memory stays bounded for any length.
    """
    ckpt = checkpoint.as_checkpoint(checkpoint_path)
    config, vocab = ckpt.config, ckpt.vocab
    check_sampling(num_chars, pick_top_chars, temperature, config["num_classes"], seed)
    checkpoint.vocabulary(ckpt)
    if checks.integer("chunk", chunk, what=f"a positive multiple of {UNROLL}") % UNROLL:
        raise R2RTError(f"chunk must be a positive multiple of {UNROLL}, got {chunk!r}", params=("chunk",))
    prompt_ids = encode_prompt(prompt, vocab)
    rng = np.random.default_rng(seed)
    yield prompt
    if num_chars == 0:
        return
    g = build_sampler(config, pick_top_chars, temperature)
    interrupts.check()
    with tf.Session(config=sampling_session_config()) as sess:
        checkpoint.restore(sess, g, ckpt)
        feed, done = _prime(sess, g, prompt_ids), 0
        while done < num_chars:
            interrupts.check()
            n = min(chunk, num_chars - done)
            feed[g["uniforms"]] = rng.random(n)
            chars, state = sess.run([g["chars"], g["final_state"]], feed)
            # the next run starts where this one stopped: its last character, and the state before it
            feed = {g["prompt"]: chars[-1:], g["init_state"]: state}
            done += n
            yield vocab.decode(chars.tolist())


def _prime(sess, g, prompt_ids):
    """The first sampling run's feed: the prompt's last character and the state its other characters lead to.

    A long prompt is fed ``PRIME_CHUNK`` characters per run of the priming loop (each
    run's ``prompt`` is the chunk and the next character, which the loop does not
    feed), the state carried between runs, and a Ctrl-C honoured between two runs.
    """
    state = None
    for start in range(0, len(prompt_ids) - 1, PRIME_CHUNK):
        interrupts.check()
        feed = {g["prompt"]: prompt_ids[start:start + PRIME_CHUNK + 1]}
        if state is not None:
            feed[g["init_state"]] = state  # carried from chunk to chunk
        state = sess.run(g["primed_state"], feed)
    return {g["prompt"]: prompt_ids[-1:], **({} if state is None else {g["init_state"]: state})}


def sample_in_graph(checkpoint_path, num_chars, prompt="A", pick_top_chars=None, temperature=1.0, seed=None):
    """``generate_from_checkpoint`` in one ``session.run`` per 4,096 characters: returns the prompt and the sample.

    The same ``seed`` (and options) gives the same text as ``generate_characters``:
    the same uniforms, ``np.random.default_rng(seed).random(num_chars)``, pick the
    characters by the same inverse CDF.
    """
    return "".join(iter_in_graph(checkpoint_path, num_chars, prompt, pick_top_chars, temperature, seed))
