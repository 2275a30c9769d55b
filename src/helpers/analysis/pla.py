"""MAM integrity from proximity-ligation (PLA) puncta: the mouse, not the cell, is the unit.

Cells are nested in sections nested in mice. The primary analysis works on
one number per mouse — the log of its mean puncta per cell — with ordinary
least squares on ``genotype * stage`` and each genotype against the study's
reference genotype within each stage (:func:`fit_mouse_level_contrasts`): a log rate ratio with a t-based
interval, unadjusted and Bonferroni-simultaneous over the tissue's contrasts
(with matching adjusted p-values; Holm's p kept for reference). A second view models the counts of every
cell with a Poisson GEE clustered on the mouse (exchangeable working
correlation, Pearson-estimated scale, bias-reduced sandwich standard errors;
:func:`fit_cell_level_contrasts` with ``method="gee"``). The naive cell-level
Poisson and quasi-Poisson GLMs, which treat cells as independent, are there
only to show how much they overstate certainty (:func:`compare_inference`).

Every level comes from the study description (:mod:`helpers.data.study`):
the genotype x stage design as :class:`helpers.analysis.mouse_blots.Groups`
(:func:`groups_of`), the tissue, tether pair and cell type as arguments, and
the genotypes in which a pair does not measure contacts from the tether pair
factor's ``not_measured_in`` (:func:`unmeasured_genotypes`). Callers without a
study get the example study's description (``data/datapackage.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd
import patsy
import statsmodels.formula.api as smf

from helpers.analysis import design, mouse_blots
from helpers.analysis.mouse_blots import (
    CONTRAST_COLUMNS,
    Groups,
    genotype_stage_contrasts,
    group_formula,
)
from helpers.data.aggregate import count_sums, is_section_table, mice_from_sections
from helpers.data.study import Study, StudyError, example_study
from helpers.stats import cluster_counts

__all__ = ["CELL_METHODS", "CONTRAST_COLUMNS", "Groups", "featured_genotype", "group_formula", "groups_of",
           "unmeasured_genotypes"]
TABLE = "pla_cells"
UNIT = "mouse_id"
SUMMARY_KEYS = [UNIT, "genotype", "stage", "sex", "tissue", "tether_pair", "cell_type"]
CELL_METHODS = {
    "gee": "Poisson GEE clustered on the mouse (exchangeable, bias-reduced robust SE)",
    "quasipoisson": "quasi-Poisson GLM of cells as independent (Pearson scale)",
    "poisson": "Poisson GLM of cells as independent",
}


def groups_of(study: Study | None = None) -> Groups:
    """Return the genotype x stage design of the PLA table of *study* (default: the example study)."""
    return Groups.of(study or example_study(), TABLE)


def reference_level(column: str, study: Study | None = None) -> str:
    """Return the reference level of *column* (``tether_pair``, ``cell_type``) of the PLA table, else its first."""
    study = study or example_study()
    return study.reference(TABLE, column) or study.levels(TABLE, column)[0]


def unmeasured_genotypes(study: Study | None, pair: str) -> tuple[str, ...]:
    """Return the genotypes in which PLA *pair* does not measure contacts, as the study declares them.

    A pair whose antibody targets a protein a genotype lacks shows only
    background there (``not_measured_in`` of the tether pair factor).

    >>> from helpers.data.study import Factor
    >>> pairs = Factor("tether_pair", ("A_B", "C_D"), not_measured_in={"C_D": ("d_null",)})
    >>> study = Study("s", "s", None, {"tether_pair": pairs}, {})
    >>> unmeasured_genotypes(study, "C_D"), unmeasured_genotypes(study, "A_B")
    (('d_null',), ())
    """
    try:
        factor = (study or example_study()).factor("tether_pair")
    except StudyError:  # a study without PLA declares no pair, hence no blind one
        return ()
    return tuple(factor.not_measured_in.get(pair, ()))


def featured_genotype(study: Study | None = None, groups: Groups | None = None) -> str:
    """Return the genotype whose comparison with the reference a page features.

    The last genotype compared with the reference (the study's order) that every
    tether pair of the PLA table measures, so that the featured comparison is
    the same whichever pair is analysed; the last compared genotype when every
    one is unmeasured by some pair.

    >>> from helpers.data.study import Factor, Resource
    >>> factors = {"genotype": Factor("genotype", ("ref", "a", "ab"), "ref"), "stage": Factor("stage", ("s1",)),
    ...            "tether_pair": Factor("tether_pair", ("P1", "P2"), not_measured_in={"P2": ("ab",)})}
    >>> study = Study("s", "s", None, factors, {})
    >>> featured_genotype(study)
    'a'
    """
    study = study or example_study()
    groups = groups or groups_of(study)
    blind = {g for pair in study.levels(TABLE, "tether_pair") for g in unmeasured_genotypes(study, pair)}
    measured = [g for g in groups.others if g not in blind]
    return (measured or list(groups.others))[-1]


def summarise_mice(cells: pd.DataFrame) -> pd.DataFrame:
    """Return one row per mouse x tissue x tether pair x cell type with the mean puncta per cell.

    Parameters
    ----------
    cells : DataFrame
        The ``pla_cells`` table.

    Returns
    -------
    DataFrame
        ``mouse_id, genotype, stage, sex, tissue, tether_pair, cell_type,
        n_cells, n_sections, mean_puncta, log_mean`` (``log_mean`` is the
        natural log of ``mean_puncta``; minus infinity when a mouse shows no
        punctum at all).

    Examples
    --------
    >>> cells = pd.DataFrame({"mouse_id": ["a", "a"], "genotype": "ref", "stage": "s1", "sex": "F",
    ...                       "tissue": "t1", "tether_pair": "A_B",
    ...                       "cell_type": "c1", "section_id": ["s1", "s2"], "puncta": [2, 6]})
    >>> out = summarise_mice(cells)
    >>> int(out.at[0, "n_cells"]), int(out.at[0, "n_sections"]), float(out.at[0, "mean_puncta"])
    (2, 2, 4.0)

    *cells* may also be the section aggregate of
    :func:`helpers.data.aggregate.aggregate_pla_sections` (the same numbers, from sums).
    """
    if is_section_table(cells):
        out = mice_from_sections(cells, SUMMARY_KEYS)
        out = out.assign(mean_puncta=out["puncta"] / out["n_cells"])[[*SUMMARY_KEYS, "n_cells", "n_sections", "mean_puncta"]]
        with np.errstate(divide="ignore"):
            return out.assign(log_mean=np.log(out["mean_puncta"]))
    out = cells.groupby(SUMMARY_KEYS, as_index=False, observed=True, sort=True).agg(
        n_cells=("puncta", "size"), n_sections=("section_id", "nunique"), mean_puncta=("puncta", "mean")
    )
    with np.errstate(divide="ignore"):
        return out.assign(log_mean=np.log(out["mean_puncta"]))


def select_cells(cells: pd.DataFrame, tissue: str, pair: str, cell_type: str) -> pd.DataFrame:
    """Return the cells of one tissue, tether pair and cell type; raise if there are none."""
    chosen = cells[(cells["tissue"] == tissue) & (cells["tether_pair"] == pair) & (cells["cell_type"] == cell_type)]
    if chosen.empty:
        raise design.DesignError(
            f"pla_cells: no cells for tissue {tissue!r}, pair {pair!r}, cell type {cell_type!r}; present: "
            f"tissues {sorted(cells['tissue'].unique())}, pairs {sorted(cells['tether_pair'].unique())}, "
            f"cell types {sorted(cells['cell_type'].unique())}; add them, or choose a tissue, pair and cell type "
            "that are present (the chapter's parameters)."
        )
    return chosen


def fit_mouse_level_contrasts(
    cells: pd.DataFrame,
    tissue: str,
    pair: str | None = None,
    cell_type: str | None = None,
    alpha: float = 0.05,
    *,
    groups: Groups | None = None,
) -> pd.DataFrame:
    """Estimate each genotype vs the reference genotype: log rate ratios of PLA puncta per cell, one number per mouse.

    Ordinary least squares of each mouse's log mean puncta on
    ``genotype * stage``; each genotype is compared with the reference mice
    of the same stage. The mouse is the unit, so the residual degrees of
    freedom are mice minus groups.

    Parameters
    ----------
    cells : DataFrame
        The ``pla_cells`` table.
    tissue, pair, cell_type : str
        Which cells to analyse (*pair* and *cell_type* default to the example
        study's reference levels).
    alpha : float
        1 - confidence level.
    groups : Groups, optional
        The study's genotype x stage design (:func:`groups_of`; default: the example study's).

    Returns
    -------
    DataFrame
        :data:`helpers.analysis.mouse_blots.CONTRAST_COLUMNS`: log rate
        ratios vs the reference (exp gives the ratio of geometric means of the
        per-mouse mean puncta), t-based CI and p unadjusted, and
        Bonferroni-simultaneous across the rows (``sim_low, sim_high,
        p_adj``), Holm's p.

    Raises
    ------
    DesignError
        If a mouse has no punctum in any cell (its log mean is undefined).
    """
    groups, pair, cell_type = _resolve(groups, pair, cell_type)
    chosen = select_cells(cells, tissue, pair, cell_type)
    context = f"tissue {tissue}, pair {pair}, {cell_type} cells"
    design.check_pla_cells(chosen, context)
    mice = summarise_mice(chosen)
    design.check_mouse_groups(mice, "pla_cells", context, groups.rhs, reference=groups.reference)
    empty = mice.loc[~np.isfinite(mice["log_mean"]), UNIT].tolist()
    if empty:
        raise design.DesignError(f"pla_cells, {context}: mice {', '.join(map(str, empty))} have no punctum in any "
                                 "cell, so the log of their mean is undefined and the mouse-level comparison "
                                 "cannot use them; check their sections, or read the cell-level (GEE) view.")
    fit = smf.ols(group_formula("log_mean", mice, groups=groups), data=mice).fit()
    table = genotype_stage_contrasts(fit, mice, UNIT, alpha, df=fit.df_resid, groups=groups)
    table.insert(0, "tissue", tissue)
    return table[CONTRAST_COLUMNS]


def _resolve(groups: Groups | None, pair: str | None, cell_type: str | None) -> tuple[Groups, str, str]:
    """The design and the pair and cell type to analyse, the example study's where not given."""
    return (groups or groups_of(), pair or reference_level("tether_pair"),
            cell_type or reference_level("cell_type"))


def contrasts_at_stage(contrasts: pd.DataFrame, stage: str, genotypes, context: str = "",
                       reference: str = "the reference") -> pd.DataFrame:
    """Return the rows of *contrasts* at *stage*, indexed by genotype; refuse when one of *genotypes* is absent.

    A page that reports each genotype against the reference needs every one of
    them at the stage it reports.

    >>> t = pd.DataFrame({"genotype": ["mut"], "stage": ["s1"], "ratio": [0.8]})
    >>> contrasts_at_stage(t, "s1", ["mut"])["ratio"].tolist()
    [0.8]
    >>> contrasts_at_stage(t, "s1", ["ko", "mut"], "tissue t1", reference="ref")
    Traceback (most recent call last):
    ...
    helpers.analysis.design.DesignError: pla_cells, tissue t1, stage s1: the comparison of each genotype with ref needs mice of ko at this stage, but the table has none (compared: mut); add the cells of those mice, or choose a stage where every genotype was measured.
    """
    at_stage = contrasts[contrasts["stage"] == stage].set_index("genotype")
    missing = [g for g in genotypes if g not in at_stage.index]
    if missing:
        where = ", ".join(x for x in ("pla_cells", context, f"stage {stage}") if x)
        raise design.DesignError(
            f"{where}: the comparison of each genotype with {reference} needs mice of {' and '.join(missing)} at "
            "this stage, "
            f"but the table has none (compared: {', '.join(at_stage.index) or 'none'}); add the cells of those "
            "mice, or choose a stage where every genotype was measured.")
    return at_stage


@dataclass(frozen=True)
class CountModelFit:
    """A count model fitted from per-mouse sums, read like a statsmodels result by the contrasts."""

    params: pd.Series
    cov: pd.DataFrame
    model: SimpleNamespace  # ``model.data.design_info``: the patsy design, for the contrast vectors
    scale: float
    n_cells: int

    def cov_params(self) -> pd.DataFrame:
        return self.cov

    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov)), index=self.params.index)


def fit_count_model(data: pd.DataFrame, method: str = "gee", cov_type: str = "bias_reduced", *,
                    rhs: str | None = None, per_area: bool = False) -> CountModelFit:
    """Fit ``puncta ~ genotype * stage`` (or *rhs*) to the cells in *data* by *method* (see :data:`CELL_METHODS`).

    *rhs* defaults to the example study's group terms (:attr:`Groups.rhs`: genotype against its reference x stage).

    ``"gee"``: Poisson GEE with the mouse as cluster, exchangeable working
    correlation, scale estimated from Pearson residuals and *cov_type*
    sandwich covariance (``"bias_reduced"``, Mancl-DeRouen, or ``"robust"``).
    ``"poisson"`` and ``"quasipoisson"``: GLMs that treat cells as independent.
    With *per_area* the exposure of a cell is its soma area / 100 µm².

    *data* may be cells or the section aggregate: every covariate is a mouse's,
    so the models are fitted from six sums per mouse
    (:mod:`helpers.stats.cluster_counts`), the same numbers as statsmodels'
    ``smf.gee`` / ``smf.glm`` on the cells to rounding, at the cost of a table of mice.
    """
    if method not in CELL_METHODS:
        raise ValueError(f"method must be one of {sorted(CELL_METHODS)}, got {method!r}")
    rhs = rhs or groups_of().rhs
    keys = [UNIT, *[k for k in ("genotype", "stage", "cell") if k in data.columns]]
    mice = count_sums(data, keys, per_area=per_area)
    mice[keys] = mice[keys].astype(str)  # the levels present only (a large table's categoricals keep all)
    design_matrix = patsy.dmatrix(rhs, mice, return_type="dataframe")
    X = design_matrix.to_numpy()
    if method == "gee":
        fit = cluster_counts.poisson_gee_exchangeable(X, mice, cov_type=cov_type)
    else:
        fit = cluster_counts.poisson_glm(X, mice, scale="X2" if method == "quasipoisson" else 1.0)
    names = list(design_matrix.columns)
    model = SimpleNamespace(data=SimpleNamespace(design_info=design_matrix.design_info))
    return CountModelFit(pd.Series(fit.params, index=names), pd.DataFrame(fit.cov, index=names, columns=names),
                         model, fit.scale, fit.n_obs)


def fit_cell_level_contrasts(
    cells: pd.DataFrame,
    tissue: str,
    pair: str | None = None,
    cell_type: str | None = None,
    alpha: float = 0.05,
    method: str = "gee",
    cov_type: str = "bias_reduced",
    *,
    groups: Groups | None = None,
) -> pd.DataFrame:
    """Estimate each genotype vs the reference: log rate ratios from a count model of every cell.

    Same contrasts as :func:`fit_mouse_level_contrasts`, from
    :func:`fit_count_model`; normal-based intervals. With ``method="gee"`` the
    mouse is the cluster; the other methods are the naive analyses. *cells*
    may be the ``pla_cells`` table or its section aggregate.

    Returns
    -------
    DataFrame
        The columns of :func:`fit_mouse_level_contrasts` plus ``n_cells``.
    """
    groups, pair, cell_type = _resolve(groups, pair, cell_type)
    data = select_cells(cells, tissue, pair, cell_type)
    context = f"tissue {tissue}, pair {pair}, {cell_type} cells"
    design.check_pla_cells(data, context)
    mice = summarise_mice(data)
    design.check_mouse_groups(mice, "pla_cells", context, groups.rhs, reference=groups.reference)
    if method == "gee":
        design.check_sandwich_clusters(mice, "pla_cells", ["genotype", "stage"], UNIT, "mice",
                                       "the cell-level GEE (clustered on the mouse)", context)
    fit = fit_count_model(data, method, cov_type, rhs=groups.rhs)
    table = genotype_stage_contrasts(fit, mice, UNIT, alpha, df=None, groups=groups)
    table.insert(0, "tissue", tissue)
    counts = mice.groupby(["genotype", "stage"], observed=True)["n_cells"].sum()
    table["n_cells"] = [int(counts[(g, s)] + counts[(groups.reference, s)])
                        for g, s in zip(table["genotype"], table["stage"], strict=True)]
    return table[[*CONTRAST_COLUMNS, "n_cells"]]


def compare_inference(
    cells: pd.DataFrame,
    tissue: str,
    pair: str | None = None,
    cell_type: str | None = None,
    alpha: float = 0.05,
    *,
    groups: Groups | None = None,
) -> pd.DataFrame:
    """Return every contrast by every method, with its SE relative to the mouse-level SE.

    Methods: ``mouse`` (primary), ``gee``, ``quasipoisson`` and ``poisson``.
    ``se_ratio`` is the method's SE over the mouse-level SE (below 1: the
    method claims more certainty than the mouse-level design supports);
    ``design_effect`` is the mouse-level variance over the method's variance.
    """
    frames = [fit_mouse_level_contrasts(cells, tissue, pair, cell_type, alpha, groups=groups).assign(method="mouse")]
    for method in CELL_METHODS:
        frames.append(fit_cell_level_contrasts(cells, tissue, pair, cell_type, alpha, method,
                                               groups=groups).assign(method=method))
    table = pd.concat(frames, ignore_index=True)
    mouse_se = table[table["method"] == "mouse"].set_index(["genotype", "stage"])["se"]
    reference = mouse_se.reindex(pd.MultiIndex.from_frame(table[["genotype", "stage"]])).to_numpy()
    return table.assign(se_ratio=table["se"] / reference, design_effect=(reference / table["se"]) ** 2,
                        ci_width=table["ci_high"] - table["ci_low"])


def naive_versus_mouse(comparison: pd.DataFrame, stage: str, genotype: str) -> dict:
    """Return what treating cells as replicates claims for one contrast, against the mouse-level analysis.

    Parameters
    ----------
    comparison : DataFrame
        :func:`compare_inference`'s table (every contrast by every method).
    stage, genotype : str
        The contrast (*genotype* vs the reference at *stage*).

    Returns
    -------
    dict
        ``se_factor_poisson`` and ``se_factor_quasipoisson`` (mouse-level SE over
        the naive GLM's: how many times too small the naive SE is),
        ``naive_p`` (Poisson GLM of cells) and ``mouse_p`` (mouse-level, unadjusted),
        ``naive_cells`` (the cells the naive test counts as replicates),
        ``n_mice`` (the mice of the contrast), and over every contrast of the
        table: ``median_design_effect`` (median of (mouse-level SE / Poisson SE)^2)
        and ``n_contrasts``.
    """
    pick = comparison[(comparison["stage"] == stage) & (comparison["genotype"] == genotype)].set_index("method")
    if not {"mouse", "poisson", "quasipoisson"} <= set(pick.index):
        raise design.DesignError(f"pla_cells, stage {stage}: the naive and the mouse-level tests of {genotype} "
                                 "are compared, but that contrast was not estimated; choose a stage with its mice.")
    mouse, naive = pick.loc["mouse"], pick.loc["poisson"]
    return {"se_factor_poisson": float(1 / naive["se_ratio"]),
            "se_factor_quasipoisson": float(1 / pick.loc["quasipoisson", "se_ratio"]),
            "naive_p": float(naive["p_value"]), "mouse_p": float(mouse["p_value"]),
            "naive_cells": int(naive["n_cells"]), "n_mice": int(mouse["n_mice"]),
            "median_design_effect": float(comparison.loc[comparison["method"] == "poisson", "design_effect"].median()),
            "n_contrasts": int(comparison["method"].eq("mouse").sum())}


def naive_results(naive: dict, genotype: str, reference: str) -> pd.DataFrame:
    """Return :func:`naive_versus_mouse`'s numbers as a results table (one row each, with its unit, n and method).

    Columns ``key, value, n, n_unit, unit, method, description, digits``, in the
    order the chapter states them (``ResultsLedger.record`` takes the table as it is).

    >>> naive = {"se_factor_poisson": 3.0, "se_factor_quasipoisson": 1.4, "naive_p": 1e-20, "mouse_p": 0.005,
    ...          "naive_cells": 216, "n_mice": 10, "median_design_effect": 9.3, "n_contrasts": 9}
    >>> table = naive_results(naive, "mut", "ref")
    >>> table[["key", "n", "n_unit"]].values.tolist()[2:5]
    [['naive_p', 216, 'cells'], ['mouse_p', 10, 'mice'], ['naive_cells', 216, 'cells']]
    """
    mice, cells, contrasts = (naive["n_mice"], "mice"), (naive["naive_cells"], "cells"), (naive["n_contrasts"], "contrasts")
    rows = [
        ("se_factor_poisson", mice, "x", "mouse-level SE / naive Poisson GLM SE", "how many times too small the naive SE is", 2),
        ("se_factor_quasipoisson", mice, "x", "mouse-level SE / quasi-Poisson GLM SE", "same, overdispersion allowed", 2),
        ("naive_p", cells, "p", CELL_METHODS["poisson"], f"naive p, {genotype} vs {reference}", 3),
        ("mouse_p", mice, "p", "OLS of log mean puncta per mouse on genotype x stage; t-based p of this comparison "
         "alone (unadjusted)", f"mouse-level p, {genotype} vs {reference}, unadjusted like the naive p it is compared "
         "with", 3),
        ("naive_cells", cells, "cells", "count", "cells the naive test counts as replicates", 0),
        ("median_design_effect", contrasts, "x", "median over the contrasts of (mouse-level SE / Poisson SE)^2",
         "variance the naive Poisson test hides", 2),
        ("n_contrasts", contrasts, "contrasts", "count", f"genotype-vs-{reference} comparisons", 0),
    ]
    return pd.DataFrame([{"key": key, "value": naive[key], "n": n, "n_unit": n_unit, "unit": unit, "method": method,
                          "description": description, "digits": digits}
                         for key, (n, n_unit), unit, method, description, digits in rows])


def featured_results(primary: pd.DataFrame, gee: pd.DataFrame, stage: str, focus: str, alpha: float,
                     groups: Groups, analysed: dict[str, str]) -> pd.DataFrame:
    """Return the featured stage's rate ratios as a results table: mouse level per genotype, then the GEE's.

    Parameters
    ----------
    primary, gee : DataFrame
        The mouse-level (:func:`fit_mouse_level_contrasts`) and GEE
        (:func:`fit_cell_level_contrasts`) contrasts with ratios
        (:func:`helpers.analysis.mouse_blots.with_ratios`), each a whole family.
    stage, focus : str
        The featured stage and the genotype whose GEE ratio is stated.
    alpha : float
        1 - confidence level of the simultaneous intervals.
    groups : Groups
        The study's design (:func:`groups_of`).
    analysed : dict
        ``tissue``, ``pair`` and ``cell_type`` analysed (they name the descriptions).

    Returns
    -------
    DataFrame
        ``rr_<genotype>`` for every genotype of *groups* in the study's order
        (a :class:`~helpers.analysis.design.DesignError` when one has no mice at
        *stage*), then ``gee_rr_<focus>``: rate ratios with their
        Bonferroni-simultaneous intervals, columns ``key, value, ci_low,
        ci_high, n, n_unit, unit, method, description, digits``.
    """
    tissue, pair, cell_type, reference = analysed["tissue"], analysed["pair"], analysed["cell_type"], groups.reference
    at_stage = contrasts_at_stage(primary, stage, groups.others, f"tissue {tissue}", reference)
    method = ("OLS of log mean puncta per mouse on genotype x stage, against "
              f"{reference}; t-based {mouse_blots.family_method(len(primary), alpha)}")
    gee_method = f"{CELL_METHODS['gee']}; {mouse_blots.family_method(len(gee), alpha)}"
    featured = gee[gee["stage"] == stage].set_index("genotype").loc[[focus]]
    rows = [(f"rr_{g}", at_stage.loc[g], method, f"{g}/{reference} PLA puncta/cell, {pair}, {cell_type}, {tissue}, "
             f"{stage}") for g in groups.others]
    rows.append((f"gee_rr_{focus}", featured.loc[focus], gee_method,
                 f"{focus}/{reference} PLA puncta per cell (GEE), {tissue}, {stage}"))
    return pd.DataFrame([{"key": key, "value": row["ratio"], "ci_low": row["ratio_sim_low"],
                          "ci_high": row["ratio_sim_high"], "n": row["n_mice"], "n_unit": "mice",
                          "unit": "rate ratio", "method": method, "description": description, "digits": 2}
                         for key, row, method, description in rows], columns=mouse_blots.RESULT_TABLE_COLUMNS)


def superplot_data(cells: pd.DataFrame, tissue: str, pair: str, cell_type: str, stage: str,
                   groups: Groups | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (cells, per-mouse means) of one tissue, pair, cell type and stage, with genotype labels."""
    groups = groups or groups_of()
    chosen = select_cells(cells, tissue, pair, cell_type)
    chosen = chosen[chosen["stage"] == stage]
    if chosen.empty:
        raise design.DesignError(f"pla_cells: no cells at stage {stage!r} (stages present: "
                                 f"{sorted(cells['stage'].unique())}); add them, or choose a stage that is present.")
    chosen = chosen.assign(genotype_label=_labels(chosen["genotype"], groups))
    means = summarise_mice(chosen)
    means = means.assign(genotype_label=_labels(means["genotype"], groups))
    return chosen, means


def _labels(genotypes: pd.Series, groups: Groups) -> pd.Series:
    """Display labels of genotype codes (the code itself when it has none); categoricals of a large table too."""
    return genotypes.astype(str).map(groups.label)
