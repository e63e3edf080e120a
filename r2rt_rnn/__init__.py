"""r2rt_rnn: the R2RT "Recurrent Neural Networks in Tensorflow II" post and three companion
tutorials, running in TensorFlow 1 graph mode (``tf.compat.v1``) on today's TensorFlow.

The public names are the posts' own::

    from r2rt_rnn import build_graph, train_network, generate_characters

They are imported lazily, so ``python -m r2rt_rnn --help`` answers without loading TensorFlow.

Reading the post beside the package, section by section (``show_source(name)`` shows each listing):

1. the task and its data: :mod:`r2rt_rnn.data` (``gen_epochs``, ``ptb_iterator``; tiny-shakespeare
   is shipped in :mod:`r2rt_rnn.corpus`);
2. the training loop: :mod:`r2rt_rnn.train` (``train_network``);
3. the graph unrolled with a list: :mod:`r2rt_rnn.graphs.static`; with ``dynamic_rnn``:
   :mod:`r2rt_rnn.graphs.dynamic`; with ``tf.scan``: :mod:`r2rt_rnn.graphs.scan`;
4. custom cells, ``ln()`` and layer normalisation: :mod:`r2rt_rnn.cells` (the table of every cell
   type: :mod:`r2rt_rnn.cell_types`);
5. the final model, ``build_graph``: :mod:`r2rt_rnn.model`;
6. generating text: :mod:`r2rt_rnn.generate` (``generate_characters``).

The companions: the gentle intro's min-char-rnn (:mod:`r2rt_rnn.min_char_rnn`), the slides' cells and
architectures (:mod:`r2rt_rnn.architectures`), TensorFlow's PTB tutorial (:mod:`r2rt_rnn.ptb`); the
benchmark that times them is :mod:`r2rt_rnn.bench`. A reader may skip the folders behind them:
``runtime`` (the one training-loop driver and its parts, checkpoints, argument checks, files, Ctrl-C),
``reproduction`` (presets, experiments, the recorded runs and the notebooks' figures), ``beyond``
(what goes beyond the posts: a model's insides, the in-graph sampler) and ``cli`` (the command line).

Importing the package changes nothing in your process but what graph mode needs (see
:mod:`r2rt_rnn.tf1`). TensorFlow's start-up lines, log messages and deprecation warnings
are hidden by a call, made first (the command line, the notebooks and the tests make it)::

    import r2rt_rnn
    r2rt_rnn.quiet()
"""
import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "R2RTError": "runtime.errors",
    "quiet": "runtime.quiet",
    "load_text": "data",
    "load_corpus": "data",
    "Vocabulary": "data",
    "ptb_iterator": "data",
    "gen_epochs": "data",
    "build_basic_rnn_graph_with_list": "graphs.static",
    "build_multilayer_lstm_graph_with_list": "graphs.static",
    "build_multilayer_lstm_graph_with_dynamic_rnn": "graphs.dynamic",
    "build_multilayer_lstm_graph_with_scan": "graphs.scan",
    "linear": "cells",
    "ln": "cells",
    "GRUCell": "cells",
    "CustomCell": "cells",
    "LayerNormalizedLSTMCell": "cells",
    "LayerNormalizedGRUCell": "cells",
    "build_graph": "model",
    "build_multilayer_graph_with_custom_cell": "model",
    "CELL_TYPES": "model",
    "reset_graph": "train",
    "train_network": "train",
    "evaluate": "train",
    "generate_characters": "generate",
    "sample_in_graph": "beyond.in_graph_sampler",
    "show_source": "reproduction.show",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module 'r2rt_rnn' has no attribute {name!r}")


def __dir__():
    return __all__ + ["__version__"]
