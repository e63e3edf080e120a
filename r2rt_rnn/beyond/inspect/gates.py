"""How often each gate saturates: the scatter plot of Karpathy, Johnson and Fei-Fei (2015).

A gate is *left-saturated* when below 0.1 (nearly shut) and *right-saturated* when above
0.9 (nearly open). For each layer and gate kind, :class:`GateStats` counts, per unit, the
fraction of positions in each state; the paper plots one dot per gate unit at
(left fraction, right fraction). Its finding: LSTM forget gates of the upper layers sit
right-saturated much of the time (units that remember over long spans), while the first
layer's gates are rarely saturated at all.

Counts are added one chunk at a time, so any passage length fits in memory.
"""
import numpy as np

LOW, HIGH = 0.1, 0.9


class GateStats:
    """Per layer and gate: how many positions each unit spent below ``low`` and above ``high``."""

    def __init__(self, gate_names, low=LOW, high=HIGH):
        self.gate_names, self.low, self.high = tuple(gate_names), low, high
        self.n = 0
        self.left, self.right = [], []  # per layer: {gate: [width] counts}

    def add(self, layers):
        """``layers``: one dict per layer holding each gate's ``[T, width]`` values for T more positions."""
        if not self.gate_names or not layers:
            return
        if not self.left:
            self.left = [{g: 0 for g in self.gate_names} for _ in layers]
            self.right = [{g: 0 for g in self.gate_names} for _ in layers]
        for i, record in enumerate(layers):
            for gate in self.gate_names:
                values = np.asarray(record[gate])
                self.left[i][gate] = self.left[i][gate] + (values < self.low).sum(axis=0)
                self.right[i][gate] = self.right[i][gate] + (values > self.high).sum(axis=0)
        self.n += len(np.asarray(layers[0][self.gate_names[0]]))

    def per_unit(self):
        """``[{gate: (left [width], right [width])}]`` per layer: each unit's saturated fractions."""
        n = max(self.n, 1)
        return [{g: (np.asarray(self.left[i][g]) / n, np.asarray(self.right[i][g]) / n) for g in self.gate_names}
                for i in range(len(self.left))]

    def summary(self):
        """``{layer: {gate: {"left": mean fraction, "right": mean fraction, "units": width}}}`` (layers as str)."""
        return {str(i): {g: {"left": round(float(left.mean()), 4), "right": round(float(right.mean()), 4),
                             "units": int(left.size)}
                         for g, (left, right) in layer.items()}
                for i, layer in enumerate(self.per_unit())}


def gate_saturation(trace, low=LOW, high=HIGH):
    """:class:`GateStats` of a whole :class:`~.trace.Trace` (empty for a basic RNN, which has no gates)."""
    stats = GateStats(trace.spec.gate_names, low, high)
    stats.add(trace.layers)
    return stats
