"""Motor trajectories of the arsenite challenge: weekly slopes per group and their differences.

Each motor measure is modelled as a straight line in (centred) week for every
mouse: a linear mixed model (statsmodels ``MixedLM``, REML) with fixed
effects ``week_c * genotype * treatment`` — written here in the equivalent
cell-means form, one intercept and one slope per genotype x treatment — and a
random intercept and slope per mouse. The estimands are differences of
weekly slopes: the stressor (arsenite in the source study) minus its control
(vehicle) within each genotype, and how much that difference changes in a
deficient genotype compared with the reference genotype (WT). The study's
description names the reference, the control and the stressor.

Inference. The mouse is the unit: the slope contrasts are between-mouse
comparisons, so their intervals use a t distribution with the between-mouse
degrees of freedom ``n_mice - n_groups`` (one intercept and slope per group
is estimated from the mice of that group). MixedLM's default z intervals
would be too narrow with 8-10 mice per group. With every mouse measured in
the same weeks (a balanced design) the mixed-model slope estimates equal the
group means of per-mouse least-squares slopes, and t inference on those
"summary measures" is exact; :func:`summary_measure_contrasts` computes that
analysis, and the chapter shows that the two agree.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from helpers.analysis import design

BOUNDARY_HEURISTIC = "The MLE may be on the boundary of the parameter space."

#: The method of :func:`mixed_model_contrasts` in words (for the results table).
SLOPE_METHOD = "MixedLM (REML), random intercept and slope per mouse; t CI with df = mice - groups"

#: Label and unit of each motor measure.
MEASURES = {
    "rotarod_s": ("Rotarod latency to fall", "s"),
    "grip_g": ("Grip strength", "g"),
    "body_weight_g": ("Body weight", "g"),
}


def add_design_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Return *table* with ``week_c`` (week minus the mean test week) and ``cell`` (genotype/treatment).

    Examples
    --------
    >>> t = pd.DataFrame({"week": [0, 2, 4], "genotype": "ref", "treatment": "ctrl"})
    >>> add_design_columns(t)[["week_c", "cell"]].values.tolist()
    [[-2.0, 'ref/ctrl'], [0.0, 'ref/ctrl'], [2.0, 'ref/ctrl']]
    """
    weeks = np.sort(table["week"].unique()).astype(float)
    return table.assign(week_c=table["week"].astype(float) - weeks.mean(),
                        cell=table["genotype"].astype(str) + "/" + table["treatment"].astype(str))


def _contrast_rows(estimates: pd.Series, cov: pd.DataFrame, name_of, genotypes: list[str],
                   reference: str, df: float, alpha: float, control: str,
                   stressor: str) -> pd.DataFrame:
    """Stressor-minus-control slope per genotype, and its difference from *reference*."""
    t = stats.t.ppf(1 - alpha / 2, df)

    def contrast(weights: dict[str, float]) -> tuple[float, float]:
        vec = pd.Series(0.0, index=estimates.index)
        for cell, w in weights.items():
            vec[name_of(cell)] += w
        return float(vec @ estimates), float(np.sqrt(vec @ cov.loc[vec.index, vec.index] @ vec))

    rows = []
    for g in genotypes:
        rows.append(("treatment_effect", g, *contrast({f"{g}/{stressor}": 1, f"{g}/{control}": -1})))
    for g in genotypes:
        if g != reference:
            rows.append(("interaction", g, *contrast({f"{g}/{stressor}": 1, f"{g}/{control}": -1,
                                                      f"{reference}/{stressor}": -1, f"{reference}/{control}": 1})))
    out = pd.DataFrame(rows, columns=["contrast", "genotype", "estimate", "se"])
    out["df"] = df
    out["ci_low"] = out["estimate"] - t * out["se"]
    out["ci_high"] = out["estimate"] + t * out["se"]
    out["p_value"] = 2 * stats.t.sf(np.abs(out["estimate"] / out["se"]), df)
    return out


def _moment_start(data: pd.DataFrame) -> np.ndarray:
    """Method-of-moments covariance of the random intercept and slope, relative to the residual variance.

    From per-mouse least-squares lines: the residual variance pooled over
    mice, and the between-mouse covariance of (intercept, slope) within
    groups minus the part due to residual noise. Starting REML here makes
    the optimizer reliable (from statsmodels' default start it often stops
    early or at a poor point on these data).
    """
    coefs, rss, sxx, counts = [], 0.0, [], []
    for _, sub in data.groupby("mouse_id", sort=True):
        x = np.c_[np.ones(len(sub)), sub["week_c"].to_numpy()]
        beta, *_ = np.linalg.lstsq(x, sub["response"].to_numpy(), rcond=None)
        coefs.append((sub["cell"].iloc[0], *beta))
        rss += float(((sub["response"].to_numpy() - x @ beta) ** 2).sum())
        sxx.append(float(((x[:, 1] - x[:, 1].mean()) ** 2).sum()))
        counts.append(len(sub))
    coefs = pd.DataFrame(coefs, columns=["cell", "a", "b"])
    sigma2 = rss / max(len(data) - 2 * len(coefs), 1)
    dev = coefs[["a", "b"]] - coefs.groupby("cell")[["a", "b"]].transform("mean")
    between = (dev.T @ dev).to_numpy() / max(len(coefs) - coefs["cell"].nunique(), 1)
    cov = between - sigma2 * np.diag([np.mean(1 / np.array(counts)), np.mean(1 / np.array(sxx))])
    for i in range(2):  # keep the start inside the parameter space
        cov[i, i] = max(cov[i, i], 1e-3 * between[i, i])
    corr = np.clip(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]), -0.9, 0.9)
    cov[0, 1] = cov[1, 0] = corr * np.sqrt(cov[0, 0] * cov[1, 1])
    return cov / sigma2


def fit_slope_model(table: pd.DataFrame, measure: str):
    """Fit the random intercept and slope model of *measure* by REML.

    The response is divided by its standard deviation before fitting (the
    model is scale-equivariant and the optimizer behaves better on unit
    scale); multiply estimates by the returned scale and covariances by its
    square. REML starts from method-of-moments variance components
    (:func:`_moment_start`) and uses L-BFGS, then BFGS and Powell if that
    fails. A variance estimated at the boundary is a valid REML answer:
    it is kept as a note rather than printed. A fit that converges with no
    optimizer raises.

    Returns
    -------
    tuple
        (statsmodels MixedLMResults on the standardized response, scale,
        list of warning messages of the accepted fit).
    """
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {list(MEASURES)}, got {measure!r}")
    data = add_design_columns(table)
    scale = float(data[measure].std(ddof=1))
    data["response"] = data[measure] / scale
    model = smf.mixedlm("response ~ 0 + C(cell) + C(cell):week_c", data, groups=data["mouse_id"],
                        re_formula="~week_c")
    start = MixedLMParams.from_components(cov_re=_moment_start(data))
    failures = []
    for method in ("lbfgs", "bfgs", "powell"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = model.fit(reml=True, method=method, start_params=start)
        # statsmodels flags "may be on the boundary" whenever a variance is below
        # 0.01 in absolute terms, whatever the unit; check the boundary instead.
        notes = sorted({str(w.message) for w in caught} - {BOUNDARY_HEURISTIC})
        failed = not fit.converged or any("failed" in n for n in notes)
        if not failed:
            cov = np.asarray(fit.cov_re)
            if min(np.diag(cov)) < 1e-6 * fit.scale:
                notes.append("a random-effect variance is estimated as zero (boundary of the parameter space)")
            return fit, scale, notes
        failures.append(f"{method}: {'; '.join(notes) or 'not converged'}")
    raise RuntimeError(f"mixed model of {measure} did not converge ({' | '.join(failures)})")


def mixed_model_contrasts(table: pd.DataFrame, measure: str, *, reference: str,
                          alpha: float = 0.05, control: str, stressor: str) -> pd.DataFrame:
    """Slope contrasts of *measure* from the mixed model, with between-mouse t intervals.

    Returns
    -------
    DataFrame
        One row per contrast: ``contrast`` ("treatment_effect": *stressor* minus
        *control* weekly slope within ``genotype``; "interaction": that
        difference in ``genotype`` minus in *reference*), ``estimate, se, df,
        ci_low, ci_high, p_value``; ``df = n_mice - n_groups``. Warnings of
        the accepted fit (e.g. a variance on the boundary) are listed in
        ``.attrs["notes"]``, the REML variance components in
        ``.attrs["variance_components"]`` (see :func:`variance_components`).
    """
    design.check_arsenite_motor(table, reference, control, stressor)
    fit, scale, notes = fit_slope_model(table, measure)
    fixed = fit.fe_params * scale
    cov = fit.cov_params().loc[fixed.index, fixed.index] * scale**2
    n_mice = table["mouse_id"].nunique()
    n_cells = table.groupby(["genotype", "treatment"]).ngroups
    genotypes = _genotype_order(table, reference)
    out = _contrast_rows(fixed, cov, lambda cell: f"C(cell)[{cell}]:week_c", genotypes, reference,
                         float(n_mice - n_cells), alpha, control, stressor)
    out.attrs["notes"] = notes
    out.attrs["variance_components"] = variance_components(fit, scale)
    return out


def slope_contrasts(table: pd.DataFrame, measure: str, *, reference: str, alpha: float = 0.05,
                    control: str, stressor: str) -> pd.DataFrame:
    """The mixed-model slope contrasts with the summary-measures analysis of the same contrasts beside them.

    Returns
    -------
    DataFrame
        :func:`mixed_model_contrasts` (its ``attrs`` too) with ``summary_estimate``
        and ``summary_se`` (the same contrast from :func:`summary_measure_contrasts`),
        ``comparison`` (the contrast in words, for a description) and ``label``
        (short, for a figure).
    """
    groups = dict(reference=reference, control=control, stressor=stressor)
    mixed = mixed_model_contrasts(table, measure, alpha=alpha, **groups)
    summary = summary_measure_contrasts(table, measure, alpha=alpha, **groups)
    if not (mixed[["contrast", "genotype"]].to_numpy() == summary[["contrast", "genotype"]].to_numpy()).all():
        raise AssertionError("the two slope analyses list their contrasts in different orders")
    mixed["summary_estimate"] = summary["estimate"].to_numpy()
    mixed["summary_se"] = summary["se"].to_numpy()
    mixed["comparison"] = np.where(mixed["contrast"] == "treatment_effect", f"{stressor} minus {control} weekly slope",
                                   f"{stressor} slope effect minus {reference}'s")
    mixed["label"] = (mixed["contrast"].str.replace("_", " ") + ": " + mixed["genotype"].str.replace("_", " "))
    return mixed


def per_mouse_slopes(table: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Least-squares line of *measure* on centred week for each mouse.

    Examples
    --------
    >>> t = pd.DataFrame({"mouse_id": "m", "genotype": "ref", "treatment": "ctrl",
    ...                   "week": [0, 1, 2], "y": [1.0, 3.0, 5.0]})
    >>> per_mouse_slopes(t, "y")[["slope", "mean"]].values.tolist()
    [[2.0, 3.0]]
    """
    data = add_design_columns(table)
    rows = []
    for (mouse, genotype, treatment, cell), sub in data.groupby(
            ["mouse_id", "genotype", "treatment", "cell"], sort=True, observed=True):
        x = sub["week_c"].to_numpy() - sub["week_c"].mean()
        slope = float(x @ sub[measure].to_numpy() / (x @ x))
        rows.append({"mouse_id": mouse, "genotype": genotype, "treatment": treatment, "cell": cell,
                     "slope": slope, "mean": float(sub[measure].mean()), "n_weeks": len(sub)})
    return pd.DataFrame(rows)


def summary_measure_contrasts(table: pd.DataFrame, measure: str, *, reference: str,
                              alpha: float = 0.05, control: str, stressor: str) -> pd.DataFrame:
    """The same contrasts from per-mouse slopes: OLS of the slopes on the genotype x treatment cell.

    Same columns as :func:`mixed_model_contrasts`. Exact t inference when
    every mouse has the same weeks; the degrees of freedom are again
    ``n_mice - n_groups``.
    """
    design.check_arsenite_motor(table, reference, control, stressor)
    slopes = per_mouse_slopes(table, measure)
    fit = smf.ols("slope ~ 0 + C(cell)", data=slopes).fit()
    genotypes = _genotype_order(table, reference)
    return _contrast_rows(fit.params, fit.cov_params(), lambda cell: f"C(cell)[{cell}]", genotypes,
                          reference, float(fit.df_resid), alpha, control, stressor)


def _genotype_order(table: pd.DataFrame, reference: str, order=None) -> list[str]:
    present = set(table["genotype"].unique())
    genotypes = [g for g in order if g in present] if order is not None else sorted(present)
    if reference not in genotypes:
        raise design.DesignError(f"arsenite_cells: the reference genotype {reference!r} has no cultures (genotypes: "
                                 f"{genotypes}); add its dose series.")
    return [reference] + [g for g in genotypes if g != reference]


def variance_components(fit, scale: float) -> pd.Series:
    """REML variance components of a :func:`fit_slope_model` fit, on the measure's own scale.

    Returns the SDs of the random intercept, the random slope and the
    residual, and the intercept-slope correlation.
    """
    cov = np.asarray(fit.cov_re) * scale**2
    return pd.Series({
        "sd_intercept": float(np.sqrt(cov[0, 0])),
        "sd_slope": float(np.sqrt(cov[1, 1])),
        "corr_intercept_slope": float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])) if cov[0, 0] * cov[1, 1] > 0 else 0.0,
        "sd_residual": float(np.sqrt(fit.scale) * scale),
    })


#: Columns of the results tables this module returns for ``ResultsLedger.record``.
RECORD_COLUMNS = ["key", "value", "ci_low", "ci_high", "n", "n_unit", "unit", "digits", "method", "description"]


def slope_results(contrasts: pd.DataFrame, n_mice: int, label: str, unit: str) -> pd.DataFrame:
    """Return the results table of the motor slopes, one row per number, for ``ResultsLedger.record``.

    Rows, in order: each slope contrast of *contrasts* (:func:`slope_contrasts`; key
    ``slope_<contrast>_<genotype>``, in *unit* per week, with its t interval), the count of
    mice, and the largest absolute difference between the mixed-model and the per-mouse
    (summary-measures) estimates. *label* names the measure (``MEASURES``); every row rests
    on the *n_mice* mice of the motor table.
    """
    weekly = f"{unit}/week"
    slopes = pd.DataFrame({
        "key": "slope_" + contrasts["contrast"] + "_" + contrasts["genotype"].astype(str),
        "value": contrasts["estimate"], "ci_low": contrasts["ci_low"], "ci_high": contrasts["ci_high"],
        "unit": weekly, "method": SLOPE_METHOD,
        "description": [f"{label}: {comparison}, {genotype}"
                        for comparison, genotype in zip(contrasts["comparison"], contrasts["genotype"], strict=True)],
    })
    largest = (contrasts["estimate"] - contrasts["summary_estimate"]).abs().max()
    others = pd.DataFrame([
        {"key": "n_mice", "value": n_mice, "unit": "mice", "digits": 0, "method": "count",
         "description": "mice in the motor table"},
        {"key": "method_difference", "value": largest, "unit": weekly, "digits": 6,
         "method": "mixed model vs per-mouse slopes",
         "description": "largest absolute difference between the two slope analyses"},
    ])
    table = pd.concat([slopes, others], ignore_index=True).assign(n=n_mice, n_unit="mice")
    return table.reindex(columns=RECORD_COLUMNS)


#: The method of the dose-series EC50s and their ratios in words.
EC50_METHOD = "4PL per culture; OLS of log EC50 on genotype; t CI with df = cultures - genotypes"


def dose_results(ec50: pd.DataFrame, ic50: pd.DataFrame, reference: str, n_cultures: int) -> pd.DataFrame:
    """Return the results table of the dose series, one row per number, for ``ResultsLedger.record``.

    Rows, in order: per genotype of *ec50* its viability EC50 (µM, n = its cultures) and, for
    every genotype but *reference*, its EC50 ratio to *reference* (n = all *n_cultures*); then
    the pTBK1/TBK1 IC50 of each genotype of *ic50*; last the count of cultures (``n_cultures``).
    Both tables come from ``dose_response.summarise_ec50`` (columns ``genotype, n_units, ec50,
    ec50_ci_low, ec50_ci_high`` and, off the reference, ``ratio, ratio_ci_low, ratio_ci_high``).
    The culture is the unit of every row.
    """
    rows = []
    for row in ec50.itertuples():
        rows.append({"key": f"ec50_{row.genotype}", "value": row.ec50, "ci_low": row.ec50_ci_low,
                     "ci_high": row.ec50_ci_high, "n": row.n_units, "unit": "µM", "digits": 1,
                     "description": f"viability EC50, {row.genotype}"})
        if row.genotype != reference:
            rows.append({"key": f"ec50_ratio_{row.genotype}", "value": row.ratio, "ci_low": row.ratio_ci_low,
                         "ci_high": row.ratio_ci_high, "n": n_cultures, "unit": "ratio",
                         "description": f"viability EC50 {row.genotype} / {reference}"})
    for row in ic50.itertuples():
        rows.append({"key": f"ptbk1_ic50_{row.genotype}", "value": row.ec50, "ci_low": row.ec50_ci_low,
                     "ci_high": row.ec50_ci_high, "n": row.n_units, "unit": "µM", "digits": 1,
                     "description": f"pTBK1/TBK1 IC50, {row.genotype}"})
    rows.append({"key": "n_cultures", "value": n_cultures, "n": n_cultures, "unit": "cultures", "digits": 0,
                 "method": "count", "description": "cultures in the dose-series table"})
    table = pd.DataFrame(rows, columns=RECORD_COLUMNS).assign(n_unit="cultures")
    return table.fillna({"method": EC50_METHOD})
