"""``g["config"]``: how a character graph was built, checked, frozen, and saved beside every checkpoint.

Every character-model builder (``build_graph`` and the post's list, ``dynamic_rnn``, ``scan`` and
skip-connection graphs) records its settings in a :class:`GraphConfig`. It is a frozen dataclass
that reads as a mapping, as the post's code and the checkpoint format read it::

    config["num_classes"]          config.get("max_grad_norm")          dict(config)

Each field is checked when the config is made (:mod:`r2rt_rnn.runtime.checks`: ``np.int64(8)``
and ``np.float32(1e-3)`` pass wherever an int or a float does, a bool is never a number and a
switch must be a bool) and stored as a plain Python value, so the checkpoint's JSON is the same
whatever numbers the caller passed. A setting the builder does not take is absent, not None
(the list graphs have no ``keep_prob``): each builder's config lists exactly its own settings,
in the order the checkpoints have always saved them.

Which settings decide a checkpoint's variables (and so which checkpoints restore into a graph)
is the builders' table's to say: :mod:`r2rt_rnn.runtime.builders`.
"""
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Optional

from ..cell_types import check_cell_type
from ..runtime import checks


class _Unset:
    """The value of a setting the builder does not take (absent from the mapping)."""

    def __repr__(self):
        return "UNSET"

    def __reduce__(self):  # one object, through copy and pickle
        return "UNSET"


UNSET = _Unset()


def _cell_type(name, value):
    check_cell_type(value)
    return value


def _optional_rate(name, value):
    return checks.optional(checks.rate, name, value)


def _optional_probability(name, value):
    return checks.optional(checks.probability, name, value)


def _setting(check, default=UNSET):
    """A field checked (and made a plain Python value) by ``check(name, value)``; ``UNSET``: not taken."""
    return field(default=default, metadata={"check": check})


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class GraphConfig(Mapping):
    """The settings a character graph was built with; equal to any mapping with the same items."""

    builder: str  # the entry of r2rt_rnn.runtime.builders.BUILDERS that rebuilds this graph
    cell_type: Optional[str] = _setting(_cell_type, None)  # a key of r2rt_rnn.cell_types.CELL_TYPES
    num_weights_for_custom_cell: int = _setting(checks.integer)
    state_size: int = _setting(checks.integer)
    num_classes: int = _setting(checks.integer)
    batch_size: int = _setting(checks.integer)
    num_steps: int = _setting(checks.integer)
    num_layers: int = _setting(checks.integer)
    build_with_dropout: bool = _setting(checks.boolean)
    learning_rate: float = _setting(checks.rate)
    keep_prob: Optional[float] = _setting(_optional_probability)  # needed (in (0, 1]) with build_with_dropout
    max_grad_norm: Optional[float] = _setting(_optional_rate)  # None: the gradients are not clipped
    skip: bool = _setting(checks.boolean)  # the skip-connection graph's t-2 input

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not UNSET and "check" in f.metadata:
                object.__setattr__(self, f.name, f.metadata["check"](f.name, value))
        if self.get("build_with_dropout"):
            checks.probability("keep_prob", self.get("keep_prob"))  # what training feeds must be one

    def __getitem__(self, key):
        value = getattr(self, key, UNSET) if isinstance(key, str) and key in _NAMES else UNSET
        if value is UNSET:
            raise KeyError(key)
        return value

    def __iter__(self):
        return (name for name in _NAMES if getattr(self, name) is not UNSET)

    def __len__(self):
        return sum(1 for _ in self)

    def __hash__(self):
        return hash(tuple(self.items()))

    def __repr__(self):
        return f"GraphConfig({', '.join(f'{k}={v!r}' for k, v in self.items())})"


_NAMES = tuple(f.name for f in fields(GraphConfig))
