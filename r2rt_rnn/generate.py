"""``generate_characters``: sample text from a saved model, one character per ``session.run``, as the post does.

The ``generate`` command is :mod:`r2rt_rnn.cli.generate`; it passes ``stream=``, so
each character is printed as soon as it is drawn and nothing is kept (any length runs in
bounded memory, and a Ctrl-C keeps what was shown). The random numbers come from one
seeded generator, drawn as they are needed, so a streamed sample is the same text as one
drawn at once, and as :func:`r2rt_rnn.in_graph_sampler.sample_in_graph`'s.
"""
import numpy as np

from .runtime import checkpoint, interrupts
from .runtime.errors import R2RTError
from .runtime.sampling import check_sampling, encode_prompt, sampling_session_config, softmax
from .tf1 import tf


def generate_characters(g, checkpoint_path, num_chars, prompt="A", pick_top_chars=None, *, temperature=1.0,
                        seed=None, verbose=True, stream=None):
    """Restore a checkpoint into ``g`` (built with ``batch_size=1, num_steps=1``) and sample text.

    ``checkpoint_path``: a path, or a :class:`~r2rt_rnn.checkpoint.Checkpoint` already read.
    The prompt's characters are fed one by one to prime the state; then each sampled
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
    with tf.Session(config=sampling_session_config()) as sess:
        sess.run(tf.global_variables_initializer())
        checkpoint.restore(sess, g, ckpt)
        state, current_char = None, prompt_ids[0]
        for i in range(len(prompt_ids) - 1 + num_chars):
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
