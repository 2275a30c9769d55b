"""LI-COR Image Studio / Empiria Studio shapes tables -> (lane, band, channel, signal) rows.

The shapes table (Image Studio "Shapes" export; Empiria Studio shape data)
holds, per shape: ``Image Name``, ``Channel``, ``Name``, ``Signal``, ``Total``,
``Area``, the background per pixel (``Bkgnd.`` in Image Studio, ``Background``
in Empiria), and ``Lane`` when lanes were defined (Western analysis). ``Signal``
is ``Total - background x Area``; the identity is checked on every row, so a
column mix-up (a doubled Signal) is caught. Image Studio shows these numbers
rounded (to three significant digits: Signal 367000, Total 567000, Bkgnd. 36.6,
Area 5460), so the check allows exactly that rounding and no more: each number
stands for the interval of half a unit of its last significant digit either
side (the column's precision, its most significant digits shown, says how many
trailing zeros of a whole number are significant: 3 for Image Studio), the
right-hand side is computed in interval arithmetic, and a row is refused only
when no values within those intervals satisfy the identity. A table without ``Lane`` needs the
lane of each shape from a shapes sheet (``file, shape, lane, band``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.converters.common import (
    Conversion,
    numbers,
    out_of_range,
    pick_name,
    read_export,
    spelled,
)
from helpers.data.validate import Problem

LANE = ("Lane", "Lane No.")
BACKGROUND = ("Bkgnd.", "Background")
SIGNAL_MAX = 1e15
COLUMNS = ["lane", "band", "channel", "signal", "file_row"]


def read_image_studio(path: str | Path, tolerance: float = 0.0, shapes: pd.DataFrame | None = None) -> Conversion:
    """Read an Image Studio / Empiria shapes export into (lane, band, channel, signal) rows.

    Parameters
    ----------
    path : path
        The export (tab text, CSV or ``.xlsx``).
    tolerance : float
        Extra relative slack (a fraction of Total) of the check ``Signal = Total - background x Area``,
        beyond the rounding of the digits shown (none by default).
    shapes : DataFrame, optional
        ``shape``, ``lane``, ``band`` for each shape name, when the table has no ``Lane``.
    """
    path = Path(path)
    name = str(path)
    export = read_export(path, ("Name", "Channel", "Signal"), what="Image Studio shapes table")
    notes, frame = export.notes, export.frame
    if frame is None:
        return Conversion(pd.DataFrame(columns=COLUMNS), export.problems, notes)
    problems: list[Problem] = []
    signal, more = numbers(frame, "Signal", name, "a background-subtracted signal", notes, export.decimal)
    problems += more + out_of_range(signal, name, "Signal", 0, SIGNAL_MAX, "a background-subtracted signal", "(AU)",
                                    shown=frame["Signal"], hint=" (negative: background above the band)")
    band = frame["Name"]
    lane_col = pick_name(frame.columns, LANE)
    if lane_col is not None:
        lane, more = numbers(frame, lane_col, name, "a lane number", notes, export.decimal)
        problems += more
    elif shapes is not None:
        by_shape = shapes.drop_duplicates("shape").set_index("shape")
        unknown = ~frame["Name"].isin(by_shape.index)
        problems += [Problem(name, int(i), "Name", frame.at[i, "Name"], "a shape listed in the shapes sheet")
                     for i in frame.index[unknown]]
        lane = pd.to_numeric(frame["Name"].map(by_shape["lane"]), errors="coerce")
        band = frame["Name"].map(by_shape["band"]).fillna(frame["Name"])
    else:
        return Conversion(pd.DataFrame(columns=COLUMNS), [Problem(
            name, export.header_row, None, None,
            f"a {spelled(LANE)} column (lanes defined in Western analysis), or the lane of each shape name in a "
            "shapes sheet (--shapes with file, shape, lane, band)")], notes)
    problems += _check_signal(frame, signal, name, tolerance, export.header_row, export.decimal, notes)
    out = pd.DataFrame({"lane": lane, "band": band, "channel": frame["Channel"].str.replace(r"\.0$", "", regex=True),
                        "signal": signal, "file_row": frame.index})
    return Conversion(out, problems, notes)


def _check_signal(frame, signal, name, tolerance, header_row, decimal, notes) -> list[Problem]:
    """``Signal = Total - background x Area`` on every row; a missing column is a problem, never a skipped check."""
    background = pick_name(frame.columns, BACKGROUND)
    missing = [c for c, got in (("Total", "Total" in frame.columns), ("Area", "Area" in frame.columns),
                                (spelled(BACKGROUND), background is not None)) if not got]
    if missing:
        return [Problem(name, header_row, None, None,
                        f"the columns Total, Area and {spelled(BACKGROUND)} to check Signal = Total - background x Area "
                        f"(missing: {', '.join(missing)}); include them in the export")]
    total, p1 = numbers(frame, "Total", name, "the shape's total intensity", notes, decimal)
    bkgnd, p2 = numbers(frame, background, name, "the background per pixel", notes, decimal)
    area, p3 = numbers(frame, "Area", name, "the shape's area in pixels", notes, decimal)
    half = {}
    for c in ("Signal", "Total", background, "Area"):
        shown = int(frame[c].map(lambda t: significant_digits(t, decimal)).max())  # the export's precision
        half[c] = frame[c].map(lambda t, shown=shown: half_unit(t, decimal, shown))
    expected = total - bkgnd * area
    low, high = product_interval(bkgnd, half[background], area, half["Area"])
    lowest = total - half["Total"] - high - tolerance * total.abs()
    highest = total + half["Total"] - low + tolerance * total.abs()
    slack = 1e-12 * (total.abs() + (bkgnd * area).abs())  # floating-point error of the interval ends
    off = ((signal + half["Signal"] < lowest - slack) | (signal - half["Signal"] > highest + slack)).fillna(False)
    return p1 + p2 + p3 + [Problem(name, int(i), "Signal", frame.at[i, "Signal"],
                                   f"Total - {background} x Area = {expected[i]:.6g} (between {lowest[i]:.6g} "
                                   f"and {highest[i]:.6g} with the rounding of the digits shown)")
                           for i in frame.index[off]]


def _digits(text: str, decimal: str = ".") -> tuple[str, int, bool] | None:
    """Return (digits without sign or point, power of ten of the last digit, whether a point was shown)."""
    text = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if decimal == ",":
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    mantissa, _, exponent = text.lower().partition("e")
    try:
        shift = int(exponent) if exponent else 0
    except ValueError:
        return None
    body = mantissa.lstrip("+-")
    whole, point, fraction = body.partition(".")
    digits = whole + fraction
    if not digits.isdigit():
        return None
    return digits, shift - len(fraction), bool(point)


def significant_digits(text: str, decimal: str = ".") -> int:
    """Return the significant digits a number shows (trailing zeros of a whole number not counted).

    >>> significant_digits("367000"), significant_digits("36.6"), significant_digits("5461"), significant_digits("0.0120")
    (3, 3, 4, 3)
    """
    found = _digits(text, decimal)
    if found is None:
        return 0
    digits, _, point = found
    digits = digits.lstrip("0")
    return len(digits if point else digits.rstrip("0"))


def half_unit(text: str, decimal: str = ".", shown: int | None = None) -> float:
    """Return half a unit of the last significant digit of *text*: the rounding a displayed number may carry.

    A whole number's trailing zeros are significant only as far as the
    export's precision, *shown* significant digits (Image Studio's 3), says:
    ``367000`` rounded to three digits is 367 thousand ± 500, and ``100000`` is
    100 thousand ± 500. Without *shown*, trailing zeros are not counted.

    >>> half_unit("36.6"), half_unit("367000"), half_unit("100000", shown=3), half_unit("5461"), half_unit("1,5", ",")
    (0.05, 500.0, 500.0, 0.5, 0.05)
    """
    found = _digits(text, decimal)
    if found is None:
        return float("nan")
    digits, last, point = found
    if not point:
        zeros = len(digits) - len(digits.rstrip("0")) if digits.strip("0") else 0
        last_significant = last + zeros
        if shown is not None and digits.strip("0"):
            leading = last + len(digits.lstrip("0")) - 1  # power of ten of the first significant digit
            last_significant = min(last_significant, max(last, leading - shown + 1))
        last = last_significant
    return 0.5 * 10.0 ** last


def product_interval(a: pd.Series, da: pd.Series, b: pd.Series, db: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return the (lowest, highest) product of values in [a - da, a + da] and [b - db, b + db]."""
    corners = [(a + sa * da) * (b + sb * db) for sa in (-1, 1) for sb in (-1, 1)]
    frame = pd.concat(corners, axis=1)
    return frame.min(axis=1), frame.max(axis=1)
