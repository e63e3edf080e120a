"""Looking inside a trained model: what it expects next, which units follow what, how its gates behave.

``python -m r2rt_rnn inspect CHECKPOINT --out report.html`` writes one self-contained page
(the passage coloured by a unit, the top guesses under every token); from Python:

>>> from r2rt_rnn.beyond.inspect import trace, compute_features, rank_units, gate_saturation
>>> t = trace("saves/GRU_20_epochs", text)          # every position's guesses, states and gates
>>> f = compute_features(t.tokens)
>>> rank_units(t, f)                                # {feature: [UnitScore(unit, correlation, ...)]}
>>> rank_units(t, f, baselines=baselines_of("saves/GRU_20_epochs", t, f))  # ... each with its chance level

Modules, one job each:

* :mod:`.tracing_cells`: the model's cells, recording their gates;
* :mod:`.trace`: the tracing graph, the chunked runner and :class:`Trace`;
* :mod:`.passage`: text -> the model's tokens and ids (unknown tokens refused or skipped);
* :mod:`.units`: naming units (``LAYER:INDEX``) and reading their activations;
* :mod:`.features`: built-in, regular-expression and marked-span features (:mod:`.limits`: the
  time limit on a regular expression);
* :mod:`.ranking`: the units that follow a feature (correlation; inside against outside);
* :mod:`.gates`: gate saturation;
* :mod:`.baseline`: each feature's chance level, from untrained copies of the model;
* :mod:`.ablation`: the loss with a unit clamped, where its feature is on and off;
* :mod:`.analysis`: one bounded-memory pass gathering all of it (:func:`inspect_passage`);
* :mod:`.page`, :mod:`.figures`: the HTML page and the PNG figures (written by :mod:`r2rt_rnn.runtime.files`).

The ``inspect`` command itself is :mod:`r2rt_rnn.cli.inspect`.
"""
from .analysis import Inspection, inspect_passage
from .baseline import baselines_of
from .features import BUILT_IN, compute_features
from .gates import gate_saturation
from .ranking import rank_units
from .trace import Trace, Tracer, trace

__all__ = ["BUILT_IN", "Inspection", "Trace", "Tracer", "baselines_of", "compute_features", "gate_saturation",
           "inspect_passage", "rank_units", "trace"]
