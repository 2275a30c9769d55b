"""The book's data tables: one module per table, each with its column spec and generator.

A table module defines ``SPEC``, a :class:`~helpers.data.tables.spec.TableSpec`
holding the file name, a description, the published design it mirrors, every
column (type, unit, allowed values) and a ``simulate(seed)`` function that
returns the example table. The schema used to validate a table, the column
table of ``data/README.md`` and the example data all come from that one spec.

To add a table, write ``helpers/tables/<name>.py`` and add its name to
:data:`TABLE_MODULES`.
"""

from __future__ import annotations

import importlib

from helpers.data.tables.spec import Column, TableSpec

#: Table modules, in the order ``data/README.md`` lists them.
TABLE_MODULES: tuple[str, ...] = (
    "human_blot",
    "mouse_blot",
    "pla_cells",
    "mam_fraction",
    "arsenite_motor",
    "arsenite_cells",
    "disease_course",
    # Real measurements bundled with the book (data/real/); no simulated version.
    "body_weight",
    "body_composition",
)


def get_specs() -> dict[str, TableSpec]:
    """Return every registered table spec, keyed by table name."""
    specs = {}
    for name in TABLE_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        specs[module.SPEC.name] = module.SPEC
    return specs


def example_specs() -> dict[str, TableSpec]:
    """Return the specs of the simulated example tables (those with a generator), keyed by name.

    The tables of real measurements bundled in ``data/real/`` have no generator: they
    are validated like any table but are not written by ``make data`` or ``make
    templates``, and a lab's folder that lacks them is not told so.
    """
    return {name: spec for name, spec in get_specs().items() if spec.example}


def get_spec(name: str) -> TableSpec:
    """Return the spec of table *name* (e.g. ``"human_blot"``)."""
    specs = get_specs()
    if name not in specs:
        raise KeyError(f"unknown table {name!r}; known tables: {', '.join(specs)}")
    return specs[name]


__all__ = ["Column", "TableSpec", "TABLE_MODULES", "example_specs", "get_spec", "get_specs"]
