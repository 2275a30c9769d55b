"""The Excel template of the book's tables: ``templates/book_tables.xlsx``.

One sheet per table, named like the table, holding the header and one example
row of the simulated data; every column carries an Excel data validation (a
drop-down of the allowed levels for a factor, the bounds for a number), and a
``README`` sheet gives each column's unit and meaning. A lab fills the sheets it
has, deletes the example rows, and points the book at the workbook
(``make validate DATA=lab.xlsx``).

``python -m helpers templates`` writes the CSV templates
(:func:`helpers.data.converters.write_templates`) and this workbook.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from helpers.data.converters import TEMPLATES_DIR, write_templates
from helpers.data.tables import Column, example_specs
from helpers.data.truths import DEFAULT_SEED

WORKBOOK_NAME = "book_tables.xlsx"
#: Fixed document dates, so the workbook's metadata does not change between runs.
_STAMP = dt.datetime(2024, 1, 1)


def _validation(col: Column):
    """Return the openpyxl DataValidation of one column (drop-down of levels, or number bounds)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    if col.allowed is not None:
        dv = DataValidation(type="list", formula1='"' + ",".join(col.allowed) + '"', allow_blank=False)
    elif col.kind in ("int", "float"):
        low = 0 if col.positive else (col.minimum if col.minimum is not None else -1e300)
        high = col.maximum if col.maximum is not None else 1e300
        dv = DataValidation(type="whole" if col.kind == "int" else "decimal", operator="between",
                            formula1=f"{low:g}", formula2=f"{high:g}")
    else:
        dv = DataValidation(type="textLength", operator="greaterThan", formula1="0")
    dv.error = f"{col.name}: expected {col.expectation()}"
    dv.errorTitle = "Not a valid value"
    dv.prompt = f"{col.description} Unit: {col.unit}."
    dv.promptTitle = col.name
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def write_workbook_template(out_dir: str | Path = TEMPLATES_DIR, seed: int = DEFAULT_SEED,
                            rows: int = 5000, study=None) -> Path:
    """Write ``book_tables.xlsx``: a sheet per table (header, one example row, validations) and README.

    Parameters
    ----------
    out_dir : path
        Folder to write into.
    seed : int
        Seed of the simulated example row.
    rows : int
        Rows (below the header) that the data validations cover.
    study : helpers.data.study.Study, optional
        The study whose tables and levels the sheets offer (drop-downs of its
        levels; the example row takes each factor's reference or first level).
        Default: the example study, every table.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from helpers.core.paths import DATA_DIR
    from helpers.data.simulate import simulate_table
    from helpers.data.study import study_of

    book = Workbook()
    readme = book.active
    readme.title = "README"
    readme.append(["table", "column", "type", "unit", "valid values", "meaning"])
    lab = study is not None
    study = study if lab else study_of(DATA_DIR)
    for name in (study.resources if lab else example_specs()):
        spec = study.spec(name)
        sheet = book.create_sheet(spec.name)
        sheet.append(spec.column_names)
        example = simulate_table(spec, seed).head(1)
        for column in spec.factor_columns if lab else ():
            levels = study.levels(name, column)
            example[column] = study.reference(name, column) or levels[0]
        sheet.append([_cell(v) for v in example.iloc[0].tolist()])
        for i, col in enumerate(spec.columns, start=1):
            letter = get_column_letter(i)
            dv = _validation(col)
            sheet.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{rows + 1}")
            sheet.column_dimensions[letter].width = max(12, len(col.name) + 2)
            readme.append([spec.name, col.name, col.kind, col.unit, col.expectation(), col.description])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for cell in readme[1]:
        cell.font = Font(bold=True)
    readme.append([])
    readme.append(["Row 2 of every sheet is one example row of SIMULATED data: replace it by your measurements. "
                   "Keep sheet names and headers; delete sheets you have no data for. "
                   "Check with: make validate DATA=your_workbook.xlsx"])
    book.properties.created = book.properties.modified = _STAMP
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / WORKBOOK_NAME
    book.save(path)
    _fix_zip_times(path)
    return path


def _fix_zip_times(path: Path) -> None:
    """Rewrite the workbook's zip entries with one fixed timestamp, so two runs give identical bytes.

    openpyxl stamps each zip entry and ``docProps/core.xml``'s ``modified`` with
    the time of saving; both are set to :data:`_STAMP`.
    """
    import re
    import zipfile

    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    stamp = _STAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = [(info, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
                if info.filename == "docProps/core.xml" else data) for info, data in entries]
    tmp = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=_STAMP.timetuple()[:6])
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            target.writestr(fixed, data)
    tmp.replace(path)


def _cell(value):
    """Return a value openpyxl can store (numpy scalars as Python numbers)."""
    return value.item() if hasattr(value, "item") else value


def main(argv: list[str] | None = None) -> int:
    """Command line: write the CSV templates and the Excel template."""
    parser = argparse.ArgumentParser(prog="python -m helpers templates", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(TEMPLATES_DIR), help="folder to write into (default: templates/)")
    parser.add_argument("--study", default=None, help="a study description (datapackage.yaml, or its folder): "
                        "write only the workbook, for its tables and levels")
    args = parser.parse_args(argv)
    if args.study:
        from helpers.data.study import StudyError, find_descriptor, read_study

        descriptor = find_descriptor(args.study)
        try:
            if descriptor is None:
                raise StudyError(f"{args.study}: no study description (datapackage.yaml) found.")
            path = write_workbook_template(args.out, study=read_study(descriptor))
        except StudyError as err:
            print(str(err), file=sys.stderr)
            return 1
        print(f"wrote {path}")
        return 0
    for path in [*write_templates(args.out), write_workbook_template(args.out)]:
        print(f"wrote {path}")
    return 0
