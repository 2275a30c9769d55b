"""Densitometry exports + an export sheet + a lane sheet -> ``human_blot`` or ``mouse_blot``.

The *export sheet* lists each export file with its format, the gel it belongs
to, and which band (Image Lab label or number, ``total`` for a Lanes table;
Image Studio shape name and channel) goes into which column of the blot table.
The *lane sheet* gives, per gel and lane, the donor or mouse and covariates.
Lanes measured but absent from the lane sheet (ladders) are skipped and
reported. An optional *shapes sheet* (``file, shape, lane, band``) gives the
lane of each shape of an Image Studio table that has no ``Lane`` column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.converters.common import Conversion, finish, read_sheet
from helpers.data.converters.imagelab import read_image_lab
from helpers.data.converters.imagestudio import read_image_studio
from helpers.data.tables import get_spec
from helpers.data.validate import Correction, Problem

#: Book columns an export band can fill, per blot table.
BLOT_TARGETS = ("ptbk1", "ptbk1_loading", "tbk1", "tbk1_loading", "ptbk1_total_protein", "tbk1_total_protein")
READERS = {"image_lab": read_image_lab, "image_studio": read_image_studio}


def _read(entry, sheet_path: Path, shapes: pd.DataFrame | None):
    path = sheet_path.parent / entry["file"]
    if entry["format"] == "image_studio" and shapes is not None:
        mine = shapes[shapes["file"] == entry["file"]]
        return read_image_studio(path, shapes=mine if len(mine) else None)
    return READERS[entry["format"]](path)


def convert_blot(exports_sheet: str | Path, lanes_sheet: str | Path, table: str = "human_blot",
                 shapes_sheet: str | Path | None = None) -> Conversion:
    """Build a blot table (``human_blot`` or ``mouse_blot``) from densitometry exports.

    Parameters
    ----------
    exports_sheet : path
        CSV with one row per band to take: ``file`` (relative to the sheet),
        ``format`` (``image_lab`` or ``image_studio``), ``gel_id``, ``band``
        (Image Lab band label or number, or ``total`` for a Lanes table; Image
        Studio shape name), ``channel`` (Image Studio only, e.g. 700 or 800;
        empty otherwise) and ``column`` (the book column it fills).
    lanes_sheet : path
        CSV with ``gel_id``, ``lane`` and every other column of the table.
    table : str
        ``human_blot`` or ``mouse_blot``.
    shapes_sheet : path, optional
        CSV with ``file, shape, lane, band`` for Image Studio tables without ``Lane``.

    Returns
    -------
    Conversion
        ``(table or None, problems)``; ``.notes`` lists corrections (preamble
        lines, thousands separators, decimal commas) made while reading.
    """
    spec = get_spec(table)
    exports_sheet, lanes_sheet = Path(exports_sheet), Path(lanes_sheet)
    notes: list[Correction] = []
    sheet, problems = read_sheet(exports_sheet, ("file", "format", "gel_id", "band", "column"), "export sheet")
    lanes, more = read_sheet(lanes_sheet, tuple(c for c in spec.column_names if c not in BLOT_TARGETS), "lane sheet")
    problems += more
    shapes = None
    if shapes_sheet is not None:
        shapes, more = read_sheet(Path(shapes_sheet), ("file", "shape", "lane", "band"), "shapes sheet")
        problems += more
    if sheet is None or lanes is None:
        return Conversion(None, problems, notes)
    measured = []
    for row, entry in sheet.iterrows():
        if entry["format"] not in READERS:
            problems.append(Problem(str(exports_sheet), int(row), "format", entry["format"], "one of " + ", ".join(READERS)))
            continue
        if entry["column"] not in BLOT_TARGETS:
            problems.append(Problem(str(exports_sheet), int(row), "column", entry["column"], "one of " + ", ".join(BLOT_TARGETS)))
            continue
        bands, read_problems = result = _read(entry, exports_sheet, shapes)
        notes += [n for n in result.notes if n not in notes]
        problems += [p for p in read_problems if p not in problems]
        if read_problems:
            continue
        pick = bands["band"] == entry["band"]
        if entry["format"] == "image_lab":
            pick |= bands["band"].eq("") & bands["band_no"].eq(entry["band"])
        if entry["format"] == "image_studio" and entry.get("channel", ""):
            pick &= bands["channel"] == entry["channel"]
        chosen = bands[pick]
        if chosen.empty:
            problems.append(Problem(str(exports_sheet), int(row), "band", entry["band"],
                                    f"a band of that name in {entry['file']}"))
            continue
        export_path = exports_sheet.parent / entry["file"]
        dup = chosen[chosen["lane"].duplicated()]
        problems += [Problem(str(export_path), int(r.file_row), "Lane", str(int(r.lane)),
                             f"one band {entry['band']!r} per lane") for r in dup.itertuples()]
        measured.append(chosen.assign(gel_id=entry["gel_id"], column=entry["column"]))
    if problems:
        return Conversion(None, problems, notes)
    long = pd.concat(measured, ignore_index=True)
    long["lane"] = long["lane"].astype(int).astype(str)
    wide = long.pivot_table(index=["gel_id", "lane"], columns="column", values="signal", aggfunc="first")
    lanes = lanes.assign(lane=lanes["lane"].str.replace(r"\.0$", "", regex=True))
    merged = lanes.join(wide, on=["gel_id", "lane"])
    for target in BLOT_TARGETS:
        if target not in merged.columns:
            problems.append(Problem(str(exports_sheet), None, "column", None, f"a row filling '{target}'"))
            continue
        for i in merged.index[merged[target].isna()]:
            problems.append(Problem(str(lanes_sheet), int(i), target, None,
                                    f"a '{target}' band for gel {merged.at[i, 'gel_id']} lane {merged.at[i, 'lane']} "
                                    "in the exports"))
    if problems:
        return Conversion(None, problems, notes)
    table, more = finish(merged, spec, str(lanes_sheet))
    return Conversion(table, more, notes)


def unassigned_lanes(exports_sheet: str | Path, lanes_sheet: str | Path,
                     shapes_sheet: str | Path | None = None) -> list[tuple[str, int]]:
    """Return the (gel, lane) pairs measured in the exports but absent from the lane sheet (e.g. ladders)."""
    sheet, _ = read_sheet(Path(exports_sheet), ("file", "format", "gel_id"))
    lanes, _ = read_sheet(Path(lanes_sheet), ("gel_id", "lane"))
    shapes = read_sheet(Path(shapes_sheet), ("file", "shape", "lane", "band"))[0] if shapes_sheet else None
    if sheet is None or lanes is None:
        return []
    known = set()
    for g, lane in zip(lanes["gel_id"], lanes["lane"], strict=True):
        try:
            known.add((g, int(float(lane))))
        except ValueError:
            continue
    found = set()
    for _, entry in sheet.drop_duplicates(["file", "gel_id"]).iterrows():
        if entry["format"] not in READERS:
            continue
        bands, _ = _read(entry, Path(exports_sheet), shapes)
        found |= {(entry["gel_id"], int(v)) for v in pd.to_numeric(bands["lane"], errors="coerce").dropna()}
    return sorted(found - known)
