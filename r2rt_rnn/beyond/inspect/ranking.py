"""Finding the units that follow a feature: correlation, and LSTMVis's inside-against-outside match.

For each feature f (``[T]``) and unit activation x (``[T]``, in [-1, 1]):

* the Pearson correlation of x with f: 1 when the unit rises and falls exactly with the
  feature; units are ranked by its size, its sign saying which way they follow;
* the LSTMVis view: of the positions the feature marks (f > 0), the fraction where the
  unit is beyond ``threshold`` (on the side its correlation points to), against the same
  fraction elsewhere. A unit that is "on" exactly inside a marked span scores 1 and 0;
* given a chance level for the feature (:mod:`.baseline`: the best ``|r|`` of untrained
  copies of the model), whether the unit is a *finding*: ``|r|`` above chance plus a margin.

:class:`UnitStats` keeps only running sums (over positions, per feature and unit), so a
passage of any length is ranked in the memory of one chunk.
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class UnitScore:
    """How well one unit follows one feature."""

    unit: object
    correlation: float
    inside: float  # fraction of marked positions where the unit is on
    outside: float  # fraction of unmarked positions where it is on
    chance: float = None  # the feature's chance level (best |r| of untrained copies), when known
    margin: float = None  # how far above chance a finding's |r| must be

    @property
    def finding(self):
        """True when ``|correlation|`` clears the chance level by the margin; None without a chance level."""
        return clears(self.correlation, {"chance": self.chance, "margin": self.margin})

    def as_dict(self):
        out = {"unit": str(self.unit), "correlation": _rounded(self.correlation),
               "inside": _rounded(self.inside), "outside": _rounded(self.outside)}
        if self.chance is not None:
            out.update(chance=_rounded(self.chance), margin=self.margin, finding=self.finding)
        return out


def clears(correlation, baseline):
    """Whether ``|correlation|`` exceeds ``baseline["chance"] + baseline["margin"]``; None without a chance level."""
    if not baseline or baseline.get("chance") is None or correlation is None or not np.isfinite(correlation):
        return None
    return bool(abs(correlation) > baseline["chance"] + (baseline.get("margin") or 0.0))


def _rounded(x):
    return None if x is None or not np.isfinite(x) else round(float(x), 4)


class UnitStats:
    """Running sums between ``F`` features and ``U`` units, added one chunk of positions at a time.

    ``feature_names``: the F names; ``units``: the U units (any labels, in column order).
    """

    def __init__(self, feature_names, units, threshold=0.5):
        self.names, self.units, self.threshold = list(feature_names), list(units), float(threshold)
        F, U = len(self.names), len(self.units)
        self.n = 0
        self._shift_f = self._shift_x = None  # first chunk's means: sums of shifted values stay well conditioned
        self.sf, self.sff = np.zeros(F), np.zeros(F)
        self.sx, self.sxx = np.zeros(U), np.zeros(U)
        self.sfx = np.zeros((F, U))
        self.marked = np.zeros(F)
        self.above, self.below = np.zeros(U), np.zeros(U)  # positions where the unit is > t / < -t
        self.marked_above, self.marked_below = np.zeros((F, U)), np.zeros((F, U))

    def add(self, features, activations):
        """``features`` ``[T, F]`` and ``activations`` ``[T, U]`` for T more positions."""
        f = np.asarray(features, dtype=np.float64)
        x = np.asarray(activations, dtype=np.float64)
        if len(f) == 0:
            return
        if self._shift_f is None:
            self._shift_f, self._shift_x = f.mean(axis=0), x.mean(axis=0)
        fc, xc = f - self._shift_f, x - self._shift_x
        self.n += len(f)
        self.sf += fc.sum(axis=0)
        self.sff += (fc * fc).sum(axis=0)
        self.sx += xc.sum(axis=0)
        self.sxx += (xc * xc).sum(axis=0)
        self.sfx += fc.T @ xc
        marked = (f > 0).astype(np.float64)
        above, below = (x > self.threshold).astype(np.float64), (x < -self.threshold).astype(np.float64)
        self.marked += marked.sum(axis=0)
        self.above += above.sum(axis=0)
        self.below += below.sum(axis=0)
        self.marked_above += marked.T @ above
        self.marked_below += marked.T @ below

    def correlation(self):
        """``[F, U]`` Pearson correlations; NaN where a feature or a unit does not vary."""
        n = max(self.n, 1)
        cov = self.sfx - np.outer(self.sf, self.sx) / n
        var_f = self.sff - self.sf ** 2 / n
        var_x = self.sxx - self.sx ** 2 / n
        with np.errstate(invalid="ignore", divide="ignore"):
            r = cov / np.sqrt(np.outer(var_f, var_x))
        # a spread smaller than rounding noise is no spread: no correlation to speak of
        r[var_f <= 1e-9 * max(self.n, 1), :] = np.nan
        r[:, var_x <= 1e-12 * max(self.n, 1)] = np.nan
        return np.clip(r, -1.0, 1.0)

    def fractions(self, r=None):
        """``(inside, outside)``, each ``[F, U]``: how often the unit is on, in and out of the marked positions.

        "On" means beyond ``threshold`` on the side of its correlation (below ``-threshold``
        for a unit that follows the feature by falling).
        """
        r = self.correlation() if r is None else r
        falling = np.nan_to_num(r) < 0
        on_marked = np.where(falling, self.marked_below, self.marked_above)
        on_total = np.where(falling, self.below[None, :], self.above[None, :])
        with np.errstate(invalid="ignore", divide="ignore"):
            inside = on_marked / self.marked[:, None]
            outside = (on_total - on_marked) / (self.n - self.marked)[:, None]
        return inside, outside

    def ranking(self, name, top=10, baseline=None):
        """The ``top`` units that follow feature ``name`` best (largest ``|correlation|`` first).

        ``baseline``: the feature's chance level (an entry of :func:`.baseline.chance_levels`), which
        each :class:`UnitScore` then carries.
        """
        k = self.names.index(name)
        r = self.correlation()
        inside, outside = self.fractions(r)
        row = r[k]
        if not np.isfinite(row).any():
            return []
        order = np.argsort(-np.nan_to_num(np.abs(row), nan=-1.0), kind="stable")[:top]
        chance, margin = (baseline or {}).get("chance"), (baseline or {}).get("margin")
        return [UnitScore(self.units[j], float(row[j]), float(inside[k, j]), float(outside[k, j]), chance, margin)
                for j in order if np.isfinite(row[j])]

    def varies(self, name):
        """Whether feature ``name`` takes more than one value in the passage (else nothing can follow it)."""
        k = self.names.index(name)
        return self.n > 1 and self.sff[k] - self.sf[k] ** 2 / self.n > 1e-9 * self.n


def rank_units(trace, features, top=10, threshold=0.5, baselines=None):
    """Rank a whole :class:`~.trace.Trace`'s units for each feature: ``{name: [UnitScore, ...]}``.

    ``features``: ``{name: [T] array}`` (see :func:`~.features.compute_features`);
    ``baselines``: ``{name: chance level}`` (:func:`.baseline.baselines_of`), so that each
    score says its feature's chance level and whether it is a finding.
    """
    stats = UnitStats(list(features), trace.layout.units, threshold)
    stats.add(np.stack([features[name] for name in features], axis=1), trace.activations())
    return {name: stats.ranking(name, top, (baselines or {}).get(name)) for name in features}
