"""Convert instrument exports into the book's tables, and write CSV templates.

A lab rarely types its tables by hand: densitometry and puncta counts come out
of imaging software. This module reads four common exports and joins them with
a small *sample sheet* that says what each lane or image was:

* **Bio-Rad Image Lab**, "Lane and Band Table" export (``Lane``, ``Band No.``,
  ``Band Label``, ``Mol. Wt. (KDa)``, ``Relative Front``, ``Adj. Vol. (Int)``,
  ``Volume (Int)``, ...). The background-adjusted volume ``Adj. Vol. (Int)`` is
  the band's signal.
* **LI-COR Image Studio**, shapes table export (``Image Name``, ``Channel``,
  ``Lane``, ``Name``, ``Signal``, ``Total``, ``Area``, ``Bkgnd.``, ...). ``Signal``
  (= Total − Bkgnd. × Area) is the band's signal; the converter checks that
  identity on every row.
* **ImageJ/Fiji** Analyze Particles "Summary" table, one row per image of one
  cell (``Slice``, ``Count``, ``Total Area``, ``Average Size``, ``%Area``,
  ``Mean``): ``Count`` is the cell's PLA puncta.
* **CellProfiler** per-object export (``ImageNumber``, ``ObjectNumber``,
  ``AreaShape_Area``, ``Children_<dots>_Count``, ...): one row per cell.

Blots: an *export sheet* lists each export file with its format, the gel it
belongs to, and which band (label or number; name and channel for LI-COR) goes
into which column of the book's blot table; a *lane sheet* gives, for each gel
and lane, the donor or mouse and its covariates. Lanes that are not in the lane
sheet (ladders) are skipped and reported.

PLA: the sample sheet has one row per image (Fiji: per ``Slice``; CellProfiler:
per ``ImageNumber``) with every descriptive column of ``pla_cells`` (mouse,
genotype, stage, sex, tissue, section, tether pair; Fiji also cell id, cell
type and the cell's area; CellProfiler the pixel size ``pixel_size_um``).

Every converter returns the table in the book's format and the list of
problems (file, row, column, value, expected) found on the way; the command
line writes the table only when there is none, validates the written file
against its schema, and never overwrites an existing file unless asked.

Command line::

    python -m helpers.converters templates [--out templates]
    python -m helpers.converters blot --exports EXPORTS.csv --lanes LANES.csv --table human_blot --out DIR
    python -m helpers.converters pla-fiji --summary SUMMARY.csv --samples IMAGES.csv --out DIR
    python -m helpers.converters pla-cellprofiler --objects CELLS.csv --samples IMAGES.csv --out DIR
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
from pathlib import Path

import pandas as pd

from ..paths import ROOT
from ..tables import TableSpec, get_spec, get_specs
from ..truths import DEFAULT_SEED
from ..validate import Problem, check_frame, read_text_table

#: Book columns an export band can fill, per blot table.
BLOT_TARGETS = ("ptbk1", "ptbk1_loading", "tbk1", "tbk1_loading", "ptbk1_total_protein", "tbk1_total_protein")
IMAGE_LAB_SIGNAL = ("Adj. Vol. (Int)", "Adj. Volume (Int)")
TEMPLATES_DIR = ROOT / "templates"


class ConversionError(ValueError):
    """An export or sample sheet cannot be converted; lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the input:\n  " + "\n  ".join(map(str, problems)))


# --------------------------------------------------------------------------- reading exports


def read_export(path: Path, required: tuple[str, ...]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read an instrument export (comma- or tab-separated, optional preamble lines) as text cells.

    The header is the first line holding every *required* column; lines above
    it (titles, dates that some exports write first) are skipped. The frame's
    index is the row number in the file.
    """
    name = str(path)
    if not path.is_file():
        return None, [Problem(name, None, None, None, "the export file to exist")]
    raw = path.read_bytes()
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            text = raw.decode(codec).lstrip("\ufeff")
            break
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")  # exports from Windows instruments; names are plain ASCII
    lines = text.splitlines()
    number, delimiter = None, ","
    for index, line in enumerate(lines, start=1):
        delimiter = "\t" if line.count("\t") > line.count(",") else ","
        cells = [c.strip() for c in next(csv.reader([line], delimiter=delimiter))] if line.strip() else []
        if all(r in cells for r in required):
            number = index
            break
    if number is None:
        return None, [Problem(name, None, None, None, "a header line with the columns " + ", ".join(required))]
    reader = csv.reader(io.StringIO("\n".join(lines[number - 1 :])), delimiter=delimiter)
    rows = list(reader)
    header = [c.strip() for c in rows[0]]
    body, index = [], []
    for offset, cells in enumerate(rows[1:], start=1):
        if not any(c.strip() for c in cells):
            continue
        cells = [c.strip() for c in cells] + [""] * max(0, len(header) - len(cells))
        body.append(cells[: len(header)])
        index.append(number + offset)
    frame = pd.DataFrame(body, columns=header, index=pd.Index(index, name="file_row"), dtype=object)
    return frame, []


def _numbers(frame: pd.DataFrame, column: str, name: str, expected: str) -> tuple[pd.Series, list[Problem]]:
    values = pd.to_numeric(frame[column], errors="coerce")
    problems = [
        Problem(name, int(i), column, frame.at[i, column], expected)
        for i in frame.index[values.isna() | ~values.map(lambda v: math.isfinite(v) if pd.notna(v) else False)]
    ]
    return values, problems


def read_image_lab(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read an Image Lab "Lane and Band Table" export into (lane, band, signal) rows.

    ``band`` is the band label when the user labelled bands (``Band Label``),
    otherwise the band number (``Band No.``); both are matched by the export sheet.
    """
    frame, problems = read_export(Path(path), ("Lane", "Band No."))
    if frame is None:
        return pd.DataFrame(columns=["lane", "band", "band_no", "signal"]), problems
    signal_col = next((c for c in IMAGE_LAB_SIGNAL if c in frame.columns), None)
    if signal_col is None:
        return frame.iloc[0:0], [Problem(str(path), None, None, None,
                                         "an Image Lab column " + " or ".join(repr(c) for c in IMAGE_LAB_SIGNAL))]
    lane, p1 = _numbers(frame, "Lane", str(path), "a lane number")
    signal, p2 = _numbers(frame, signal_col, str(path), "a background-adjusted band volume")
    label = frame["Band Label"] if "Band Label" in frame.columns else pd.Series("", index=frame.index)
    out = pd.DataFrame({"lane": lane, "band": label, "band_no": frame["Band No."], "signal": signal})
    return out, problems + p1 + p2


def read_image_studio(path: Path, tolerance: float = 1e-3) -> tuple[pd.DataFrame, list[Problem]]:
    """Read an Image Studio shapes export into (lane, band, channel, signal) rows.

    Checks ``Signal = Total - Bkgnd. x Area`` (relative *tolerance*) on every
    row, so a column mix-up in the export is caught.
    """
    frame, problems = read_export(Path(path), ("Name", "Channel", "Signal"))
    if frame is None:
        return pd.DataFrame(columns=["lane", "band", "channel", "signal"]), problems
    name = str(path)
    if "Lane" not in frame.columns:
        return frame.iloc[0:0], [Problem(name, None, "Lane", None, "a 'Lane' column (Western analysis shapes table)")]
    lane, p1 = _numbers(frame, "Lane", name, "a lane number")
    signal, p2 = _numbers(frame, "Signal", name, "a background-subtracted signal")
    problems += p1 + p2
    if {"Total", "Bkgnd.", "Area"} <= set(frame.columns):
        total = pd.to_numeric(frame["Total"], errors="coerce")
        expected = total - pd.to_numeric(frame["Bkgnd."], errors="coerce") * pd.to_numeric(frame["Area"], errors="coerce")
        off = (signal - expected).abs() > tolerance * total.abs()
        problems += [Problem(name, int(i), "Signal", frame.at[i, "Signal"],
                             f"Total - Bkgnd. x Area = {expected[i]:.6g}") for i in frame.index[off.fillna(False)]]
    out = pd.DataFrame({"lane": lane, "band": frame["Name"], "channel": frame["Channel"], "signal": signal})
    return out, problems


READERS = {"image_lab": read_image_lab, "image_studio": read_image_studio}


# --------------------------------------------------------------------------- blots


def _sheet(path: Path, required: tuple[str, ...]) -> tuple[pd.DataFrame | None, list[Problem]]:
    frame, problems, _ = read_text_table(Path(path))
    if frame is None:
        return None, problems
    missing = [c for c in required if c not in frame.columns]
    problems += [Problem(str(path), 1, c, None, f"a column named '{c}' in the sample sheet") for c in missing]
    return (None if missing else frame), problems


def convert_blot(exports_sheet: str | Path, lanes_sheet: str | Path, table: str = "human_blot") -> tuple[pd.DataFrame | None, list[Problem]]:
    """Build a blot table (``human_blot`` or ``mouse_blot``) from densitometry exports.

    Parameters
    ----------
    exports_sheet : path
        CSV with one row per band to take: ``file`` (relative to the sheet),
        ``format`` (``image_lab`` or ``image_studio``), ``gel_id``, ``band``
        (Image Lab band label or number; Image Studio shape name), ``channel``
        (Image Studio only, e.g. 700 or 800; empty otherwise) and ``column``
        (the book column it fills, e.g. ``ptbk1_loading``).
    lanes_sheet : path
        CSV with ``gel_id``, ``lane`` and every other column of the table
        (donor or mouse and covariates, region or tissue).
    table : str
        ``human_blot`` or ``mouse_blot``.

    Returns
    -------
    (DataFrame or None, list of Problem)
        The table in the book's column order, or None if any problem was found.
    """
    spec = get_spec(table)
    exports_sheet, lanes_sheet = Path(exports_sheet), Path(lanes_sheet)
    sheet, problems = _sheet(exports_sheet, ("file", "format", "gel_id", "band", "column"))
    lanes, more = _sheet(lanes_sheet, tuple(c for c in spec.column_names if c not in BLOT_TARGETS))
    problems += more
    if sheet is None or lanes is None:
        return None, problems
    measured = []
    for row, entry in sheet.iterrows():
        if entry["format"] not in READERS:
            problems.append(Problem(str(exports_sheet), int(row), "format", entry["format"], "one of " + ", ".join(READERS)))
            continue
        if entry["column"] not in BLOT_TARGETS:
            problems.append(Problem(str(exports_sheet), int(row), "column", entry["column"], "one of " + ", ".join(BLOT_TARGETS)))
            continue
        export_path = exports_sheet.parent / entry["file"]
        bands, read_problems = READERS[entry["format"]](export_path)
        problems += read_problems
        pick = (bands["band"] == entry["band"])
        if entry["format"] == "image_lab":
            pick |= (bands["band"].eq("") & bands["band_no"].eq(entry["band"]))
        if entry["format"] == "image_studio" and entry.get("channel", ""):
            pick &= bands["channel"] == entry["channel"]
        chosen = bands[pick]
        if chosen.empty:
            problems.append(Problem(str(exports_sheet), int(row), "band", entry["band"],
                                    f"a band of that name in {entry['file']}"))
            continue
        dup = chosen[chosen["lane"].duplicated()]
        problems += [Problem(str(export_path), int(i), "Lane", str(int(r.lane)),
                             f"one band {entry['band']!r} per lane") for i, r in dup.iterrows()]
        measured.append(chosen.assign(gel_id=entry["gel_id"], column=entry["column"]))
    if problems:
        return None, problems
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
        return None, problems
    return _finish(merged, spec, str(lanes_sheet))


def unassigned_lanes(exports_sheet: str | Path, lanes_sheet: str | Path) -> list[tuple[str, int]]:
    """Return the (gel, lane) pairs measured in the exports but absent from the lane sheet (e.g. ladders)."""
    sheet, _ = _sheet(Path(exports_sheet), ("file", "format", "gel_id"))
    lanes, _ = _sheet(Path(lanes_sheet), ("gel_id", "lane"))
    if sheet is None or lanes is None:
        return []
    known = {(g, int(float(lane))) for g, lane in zip(lanes["gel_id"], lanes["lane"], strict=True)}
    found = set()
    for _, entry in sheet.drop_duplicates(["file", "gel_id"]).iterrows():
        bands, _ = READERS.get(entry["format"], read_image_lab)(Path(exports_sheet).parent / entry["file"])
        found |= {(entry["gel_id"], int(v)) for v in bands["lane"].dropna()}
    return sorted(found - known)


def _finish(frame: pd.DataFrame, spec: TableSpec, name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Put *frame* in the book's format and check it against the schema."""
    text = frame[spec.column_names].copy()
    for col in spec.columns:
        if col.kind == "float":
            text[col.name] = text[col.name].map(lambda v: format(float(v), ".10g") if not isinstance(v, str) else v)
        text[col.name] = text[col.name].astype(str)
    table, problems = check_frame(text, spec, f"{name} (converted {spec.filename})")
    return (text.reset_index(drop=True) if table is not None else None), problems


# --------------------------------------------------------------------------- PLA


def convert_pla_fiji(summary: str | Path, samples: str | Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Build ``pla_cells`` from a Fiji Analyze Particles "Summary" table (one image per cell).

    The sample sheet has ``Slice`` (the image name as in the summary) and every
    column of ``pla_cells`` except ``puncta``, which is the summary's ``Count``.
    """
    spec = get_spec("pla_cells")
    summary, samples = Path(summary), Path(samples)
    frame, problems = read_export(summary, ("Slice", "Count"))
    sheet, more = _sheet(samples, ("Slice", *[c for c in spec.column_names if c != "puncta"]))
    problems += more
    if frame is None or sheet is None:
        return None, problems
    counts, more = _numbers(frame, "Count", str(summary), "a whole number of particles")
    problems += more
    measured = pd.DataFrame({"Slice": frame["Slice"], "puncta": counts, "file_row": frame.index})
    problems += _match(measured, sheet, "Slice", summary, samples)
    if problems:
        return None, problems
    merged = sheet.join(measured.drop(columns="file_row").set_index("Slice"), on="Slice")
    merged["puncta"] = merged["puncta"].astype(int).astype(str)
    return _finish(merged, spec, str(samples))


def convert_pla_cellprofiler(
    objects: str | Path, samples: str | Path, count_column: str | None = None, cell_type_column: str | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Build ``pla_cells`` from a CellProfiler per-object (cells) export.

    Parameters
    ----------
    objects : path
        The per-object table: ``ImageNumber``, ``ObjectNumber``,
        ``AreaShape_Area`` (pixels) and the count of PLA dots related to each
        cell (``Children_<dots>_Count``; found automatically when there is one).
    samples : path
        One row per ``ImageNumber`` with ``pixel_size_um`` and the columns
        ``mouse_id, genotype, stage, sex, tissue, section_id, tether_pair`` and,
        unless *cell_type_column* names an export column, ``cell_type``.
    count_column, cell_type_column : str, optional
        Export columns holding the puncta count and the cell type.
    """
    spec = get_spec("pla_cells")
    objects, samples = Path(objects), Path(samples)
    frame, problems = read_export(objects, ("ImageNumber", "ObjectNumber", "AreaShape_Area"))
    per_image = ["ImageNumber", "pixel_size_um", "mouse_id", "genotype", "stage", "sex", "tissue", "section_id",
                 "tether_pair"] + ([] if cell_type_column else ["cell_type"])
    sheet, more = _sheet(samples, tuple(per_image))
    problems += more
    if frame is None or sheet is None:
        return None, problems
    if count_column is None:
        found = [c for c in frame.columns if re.fullmatch(r"Children_\w+_Count", c)]
        if len(found) != 1:
            return None, [Problem(str(objects), 1, None, ", ".join(found) or None,
                                  "exactly one Children_<dots>_Count column (or name it with count_column)")]
        count_column = found[0]
    counts, p1 = _numbers(frame, count_column, str(objects), "a whole number of PLA dots")
    area_px, p2 = _numbers(frame, "AreaShape_Area", str(objects), "a cell area in pixels")
    pixel, p3 = _numbers(sheet, "pixel_size_um", str(samples), "the pixel size in µm")
    problems += p1 + p2 + p3
    measured = pd.DataFrame({"ImageNumber": frame["ImageNumber"], "ObjectNumber": frame["ObjectNumber"],
                             "puncta": counts, "area_px": area_px, "file_row": frame.index})
    if cell_type_column:
        measured["cell_type"] = frame[cell_type_column]
    problems += _match(measured, sheet, "ImageNumber", objects, samples)
    if problems:
        return None, problems
    merged = measured.merge(sheet.assign(pixel=pixel.to_numpy()), on="ImageNumber", how="inner")
    merged.index = pd.Index(merged["file_row"].astype(int), name="file_row")  # rows of the export
    merged["cell_area_um2"] = merged["area_px"] * merged["pixel"] ** 2
    merged["cell_id"] = merged["section_id"] + "-i" + merged["ImageNumber"] + "-c" + merged["ObjectNumber"]
    merged["puncta"] = merged["puncta"].astype(int).astype(str)
    return _finish(merged, spec, str(objects))


def _match(measured: pd.DataFrame, sheet: pd.DataFrame, key: str, export: Path, samples: Path) -> list[Problem]:
    """Every measured image must be in the sample sheet, and every sheet row measured."""
    problems = [Problem(str(export), int(r.file_row), key, getattr(r, key), f"a {key} listed in {samples.name}")
                for r in measured[~measured[key].isin(sheet[key])].itertuples()]
    problems += [Problem(str(samples), int(i), key, sheet.at[i, key], f"a {key} present in {export.name}")
                 for i in sheet.index[~sheet[key].isin(measured[key])]]
    if key == "Slice":
        dup = sheet[key].duplicated()
        problems += [Problem(str(samples), int(i), key, sheet.at[i, key], "each Slice once")
                     for i in sheet.index[dup]]
    return problems


# --------------------------------------------------------------------------- writing


def write_table(table: pd.DataFrame, name: str, out_dir: str | Path, overwrite: bool = False) -> Path:
    """Write a converted *table* as ``out_dir/<file>`` and check the written file against its schema.

    Raises
    ------
    FileExistsError
        If the file exists and *overwrite* is false (raw data are never replaced silently).
    ConversionError
        If the written file does not validate (it is then removed).
    """
    spec = get_spec(name)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / spec.filename
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; choose another folder or pass --force")
    table[spec.column_names].to_csv(path, index=False, lineterminator="\n")
    from ..validate import check_table

    _, problems = check_table(name, out)
    if problems:
        path.unlink()
        raise ConversionError(problems)
    return path


def write_templates(out_dir: str | Path = TEMPLATES_DIR, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write ``<table>.csv`` for every table: the header and one example row of the simulated data.

    The example row is the first row of the table simulated with *seed*; it
    shows the format (units, level spellings) and must be replaced by real values.
    """
    from ..simulate import FLOAT_FORMAT, simulate_table

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in get_specs().values():
        path = out / spec.filename
        simulate_table(spec, seed).head(1).to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        written.append(path)
    readme = out / "README.md"
    readme.write_text(
        "# Templates of the book's tables\n\n"
        "One CSV per table: the header and **one example row of simulated data** (seed "
        f"`{seed}`), to show units and the spelling of every level. Replace the example row by "
        "your measurements, keep the header, put the files in one folder and run "
        "`make validate DATA=folder`. Columns, units and allowed values: `data/README.md` and the "
        "book's page *Bring your own data*. Regenerate with `make templates` "
        "(= `python -m helpers.converters templates`).\n\n"
        + "".join(f"- `{p.name}`\n" for p in written),
        encoding="utf-8",
    )
    return [*written, readme]


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring); exit 1 and list every problem on failure."""
    parser = argparse.ArgumentParser(prog="python -m helpers.converters", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("templates", help="write templates/<table>.csv (header + one example row)")
    t.add_argument("--out", default=str(TEMPLATES_DIR))
    b = sub.add_parser("blot", help="Image Lab / Image Studio exports -> human_blot or mouse_blot")
    b.add_argument("--exports", required=True, help="export sheet (file, format, gel_id, band, channel, column)")
    b.add_argument("--lanes", required=True, help="lane sheet (gel_id, lane, donor or mouse columns)")
    b.add_argument("--table", default="human_blot", choices=["human_blot", "mouse_blot"])
    f = sub.add_parser("pla-fiji", help="Fiji Analyze Particles summary -> pla_cells")
    f.add_argument("--summary", required=True)
    f.add_argument("--samples", required=True)
    c = sub.add_parser("pla-cellprofiler", help="CellProfiler per-object export -> pla_cells")
    c.add_argument("--objects", required=True)
    c.add_argument("--samples", required=True)
    c.add_argument("--count-column", default=None)
    c.add_argument("--cell-type-column", default=None)
    for p in (b, f, c):
        p.add_argument("--out", required=True, help="folder to write the table into")
        p.add_argument("--force", action="store_true", help="replace an existing table file")
    args = parser.parse_args(argv)
    if args.command == "templates":
        for path in write_templates(args.out):
            print(f"wrote {path}")
        return 0
    if args.command == "blot":
        name, (table, problems) = args.table, convert_blot(args.exports, args.lanes, args.table)
        for gel, lane in unassigned_lanes(args.exports, args.lanes):
            print(f"note: gel {gel} lane {lane} is not in the lane sheet and was skipped (ladder?)")
    elif args.command == "pla-fiji":
        name, (table, problems) = "pla_cells", convert_pla_fiji(args.summary, args.samples)
    else:
        name, (table, problems) = "pla_cells", convert_pla_cellprofiler(
            args.objects, args.samples, args.count_column, args.cell_type_column)
    if problems:
        print(f"{len(problems)} problem(s); nothing written:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    try:
        path = write_table(table, name, args.out, overwrite=args.force)
    except (FileExistsError, ConversionError) as err:
        print(str(err), file=sys.stderr)
        return 1
    print(f"wrote {path} ({len(table)} rows; matches the {name} schema)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
