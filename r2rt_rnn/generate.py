"""``generate_characters``: sample text from a saved model, one character per ``session.run``.

Also the ``generate`` command: ``python -m r2rt_rnn generate saves/GRU --num-chars 750 --prompt A --top 5``.
Both samplers stream: each character (or chunk, in-graph) is printed as soon as it
is drawn, so a long sample shows at once, takes bounded memory, and a Ctrl-C keeps
what was shown. The random numbers are drawn as they are needed, from one seeded
generator, so a streamed sample is the same text as one drawn at once.
"""

import numpy as np

from . import checkpoint, interrupts, output
from .errors import R2RTError
from .in_graph_sampler import iter_in_graph
from .sampling import check_sampling, encode_prompt, next_char_distribution, sample_index, sampling_session_config
from .tf1 import tf


def iter_characters(g, checkpoint_path, num_chars, prompt="A", pick_top_chars=None, *, temperature=1.0, seed=None):
    """Yield the prompt, then each sampled character as soon as it is drawn (see :func:`generate_characters`)."""
    config = g["config"]
    if (config["batch_size"], config["num_steps"]) != (1, 1):
        raise R2RTError(f"generation feeds one character at a time: build the graph with batch_size=1, num_steps=1 "
                        f"(got batch_size={config['batch_size']}, num_steps={config['num_steps']})")
    check_sampling(num_chars, pick_top_chars, temperature, config["num_classes"], seed)
    ckpt = checkpoint.as_checkpoint(checkpoint_path)
    if ckpt.vocab is None:
        raise R2RTError(f"checkpoint {ckpt.path} has no vocabulary beside it, so its ids cannot be decoded; "
                        "train it with train_network(..., vocab=...) or the train command")
    prompt_ids = encode_prompt(prompt, ckpt.vocab)
    rng = np.random.default_rng(seed)
    with tf.Session(config=sampling_session_config()) as sess:
        checkpoint.restore(sess, g, ckpt)
        interrupts.check()
        fetches = [g["logits"], g["final_state"]]
        state = None

        def step(char_id):
            nonlocal state
            feed_dict = {g["x"]: [[char_id]]}
            if state is not None:
                feed_dict[g["init_state"]] = state  # the state carried from the previous character
            logits, state = sess.run(fetches, feed_dict)
            return logits[0]

        for char_id in prompt_ids[:-1]:
            step(char_id)
        yield prompt
        current = int(prompt_ids[-1])
        for _ in range(num_chars):
            interrupts.check()
            p = next_char_distribution(step(current), pick_top_chars, temperature)
            current = sample_index(p, rng.random())
            yield ckpt.vocab.idx_to_vocab[current]


def generate_characters(g, checkpoint_path, num_chars, prompt="A", pick_top_chars=None, *,
                        temperature=1.0, seed=None, verbose=True):
    """Restore a checkpoint into ``g`` (built with ``batch_size=1, num_steps=1``) and sample text.

    ``checkpoint_path``: a path, or a :class:`~r2rt_rnn.checkpoint.Checkpoint`
    already read. The prompt's characters are fed one by one to prime the state;
    then each sampled character is fed back with the state, ``num_chars`` times.
    Returns the prompt followed by the sampled characters; with ``verbose`` they
    are also printed as they come. The same ``seed`` gives the same text.
    """
    pieces = []
    for piece in iter_characters(g, checkpoint_path, num_chars, prompt, pick_top_chars, temperature=temperature,
                                 seed=seed):
        pieces.append(piece)
        if verbose:
            output.write_piece(piece)
    if verbose:
        output.write_piece("\n")
    return "".join(pieces)


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


# --- command line -------------------------------------------------------------------------------

FLAGS = {"num_chars": "--num-chars", "pick_top_chars": "--top", "temperature": "--temperature", "seed": "--seed"}


def add_arguments(parser):
    parser.add_argument("checkpoint", help="checkpoint path given to `train --save` (or `ptb --save`)")
    parser.add_argument("--num-chars", "--num-words", dest="num_chars", type=int, default=750,
                        help="characters to sample (words, for a PTB word model)")
    parser.add_argument("--prompt", default=None,
                        help="text that primes the state: characters from the training text (default 'A', or a "
                             "line break or the model's first character when its text has no 'A'), "
                             "or words for a PTB model (default: a sentence start)")
    parser.add_argument("--top", type=int, default=None, metavar="N",
                        help="sample only from the N likeliest characters (default: all)")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="below 1 picks likelier characters, above 1 more surprising ones")
    parser.add_argument("--seed", type=int, default=None, help="a whole number that makes the sample repeatable")
    parser.add_argument("--in-graph", action="store_true",
                        help="sample the whole text in one session.run (same text for the same seed, much faster)")


def main(args):
    ckpt = checkpoint.load(args.checkpoint)  # read once; a clear error before any graph is built
    if ckpt.config.get("builder") == "ptb_word_lm":
        from .ptb.sample import sample_words  # the word model's sampler loads only for word checkpoints

        if args.top is not None or args.in_graph:
            raise R2RTError("--top and --in-graph are for character models; a PTB model samples from all words")
        check_sampling(args.num_chars, None, args.temperature, 1, args.seed, names=FLAGS)
        output.write_piece(sample_words(ckpt.path, args.num_chars, args.prompt or "", temperature=args.temperature,
                                        seed=args.seed) + "\n")
        return 0
    check_sampling(args.num_chars, args.top, args.temperature, ckpt.num_classes, args.seed, names=FLAGS)
    if ckpt.vocab is None:
        raise R2RTError(f"checkpoint {ckpt.path} has no vocabulary beside it, so its ids cannot be decoded")
    prompt = default_prompt(ckpt.vocab) if args.prompt is None else args.prompt
    encode_prompt(prompt, ckpt.vocab)  # a prompt the model cannot read is refused before any graph is built
    if args.in_graph:
        pieces = iter_in_graph(ckpt, args.num_chars, prompt, args.top, temperature=args.temperature, seed=args.seed)
    else:
        g = checkpoint.build_from_checkpoint(ckpt, batch_size=1, num_steps=1)
        interrupts.check()
        pieces = iter_characters(g, ckpt, args.num_chars, prompt, args.top, temperature=args.temperature,
                                 seed=args.seed)
    for piece in pieces:  # nothing is kept: any length streams in bounded memory
        output.write_piece(piece)
    output.write_piece("\n")
    return 0
