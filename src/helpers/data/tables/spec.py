"""Column and table specifications: what every column holds and how a table is keyed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


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
        Allowed values fixed by the book (``sex``: F, M), or the levels a study
        declared for a factor column (set by :meth:`TableSpec.with_levels`).
    factor : str, optional
        The design factor this column holds (``"genotype"``, ``"tissue"``, ...):
        its levels are not fixed by the book but declared by each study's
        description (:mod:`helpers.data.study`).
    optional : bool
        A measurement a study may not have made (a loading control, a motor
        measure): a study that did not make it leaves the column out of its
        descriptor's schema, and its table may lack the column.
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
    factor: str | None = None
    optional: bool = False

    def expectation(self) -> str:
        """Describe in words what a valid value of this column looks like."""
        if self.allowed is not None:
            return "one of " + ", ".join(self.allowed)
        if self.factor is not None:
            return f"a {self.factor.replace('_', ' ')} level declared by the study"
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
    """A data table of the book: file, meaning, columns and keys.

    The spec is the book's fixed contract (column names, types, units,
    bounds). The levels of its factor columns come from a study's
    description (:meth:`with_levels`); the example data are generated apart
    (:mod:`helpers.data.generators`).

    Parameters
    ----------
    name : str
        Table name used by chapters (``load_table(name, data_source)``).
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
    example : bool
        True for a table of the simulated example study (it has a generator in
        :mod:`helpers.data.generators`); False for a table of real measurements
        bundled with the book (``data/real/``), validated when present but not
        part of the example data, the templates, or the tables a lab's folder lacks.
    """

    name: str
    filename: str
    description: str
    design: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    constant_within: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: At least one of the optional measurement columns (one whole choice, when there are choices) must
    #: have been made (a motor table needs a measure; a disease course an endpoint).
    needs_a_measurement: bool = False
    #: ``{option: optional columns it needs}``: what a chapter may choose from the measurements a study made
    #: (a blot's normalizations, a motor measure, a disease-course endpoint). A choice is made whole or not at all.
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    example: bool = True

    @property
    def column_names(self) -> list[str]:
        """Column headers in file order."""
        return [c.name for c in self.columns]

    @property
    def factor_columns(self) -> dict[str, str]:
        """``{column: factor}`` for the columns whose levels a study declares."""
        return {c.name: c.factor for c in self.columns if c.factor is not None}

    def with_levels(self, levels: dict[str, tuple[str, ...]]) -> TableSpec:
        """Return this spec with the allowed levels of its factor columns set (``{column: levels}``)."""
        columns = tuple(replace(c, allowed=tuple(levels[c.name])) if c.name in levels else c for c in self.columns)
        return replace(self, columns=columns)

    @property
    def optional_columns(self) -> list[str]:
        """Measurement columns a study may not have made (:attr:`Column.optional`)."""
        return [c.name for c in self.columns if c.optional]

    def without(self, columns) -> TableSpec:
        """Return this spec without *columns* (measurements a study did not make).

        A column whose row rule needs a dropped column keeps its own checks but loses that rule.
        """
        drop = set(columns)
        kept = []
        for c in self.columns:
            if c.name in drop:
                continue
            if drop & set(getattr(c, "needs", ())):
                c = Column(**{f: getattr(c, f) for f in Column.__dataclass_fields__})
            kept.append(c)
        return replace(self, columns=tuple(kept))

    def column(self, name: str) -> Column:
        """Return the spec of column *name*."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)
