"""``python -m r2rt_rnn minchar``: train the gentle intro's hand-written RNN (:mod:`r2rt_rnn.min_char_rnn`).

Every option is checked, by its flag, before the text is read; the result (the loss
before and after, a sample, where the TensorBoard logs are) is printed here.
"""
import numpy as np

from ..data import load_text
from ..min_char_rnn import Config, train
from ..runtime import checkpoint, checks
from ..runtime.errors import R2RTError, TrainingInterrupted
from .common import continue_with, flags

FLAGS = {"hidden_size": "--hidden-size", "seq_length": "--seq-length", "num_steps": "--seq-length",
         "batch_size": "--batch-size", "steps": "--steps", "epochs": "--epochs", "sample_length": "--sample-length",
         "learning_rate": "--learning-rate", "clip": "--clip", "seed": "--seed", "seed_char": "--seed-char",
         "text": "--text", "logdir": "--logdir", "save": "--save", "resume": "--resume", "overwrite": "--overwrite"}
MODEL = ("hidden_size", "seq_length", "learning_rate", "clip")  # what a resumed run takes from its checkpoint


def add_arguments(parser):
    """Options of ``python -m r2rt_rnn minchar``."""
    d = Config()
    parser.add_argument("--text", default=None, help="training text file or URL (default: bundled tiny-shakespeare)")
    parser.add_argument("--steps", type=int, default=d.steps, help="training batches")
    parser.add_argument("--epochs", type=int, default=None,
                        help="passes over the text, those a resumed checkpoint has included; overrides --steps")
    parser.add_argument("--seq-length", type=int, default=None, help=f"steps unrolled per window ({d.seq_length})")
    parser.add_argument("--batch-size", type=int, default=d.batch_size, help="parallel streams of text")
    parser.add_argument("--hidden-size", type=int, default=None, help=f"size H of the hidden state ({d.hidden_size})")
    parser.add_argument("--learning-rate", type=float, default=None, help=f"Adam learning rate ({d.learning_rate})")
    parser.add_argument("--clip", type=float, default=None, help=f"clip each gradient entry to [-clip, clip] "
                                                                 f"({d.clip})")
    parser.add_argument("--sample-length", type=int, default=d.sample_length, help="characters to generate")
    parser.add_argument("--seed-char", default=None, help="first character of the sample (default: the text's first)")
    parser.add_argument("--seed", type=int, default=d.seed, help="random seed")
    parser.add_argument("--log-every", type=int, default=500, help="print the mean loss every N steps (0: never)")
    parser.add_argument("--logdir", default=None, metavar="DIR",
                        help="write TensorBoard logs (graph, loss, samples) to a new run folder under DIR")
    parser.add_argument("--save", default=None, metavar="CHECKPOINT",
                        help="write a checkpoint after every complete pass over the text")
    parser.add_argument("--resume", default=None, metavar="CHECKPOINT",
                        help="continue a checkpoint this command wrote, after its last complete pass, with its "
                             "sizes (give the same --text); it is updated unless --save names another path")
    parser.add_argument("--overwrite", action="store_true", help="let --save replace a checkpoint (default: refuse)")


def main(args):
    with flags(FLAGS):
        model = _model_settings(args)
        config = Config(**model, batch_size=args.batch_size, steps=args.steps, sample_length=args.sample_length,
                        seed=args.seed, epochs=args.epochs).checked()
        checks.integer("--log-every", args.log_every, 0, what="0 (never) or a positive number of steps")
        text = load_text(args.text)
        checks.length(text, args.batch_size, config.seq_length, "text")
        try:
            result = train(text, config, seed_char=args.seed_char, progress=True, log_every=args.log_every,
                           logdir=args.logdir, save=args.save or args.resume, resume=args.resume,
                           overwrite=args.overwrite)
        except TrainingInterrupted as exc:
            raise continue_with(exc) from None
    _report(result, args.logdir)
    return 0


def _model_settings(args):
    """The model's sizes and rates: the flags' (or the defaults), or, with --resume, the checkpoint's (a flag that
    disagrees with it is refused by name)."""
    given = {name: getattr(args, name) for name in MODEL}
    if not args.resume:
        return {name: Config.__dataclass_fields__[name].default if v is None else v for name, v in given.items()}
    saved = checkpoint.load(args.resume)
    if saved.config.get("builder") != "min_char_rnn":
        raise R2RTError(f"--resume {saved.path} is not a checkpoint of this command (min-char-rnn); give one that "
                        "`minchar --save` wrote")
    for name, value in given.items():
        if value is not None and value != saved.config[name]:
            raise R2RTError(f"--{name.replace('_', '-')} {value} differs from {saved.path}'s {saved.config[name]}; "
                            "leave it out to continue that model")
    return {name: saved.config[name] for name in MODEL}


def _report(result, logdir):
    losses, vocab_size = result["losses"], len(result["vocab"])
    print(f"trained {len(losses)} steps in {result['seconds']:.1f} s; loss {losses[0]:.3f} -> "
          f"{np.mean(losses[-min(100, len(losses)):]):.3f} (mean of the last 100 steps; "
          f"uniform guessing is ln({vocab_size}) = {np.log(vocab_size):.3f})")
    print("---- sample ----")
    print(result["sample"])
    if result["checkpoint"]:
        print(f"checkpoint: {result['checkpoint']} (the {len(result['pass_losses'])} complete passes)")
    if result["logdir"]:
        print(f"TensorBoard logs: {result['logdir']} (view with `tensorboard --logdir {logdir}`)")
