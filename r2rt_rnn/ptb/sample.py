"""Sampling text from a trained PTB word model: :func:`sample_words`.

Beyond the TF tutorial, which only measures perplexity; PyTorch's
``word_language_model`` example has the same feature as ``generate.py``. The
checkpoint's weights go into the test model (batch 1, 1 step); the prompt's words
are fed one by one to prime the LSTM state, then each sampled word is fed back,
its final state becoming the next step's initial state, as in training.

Each word is drawn from ``softmax(logits / temperature)`` by inverse CDF from
``np.random.default_rng(seed).random(num_words)`` (the character samplers' rule,
:mod:`r2rt_rnn.runtime.sampling`: a tiny temperature is greedy), so the same seed gives
the same text in any process. The uniforms are drawn 1,024 at a time and the words
come out as they are drawn (:func:`iter_words`), so a sample of any length runs in
bounded memory and a Ctrl-C stops it between two words.

Prompt words outside the vocabulary become ``<unk>`` with one notice line on
stderr (the default, ``unknown="unk"``), or are refused (``unknown="error"``).
The text reads as lines: ``<eos>`` is printed as a line break, ``<unk>`` is kept.
"""
import itertools
import sys

import numpy as np

from ..runtime import checkpoint, checks, interrupts
from ..runtime.errors import R2RTError
from ..runtime.sampling import sample_index, sampling_session_config, softmax
from ..tf1 import tf
from .model import build_models
from .reader import EOS, UNK, split_words

__all__ = ["UNKNOWN_POLICIES", "check_sample_arguments", "encode_prompt_words", "format_words", "iter_words",
           "sample_word_ids", "sample_words", "start_sampling"]

UNKNOWN_POLICIES = ("unk", "error")


def check_sample_arguments(num_words, temperature, seed, unknown="unk", prompt=""):
    """Raise a one-line R2RTError naming the first bad argument of :func:`sample_words` (and in ``params``)."""
    checks.integer("num_words", num_words, 0, what="a non-negative integer")
    checks.real("temperature", temperature, what="a positive finite number (1.0 samples the model as it is)")
    if seed is not None:
        checks.seed(seed)
    checks.choice("unknown", unknown, UNKNOWN_POLICIES,
                  what=f"'unk' (prompt words outside the vocabulary are fed as {UNK}) or 'error'")
    if prompt is not None and not isinstance(prompt, str):
        raise R2RTError(f"prompt must be a string of space-separated words, got {type(prompt).__name__}",
                        params=("prompt",))


def encode_prompt_words(prompt, vocab, unknown="unk"):
    """The prompt as word ids: ``(words, ids)``, the words being those the model is fed.

    Words are split at white space and a line break is ``<eos>`` (as in the PTB
    files), so sampled text fed back as a prompt means the same thing. An empty
    prompt is ``[<eos>]``: a sentence start. Unknown words become ``<unk>`` with one
    notice line on stderr (``unknown="unk"``) or raise R2RTError (``"error"``).
    """
    to_id = vocab.vocab_to_idx
    words = split_words(prompt or "") or [EOS]
    missing = list(dict.fromkeys(w for w in words if w not in to_id))
    if missing:
        _unknown_words(missing, len(vocab), unknown, UNK in to_id)
        words = [w if w in to_id else UNK for w in words]
    return words, np.array([to_id[w] for w in words], dtype=np.int32)


def _unknown_words(missing, vocab_size, unknown, has_unk):
    """Refuse the prompt's ``missing`` words (``unknown="error"``, or a vocabulary without ``<unk>``), else say
    on stderr that they are fed as ``<unk>``."""
    what = f"prompt word(s) {', '.join(map(repr, missing))} are not in the model's vocabulary of {vocab_size} words"
    if unknown == "error" or not has_unk:
        raise R2RTError(f"{what}; use lower-case PTB tokens (numbers are N)"
                        + (f", or unknown='unk' to feed them as {UNK}" if has_unk else ""))
    print(f"notice: {what}; fed as {UNK} (PTB words are lower-case, numbers are N)", file=sys.stderr)


def format_words(words):
    """Join words with spaces, ``<eos>`` as a line break: ``["a", "b", "<eos>", "c"]`` -> ``"a b\\nc"``."""
    lines, line = [], []
    for word in words:
        if word == EOS:
            lines.append(" ".join(line))
            line = []
        else:
            line.append(word)
    return "\n".join([*lines, " ".join(line)])


UNIFORMS_CHUNK = 1024  # uniforms drawn at a time: memory stays bounded whatever num_words


def start_sampling(checkpoint_path, num_words=50, prompt="the", temperature=1.0, seed=None, unknown="unk"):
    """Check everything and load the model, then return ``(vocab, prompt_ids, ids)``: ``ids`` draws as it is read.

    The arguments are those of :func:`sample_words`. Every error comes here, before
    any word is drawn; ``ids`` is an iterator over the ``num_words`` sampled ids, which
    runs the session only while it is read (and closes it when it is exhausted or
    closed), so any ``num_words`` runs in bounded memory.
    """
    from .word_lm import load_model  # word_lm imports the trainer; keep this module's import light

    check_sample_arguments(num_words, temperature, seed, unknown, prompt)
    ckpt, config = load_model(checkpoint_path)  # refuses a character model's checkpoint
    _, prompt_ids = encode_prompt_words(prompt, ckpt.vocab, unknown)
    return ckpt.vocab, prompt_ids, _draw(ckpt, config, prompt_ids, int(num_words), temperature, seed)


def _draw(ckpt, config, prompt_ids, num_words, temperature, seed):
    """Yield ``num_words`` sampled ids: the prompt primes the state, then each word drawn is fed back.

    The uniforms come from one generator, ``UNIFORMS_CHUNK`` at a time: a generator's
    draws split into pieces are the draws made at once, so the text for a seed is the
    same whatever the chunk. A Ctrl-C is honoured between two words.
    """
    rng = np.random.default_rng(seed)
    models = build_models(config)
    model = models["test"]  # batch 1, 1 step, weights shared with the trained model
    fetches = [model.logits, model.final_state]
    with tf.Session(graph=models["graph"], config=sampling_session_config()) as session:
        checkpoint.restore(session, models, ckpt)
        state = session.run(model.initial_state)

        def step(word_id):
            nonlocal state
            interrupts.check()
            logits, state = session.run(fetches, {model.input_data: [[word_id]], **model.state_feed(state)})
            return logits[0]

        for word_id in prompt_ids:
            logits = step(int(word_id))
        for start in range(0, num_words, UNIFORMS_CHUNK):
            for i, u in enumerate(rng.random(min(UNIFORMS_CHUNK, num_words - start))):
                if start + i:
                    logits = step(word_id)
                word_id = sample_index(softmax(logits, temperature), u)
                yield word_id


def sample_word_ids(checkpoint_path, num_words=50, prompt="the", temperature=1.0, seed=None, unknown="unk"):
    """Restore a PTB checkpoint and sample: returns ``(vocab, prompt_ids, sampled_ids)``.

    The arguments are those of :func:`sample_words`; ``prompt_ids`` are the words
    fed to prime the state (``[<eos>]`` for an empty prompt), ``sampled_ids`` the
    ``num_words`` ids drawn after them (kept: for a long sample, read :func:`iter_words`).
    """
    vocab, prompt_ids, ids = start_sampling(checkpoint_path, num_words, prompt, temperature, seed, unknown)
    return vocab, prompt_ids, np.fromiter(ids, dtype=np.int32)


def iter_words(checkpoint_path, num_words=50, prompt="the", temperature=1.0, seed=None, unknown="unk"):
    """:func:`sample_words`' text in pieces, each word as it is drawn: nothing is kept, any length streams.

    Every error is raised by the call itself, before the first piece; the pieces
    joined are :func:`sample_words`' text.
    """
    vocab, prompt_ids, ids = start_sampling(checkpoint_path, num_words, prompt, temperature, seed, unknown)
    shown = [vocab.idx_to_vocab[int(i)] for i in prompt_ids] if (prompt or "").split() else []
    return _pieces(itertools.chain(shown, (vocab.idx_to_vocab[int(i)] for i in ids)))


def _pieces(words):
    """:func:`format_words` one word at a time: a space before each word but a line's first, ``<eos>`` a line break."""
    line_start = True
    for word in words:
        if word == EOS:
            line_start = True
            yield "\n"
        else:
            yield word if line_start else f" {word}"
            line_start = False


def sample_words(checkpoint_path, num_words=50, prompt="the", temperature=1.0, seed=None, unknown="unk",
                 verbose=False):
    """Sample ``num_words`` words from the PTB word model at ``checkpoint_path``; returns the text.

    ``prompt``: space-separated lower-case PTB words that prime the state (a line
    break or ``<eos>`` ends a sentence); empty starts from ``<eos>``, a sentence
    start. The text returned is the prompt as fed followed by the sampled words,
    ``<eos>`` shown as a line break and ``<unk>`` kept (an empty prompt adds nothing).
    ``temperature`` < 1 sharpens the distribution, > 1 flattens it. The same
    ``seed`` (an int in [0, 2**31 - 1]) gives the same text; None draws a fresh one.
    ``unknown``: ``"unk"`` (the default) feeds out-of-vocabulary prompt words as
    ``<unk>`` and prints one notice line to stderr naming them; ``"error"`` raises
    R2RTError instead. ``verbose`` also prints the text. A character model's
    checkpoint is refused (use ``generate_from_checkpoint`` for those).
    """
    text = "".join(iter_words(checkpoint_path, num_words, prompt, temperature, seed, unknown))
    if verbose:
        print(text)
    return text
