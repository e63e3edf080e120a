"""What both samplers share: turning logits into a next character, the session settings, input checks.

The samplers are :func:`r2rt_rnn.generate.generate_characters` (one ``session.run``
per character, as in the post) and :func:`r2rt_rnn.in_graph_sampler.sample_in_graph`
(the whole text in one ``session.run``); they draw the same uniforms and pick by the
same inverse CDF, so the same seed gives the same text.
"""
import numpy as np

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


def sampling_session_config():
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


def _is_int(value):
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def check_sampling(num_chars, pick_top_chars, temperature, num_classes, seed=None, names=None):
    """Raise R2RTError naming the first bad sampling option. ``names`` maps a parameter to its flag."""
    names = {"num_chars": "num_chars", "pick_top_chars": "pick_top_chars", "temperature": "temperature",
             "seed": "seed", **(names or {})}
    if not _is_int(num_chars) or num_chars < 0:
        raise R2RTError(f"{names['num_chars']} must be a whole number, 0 or more, got {num_chars!r}")
    if pick_top_chars is not None and (not _is_int(pick_top_chars) or not 1 <= pick_top_chars <= num_classes):
        raise R2RTError(f"{names['pick_top_chars']} must be a whole number from 1 to {num_classes} (the vocabulary "
                        f"size), got {pick_top_chars!r}")
    if (isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating))
            or not 0 < temperature < float("inf")):
        raise R2RTError(f"{names['temperature']} must be a positive finite number, got {temperature!r}")
    if seed is not None and (not _is_int(seed) or not 0 <= seed < 2**63):
        raise R2RTError(f"{names['seed']} must be a whole number from 0 to 2**63 - 1, got {seed!r}")


def encode_prompt(prompt, vocab):
    """The prompt's ids; R2RTError if it is not a non-empty string of the vocabulary's characters."""
    if not isinstance(prompt, str):
        raise R2RTError(f"prompt must be a string of characters, got {type(prompt).__name__} {prompt!r}")
    if not prompt:
        raise R2RTError("the prompt is empty; give at least one character, e.g. prompt='A'")
    missing = sorted({c for c in prompt if c not in vocab.vocab_to_idx})
    if missing:
        raise R2RTError(f"prompt character(s) {', '.join(map(repr, missing))} are not in the model's vocabulary "
                        f"of {len(vocab)} characters; use characters from the training text")
    return vocab.encode(prompt)
