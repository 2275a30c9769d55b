"""Vectorised column checks of a table of text cells (the core of :mod:`helpers.data.validate`).

Every check works on whole columns (pyarrow compute and numpy); nothing loops
over rows in Python. Problems are built only for the first
:data:`~helpers.data.problems.MAX_SHOWN` offending rows of a column and check;
the last one shown carries the count of the others (``Problem.more``), so a
broken 10⁷-row file gives a short report.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.data.cells import Locator, string_buffers, text_array
from helpers.data.problems import MAX_SHOWN, Correction, Problem, plain, shown
from helpers.data.tables import TableSpec, get_spec

#: Above this many rows the parsed text columns become categoricals (or Arrow strings when
#: nearly every value differs), so a 10⁷-row table fits in memory; smaller tables keep
#: plain Python strings, as every chapter was written for.
LARGE_TABLE_ROWS = 1_000_000

_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_INFINITY = r"^[+-]?inf(?:inity)?$"
# One way to match a unit (a letter, then letters or digits): no two quantifiers compete for the same
# characters, so a long cell is matched in linear time.
_UNIT_RE = re.compile(r"^[-+]?\d+(?:[.,]\d+)?\s*([A-Za-zµ°%/][A-Za-z0-9µ°%/^.]*)$")
_EXCEL_ERRORS = ("#DIV/0!", "#VALUE!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
#: Longest cell the hints look into (a number with a unit is short); a longer one is named by its length.
_HINT_LENGTH = 100
#: Largest whole number a number column holds exactly (2**53 - 1): beyond it a float64 rounds it.
MAX_EXACT_INTEGER = 2**53 - 1
#: Control characters (NUL, escape, ...): never part of an identifier or a level.
_CONTROL = r"[\x00-\x08\x0a-\x1f\x7f]"


def _has_byte(text: pa.Array, test) -> bool:
    """True if any byte of the text column's data buffer passes *test* (a vectorised look, no string built)."""
    offsets, data = string_buffers(text)
    if len(offsets) == 0 or len(data) == 0:
        return False
    return bool(test(data[offsets[0]:offsets[-1]]).any())


def bounded(positions: np.ndarray, make) -> list[Problem]:
    """Return ``make(i)`` for the first shown *positions*; the last one counts the rest."""
    shown = [make(int(i)) for i in positions[:MAX_SHOWN]]
    if len(positions) > MAX_SHOWN:
        shown[-1] = dataclasses.replace(shown[-1], more=len(positions) - MAX_SHOWN)
    return shown


def number_hint(value: str, col) -> str:
    """Say why a numeric cell could not be read (decimal comma, unit, Excel error, ...)."""
    if value == "":
        return " (the cell is empty)"
    if len(value) > _HINT_LENGTH:
        return f" (the cell holds {len(value):,} characters)"
    if value in _EXCEL_ERRORS:
        return " (an Excel error value; fix the formula)"
    if re.fullmatch(r"[-+]?\d+,\d+", value):
        return " (use a decimal point, not a decimal comma)"
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", value):
        return " (no thousands separators)"
    match = _UNIT_RE.match(value)
    if match:
        unit = "" if col.unit in ("-", "") else f"; the unit, {col.unit}, is implied by the column"
        return f" (a number without a unit{unit})"
    if "\u2212" in value:
        return " (write the minus sign as '-')"
    return ""


def suggest(value: str, allowed: tuple[str, ...] | None) -> str:
    """Suggest the allowed level that differs from *value* only in case or separators."""
    if not allowed:
        return ""
    key = re.sub(r"[\s_\-]", "", value).lower()
    for level in allowed:
        if re.sub(r"[\s_\-]", "", level).lower() == key:
            return f" (did you mean {level!r}?)"
    return ""


def parse_numbers(text: pa.Array) -> np.ndarray:
    """Return the numbers of a text column as float64, NaN where a cell is not a number.

    Decimal numbers with an optional sign and exponent, and ``inf``/``infinity``,
    are numbers; ``nan``, empty cells and anything else are not.

    A column of numbers only is cast by Arrow in one pass (whose grammar is
    this one, with ``nan`` read as NaN and so not a number); a column with any
    other cell takes the regular expressions, which tell which cells.
    """
    try:
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False).copy()
    except pa.ArrowInvalid:
        pass
    valid = pc.match_substring_regex(text, _NUMBER).to_numpy(zero_copy_only=False)
    infinite = pc.match_substring_regex(text, _INFINITY, ignore_case=True).to_numpy(zero_copy_only=False)
    plain = pc.if_else(pa.array(valid), pc.replace_substring_regex(text, r"^\+", ""), "0")
    try:
        values = pc.cast(plain, pa.float64()).to_numpy(zero_copy_only=False).copy()
    except pa.ArrowInvalid:  # a spelling the Arrow parser refuses: Python's float, for the valid cells only
        values = np.zeros(len(text))
        values[valid] = [float(v) for v in np.asarray(plain.to_numpy(zero_copy_only=False))[valid]]
    values[~valid] = np.nan
    if infinite.any():
        negative = pc.starts_with(text, "-").to_numpy(zero_copy_only=False)
        values[infinite] = np.where(negative[infinite], -np.inf, np.inf)
    return values


def check_column(text: pa.Array, col, rows: np.ndarray, name: str) -> tuple[object, np.ndarray, list[Problem]]:
    """Check one column of text cells; return (parsed values, unreadable-cell mask, problems)."""
    problems: list[Problem] = []
    n = len(text)
    unreadable = np.zeros(n, dtype=bool)

    def value(i: int) -> str:
        return text[i].as_py()

    if col.kind == "str":
        if col.allowed is not None:
            bad = ~pc.is_in(text, value_set=pa.array(list(col.allowed))).to_numpy(zero_copy_only=False)
            problems += bounded(np.flatnonzero(bad), lambda i: Problem(
                name, int(rows[i]), col.name, value(i), col.expectation() + suggest(value(i), col.allowed)))
        else:
            bad = pc.equal(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
            problems += bounded(np.flatnonzero(bad), lambda i: Problem(
                name, int(rows[i]), col.name, value(i), col.expectation()))
            errors = np.zeros(n, dtype=bool)
            if _has_byte(text, lambda b: b == ord("#")):  # a look at the bytes first: a clean column has none
                errors = pc.is_in(text, value_set=pa.array(list(_EXCEL_ERRORS))).to_numpy(zero_copy_only=False)
            problems += bounded(np.flatnonzero(errors), lambda i: Problem(
                name, int(rows[i]), col.name, value(i),
                f"{col.expectation()}, not an Excel error value (fix the formula or enter the identifier)"))
            bad |= errors
            if _has_byte(text, lambda b: ((b < 32) & (b != 9)) | (b == 127)):  # a level never matches one
                control = pc.match_substring_regex(text, _CONTROL).to_numpy(zero_copy_only=False) & ~bad
                problems += bounded(np.flatnonzero(control), lambda i: Problem(
                    name, int(rows[i]), col.name, value(i),
                    f"{col.expectation()} without control characters (a NUL, line break or escape inside "
                    "the value)"))
        return text, unreadable, problems
    numbers = parse_numbers(text)
    finite = np.isfinite(numbers)
    if col.kind == "int":
        unreadable = ~finite | (numbers != np.round(np.where(finite, numbers, 0)))
        huge = finite & ~unreadable & (np.abs(np.where(finite, numbers, 0)) > MAX_EXACT_INTEGER)
        unreadable &= ~huge
        problems += bounded(np.flatnonzero(huge), lambda i: Problem(
            name, int(rows[i]), col.name, value(i),
            f"{col.expectation()} (this one is beyond ±{MAX_EXACT_INTEGER:,}, the largest whole number "
            "a number column holds exactly: a mangled number?)"))
    else:
        unreadable = np.isnan(numbers)
        huge = np.zeros(n, dtype=bool)
    problems += bounded(np.flatnonzero(unreadable), lambda i: Problem(
        name, int(rows[i]), col.name, value(i), col.expectation() + number_hint(value(i), col)))
    unreadable |= huge
    with np.errstate(invalid="ignore"):
        ok = finite.copy()
        if col.positive:
            ok &= numbers > 0
        if col.minimum is not None:
            ok &= numbers >= col.minimum
        if col.maximum is not None:
            ok &= numbers <= col.maximum
    out_of_range = ~ok & ~unreadable
    problems += bounded(np.flatnonzero(out_of_range), lambda i: Problem(
        name, int(rows[i]), col.name, value(i), col.expectation() + suggest(value(i), col.allowed)))
    return numbers, unreadable, problems


def codes_of(text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Return (integer code per cell, the distinct values) of a text column."""
    encoded = pc.dictionary_encode(text)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    codes.flags.writeable = False  # shared by every check of the column
    return codes, encoded.dictionary


class ColumnCodes:
    """The dictionary encoding of each text column of one table, computed once, on first use.

    The key, unit and categorical checks of a column share it, so a 10⁷-row
    column is hashed once; it lives as long as the table's checks.
    """

    def __init__(self, texts: dict[str, pa.Array]):
        self.texts = texts
        #: Parsed values of the number columns: these compare as numbers (``10`` = ``10.0``), not as text.
        self.numbers: dict[str, np.ndarray] = {}
        self._known: dict[str, tuple[np.ndarray, pa.Array]] = {}

    def of(self, column: str) -> tuple[np.ndarray, pa.Array]:
        """Return (codes, distinct values) of *column*.

        A number column is coded by value, each code shown as the text of its
        first cell; a cell that is not a number keeps a code of its own text.
        """
        if column not in self._known:
            if column in self.numbers:
                self._known[column] = codes_of_numbers(self.texts[column], self.numbers[column])
            else:
                self._known[column] = codes_of(self.texts[column])
        return self._known[column]


def codes_of_numbers(text: pa.Array, values: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """Return (code per cell, text of each code's first cell) of a number column, coded by value.

    >>> codes, shown = codes_of_numbers(pa.array(["10", "10.0", "x", "7"]), np.array([10.0, 10.0, np.nan, 7.0]))
    >>> codes.tolist(), shown.to_pylist()
    ([0, 0, 2, 1], ['10', '7', 'x'])
    """
    codes, uniques = pd.factorize(np.where(values == 0, 0.0, values))  # -0.0 is 0.0; NaN gets -1
    codes = codes.astype(np.int64)
    missing = codes < 0
    if missing.any():
        text_codes, _ = codes_of(text.filter(pa.array(missing)))
        codes[missing] = len(uniques) + text_codes
    order = np.unique(codes, return_index=True)
    shown = text.take(pa.array(order[1]))
    # the codes are 0..k-1 in order of first appearance, so order[0] is 0..k-1
    codes.flags.writeable = False
    return codes, shown


def check_keys(texts: dict[str, pa.Array], spec: TableSpec, rows: np.ndarray, name: str,
               encoded: ColumnCodes | None = None) -> list[Problem]:
    """Report rows whose key (e.g. ``cell_id``) already appears on an earlier row."""
    encoded = encoded or ColumnCodes(texts)
    combined = np.zeros(len(rows), dtype=np.int64)
    for k in spec.key:
        codes, dictionary = encoded.of(k)
        combined = combined * len(dictionary) + codes
        if len(spec.key) > 1:  # keep the combined code small: renumber (hashing, no sort)
            combined = pd.factorize(combined)[0].astype(np.int64)
    duplicate = pd.Series(combined).duplicated(keep="first").to_numpy()
    key_text = " + ".join(spec.key)
    return bounded(np.flatnonzero(duplicate), lambda i: Problem(
        name, int(rows[i]), spec.key[-1], " / ".join(str(texts[k][i].as_py()) for k in spec.key),
        f"a unique {key_text} (this combination already appears earlier)"))


def check_constant_within(texts: dict[str, pa.Array], spec: TableSpec, rows: np.ndarray, name: str,
                          unreadable: dict[str, np.ndarray], encoded: ColumnCodes | None = None) -> list[Problem]:
    """Report rows whose unit attribute differs from the value most rows of the unit agree on.

    On a tie the value met first in the file is the reference, so one mistyped
    row is the one reported; cells already reported as unreadable are skipped.
    """
    encoded = encoded or ColumnCodes(texts)
    problems: list[Problem] = []
    for unit, columns in spec.constant_within.items():
        if unit not in texts:
            continue
        unit_codes, unit_values = encoded.of(unit)
        for col in columns:
            if col not in texts:
                continue
            codes, values = encoded.of(col)
            readable = ~unreadable.get(col, np.zeros(len(rows), dtype=bool))
            pair = unit_codes * len(values) + codes
            # the reference of a unit is the most frequent readable value, the earliest on a tie (a cell
            # already reported as unreadable is never the reference that its unit's other rows are held to)
            distinct, first, counts = np.unique(pair[readable], return_index=True, return_counts=True)
            first = np.flatnonzero(readable)[first]
            owner = distinct // len(values)
            order = np.lexsort((first, -counts, owner))
            keep = np.ones(len(order), dtype=bool)
            keep[1:] = owner[order][1:] != owner[order][:-1]
            reference = np.full(len(unit_values), -1, dtype=np.int64)
            reference[owner[order][keep]] = (distinct[order][keep] % len(values))
            expected = reference[unit_codes]
            bad = (codes != expected) & readable & (expected >= 0)
            problems += bounded(np.flatnonzero(bad), lambda i, unit=unit, col=col, expected=expected, values=values: Problem(
                name, int(rows[i]), col, str(texts[col][i].as_py()),
                f"the same {col} on every row of {unit} {plain(texts[unit][i].as_py())} "
                f"(its other rows have {shown(values[int(expected[i])].as_py())})"))
    return problems


def to_column(text: pa.Array, values, kind: str, large: bool, encoded: tuple[np.ndarray, pa.Array] | None = None):
    """Return the parsed values of a column as pandas data (see :data:`LARGE_TABLE_ROWS`).

    *encoded* is the column's ``(codes, distinct values)`` when already computed.
    """
    if kind == "int":
        return pd.array(values.astype(np.int64), dtype="Int64")
    if kind == "float":
        return values
    if not large:
        return text.to_numpy(zero_copy_only=False)
    codes, dictionary = encoded or codes_of(text)
    if len(dictionary) > len(text) // 10:
        return pd.arrays.ArrowExtensionArray(text)
    order = np.argsort(np.asarray(dictionary.to_numpy(zero_copy_only=False), dtype=object))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    categories = pd.Index(np.asarray(dictionary.to_numpy(zero_copy_only=False), dtype=object)[order])
    return pd.Categorical.from_codes(rank[codes], categories=categories)


def check_row_rules(parsed: dict, texts: dict[str, pa.Array], spec: TableSpec, rows: np.ndarray,
                    name: str) -> list[Problem]:
    """Check the rules that tie a column to others of its row (a column's ``row_ok(frame)``, vectorised)."""
    problems: list[Problem] = []
    rules = [col for col in spec.columns if callable(getattr(col, "row_ok", None)) and col.name in parsed]
    if not rules:
        return problems
    frame = pd.DataFrame({c: np.asarray(v) if not isinstance(v, pa.Array) else v.to_numpy(zero_copy_only=False)
                          for c, v in parsed.items()})
    for col in rules:
        bad = ~np.asarray(col.row_ok(frame), dtype=bool)
        text = texts[col.name]
        problems += bounded(np.flatnonzero(bad), lambda i, col=col, text=text: Problem(
            name, int(rows[i]), col.name, text[i].as_py(), col.expectation()))
    return problems


# --------------------------------------------------------------------------- a whole table


def sorted_problems(problems) -> list[Problem]:
    """Return *problems* once each, by row, column and expectation."""
    return sorted(set(problems), key=lambda p: (p.row or 0, p.column or "", p.expected))


def _check_header(frame: pd.DataFrame, spec: TableSpec, name: str) -> list[Problem]:
    header = [str(c) for c in frame.columns]
    problems = []
    lowered = {h.lower(): h for h in header}
    for col in spec.column_names:
        if col not in header:
            hint = f" (the header has {lowered[col.lower()]!r})" if col.lower() in lowered else ""
            problems.append(Problem(name, 1, col, None, f"a column named '{col}' in the header{hint}"))
    for col in header:
        if col not in spec.column_names:
            problems.append(Problem(name, 1, col, None, "only the columns " + ", ".join(spec.column_names)))
    return problems


def check_frame(frame: pd.DataFrame, spec: TableSpec, where: Locator | str
                ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse and validate a table of text cells against *spec*; return (table, problems).

    *frame* holds text cells (Python or Arrow strings); its index is the row
    number in the file (as the readers of :mod:`helpers.data.readers` return
    it). *where* is the reader's :class:`~helpers.data.cells.Locator` (or
    a file's label), which names every problem's cell. Columns present are
    checked even when others are missing or extra, so every problem is found
    in one pass. Every check is vectorised and lists at most a bounded number
    of rows per column and problem, with a count of the others.
    """
    locator = where if isinstance(where, Locator) else Locator(where)
    name = locator.label
    problems = _check_header(frame, spec, name)
    rows = np.asarray(frame.index, dtype=np.int64)
    texts = {c: text_array(frame[c]) for c in frame.columns if c in spec.column_names}
    encoded = ColumnCodes(texts)  # each column hashed once, for all the checks below
    large = len(frame) > LARGE_TABLE_ROWS
    parsed, unreadable = {}, {}
    for col in spec.columns:
        if col.name not in texts:
            continue
        values, unreadable[col.name], found = check_column(texts[col.name], col, rows, name)
        problems += found
        if col.kind in ("int", "float"):
            encoded.numbers[col.name] = values  # keys and unit attributes compare as numbers
        if not problems:
            parsed[col.name] = to_column(texts[col.name], values, col.kind, large,
                                         encoded.of(col.name) if large and col.kind == "str" else None)
    if all(k in texts for k in spec.key):
        problems += check_keys(texts, spec, rows, name, encoded)
    problems += check_constant_within(texts, spec, rows, name, unreadable, encoded)
    if not problems:
        problems += check_row_rules(parsed, texts, spec, rows, name)
    if problems:  # (a sheet's locator may leave some out: the reader said those itself)
        return None, sorted_problems(locator.place(problems))
    return pd.DataFrame({c: parsed[c] for c in spec.column_names}, copy=False), []


def drop_unmade(frame: pd.DataFrame, spec: TableSpec, where: Locator | str) -> tuple[pd.DataFrame, list[Correction]]:
    """Drop the empty columns of measurements the study did not make; say so in a note.

    A lab whose study leaves out a measurement (a loading control of a two-colour
    blot, a motor measure it does not take) may still keep the book's column,
    empty, in its file. A column of such a measurement that holds values is left
    in place, for the header check to report.
    """
    book = get_spec(spec.name)  # the book's own columns, the study's left out
    unmade = [c for c in book.optional_columns if c not in spec.column_names and c in frame.columns]
    empty = [c for c in unmade if not frame[c].astype(str).str.strip().ne("").any()]
    locator = where if isinstance(where, Locator) else Locator(where)
    notes = locator.place([Correction(locator.label, 1, c, None,
                                      "empty column of a measurement the study did not make: ignored")
                           for c in empty])
    return (frame.drop(columns=empty) if empty else frame), notes
