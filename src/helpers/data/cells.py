"""Text cells: what a reader hands the checks, and how it names a cell.

Every reader (:func:`helpers.data.readers.read_file` for CSV and Parquet,
:func:`helpers.data.excel.read_sheet` for a workbook's sheet) returns
:class:`Cells`: a frame of stripped text cells indexed by their row in the file
(header = row 1, or the sheet's Excel row), what it found and corrected while
reading, and a :class:`Locator` that names a cell in messages. The checks
(:mod:`helpers.data.checks`) take the frame and the locator; nothing else
passes between the two. The cells are Arrow strings where the file is large,
and the helpers below look at them without copying.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.data.problems import Correction, Problem


@dataclass(frozen=True)
class Locator:
    """How a reader names the cells it read: a file and its rows, or a workbook's sheet and its A1 cells.

    The checks (:mod:`helpers.data.checks`) number rows as the text cells' index
    says (the header is row 1) and :meth:`place` turns what they found into the
    reader's own words. A file's locator leaves a problem as it is; a sheet's
    gives it the sheet's header row and the cell in A1 notation, and drops what
    the checks say about a cell whose own explanation the reader already gave
    (a date, an Excel error, a formula without a saved result).

    >>> sheet = Locator("lab.xlsx, sheet human_blot", columns={"ptbk1": 9}, header_row=3)
    >>> str(sheet.place([Problem(sheet.label, 14, "ptbk1", "x", "a number")])[0])
    "lab.xlsx, sheet human_blot, cell I14 (column 'ptbk1'): found 'x'; expected a number"
    """

    label: str
    #: A sheet's columns (name -> 1-based index); empty for a file, whose problems name row and column.
    columns: Mapping[str, int] = field(default_factory=dict)
    #: The row that holds the header (a file's is 1; a sheet's is its first non-empty row).
    header_row: int = 1
    #: ``(row, column)`` of the cells the reader explained itself.
    explained: frozenset = frozenset()

    def place(self, found: list) -> list:
        """Return *found* (problems or corrections) named as this reader names its cells."""
        if not self.columns:
            return list(found)
        placed = []
        for item in found:
            if (item.row, item.column) in self.explained:
                continue
            row = self.header_row if item.row == 1 else item.row
            cell = item.cell
            if cell is None and row is not None and item.column in self.columns:
                cell = f"{column_letter(self.columns[item.column])}{row}"
            placed.append(replace(item, file=self.label, row=row, cell=cell))
        return placed


@dataclass(frozen=True)
class Cells:
    """What a reader returns: text cells indexed by their row in the file, with what it found and corrected.

    *frame* is None when the file or sheet cannot be read as a table at all
    (then *problems* says why); *locator* names its cells in messages.
    """

    frame: pd.DataFrame | None
    problems: list[Problem]
    corrections: list[Correction]
    locator: Locator


def column_letter(index: int) -> str:
    """Return the Excel column letters of 1-based column *index*.

    >>> column_letter(1), column_letter(9), column_letter(28)
    ('A', 'I', 'AB')
    """
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def text_frame(table: pa.Table, names: list[str], first_row: int = 2) -> pd.DataFrame:
    """Return *table* as a frame of Arrow-string columns named *names*, indexed by file row."""
    columns = {name: pd.Series(pd.arrays.ArrowExtensionArray(col), copy=False)
               for name, col in zip(names, table.columns, strict=True)}
    frame = pd.DataFrame(columns, copy=False)
    frame.index = pd.RangeIndex(first_row, first_row + table.num_rows, name="file_row")
    return frame


def text_array(series: pd.Series) -> pa.Array:
    """Return a column of text cells as one Arrow string array (no copy for one-chunk Arrow columns)."""
    if isinstance(series.dtype, pd.ArrowDtype):
        array = series.array.__arrow_array__()
        return single_chunk(array).cast(pa.string())
    return pa.array(series.astype(str).to_numpy(dtype=object), type=pa.string())


def string_buffers(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Return (value offsets, data bytes) of a string array, as numpy views of its buffers."""
    _, offsets, data = column.buffers()
    starts = np.frombuffer(offsets, dtype=np.int32)[column.offset:column.offset + len(column) + 1]
    return starts, (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8))


def single_chunk(column) -> pa.Array:
    """Return a (chunked) Arrow column as one array, copying only when it has several chunks."""
    if isinstance(column, pa.ChunkedArray):
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column
