"""ImageJ/Fiji Analyze Particles "Summary" tables -> ``pla_cells`` (one image per cell).

Fiji's Summary window (Analyze > Analyze Particles with *Summarize*) has one
row per image or stack slice: ``Slice, Count, Total Area, Average Size, %Area,
Mean`` (ImageJ user guide, Analyze Particles). Labs save it as ``.csv`` or as
tab-separated ``.txt``/``.xls`` text, often with Windows line ends; all are
read. ``Count`` is the cell's PLA puncta.

A *Results* table (one row per particle: ``Area, Mean, X, Y, ...``) is
recognised and refused with a pointer to the Summary. A stack whose slices have
no labels repeats the stack's title in ``Slice``; the sample sheet then tells
the slices apart with a ``slice_number`` column (1, 2, ... in stack order).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.converters.common import (
    Conversion,
    finish,
    numbers,
    read_export,
    read_rows,
    read_sheet,
)
from helpers.data.tables import get_spec
from helpers.data.validate import Correction, Problem

RESULTS_COLUMNS = ("Area", "Mean", "X", "Y", "XM", "YM", "Perim.", "Feret", "Circ.", "Label")
AREA_UM2 = (1.0, 1e5)


def _results_table(path: Path) -> bool:
    rows, _, _, _ = read_rows(path)
    return any(sum(c in RESULTS_COLUMNS for c in cells) >= 2 and "Count" not in cells for _, cells in (rows or [])[:5])


def convert_pla_fiji(summary: str | Path, samples: str | Path) -> Conversion:
    """Build ``pla_cells`` from a Fiji Analyze Particles "Summary" table (one image per cell).

    The sample sheet has ``Slice`` (the image name as in the summary), every
    column of ``pla_cells`` except ``puncta`` (the summary's ``Count``) and,
    for a stack whose slices share one name, ``slice_number``.
    """
    spec = get_spec("pla_cells")
    summary, samples = Path(summary), Path(samples)
    notes: list[Correction] = []
    export = read_export(summary, ("Slice", "Count"), what="Analyze Particles Summary")
    sheet, problems = read_sheet(samples, ("Slice", *[c for c in spec.column_names if c != "puncta"]))
    notes += export.notes
    if export.frame is None:
        if summary.is_file() and _results_table(summary):
            return Conversion(None, [Problem(str(summary), None, None, None,
                                             "an Analyze Particles Summary table (Slice, Count, Total Area, ...): this "
                                             "is a Results table with one row per particle; tick 'Summarize' and save "
                                             "the Summary window instead")], notes)
        return Conversion(None, export.problems + problems, notes)
    if sheet is None:
        return Conversion(None, problems, notes)
    frame, name = export.frame, str(summary)
    counts, more = numbers(frame, "Count", name, "a whole number of particles", notes, export.decimal)
    more += [Problem(name, int(i), "Count", frame.at[i, "Count"], "a whole number of particles, 0 or more")
             for i in frame.index[counts.notna() & ((counts < 0) | (counts % 1 != 0))]]
    problems += more
    measured = pd.DataFrame({"Slice": frame["Slice"], "puncta": counts, "file_row": frame.index})
    key = ["Slice"]
    repeats = measured["Slice"].duplicated(keep=False)
    if repeats.any():
        if "slice_number" in sheet.columns:
            measured["slice_number"] = (measured.groupby("Slice").cumcount() + 1).astype(str)
            key = ["Slice", "slice_number"]
            notes.append(Correction(name, None, "Slice", None, "repeated names told apart by the sheet's slice_number"))
        else:
            title = measured.loc[repeats, "Slice"].iloc[0]
            rows = measured.loc[measured["Slice"] == title, "file_row"]
            problems.append(Problem(name, int(rows.iloc[0]), "Slice", title,
                                    f"one name per image, but '{title}' names {len(rows)} rows (rows {rows.iloc[0]} to "
                                    f"{rows.iloc[-1]}), as Fiji writes for a stack whose slices have no labels: add a "
                                    f"'slice_number' column (1 to {len(rows)}, in stack order) to {samples.name}"))
            return Conversion(None, problems, notes)
    problems += _match(measured, sheet, key, summary, samples)
    area, more = numbers(sheet, "cell_area_um2", str(samples), "the cell's area in µm²", notes)
    problems += more + [Problem(str(samples), int(i), "cell_area_um2", sheet.at[i, "cell_area_um2"],
                                f"a cell area between {AREA_UM2[0]:g} and {AREA_UM2[1]:g} µm²")
                        for i in sheet.index[area.notna() & ~area.between(*AREA_UM2)]]
    if problems:
        return Conversion(None, problems, notes)
    merged = sheet.join(measured.drop(columns="file_row").set_index(key), on=key)
    merged["puncta"] = merged["puncta"].astype(int).astype(str)
    table, more = finish(merged, spec, str(samples))
    return Conversion(table, more, notes)


def _match(measured: pd.DataFrame, sheet: pd.DataFrame, key: list[str], export: Path, samples: Path) -> list[Problem]:
    """Every measured image is in the sample sheet once, and every sheet row was measured."""
    label = " and ".join(key)
    m_key = measured[key].astype(str).agg("|".join, axis=1)
    s_key = sheet[key].astype(str).agg("|".join, axis=1)
    problems = [Problem(str(export), int(measured.at[i, "file_row"]), "Slice", measured.at[i, "Slice"],
                        f"an image ({label}) listed in {samples.name}") for i in measured.index[~m_key.isin(s_key)]]
    problems += [Problem(str(samples), int(i), "Slice", sheet.at[i, "Slice"], f"an image ({label}) present in {export.name}")
                 for i in sheet.index[~s_key.isin(m_key)]]
    problems += [Problem(str(samples), int(i), "Slice", sheet.at[i, "Slice"], f"each image ({label}) once")
                 for i in sheet.index[s_key.duplicated()]]
    return problems
