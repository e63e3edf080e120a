"""What both samplers share: turning logits into a next character, the session settings, input checks.

The samplers are :func:`r2rt_rnn.generate.generate_characters` (one ``session.run``
per character, as in the post) and :func:`r2rt_rnn.beyond.in_graph_sampler.sample_in_graph`
(the whole text in one ``session.run``); they draw the same uniforms and pick by the
same inverse CDF, so the same seed gives the same text.
"""
import numpy as np

from ..tf1 import tf
from . import checks
from .errors import R2RTError


def softmax(logits, temperature=1.0):
    """Sampling probabilities from ``[num_classes]`` logits, in float64.

    ``temperature`` < 1 sharpens the distribution, > 1 flattens it (1: the model's own).
    The largest logit is subtracted *before* dividing by the temperature, so every
    ``z`` is <= 0 and a tiny temperature sends the others to -inf (probability 0), never
    to ``inf - inf``: as the temperature goes to 0 the sample becomes greedy (the likeliest
    character; equal likeliest ones share the draw), and every temperature the checks
    accept gives a distribution. See :func:`tempered` for the one rule both samplers share.
    """
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):  # overflow to -inf and underflow to 0 are the intent
        p = np.exp((z - z.max()) / tempered(temperature))
    return p / p.sum()


def tempered(temperature):
    """The temperature the samplers divide by: ``temperature``, or the smallest normal float64 if it is below.

    A subnormal temperature (below 2.2e-308) would be read as 0 by TensorFlow's kernels,
    which flush subnormals to zero; at the smallest normal one the sample is already
    greedy (a logit only 1e-45 below the largest is at ``-inf``), so both samplers
    agree for every positive temperature, 5e-324 included.
    """
    return max(float(temperature), np.finfo(np.float64).tiny)


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


def check_sampling(num_chars, pick_top_chars, temperature, num_classes, seed=None):
    """Raise R2RTError naming the first bad sampling option (in its ``params``)."""
    checks.integer("num_chars", num_chars, 0, what="a whole number, 0 or more")
    checks.optional(checks.integer, "pick_top_chars", pick_top_chars, 1, num_classes,
                    what=f"a whole number from 1 to {num_classes} (the vocabulary size)")
    checks.real("temperature", temperature)
    if seed is not None:
        checks.seed(seed)


def encode_prompt(prompt, vocab):
    """The prompt's ids; R2RTError if it is not a non-empty string of the vocabulary's characters."""
    if not isinstance(prompt, str):
        raise R2RTError(f"prompt must be a string of characters, got {type(prompt).__name__} {prompt!r}",
                        params=("prompt",))
    if not prompt:
        raise R2RTError("the prompt is empty; give at least one character, e.g. prompt='A'", params=("prompt",))
    missing = sorted({c for c in prompt if c not in vocab.vocab_to_idx})
    if missing:
        raise R2RTError(f"prompt character(s) {', '.join(map(repr, missing))} are not in the model's vocabulary "
                        f"of {len(vocab)} characters; use characters from the training text", params=("prompt",))
    return vocab.encode(prompt)
