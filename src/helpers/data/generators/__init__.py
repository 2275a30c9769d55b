"""The example study's data generator: one module per table, apart from the table specs.

``generators/<table>.py`` defines ``simulate(seed, truth=...)`` (the example
table for a seed, from the true values in :mod:`helpers.data.truths`) and
``TRUTH_DOC`` (those true values in prose, for ``data/README.md``). The table
specs (:mod:`helpers.data.tables`) import nothing from here or from the
truths: what a table holds is the book's contract, how the example values
are drawn is the simulation's business.
"""

from __future__ import annotations

import importlib

import pandas as pd

from helpers.data.tables import get_spec


def generator(name: str):
    """Return the generator module of table *name* (it has ``simulate`` and ``TRUTH_DOC``)."""
    return importlib.import_module(f"{__name__}.{name}")


def simulate_table(name: str, seed: int) -> pd.DataFrame:
    """Return the example table *name* for *seed*, columns in file order."""
    return generator(name).simulate(seed)[get_spec(name).column_names]


def truth_doc(name: str) -> str:
    """Return the true values put into the example table *name*, in prose."""
    return generator(name).TRUTH_DOC
