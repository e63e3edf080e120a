"""``python -m r2rt_rnn generate CHECKPOINT``: sample text from a checkpoint written by ``train`` (or ``ptb``).

The text streams: each character is printed as it is drawn (``generate_characters``'
``stream``), or each chunk with ``--in-graph``, or each word for a PTB model; a closed
pipe or a full disk stops it in one line (:func:`r2rt_rnn.runtime.output.write_piece`).
"""
from .. import pretrained
from ..beyond.in_graph_sampler import iter_in_graph
from ..generate import default_prompt, generate_characters
from ..runtime import checkpoint, interrupts, output
from ..runtime.errors import R2RTError
from ..runtime.sampling import check_sampling, encode_prompt
from .common import flags

FLAGS = {"num_chars": "--num-chars", "pick_top_chars": "--top", "temperature": "--temperature", "seed": "--seed",
         "prompt": "--prompt"}


def add_arguments(parser):
    parser.add_argument("checkpoint", help="checkpoint path given to `train --save` (or `ptb --save`), or the name "
                        f"of a model shipped with r2rt_rnn: {', '.join(pretrained.names())}")
    parser.add_argument("--num-chars", "--num-words", dest="num_chars", type=int, default=750,
                        help="characters to sample (words, for a PTB word model)")
    parser.add_argument("--prompt", default=None,
                        help="text that primes the state: characters from the training text (default 'A', or a "
                             "line break or the model's first character when its text has no 'A'), "
                             "or words for a PTB model (default: a sentence start)")
    parser.add_argument("--top", type=int, default=None, metavar="N",
                        help="sample only from the N likeliest characters (default: all)")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="below 1 picks likelier characters, above 1 more surprising ones; near 0 (any tiny "
                             "positive number) always the likeliest")
    parser.add_argument("--seed", type=int, default=None, help="a whole number that makes the sample repeatable")
    parser.add_argument("--in-graph", action="store_true",
                        help="sample the whole text in one session.run (same text for the same seed, much faster)")


def main(args):
    with flags(FLAGS):
        ckpt = checkpoint.load(args.checkpoint)  # read once; a clear error before any graph is built
        if ckpt.config.get("builder") == "ptb_word_lm":
            return _words(args, ckpt)
        check_sampling(args.num_chars, args.top, args.temperature, ckpt.num_classes, args.seed)
        vocab = checkpoint.vocabulary(ckpt)
        prompt = default_prompt(vocab) if args.prompt is None else args.prompt
        encode_prompt(prompt, vocab)  # a prompt the model cannot read is refused before any graph is built
        if args.in_graph:
            for piece in iter_in_graph(ckpt, args.num_chars, prompt, args.top, temperature=args.temperature,
                                       seed=args.seed):
                output.write_piece(piece)  # nothing is kept: any length streams in bounded memory
        else:
            g = checkpoint.build_from_checkpoint(ckpt, batch_size=1, num_steps=1)
            interrupts.check()
            generate_characters(g, ckpt, args.num_chars, prompt, args.top, temperature=args.temperature,
                                seed=args.seed, stream=output.write_piece)
        output.write_piece("\n")
    return 0


def _words(args, ckpt):
    """A PTB word model's sample (its sampler loads only for word checkpoints)."""
    from ..ptb.sample import iter_words

    if args.top is not None or args.in_graph:
        raise R2RTError("--top and --in-graph are for character models; a PTB model samples from all words")
    check_sampling(args.num_chars, None, args.temperature, 1, args.seed)
    for piece in iter_words(ckpt.path, args.num_chars, args.prompt or "", temperature=args.temperature,
                            seed=args.seed):
        output.write_piece(piece)  # each word as it is drawn: any --num-words streams in bounded memory
    output.write_piece("\n")
    return 0
