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

from helpers.stats.cluster_counts import row_terms

#: Columns identifying a section's block of cells of one type (the aggregate's key).
SECTION_KEYS = ["mouse_id", "genotype", "stage", "sex", "tissue", "tether_pair", "cell_type", "section_id"]
#: Sums kept per block: cells, puncta, squared puncta, soma area, and the three sums a Poisson
#: model of puncta per 100 µm² of soma needs (Σ √a, Σ y/√a, Σ y²/a; see
#: :mod:`helpers.stats.cluster_counts`).
SECTION_SUMS = ["n_cells", "puncta", "puncta_sq", "area", "sqrt_area", "puncta_per_sqrt_area", "puncta_sq_per_area"]
#: The per-unit sums of :mod:`helpers.stats.cluster_counts`.
COUNT_SUMS = ["n", "Y", "T", "Q", "A", "B"]


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
        :data:`SECTION_KEYS` plus :data:`SECTION_SUMS`: cells, total
        puncta, total squared puncta, total soma area in µm², and Σ √area,
        Σ puncta/√area, Σ puncta²/area; sorted by the keys; text columns as
        plain strings.

    Examples
    --------
    >>> cells = pd.DataFrame({"mouse_id": "a", "genotype": "WT", "stage": "onset", "sex": "F",
    ...                       "tissue": "spinal_cord", "tether_pair": "VAPB_PTPIP51", "cell_type": "motor_neuron",
    ...                       "section_id": ["s1", "s1", "s2"], "puncta": [2, 4, 6],
    ...                       "cell_area_um2": [100.0, 200.0, 300.0]})
    >>> aggregate_pla_sections(cells)[["section_id", *SECTION_SUMS[:4]]].to_dict("records")
    [{'section_id': 's1', 'n_cells': 2, 'puncta': 6, 'puncta_sq': 20, 'area': 300.0}, {'section_id': 's2', 'n_cells': 1, 'puncta': 6, 'puncta_sq': 36, 'area': 300.0}]
    """
    puncta = cells["puncta"].to_numpy(dtype=np.int64)
    area = cells["cell_area_um2"].to_numpy(dtype=np.float64)
    root = np.sqrt(area)
    columns = {k: _arrow_column(cells[k]) for k in SECTION_KEYS}
    columns.update(puncta=pa.array(puncta), puncta_sq=pa.array(puncta * puncta), area=pa.array(area),
                   sqrt_area=pa.array(root), puncta_per_sqrt_area=pa.array(puncta / root),
                   puncta_sq_per_area=pa.array(puncta * puncta / area))
    table = pa.table(columns)
    summed = SECTION_SUMS[1:]
    out = table.group_by(SECTION_KEYS, use_threads=False).aggregate(
        [("puncta", "count"), *((name, "sum") for name in summed)])
    frame = out.to_pandas()
    frame = frame.rename(columns={"puncta_count": "n_cells", **{f"{name}_sum": name for name in summed}})
    for k in SECTION_KEYS:
        frame[k] = frame[k].astype(str).astype(object)
    frame = frame[SECTION_KEYS + SECTION_SUMS].sort_values(SECTION_KEYS, kind="stable")
    return frame.reset_index(drop=True)


def count_sums(table: pd.DataFrame, keys: list[str], per_area: bool = False) -> pd.DataFrame:
    """Return per-unit (per *keys*) sums :data:`COUNT_SUMS` of puncta, from cells or from the section aggregate.

    The exposure of a cell is 1 (puncta per cell) or, with *per_area*, its
    soma area / 100 µm² (puncta per 100 µm²). These six numbers per mouse are
    all a Poisson GLM or exchangeable GEE of the cells needs
    (:mod:`helpers.stats.cluster_counts`).

    >>> cells = pd.DataFrame({"mouse_id": ["a", "a", "b"], "puncta": [1, 3, 2], "cell_area_um2": [100.0, 400.0, 25.0]})
    >>> count_sums(cells, ["mouse_id"], per_area=True)[COUNT_SUMS].to_dict("records")[0]
    {'n': 2.0, 'Y': 4.0, 'T': 5.0, 'Q': 3.0, 'A': 2.5, 'B': 3.25}
    """
    if is_section_table(table):
        sums = table[keys].assign(n=table["n_cells"], Y=table["puncta"])
        if per_area:
            sums = sums.assign(T=table["area"] / 100, Q=table["sqrt_area"] / 10,
                               A=10 * table["puncta_per_sqrt_area"], B=100 * table["puncta_sq_per_area"])
        else:
            sums = sums.assign(T=table["n_cells"], Q=table["n_cells"], A=table["puncta"], B=table["puncta_sq"])
    else:
        exposure = table["cell_area_um2"].to_numpy(dtype=float) / 100 if per_area else None
        sums = table[keys].assign(**row_terms(table["puncta"].to_numpy(dtype=float), exposure))
    out = sums.groupby(keys, as_index=False, observed=True, sort=True)[COUNT_SUMS].sum()
    return out.astype(dict.fromkeys(COUNT_SUMS, float))


def mice_from_sections(sections: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Return per-mouse (per *keys*) sums of the section aggregate and its number of sections.

    Columns: *keys*, ``n_cells, puncta, puncta_sq, area, n_sections`` (sorted by *keys*).
    """
    out = sections.groupby(keys, as_index=False, observed=True, sort=True).agg(
        n_cells=("n_cells", "sum"), puncta=("puncta", "sum"), puncta_sq=("puncta_sq", "sum"),
        area=("area", "sum"), n_sections=("section_id", "nunique"))
    return out
