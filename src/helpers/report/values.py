"""How a single value reads on the page: intervals in words where a limit is infinite, no raw Python values.

A reader never meets ``None``, ``nan``, ``inf``, ``<NA>`` or a tuple such as
``(0.273, inf)``: :func:`format_value` turns each into what it means, and the
tables (:mod:`helpers.report.tables`), the provenance lines and the ledger page
(:mod:`helpers.engine.provenance`) use it. :data:`RAW_VALUE` describes what must
not be left on a built page (the book's test scans every page for it).
"""

from __future__ import annotations

import math
import re
from numbers import Real

#: A missing value in a table: an en dash.
MISSING = "\u2013"
#: Words for an infinite limit of an interval.
OPEN_ABOVE = "open above"
OPEN_BELOW = "open below"
NOT_BOUNDED = "not bounded"

#: Text a built page must never show outside code: pandas/numpy missing or infinite values, ``=None``,
#: and a tuple of long floats (a Python interval printed raw).
RAW_VALUE = re.compile(
    r"<NA>|\bNaT\b|\bnan\b|\bNaN\b|(?<![\w.])-?inf\b|\w\s*=\s*None\b"
    r"|\(\s*-?\d+\.\d{5,}(?:e[-+]?\d+)?\s*,|\bnp\.(?:float|int)\d*\("
)
#: Table cells that are raw values when they are the whole cell.
RAW_CELLS = frozenset({"None", "nan", "NaN", "<NA>", "NaT", "inf", "-inf", "\u221e", "-\u221e", "\u2212\u221e"})
#: Column headers that are pandas' names for an index it reset, not a reader's.
RAW_HEADERS = frozenset({"index", "level_0", "level_1", "level_2"})


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency of the book
        pass
    return isinstance(value, Real) and not isinstance(value, bool) and math.isnan(float(value))


def number_text(value: float, digits: int | None = None) -> str:
    """Return a finite number rounded for reading: 3 decimals below 10, fewer above, tiny ones in e-notation.

    With *digits*, exactly that many decimals.

    >>> [number_text(v) for v in (0.123456, 12.3456, 1234.5, 2.5e-06, -0.5, 0)]
    ['0.123', '12.35', '1,234', '2.5e-06', '-0.500', '0']
    >>> number_text(0.27328820276043814, 2)
    '0.27'
    """
    v = float(value)
    if digits is not None:
        text = f"{v:,.{digits}f}"
    elif v == 0:
        text = "0"
    elif abs(v) < 0.001:
        text = f"{v:.1e}"
    elif abs(v) < 10:
        text = f"{v:.3f}"
    elif abs(v) < 100:
        text = f"{v:.2f}"
    elif abs(v) < 1000:
        text = f"{v:.1f}"
    else:
        text = f"{v:,.0f}"
    return text


def format_interval(low, high, digits: int | None = None) -> str:
    """Return an interval as a reader reads it, an infinite limit in words.

    >>> format_interval(0.27328820276043814, 1.5)
    '0.273 to 1.500'
    >>> format_interval(0.27328820276043814, float("inf"))
    '0.273, open above'
    >>> format_interval(float("-inf"), 2.0), format_interval(float("-inf"), float("inf"))
    ('open below, 2.000', 'not bounded')
    >>> format_interval(float("nan"), 1.0)
    '–'
    """
    if _is_missing(low) or _is_missing(high):
        return MISSING
    lo, hi = float(low), float(high)
    if math.isinf(lo) and math.isinf(hi):
        return NOT_BOUNDED
    if math.isinf(hi):
        return f"{number_text(lo, digits)}, {OPEN_ABOVE}"
    if math.isinf(lo):
        return f"{OPEN_BELOW}, {number_text(hi, digits)}"
    return f"{number_text(lo, digits)} to {number_text(hi, digits)}"


def format_value(value) -> str:
    """Return any cell value as text for a reader.

    Numbers are rounded (:func:`number_text`), integers of five digits and more
    get thousands separators, a missing value (``None``, NaN, ``pd.NA``) is an en
    dash, an infinite number says which way it is open, and a pair of numbers
    (an interval) reads as one (:func:`format_interval`).

    >>> [format_value(v) for v in (0.123456, 3, 12345, True, "WT", None, float("nan"))]
    ['0.123', '3', '12,345', 'True', 'WT', '–', '–']
    >>> format_value((0.27328820276043814, float("inf"))), format_value(float("inf"))
    ('0.273, open above', 'open above')
    """
    if isinstance(value, bool):
        return str(value)
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # a numpy scalar
        value = value.item()
    if _is_missing(value):
        return MISSING
    if isinstance(value, tuple | list) and len(value) == 2 and all(
            isinstance(v, Real) or _is_missing(v) for v in value):
        return format_interval(*value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, Real):
        v = float(value)
        if math.isinf(v):
            return OPEN_ABOVE if v > 0 else OPEN_BELOW
        return number_text(v)
    return str(value)


def format_parameter(name: str, value, assign: str = "=", literal: bool = False) -> str:
    """Return one chapter parameter as a reader reads it; a parameter left at ``None`` is "not set".

    With *literal*, the value is written as Python would (strings quoted).

    >>> format_parameter("alpha", 0.05), format_parameter("seed", None)
    ('alpha=0.05', 'seed not set')
    >>> format_parameter("data_source", "data", " = ", literal=True)
    "data_source = 'data'"
    """
    if value is None:
        return f"{name} not set"
    return f"{name}{assign}{value!r}" if literal else f"{name}{assign}{value}"
