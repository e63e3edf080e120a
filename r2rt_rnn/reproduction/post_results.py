"""What the post published, in one place: its losses, timings and sample text, printed and recorded beside ours.

From R2RT, "Recurrent Neural Networks in Tensorflow II" (2016),
https://r2rt.com/recurrent-neural-networks-in-tensorflow-ii.html: TensorFlow 0.x on
the author's unnamed machine, all of tiny-shakespeare, no validation split.
:mod:`r2rt_rnn.reproduction.experiments` records :data:`EXPERIMENTS` beside each rerun; the
benchmark (:mod:`r2rt_rnn.bench`) reads the timings under its own graph names.
"""

# The post trained on all of tiny-shakespeare, with no validation split.
POST_CORPUS_CHARS = 1115394

# experiment -> model -> what the post printed: per-epoch average training losses (or the final one),
# seconds to train, seconds to build the graph.
EXPERIMENTS = {
    "graph_styles": {  # 3-layer LSTM, 200 steps, 3 epochs
        "list": {"losses": [3.5332, 3.3144, 3.2176], "train_seconds": 117.8, "build_seconds": 25.6},
        "dynamic_rnn": {"losses": [3.5579, 3.3225, 3.2829], "train_seconds": 96.7, "build_seconds": 0.53},
        "scan": {"losses": [3.5536, 3.3205, 3.2743], "train_seconds": 101.6, "build_seconds": 0.65},
    },
    "gru_vs_custom": {  # 30 steps, 5 epochs
        "GRU": {"losses": [2.9292, 2.3589, 2.2195, 2.1226, 2.0504], "train_seconds": 284.7},
        "Custom": {"losses": [3.0442, 2.5173, 2.3707, 2.2753, 2.2017], "train_seconds": 537.6},
    },
    "cell_comparison": {  # 80 steps, 20 epochs
        "GRU": {"final_loss": 1.7532, "train_seconds": 1051.7},
        "LSTM": {"final_loss": 2.0281, "train_seconds": 614.5},
        "LN_LSTM": {"final_loss": 1.71851, "train_seconds": 3867.6},  # printed 1.71850851623
    },
}

# What the post's generate_characters printed after its 20-epoch runs: the LN_LSTM, 750 characters after the prompt
# 'A', each drawn from the 5 likeliest, as its page shows them (728 characters of the 751 printed: the page's copy
# lost some line breaks). Its random draws are gone, so a sample of ours compares by eye only.
SAMPLE = {"model": "LN_LSTM", "prompt": "A", "num_chars": 750, "pick_top_chars": 5, "text": (
    'ATOOOS\n'
    "UIEAOUYOUZZZZZZUZAAAYAYf n fsflflrurctuateot t ta's a wtutss ESGNANO:\n"
    'Whith then, a do makes and them and to sees,\n'
    'I wark on this ance may string take thou honon\n'
    'To sorriccorn of the bairer, whither, all\n'
    "I'd see if yiust the would a peid.\n"
    'LARYNGLe:\n'
    'To would she troust they fould.\n'
    'PENMES:\n'
    'Thou she so the havin to my shald woust of\n'
    'As tale we they all my forder have\n'
    'As to say heant thy wansing thag and\n'
    'Whis it thee shath his breact, I be and might, she\n'
    'Tirs you desarvishensed and see thee: shall,\n'
    'What he hath with that is all time,\n'
    'And sen the have would be sectiens, way thee,\n'
    'They are there to man shall with me to the mon,\n'
    'And mere fear would be the balte, as time an at\n'
    'And the say oun touth, thy way womers thee.'
)}

# The benchmark's names for the graph styles (graph_styles' models).
_BENCH_GRAPHS = {"list": "list_lstm", "dynamic_rnn": "dynamic_lstm", "scan": "scan_lstm"}

# Graph build times (s) of the post's four graphs at 200 steps: its basic RNN as a list, and the three styles.
POST_BUILD_S = {"list_basic_rnn": 5.6, **{_BENCH_GRAPHS[m]: r["build_seconds"]
                                          for m, r in EXPERIMENTS["graph_styles"].items()}}
# Its 3-epoch training runs (s) of the three graph styles, 200 steps.
POST_3_EPOCHS_S = {_BENCH_GRAPHS[m]: r["train_seconds"] for m, r in EXPERIMENTS["graph_styles"].items()}
# Its 20-epoch cell comparison (s), 80 steps.
POST_20_EPOCHS_S = {cell: r["train_seconds"] for cell, r in EXPERIMENTS["cell_comparison"].items()}


def published(experiment, model):
    """What the post printed for ``model`` of ``experiment`` (a dict; empty for ours beyond the post)."""
    return dict(EXPERIMENTS.get(experiment, {}).get(model, {}))
