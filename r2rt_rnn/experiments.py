"""The post's three experiments, as functions the notebook and the ``reproduce`` command share.

* ``graph_styles``: the 3-layer LSTM unrolled as a list, with ``dynamic_rnn`` and with
  ``tf.scan`` (post: 3 epochs at 200 steps);
* ``gru_vs_custom``: the GRU against the post's Custom cell (post: 5 epochs at 30 steps);
* ``cell_comparison``: GRU, LSTM and LN_LSTM via ``build_graph`` (post: 20 epochs at 80 steps).

Each returns one record per model: build time, training time, per-epoch training
and validation losses, and the post's published figures beside them.
"""
import json
import time
from pathlib import Path

from .data import load_corpus
from .graphs.dynamic import build_multilayer_lstm_graph_with_dynamic_rnn
from .graphs.scan import build_multilayer_lstm_graph_with_scan
from .graphs.static import build_multilayer_lstm_graph_with_list
from .model import build_graph
from .train import train_network

# What the post printed (final-epoch average training loss, seconds to train, seconds to build).
POST = {
    "graph_styles": {
        "list": {"losses": [3.5332, 3.3144, 3.2176], "train_seconds": 117.8, "build_seconds": 25.6},
        "dynamic_rnn": {"losses": [3.5579, 3.3225, 3.2829], "train_seconds": 96.7, "build_seconds": 0.53},
        "scan": {"losses": [3.5536, 3.3205, 3.2743], "train_seconds": 101.6, "build_seconds": 0.65},
    },
    "gru_vs_custom": {
        "GRU": {"losses": [2.9292, 2.3589, 2.2195, 2.1226, 2.0504], "train_seconds": 284.7},
        "Custom": {"losses": [3.0442, 2.5173, 2.3707, 2.2753, 2.2017], "train_seconds": 537.6},
    },
    "cell_comparison": {
        "GRU": {"final_loss": 1.7532, "train_seconds": 1051.7},
        "LSTM": {"final_loss": 2.0281, "train_seconds": 614.5},
        "LN_LSTM": {"final_loss": 1.7185, "train_seconds": 3867.6},
    },
}

# experiment -> (epochs, num_steps, {model name: graph factory(num_steps, num_classes)})
EXPERIMENTS = {
    "graph_styles": (3, 200, {
        "list": lambda n, k: build_multilayer_lstm_graph_with_list(num_steps=n, num_classes=k),
        "dynamic_rnn": lambda n, k: build_multilayer_lstm_graph_with_dynamic_rnn(num_steps=n, num_classes=k),
        "scan": lambda n, k: build_multilayer_lstm_graph_with_scan(num_steps=n, num_classes=k),
    }),
    "gru_vs_custom": (5, 30, {
        "GRU": lambda n, k: build_graph(cell_type="GRU", num_steps=n, num_classes=k),
        "Custom": lambda n, k: build_graph(cell_type="Custom", num_steps=n, num_classes=k),
    }),
    "cell_comparison": (20, 80, {
        "GRU": lambda n, k: build_graph(cell_type="GRU", num_steps=n, num_classes=k),
        "LSTM": lambda n, k: build_graph(cell_type="LSTM", num_steps=n, num_classes=k),
        "LN_LSTM": lambda n, k: build_graph(cell_type="LN_LSTM", num_steps=n, num_classes=k),
    }),
}


def run(experiment, epochs=None, num_steps=None, models=None, text=None, max_chars=None,
        valid_fraction=0.1, save_dir=None, verbose=True):
    """Run one experiment; returns ``{model: record}``.

    ``epochs``/``num_steps`` default to the post's; ``max_chars`` keeps only the
    first characters of the text (the notebook's quick mode); ``save_dir`` keeps a
    checkpoint per model (e.g. ``saves/GRU_20_epochs`` as in the post).
    """
    default_epochs, default_steps, factories = EXPERIMENTS[experiment]
    epochs = epochs or default_epochs
    num_steps = num_steps or default_steps
    corpus = load_corpus(text, valid_fraction=valid_fraction)
    train, valid = corpus.train, corpus.valid
    if max_chars:
        train = train[:max_chars]
        valid = None if valid is None else valid[: max(max_chars // 10, 32 * (num_steps + 1))]
    results = {}
    for name, factory in factories.items():
        if models and name not in models:
            continue
        if verbose:
            print(f"--- {experiment}: {name}, {epochs} epochs at {num_steps} steps")
        t = time.perf_counter()
        g = factory(num_steps, corpus.vocab_size)
        build_seconds = time.perf_counter() - t
        save = str(Path(save_dir) / f"{name}_{epochs}_epochs") if save_dir else False
        t = time.perf_counter()
        history = train_network(g, epochs, num_steps=num_steps, data=train, valid_data=valid,
                                vocab=corpus.vocab, save=save, verbose=verbose)
        results[name] = {
            "epochs": epochs, "num_steps": num_steps, "build_seconds": build_seconds,
            "train_seconds": time.perf_counter() - t, "losses": list(history),
            "valid_losses": history.valid_losses, "train_chars": int(len(train)),
            "post": POST[experiment].get(name, {}),
        }
        if verbose:
            print(f"{name}: built in {build_seconds:.2f} s, trained in {results[name]['train_seconds']:.1f} s, "
                  f"final loss {history[-1]:.4f}")
    return results


def add_arguments(parser):
    parser.add_argument("experiment", choices=list(EXPERIMENTS) + ["all"])
    parser.add_argument("--epochs", type=int, default=None, help="default: the post's")
    parser.add_argument("--num-steps", type=int, default=None, help="default: the post's")
    parser.add_argument("--models", nargs="*", default=None, help="run only these models")
    parser.add_argument("--max-chars", type=int, default=None, help="train on the first N characters only")
    parser.add_argument("--save-dir", default=None, help="keep a checkpoint per model here")
    parser.add_argument("--out", default="docs/results", help="folder for <experiment>.json")


def main(args):
    names = list(EXPERIMENTS) if args.experiment == "all" else [args.experiment]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        results = run(name, args.epochs, args.num_steps, args.models, max_chars=args.max_chars,
                      save_dir=args.save_dir)
        path = out / f"{name}.json"
        previous = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**previous, **results}, indent=1))
        print(f"wrote {path}")
    return 0
