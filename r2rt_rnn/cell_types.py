"""The cell types ``build_graph`` takes: one entry each, with every fact the package needs about it.

Each :class:`CellType` says which class makes one layer's cell, which gates it
records for ``inspect``, how many weight matrices a layer holds (the memory
estimate), whether its state is an LSTM's ``(c, h)`` and whose model it computes
another way (its checkpoints interchange with that cell type's). ``build_graph``
(:mod:`r2rt_rnn.model`), the memory estimate (:mod:`r2rt_rnn.graphs.common`),
:mod:`r2rt_rnn.runtime.checkpoint`, the in-graph sampler, ``inspect``'s tracing cells and the
benchmark all read :data:`CELL_TYPES`: adding a cell type is one entry here.
"""
from dataclasses import dataclass, field
from typing import Optional

from .cells import CustomCell, FusedLayerNormalizedLSTMCell, GRUCell, LayerNormalizedGRUCell, LayerNormalizedLSTMCell
from .runtime.errors import R2RTError
from .tf1 import rnn_cell


@dataclass(frozen=True)
class CellType:
    """What the package knows about one cell type.

    ``cell``: the class of one layer's cell, built as ``cell(state_size, **options)``, or
    ``cell(state_size, num_weights, **options)`` when ``takes_num_weights``.
    ``gates``: the gates it records for ``inspect``, each ``[batch, state_size]``, but for
    a ``takes_num_weights`` cell's ``"mix"``, ``[batch, num_weights]``.
    ``matrices``: its weight matrices per layer, counted as ``[2 * state_size, state_size]``
    each (``takes_num_weights`` adds ``num_weights`` more).
    ``lstm_state``: its state is ``LSTMStateTuple(c, h)`` rather than one tensor.
    ``same_model_as``: the cell type whose model it computes another way, with the same
    variables: checkpoints of either restore into the other.
    ``in_post``: the post trained it.
    """

    cell: type
    gates: tuple = ()
    matrices: int = 1
    lstm_state: bool = False
    takes_num_weights: bool = False
    same_model_as: Optional[str] = None
    in_post: bool = False
    options: dict = field(default_factory=dict)

    def make(self, state_size, num_weights=5):
        """One layer's cell of ``state_size`` units (``num_weights``: the Custom cell's input transforms)."""
        if self.takes_num_weights:
            return self.cell(state_size, num_weights, **self.options)
        return self.cell(state_size, **self.options)

    def weight_matrices(self, num_weights=5):
        """Weight matrices per layer, each about ``[2 * state_size, state_size]``."""
        return self.matrices + (num_weights if self.takes_num_weights else 0)

    def record_sizes(self, state_size, num_weights=5):
        """What one layer records per step for ``inspect``, name -> width: ``c`` and ``h`` (or ``h``), its gates."""
        sizes = {"c": state_size, "h": state_size} if self.lstm_state else {"h": state_size}
        for gate in self.gates:
            sizes[gate] = num_weights if self.takes_num_weights and gate == "mix" else state_size
        return sizes


LSTM_GATES = ("i", "f", "o")  # input, forget, output (after their sigmoids)
GRU_GATES = ("r", "u")  # reset, update

# cell_type -> CellType; the keys are build_graph's cell_type values (None: the basic RNN)
CELL_TYPES = {
    None: CellType(rnn_cell.BasicRNNCell, in_post=True),
    "GRU": CellType(rnn_cell.GRUCell, GRU_GATES, matrices=3, in_post=True),
    "LSTM": CellType(rnn_cell.LSTMCell, LSTM_GATES, matrices=4, lstm_state=True, in_post=True),
    "LN_LSTM": CellType(LayerNormalizedLSTMCell, LSTM_GATES, matrices=4, lstm_state=True, in_post=True),
    # Custom's "mix": the softmax weights of its num_weights input transforms
    "Custom": CellType(CustomCell, GRU_GATES + ("mix",), matrices=3, takes_num_weights=True, in_post=True),
    "LN_GRU": CellType(LayerNormalizedGRUCell, GRU_GATES, matrices=3),
    "post_GRU": CellType(GRUCell, GRU_GATES, matrices=3),  # the post's hand-written GRU, for comparison
    # the LN_LSTM model (same variables, same checkpoints), with fewer, larger ops per step
    "LN_LSTM_fast": CellType(FusedLayerNormalizedLSTMCell, LSTM_GATES, matrices=4, lstm_state=True,
                             same_model_as="LN_LSTM"),
}

# Not a build_graph cell type: the PTB word model's cell (r2rt_rnn.ptb.model: forget bias 0.0, as the
# TensorFlow tutorial), which inspect traces too.
PTB_LSTM = CellType(rnn_cell.BasicLSTMCell, LSTM_GATES, matrices=4, lstm_state=True, options={"forget_bias": 0.0})
OTHER_CELL_TYPES = {"PTB_LSTM": PTB_LSTM}


def _find(table, cell_type):
    try:
        return table.get(cell_type)
    except TypeError:  # unhashable: a damaged config's value
        return None


def check_cell_type(cell_type):
    """Raise R2RTError unless ``cell_type`` is one of :data:`CELL_TYPES`' keys."""
    if _find(CELL_TYPES, cell_type) is None:
        valid = ", ".join(repr(c) for c in CELL_TYPES)
        raise R2RTError(f"unknown cell_type {cell_type!r}; valid cell types are: {valid}")


def lookup(cell_type):
    """The :class:`CellType` of ``cell_type``: a ``build_graph`` cell type, or one of :data:`OTHER_CELL_TYPES`."""
    found = _find(CELL_TYPES, cell_type) or _find(OTHER_CELL_TYPES, cell_type)
    if found is None:
        valid = ", ".join(repr(c) for c in [*CELL_TYPES, *OTHER_CELL_TYPES])
        raise R2RTError(f"unknown cell type {cell_type!r}; known cell types are: {valid}")
    return found


def same_model(cell_type):
    """The cell type whose checkpoints ``cell_type``'s are: ``"LN_LSTM"`` for ``"LN_LSTM_fast"``, else itself.

    Any other value (a word model's missing cell type, a damaged config's) comes back unchanged.
    """
    entry = _find(CELL_TYPES, cell_type)
    return entry.same_model_as if entry is not None and entry.same_model_as else cell_type


def fastest(cell_type):
    """The cell type that computes ``cell_type``'s model fastest: ``"LN_LSTM_fast"`` for ``"LN_LSTM"``, else itself.

    An entry that names a ``same_model_as`` exists to be a faster way of computing that model.
    """
    return next((name for name, entry in CELL_TYPES.items() if entry.same_model_as == cell_type), cell_type)


def post_cell_types():
    """The gated cell types the post trained, each followed by any faster way of computing it (the benchmark's)."""
    return [name for name, entry in CELL_TYPES.items()
            if name is not None and (entry.in_post or CELL_TYPES[same_model(name)].in_post)]
