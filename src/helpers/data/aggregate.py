"""Reduce per-cell tables to sections, once, with a columnar engine, before any model fit.

A PLA or imaging table holds one row per cell (10⁶–10⁷ rows for a screen);
every mouse-level analysis needs only a few numbers per section: how many
cells, their total puncta, total squared puncta and total soma area. Those
sums are computed here once, with pyarrow's ``Table.group_by`` (a hash
aggregation in C++ over the columns, no Python loop over rows). pyarrow was
chosen because it is already a dependency (it reads the CSV and Parquet
files), holds the table without copying it, and its sums of integer counts are
exact, so the mouse means computed from the aggregate are the same numbers as
those computed from the cells; polars or DuckDB would add a dependency for no
gain at this size.

Mouse-level summaries (mean puncta per cell, per 100 µm² of soma, the spread of
section means) are sums of these section sums; see :func:`mice_from_sections`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

#: Columns identifying a section's block of cells of one type (the aggregate's key).
SECTION_KEYS = ["mouse_id", "genotype", "stage", "sex", "tissue", "tether_pair", "cell_type", "section_id"]
#: Sums kept per block: cells, puncta, squared puncta, soma area.
SECTION_SUMS = ["n_cells", "puncta", "puncta_sq", "area"]


def is_section_table(table: pd.DataFrame) -> bool:
    """True if *table* is an aggregate of :func:`aggregate_pla_sections` (not per-cell rows)."""
    return {"n_cells", "puncta_sq", "section_id"} <= set(table.columns)


def _arrow_column(series: pd.Series) -> pa.Array:
    """Return a text column as an Arrow string array (categoricals decoded, Arrow strings as they are)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = pa.array(series.cat.categories.to_numpy(dtype=object), type=pa.string())
        return pa.DictionaryArray.from_arrays(series.cat.codes.to_numpy(), categories).cast(pa.string())
    if isinstance(series.dtype, pd.ArrowDtype):
        return series.array.__arrow_array__()
    return pa.array(series.to_numpy(dtype=object), type=pa.string())


def aggregate_pla_sections(cells: pd.DataFrame) -> pd.DataFrame:
    """Return one row per section and cell type with the sums of its cells.

    Parameters
    ----------
    cells : DataFrame
        The ``pla_cells`` table (one row per cell).

    Returns
    -------
    DataFrame
        :data:`SECTION_KEYS` plus ``n_cells, puncta, puncta_sq, area``
        (cells, total puncta, total squared puncta, total soma area in µm²),
        sorted by the keys; text columns as plain strings.

    Examples
    --------
    >>> cells = pd.DataFrame({"mouse_id": "a", "genotype": "WT", "stage": "onset", "sex": "F",
    ...                       "tissue": "spinal_cord", "tether_pair": "VAPB_PTPIP51", "cell_type": "motor_neuron",
    ...                       "section_id": ["s1", "s1", "s2"], "puncta": [2, 4, 6],
    ...                       "cell_area_um2": [100.0, 200.0, 300.0]})
    >>> aggregate_pla_sections(cells)[["section_id", "n_cells", "puncta", "puncta_sq", "area"]].to_dict("records")
    [{'section_id': 's1', 'n_cells': 2, 'puncta': 6, 'puncta_sq': 20, 'area': 300.0}, {'section_id': 's2', 'n_cells': 1, 'puncta': 6, 'puncta_sq': 36, 'area': 300.0}]
    """
    puncta = cells["puncta"].to_numpy(dtype=np.int64)
    columns = {k: _arrow_column(cells[k]) for k in SECTION_KEYS}
    columns.update(puncta=pa.array(puncta), puncta_sq=pa.array(puncta * puncta),
                   area=pa.array(cells["cell_area_um2"].to_numpy(dtype=np.float64)))
    table = pa.table(columns)
    out = table.group_by(SECTION_KEYS, use_threads=False).aggregate(
        [("puncta", "count"), ("puncta", "sum"), ("puncta_sq", "sum"), ("area", "sum")])
    frame = out.to_pandas()
    frame = frame.rename(columns={"puncta_count": "n_cells", "puncta_sum": "puncta",
                                  "puncta_sq_sum": "puncta_sq", "area_sum": "area"})
    for k in SECTION_KEYS:
        frame[k] = frame[k].astype(str).astype(object)
    frame = frame[SECTION_KEYS + SECTION_SUMS].sort_values(SECTION_KEYS, kind="stable")
    return frame.reset_index(drop=True)


def mice_from_sections(sections: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Return per-mouse (per *keys*) sums of the section aggregate and its number of sections.

    Columns: *keys*, ``n_cells, puncta, puncta_sq, area, n_sections`` (sorted by *keys*).
    """
    out = sections.groupby(keys, as_index=False, observed=True, sort=True).agg(
        n_cells=("n_cells", "sum"), puncta=("puncta", "sum"), puncta_sq=("puncta_sq", "sum"),
        area=("area", "sum"), n_sections=("section_id", "nunique"))
    return out
