"""CellProfiler ExportToSpreadsheet object tables -> ``pla_cells`` (one row per cell).

What CellProfiler 4 writes, and what this module does with it:

* One table per object (``<prefix>Cells.csv``, ``<prefix>Nuclei.csv``, ...) and
  ``<prefix>Image.csv`` with one row per image (``ImageNumber``, ``Count_<Object>``,
  ``FileName_<channel>``, ``Metadata_*``). With "export all objects to one file"
  the file has a two-line header (object names, then feature names); the cells'
  block is chosen with *object_name*.
* ``Children_<Object>_Count`` columns appear for every child object of the
  pipeline. One is the PLA dot count only if the pipeline related its dot
  objects to the cells; segmentation children (``Cytoplasm``, ``Cells``,
  ``Nuclei``, and any object the run also exports as a table) are always 1 or
  so, and are never chosen automatically: the converter then asks for
  *count_column* and lists the candidates.
* ``ImageNumber`` restarts in every run, so several object files are joined
  through ``Image.csv`` columns (``Metadata_Well``, ``Metadata_Site``,
  ``FileName_<channel>``) named in the sample sheet, not through a bare
  ``ImageNumber``.
* An image without cells has no rows in the object table: it gives zero cells
  and a note (a problem when ``Image.csv`` says ``Count_<Object>`` > 0).
* Per-cell classes come from ``Classify_*`` 0/1 columns (1 = ``motor_neuron``,
  0 = ``other``); per-image classes from the sample sheet's ``cell_type``.
* ``AreaShape_Area`` is in pixels; the sheet's ``pixel_size_um`` must be in µm.
  A value such as ``5.98e-07`` (metres, as ``Metadata_ImageResolutionX`` in
  ``Image.csv``) is recognised and converted, with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.data.converters.common import (
    Conversion,
    finish,
    numbers,
    out_of_range,
    read_rows,
    read_sheet,
)
from helpers.data.tables import get_spec
from helpers.data.validate import Correction, Problem

SEGMENTATION_CHILDREN = ("Cytoplasm", "Cells", "Nuclei")
CHILD_RE = re.compile(r"Children_(\w+)_Count")
KEY_RE = re.compile(r"(Metadata|FileName|PathName|URL)_\w+")
PIXEL_UM = (0.01, 100.0)  # plausible light-microscopy pixel sizes, µm
AREA_UM2 = (1.0, 1e5)  # plausible cell areas in a section, µm²
MAX_DOTS = 100_000
PER_IMAGE = ("pixel_size_um", "mouse_id", "genotype", "stage", "sex", "tissue", "section_id", "tether_pair")


@dataclass
class ObjectTable:
    """One object table (or one object's block of a combined file), as text cells."""

    path: Path
    frame: pd.DataFrame
    object_name: str
    header_row: int
    exported: set[str] = field(default_factory=set)  # objects this run also exports as tables
    image_path: Path | None = None


def _image_partner(path: Path) -> tuple[Path | None, str | None, set[str]]:
    """Find ``<prefix>Image.csv`` beside *path*; return it, the object name and the run's other object tables."""
    best = None
    for candidate in sorted(path.parent.glob("*Image" + path.suffix)):
        prefix = candidate.stem[: -len("Image")]
        if candidate != path and path.stem.startswith(prefix) and len(path.stem) > len(prefix):
            if best is None or len(prefix) > len(best[1]):
                best = (candidate, prefix)
    if best is None:
        return None, None, set()
    image, prefix = best
    siblings = {p.stem[len(prefix):] for p in path.parent.glob(prefix + "*" + path.suffix)}
    return image, path.stem[len(prefix):], siblings - {"Image", "Experiment", ""}


def read_objects(path: str | Path, object_name: str | None = None) -> tuple[ObjectTable | None, list[Problem], list[Correction]]:
    """Read a CellProfiler object table, or one object's block of a combined two-line-header file."""
    path = Path(path)
    name = str(path)
    rows, _, problems, notes = read_rows(path)
    if rows is None:
        return None, problems, notes
    position = next((i for i, (_, cells) in enumerate(rows) if {"ImageNumber", "ObjectNumber"} <= set(cells)), None)
    if position is None:
        return None, [Problem(name, None, None, None, "a CellProfiler object table: a header with ImageNumber and "
                                                     "ObjectNumber (ExportToSpreadsheet, one file per object)")], notes
    header_row, header = rows[position]
    image, found_name, exported = _image_partner(path)
    above = rows[position - 1][1] if position else []
    if above[:1] == ["Image"] and len(above) >= len(header) - 1:
        objects = list(dict.fromkeys(o for o in above[1:] if o))
        exported |= set(objects)
        if object_name is None and len(objects) == 1:
            object_name = objects[0]
        if object_name not in objects:
            return None, [Problem(name, rows[position - 1][0], None, ", ".join(objects),
                                  "the object whose rows are the cells, named with --object (this file combines "
                                  "several objects under a two-line header)")], notes
        keep = [0, 1] + [i for i, o in enumerate(above) if o == object_name and i > 1 and i < len(header)]
        header = [header[i] for i in keep]
        cells_of = lambda cells: [(cells + [""] * len(above))[i] for i in keep]  # noqa: E731
        notes.append(Correction(name, header_row, None, object_name,
                                f"two-line header (objects, then features): the {object_name} columns read"))
        header_row = rows[position - 1][0]  # problems about the header point to its first line
    else:
        repeated = sorted({h for h in header if h and header.count(h) > 1})
        if repeated:
            return None, [Problem(name, header_row, repeated[0], ", ".join(repeated[:5]),
                                  "each feature name once (or a two-line header whose first line names the objects)")], notes
        cells_of = lambda cells: (cells + [""] * len(header))[: len(header)]  # noqa: E731
        object_name = object_name or found_name or path.stem
    body = [cells_of(cells) for _, cells in rows[position + 1 :]]
    frame = pd.DataFrame(body, columns=header, index=pd.Index([n for n, _ in rows[position + 1 :]], name="file_row"),
                         dtype=object)
    exported.discard(object_name)
    return ObjectTable(path, frame, object_name, header_row, exported, image), [], notes


def _choose_count(table: ObjectTable, count_column: str | None, notes: list[Correction]) -> tuple[str | None, list[Problem]]:
    """Pick the PLA dot count: the one Children_*_Count that is not a segmentation child, or *count_column*."""
    name, frame = str(table.path), table.frame
    children = {c: CHILD_RE.fullmatch(c).group(1) for c in frame.columns if CHILD_RE.fullmatch(c)}
    segmentation = set(SEGMENTATION_CHILDREN) | table.exported

    def describe(column: str) -> str:
        values = pd.to_numeric(frame[column], errors="coerce")
        ones = int((values == 1).sum())
        kind = " (segmentation child)" if children[column] in segmentation else ""
        return f"{column}{kind}, 1 in {ones} of {len(frame)} rows"

    listing = "; ".join(describe(c) for c in children) or "none: relate the dot objects to the cells (RelateObjects)"
    if count_column is not None:
        if count_column not in frame.columns:
            return None, [Problem(name, table.header_row, count_column, None,
                                  f"the count column in this {table.object_name} table (Children_*_Count columns: {listing})")]
        if children.get(count_column) in segmentation:
            notes.append(Correction(name, table.header_row, count_column, None,
                                    f"taken as the PLA dot count as asked, although {children[count_column]} is a "
                                    "segmentation child: check that these are dots"))
        return count_column, []
    dots = [c for c, child in children.items() if child not in segmentation]
    if len(dots) == 1:
        notes.append(Correction(name, table.header_row, dots[0], None,
                                "taken as the PLA dot count (the only Children_*_Count that is not a segmentation child)"))
        return dots[0], []
    return None, [Problem(name, table.header_row, None, None,
                          f"the column counting PLA dots per cell, named with --count-column; candidates: {listing}")]


def _pixel_sizes(sheet: pd.DataFrame, name: str, notes: list[Correction]) -> tuple[pd.Series, list[Problem]]:
    """Pixel sizes in µm; values that are plausible only as metres are converted, others refused."""
    values, problems = numbers(sheet, "pixel_size_um", name, "the pixel size in µm (a number)", notes)
    low, high = PIXEL_UM
    metres = values.between(low * 1e-6, high * 1e-6)
    for i in sheet.index[metres]:
        notes.append(Correction(name, int(i), "pixel_size_um", sheet.at[i, "pixel_size_um"],
                                f"read as metres (as CellProfiler's Image.csv writes) and converted to "
                                f"{values[i] * 1e6:.6g} µm"))
    values = values.where(~metres, values * 1e6)
    problems += out_of_range(values, name, "pixel_size_um", low, high, "a pixel size in µm", "µm",
                             shown=sheet["pixel_size_um"], hint=" (or in metres, 1e-08 to 0.0001 m)")
    return values, problems


def _image_table(path: Path, key: list[str], object_name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Image.csv as (ImageNumber, key columns, count of objects) rows."""
    rows, _, problems, _ = read_rows(path)
    if rows is None:
        return None, problems
    position = next((i for i, (_, cells) in enumerate(rows) if "ImageNumber" in cells), None)
    if position is None:
        return None, [Problem(str(path), None, None, None, "a CellProfiler Image table with an ImageNumber column")]
    header = rows[position][1]
    missing = [k for k in key if k != "ImageNumber" and k not in header]
    if missing:
        shown = ", ".join(c for c in header if KEY_RE.fullmatch(c))[:300]
        return None, [Problem(str(path), rows[position][0], missing[0], None,
                              f"the per-image column '{missing[0]}' named in the sample sheet (columns here: {shown})")]
    wanted = ["ImageNumber", *[k for k in key if k != "ImageNumber"], f"Count_{object_name}"]
    idx = {c: header.index(c) for c in wanted if c in header}
    body = [[(cells + [""] * len(header))[idx[c]] if c in idx else "" for c in wanted] for _, cells in rows[position + 1 :]]
    frame = pd.DataFrame(body, columns=["ImageNumber", *wanted[1:-1], "n_objects"],
                         index=pd.Index([n for n, _ in rows[position + 1 :]], name="file_row"))
    dup = frame["ImageNumber"].duplicated()
    problems = [Problem(str(path), int(i), "ImageNumber", frame.at[i, "ImageNumber"], "each ImageNumber once")
                for i in frame.index[dup]]
    return frame, problems


def _key_text(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    return frame[key].astype(str).agg(", ".join, axis=1)


def convert_pla_cellprofiler(
    objects: str | Path | list, samples: str | Path, count_column: str | None = None,
    cell_type_column: str | None = None, images: list | None = None, object_name: str | None = None,
) -> Conversion:
    """Build ``pla_cells`` from CellProfiler object tables (one or several runs).

    Parameters
    ----------
    objects : path or list of paths
        Object tables whose rows are cells (e.g. ``A01-1-Cells.csv``), or
        combined files (then *object_name* names the cells' block).
    samples : path
        One row per image with ``pixel_size_um`` and the columns ``mouse_id,
        genotype, stage, sex, tissue, section_id, tether_pair`` (and
        ``cell_type`` unless *cell_type_column* is given). Images are named by
        ``ImageNumber`` (one object file only) or by ``Image.csv`` columns
        (``Metadata_*``, ``FileName_*``), which join several runs.
    count_column : str, optional
        The column holding the PLA dots of each cell; found automatically only
        when exactly one ``Children_*_Count`` is not a segmentation child.
    cell_type_column : str, optional
        ``Classify_*`` 0/1 column (1 = motor neuron) or a column holding the cell type.
    images : list of paths, optional
        The ``Image.csv`` of each object file (default: ``<prefix>Image.csv`` beside it).
    object_name : str, optional
        The cells' object in a combined (two-line header) file.

    Returns
    -------
    Conversion
        ``(table or None, problems)`` with ``.notes``.
    """
    spec = get_spec("pla_cells")
    paths = [Path(p) for p in ([objects] if isinstance(objects, (str, Path)) else objects)]
    samples = Path(samples)
    notes: list[Correction] = []
    required = PER_IMAGE + (() if cell_type_column else ("cell_type",))
    sheet, problems = read_sheet(samples, required)
    if sheet is None:
        return Conversion(None, problems, notes)
    key = ["ImageNumber"] if "ImageNumber" in sheet.columns else [c for c in sheet.columns if KEY_RE.fullmatch(c)]
    if not key:
        return Conversion(None, [Problem(str(samples), 1, None, None, "a column naming each image: ImageNumber (one "
                                         "object file), or Image.csv columns such as Metadata_Well and Metadata_Site "
                                         "or FileName_<channel>")], notes)
    if key == ["ImageNumber"] and len(paths) > 1:
        return Conversion(None, [Problem(str(samples), 1, "ImageNumber", None,
                                         "Image.csv columns (Metadata_*, FileName_*) naming the images, since "
                                         "ImageNumber restarts at 1 in each of the several object files")], notes)
    images = list(images) if images else [None] * len(paths)
    measured, known_images = [], []
    for path, image in zip(paths, images, strict=False):
        table, more, more_notes = read_objects(path, object_name)
        problems += more
        notes += more_notes
        if table is None:
            continue
        name, frame = str(path), table.frame
        column, more = _choose_count(table, count_column, notes)
        problems += more
        missing = [c for c in ("AreaShape_Area",) if c not in frame.columns]
        problems += [Problem(name, table.header_row, c, None, "the cell area in pixels (MeasureObjectSizeShape)")
                     for c in missing]
        if cell_type_column and cell_type_column not in frame.columns:
            listing = ", ".join(c for c in frame.columns if c.startswith("Classify_")) or "none"
            problems.append(Problem(name, table.header_row, cell_type_column, None,
                                    f"the cell-type column in this table (Classify_* columns: {listing})"))
        if column is None or missing or (cell_type_column and cell_type_column not in frame.columns):
            continue
        counts, p1 = numbers(frame, column, name, "a whole number of PLA dots", notes)
        area_px, p2 = numbers(frame, "AreaShape_Area", name, "a cell area in pixels", notes)
        p1 += [Problem(name, int(i), column, frame.at[i, column], f"a whole number of PLA dots, 0 to {MAX_DOTS}")
               for i in frame.index[counts.notna() & ((counts < 0) | (counts > MAX_DOTS) | (counts % 1 != 0))]]
        p2 += out_of_range(area_px.where(area_px <= 0), name, "AreaShape_Area", 1, float("inf"), "a cell area", "pixels")
        problems += p1 + p2
        cells = pd.DataFrame({"ImageNumber": frame["ImageNumber"], "ObjectNumber": frame["ObjectNumber"],
                              "puncta": counts, "area_px": area_px, "file": name, "file_row": frame.index})
        if cell_type_column:
            cells["cell_type"] = _cell_types(frame, cell_type_column, name, problems)
        image = Path(image) if image else table.image_path
        lookup = None
        if image is not None and image.is_file():
            lookup, more = _image_table(image, key, table.object_name)
            problems += more
        if key != ["ImageNumber"] and not set(key) <= set(frame.columns):
            if lookup is None:
                problems.append(Problem(name, None, None, None, f"the run's Image.csv (beside it as <prefix>Image.csv, "
                                        f"or --images) to look up {', '.join(key)} by ImageNumber"))
                continue
            unknown = ~cells["ImageNumber"].isin(lookup["ImageNumber"])
            problems += [Problem(name, int(r.file_row), "ImageNumber", r.ImageNumber, f"an ImageNumber of {image.name}")
                         for r in cells[unknown].itertuples()]
            cells = cells.merge(lookup.drop(columns="n_objects"), on="ImageNumber", how="left")
        elif key != ["ImageNumber"]:
            for k in key:
                cells[k] = frame[k].to_numpy()
        if lookup is not None:
            known_images.append(lookup.assign(file=str(image), object_name=table.object_name))
        measured.append(cells)
    if problems:
        return Conversion(None, problems, notes)
    cells = pd.concat(measured, ignore_index=True)
    cells["key"] = _key_text(cells, key)
    sheet = sheet.assign(key=_key_text(sheet, key))
    pixel, more = _pixel_sizes(sheet, str(samples), notes)
    problems += more + _match_images(cells, sheet, known_images, key, samples, notes)
    if problems:
        return Conversion(None, problems, notes)
    merged = cells.merge(sheet.drop(columns=key).assign(pixel=pixel.to_numpy()), on="key", how="inner",
                         suffixes=("", "_sheet"))
    merged["cell_area_um2"] = merged["area_px"] * merged["pixel"] ** 2
    for row in merged.itertuples():
        if not AREA_UM2[0] <= row.cell_area_um2 <= AREA_UM2[1]:
            problems.append(Problem(row.file, int(row.file_row), "AreaShape_Area", f"{row.area_px:g}",
                                    f"a cell area between {AREA_UM2[0]:g} and {AREA_UM2[1]:g} µm² once multiplied "
                                    f"by the squared pixel size ({row.pixel:g} µm): got {row.cell_area_um2:.4g} µm²"))
    if problems:
        return Conversion(None, problems, notes)
    if key == ["ImageNumber"]:
        image_id = "i" + merged["ImageNumber"].astype(str)
    else:
        image_id = merged[key].astype(str).apply(lambda c: c.str.replace(r"\.\w+$", "", regex=True)).agg("-".join, axis=1)
    merged["cell_id"] = merged["section_id"] + "-" + image_id + "-c" + merged["ObjectNumber"].astype(str)
    merged["puncta"] = merged["puncta"].astype(int).astype(str)
    merged.index = pd.Index(merged["file_row"].astype(int), name="file_row")
    table, more = finish(merged, spec, str(paths[0]))
    return Conversion(table, more, notes)


def _cell_types(frame: pd.DataFrame, column: str, name: str, problems: list[Problem]) -> pd.Series:
    """Cell types from a ``Classify_*`` 0/1 column (1 = motor neuron) or a text column."""
    if not column.startswith("Classify_"):
        return frame[column]
    values = pd.to_numeric(frame[column], errors="coerce")
    problems += [Problem(name, int(i), column, frame.at[i, column], "a CellProfiler class flag, 0 or 1")
                 for i in frame.index[~values.isin([0, 1])]]
    return values.map({1: "motor_neuron", 0: "other"})


def _match_images(cells: pd.DataFrame, sheet: pd.DataFrame, known: list[pd.DataFrame], key: list[str],
                  samples: Path, notes: list[Correction]) -> list[Problem]:
    """Every measured image is in the sheet once; a sheet image without cells is zero cells, or a problem."""
    label = ", ".join(key)
    problems = [Problem(str(samples), int(i), key[0], sheet.at[i, "key"], f"each image ({label}) once")
                for i in sheet.index[sheet["key"].duplicated()]]
    first = cells[~cells["key"].isin(sheet["key"])].drop_duplicates("key")
    problems += [Problem(r.file, int(r.file_row), key[0], r.key, f"an image ({label}) listed in {samples.name}")
                 for r in first.itertuples()]
    images = pd.concat(known, ignore_index=True) if known else None
    if images is not None:
        images = images.assign(key=_key_text(images, key)) if set(key) <= set(images.columns) else None
    for i in sheet.index[~sheet["key"].isin(cells["key"])]:
        value = sheet.at[i, "key"]
        if images is None:
            notes.append(Correction(str(samples), int(i), key[0], value,
                                    "no cells in the object table: taken as an image without cells (CellProfiler "
                                    "writes no rows for it); check that it is not a typo"))
            continue
        hit = images[images["key"] == value]
        if hit.empty:
            problems.append(Problem(str(samples), int(i), key[0], value, f"an image ({label}) of the run's Image.csv"))
        elif pd.to_numeric(hit["n_objects"], errors="coerce").fillna(0).gt(0).any():
            problems.append(Problem(str(samples), int(i), key[0], value,
                                    f"the cells of this image in the object table (Image.csv counts "
                                    f"{hit['n_objects'].iloc[0]} {hit['object_name'].iloc[0]})"))
        else:
            notes.append(Correction(str(samples), int(i), key[0], value,
                                    f"no {hit['object_name'].iloc[0]} in this image (Image.csv counts 0): 0 cells"))
    return problems
