"""LI-COR Image Studio / Empiria Studio shapes tables -> (lane, band, channel, signal) rows.

The shapes table (Image Studio "Shapes" export; Empiria Studio shape data)
holds, per shape: ``Image Name``, ``Channel``, ``Name``, ``Signal``, ``Total``,
``Area``, the background per pixel (``Bkgnd.`` in Image Studio, ``Background``
in Empiria), and ``Lane`` when lanes were defined (Western analysis). ``Signal``
is ``Total - background x Area``; the identity is checked on every row, so a
column mix-up (a doubled Signal) is caught. A table without ``Lane`` needs the
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


def read_image_studio(path: str | Path, tolerance: float = 1e-3, shapes: pd.DataFrame | None = None) -> Conversion:
    """Read an Image Studio / Empiria shapes export into (lane, band, channel, signal) rows.

    Parameters
    ----------
    path : path
        The export (tab text, CSV or ``.xlsx``).
    tolerance : float
        Relative tolerance of the check ``Signal = Total - background x Area``.
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
    expected = total - bkgnd * area
    off = ((signal - expected).abs() > tolerance * total.abs()).fillna(False)
    return p1 + p2 + p3 + [Problem(name, int(i), "Signal", frame.at[i, "Signal"],
                                   f"Total - {background} x Area = {expected[i]:.6g}") for i in frame.index[off]]
