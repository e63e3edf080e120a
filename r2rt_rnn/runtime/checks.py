"""One place that checks arguments: each check names its parameter in an :class:`R2RTError` and returns the value
as a plain Python number.

What counts as a number is what Python's ``numbers`` module says: ``int``, ``np.int64`` ... are
:class:`numbers.Integral`; ``float``, ``np.float32`` ... are :class:`numbers.Real`. ``bool`` is never a
number here (``True`` as a size is a mistake, not a 1), and a number is never a boolean (``"no"`` or ``0``
as a switch is refused, not read as true or false). The command line turns the parameter a message
names into its flag (:meth:`R2RTError.with_flags`).
"""
import math
import numbers

import numpy as np

from .errors import R2RTError

MAX_SEED = 2**31 - 1  # what TensorFlow, numpy and Python's random all accept
FLOAT32_MAX = 3.4028234663852886e38  # the graphs hold rates and norms in float32


def is_integer(value):
    """An integer of any kind (numpy's too), never a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value):
    """A real number of any kind (numpy's float32 too), never a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _refuse(name, wanted, value, fix=None):
    raise R2RTError(f"{name} must be {wanted}, got {value!r}" + (f"; {fix}" if fix else ""), params=(name,))


def _integers(minimum, maximum):
    """How :func:`integer` words its range: "a positive integer", "an integer >= 0", "an integer from 0 to 9"."""
    if maximum is not None:
        return f"an integer from {minimum} to {maximum}"
    return "a positive integer" if minimum == 1 else f"an integer >= {minimum}"


def integer(name, value, minimum=1, maximum=None, what=None, fix=None):
    """``value`` as an int in ``[minimum, maximum]``; else R2RTError saying ``what`` it must be (by default the
    range: "a positive integer" for the usual minimum 1) and, with ``fix``, what to do."""
    if not (is_integer(value) and value >= minimum and (maximum is None or value <= maximum)):
        _refuse(name, what or _integers(minimum, maximum), value, fix)
    return int(value)


def positive(**sizes):
    """Every keyword a positive integer (the first that is not is named); returns them as ints, in order."""
    return tuple(integer(name, value) for name, value in sizes.items())


def _interval(low, high, low_open, high_open):
    if (low, low_open, high) == (0.0, True, math.inf):
        return "a positive finite number"
    return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def _as_float(value):
    """``value`` as a Python float (NaN for anything but a real number, inf for an int too large for a float).

    A float32 (or narrower) becomes the shortest decimal that is that float32, so ``np.float32(1e-3)`` is
    recorded as 0.001, not 0.0010000000474974513 (the same number in the graph's float32).
    """
    if not is_real(value):
        return math.nan
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        return float(str(value))
    try:
        return float(value)
    except OverflowError:
        return math.inf


def real(name, value, low=0.0, high=math.inf, low_open=True, high_open=False, what=None, fix=None):
    """``value`` as a finite float in the interval (``low``, ``high``] (ends open or closed as asked); else
    R2RTError saying ``what`` it must be (by default the interval) and, with ``fix``, what to do."""
    x = _as_float(value)
    inside = math.isfinite(x) and (x > low if low_open else x >= low) and (x < high if high_open else x <= high)
    if not inside:
        _refuse(name, what or _interval(low, high, low_open, high_open), value, fix)
    return x


def rate(name, value):
    """A learning rate, clip norm or the like: positive, finite, at most float32's largest (3.4e38)."""
    return real(name, value, 0.0, FLOAT32_MAX, what="a positive finite number (at most float32's 3.4e38)")


def probability(name, value):
    """A keep probability: in (0, 1]."""
    return real(name, value, 0.0, 1.0, what="a probability in (0, 1]")


def fraction(name, value):
    """A share of something, such as the held-out fraction of a text: in [0, 1)."""
    return real(name, value, 0.0, 1.0, low_open=False, high_open=True, what="a number in [0, 1)")


def optional(check, name, value, *args, **kwargs):
    """``None``, or ``check(name, value, ...)``."""
    return None if value is None else check(name, value, *args, **kwargs)


def boolean(name, value):
    """``True`` or ``False`` only (numpy's too): ``"no"`` is not false, and would be true."""
    if not isinstance(value, (bool, np.bool_)):
        _refuse(name, "True or False", value)
    return bool(value)


def choice(name, value, options, what=None):
    """``value`` if it is one of ``options``, else the message lists them (or says ``what`` it must be)."""
    if value not in options:
        _refuse(name, what or f"one of {', '.join(repr(o) for o in options)}", value)
    return value


def seed(value, name="seed"):
    """A random seed: an integer from 0 to 2**31 - 1 (what TensorFlow, numpy and ``random`` all take)."""
    return integer(name, value, 0, MAX_SEED)


def length(ids, batch_size, num_steps, what="text"):
    """Raise unless ``ids`` fill at least one ``[batch_size, num_steps]`` batch.

    The reader cuts the data into ``batch_size`` rows and needs ``num_steps + 1`` tokens in each (the targets
    are shifted by one), so one batch takes ``batch_size * (num_steps + 1)`` tokens. ``what`` names the data
    (a parameter, or words such as "validation text").
    """
    batch_size, num_steps = positive(batch_size=batch_size, num_steps=num_steps)
    needed = batch_size * (num_steps + 1)
    if len(ids) < needed:
        raise R2RTError(
            f"{what} has {len(ids)} tokens but one batch needs batch_size * (num_steps + 1) = "
            f"{batch_size} * ({num_steps} + 1) = {needed}; use more text or a smaller batch_size or num_steps",
            params=(what, "more text", "batch_size", "num_steps"))
