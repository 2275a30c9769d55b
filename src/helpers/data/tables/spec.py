"""Column and table specifications, and the pandera schema built from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa


@dataclass(frozen=True)
class Column:
    """One column of a data table.

    Parameters
    ----------
    name : str
        Column header as written in the CSV file.
    kind : {"str", "int", "float"}
        Value type after parsing.
    description : str
        What the column holds (shown in ``data/README.md``).
    unit : str
        Unit, or ``"-"`` for identifiers and factors.
    allowed : tuple of str, optional
        Allowed values of a factor column.
    minimum, maximum : float, optional
        Inclusive bounds of a numeric column.
    positive : bool
        Numeric values must be finite and strictly greater than zero.
    """

    name: str
    kind: str
    description: str
    unit: str = "-"
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False

    def expectation(self) -> str:
        """Describe in words what a valid value of this column looks like."""
        if self.allowed is not None:
            return "one of " + ", ".join(self.allowed)
        noun = {"int": "a whole number", "float": "a finite number", "str": "a non-empty text"}[
            self.kind
        ]
        if self.positive:
            return noun + " greater than 0"
        if self.minimum is not None and self.maximum is not None:
            return f"{noun} between {self.minimum:g} and {self.maximum:g}"
        if self.minimum is not None:
            return f"{noun} of at least {self.minimum:g}"
        if self.maximum is not None:
            return f"{noun} of at most {self.maximum:g}"
        return noun

    def pandera_column(self) -> pa.Column:
        """Return the pandera column that enforces this spec (after parsing)."""
        error = self.expectation()
        checks = []
        if self.allowed is not None:
            checks.append(pa.Check.isin(list(self.allowed), error=error))
        if self.positive:
            checks.append(pa.Check.gt(0, error=error))
        if self.kind in ("int", "float"):
            checks.append(pa.Check(lambda s: pd.Series(s).map(_is_finite), element_wise=False, error=error))
        if self.minimum is not None:
            checks.append(pa.Check.ge(self.minimum, error=error))
        if self.maximum is not None:
            checks.append(pa.Check.le(self.maximum, error=error))
        if self.kind == "str" and self.allowed is None:
            checks.append(pa.Check.str_length(min_value=1, error=error))
        dtype = {"str": str, "int": "Int64", "float": float}[self.kind]
        return pa.Column(dtype, checks=checks, nullable=False, name=self.name)


def _is_finite(value: object) -> bool:
    try:
        return bool(pd.notna(value) and abs(float(value)) != float("inf"))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class TableSpec:
    """A data table: file, meaning, columns, keys and example-data generator.

    Parameters
    ----------
    name : str
        Table name used by chapters (``load_table(name, data_dir)``).
    filename : str
        File name inside a data directory.
    description : str
        One paragraph on what a row is.
    design : str
        The published design the table mirrors.
    columns : tuple of Column
        Every column, in file order.
    key : tuple of str
        Columns that identify a row; duplicates are an error.
    constant_within : dict
        ``{unit_column: (columns...)}``: columns that must not vary within a
        unit (e.g. a donor's age is the same on every lane).
    simulate : callable
        ``simulate(seed) -> DataFrame`` producing the example table.
    truth_doc : str
        The true values put in, in prose, for ``data/README.md``.
    """

    name: str
    filename: str
    description: str
    design: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    simulate: Callable[[int], pd.DataFrame]
    truth_doc: str = ""
    constant_within: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        """Column headers in file order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the spec of column *name*."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def pandera_schema(self) -> pa.DataFrameSchema:
        """Return the pandera schema of the parsed table."""
        return pa.DataFrameSchema(
            {c.name: c.pandera_column() for c in self.columns}, strict=True, ordered=False
        )
