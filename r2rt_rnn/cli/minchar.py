"""``python -m r2rt_rnn minchar``: train the gentle intro's hand-written RNN (:mod:`r2rt_rnn.min_char_rnn`).

Every option is checked, by its flag, before the text is read; the result (the loss
before and after, a sample, where the TensorBoard logs are) is printed here.
"""
import numpy as np

from ..data import check_length, check_positive, epoch_size, load_text
from ..min_char_rnn import Config, check_config, train
from ..runtime.errors import R2RTError
from .common import flags

FLAGS = {"hidden_size": "--hidden-size", "seq_length": "--seq-length", "num_steps": "--seq-length",
         "batch_size": "--batch-size", "steps": "--steps", "epochs": "--epochs", "sample_length": "--sample-length",
         "learning_rate": "--learning-rate", "clip": "--clip", "seed": "--seed", "seed_char": "--seed-char",
         "text": "--text", "logdir": "--logdir"}


def add_arguments(parser):
    """Options of ``python -m r2rt_rnn minchar``."""
    d = Config()
    parser.add_argument("--text", default=None, help="training text file or URL (default: bundled tiny-shakespeare)")
    parser.add_argument("--steps", type=int, default=d.steps, help="training batches")
    parser.add_argument("--epochs", type=int, default=None, help="passes over the text; overrides --steps")
    parser.add_argument("--seq-length", type=int, default=d.seq_length, help="steps unrolled per window")
    parser.add_argument("--batch-size", type=int, default=d.batch_size, help="parallel streams of text")
    parser.add_argument("--hidden-size", type=int, default=d.hidden_size, help="size H of the hidden state")
    parser.add_argument("--learning-rate", type=float, default=d.learning_rate, help="Adam learning rate")
    parser.add_argument("--clip", type=float, default=d.clip, help="clip each gradient entry to [-clip, clip]")
    parser.add_argument("--sample-length", type=int, default=d.sample_length, help="characters to generate")
    parser.add_argument("--seed-char", default=None, help="first character of the sample (default: the text's first)")
    parser.add_argument("--seed", type=int, default=d.seed, help="random seed")
    parser.add_argument("--log-every", type=int, default=500, help="print the mean loss every N steps (0: never)")
    parser.add_argument("--logdir", default=None, metavar="DIR",
                        help="write TensorBoard logs (graph, loss, samples) to a new run folder under DIR")


def main(args):
    config = Config(hidden_size=args.hidden_size, seq_length=args.seq_length, batch_size=args.batch_size,
                    learning_rate=args.learning_rate, clip=args.clip, steps=args.steps,
                    sample_length=args.sample_length, seed=args.seed)
    with flags(FLAGS):
        check_config(config)
        if args.epochs is not None:
            check_positive(epochs=args.epochs)
        if args.log_every < 0:
            raise R2RTError(f"--log-every must be 0 (never) or a positive number of steps, got {args.log_every}")
        text = load_text(args.text)
        check_length(text, args.batch_size, args.seq_length, "text")
        if args.epochs is not None:
            config.steps = max(1, args.epochs * epoch_size(len(text), config.batch_size, config.seq_length))
        result = train(text, config, seed_char=args.seed_char, progress=True, log_every=args.log_every,
                       logdir=args.logdir)
    _report(result, args.logdir)
    return 0


def _report(result, logdir):
    losses, vocab_size = result["losses"], len(result["vocab"])
    print(f"trained {len(losses)} steps in {result['seconds']:.1f} s; loss {losses[0]:.3f} -> "
          f"{np.mean(losses[-min(100, len(losses)):]):.3f} (mean of the last 100 steps; "
          f"uniform guessing is ln({vocab_size}) = {np.log(vocab_size):.3f})")
    print("---- sample ----")
    print(result["sample"])
    if result["logdir"]:
        print(f"TensorBoard logs: {result['logdir']} (view with `tensorboard --logdir {logdir}`)")
