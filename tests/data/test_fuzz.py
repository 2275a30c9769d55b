"""Fuzzing the validator: damaged copies of every table, in CSV, Parquet and workbook form.

Each case takes the example tables (their first rows, so a case runs in well
under a second), damages them in one way, writes them as a folder of CSV or
Parquet files or as one ``.xlsx`` workbook, and runs the validator
(:func:`helpers.data.validate.validate_report`, as ``python -m helpers validate``
does). The property every case must keep:

* no traceback and no warning leaking out of the validator, no hang (each case
  within :data:`CASE_SECONDS`), and the input files byte-for-byte unchanged;
* damage that makes a table wrong (an unreadable cell, a duplicated key, a unit
  whose genotype changes between rows or tables, a broken file) is refused,
  and refused *where it is*: a problem names the file (or workbook and sheet),
  the row (or cell) and the column the case damaged;
* damage that is harmless (``10`` written ``10.0`` in a number column, spaces
  around a value, a donor's age ``77`` on one row and ``77.0`` on another) is
  accepted, and then the numbers the book reads are the values checked: every
  numeric cell loaded equals the number written in the file.

Families of damage: bytes (a NUL, a byte that is not UTF-8, a cut or flipped
byte), structure (an unbalanced quote, a cell too many or too few, header
names), cells (empty, text, units, decimal commas, Excel error values, huge and
out-of-range numbers, 32,767-letter cells), rows (duplicated keys written
differently, a unit attribute changed on one row), files (a folder, a symlink
loop or a wrong-case name in place of a table, an empty file, a workbook that is
not a zip, Parquet columns of bytes that are not UTF-8, of lists and of
structs) and cross-table (a mouse id reused in two tables with another genotype
or sex). A file nobody may read is tested as a non-root user (a subprocess
that drops its privileges; the CI runs as root).

``make test`` runs :data:`QUICK_EXAMPLES` cases (Hypothesis, derandomized, so
every run checks the same ones); ``make fuzz`` runs 1,000 with fresh random
draws (``FUZZ_EXAMPLES`` and ``FUZZ_RANDOM=1``). Run this file as a script
(``python tests/data/test_fuzz.py 600``) to tally the faults of a seeded run.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

#: Rows kept of each example table (enough for every unit to appear on several rows).
ROWS_KEPT = 40
#: Seconds a case may take before it counts as a hang.
CASE_SECONDS = 10.0
#: Seconds after which a case is stopped (a hang).
HANG_SECONDS = 30
#: Cases run by ``make test``.
QUICK_EXAMPLES = 120

FORMS = ("csv", "parquet", "xlsx")
TABLES = ("human_blot", "mouse_blot", "pla_cells", "mam_fraction", "arsenite_motor", "arsenite_cells",
          "disease_course")
MOUSE_TABLES = ("mouse_blot", "pla_cells", "arsenite_motor", "disease_course")

BAD_NUMBERS = ("", "NaN", "nan", "inf", "-inf", "12 mg", "1,5", "1.234,5", "\u22123", "#REF!", "#DIV/0!", "#N/A",
               "abc", "1e309", "0x10", "\u0663", "1_000", "12.5.3", "--4", "one", "TRUE", "1e", ".",
               "\ufeff12", "1 000", "1\u00a0000")
BAD_INTEGERS = ("1.7976931348623157e308", "2.5", "9007199254740993", "-1e300", "99999999999999999999999", "1e20")
BAD_TEXT = ("", "#REF!", "#DIV/0!", "#VALUE!", "#N/A", "a\x00b", "x\x1by")
HARMLESS_PADDING = (" ", "  ", "\t", "\u00a0")


@dataclass
class Case:
    """One damaged source and what the validator must answer."""

    family: str
    kind: str
    form: str
    tables: dict[str, list[list[str]]]  # table -> [header, *rows] of text cells
    expect: str = "any"  # "refuse", "accept" or "any" (only: no crash, no hang, files unchanged)
    where: tuple[str, int | None, str | None] | None = None  # (table, row, column) a problem must name
    file_action: object = None  # callable(source folder or workbook) applied after writing
    raw_action: object = None  # callable(bytes) -> bytes applied to the damaged table's file
    raw_table: str | None = None
    describe: str = ""
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the example tables


def _base_tables() -> dict[str, list[list[str]]]:
    data_source = Path(__file__).resolve().parents[2] / "data"  # the shipped example tables
    out = {}
    for name in TABLES:
        with open(data_source / f"{name}.csv", newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        out[name] = [rows[0]] + rows[1 : ROWS_KEPT + 1]
    return out


_BASE: dict[str, list[list[str]]] | None = None


def base_tables() -> dict[str, list[list[str]]]:
    global _BASE
    if _BASE is None:
        _BASE = _base_tables()
    return {k: [list(r) for r in v] for k, v in _BASE.items()}


def _spec(name):
    """The table's spec with the example study's levels (the levels the fuzzed example tables use)."""
    from helpers.core.paths import DATA_DIR
    from helpers.data.study import study_of

    return study_of(DATA_DIR).spec(name)


def _kind(name: str, column: str) -> str:
    spec = _spec(name)
    return spec.column(column).kind if column in spec.column_names else "str"


# --------------------------------------------------------------------------- writing a source


def _as_number(text: str):
    """The number a spreadsheet would store for *text* written canonically, else None (stays text)."""
    try:
        value = float(text)
    except ValueError:
        return None
    if text.strip() != text or text.lower() in ("nan", "inf", "-inf", "infinity") or "_" in text \
            or not text.isascii():  # Python reads '\u0663' (Arabic-Indic three) as 3; a spreadsheet keeps it text
        return None
    if text.lstrip("-").isdigit() and abs(int(text)) < 2**53:
        return int(text)
    return value if repr(value) == text or f"{value:g}" == text else None


def write_csv(rows: list[list[str]], path: Path) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8", errors="surrogateescape"))


def write_parquet(rows: list[list[str]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    header, body = rows[0], rows[1:]
    columns = []
    for j, _ in enumerate(header):
        cells = [r[j] if j < len(r) else "" for r in body]
        numbers = [_as_number(c) for c in cells]
        if all(isinstance(n, int) for n in numbers):
            columns.append(pa.array(numbers, type=pa.int64()))
        elif all(n is not None for n in numbers):
            columns.append(pa.array([float(n) for n in numbers], type=pa.float64()))
        else:
            columns.append(pa.array(cells, type=pa.string()))
    names = [h if h else f"column_{j}" for j, h in enumerate(header)]
    pq.write_table(pa.table(columns, names=names), path)


def write_workbook(tables: dict[str, list[list[str]]], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, text in enumerate(row, start=1):
                number = _as_number(text) if r > 1 else None
                value = number if number is not None else (text if text != "" else None)
                if isinstance(value, str):
                    value = "".join(ch for ch in value if ch >= " " or ch == "\t")  # XML refuses control characters
                sheet.cell(row=r, column=c, value=value)
    book.save(path)


def write_case(case: Case, folder: Path) -> Path:
    """Write the case's tables; return the source (folder or workbook) to validate."""
    folder.mkdir(parents=True, exist_ok=True)
    if case.form == "xlsx":
        source = folder / "lab.xlsx"
        write_workbook(case.tables, source)
        if case.raw_action is not None:
            source.write_bytes(case.raw_action(source.read_bytes()))
    else:
        source = folder / "data"
        source.mkdir()
        for name, rows in case.tables.items():
            path = source / f"{name}.{case.form}"
            (write_csv if case.form == "csv" else write_parquet)(rows, path)
            if case.raw_action is not None and name == case.raw_table:
                path.write_bytes(case.raw_action(path.read_bytes()))
    if case.file_action is not None:
        case.file_action(source)
    return source


# --------------------------------------------------------------------------- the damage


def _data_row(rng: random.Random, rows) -> int:
    return rng.randrange(1, len(rows))


def _unit_attribute(name: str):
    """(unit column, attribute column) pairs of a table whose attribute must be constant per unit."""
    spec = _spec(name)
    return [(u, a) for u, cols in spec.constant_within.items() for a in cols]


def make_case(rng: random.Random, family: str, form: str) -> Case:
    """Draw one damaged source of *family* in *form* from *rng*."""
    tables = base_tables()
    name = rng.choice(TABLES)
    rows = tables[name]
    header = rows[0]
    case = Case(family, "", form, {name: rows})
    if family == "cells":
        r = _data_row(rng, rows)
        c = rng.randrange(len(header))
        column, kind = header[c], _kind(name, header[c])
        allowed = _spec(name).column(column).allowed
        choice = rng.random()
        if choice < 0.15 and kind in ("int", "float"):
            text = rows[r][c]
            variant = {"int": [text + ".0", "+" + text, text + "e0"], "float": [text + "0", "+" + text]}[kind]
            if "." not in text and kind == "float":
                variant.append(text + ".0")
            rows[r][c] = rng.choice(variant)
            case.kind, case.expect = "number written another way", "accept" if form != "xlsx" else "any"
        elif choice < 0.25:
            rows[r][c] = rng.choice(HARMLESS_PADDING) + rows[r][c] + rng.choice(HARMLESS_PADDING)
            case.kind, case.expect = "spaces around a value", "accept"
        elif choice < 0.35 and any(_kind(name, h) == "int" for h in header):
            c = rng.choice([j for j, h in enumerate(header) if _kind(name, h) == "int"])
            rows[r][c] = rng.choice(BAD_INTEGERS)
            case.kind, case.expect = "integer out of range", "refuse"
            case.where = (name, r + 1, header[c])
        elif choice < 0.45 and kind in ("int", "float"):
            for r2 in rng.sample(range(1, len(rows)), min(20, len(rows) - 1)):
                # a digit, letters, a sign: the shape that made the unit hint's regular expression quadratic
                rows[r2][c] = "1" + "".join(rng.choice("abcdefghij") for _ in range(5)) * 6553 + "!"
            case.kind, case.expect, case.where = "20 cells of 32,767 characters", "refuse", (name, None, column)
        else:
            if kind == "int":
                bad = rng.choice(BAD_NUMBERS + BAD_INTEGERS * 2)
            elif kind == "float":
                bad = rng.choice(BAD_NUMBERS)
            elif allowed is not None:
                bad = rng.choice(BAD_TEXT + (allowed[0].lower() + "x", allowed[0] + "\x00", "z" * 40000))
            else:
                bad = rng.choice(BAD_TEXT)
            rows[r][c] = bad
            case.kind, case.expect, case.where = f"bad {kind} cell {bad[:24]!r}", "refuse", (name, r + 1, column)
            if form == "xlsx" and bad != bad.strip():
                case.expect, case.where = "any", None
            if form == "xlsx" and any(ch < " " for ch in bad):  # a workbook cannot hold control characters
                case.expect, case.where = "any", None
    elif family == "rows":
        choice = rng.random()
        spec = _spec(name)
        r = _data_row(rng, rows)
        if choice < 0.35:
            dup = list(rows[r])
            numeric_keys = [k for k in spec.key if _kind(name, k) in ("int", "float")]
            if numeric_keys and rng.random() < 0.7:
                k = header.index(rng.choice(numeric_keys))
                dup[k] = dup[k] + (".0" if "." not in dup[k] else "0")
                case.kind = "key duplicated, a number written another way"
            else:
                k = header.index(spec.key[-1])
                case.kind = "key duplicated"
            rows.insert(r + 1, dup)
            case.expect = "refuse"
            if form == "xlsx" and case.kind.startswith("key duplicated,"):
                case.expect = "refuse"
            case.where = (name, r + 2, None)
        elif choice < 0.65 and _unit_attribute(name):
            unit, attr = rng.choice(_unit_attribute(name))
            u, a = header.index(unit), header.index(attr)
            unit_value = rows[r][u]
            same = [i for i in range(1, len(rows)) if rows[i][u] == unit_value and i != r]
            col = spec.column(attr)
            if not same:
                case.kind = "single-row unit"
            elif col.kind in ("int", "float"):
                if rng.random() < 0.5:
                    rows[same[-1]][a] = rows[same[-1]][a] + (".0" if "." not in rows[same[-1]][a] else "0")
                    case.kind, case.expect = f"{attr} of a {unit} written another way on one row", "accept"
                else:
                    old = float(rows[same[-1]][a])
                    rows[same[-1]][a] = str(int(old) + 1) if col.kind == "int" else repr(old + 0.5)
                    case.kind, case.expect = f"{attr} of a {unit} changed on one row", "refuse"
                    case.where = (name, None, attr)  # this row, or the unit's other one when they tie
            else:
                others = [v for v in (col.allowed or ()) if v != rows[same[-1]][a]] or [rows[same[-1]][a] + "_x"]
                rows[same[-1]][a] = rng.choice(others)
                case.kind, case.expect = f"{attr} of a {unit} changed on one row", "refuse"
                case.where = (name, None, attr)  # this row, or the unit's other one when they tie
        else:
            del rows[r]
            case.kind = "row deleted"
    elif family == "structure":
        choice = rng.random()
        r = _data_row(rng, rows)
        if choice < 0.3 and form == "csv":
            c = rng.randrange(len(header))
            rows[r][c] = '"' + rows[r][c]
            case.kind, case.expect = "unbalanced quote", "refuse"
            case.where = (name, r + 1, None)
            case.raw_table = name
            # csv.writer would quote (and so balance) the quote: write the opening quote raw
            marker = "\x01QUOTE\x01"
            rows[r][c] = marker + rows[r][c][1:]
            case.raw_action = lambda raw, m=marker: raw.replace(m.encode(), b'"')
        elif choice < 0.5 and form == "csv":
            if rng.random() < 0.5:
                rows[r].append("extra")
            else:
                rows[r].pop()
            case.kind, case.expect, case.where = "a cell too many or too few", "refuse", (name, r + 1, None)
        elif choice < 0.65:
            c = rng.randrange(len(header))
            header[c] = header[c].upper() if rng.random() < 0.5 else header[(c + 1) % len(header)]
            case.kind, case.expect, case.where = "header name changed", "refuse", (name, 1, None)
        elif choice < 0.8:
            c = rng.randrange(len(header))
            for row in rows:
                del row[c]
            case.kind, case.expect, case.where = "a column dropped", "refuse", (name, 1, None)
        elif form == "csv":
            text = io.StringIO()
            csv.writer(text, delimiter=";", lineterminator="\n").writerows(rows)
            case.raw_table = name
            case.raw_action = functools.partial(_replace_all, text.getvalue().encode())
            case.kind, case.expect = "semicolon-separated", "refuse"
        else:
            for row in rows[1:]:
                row.reverse()
            case.kind = "cells of every row reversed"
            case.expect = "refuse"
    elif family == "bytes":
        case.raw_table = name
        choice = rng.random()
        if form == "csv" and choice < 0.3:
            r = _data_row(rng, rows)
            case.raw_action = functools.partial(_insert_in_line, row=r, where=rng.random(), what=b"\x00")
            case.kind, case.expect, case.where = "NUL byte in a row", "refuse", (name, r + 1, None)
        elif form == "csv" and choice < 0.5:
            r = _data_row(rng, rows)
            case.raw_action = functools.partial(_insert_in_line, row=r, where=rng.random(), what=b"\xff")
            case.kind, case.expect, case.where = "byte that is not UTF-8 in a row", "refuse", (name, r + 1, None)
        elif choice < 0.7:
            case.raw_action = functools.partial(_cut, where=rng.random())
            case.kind = "file cut short"
        elif form == "xlsx" and choice < 0.8:
            case.raw_action = lambda raw: b"donor_id,group\nD1,sALS\n"
            case.kind, case.expect = "workbook that is not a zip file", "refuse"
        else:
            case.raw_action = functools.partial(_flip, seed=rng.random())
            case.kind = "bytes flipped"
    elif family == "files":
        choice = rng.random()
        if form == "xlsx":
            if choice < 0.5:
                case.file_action = lambda source: source.write_bytes(b"")
                case.kind, case.expect = "empty workbook file", "refuse"
            else:
                case.file_action = lambda source: (source.unlink(), source.mkdir())
                case.kind, case.expect = "a folder named like the workbook", "refuse"
        elif form == "parquet" and choice < 0.45:
            case.kind, case.expect = rng.choice(("parquet bytes not UTF-8", "parquet list column",
                                                 "parquet struct column")), "refuse"
            column = rng.choice(header)
            case.where = (name, None, column)
            case.file_action = lambda source, n=name, col=column, k=case.kind: _odd_parquet(source / f"{n}.parquet",
                                                                                          col, k)
        else:
            what = rng.choice(("folder", "symlink loop", "wrong case", "empty file", "dangling symlink"))
            case.kind, case.expect = f"{what} in place of a table", "refuse"
            healthy = "arsenite_cells" if name != "arsenite_cells" else "human_blot"
            case.tables[healthy] = tables[healthy]  # the source is valid otherwise: the table must not just vanish
            case.where = (name, None, None)
            case.file_action = lambda source, n=name, w=what, f=form: _replace_file(source, n, f, w)
    elif family == "cross":
        a, b = rng.sample(MOUSE_TABLES, 2)
        tables = base_tables()
        rows_a, rows_b = tables[a], tables[b]
        case.tables = {a: rows_a, b: rows_b}
        ha, hb = rows_a[0], rows_b[0]
        shared = [c for c in ("genotype", "sex") if c in ha and c in hb]
        attr = rng.choice(shared)
        mouse = rows_a[1][ha.index("mouse_id")]
        theirs = rows_a[1][ha.index(attr)]
        target = rows_b[1][hb.index("mouse_id")]
        allowed = _spec(b).column(attr).allowed
        other = [v for v in allowed if v != theirs]
        new = rng.choice(other)
        first = None
        for i, row in enumerate(rows_b[1:], start=1):
            if row[hb.index("mouse_id")] == target:
                row[hb.index("mouse_id")] = mouse
                row[hb.index(attr)] = new
                first = first or i
        case.kind, case.expect = f"mouse reused in {a} and {b} with another {attr}", "refuse"
        case.where = (b if TABLES.index(b) > TABLES.index(a) else a, None, attr)
    return case


def _replace_all(text: bytes, raw: bytes) -> bytes:
    return text


def _cut(raw: bytes, where: float) -> bytes:
    return raw[: int(len(raw) * where)]


def _insert_in_line(raw: bytes, row: int, where: float, what: bytes) -> bytes:
    lines = raw.split(b"\n")
    line = lines[row]
    k = int(len(line) * where)
    lines[row] = line[:k] + what + line[k:]
    return b"\n".join(lines)


def _flip(raw: bytes, seed: float) -> bytes:
    rng = random.Random(seed)
    data = bytearray(raw)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(data))
        data[i] = rng.randrange(256)
    return bytes(data)


def _replace_file(source: Path, name: str, form: str, what: str) -> None:
    path = source / f"{name}.{form}"
    if what == "folder":
        path.unlink()
        path.mkdir()
    elif what == "symlink loop":
        path.unlink()
        path.symlink_to(path.name)
    elif what == "dangling symlink":
        path.unlink()
        path.symlink_to("nowhere." + form)
    elif what == "wrong case":
        path.rename(source / f"{'_'.join(w.capitalize() for w in name.split('_'))}.{form.upper()}")
    elif what == "empty file":
        path.write_bytes(b"")


def _odd_parquet(path: Path, column: str, kind: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    n = table.num_rows
    i = table.column_names.index(column)
    if kind == "parquet bytes not UTF-8":
        values = [str(v).encode() for v in table.column(i).to_pylist()]
        values[n // 2] = b"\xff\xfe" + values[n // 2]
        new = pa.array(values, type=pa.binary())
    elif kind == "parquet list column":
        new = pa.array([[1.0, 2.0]] * n, type=pa.list_(pa.float64()))
    else:
        new = pa.array([{"a": 1, "b": "x"}] * n)
    pq.write_table(table.set_column(i, column, new), path)


# --------------------------------------------------------------------------- the property


class _Hang(BaseException):
    """Raised by the alarm when a case runs past :data:`HANG_SECONDS` (not an Exception: never swallowed)."""


def _digests(source: Path) -> dict[str, str]:
    out = {}
    paths = [source] if source.is_file() else (sorted(source.rglob("*")) if source.is_dir() else [])
    for p in paths:
        if p.is_file() and not p.is_symlink():
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _checked_values(case: Case, source: Path) -> list[str]:
    """For an accepted CSV case: every numeric cell loaded must equal the number written in the file."""
    from helpers.data.validate import load_table

    faults = []
    for name in case.tables:
        path = source / f"{name}.csv"
        table = load_table(name, source)
        with open(path, newline="", encoding="utf-8-sig") as handle:
            written = [r for r in csv.reader(handle) if any(c.strip() for c in r)]
        header = [h.strip() for h in written[0]]
        for col in _spec(name).columns:
            if col.kind not in ("int", "float"):
                continue
            j = header.index(col.name)
            for i, row in enumerate(written[1:]):
                try:
                    expected = Decimal(row[j].strip())
                except InvalidOperation:
                    faults.append(f"{name} row {i + 2} {col.name}: {row[j]!r} accepted as a number")
                    continue
                got = table[col.name].iloc[i]
                if Decimal(repr(float(got))) != Decimal(repr(float(expected))) or (
                        col.kind == "int" and Decimal(int(got)) != expected):
                    faults.append(f"{name} row {i + 2} {col.name}: file has {row[j]!r}, loaded {got!r}")
    return faults


def _names_place(problem, source: Path, case: Case) -> bool:
    table, row, column = case.where
    text = str(problem)
    if str(source) not in text and source.name not in text:
        return False
    if row is not None and getattr(problem, "row", None) != row:
        return False
    if column is not None and getattr(problem, "column", None) != column:
        return False
    return table in text or table.replace("_", "") in text.lower().replace("_", "")


def run_case(case: Case, folder: Path) -> list[str]:
    """Validate the case's source; return the faults found (empty: the property holds)."""
    from helpers.data.tables import get_specs
    from helpers.data.validate import validate_report

    get_specs()  # the table modules' imports (statsmodels, ...) are not the validator's time
    source = write_case(case, folder)
    before = _digests(source)
    start = time.perf_counter()
    faults = []
    def stop(signum, frame):
        raise _Hang(f"hang: stopped after {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(HANG_SECONDS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            report = validate_report(source)
    except _Hang as err:
        return [str(err)]
    except Exception as err:  # noqa: BLE001 - the fault being looked for
        return [f"traceback {type(err).__name__}: {str(err)[:300]}"]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - start
    if seconds > CASE_SECONDS:
        faults.append(f"slow: {seconds:.1f} s")
    if _digests(source) != before:
        faults.append("an input file changed")
    text = report.text()
    if len(text) > 200_000:
        faults.append(f"report of {len(text):,} characters")
    if "Traceback" in text:
        faults.append("traceback in the report")
    if case.expect == "refuse" and report.ok:
        faults.append("silent acceptance: " + text.splitlines()[0][:200])
    if case.expect == "accept" and not report.ok:
        faults.append("refused harmless input: " + "; ".join(str(p) for p in report.problems[:2])[:400])
    if not report.ok and case.where is not None and case.expect == "refuse":
        if not any(_names_place(p, source, case) for p in report.problems):
            faults.append(f"points nowhere (expected {case.where}): "
                          + "; ".join(str(p) for p in report.problems[:2])[:400])
    for p in report.problems:
        if not str(p).startswith(str(source)):
            faults.append(f"a problem that does not name the file: {p}")
            break
    if report.ok and case.form == "csv" and case.file_action is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                faults += _checked_values(case, source)
        except Exception as err:  # noqa: BLE001
            faults.append(f"traceback after acceptance {type(err).__name__}: {str(err)[:300]}")
    return faults


FAMILIES = ("bytes", "structure", "cells", "rows", "files", "cross")


# --------------------------------------------------------------------------- tests

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is pinned in requirements.txt
    raise

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", QUICK_EXAMPLES))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
          suppress_health_check=list(HealthCheck), print_blob=True)
@given(family=st.sampled_from(FAMILIES), form=st.sampled_from(FORMS), seed=st.integers(0, 2**32 - 1))
def test_damaged_tables_are_refused_where_they_are_or_accepted_as_written(family, form, seed):
    case = make_case(random.Random(seed), family, form)
    with tempfile.TemporaryDirectory() as tmp:
        faults = run_case(case, Path(tmp))
    assert not faults, f"{family}/{case.kind} ({form}, seed {seed}): " + " | ".join(faults)


def test_unreadable_tables_and_folders_are_named_as_a_non_root_user(tmp_path):
    """A table or folder the validator may not read gets its own sentence (run as 'nobody', not as root)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create a case another user cannot read")  # never in CI, which runs as root
    import pwd

    nobody = pwd.getpwnam("nobody")
    root = Path(tempfile.mkdtemp(prefix="fuzz-unreadable-"))
    try:
        root.chmod(0o755)
        tables = base_tables()
        folder = root / "data"
        folder.mkdir()
        write_csv(tables["human_blot"], folder / "human_blot.csv")
        write_parquet(tables["mouse_blot"], folder / "mouse_blot.parquet")
        write_csv(tables["arsenite_cells"], folder / "arsenite_cells.csv")
        folder.chmod(0o755)
        for p in folder.iterdir():
            p.chmod(0o644)
        (folder / "human_blot.csv").chmod(0o000)
        (folder / "mouse_blot.parquet").chmod(0o000)
        locked = root / "locked"
        locked.mkdir()
        write_csv(tables["human_blot"], locked / "human_blot.csv")
        locked.chmod(0o000)
        book = root / "lab.xlsx"
        write_workbook({"human_blot": tables["human_blot"]}, book)
        book.chmod(0o000)

        from helpers.data.validate import main, validate_report

        validate_report(Path(__file__).resolve().parents[2] / "data")  # import every lazy module while root
        write_workbook({"human_blot": tables["human_blot"]}, root / "warm.xlsx")
        validate_report(root / "warm.xlsx")
        from helpers.data.study import example_study

        example_study()  # read while root: a clone in a private folder is not readable to 'nobody'

        def run(source: Path) -> subprocess.CompletedProcess:
            """Validate *source* in a forked child that has become 'nobody' (the interpreter under /root stays
            loaded, so the test does not depend on where Python is installed)."""
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: drop root for good, validate, send back exit code and messages
                code = 3
                try:
                    os.close(read)
                    os.setgroups([])
                    os.setgid(nobody.pw_gid)
                    os.setuid(nobody.pw_uid)
                    err = io.StringIO()
                    sys.stdout, sys.stderr = io.StringIO(), err
                    try:
                        code = main([str(source)])
                    except BaseException:  # noqa: BLE001 - a traceback is what the test looks for
                        import traceback

                        err.write("Traceback\n" + traceback.format_exc())
                        code = 4
                    os.write(write, (f"{os.geteuid()}\n" + err.getvalue()).encode())
                finally:
                    os._exit(code)
            os.close(write)
            chunks = []
            while chunk := os.read(read, 1 << 16):
                chunks.append(chunk)
            os.close(read)
            _, status = os.waitpid(pid, 0)
            uid, _, stderr = b"".join(chunks).decode().partition("\n")
            assert uid == str(nobody.pw_uid), "the child did not drop root"
            return subprocess.CompletedProcess([], os.waitstatus_to_exitcode(status), "", stderr)

        out = run(folder)
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        assert f"{folder / 'human_blot.csv'}: expected a file the validator may read" in out.stderr, out.stderr
        assert f"{folder / 'mouse_blot.parquet'}: expected a file the validator may read" in out.stderr, out.stderr
        assert "arsenite_cells" not in out.stderr.split("note:")[0] or "problem" in out.stderr
        out = run(locked)
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        assert f"{locked}: expected a folder the validator may read" in out.stderr, out.stderr
        out = run(book)
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        assert f"{book}: expected a workbook the validator may read" in out.stderr, out.stderr
    finally:
        for p in [root, *root.rglob("*")] if root.exists() else []:
            try:
                p.chmod(0o755)
            except OSError:
                pass
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------- tally (a script)


def tally(count: int, seed: int = 0) -> dict[str, list[str]]:
    """Run *count* seeded cases; return {fault class: [examples]} (the before/after record of the issue)."""
    found: dict[str, list[str]] = {}
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            family, form = FAMILIES[i % len(FAMILIES)], FORMS[(i // len(FAMILIES)) % len(FORMS)]
            case_seed = rng.randrange(2**32)
            case = make_case(random.Random(case_seed), family, form)
            for fault in run_case(case, Path(tmp) / str(i)):
                key = f"{family}/{case.kind} [{form}] {fault.split(':')[0]}"
                found.setdefault(key, []).append(f"seed {case_seed}: {fault}")
            shutil.rmtree(Path(tmp) / str(i), ignore_errors=True)
    return found


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    start = time.perf_counter()
    result = tally(n)
    for key, examples in sorted(result.items()):
        print(f"{len(examples):4d}  {key}\n        {examples[0][:600]}")
    print(f"{n} cases, {sum(len(v) for v in result.values())} faults in {len(result)} classes, "
          f"{time.perf_counter() - start:.0f} s")
