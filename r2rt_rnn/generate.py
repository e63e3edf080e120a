"""``generate_characters``: sample text from a saved model, one character per ``session.run``.

Also the ``generate`` command: ``python -m r2rt_rnn generate saves/GRU --num-chars 750 --prompt A --top 5``.
"""
import numpy as np

from . import checkpoint
from .errors import R2RTError
from .in_graph_sampler import sample_in_graph
from .sampling import check_sampling, encode_prompt, next_char_distribution, sample_index, sampling_session_config
from .tf1 import tf


def generate_characters(g, checkpoint_path, num_chars, prompt="A", pick_top_chars=None, *,
                        temperature=1.0, seed=None, verbose=True):
    """Restore a checkpoint into ``g`` (built with ``batch_size=1, num_steps=1``) and sample text.

    ``checkpoint_path``: a path, or a :class:`~r2rt_rnn.checkpoint.Checkpoint`
    already read. The prompt's characters are fed one by one to prime the state;
    then each sampled character is fed back with the state, ``num_chars`` times.
    Returns (and, with ``verbose``, prints) the prompt followed by the sampled
    characters. The same ``seed`` gives the same text.
    """
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
    uniforms = np.random.default_rng(seed).random(num_chars)
    with tf.Session(config=sampling_session_config()) as sess:
        checkpoint.restore(sess, g, ckpt)
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
    text = ckpt.vocab.decode(chars)
    if verbose:
        print(text)
    return text


def generate_from_checkpoint(checkpoint_path, num_chars, prompt="A", pick_top_chars=None, **kwargs):
    """Rebuild the checkpoint's graph for one character at a time and call :func:`generate_characters`."""
    ckpt = checkpoint.as_checkpoint(checkpoint_path)
    g = checkpoint.build_from_checkpoint(ckpt, batch_size=1, num_steps=1)
    return generate_characters(g, ckpt, num_chars, prompt, pick_top_chars, **kwargs)


# --- command line -------------------------------------------------------------------------------

FLAGS = {"num_chars": "--num-chars", "pick_top_chars": "--top", "temperature": "--temperature", "seed": "--seed"}


def add_arguments(parser):
    parser.add_argument("checkpoint", help="checkpoint path given to `train --save` (or `ptb --save`)")
    parser.add_argument("--num-chars", "--num-words", dest="num_chars", type=int, default=750,
                        help="characters to sample (words, for a PTB word model)")
    parser.add_argument("--prompt", default=None,
                        help="text that primes the state: characters from the training text (default 'A'), "
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
        print(sample_words(ckpt.path, args.num_chars, args.prompt or "", temperature=args.temperature,
                           seed=args.seed))
        return 0
    prompt = "A" if args.prompt is None else args.prompt
    check_sampling(args.num_chars, args.top, args.temperature, ckpt.num_classes, args.seed, names=FLAGS)
    if args.in_graph:
        print(sample_in_graph(ckpt, args.num_chars, prompt, args.top, temperature=args.temperature, seed=args.seed))
        return 0
    generate_from_checkpoint(ckpt, args.num_chars, prompt, args.top, temperature=args.temperature, seed=args.seed)
    return 0
