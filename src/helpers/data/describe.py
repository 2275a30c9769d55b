"""Draft a lab's study description from its tables: ``make describe DATA=dir``.

The draft lists, for every factor column of the tables present, the levels
found (in the order they first appear), guesses each factor's reference level
by convention (WT, control, vehicle, homogenate, ...) and marks every guess
``# guessed by convention: confirm``. The lab reads it, corrects what the
tables cannot say (the order of stages, which tissues the disease strikes,
combined genotypes), and builds. The tables themselves are only read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.data.sources import DataSource, open_source
from helpers.data.study import (
    CONVENTIONAL_REFERENCES,
    DESCRIPTOR_NAMES,
    Factor,
    Resource,
    Study,
    StudyError,
    descriptor_mapping,
    dump_descriptor,
    parse_study,
)
from helpers.data.tables import get_spec

#: Factors whose levels the analyses compare with a reference level (the others need none).
COMPARED_FACTORS = ("genotype", "group", "treatment", "stress", "fraction")
#: Tissues and regions conventionally taken as the less-affected comparison in ALS (a guess to confirm).
LESS_AFFECTED_HINTS = ("cerebell", "occipital", "visual", "liver", "spleen", "kidney")


def _levels_found(source: DataSource, table: str) -> tuple[dict[str, list[str]], tuple[str, ...] | None]:
    """Return ``{factor column: levels in order of first appearance}`` of one table, and the columns measured.

    An optional measurement column that is absent or empty counts as not measured.
    """
    from helpers.data.validate import read_cells

    spec = get_spec(table)
    frame = read_cells(source, table, spec).frame  # the table's text cells, before any check
    if frame is None:
        return {}, None
    found = {}
    for column in spec.factor_columns:
        if column in frame.columns:
            values = [str(v).strip() for v in frame[column].tolist()]
            found[column] = list(dict.fromkeys(v for v in values if v))
    made = [c for c in spec.column_names if c in frame.columns
            and (c not in spec.optional_columns or frame[c].astype(str).str.strip().ne("").any())]
    return found, tuple(c for c in spec.column_names if c in made or c not in spec.optional_columns)


def draft_study(source: str | Path) -> tuple[Study, tuple[str, ...]]:
    """Return the drafted study of *source* and the factors whose reference or order was guessed."""
    source = open_source(source)
    tables = source.tables
    if not tables:
        raise StudyError(f"{source.path}: no table of the book found to describe.")
    read = {t: _levels_found(source, t) for t in tables}
    per_table = {t: found for t, (found, _) in read.items()}
    union: dict[str, list[str]] = {}
    for table, columns in per_table.items():
        for column, levels in columns.items():
            factor = get_spec(table).factor_columns[column]
            union.setdefault(factor, [])
            union[factor] += [v for v in levels if v not in union[factor]]
    factors, guessed = {}, []
    for name, levels in union.items():
        if not levels:
            continue
        reference = next((c for c in CONVENTIONAL_REFERENCES if c in levels), None)
        if reference is None and name in COMPARED_FACTORS:
            reference = levels[0]  # no conventional control among the levels: the first, to confirm
        if reference is not None:
            levels = [reference] + [v for v in levels if v != reference]
            guessed.append(name)
        affected = None
        if name in ("tissue", "region"):
            affected = tuple(v for v in levels if not any(h in v.lower() for h in LESS_AFFECTED_HINTS))
            guessed.append(name)
        factors[name] = Factor(name, tuple(levels), reference, name == "stage", {}, affected or None)
        if name == "stage":
            guessed.append(name)
    folder = _folder(source)
    resources = {}
    for table, columns in per_table.items():
        resources[table] = Resource(table, source.file(table), {c: tuple(v) for c, v in columns.items() if v}, {},
                                    read[table][1])
    study = Study(folder.name, f"{folder.name}: study description (draft)", folder / DESCRIPTOR_NAMES[0],
                  factors, resources)
    return study, tuple(dict.fromkeys(guessed))


def _folder(source: DataSource) -> Path:
    """Return the folder a source's descriptor belongs in: the workbook's, or the source's own."""
    return source.path.parent if source.kind == "workbook" else source.path


def draft_text(source: str | Path) -> str:
    """Return the draft descriptor of *source* as YAML text, checked to read back as a study."""
    study, guessed = draft_study(source)
    mapping = descriptor_mapping(study, description="Drafted by `make describe` from the tables; confirm "
                                 "every line marked 'guessed' before building.")
    parse_study(mapping, study.descriptor)  # the draft must be a usable description as written
    head = ("# Study description drafted by `make describe` from the tables found.\n"
            "# Check the levels, confirm each line marked 'guessed', declare the order of ordered factors\n"
            "# (stages), the tissues the disease strikes ('affected') and any combined genotype under\n"
            "# mam_tbk1_design.combined, e.g.  SOD1_G93A_Tbk1_het: {SOD1: SOD1_G93A, Tbk1: Tbk1_het}.\n")
    return head + dump_descriptor(mapping, confirm=guessed)


def main(argv: list[str] | None = None) -> int:
    """Command line: write DIR/datapackage.yaml (or --out), never over an existing file."""
    parser = argparse.ArgumentParser(prog="python -m helpers describe", description=__doc__.splitlines()[0])
    parser.add_argument("source", help="folder of tables, or an .xlsx workbook")
    parser.add_argument("--out", default=None, help="where to write (default: datapackage.yaml beside the tables; "
                        "'-' prints it)")
    args = parser.parse_args(argv)
    source = Path(args.source)
    try:
        text = draft_text(source)
    except StudyError as err:
        print(str(err), file=sys.stderr)
        return 1
    if args.out == "-":
        print(text, end="")
        return 0
    folder = _folder(open_source(source))
    out = Path(args.out) if args.out else folder / DESCRIPTOR_NAMES[0]
    if out.exists():
        print(f"{out} exists; nothing written (remove it, or give --out another file, or --out - to print)",
              file=sys.stderr)
        return 1
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: confirm every line marked 'guessed', then `make validate DATA={args.source}`")
    return 0
