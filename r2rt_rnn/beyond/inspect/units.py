"""Naming the model's units ("neurons") and reading their activations.

A unit is one number of one layer's state: ``Unit(layer, index, part)``, layers counted
from 0 next to the input (the checkpoint's ``cell_0``). ``part`` is ``"h"`` for a basic
RNN or GRU; an LSTM has two, its memory cell ``c`` and its output ``h``. Written as
``LAYER:INDEX`` for a layer's main part (``c`` for an LSTM, as in Karpathy's figures;
``h`` otherwise) and ``LAYER:INDEX:h`` for an LSTM's output.

An LSTM cell's ``c`` is not bounded, so its activation is shown as ``tanh(c)`` (in
[-1, 1], like every ``h``), as Karpathy, Johnson and Fei-Fei did; the trace keeps the raw ``c``.
"""
from dataclasses import dataclass

import numpy as np

from ...runtime.errors import R2RTError


@dataclass(frozen=True, order=True)
class Unit:
    layer: int
    index: int
    part: str = "h"
    main: bool = True  # whether ``part`` is the layer's main part (then it is left out of the name)

    def __str__(self):
        return f"{self.layer}:{self.index}" if self.main else f"{self.layer}:{self.index}:{self.part}"


class UnitLayout:
    """Every unit of a model, in the column order of :meth:`activations`: layer by layer, part by part.

    ``parts``: the state parts of each layer, ``("c", "h")`` for LSTMs, ``("h",)`` otherwise.
    """

    def __init__(self, num_layers, width, parts):
        self.num_layers, self.width, self.parts = num_layers, width, tuple(parts)
        self.main = "c" if "c" in self.parts else "h"
        self.units = [Unit(layer, i, part, part == self.main)
                      for layer in range(num_layers) for part in self.parts for i in range(width)]
        self._column = {(u.layer, u.part, u.index): k for k, u in enumerate(self.units)}

    def __len__(self):
        return len(self.units)

    def column(self, unit):
        return self._column[(unit.layer, unit.part, unit.index)]

    def parse(self, text):
        """``"LAYER:INDEX"`` or ``"LAYER:INDEX:PART"`` -> :class:`Unit`; R2RTError if no such unit exists."""
        fields = str(text).strip().split(":")
        form = f"LAYER:INDEX (e.g. 0:12){', or LAYER:INDEX:h for an LSTM output' if len(self.parts) > 1 else ''}"
        if len(fields) not in (2, 3) or not all(f.strip().lstrip("-").isdigit() for f in fields[:2]):
            raise R2RTError(f"unit {text!r} is not of the form {form}", params=("unit",))
        layer, index = int(fields[0]), int(fields[1])
        part = fields[2].strip() if len(fields) == 3 else self.main
        if not 0 <= layer < self.num_layers:
            raise R2RTError(f"unit {text}: there is no layer {layer}; this model has layers 0 to "
                            f"{self.num_layers - 1}", params=("unit",))
        if part not in self.parts:
            raise R2RTError(f"unit {text}: a layer of this model has no part {part!r}; its parts are "
                            f"{', '.join(self.parts)}", params=("unit",))
        if not 0 <= index < self.width:
            raise R2RTError(f"unit {text}: layer {layer} has no index {index}; its units are 0 to {self.width - 1}",
                            params=("unit",))
        return self.units[self.column(Unit(layer, index, part))]

    def activations(self, layers):
        """The activation of every unit: ``[num_positions, len(self)]`` float32.

        ``layers``: one dict per layer of ``[num_positions, width]`` arrays, keyed by part
        (a trace's ``layers``); ``c`` becomes ``tanh(c)``.
        """
        columns = []
        for record in layers:
            for part in self.parts:
                values = np.asarray(record[part], dtype=np.float32)
                columns.append(np.tanh(values) if part == "c" else values)
        return np.concatenate(columns, axis=1)

    def activation(self, layers, unit):
        """One unit's activations, ``[num_positions]`` (``tanh(c)`` for an LSTM cell)."""
        values = np.asarray(layers[unit.layer][unit.part][:, unit.index], dtype=np.float32)
        return np.tanh(values) if unit.part == "c" else values
