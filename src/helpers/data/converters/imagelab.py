"""Bio-Rad Image Lab analysis-table exports -> (lane, band, signal) rows.

Two tables of Image Lab's analysis table are read (Image Lab Software User
Guide, "Analysis Table": Lane and Band table, Lanes table), as CSV, tab text
or ``.xlsx``, with any title lines above the header:

* the **Lane and Band table** (``Lane``, ``Band No.``, ``Band Label``,
  ``Mol. Wt. (KDa)``, ``Relative Front``, ``Adj. Volume (Int)`` - written
  ``Adj. Vol. (Int)`` by some versions -, ``Volume (Int)``, ...): one band per
  row, or lanes side by side (each lane a block of the same columns, the lane
  given by a ``Lane`` column of the block or by a "Lane N" title above it);
* the **Lanes table** (``Lane No.`` or ``Lane``, ``Adj. Total Band Vol. (Int)``,
  ...): one lane per row; its band is called ``total`` in the export sheet
  (the lane's total-protein signal, e.g. of a stain-free gel).

The background-adjusted volume is the signal; the unadjusted ``Volume (Int)``
alone is refused, since it includes the background.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from helpers.data.converters.common import (
    Conversion,
    numbers,
    out_of_range,
    pick_name,
    read_rows,
    spelled,
)
from helpers.data.validate import Correction, Problem

LANE = ("Lane", "Lane No.")
BAND_SIGNAL = ("Adj. Volume (Int)", "Adj. Vol. (Int)")
LANE_SIGNAL = ("Adj. Total Band Vol. (Int)", "Adj. Total Band Volume (Int)")
VOLUME_MAX = 1e15  # intensity units; Image Lab volumes are sums of pixel intensities
COLUMNS = ["lane", "band", "band_no", "signal", "file_row"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def _blocks(header: list[str]) -> list[tuple[int, int]]:
    """Column ranges of the side-by-side blocks (one range when no name repeats)."""
    first = next((h for h in header if h and header.count(h) > 1), None)
    if first is None:
        return [(0, len(header))]
    starts = [i for i, h in enumerate(header) if h == first]
    return list(zip(starts, [*starts[1:], len(header)], strict=True))


def read_image_lab(path: str | Path) -> Conversion:
    """Read an Image Lab Lane and Band table or Lanes table into (lane, band, band_no, signal) rows.

    ``band`` is the band label when the user labelled bands (``Band Label``),
    otherwise empty (the export sheet then matches ``band_no``); Lanes tables
    give ``band = "total"``. Returns ``Conversion(bands, problems)`` with notes.
    """
    path = Path(path)
    name = str(path)
    rows, delimiter, problems, notes = read_rows(path)
    if rows is None:
        return Conversion(_empty(), problems, notes)
    position = next((i for i, (_, cells) in enumerate(rows)
                     if "Band No." in cells or pick_name(cells, LANE_SIGNAL)), None)
    if position is None:
        return Conversion(_empty(), [Problem(name, None, None, None, "an Image Lab analysis table: a header with "
                                             "'Band No.' (Lane and Band table) or 'Adj. Total Band Vol. (Int)' "
                                             "(Lanes table)")], notes)
    header_row, header = rows[position]
    if position:
        notes.append(Correction(name, header_row, None, None, f"{position} line(s) above the header skipped"))
    titles = rows[position - 1][1] if position else []
    decimal = "," if delimiter == ";" else "."
    parts = []
    blocks = _blocks(header)
    if len(blocks) > 1:
        notes.append(Correction(name, header_row, None, None, f"{len(blocks)} lanes side by side read as blocks"))
    for start, end in blocks:
        part, more = _read_block(rows[position + 1 :], header, start, end, titles, name, header_row, decimal, notes)
        problems += more
        if part is not None:
            parts.append(part)
    if problems or not parts:
        return Conversion(_empty(), problems, notes)
    return Conversion(pd.concat(parts, ignore_index=True), problems, notes)


def _read_block(body_rows, header, start, end, titles, name, header_row, decimal, notes):
    columns = header[start:end]
    body, index = [], []
    for number, cells in body_rows:
        values = (cells + [""] * len(header))[start:end]
        if any(values):
            body.append(values)
            index.append(number)
    frame = pd.DataFrame(body, columns=columns, index=pd.Index(index, name="file_row"), dtype=object)
    lanes_table = "Band No." not in columns
    signal_col = pick_name(columns, LANE_SIGNAL if lanes_table else BAND_SIGNAL)
    problems = []
    if signal_col is None:
        volumes = [c for c in columns if "vol" in c.lower()]
        found = f" (found only {', '.join(volumes)}, which includes the background)" if volumes else ""
        return None, [Problem(name, header_row, None, None,
                              f"the background-adjusted volume column {spelled(BAND_SIGNAL)}{found}; "
                              "add it to the analysis table before exporting")]
    lane_col = pick_name(columns, LANE)
    if lane_col is not None:
        lane, more = numbers(frame, lane_col, name, "a lane number", notes, decimal)
        problems += more
    else:
        title = titles[start] if start < len(titles) else ""
        match = re.search(r"(?i)lane\s*(?:no\.?)?\s*(\d+)", title)
        if match is None:
            return None, [Problem(name, header_row, None, title or None,
                                  f"the lane of the block starting at column {start + 1}: a {spelled(LANE)} "
                                  "column, or a 'Lane N' title above the block")]
        lane = pd.Series(float(match.group(1)), index=frame.index)
    problems += [Problem(name, int(i), lane_col, frame.at[i, lane_col], "a whole lane number from 1 to 100")
                 for i in frame.index[lane.notna() & ((lane % 1 != 0) | ~lane.between(1, 100))]]
    signal, more = numbers(frame, signal_col, name, "a background-adjusted band volume (Int)", notes, decimal)
    problems += more
    problems += out_of_range(signal, name, signal_col, 0, VOLUME_MAX, "a background-adjusted volume", "Int",
                             shown=frame[signal_col],
                             hint=" (negative: the background region is brighter than the band)")
    if lanes_table:
        band, band_no = pd.Series("total", index=frame.index), pd.Series("", index=frame.index)
    else:
        band = frame["Band Label"] if "Band Label" in columns else pd.Series("", index=frame.index)
        band_no = frame["Band No."].str.replace(r"\.0$", "", regex=True)
    out = pd.DataFrame({"lane": lane, "band": band, "band_no": band_no, "signal": signal, "file_row": frame.index})
    return out, problems
