"""``generate_characters``: sample text from a saved model, one character per ``session.run``.

Also the ``generate`` command: ``python -m r2rt_rnn generate saves/GRU --num-chars 750 --prompt A --top 5``.
"""
import numpy as np

from . import checkpoint
from .errors import R2RTError
from .tf1 import tf


def next_char_distribution(logits, pick_top_chars=None, temperature=1.0):
    """Turn ``[num_classes]`` logits into sampling probabilities.

    ``temperature`` < 1 sharpens the distribution, > 1 flattens it; with
    ``pick_top_chars=n`` all but the ``n`` most likely characters get probability 0
    (the post's option, which gives more English-like text).
    """
    z = np.asarray(logits, dtype=np.float64) / temperature
    if pick_top_chars is not None:
        z[np.argsort(z)[:-pick_top_chars]] = -np.inf
    p = np.exp(z - z.max())
    return p / p.sum()


def sample_index(p, u):
    """Inverse-CDF sampling: the first index whose cumulative probability exceeds ``u`` in [0, 1).

    Drawing ``u`` from a seeded generator makes samples repeatable, and lets the
    in-graph sampler reproduce the same text from the same uniforms.
    """
    return min(int(np.searchsorted(np.cumsum(p), u, side="right")), len(p) - 1)


def session_config():
    """The session settings of both samplers: TF's defaults with Grappler's remapper off.

    The remapper fuses each MatMul + BiasAdd into one oneDNN kernel that, at batch
    size 1, costs about 6 us per call against about 2.7 us for the unfused pair. For
    the in-graph sampler (a 3-layer GRU's six matmuls a character) that was 60 us a
    character instead of 40; ``generate_characters``, bound by one ``session.run`` per
    character (~400 us), gains little but runs under the same settings.
    """
    config = tf.ConfigProto()
    rewrite = config.graph_options.rewrite_options
    rewrite.remapping = rewrite.OFF
    return config


def check_sampling(num_chars, pick_top_chars, temperature, num_classes):
    if isinstance(num_chars, bool) or not isinstance(num_chars, (int, np.integer)) or num_chars < 0:
        raise R2RTError(f"num_chars must be a non-negative integer, got {num_chars!r}")
    if pick_top_chars is not None and not 1 <= pick_top_chars <= num_classes:
        raise R2RTError(f"pick_top_chars must be between 1 and {num_classes}, got {pick_top_chars!r}")
    if not temperature > 0:
        raise R2RTError(f"temperature must be positive, got {temperature!r}")


def encode_prompt(prompt, vocab):
    if not prompt:
        raise R2RTError("the prompt is empty; give at least one character, e.g. prompt='A'")
    missing = sorted({c for c in prompt if c not in vocab.vocab_to_idx})
    if missing:
        raise R2RTError(f"prompt character(s) {', '.join(map(repr, missing))} are not in the model's vocabulary "
                        f"of {len(vocab)} characters; use characters from the training text")
    return vocab.encode(prompt)


def generate_characters(g, checkpoint_path, num_chars, prompt="A", pick_top_chars=None, *,
                        temperature=1.0, seed=None, verbose=True):
    """Restore ``checkpoint_path`` into ``g`` (built with ``batch_size=1, num_steps=1``) and sample text.

    The prompt's characters are fed one by one to prime the state; then each
    sampled character is fed back with the state, ``num_chars`` times. Returns
    (and, with ``verbose``, prints) the prompt followed by the sampled characters.
    The same ``seed`` gives the same text.
    """
    config = g["config"]
    if (config["batch_size"], config["num_steps"]) != (1, 1):
        raise R2RTError(f"generation feeds one character at a time: build the graph with batch_size=1, num_steps=1 "
                        f"(got batch_size={config['batch_size']}, num_steps={config['num_steps']})")
    check_sampling(num_chars, pick_top_chars, temperature, config["num_classes"])
    uniforms = np.random.default_rng(seed).random(num_chars)
    with tf.Session(config=session_config()) as sess:
        _, vocab = checkpoint.restore(sess, g, checkpoint_path)
        prompt_ids = encode_prompt(prompt, vocab)
        fetches = [g["logits"], g["final_state"]]
        state = None

        def step(char_id):
            nonlocal state
            feed_dict = {g["x"]: [[char_id]]}
            if state is not None:
                feed_dict[g["init_state"]] = state
            logits, state = sess.run(fetches, feed_dict)
            return logits[0]

        for char_id in prompt_ids[:-1]:
            step(char_id)
        chars = list(prompt_ids)
        current = int(prompt_ids[-1])
        for u in uniforms:
            p = next_char_distribution(step(current), pick_top_chars, temperature)
            current = sample_index(p, u)
            chars.append(current)
    text = vocab.decode(chars)
    if verbose:
        print(text)
    return text


def generate_from_checkpoint(checkpoint_path, num_chars, prompt="A", pick_top_chars=None, **kwargs):
    """Rebuild the checkpoint's graph for one character at a time and call :func:`generate_characters`."""
    g = checkpoint.build_from_checkpoint(checkpoint_path, batch_size=1, num_steps=1)
    return generate_characters(g, checkpoint_path, num_chars, prompt, pick_top_chars, **kwargs)


# --- command line -------------------------------------------------------------------------------

def add_arguments(parser):
    parser.add_argument("checkpoint", help="checkpoint path given to `train --save`")
    parser.add_argument("--num-chars", type=int, default=750)
    parser.add_argument("--prompt", default="A", help="one or more characters that prime the state")
    parser.add_argument("--top", type=int, default=None, metavar="N", help="sample only from the N likeliest characters")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=None, help="make the sample repeatable")
    parser.add_argument("--in-graph", action="store_true",
                        help="sample the whole text in one session.run (same text for the same seed, much faster)")


def main(args):
    checkpoint.read_meta(args.checkpoint)  # a clear error before any graph is built
    if args.in_graph:
        from .fast import sample_in_graph

        print(sample_in_graph(args.checkpoint, args.num_chars, args.prompt, args.top, temperature=args.temperature,
                              seed=args.seed))
        return 0
    generate_from_checkpoint(args.checkpoint, args.num_chars, args.prompt, args.top,
                             temperature=args.temperature, seed=args.seed)
    return 0
