"""Columnar readers of data tables: CSV through pyarrow, and Parquet.

Both return what :func:`helpers.data.validate.read_text_table` returns — a
frame of stripped *text* cells indexed by the row number in the file (header =
row 1), the problems and the corrections — so one set of checks, with the same
messages, serves every file format. The cells are kept as Arrow strings
(``pd.ArrowDtype``), which holds a 10⁷-row table in about the size of the file.

* :func:`read_csv_cells` is the fast path for well-formed CSV: one record per
  line. It answers ``None`` whenever the file needs the careful line-by-line
  reader of :mod:`helpers.data.validate` (another encoding, a quoted line
  break, an empty line, a row with the wrong number of cells, a broken
  header...), which then names the exact problem. So a clean or a
  value-broken file of any size is read in seconds, and a structurally odd
  one still gets its precise message.
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

from helpers.data.problems import Correction, Problem

#: Problems (or corrections) shown per column and kind; the rest are counted.
MAX_SHOWN = 20

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


def text_frame(table: pa.Table, names: list[str], first_row: int = 2) -> pd.DataFrame:
    """Return *table* as a frame of Arrow-string columns named *names*, indexed by file row."""
    columns = {name: pd.Series(pd.arrays.ArrowExtensionArray(col), copy=False)
               for name, col in zip(names, table.columns, strict=True)}
    frame = pd.DataFrame(columns, copy=False)
    frame.index = pd.RangeIndex(first_row, first_row + table.num_rows, name="file_row")
    return frame


def _offsets(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Return (value offsets, data bytes) of a string array, as numpy views of its buffers."""
    _, offsets, data = column.buffers()
    starts = np.frombuffer(offsets, dtype=np.int32)[column.offset:column.offset + len(column) + 1]
    return starts, (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8))


def _maybe_padded(column: pa.Array) -> np.ndarray:
    """Return the rows whose first or last byte may be whitespace (an ASCII space or control, or non-ASCII).

    A look at two bytes per value through the buffers: the full Unicode trim
    then runs on these rows only, which in a clean file are none.
    """
    offsets, data = _offsets(column)
    start, end = offsets[:-1], offsets[1:]
    nonempty = end > start
    first, last = data[start[nonempty]], data[end[nonempty] - 1]
    out = np.zeros(len(column), dtype=bool)
    out[nonempty] = (first <= 32) | (first >= 128) | (last <= 32) | (last >= 128)
    return out


def _single(column) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column


def _strip(table: pa.Table, names: list[str], name: str, first_row: int) -> tuple[pa.Table, list]:
    """Trim spaces around every value (vectorised); note a bounded number of corrections per column."""
    corrections = []
    columns = []
    for col_name, column in zip(names, table.columns, strict=True):
        column = _single(column).cast(pa.string())
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
        offsets, _ = _offsets(_single(column))
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


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table to Parquet (no index), e.g. to make a Parquet copy of a data folder."""
    import pyarrow.parquet as pq

    path = Path(path)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path
