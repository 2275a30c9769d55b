"""Immunoblot ratios and their models: TBK1 activation as log(pTBK1/TBK1).

Blot ratios are analysed on the log scale; differences of log ratios are
reported back as ratios of geometric means. The gel is a batch: it enters the
models as a fixed effect (each gel carries both groups by design, and with
three to five gels a random-effect variance would be poorly estimated).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from helpers.analysis import design
from helpers.stats.intervals import Effect

NORMALIZATIONS = ("loading_control", "total_protein", "none")
#: Columns of the results tables the chapters record (``ResultsLedger.record``); a NaN is a field not given.
RESULT_TABLE_COLUMNS = ["key", "value", "ci_low", "ci_high", "n", "n_unit", "unit", "method", "description", "digits"]


def add_log_ratio(table: pd.DataFrame, normalization: str = "loading_control") -> pd.DataFrame:
    """Return a copy of *table* with ``log_ratio`` = log(pTBK1/TBK1) after normalization.

    Parameters
    ----------
    table : DataFrame
        A blot table with the band columns of :mod:`helpers.data.tables.blot_columns`.
    normalization : {"loading_control", "total_protein", "none"}
        Each band divided by its membrane's loading control, by its membrane's
        total-protein stain, or not at all.

    Examples
    --------
    >>> t = pd.DataFrame({"ptbk1": [2.0], "ptbk1_loading": [1.0], "tbk1": [4.0],
    ...                   "tbk1_loading": [4.0], "ptbk1_total_protein": [1.0],
    ...                   "tbk1_total_protein": [1.0]})
    >>> float(np.exp(add_log_ratio(t)["log_ratio"].iloc[0]))
    2.0
    >>> float(np.exp(add_log_ratio(t, "none")["log_ratio"].iloc[0]))
    0.5
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
    ptbk1 = np.log(table["ptbk1"])
    tbk1 = np.log(table["tbk1"])
    if normalization == "loading_control":
        ptbk1 = ptbk1 - np.log(table["ptbk1_loading"])
        tbk1 = tbk1 - np.log(table["tbk1_loading"])
    elif normalization == "total_protein":
        ptbk1 = ptbk1 - np.log(table["ptbk1_total_protein"])
        tbk1 = tbk1 - np.log(table["tbk1_total_protein"])
    return table.assign(log_ratio=ptbk1 - tbk1)


def region_lanes(table: pd.DataFrame, region: str) -> pd.DataFrame:
    """Return the lanes of one *region* of the human table; refuse, naming the regions present, when it has none.

    >>> lanes = pd.DataFrame({"region": ["a", "b"], "donor_id": ["D1", "D2"]})
    >>> region_lanes(lanes, "b")["donor_id"].tolist()
    ['D2']
    >>> region_lanes(lanes, "c")
    Traceback (most recent call last):
    ...
    helpers.analysis.design.DesignError: human_blot: no lanes for region 'c' (regions present: a, b); add them, or choose a region that is present (the chapter's parameter region).
    """
    return design.lanes_at(table, "human_blot", "region", region)


def fit_region_effect(
    table: pd.DataFrame,
    region: str,
    covariates: tuple[str, ...] = ("age", "sex", "pmi"),
    alpha: float = 0.05,
    reference: str | None = None,
    group: str | None = None,
) -> Effect:
    """Estimate a diagnosis group minus the reference group in log(pTBK1/TBK1), one region of the human table.

    The model is ordinary least squares of ``log_ratio`` on diagnosis (every
    group present, against *reference*), the chosen covariates (age and PMI
    centred) and the gel as a fixed batch effect. One lane per donor and
    region, so the donor is the unit.

    Parameters
    ----------
    table : DataFrame
        Human blot table with ``log_ratio`` (see :func:`add_log_ratio`).
    region : str
        Region to analyse.
    covariates : tuple of {"age", "sex", "pmi"}
        Adjustment set.
    alpha : float
        1 - confidence level of the interval.
    reference : str, optional
        The study's reference diagnosis (controls; default: the example
        study's, from its description).
    group : str, optional
        The group compared with the reference (default: the one other group
        present; required when there are several).

    Returns
    -------
    Effect
        Term *group*; ``n_units`` is the number of donors of the two groups.
    """
    if reference is None:
        from helpers.data.study import example_study

        reference = example_study().reference("human_blot", "group")
    data = region_lanes(table, region)
    terms = {"age": "age_c", "sex": "C(sex)", "pmi": "pmi_c"}
    unknown = set(covariates) - set(terms)
    if unknown:
        raise ValueError(f"unknown covariates {sorted(unknown)}; allowed: {sorted(terms)}")
    data["age_c"] = data["age_years"] - data["age_years"].mean()
    data["pmi_c"] = data["pmi_hours"] - data["pmi_hours"].mean()
    others = [g for g in pd.unique(data["group"]) if g != reference]
    if group is None and len(others) > 1:
        raise ValueError(f"several groups are compared with {reference} ({', '.join(others)}); name one")
    group = group if group is not None else (others[0] if others else "")
    rhs = [f"C(group, Treatment({reference!r}))"] + [terms[c] for c in covariates]
    if data["gel_id"].nunique() > 1:
        rhs.append("C(gel_id)")
    design.check_human_region(data, " + ".join(rhs), region, reference, tuple(others) or (group,))
    fit = smf.ols("log_ratio ~ " + " + ".join(rhs), data=data).fit()
    name = f"C(group, Treatment({reference!r}))[T.{group}]"
    low, high = fit.conf_int(alpha=alpha).loc[name]
    return Effect(
        term=group,
        estimate=float(fit.params[name]),
        se=float(fit.bse[name]),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(fit.pvalues[name]),
        df_resid=float(fit.df_resid),
        n_units=int(data.loc[data["group"].isin([reference, group]), "donor_id"].nunique()),
    )


def fit_region_effects(table: pd.DataFrame, groups, alpha: float = 0.05, reference: str | None = None,
                       covariates: tuple[str, ...] = ("age", "sex", "pmi")) -> pd.DataFrame:
    """Estimate every diagnosis group against the reference in every region (:func:`fit_region_effect`).

    Parameters
    ----------
    table : DataFrame
        Human blot table with ``log_ratio`` (see :func:`add_log_ratio`).
    groups : sequence of str
        The diagnosis groups compared with *reference*, in the study's order;
        a region estimates those of them it has lanes of.
    alpha, reference, covariates
        As for :func:`fit_region_effect`.

    Returns
    -------
    DataFrame
        One row per region (sorted) and group: ``region, group``, the fields of
        :class:`~helpers.stats.intervals.Effect` (log scale), ``ratio,
        ratio_ci_low, ratio_ci_high`` (ratio of geometric means, group over
        reference, with its unadjusted interval) and ``percent_lower``
        (``100 x (1 - ratio)``: how much lower the group's geometric mean is).
    """
    rows = [{"region": region, "group": group,
             **fit_region_effect(table, region, covariates, alpha, reference, group).as_dict()}
            for region in sorted(table["region"].unique()) for group in groups
            if group in set(table.loc[table["region"] == region, "group"])]
    if not rows:
        raise design.DesignError(f"human_blot: no region has lanes of {' or '.join(groups) or 'a diagnosis group'} "
                                 f"besides the reference {reference}, so there is nothing to compare; add them.")
    effects = pd.DataFrame(rows)
    return effects.assign(percent_lower=100 * (1 - effects["ratio"]))


def summarise_by_unit(table: pd.DataFrame, unit: str, by: list[str]) -> pd.DataFrame:
    """Return the geometric-mean ratio per experimental *unit* within groups *by*.

    >>> t = pd.DataFrame({"m": ["a", "a", "b"], "g": ["x", "x", "y"],
    ...                   "log_ratio": [0.0, np.log(4.0), 0.0]})
    >>> summarise_by_unit(t, "m", ["g"])["ratio"].round(6).tolist()
    [2.0, 1.0]
    """
    out = table.groupby([*by, unit], as_index=False, observed=True)["log_ratio"].mean()
    return out.assign(ratio=np.exp(out["log_ratio"]))


def region_results(effects: pd.DataFrame, region: str, reference: str, n_donors: int) -> pd.DataFrame:
    """Return the human comparisons as a results table, in the order the chapter states them.

    Parameters
    ----------
    effects : DataFrame
        :func:`fit_region_effects`'s table; an optional ``key_suffix`` column
        (``_<group>`` when several diagnosis groups are compared) ends each key.
    region : str
        The featured region.
    reference : str
        The reference group (named in the descriptions and the method).
    n_donors : int
        Donors in the table.

    Returns
    -------
    DataFrame
        ``ratio_<region><suffix>`` for every row of *effects*, then per group of
        the featured region ``featured_ratio<suffix>``, then
        ``featured_percent_lower<suffix>``, then ``n_donors``: columns ``key,
        value, ci_low, ci_high, n, n_unit, unit, method, description, digits``.
    """
    method = f"OLS of log(pTBK1/TBK1) on diagnosis (vs {reference}) + age + sex + PMI + gel (fixed); t-based CI"
    effects = effects if "key_suffix" in effects else effects.assign(key_suffix="")
    at_region = effects[effects["region"] == region]
    ratio = {"n_unit": "donors", "unit": "ratio of geometric means", "method": method, "digits": 2}
    rows = [{"key": f"ratio_{r.region}{r.key_suffix}", "value": r.ratio, "ci_low": r.ratio_ci_low,
             "ci_high": r.ratio_ci_high, "n": r.n_units, **ratio,
             "description": f"{r.group}/{reference} pTBK1/TBK1, {r.region}"} for r in effects.itertuples()]
    rows += [{"key": f"featured_ratio{r.key_suffix}", "value": r.ratio, "ci_low": r.ratio_ci_low,
              "ci_high": r.ratio_ci_high, "n": r.n_units, **ratio,
              "description": f"{r.group}/{reference} pTBK1/TBK1 in the featured region ({region})"}
             for r in at_region.itertuples()]
    rows += [{"key": f"featured_percent_lower{r.key_suffix}", "value": r.percent_lower, "n": r.n_units,
              "n_unit": "donors", "unit": "%", "method": method, "digits": 0,
              "description": f"percent lower geometric mean in {r.group}"} for r in at_region.itertuples()]
    rows.append({"key": "n_donors", "value": n_donors, "n": n_donors, "n_unit": "donors", "unit": "donors",
                 "method": "count", "description": "donors in the table", "digits": 0})
    return pd.DataFrame(rows, columns=RESULT_TABLE_COLUMNS)
