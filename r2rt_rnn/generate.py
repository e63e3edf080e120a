"""``generate_characters``: sample text from a saved model, one character per ``session.run``, as the post does.

The ``generate`` command is :mod:`r2rt_rnn.cli.generate`; it passes ``stream=``, so
each character is printed as soon as it is drawn and nothing is kept (any length runs in
bounded memory, and a Ctrl-C keeps what was shown). The random numbers come from one
seeded generator, drawn as they are needed, so a streamed sample is the same text as one
drawn at once, and as :func:`r2rt_rnn.beyond.in_graph_sampler.sample_in_graph`'s.

Beyond the post, a long prompt (over ``PRIME_IN_ONE_PASS`` characters) is fed through
the model by :func:`prime_state`, a ``dynamic_rnn`` over 8,192 characters at a time,
instead of one ``session.run`` per character: 100,000 characters then take seconds, not
most of a minute, and a Ctrl-C is honoured between two pieces. The state it gives is the
per-character one, to float rounding.
"""
import numpy as np

from .cell_types import CELL_TYPES, fastest
from .graphs import common
from .runtime import checkpoint, interrupts
from .runtime.errors import R2RTError
from .runtime.sampling import check_sampling, encode_prompt, sampling_session_config, softmax
from .tf1 import tf

PRIME_IN_ONE_PASS = 256  # a prompt longer than this is fed by prime_state (fewer: one session.run a character)
PRIME_CHUNK = 8192  # prompt characters per session.run when priming in one pass (and in the in-graph sampler)
# The builders whose checkpoints prime_state's graph restores: build_graph's, the ones sampled (the others' graphs
# have no "logits"); a checkpoint of any other builder would be primed one character at a time.
PRIMED_BUILDERS = ("build_graph",)


def generate_characters(g, checkpoint_path, num_chars, prompt="A", pick_top_chars=None, *, temperature=1.0,
                        seed=None, verbose=True, stream=None):
    """Restore a checkpoint into ``g`` (built with ``batch_size=1, num_steps=1``) and sample text.

    ``checkpoint_path``: a path, or a :class:`~r2rt_rnn.runtime.checkpoint.Checkpoint` already read.
    The prompt's characters are fed one by one to prime the state (a long prompt in one pass,
    :func:`prime_state`); then each sampled
    character is fed back with the state, ``num_chars`` times. ``pick_top_chars=n`` samples
    only from the ``n`` likeliest characters. Returns the prompt followed by the sample and,
    with ``verbose``, prints it. Beyond the post: the same ``seed`` gives the same text;
    ``temperature`` below 1 picks likelier characters; ``stream``, a function, is given each
    piece as it comes, and then nothing is kept or returned.
    """
    ckpt = check_generation(g, checkpoint_path, num_chars, pick_top_chars, temperature, seed)
    prompt_ids = encode_prompt(prompt, ckpt.vocab)
    rng = np.random.default_rng(seed)
    chars = []
    emit = stream or chars.append
    emit(prompt)
    state = prime_long_prompt(ckpt, prompt_ids)  # beyond the post: a long prompt is fed in one pass
    primed = 0 if state is None else len(prompt_ids) - 1  # the prompt's characters already fed
    with tf.Session(config=sampling_session_config()) as sess:
        sess.run(tf.global_variables_initializer())
        checkpoint.restore(sess, g, ckpt)
        current_char = prompt_ids[primed]
        for i in range(primed, len(prompt_ids) - 1 + num_chars):
            interrupts.check()  # a Ctrl-C takes effect between two characters (the prompt's too)
            feed_dict = {g["x"]: [[current_char]]}
            if state is not None:
                feed_dict[g["init_state"]] = state  # the state carried over from the previous character
            logits, state = sess.run([g["logits"], g["final_state"]], feed_dict)
            if i + 1 < len(prompt_ids):
                current_char = prompt_ids[i + 1]  # still priming: the prompt's next character goes in
                continue
            p = softmax(np.squeeze(logits), temperature)
            if pick_top_chars is not None:
                p[np.argsort(p)[:-pick_top_chars]] = 0  # only the n likeliest characters can be picked
                p = p / np.sum(p)
            current_char = rng.choice(len(p), p=p)
            emit(ckpt.vocab.idx_to_vocab[current_char])
    if stream is None and verbose:
        print("".join(chars))
    return None if stream else "".join(chars)


def build_primer(config):
    """A graph of its own that feeds ids through the model of ``config`` with one ``dynamic_rnn``; returns a dict.

    Keys: ``ids`` (int32 placeholder ``[n]``), ``init_state`` (zero unless fed),
    ``final_state`` (the state after the ``n`` ids), ``saver``, ``config`` and ``graph``.
    The embedding and the cells have the training graph's names (no softmax: priming
    needs only the state), so a checkpoint of :data:`PRIMED_BUILDERS` restores into it.
    The default graph, where the sampler's model lives, is left as it is.
    """
    graph = tf.Graph()
    with graph.as_default():
        ids = tf.placeholder(tf.int32, [None], name="ids")
        embeddings = tf.get_variable("embedding_matrix", [config["num_classes"], config["state_size"]])
        cell_spec = CELL_TYPES[fastest(config["cell_type"])]  # LN_LSTM runs on the fused cell: the same model
        cell = common.stack(lambda: cell_spec.make(config["state_size"], config.get("num_weights_for_custom_cell", 5)),
                            config["num_layers"])
        init_state = cell.zero_state(1, tf.float32)
        inputs = tf.nn.embedding_lookup(embeddings, ids)[None]  # [1, n, state_size]: a batch of one
        _, final_state = tf.nn.dynamic_rnn(cell, inputs, initial_state=init_state)  # scope "rnn", as in training
        saver = tf.train.Saver()
    return dict(ids=ids, init_state=init_state, final_state=final_state, saver=saver, config=dict(config), graph=graph)


def prime_long_prompt(ckpt, prompt_ids):
    """For a prompt over ``PRIME_IN_ONE_PASS`` characters, the state after all but its last (:func:`prime_state`).

    None for a shorter prompt, or a checkpoint not of :data:`PRIMED_BUILDERS`: ``generate_characters``
    then feeds the prompt one character per ``session.run``, as the post does.
    """
    if len(prompt_ids) <= PRIME_IN_ONE_PASS or ckpt.config["builder"] not in PRIMED_BUILDERS:
        return None
    return prime_state(ckpt, prompt_ids[:-1])


def prime_state(checkpoint_path, ids, chunk=PRIME_CHUNK):
    """The model's state after ``ids`` (a prompt's ids), fed from the zero state ``chunk`` ids per ``session.run``.

    The state ``generate_characters`` reaches feeding them one by one, to float
    rounding, as the nested numpy structure that ``g["init_state"]`` is fed with. A
    Ctrl-C is honoured between two chunks.
    """
    ckpt = checkpoint.as_checkpoint(checkpoint_path)
    primer = build_primer(ckpt.config)
    with tf.Session(graph=primer["graph"], config=sampling_session_config()) as sess:
        checkpoint.restore(sess, primer, ckpt)
        state = sess.run(primer["init_state"])
        for start in range(0, len(ids), chunk):
            interrupts.check()
            state = sess.run(primer["final_state"], {primer["ids"]: ids[start:start + chunk],
                                                     primer["init_state"]: state})  # carried from chunk to chunk
    return state


def check_generation(g, checkpoint_path, num_chars, pick_top_chars, temperature, seed):
    """Everything ``generate_characters`` checks before a session starts; returns the checkpoint, read."""
    config = g["config"]
    if (config["batch_size"], config["num_steps"]) != (1, 1):
        raise R2RTError(f"generation feeds one character at a time: build the graph with batch_size=1, num_steps=1 "
                        f"(got batch_size={config['batch_size']}, num_steps={config['num_steps']})")
    check_sampling(num_chars, pick_top_chars, temperature, config["num_classes"], seed)
    ckpt = checkpoint.as_checkpoint(checkpoint_path)
    checkpoint.vocabulary(ckpt)
    return ckpt


def generate_from_checkpoint(checkpoint_path, num_chars, prompt="A", pick_top_chars=None, **kwargs):
    """Rebuild the checkpoint's graph for one character at a time and call :func:`generate_characters`."""
    ckpt = checkpoint.as_checkpoint(checkpoint_path)
    g = checkpoint.build_from_checkpoint(ckpt, batch_size=1, num_steps=1)
    return generate_characters(g, ckpt, num_chars, prompt, pick_top_chars, **kwargs)


def default_prompt(vocab):
    """'A', as the post, or for a model whose text has no 'A' a line break or its first character."""
    for candidate in ("A", "\n"):
        if candidate in vocab.vocab_to_idx:
            return candidate
    return vocab.chars[0]
