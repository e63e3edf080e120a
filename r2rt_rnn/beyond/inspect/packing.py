"""Activations packed small enough to carry every unit in the page: a few bits a value, as base64.

The page needs every unit at every position it shows (to colour the text by any unit, to
draw the heat strip of all units, to rank the units for a span the reader marks), which
is ``positions x units`` numbers: 10,000 characters of a 2 x 512 GRU are 10 million of
them, about 100 MB as JSON numbers. Activations lie in [-1, 1] (``h``, and ``tanh(c)`` for
an LSTM cell), and a colour or a correlation needs no more than a few bits of each, so
each value is rounded to one of ``2 * LEVELS[bits] + 1`` evenly spaced levels:

* 8 bits: a signed byte, ``round(127 v)`` (steps of 1/127);
* 4 bits: ``round(7 v) + 7`` in a nibble, two a byte, the first value in the low nibble
  (steps of 1/7, 15 shades: enough for a heat strip and a ranking).

The bytes go into the page as base64 (4 characters per 3 bytes); the page's script
decodes them (``page/data.js``). :func:`plan` picks the bits and how many positions fit
a size budget.
"""
import base64
import math

import numpy as np

from ...runtime.errors import R2RTError

LEVELS = {8: 127, 4: 7}  # bits -> the largest level; value = level / LEVELS[bits]


def _check_bits(bits):
    if bits not in LEVELS:
        raise R2RTError(f"bits must be one of {', '.join(map(str, LEVELS))}, got {bits!r}", params=("bits",))


def quantise(values, bits=8):
    """``values`` (any shape, in [-1, 1]; NaN counts as 0) as integer levels in ``[-LEVELS[bits], LEVELS[bits]]``."""
    _check_bits(bits)
    top = LEVELS[bits]
    clean = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)
    return np.rint(np.clip(clean, -1.0, 1.0) * top).astype(np.int8)


def pack(values, bits=8):
    """A ``[rows, cols]`` array of activations -> ``{"bits", "rows", "cols", "data"}``, ``data`` in base64.

    Row by row (position-major): the values of one position lie together.
    """
    matrix = np.asarray(values)
    if matrix.ndim != 2:
        raise R2RTError(f"values to pack must be [rows, cols], got shape {matrix.shape}", params=("values",))
    levels = quantise(matrix, bits).ravel()
    if bits == 8:
        raw = levels.tobytes()
    else:
        nibbles = (levels + LEVELS[4]).astype(np.uint8)
        if len(nibbles) % 2:
            nibbles = np.append(nibbles, np.uint8(LEVELS[4]))  # a level 0 to fill the last byte
        raw = (nibbles[0::2] | (nibbles[1::2] << 4)).astype(np.uint8).tobytes()
    return {"bits": bits, "rows": int(matrix.shape[0]), "cols": int(matrix.shape[1]),
            "data": base64.b64encode(raw).decode("ascii")}


def unpack(packed):
    """:func:`pack`'s dict -> the ``[rows, cols]`` float32 values it holds (each within half a step of the input)."""
    bits, rows, cols = packed["bits"], packed["rows"], packed["cols"]
    _check_bits(bits)
    raw = np.frombuffer(base64.b64decode(packed["data"]), dtype=np.uint8)
    if bits == 8:
        levels = raw.view(np.int8).astype(np.int16)
    else:
        levels = np.stack([raw & 0x0F, raw >> 4], axis=1).ravel().astype(np.int16) - LEVELS[4]
    return (levels[:rows * cols].reshape(rows, cols) / LEVELS[bits]).astype(np.float32)


def packed_size(rows, cols, bits):
    """The length of :func:`pack`'s ``data`` for ``rows x cols`` values: base64 characters (= bytes in the page)."""
    raw = math.ceil(rows * cols * bits / 8)
    return 4 * math.ceil(raw / 3)


def plan(positions, units, budget):
    """``(bits, positions)`` to carry ``units`` activations at each of the first ``positions``, in ``budget`` bytes.

    8 bits if every position fits; else 4 bits; else 4 bits for as many of the first
    positions as fit (at least 1).
    """
    for bits in (8, 4):
        if packed_size(positions, units, bits) <= budget:
            return bits, positions
    return 4, max(1, min(positions, int(budget * 3 // 4 * 2 // max(units, 1))))
