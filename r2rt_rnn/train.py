"""``train_network``: the post's training loop, with progress, validation, checkpoints and Ctrl-C safety.

Also the ``train`` command: ``python -m r2rt_rnn train --cell GRU --epochs 20 --num-steps 80 --save saves/GRU``.
"""
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import checkpoint
from .data import bundled_corpus, check_length, check_positive, epoch_size, gen_epochs, ptb_iterator
from .errors import R2RTError
from .graphs.common import reset_graph  # noqa: F401 - the post's public name lives here too
from .tf1 import tf


class TrainingHistory(list):
    """The per-epoch average training losses (a list, as the post returned), plus:

    ``valid_losses`` (per epoch, when validation data was given), ``epoch_seconds``
    and ``checkpoint`` (the path last saved, if any).
    """

    def __init__(self, losses=(), valid_losses=(), epoch_seconds=()):
        super().__init__(losses)
        self.valid_losses = list(valid_losses)
        self.epoch_seconds = list(epoch_seconds)
        self.checkpoint = None

    def progress(self):
        return {"epochs_done": len(self), "losses": list(self), "valid_losses": self.valid_losses,
                "epoch_seconds": self.epoch_seconds}


def _check_inputs(g, num_epochs, num_steps, batch_size, data, vocab):
    check_positive(num_epochs=num_epochs, num_steps=num_steps, batch_size=batch_size)
    config = g["config"]
    for name, value in (("num_steps", num_steps), ("batch_size", batch_size)):
        if config[name] != value:
            raise R2RTError(f"the graph was built with {name}={config[name]} but train_network got "
                            f"{name}={value}; pass the same value to both")
    check_length(data, batch_size, num_steps)
    num_classes = len(vocab) if vocab is not None else int(np.max(data)) + 1
    if num_classes > config["num_classes"]:
        raise R2RTError(f"the text has {num_classes} distinct characters but the graph was built with "
                        f"num_classes={config['num_classes']}; build it with num_classes={num_classes}")


def run_batches(sess, g, batches, fetch_train_step, feed=None, progress=None):
    """Run ``g`` over ``(x, y)`` batches, carrying each batch's final state into the next.

    Returns the mean ``total_loss``. With ``fetch_train_step`` the weights are updated.
    """
    fetches = [g["total_loss"], g["final_state"]] + ([g["train_step"]] if fetch_train_step else [])
    state, total, steps = None, 0.0, 0
    for X, Y in batches:
        feed_dict = {g["x"]: X, g["y"]: Y, **(feed or {})}
        if state is not None:
            feed_dict[g["init_state"]] = state  # the previous batch's final state: rows are contiguous text
        loss, state = sess.run(fetches, feed_dict)[:2]
        total += loss
        steps += 1
        if progress is not None:
            progress.update(1)
            if steps % 10 == 0:
                progress.set_postfix(loss=f"{total / steps:.3f}", refresh=False)
    return total / max(steps, 1)


def evaluate(sess, g, data, batch_size=None, num_steps=None):
    """Mean loss of ``g`` on ``data`` (ids), state carried across batches, dropout off, no training."""
    batch_size = batch_size or g["config"]["batch_size"]
    num_steps = num_steps or g["config"]["num_steps"]
    return run_batches(sess, g, ptb_iterator(data, batch_size, num_steps), fetch_train_step=False)


def train_network(g, num_epochs, num_steps=200, batch_size=32, verbose=True, save=False, *,
                  data=None, valid_data=None, vocab=None, resume=None, session_config=None):
    """Train graph ``g`` for ``num_epochs`` epochs and return the per-epoch average training losses.

    As in the post, each batch's final state is fed in as the next batch's initial
    state. Beyond the post:

    * ``data`` / ``valid_data``: int id arrays (default: the bundled
      tiny-shakespeare, no validation); ``vocab``: their :class:`Vocabulary`,
      saved beside checkpoints (default with ``data=None``: the bundled corpus's;
      a checkpoint saved without one cannot generate text);
    * ``save``: a checkpoint path, written after every epoch with its vocabulary and config;
    * ``resume``: a checkpoint path to continue from (weights, optimiser state, epochs done);
    * Ctrl-C saves a checkpoint (to ``save``, or ``saves/interrupted``) before re-raising;
    * a progress bar when ``verbose``; runs are repeatable (the builders seed the graph).

    The result is a :class:`TrainingHistory` (a list) with ``valid_losses`` too.
    """
    if data is None:
        corpus = bundled_corpus()
        data, vocab = corpus.train, vocab or corpus.vocab
    _check_inputs(g, num_epochs, num_steps, batch_size, data, vocab)
    if valid_data is not None:
        check_length(valid_data, batch_size, num_steps, what="validation text")
    save_path = save if isinstance(save, (str, Path)) else None
    if "saver" not in g:
        g["saver"] = tf.train.Saver()
    history = TrainingHistory()
    n_batches = epoch_size(len(data), batch_size, num_steps)
    log = (lambda *a: print(*a, flush=True)) if verbose else (lambda *a: None)

    with tf.Session(config=session_config) as sess:
        sess.run(tf.global_variables_initializer())
        if resume:
            progress, _ = checkpoint.restore(sess, g, resume)
            history = TrainingHistory(progress.get("losses", []), progress.get("valid_losses", []),
                                      progress.get("epoch_seconds", []))
            log(f"Resumed from {resume} after {len(history)} epoch(s).")
        try:
            for idx, epoch in enumerate(gen_epochs(num_epochs, num_steps, batch_size, data)):
                if idx < len(history):
                    continue  # finished before the checkpoint we resumed from
                t0 = time.perf_counter()
                with tqdm(total=n_batches, desc=f"epoch {idx}", disable=not verbose, leave=False,
                          file=sys.stdout, mininterval=1.0, dynamic_ncols=True) as bar:
                    loss = run_batches(sess, g, epoch, True, g.get("train_feed"), bar)
                history.append(float(loss))
                history.epoch_seconds.append(time.perf_counter() - t0)
                line = f"Average training loss for Epoch {idx} : {loss:.4f}"
                if valid_data is not None:
                    history.valid_losses.append(float(evaluate(sess, g, valid_data)))
                    line += f"   validation loss: {history.valid_losses[-1]:.4f}"
                log(line + f"   ({history.epoch_seconds[-1]:.1f} s)")
                if save_path:
                    history.checkpoint = checkpoint.save(sess, g, save_path, vocab, history.progress())
        except KeyboardInterrupt:
            target = save_path or Path("saves") / "interrupted"
            checkpoint.save(sess, g, target, vocab, history.progress())
            print(f"\nInterrupted: saved a checkpoint after {len(history)} complete epoch(s) to {target}; "
                  f"continue with train_network(..., resume={str(target)!r}) or `--resume {target}`.",
                  file=sys.stderr, flush=True)
            raise
    return history


# --- command line -------------------------------------------------------------------------------

def add_arguments(parser):
    from .model import CELL_TYPES

    cells = [c for c in CELL_TYPES if c is not None] + ["RNN"]
    parser.add_argument("--text", default=None, help="UTF-8 text file or http(s) URL (default: bundled tiny-shakespeare)")
    parser.add_argument("--cell", default="GRU", choices=cells, help="cell type; RNN is the basic RNN cell")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--num-steps", type=int, default=80, help="truncated backprop length")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--state-size", type=int, default=100)
    parser.add_argument("--num-layers", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--dropout", type=float, default=None, metavar="KEEP_PROB",
                        help="train with dropout at this keep probability (e.g. 0.9)")
    parser.add_argument("--valid-fraction", type=float, default=0.1,
                        help="hold out this tail fraction of the text for a validation loss (0 = none)")
    parser.add_argument("--save", default=None, help="checkpoint path (written every epoch)")
    parser.add_argument("--resume", default=None, help="checkpoint to continue training from")
    parser.add_argument("--seed", type=int, default=2345)
    parser.add_argument("--sample", type=int, default=0, metavar="N", help="generate N characters after training")


def main(args):
    from .data import load_corpus
    from .model import build_graph

    corpus = load_corpus(args.text, valid_fraction=args.valid_fraction)
    cell_type = None if args.cell == "RNN" else args.cell
    print(f"Data: {len(corpus.text):,} characters, {corpus.vocab_size} distinct; "
          f"training on {len(corpus.train):,}, validating on {0 if corpus.valid is None else len(corpus.valid):,}.")
    check_length(corpus.train, args.batch_size, args.num_steps)  # before any graph is built
    t = time.perf_counter()
    g = build_graph(cell_type=cell_type, state_size=args.state_size, num_classes=corpus.vocab_size,
                    batch_size=args.batch_size, num_steps=args.num_steps, num_layers=args.num_layers,
                    build_with_dropout=args.dropout is not None, keep_prob=args.dropout or 1.0,
                    learning_rate=args.learning_rate, seed=args.seed)
    print(f"Built the {args.cell} graph in {time.perf_counter() - t:.2f} s.")
    t = time.perf_counter()
    try:
        losses = train_network(g, args.epochs, num_steps=args.num_steps, batch_size=args.batch_size, save=args.save,
                               data=corpus.train, valid_data=corpus.valid, vocab=corpus.vocab, resume=args.resume)
    except KeyboardInterrupt:
        return 130
    print(f"It took {time.perf_counter() - t:.1f} seconds to train for {len(losses)} epochs.")
    print(f"The average loss on the final epoch was: {losses[-1]:.4f}")
    if losses.valid_losses:
        print(f"The validation loss after the final epoch was: {losses.valid_losses[-1]:.4f}")
    if args.sample and args.save:
        from .generate import generate_from_checkpoint

        generate_from_checkpoint(args.save, args.sample, pick_top_chars=5, seed=args.seed)
    return 0
