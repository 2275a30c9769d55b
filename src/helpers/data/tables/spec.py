"""Column and table specifications: what every column holds and how a table is keyed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd


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
    simulate : callable or None
        ``simulate(seed) -> DataFrame`` producing the example table; ``None`` for a
        table of real measurements bundled with the book (``data/real/``), which is
        validated when present but is not part of the simulated example data, the
        templates, or the list of tables a lab's folder lacks.
    truth_doc : str
        The true values put in, in prose, for ``data/README.md``.
    """

    name: str
    filename: str
    description: str
    design: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    simulate: Callable[[int], pd.DataFrame] | None
    truth_doc: str = ""
    constant_within: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def example(self) -> bool:
        """True for a table of the simulated example data (it has a generator)."""
        return self.simulate is not None

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
