"""Loss spikes, counted: a precise definition so that two training runs can be compared by it.

A step *spikes* when its loss is more than ``factor`` times the median of the ``window`` steps before
it (and above ``floor``, so that noise on a loss near zero does not count). Spiking steps less than
``gap`` steps apart belong to one *episode*; :func:`spike_episodes` returns the episodes' first and
last steps (1-based, as the loss curves number steps).
"""
import numpy as np

from ..runtime import checks


def spike_episodes(losses, window=50, factor=5.0, floor=0.01, gap=20):
    """``[(first, last), ...]``: the 1-based steps that start and end each episode of spikes in ``losses``."""
    window, gap = checks.integer("window", window), checks.integer("gap", gap)
    factor, floor = checks.real("factor", factor), checks.real("floor", floor, low_open=False)
    losses = np.asarray(losses, dtype=float)
    runs = []
    for i in range(window, len(losses)):
        if losses[i] > factor * np.median(losses[i - window:i]) and losses[i] > floor:
            if runs and i + 1 - runs[-1][1] <= gap:
                runs[-1][1] = i + 1
            else:
                runs.append([i + 1, i + 1])
    return [tuple(r) for r in runs]
