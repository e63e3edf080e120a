"""The table of graph builders a checkpoint can name: one entry per ``config["builder"]``.

Each entry says which function builds that graph, which settings decide its
variables' names and shapes (a checkpoint restores only into a graph that agrees on
all of them; ``batch_size`` and ``num_steps`` may differ), and which saved tensors'
shapes its config predicts. :mod:`r2rt_rnn.runtime.checkpoint` reads it to check and rebuild
any checkpoint; adding a kind of model is one entry here.

Which checkpoints restore into which graphs is decided here, in one place: :func:`shape_keys`
(the entry's settings, and a cell's weight count for a cell type that takes one) and
:func:`differences` (those settings compared, a cell type agreeing with the one that computes
the same model another way, ``LN_LSTM_fast`` with ``LN_LSTM``).
"""
import importlib
import inspect
from dataclasses import dataclass

from ..cell_types import CELL_TYPES, same_model


def _char_tensors(c):
    return {"embedding_matrix": [c.get("num_classes"), c.get("state_size")],
            "softmax/W": [c.get("state_size"), c.get("num_classes")]}


def _word_tensors(c):
    return {"Model/embedding": [c.get("vocab_size"), c.get("hidden_size")],
            "Model/softmax_w": [c.get("hidden_size"), c.get("vocab_size")]}


@dataclass(frozen=True)
class Builder:
    function: str          # "module:name" of the function that builds the graph from the config's settings
    shape_keys: tuple      # the settings that decide the variables' names and shapes
    tensors: callable      # config -> {saved tensor name: the shape the config predicts}

    def build(self, **settings):
        """Build the graph from ``settings``, passing only the ones the function takes."""
        module, name = self.function.split(":")
        builder = getattr(importlib.import_module(module), name)
        accepted = inspect.signature(builder).parameters
        if any(p.kind is p.VAR_KEYWORD for p in accepted.values()):  # it sorts the settings out itself
            return builder(**settings)
        return builder(**{k: v for k, v in settings.items() if k in accepted})


def _min_char_tensors(c):
    return {"W_xh": [c.get("vocab_size"), c.get("hidden_size")], "W_hy": [c.get("hidden_size"), c.get("vocab_size")]}


CHAR_KEYS = ("builder", "cell_type", "state_size", "num_classes", "num_layers")
BUILDERS = {
    "build_graph": Builder("r2rt_rnn.model:build_graph", CHAR_KEYS, _char_tensors),
    "list_basic_rnn": Builder("r2rt_rnn.graphs.static:build_basic_rnn_graph_with_list", CHAR_KEYS, _char_tensors),
    "list_lstm": Builder("r2rt_rnn.graphs.static:build_multilayer_lstm_graph_with_list", CHAR_KEYS, _char_tensors),
    "dynamic_lstm": Builder("r2rt_rnn.graphs.dynamic:build_multilayer_lstm_graph_with_dynamic_rnn", CHAR_KEYS,
                            _char_tensors),
    "scan_lstm": Builder("r2rt_rnn.graphs.scan:build_multilayer_lstm_graph_with_scan", CHAR_KEYS, _char_tensors),
    "scan_skip_gru": Builder("r2rt_rnn.graphs.skip:build_skip_connection_graph_with_scan", CHAR_KEYS + ("skip",),
                             _char_tensors),
    "min_char_rnn": Builder("r2rt_rnn.min_char_rnn:build_graph", ("builder", "vocab_size", "hidden_size"),
                            _min_char_tensors),
    "ptb_word_lm": Builder("r2rt_rnn.ptb.model:build_from_config", ("builder", "num_layers", "hidden_size",
                                                                    "vocab_size"), _word_tensors),
}


def _takes_num_weights(cell_type):
    """Whether ``cell_type``'s variables depend on ``num_weights_for_custom_cell`` (the Custom cell's)."""
    entry = CELL_TYPES.get(cell_type) if cell_type is None or isinstance(cell_type, str) else None
    return entry is not None and entry.takes_num_weights


def shape_keys(saved, config=None):
    """The settings of checkpoint config ``saved`` that decide its variables' names and shapes (with the cell's
    weight count when ``saved``'s or the graph's ``config``'s cell type takes one); just ``builder`` for a
    builder this table does not have."""
    keys = BUILDERS[saved["builder"]].shape_keys if saved.get("builder") in BUILDERS else ("builder",)
    if any(_takes_num_weights(c.get("cell_type")) for c in (saved, config or {})):
        keys += ("num_weights_for_custom_cell",)
    return keys


def differences(config, saved):
    """The settings of :func:`shape_keys` on which a graph's ``config`` and a checkpoint's ``saved`` config differ:
    the checkpoint restores into the graph when there are none."""
    def model(c, key):  # a cell type as the model it computes: LN_LSTM_fast's checkpoints are LN_LSTM's
        return same_model(c.get(key)) if key == "cell_type" else c.get(key)

    return [key for key in shape_keys(saved, config) if model(saved, key) != model(config, key)]
