"""Readers of table files: CSV and Parquet, each giving text cells and a way to name them.

:func:`read_file` reads ``<table>.csv`` or ``<table>.parquet`` and returns
:class:`~helpers.data.cells.Cells`: a frame of stripped *text* cells indexed
by the row number in the file (header = row 1), the problems and corrections
met while reading, and the locator that names a cell (file, row, column). The
sheets of a workbook have their own reader, :func:`helpers.data.excel.read_sheet`;
one set of checks (:mod:`helpers.data.checks`), with the same messages, then
serves every format. The cells are kept as Arrow strings (``pd.ArrowDtype``),
which holds a 10⁷-row table in about the size of the file.

* :func:`read_csv_cells` is the fast path for well-formed CSV: one record per
  line. It answers ``None`` whenever the file needs the careful line-by-line
  reader below (another encoding, a quoted line break, an empty line, a row
  with the wrong number of cells, a broken header...), which then names the
  exact problem. So a clean or a value-broken file of any size is read in
  seconds, and a structurally odd one still gets its precise message.
* :func:`read_parquet_cells` reads ``<table>.parquet``; numbers are turned
  into their text so that they meet the same checks. A Parquet file has no
  header line, but its rows are numbered as in the CSV copy of the same table
  (first data row = row 2), so both copies give the same messages.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.data.cells import Cells, Locator, single_chunk, string_buffers, text_frame
from helpers.data.problems import MAX_SHOWN, Correction, Problem

__all__ = ["MAX_SHOWN", "read_file", "read_text_table", "read_csv_cells", "read_parquet_cells", "write_parquet"]

_HEAD_BYTES = 1 << 16
#: What a file the validator may not open is expected to be (its own sentence).
UNREADABLE_FILE = ("a file the validator may read (permission denied: make it readable to this user, "
                   "e.g. chmod a+r, or copy it to a folder of your own)")
_BOM = b"\xef\xbb\xbf"


def _count_lines(path: Path) -> tuple[int, bool]:
    """Return (number of line breaks, whether the file ends with one), reading in blocks."""
    count, last = 0, b""
    with path.open("rb") as handle:
        while block := handle.read(1 << 24):
            count += block.count(b"\n")
            last = block[-1:]
    return count, last == b"\n"


def _header(head: bytes) -> list[str] | None:
    """Return the header cells of the first line of *head*, or None if it cannot be read simply."""
    text = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        cells = next(csv.reader(io.StringIO(text.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    return cells


def _maybe_padded(column: pa.Array) -> np.ndarray:
    """Return the rows whose first or last byte may be whitespace (an ASCII space or control, or non-ASCII).

    A look at two bytes per value through the buffers: the full Unicode trim
    then runs on these rows only, which in a clean file are none.
    """
    offsets, data = string_buffers(column)
    start, end = offsets[:-1], offsets[1:]
    nonempty = end > start
    first, last = data[start[nonempty]], data[end[nonempty] - 1]
    out = np.zeros(len(column), dtype=bool)
    out[nonempty] = (first <= 32) | (first >= 128) | (last <= 32) | (last >= 128)
    return out


def _strip(table: pa.Table, names: list[str], name: str, first_row: int) -> tuple[pa.Table, list]:
    """Trim spaces around every value (vectorised); note a bounded number of corrections per column."""
    corrections = []
    columns = []
    for col_name, column in zip(names, table.columns, strict=True):
        column = single_chunk(column).cast(pa.string())
        candidates = np.flatnonzero(_maybe_padded(column))
        changed = np.zeros(0, dtype=np.int64)
        if len(candidates):
            some = column.take(pa.array(candidates))
            differs = pc.not_equal(some, pc.utf8_trim_whitespace(some)).to_numpy(zero_copy_only=False)
            changed = candidates[differs]
        trimmed = pc.utf8_trim_whitespace(column) if len(changed) else column
        for k, i in enumerate(changed[:MAX_SHOWN]):
            more = len(changed) - MAX_SHOWN if k == MAX_SHOWN - 1 and len(changed) > MAX_SHOWN else 0
            action = "spaces around the value removed" + (
                f" (and {more:,} more rows of this column)" if more else "")
            corrections.append(Correction(name, int(i) + first_row, col_name, column[int(i)].as_py(), action))
        columns.append(trimmed)
    return pa.table(columns, names=names), corrections


def _drop_empty_rows(table: pa.Table, name: str, first_row: int) -> tuple[pa.Table, np.ndarray, list]:
    """Drop rows whose cells are all empty (a spreadsheet's empty row); return (table, file rows, notes)."""
    rows = np.arange(first_row, first_row + table.num_rows)
    empty = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        offsets, _ = string_buffers(single_chunk(column))
        empty &= offsets[1:] == offsets[:-1]
    if not empty.any():
        return table, rows, []
    notes = [Correction(name, int(r), None, None, "empty line skipped") for r in rows[empty][:MAX_SHOWN]]
    return table.filter(pa.array(~empty)), rows[~empty], notes


def read_csv_cells(path: str | Path):
    """Read a well-formed CSV file with pyarrow; return (frame, problems, corrections) or None.

    ``None`` means the file is not plain one-record-per-line UTF-8 CSV and must
    be read by the careful reader, which names what is wrong with it.
    """
    import pyarrow.csv as pacsv

    path = Path(path)
    name = str(path)
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    corrections = []
    if head.startswith(_BOM):
        head = head[len(_BOM):]
        corrections.append(Correction(name, 1, None, None, "UTF-8 byte-order mark ignored"))
    if not head.strip() or b"\x00" in head or head.startswith((b"\xff\xfe", b"\xfe\xff", b"PK\x03\x04")):
        return None
    if b"," not in head.split(b"\n", 1)[0]:  # another delimiter, or one column: the careful reader says
        return None
    header = _header(head)
    if not header:
        return None
    names = [h.strip() for h in header]
    if any(not n for n in names) or len(set(names)) != len(names):
        return None
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 25),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, null_values=[]),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    breaks, final = _count_lines(path)
    if breaks + (0 if final else 1) != table.num_rows + 1:  # a record spans lines, or a line was skipped
        return None
    if table.num_rows == 0:
        return None
    table = table.combine_chunks()
    for old, new in zip(header, names, strict=True):
        if old != new:
            corrections.append(Correction(name, 1, new, old, "spaces around the column name removed"))
    table, notes = _strip(table, names, name, 2)
    corrections += notes
    table, rows, notes = _drop_empty_rows(table, name, 2)
    corrections += notes
    if table.num_rows == 0:
        return None
    frame = text_frame(table, names)
    if rows[-1] - rows[0] + 1 != len(rows):  # empty rows dropped: keep the true file rows
        frame.index = pd.Index(rows, name="file_row")
    return frame, [], corrections


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Return *column* as strings: numbers as their shortest text, nulls as empty cells.

    Raises ``pa.ArrowInvalid`` (bytes that are not UTF-8) or
    ``pa.ArrowNotImplementedError`` (a list, struct or map column): see
    :func:`_column_problem`.
    """
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        if pa.types.is_floating(column.type):
            values = column.to_numpy(zero_copy_only=False)
            text = pd.Series(values).map(repr)  # '1061.7', 'nan', 'inf' as Python (and a CSV) writes them
            column = pa.chunked_array([pa.array(text.to_numpy(dtype=object), type=pa.string())])
        elif pa.types.is_nested(column.type):
            raise pa.ArrowNotImplementedError(f"a {column.type} column")
        else:
            column = pc.cast(column, pa.string())
    return pc.fill_null(column.cast(pa.string()), "")


def _column_problem(column: pa.ChunkedArray, col_name: str, name: str):
    """Return the Problem of a Parquet column that cannot be read as text cells."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_nested(kind):
        what = ("lists" if pa.types.is_list(kind) or pa.types.is_large_list(kind)
                or pa.types.is_fixed_size_list(kind) else "structs" if pa.types.is_struct(kind) else str(kind))
        return Problem(name, 1, col_name, str(column.type),
                       f"one number or text per cell (this column holds {what}: write one value per cell)")
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_string(kind) \
            or pa.types.is_large_string(kind):
        values = column.cast(pa.binary()) if pa.types.is_string(kind) or pa.types.is_large_string(kind) else column
        for i, raw in enumerate(values.to_pylist()):
            try:
                (raw or b"").decode("utf-8")
            except UnicodeDecodeError:
                return Problem(name, i + 2, col_name, raw[:60].decode("utf-8", errors="replace"),
                               "UTF-8 text (the cell holds bytes that are not UTF-8: write the column as text "
                               "in UTF-8)")
    return Problem(name, 1, col_name, str(column.type), "a column of numbers or text (this type cannot be read)")


def read_parquet_cells(path: str | Path):
    """Read ``<table>.parquet`` as text cells; return (frame or None, problems, corrections).

    Rows are numbered as in the CSV copy of the table (header = row 1), so a
    problem is reported with the same row in both copies.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    name = str(path)
    if not path.is_file():
        return None, [Problem(name, None, None, None, "the file to exist")], []
    try:
        names = [str(n).strip() for n in pq.read_schema(path).names]
        if len(set(names)) != len(names):  # read_table refuses them with Arrow's words: say it in ours
            dups = sorted({h for h in names if names.count(h) > 1})
            return None, [Problem(name, 1, dups[0], ", ".join(dups), "each column name once in the header")], []
        table = pq.read_table(path)
    except PermissionError:
        return None, [Problem(name, None, None, None, UNREADABLE_FILE)], []
    except (pa.ArrowException, OSError, ValueError) as err:
        return None, [Problem(name, None, None, None, f"a readable Parquet file ({str(err)[:200]})")], []
    names = [str(n).strip() for n in table.column_names]
    if table.num_rows == 0:
        return None, [Problem(name, 2, None, None, "at least one data row (file has only a header)")], []
    if len(set(names)) != len(names):
        dups = sorted({h for h in names if names.count(h) > 1})
        return None, [Problem(name, 1, dups[0], ", ".join(dups), "each column name once in the header")], []
    columns, problems = [], []
    for col_name, column in zip(names, table.columns, strict=True):
        try:
            columns.append(_as_text(column))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            problems.append(_column_problem(column, col_name, name))
    if problems:
        return None, problems, []
    table = pa.table(columns, names=names)
    table, corrections = _strip(table, names, name, 2)
    return text_frame(table.combine_chunks(), names), [], corrections


def _decode(raw: bytes, name: str) -> tuple[str | None, list[Problem], list[Correction]]:
    """Decode file bytes as UTF-8; name the encoding problem when they are not."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(name, None, None, None,
                              "UTF-8 text (this file is UTF-16, as Excel's 'Unicode Text' writes; "
                              "save it as 'CSV UTF-8')")], []
    if raw.startswith(b"PK\x03\x04"):
        return None, [Problem(name, None, None, None,
                              "a CSV text file (this is a zip archive, e.g. an Excel .xlsx workbook; "
                              "save it as 'CSV UTF-8')")], []
    if b"\x00" in raw:
        if raw.count(b"\x00") > len(raw) // 4:  # every other byte: UTF-16 (or a binary file)
            return None, [Problem(name, None, None, None,
                                  "UTF-8 text (the file holds NUL bytes: binary or UTF-16 without a "
                                  "byte-order mark)")], []
        return None, _nul_problems(raw, name), []
    corrections = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        corrections.append(Correction(name, 1, None, None, "UTF-8 byte-order mark ignored"))
    try:
        return raw.decode("utf-8"), [], corrections
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        guess = raw[err.start : err.start + 1].decode("cp1252", errors="replace")
        return None, [Problem(name, line, None, f"byte 0x{raw[err.start]:02x}",
                              f"UTF-8 text (the byte reads as {guess!r} in Latin-1/Windows-1252: "
                              "save the file as 'CSV UTF-8')")], corrections


def _nul_problems(raw: bytes, name: str) -> list[Problem]:
    """Name the rows (and columns) holding a NUL byte; the header's cells name the columns."""
    header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")]), [])
    lines = raw.split(b"\n")
    found = []
    for number, line in enumerate(lines, start=1):
        if b"\x00" not in line:
            continue
        before = line[: line.index(b"\x00")]
        k = before.count(b",")
        column = header[k].strip() if number > 1 and k < len(header) else None
        found.append(Problem(name, number, column, None,
                             "text without NUL bytes (a NUL byte, 0x00, is in this row: the file was damaged "
                             "or saved by a program that writes binary; remove it or export the table again)"))
    return found[:MAX_SHOWN]


def _quote_problem(text: str, start: int, stopped: int, name: str, err: csv.Error) -> Problem:
    """Say where a quote that CSV cannot close was opened: the first line of the record it broke."""
    lines = text.splitlines()
    line = lines[start - 1] if 0 < start <= len(lines) else ""
    header = next(csv.reader([lines[0]]), []) if lines else []
    column = None
    quote = line.find('"')
    if quote >= 0 and start > 1:
        k = line[:quote].count(",")
        column = header[k].strip() if k < len(header) else None
    total = text.count("\n") + (0 if text.endswith("\n") else 1)
    runs = "the end of the file" if stopped >= total else f"row {stopped}"
    detail = str(err)
    return Problem(name, start, column, line[:60] if line else None,
                   f"a closing quote for the quote opened on this row (the quoted value runs on to {runs}: "
                   f"{detail}); remove the stray quote or close it")


def _sniff_delimiter(header: str) -> str | None:
    """Return ';' or a tab when the header line is clearly split by it and not by commas."""
    for delimiter, _label in ((";", "semicolon"), ("\t", "tab")):
        if header.count(delimiter) >= 1 and header.count(",") == 0:
            return delimiter
    return None


def read_file(path: str | Path) -> Cells:
    """Read the table file *path* (``.csv`` or ``.parquet``) as text cells, named by file, row and column.

    The frame's index is the row number in the file (header = 1); it is
    ``None`` when the file cannot be read as a table at all. A ``.parquet``
    file, and well-formed CSV, are read by the columnar readers; any other CSV
    line by line, so that what is wrong with it is named exactly.
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        frame, problems, corrections = read_parquet_cells(path)
    else:
        frame, problems, corrections = _read_csv(path)
    return Cells(frame, problems, corrections, Locator(str(path)))


def read_text_table(path: str | Path) -> tuple[pd.DataFrame | None, list[Problem], list[Correction]]:
    """Return :func:`read_file`'s (frame, problems, corrections) of *path*."""
    cells = read_file(path)
    return cells.frame, cells.problems, cells.corrections


def _read_csv(path: Path) -> tuple[pd.DataFrame | None, list[Problem], list[Correction]]:
    """Read a CSV file: the columnar reader when it is well formed, else line by line, naming what is wrong."""
    name = str(path)
    if not path.is_file():
        return None, [Problem(name, None, None, None, "the file to exist")], []
    try:
        fast = read_csv_cells(path) if path.stat().st_size else None
        if fast is not None:
            return fast
        raw = path.read_bytes()
    except PermissionError:
        return None, [Problem(name, None, None, None, UNREADABLE_FILE)], []
    except OSError as err:
        return None, [Problem(name, None, None, None, f"a file that can be read ({err.strerror or err})")], []
    if not raw.strip():
        return None, [Problem(name, None, None, None, "a header row and at least one data row (file is empty)")], []
    text, problems, corrections = _decode(raw, name)
    if text is None:
        return None, problems, corrections
    first_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = _sniff_delimiter(first_line)
    if delimiter is not None:
        label = "semicolons" if delimiter == ";" else "tabs"
        return None, [Problem(name, 1, None, first_line[:60],
                              f"comma-separated values (the header is split by {label}; save as CSV "
                              "with commas between cells and decimal points in numbers)")], corrections
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        start = 1
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as err:
        return None, [_quote_problem(text, start, reader.line_num, name, err)], corrections
    rows = []
    for line, cells in records:
        if not cells or all(not c.strip() for c in cells):
            corrections.append(Correction(name, line, None, None, "empty line skipped"))
            continue
        rows.append((line, cells))
    if not rows:
        return None, [Problem(name, None, None, None, "a header row and at least one data row (file is empty)")], corrections
    header_line, header = rows[0]
    stripped = [h.strip() for h in header]
    for col, (old, new) in enumerate(zip(header, stripped, strict=True)):
        if old != new:
            corrections.append(Correction(name, header_line, new, old, "spaces around the column name removed"))
        if not new:
            problems.append(Problem(name, header_line, None, old, f"a name for column {col + 1} of the header"))
    if len(set(stripped)) != len(stripped):
        dups = sorted({h for h in stripped if stripped.count(h) > 1})
        problems.append(Problem(name, header_line, dups[0], ", ".join(dups), "each column name once in the header"))
    if problems:
        return None, problems, corrections
    body = []
    index = []
    ends = [line for line, _ in rows[2:]] + [None]
    for (line, cells), following in zip(rows[1:], ends[: len(rows) - 1], strict=False):
        if len(cells) != len(stripped):
            hint = " (a decimal comma, or a comma inside an unquoted text?)" if len(cells) > len(stripped) else ""
            if any("\n" in c or "\r" in c for c in cells):
                last = (following - 1) if following else text.count("\n") + 1
                hint = (f" (a quote opened on this row closes only on row {last}: check the quotes of this row)"
                        if last > line else hint)
            problems.append(Problem(name, line, None, f"{len(cells)} cells",
                                    f"{len(stripped)} cells like the header{hint}"))
            continue
        body.append(cells)
        index.append(line)
    if not body and not problems:
        return None, [Problem(name, header_line + 1, None, None, "at least one data row (file has only a header)")], corrections
    frame = pd.DataFrame(body, columns=stripped, index=pd.Index(index, name="file_row"), dtype=object)
    for col in stripped:
        padded = frame[col] != frame[col].str.strip()
        for idx in frame.index[padded][:MAX_SHOWN]:
            corrections.append(Correction(name, int(idx), col, frame.at[idx, col], "spaces around the value removed"))
        frame[col] = frame[col].str.strip()
    # Rows with a wrong number of cells are reported above; the others are still checked.
    return frame, problems, corrections


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table to Parquet (no index), e.g. to make a Parquet copy of a data folder."""
    import pyarrow.parquet as pq

    path = Path(path)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path
