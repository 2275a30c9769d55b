"""TBK1 activation in the mouse models: genotype x stage contrasts of log(pTBK1/TBK1).

Each mouse gives one lane per tissue, so within a tissue the mouse is the
experimental unit. Per tissue the model is ordinary least squares of the log
ratio on ``genotype * stage`` plus the gel as a fixed batch effect; every
mutant genotype is compared with WT mice of the same stage (a difference of
model-based cell means, gel effects cancelling), with t-based confidence
intervals. The comparisons of a tissue form one family: besides each
contrast's own (unadjusted) interval and p-value, Bonferroni-adjusted
simultaneous intervals and p-values that agree with each other
(:func:`helpers.stats.simultaneous.adjust_family`: an adjusted interval excludes
the null exactly when the adjusted p is below alpha); Holm's step-down
p-values are kept for reference.

The contrast machinery (:func:`genotype_stage_contrasts`) is shared with the
mouse-level PLA analysis in :mod:`helpers.analysis.pla`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import patsy
import statsmodels.formula.api as smf
from scipy import stats

from helpers.analysis import design
from helpers.analysis.blots import RESULT_TABLE_COLUMNS, add_log_ratio
from helpers.stats.simultaneous import adjust_family, holm
from helpers.stats.simultaneous import method_text as family_method


@dataclass(frozen=True)
class Groups:
    """The genotype x stage design of a study's tissue tables: what is compared with what.

    Analyses take it from the study description (:meth:`of`), so a SOD1-G93A or
    TDP-43 study is compared with its own reference, in its own stage order.
    """

    reference: str
    #: Genotypes compared with the reference, in the study's order.
    others: tuple[str, ...]
    #: Stages in the study's order (ordered factor).
    stages: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)
    #: ``{combined genotype: {locus: single-locus genotype}}``: the interactions that can be estimated.
    combined: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, study, table: str = "mouse_blot") -> Groups:
        """Return the design of *table* in *study* (:class:`helpers.data.study.Study`)."""
        genotype = study.factor("genotype")
        reference = study.reference(table, "genotype")
        levels = study.levels(table, "genotype")
        return cls(reference, tuple(g for g in levels if g != reference), tuple(study.levels(table, "stage")),
                   dict(genotype.labels), {k: v for k, v in study.combined.items() if k in levels})

    def label(self, genotype: str) -> str:
        """Display label of a genotype (its declared label, else the level itself)."""
        return self.labels.get(genotype, genotype)

    @property
    def rhs(self) -> str:
        """The model's group terms: genotype (against the reference) x stage."""
        return f"C(genotype, Treatment('{self.reference}')) * C(stage)"

    def interaction_weights(self, combined: str) -> dict[str, float]:
        """Weights of the interaction contrast of a combined genotype AB: (AB - A) - (B - reference)."""
        first, second = self.combined[combined].values()
        return {combined: 1.0, first: -1.0, second: -1.0, self.reference: 1.0}


def example_groups(table: str = "mouse_blot") -> Groups:
    """The example study's design, read from its description (the default of the functions here)."""
    from helpers.data.study import example_study

    return Groups.of(example_study(), table)


__all__ = ["Groups", "example_groups", "family_method"]
#: ``ci_low, ci_high, p_value``: each contrast on its own (unadjusted); ``sim_low, sim_high, p_adj``:
#: Bonferroni-adjusted over the family (simultaneous); ``p_holm``: Holm's step-down p, for reference.
CONTRAST_COLUMNS = [
    "tissue", "genotype", "stage", "estimate", "se", "ci_low", "ci_high", "p_value", "sim_low", "sim_high",
    "p_adj", "p_holm", "n_mice",
]
INTERACTION_COLUMNS = ["tissue", "stage", "estimate", "se", "ci_low", "ci_high", "p_value", "sim_low", "sim_high",
                       "p_adj", "p_holm", "n_mice"]


def group_formula(response: str, data: pd.DataFrame, batch: str | None = None, groups: Groups | None = None) -> str:
    """Return the model formula ``response ~ genotype * stage [+ batch]``.

    The batch enters only when *data* holds more than one batch level.

    >>> design = Groups("ref", ("mut",), ("early", "late"))
    >>> group_formula("y", pd.DataFrame({"gel_id": ["G1", "G2"]}), batch="gel_id", groups=design)
    "y ~ C(genotype, Treatment('ref')) * C(stage) + C(gel_id)"
    """
    rhs = (groups or example_groups()).rhs
    if batch is not None and data[batch].nunique() > 1:
        rhs += f" + C({batch})"
    return f"{response} ~ {rhs}"


def _design_spec(fit):
    """Return the formula design of a fitted model (patsy or formulaic, by statsmodels version)."""
    data = fit.model.data
    return getattr(data, "model_spec", None) or data.design_info


def _cell_row(spec, data: pd.DataFrame, genotype: str, stage: str) -> np.ndarray:
    """Design-matrix row of the cell mean (genotype, stage), other factors at their first level."""
    new = data.iloc[[0]].copy()
    new["genotype"] = genotype
    new["stage"] = stage
    if isinstance(spec, patsy.DesignInfo):
        (row,) = patsy.build_design_matrices([spec], new, return_type="matrix")
    else:  # formulaic ModelSpec
        row = spec.get_model_matrix(new)
    return np.asarray(row, dtype=float)[0]


def contrast_vectors(spec, data: pd.DataFrame, weights: dict[tuple[str, str], float]) -> np.ndarray:
    """Return the parameter weights of a linear combination of cell means.

    Parameters
    ----------
    spec : patsy.DesignInfo or formulaic ModelSpec
        Design of the fitted model (see ``_design_spec``).
    data : DataFrame
        The data the model was fitted to (one row supplies the other factors,
        whose effects cancel in a contrast whose weights sum to zero).
    weights : dict
        ``{(genotype, stage): weight}``.
    """
    return sum(w * _cell_row(spec, data, g, s) for (g, s), w in weights.items())


def estimate_linear(params: pd.Series, cov: pd.DataFrame, vector: np.ndarray, alpha: float,
                    df: float | None) -> dict:
    """Return estimate, SE, CI and two-sided p of ``vector @ params`` (t with *df*, normal if None)."""
    estimate = float(vector @ params.to_numpy())
    se = float(np.sqrt(vector @ cov.to_numpy() @ vector))
    dist = stats.norm if df is None else stats.t(df)
    crit = dist.ppf(1 - alpha / 2)
    return {
        "estimate": estimate,
        "se": se,
        "ci_low": estimate - crit * se,
        "ci_high": estimate + crit * se,
        "p_value": float(2 * dist.sf(abs(estimate) / se)),
    }


def _present_stages(data: pd.DataFrame, groups: Groups | None = None) -> list[str]:
    groups = groups or example_groups()
    present = set(data["stage"])
    order = [s for s in groups.stages if s in present]
    return order + sorted(present - set(order))


def genotype_stage_contrasts(fit, data: pd.DataFrame, unit: str, alpha: float, df: float | None,
                             groups: Groups | None = None) -> pd.DataFrame:
    """Return every mutant-vs-WT contrast within each stage of a fitted ``genotype * stage`` model.

    Parameters
    ----------
    fit : statsmodels results
        Fitted from a formula containing ``C(genotype, Treatment(reference)) * C(stage)``.
    data : DataFrame
        The data the model was fitted to.
    unit : str
        Column identifying the experimental unit (counted in ``n_mice``).
    alpha : float
        1 - confidence level.
    df : float or None
        Residual degrees of freedom for t-based intervals; None for normal ones.
    groups : Groups
        The study's reference genotype, the genotypes compared with it, the stage order.

    Returns
    -------
    DataFrame
        Columns ``genotype, stage, estimate, se, ci_low, ci_high, p_value,
        sim_low, sim_high, p_adj, p_holm, n_mice``: unadjusted interval and
        p; Bonferroni-adjusted simultaneous interval and p across all rows
        (they agree); Holm's p across all rows.
    """
    groups = groups or example_groups()
    spec = _design_spec(fit)
    params, cov = fit.params, fit.cov_params()
    present = set(zip(data["genotype"], data["stage"], strict=True))
    rows = []
    reference = groups.reference
    for stage in _present_stages(data, groups):
        if (reference, stage) not in present:
            continue
        for genotype in groups.others:
            if (genotype, stage) not in present:
                continue
            vector = contrast_vectors(spec, data, {(genotype, stage): 1.0, (reference, stage): -1.0})
            in_contrast = data["stage"].eq(stage) & data["genotype"].isin([genotype, reference])
            rows.append({"genotype": genotype, "stage": stage,
                         **estimate_linear(params, cov, vector, alpha, df),
                         "n_mice": int(data.loc[in_contrast, unit].nunique())})
    if not rows:
        raise design.DesignError(f"mouse_blot: no genotype shares a stage with the reference {reference} mice, so "
                                 f"there is nothing to compare; add {reference} mice of the other genotypes' stages.")
    return _adjust(pd.DataFrame(rows), alpha, df)


def _adjust(table: pd.DataFrame, alpha: float, df: float | None) -> pd.DataFrame:
    """Add the family's simultaneous intervals, adjusted and Holm p-values (before ``n_mice``)."""
    family = adjust_family(table, alpha, df)
    at = table.columns.get_loc("n_mice")
    for offset, column in enumerate(("sim_low", "sim_high", "p_adj")):
        table.insert(at + offset, column, family[column].to_numpy())
    table.insert(at + 3, "p_holm", holm(table["p_value"]))
    return table


def tissue_lanes(lanes: pd.DataFrame, tissue: str) -> pd.DataFrame:
    """Return the lanes of one *tissue* (with ``log_ratio``); refuse, naming the tissues present, when it has none.

    >>> lanes = pd.DataFrame({"tissue": ["t1", "t2"], "mouse_id": ["M1", "M2"], "log_ratio": [0.1, 0.2]})
    >>> tissue_lanes(lanes, "t2")["mouse_id"].tolist()
    ['M2']
    >>> tissue_lanes(lanes, "t3")
    Traceback (most recent call last):
    ...
    helpers.analysis.design.DesignError: mouse_blot: no lanes for tissue 't3' (tissues present: t1, t2); add them, or choose a tissue that is present (the chapter's parameter tissue).
    """
    data = design.lanes_at(lanes, "mouse_blot", "tissue", tissue)
    if "log_ratio" not in data:
        data = add_log_ratio(data)
    return data


def fit_tissue_model(lanes: pd.DataFrame, tissue: str, groups: Groups | None = None):
    """Return the OLS fit ``log_ratio ~ genotype * stage + C(gel_id)`` and its data for one tissue.

    *lanes* is the mouse blot table; without a ``log_ratio`` column the ratio
    is computed with the loading-control normalization.
    """
    groups = groups or example_groups()
    data = tissue_lanes(lanes, tissue)
    design.check_mouse_groups(data, "mouse_blot", f"tissue {tissue}", groups.rhs, batch="gel_id",
                              reference=groups.reference)
    return smf.ols(group_formula("log_ratio", data, batch="gel_id", groups=groups), data=data).fit(), data


def fit_genotype_contrasts(lanes: pd.DataFrame, tissue: str, alpha: float = 0.05,
                           groups: Groups | None = None) -> pd.DataFrame:
    """Estimate each mutant genotype vs WT of the same stage in log(pTBK1/TBK1), one tissue.

    Parameters
    ----------
    lanes : DataFrame
        Mouse blot table (``mouse_blot``), with ``log_ratio`` from
        :func:`helpers.analysis.blots.add_log_ratio` (computed with the loading control
        if absent).
    tissue : str
        Tissue to analyse.
    alpha : float
        1 - confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per mutant genotype x stage: ``tissue, genotype, stage,
        estimate, se, ci_low, ci_high, p_value, sim_low, sim_high, p_adj,
        p_holm, n_mice`` (log scale, vs WT of the same stage; t-based CI from
        the OLS fit, unadjusted and Bonferroni-simultaneous over the rows of
        the tissue, with matching p-values; ``n_mice`` counts the mice of both
        groups).
    """
    groups = groups or example_groups()
    fit, data = fit_tissue_model(lanes, tissue, groups)
    table = genotype_stage_contrasts(fit, data, "mouse_id", alpha, df=fit.df_resid, groups=groups)
    table.insert(0, "tissue", tissue)
    return table[CONTRAST_COLUMNS]


def fit_interaction_contrasts(lanes: pd.DataFrame, tissue: str, alpha: float = 0.05,
                              groups: Groups | None = None, combined: str | None = None) -> pd.DataFrame:
    """Estimate, per stage, the interaction of the two loci of a combined genotype on log(pTBK1/TBK1).

    For a combined genotype AB of loci A and B (declared by the study, e.g.
    SOD1-G85R x Sigmar1 KO) the contrast is ``(AB − A) − (B − reference)``:
    negative when losing B lowers TBK1 activation more on the A background
    than on the reference. Same model as :func:`fit_genotype_contrasts`; the
    stages form the family (Bonferroni-simultaneous intervals and p, Holm p).
    *combined* names the combined genotype (default: the first the study declares).

    Returns
    -------
    DataFrame
        :data:`INTERACTION_COLUMNS`.
    """
    groups = groups or example_groups()
    if not groups.combined:
        raise ValueError("the study declares no combined genotype, so there is no interaction to estimate")
    fit, data = fit_tissue_model(lanes, tissue, groups)
    weights = groups.interaction_weights(combined or next(iter(groups.combined)))
    rows = []
    present = set(zip(data["genotype"], data["stage"], strict=True))
    for stage in _present_stages(data, groups):
        if not all((g, stage) in present for g in weights):
            continue
        vector = contrast_vectors(_design_spec(fit), data, {(g, stage): w for g, w in weights.items()})
        rows.append({"tissue": tissue, "stage": stage,
                     **estimate_linear(fit.params, fit.cov_params(), vector, alpha, fit.df_resid),
                     "n_mice": int(data.loc[data["stage"] == stage, "mouse_id"].nunique())})
    if not rows:
        missing = "; ".join(f"{stage}: no {', '.join(g for g in weights if (g, stage) not in present)} mice"
                            for stage in _present_stages(data, groups))
        raise design.DesignError(
            f"mouse_blot, tissue {tissue}: the interaction of {combined} is read at a stage that has "
            f"{', '.join(weights)} mice, but no stage has all four ({missing}); add the lanes of the missing "
            "genotypes at one stage at least.")
    return _adjust(pd.DataFrame(rows), alpha, fit.df_resid)[INTERACTION_COLUMNS]


def with_ratios(table: pd.DataFrame, truth=None) -> pd.DataFrame:
    """Return *table* with ``ratio, ratio_ci_low, ratio_ci_high`` (exp of the log-scale columns).

    ``ratio_ci_*`` are the unadjusted intervals; when the table holds the
    family's simultaneous intervals, ``ratio_sim_low, ratio_sim_high`` are
    added too. *truth*, a function of a row returning the true log effect,
    adds ``true_ratio``.

    >>> with_ratios(pd.DataFrame({"estimate": [0.0], "ci_low": [-1.0], "ci_high": [1.0]}))["ratio"].tolist()
    [1.0]
    """
    out = table.assign(ratio=np.exp(table["estimate"]), ratio_ci_low=np.exp(table["ci_low"]),
                       ratio_ci_high=np.exp(table["ci_high"]))
    if "sim_low" in table:
        out = out.assign(ratio_sim_low=np.exp(table["sim_low"]), ratio_sim_high=np.exp(table["sim_high"]))
    if truth is not None:
        out["true_ratio"] = np.exp([truth(row) for row in out.itertuples()])
    return out


def per_mouse_ratios(lanes: pd.DataFrame, tissue: str, stage: str, groups: Groups | None = None) -> pd.DataFrame:
    """Return the lanes of one tissue and stage, with display labels, for a one-point-per-mouse plot."""
    groups = groups or example_groups()
    data = tissue_lanes(lanes, tissue)
    present = sorted(set(data["stage"]))
    data = data[data["stage"] == stage]
    if data.empty:
        raise design.DesignError(
            f"mouse_blot, tissue {tissue}: the mice of stage {stage} are shown one point per mouse, but the table "
            f"has no {stage} lanes in {tissue} (stages present: {', '.join(present) or 'none'}); add them, or "
            "choose a stage that is present (the chapter's parameter stage).")
    return data.assign(genotype_label=data["genotype"].map(groups.label))


# --------------------------------------------------------------------------
# What the chapter states, as results tables (``ResultsLedger.record``)
# --------------------------------------------------------------------------
def contrast_method(groups: Groups, n_contrasts: int, alpha: float) -> str:
    """Return the ledger's method text of the tissue's genotype-vs-reference contrasts.

    >>> contrast_method(Groups("ref", ("mut",), ("s1",)), 3, 0.05).split(";")[0]
    'OLS of log(pTBK1/TBK1) on genotype x stage + gel (fixed), against ref'
    """
    return (f"OLS of log(pTBK1/TBK1) on genotype x stage + gel (fixed), against {groups.label(groups.reference)}; "
            f"t-based {family_method(n_contrasts, alpha)}")


def featured_results(contrasts: pd.DataFrame, stage: str, tissue: str, alpha: float,
                     groups: Groups | None = None) -> pd.DataFrame:
    """Return the featured stage's contrasts as a results table: each genotype's ratio, then its adjusted p.

    Parameters
    ----------
    contrasts : DataFrame
        The tissue's contrasts with ratios (:func:`with_ratios` of
        :func:`fit_genotype_contrasts`): every stage, the whole family.
    stage, tissue : str
        The featured stage and the tissue (they name the rows' descriptions).
    alpha : float
        1 - confidence level of the simultaneous intervals.
    groups : Groups, optional
        The study's design (labels, reference); default the example study's.

    Returns
    -------
    DataFrame
        Per genotype at *stage*, in the table's order, ``ratio_<genotype>``
        (ratio of geometric means with its Bonferroni-simultaneous interval)
        and ``p_adj_<genotype>`` (the matching adjusted p): columns ``key,
        value, ci_low, ci_high, n, n_unit, unit, method, description, digits``.
    """
    groups = groups or example_groups()
    reference, method = groups.label(groups.reference), contrast_method(groups, len(contrasts), alpha)
    rows = []
    for row in contrasts[contrasts["stage"] == stage].itertuples():
        label, about = groups.label(row.genotype), {"n": row.n_mice, "n_unit": "mice", "method": method}
        rows += [{"key": f"ratio_{row.genotype}", "value": row.ratio, "ci_low": row.ratio_sim_low,
                  "ci_high": row.ratio_sim_high, "unit": "ratio of geometric means", "digits": 2, **about,
                  "description": f"{label}/{reference} pTBK1/TBK1, {tissue}, {stage}"},
                 {"key": f"p_adj_{row.genotype}", "value": row.p_adj, "unit": "p", "digits": 3, **about,
                  "description": f"Bonferroni-adjusted p, {label} vs {reference}, {tissue}, {stage}"}]
    return pd.DataFrame(rows, columns=RESULT_TABLE_COLUMNS)


def interaction_results(interaction: pd.DataFrame | None, stage: str, tissue: str, alpha: float,
                        groups: Groups, combined: str | None) -> pd.DataFrame:
    """Return the interaction of *combined*'s two lesions at *stage* as a results table (no row without one).

    ``interaction_ratio``: the ratio of ratios (AB / A) / (B / reference)
    with its interval simultaneous over the stages (:func:`with_ratios` of
    :func:`fit_interaction_contrasts`). A study without a combined genotype
    (*combined* None), or one whose interaction is not estimable at *stage*,
    gives an empty table.
    """
    if combined is None or interaction is None or stage not in set(interaction["stage"]):
        return pd.DataFrame(columns=RESULT_TABLE_COLUMNS)
    row = interaction[interaction["stage"] == stage].iloc[0]
    first, second = (groups.label(g) for g in groups.combined[combined].values())
    return pd.DataFrame([{
        "key": "interaction_ratio", "value": row["ratio"], "ci_low": row["ratio_sim_low"],
        "ci_high": row["ratio_sim_high"], "n": row["n_mice"], "n_unit": "mice", "unit": "ratio of ratios",
        "method": f"interaction contrast of the same OLS model; {family_method(len(interaction), alpha)}",
        "description": f"({groups.label(combined)} / {first}) / ({second} / {groups.label(groups.reference)}), "
                       f"{tissue}, {stage}",
        "digits": 2}], columns=RESULT_TABLE_COLUMNS)


def design_counts(contrasts: pd.DataFrame, tissue: str, alpha: float, n_mice: int,
                  groups: Groups | None = None) -> pd.DataFrame:
    """Return the size of the tissue's design as a results table: contrasts, those below alpha, mice.

    ``n_contrasts`` (the family's comparisons), ``n_adj_significant`` (those
    whose Bonferroni-adjusted p is below *alpha*, i.e. whose simultaneous
    interval excludes 1; out of ``n_contrasts``) and ``n_mice`` (*n_mice*,
    the mice with a lane of the tissue).
    """
    groups = groups or example_groups()
    n, reference = len(contrasts), groups.label(groups.reference)
    rows = [("n_contrasts", n, n, "contrasts", "count", f"genotype-vs-{reference} comparisons made in {tissue}"),
            ("n_adj_significant", int((contrasts["p_adj"] < alpha).sum()), n, "contrasts",
             contrast_method(groups, n, alpha),
             f"contrasts with Bonferroni p < alpha (simultaneous CI excluding 1), {tissue}"),
            ("n_mice", n_mice, n_mice, "mice", "count", f"mice with a lane of {tissue}")]
    return pd.DataFrame([{"key": key, "value": value, "n": of, "n_unit": unit, "unit": unit, "method": method,
                          "description": description, "digits": 0}
                         for key, value, of, unit, method, description in rows], columns=RESULT_TABLE_COLUMNS)
