"""One place that checks arguments: each check names its parameter in an :class:`R2RTError` and returns the value
as a plain Python number.

What counts as a number is what Python's ``numbers`` module says: ``int``, ``np.int64`` ... are
:class:`numbers.Integral`; ``float``, ``np.float32`` ... are :class:`numbers.Real`. ``bool`` is never a
number here (``True`` as a size is a mistake, not a 1). The command line turns the parameter a message
names into its flag (:meth:`R2RTError.with_flags`).
"""
import math
import numbers

from .errors import R2RTError

MAX_SEED = 2**31 - 1  # what TensorFlow, numpy and Python's random all accept
FLOAT32_MAX = 3.4028234663852886e38


def is_integer(value):
    """An integer of any kind (numpy's too), never a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value):
    """A real number of any kind (numpy's float32 too), never a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def integer(name, value, minimum=1, maximum=None):
    """``value`` as an int in ``[minimum, maximum]``; the message says "a positive integer" for the usual minimum 1."""
    if not is_integer(value) or value < minimum or (maximum is not None and value > maximum):
        if minimum == 1 and maximum is None:
            wanted = "a positive integer"
        elif maximum is None:
            wanted = f"an integer >= {minimum}"
        else:
            wanted = f"an integer from {minimum} to {maximum}"
        raise R2RTError(f"{name} must be {wanted}, got {value!r}", params=(name,))
    return int(value)


def positive(**sizes):
    """Every keyword a positive integer (the first that is not is named); returns them as ints, in order."""
    return tuple(integer(name, value) for name, value in sizes.items())


def real(name, value, low=0.0, high=math.inf, low_open=True, high_open=False, what=None):
    """``value`` as a finite float in the interval (``low``, ``high``] (ends open or closed as asked)."""
    ok = is_real(value) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:
        if what is None:
            left, right = "(" if low_open else "[", ")" if high_open else "]"
            what = "a positive finite number" if (low, low_open, high) == (0.0, True, math.inf) else \
                f"a number in {left}{low:g}, {high:g}{right}"
        raise R2RTError(f"{name} must be {what}, got {value!r}", params=(name,))
    return float(value)


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
    """``True`` or ``False`` only (``"no"`` is not false, and would be true)."""
    if not isinstance(value, bool) and not (isinstance(value, numbers.Integral) and type(value).__name__ == "bool_"):
        raise R2RTError(f"{name} must be True or False, got {value!r}", params=(name,))
    return bool(value)


def choice(name, value, options):
    """``value`` if it is one of ``options``, else the message lists them."""
    if value not in options:
        raise R2RTError(f"{name} must be one of {', '.join(repr(o) for o in options)}, got {value!r}",
                        params=(name,))
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
    positive(batch_size=batch_size, num_steps=num_steps)
    needed = batch_size * (num_steps + 1)
    if len(ids) < needed:
        raise R2RTError(
            f"{what} has {len(ids)} tokens but one batch needs batch_size * (num_steps + 1) = "
            f"{batch_size} * ({num_steps} + 1) = {needed}; use more text or a smaller batch_size or num_steps",
            params=(what, "more text", "batch_size", "num_steps"))
