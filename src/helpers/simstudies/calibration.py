"""Calibration: do the book's confidence intervals and tests mean what they say?

An estimator is *calibrated* when its 95% confidence intervals contain the true
value in 95% of repeated experiments, and its 5%-level test rejects a true null
hypothesis in 5% of them. Both are checked here by simulation with the book's
own designs: many datasets are drawn from the example-data generators with
different seeds, each is analysed exactly as a chapter analyses it, and

* **coverage** is the share of intervals that contain the value put in;
* **type I error** is the share of *null* datasets (the effect set to zero with
  :func:`dataclasses.replace` on the truths) whose p-value is below ``alpha``.

Each share comes with its Monte Carlo standard error ``sqrt(p (1 - p) / R)``
over ``R`` replicates. An estimator passes when its coverage lies within
``1 - alpha +/- 0.3 alpha`` (93.5-96.5% at ``alpha = 0.05``) and its type I
error within ``alpha +/- 0.3 alpha`` (3.5-6.5%).

Besides the book's estimators the registry holds *naive* variants that a
reader may be tempted to use -- cells treated as independent replicates, or a
Wald z interval from a mixed model or a GEE fitted to a handful of mice -- so
that the calibration shows how far they are off.

``python -m helpers calibrate`` (``make calibrate``) runs every registered
estimator with at least 1000 replicates on two processes and writes
``reference/calibration.csv``.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from helpers.core.paths import ROOT

#: Where ``make calibrate`` writes the full calibration table (committed).
REFERENCE_FILE = ROOT / "reference" / "calibration.csv"
#: Columns of the calibration table, in file order.
CALIBRATION_COLUMNS = [
    "estimator", "kind", "replicates", "value", "mc_se", "lower_band", "upper_band", "inside_band",
    "failed", "alpha",
]
#: Half-width of the acceptance band, as a fraction of ``alpha``.
BAND_FRACTION = 0.3


@dataclass(frozen=True)
class Interval:
    """What an estimator returns for one dataset: estimate, confidence interval, p-value."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class Design:
    """A way to simulate a dataset of the book and the true value of its target.

    Parameters
    ----------
    name : str
        Registry key.
    simulate : callable
        ``simulate(seed, null) -> data``; with ``null=True`` the target effect is zero.
    truth : callable
        ``truth(null) -> float``, the value the estimators target.
    """

    name: str
    simulate: Callable[[int, bool], object]
    truth: Callable[[bool], float]


@dataclass(frozen=True)
class Estimator:
    """An analysis of a :class:`Design`'s datasets.

    Parameters
    ----------
    name : str
        Registry key (also the ``estimator`` column of the calibration table).
    design : str
        Name of the design whose datasets it analyses.
    fit : callable
        ``fit(data, alpha) -> Interval``.
    label : str
        One line for tables and figures.
    role : {"book", "naive"}
        ``"book"``: the estimator a chapter uses; ``"naive"``: a tempting
        alternative shown for comparison.
    """

    name: str
    design: str
    fit: Callable[[object, float], Interval]
    label: str
    role: str = "book"


def acceptance_band(kind: str, alpha: float = 0.05) -> tuple[float, float]:
    """Return the (lower, upper) acceptance band for coverage or type I error.

    Examples
    --------
    >>> [round(v, 4) for v in acceptance_band("coverage")]
    [0.935, 0.965]
    >>> [round(v, 4) for v in acceptance_band("type_I")]
    [0.035, 0.065]
    """
    half = BAND_FRACTION * alpha
    if kind == "coverage":
        return 1 - alpha - half, 1 - alpha + half
    if kind == "type_I":
        return alpha - half, alpha + half
    raise ValueError(f"kind must be 'coverage' or 'type_I', got {kind!r}")


def monte_carlo_se(share: float, replicates: int) -> float:
    """Return the binomial Monte Carlo standard error of a share over *replicates*.

    >>> round(monte_carlo_se(0.95, 1000), 5)
    0.00689
    """
    return math.sqrt(share * (1 - share) / replicates) if replicates > 0 else math.nan


# --------------------------------------------------------------------------
# Running replicates
# --------------------------------------------------------------------------
def _fit_quietly(estimator: Estimator, data: object, alpha: float) -> Interval | None:
    """Fit, returning None when the fit fails.

    Convergence warnings of mixed models are silenced here on purpose: a fit
    that stops at the boundary (mouse variance 0) still returns the interval a
    user would report, and calibration judges exactly that interval.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = estimator.fit(data, alpha)
        except (ValueError, RuntimeError, np.linalg.LinAlgError, ZeroDivisionError):
            return None
    values = (result.estimate, result.ci_low, result.ci_high, result.p_value)
    return result if all(np.isfinite(v) for v in values) else None


def run_replicate(
    design: Design, estimators: Sequence[Estimator], seed: int, alpha: float
) -> list[dict]:
    """Simulate one real and one null dataset of *design* and fit every estimator to both.

    Returns
    -------
    list of dict
        One row per estimator and kind (``coverage`` from the real dataset,
        ``type_I`` from the null one) with ``hit`` = the interval covers the
        truth (coverage) or the test rejects (type I), NaN if the fit failed.
    """
    rows = []
    for kind, null in (("coverage", False), ("type_I", True)):
        data = design.simulate(seed, null)
        truth = design.truth(null)
        for est in estimators:
            res = _fit_quietly(est, data, alpha)
            if res is None:
                hit = math.nan
            elif kind == "coverage":
                hit = float(res.ci_low <= truth <= res.ci_high)
            else:
                hit = float(res.p_value < alpha)
            rows.append({"estimator": est.name, "kind": kind, "seed": seed, "hit": hit,
                         "estimate": math.nan if res is None else res.estimate, "truth": truth})
    return rows


def _run_chunk(args: tuple[str, tuple[str, ...], list[int], float]) -> list[dict]:
    """Worker: run replicates of registered estimators (looked up by name, so picklable)."""
    design_name, names, seeds, alpha = args
    design = DESIGNS[design_name]
    estimators = [ESTIMATORS[n] for n in names]
    return [row for s in seeds for row in run_replicate(design, estimators, s, alpha)]


def simulate_replicates(
    estimators: Sequence[str] | None = None,
    n_reps: int = 1000,
    seed: int = 1,
    alpha: float = 0.05,
    workers: int = 1,
    chunk: int = 25,
    scheduler: str | None = None,
    progress: float = -1.0,
) -> pd.DataFrame:
    """Run *n_reps* real and null replicates of registered estimators.

    Estimators sharing a design are fitted to the same datasets (a paired
    comparison). Replicate ``i`` uses dataset seed ``seed * 1_000_003 + i``,
    so the table does not depend on where or in which order batches run.

    Parameters
    ----------
    estimators : sequence of str, optional
        Names in :data:`ESTIMATORS`; all of them by default.
    n_reps : int
        Replicates per estimate.
    seed : int
        Base seed of the run.
    alpha : float
        Nominal error rate (1 - confidence level).
    workers : int
        Local processes; 1 runs in this process (ignored with a scheduler).
    chunk : int
        Replicates per batch handed to a worker.
    scheduler : str, optional
        Dask scheduler address (else ``$DASK_SCHEDULER_ADDRESS``, else the local pool);
        see :mod:`helpers.simstudies.executor`.
    progress : float
        Seconds between progress lines (done/total, rate, time left) on stderr; negative: quiet.

    Returns
    -------
    DataFrame
        One row per estimator, kind and replicate (see :func:`run_replicate`).
    """
    from helpers.simstudies.executor import batches, open_executor, run_batches

    names = list(ESTIMATORS) if estimators is None else list(estimators)
    unknown = [n for n in names if n not in ESTIMATORS]
    if unknown:
        raise KeyError(f"unknown estimators {unknown}; known: {list(ESTIMATORS)}")
    seeds = [seed * 1_000_003 + i for i in range(n_reps)]
    tasks = []
    for design_name in dict.fromkeys(ESTIMATORS[n].design for n in names):
        group = tuple(n for n in names if ESTIMATORS[n].design == design_name)
        tasks += [((design_name, group, [seeds[i] for i in part], alpha),) for part in batches(n_reps, chunk)]
    with open_executor(workers, scheduler) as executor:
        parts = run_batches(_run_chunk, tasks, executor, label="calibration replicates",
                            sizes=[len(t[0][2]) for t in tasks], every=progress)
    return pd.DataFrame([row for part in parts for row in part])


def summarise_calibration(replicates: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Return coverage and type I error per estimator with Monte Carlo SEs and bands.

    Failed fits (``hit`` NaN) are counted in ``failed`` and left out of the
    share; ``replicates`` is the number of successful fits.

    Examples
    --------
    >>> reps = pd.DataFrame({"estimator": "e", "kind": "coverage", "hit": [1.0, 1.0, 0.0, 1.0, float("nan")]})
    >>> row = summarise_calibration(reps).iloc[0]
    >>> int(row.replicates), float(row.value), int(row.failed)
    (4, 0.75, 1)
    """
    rows = []
    for (name, kind), group in replicates.groupby(["estimator", "kind"], sort=False):
        hits = group["hit"].dropna()
        share = float(hits.mean()) if len(hits) else math.nan
        low, high = acceptance_band(kind, alpha)
        rows.append({
            "estimator": name, "kind": kind, "replicates": int(len(hits)), "value": share,
            "mc_se": monte_carlo_se(share, len(hits)), "lower_band": low, "upper_band": high,
            "inside_band": bool(low <= share <= high), "failed": int(group["hit"].isna().sum()),
            "alpha": alpha,
        })
    return pd.DataFrame(rows, columns=CALIBRATION_COLUMNS)


def calibrate(
    estimators: Sequence[str] | None = None,
    n_reps: int = 1000,
    seed: int = 1,
    alpha: float = 0.05,
    workers: int = 1,
    scheduler: str | None = None,
    chunk: int = 25,
    progress: float = -1.0,
) -> pd.DataFrame:
    """Return the calibration table (see :func:`summarise_calibration`) of *estimators*."""
    reps = simulate_replicates(estimators, n_reps=n_reps, seed=seed, alpha=alpha, workers=workers,
                               scheduler=scheduler, chunk=chunk, progress=progress)
    return summarise_calibration(reps, alpha)


def read_reference(path=REFERENCE_FILE) -> pd.DataFrame:
    """Read the committed calibration table written by ``make calibrate``."""
    table = pd.read_csv(path)
    missing = set(CALIBRATION_COLUMNS) - set(table.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}; rerun `make calibrate`")
    return table


# --------------------------------------------------------------------------
# Interval helpers shared by the estimators
# --------------------------------------------------------------------------
def wald_interval(estimate: float, se: float, alpha: float, df: float | None = None) -> Interval:
    """Return the Wald interval and two-sided p-value, t-based if *df* is given, else z-based.

    >>> z = wald_interval(1.0, 0.5, 0.05)
    >>> round(z.ci_low, 3), round(z.p_value, 4)
    (0.02, 0.0455)
    >>> round(wald_interval(1.0, 0.5, 0.05, df=4).ci_low, 3)
    -0.388
    """
    dist = stats.norm if df is None else stats.t(df)
    quantile = dist.ppf(1 - alpha / 2)
    p_value = 2 * dist.sf(abs(estimate / se))
    return Interval(float(estimate), float(estimate - quantile * se), float(estimate + quantile * se), float(p_value))


# --------------------------------------------------------------------------
# Human autopsy tissue: sALS - control in log(pTBK1/TBK1), lumbar spinal cord
# --------------------------------------------------------------------------
HUMAN_REGION = "lumbar_spinal_cord"


def _human_truth(null: bool) -> float:
    from helpers.data.truths import HUMAN_BLOT

    return 0.0 if null else HUMAN_BLOT.als_effect[HUMAN_REGION]


def _human_simulate(seed: int, null: bool):
    from helpers.analysis.blots import add_log_ratio
    from helpers.data.tables.human_blot import simulate
    from helpers.data.truths import HUMAN_BLOT

    truth = replace(HUMAN_BLOT, als_effect=dict.fromkeys(HUMAN_BLOT.regions, 0.0)) if null else HUMAN_BLOT
    return add_log_ratio(simulate(seed, truth))


def _human_fit(lanes, alpha: float) -> Interval:
    from helpers.analysis.blots import fit_region_effect

    e = fit_region_effect(lanes, HUMAN_REGION, alpha=alpha)
    return Interval(e.estimate, e.ci_low, e.ci_high, e.p_value)


def _human_fit_z(lanes, alpha: float) -> Interval:
    from helpers.analysis.blots import fit_region_effect

    e = fit_region_effect(lanes, HUMAN_REGION, alpha=alpha)
    return wald_interval(e.estimate, e.se, alpha)


# --------------------------------------------------------------------------
# Shared fits: several estimators read one fit of the same dataset
# --------------------------------------------------------------------------
_SHARED: dict = {}


def _shared_fit(name: str, data: object, alpha: float, fit: Callable[[], object]) -> object:
    """Return ``fit()`` for *data*, computed once when several estimators need it.

    The cache holds one entry and a strong reference to *data*, so a new
    dataset can never be mistaken for the previous one.
    """
    entry = _SHARED.get(name)
    if entry is None or entry[0] is not data or entry[1] != alpha:
        _SHARED[name] = (data, alpha, fit())
    return _SHARED[name][2]


def _row_interval(table: pd.DataFrame, mask: pd.Series, alpha: float, z: bool = False) -> Interval:
    """Return the Interval of the one row of a contrast table selected by *mask* (z-based if *z*)."""
    row = table[mask]
    if len(row) != 1:
        raise ValueError(f"expected one contrast row, found {len(row)}")
    row = row.iloc[0]
    if z:
        return wald_interval(row["estimate"], row["se"], alpha)
    return Interval(float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]), float(row["p_value"]))


# --------------------------------------------------------------------------
# Mouse tissue: SOD1-G85R vs WT at end stage, spinal cord (blots and PLA)
# --------------------------------------------------------------------------
MOUSE_CONTRAST = {"genotype": "SOD1_G85R", "stage": "end_stage", "tissue": "spinal_cord"}


def _mouse_null_cohort():
    from helpers.data.truths import MOUSE_COHORT

    return replace(MOUSE_COHORT, mam_effect=dict.fromkeys(MOUSE_COHORT.mam_effect, 0.0),
                   sod1_direct=dict.fromkeys(MOUSE_COHORT.sod1_direct, 0.0))


def _mouse_tbk1_truth(null: bool) -> float:
    from helpers.data.truths import MOUSE_COHORT

    return 0.0 if null else MOUSE_COHORT.tbk1_log_effect(**MOUSE_CONTRAST)


def _mouse_tbk1_simulate(seed: int, null: bool):
    from helpers.analysis.blots import add_log_ratio
    from helpers.data.tables.mouse_blot import simulate
    from helpers.data.truths import MOUSE_COHORT

    return add_log_ratio(simulate(seed, _mouse_null_cohort() if null else MOUSE_COHORT))


def _contrast_mask(table: pd.DataFrame) -> pd.Series:
    return (table["genotype"] == MOUSE_CONTRAST["genotype"]) & (table["stage"] == MOUSE_CONTRAST["stage"])


def _mouse_tbk1_fit(lanes, alpha: float) -> Interval:
    from helpers.analysis.mouse_blots import fit_genotype_contrasts

    table = fit_genotype_contrasts(lanes, MOUSE_CONTRAST["tissue"], alpha)
    return _row_interval(table, _contrast_mask(table), alpha)


def _pla_truth(null: bool) -> float:
    from helpers.data.truths import PLA

    return 0.0 if null else PLA.mam_log_effect(**MOUSE_CONTRAST)


def _pla_simulate(seed: int, null: bool):
    from helpers.analysis.pla import select_cells
    from helpers.data.tables.pla_cells import simulate
    from helpers.data.truths import MOUSE_COHORT

    cells = simulate(seed, cohort=_mouse_null_cohort() if null else MOUSE_COHORT)
    return select_cells(cells, MOUSE_CONTRAST["tissue"], "VAPB_PTPIP51", "motor_neuron")


def _pla_fit(method: str, cov_type: str = "bias_reduced"):
    """Return a fit function for the PLA contrast by *method* (``mouse`` or a cell-level method)."""

    def fit(cells, alpha: float) -> Interval:
        from helpers.analysis.pla import fit_cell_level_contrasts, fit_mouse_level_contrasts

        tissue = MOUSE_CONTRAST["tissue"]
        if method == "mouse":
            table = fit_mouse_level_contrasts(cells, tissue, alpha=alpha)
        else:
            table = fit_cell_level_contrasts(cells, tissue, alpha=alpha, method=method, cov_type=cov_type)
        return _row_interval(table, _contrast_mask(table), alpha)

    fit.__qualname__ = fit.__name__ = f"pla_fit_{method}_{cov_type}"
    return fit


_pla_fit_mouse = _pla_fit("mouse")
_pla_fit_gee_bias_reduced = _pla_fit("gee", "bias_reduced")
_pla_fit_gee_robust = _pla_fit("gee", "robust")
_pla_fit_quasipoisson = _pla_fit("quasipoisson")


# --------------------------------------------------------------------------
# Arsenite challenge: (arsenite - vehicle rotarod slope) in Sigmar1-/- minus in WT
# --------------------------------------------------------------------------
ARSENITE_MEASURE = "rotarod_s"
ARSENITE_GENOTYPE = "Sigmar1_KO"


def _arsenite_truth(null: bool) -> float:
    from helpers.data.truths import ARSENITE

    return 0.0 if null else ARSENITE.slope_interaction(ARSENITE_MEASURE, ARSENITE_GENOTYPE)


def _arsenite_simulate(seed: int, null: bool):
    from helpers.data.tables.arsenite_motor import simulate
    from helpers.data.truths import ARSENITE

    truth = ARSENITE
    if null:  # every genotype loses as fast as WT under arsenite: no interaction
        effects = {**ARSENITE.arsenite_slope_effect}
        wt = effects[ARSENITE_MEASURE]["WT"]
        effects[ARSENITE_MEASURE] = dict.fromkeys(effects[ARSENITE_MEASURE], wt)
        truth = replace(ARSENITE, arsenite_slope_effect=effects)
    return simulate(seed, truth)


def _arsenite_mask(table: pd.DataFrame) -> pd.Series:
    return (table["contrast"] == "interaction") & (table["genotype"] == ARSENITE_GENOTYPE)


def _arsenite_mixed(table, alpha: float) -> pd.DataFrame:
    from helpers.analysis.arsenite import mixed_model_contrasts

    return _shared_fit("arsenite_mixed", table, alpha, lambda: mixed_model_contrasts(table, ARSENITE_MEASURE, alpha=alpha))


def _arsenite_fit(table, alpha: float) -> Interval:
    contrasts = _arsenite_mixed(table, alpha)
    return _row_interval(contrasts, _arsenite_mask(contrasts), alpha)


def _arsenite_fit_z(table, alpha: float) -> Interval:
    contrasts = _arsenite_mixed(table, alpha)
    return _row_interval(contrasts, _arsenite_mask(contrasts), alpha, z=True)


# --------------------------------------------------------------------------
# Disease course: Cox log hazard ratio of end stage, SOD1;Sigmar1-/- vs SOD1
# --------------------------------------------------------------------------
COX_GENOTYPE = "SOD1_G85R_Sigmar1_KO"


def _cox_truth(null: bool) -> float:
    from helpers.data.truths import DISEASE_COURSE

    return 0.0 if null else DISEASE_COURSE.log_hazard_ratio("end_stage", COX_GENOTYPE)


def _cox_simulate(seed: int, null: bool):
    from helpers.data.tables.disease_course import simulate
    from helpers.data.truths import DISEASE_COURSE

    truth = DISEASE_COURSE
    if null:  # every genotype with the SOD1-G85R course
        ref = DISEASE_COURSE.genotypes[0]
        truth = replace(
            DISEASE_COURSE,
            median_onset_day=dict.fromkeys(DISEASE_COURSE.genotypes, DISEASE_COURSE.median_onset_day[ref]),
            median_end_stage_day=dict.fromkeys(DISEASE_COURSE.genotypes, DISEASE_COURSE.median_end_stage_day[ref]),
        )
    return simulate(seed, truth)


def _cox_fit(table, alpha: float) -> Interval:
    from helpers.stats.survival import fit_cox

    hr = fit_cox(table, duration="end_stage_day", event="end_stage_observed", group="genotype",
                 reference="SOD1_G85R", alpha=alpha)
    row = hr[hr["group"] == COX_GENOTYPE].iloc[0]
    return Interval(float(row["log_hr"]), float(np.log(row["hr_ci_low"])), float(np.log(row["hr_ci_high"])),
                    float(row["p_value"]))


# --------------------------------------------------------------------------
# Arsenite dose series in cultures: viability EC50, Sigmar1-/- / WT (log ratio)
# --------------------------------------------------------------------------
EC50_GENOTYPE = "Sigmar1_KO"


def _ec50_truth(null: bool) -> float:
    from helpers.data.truths import DOSE_RESPONSE

    return 0.0 if null else DOSE_RESPONSE.log_ec50(EC50_GENOTYPE) - DOSE_RESPONSE.log_ec50("WT")


def _ec50_simulate(seed: int, null: bool):
    from helpers.data.tables.arsenite_cells import simulate
    from helpers.data.truths import DOSE_RESPONSE

    truth = DOSE_RESPONSE
    if null:  # the Sigmar1-/- cultures as sensitive to arsenite as WT's (equal EC50s)
        ec50 = {**DOSE_RESPONSE.viability_ec50_um, EC50_GENOTYPE: DOSE_RESPONSE.viability_ec50_um["WT"]}
        truth = replace(DOSE_RESPONSE, viability_ec50_um=ec50)
    return simulate(seed, truth)


def _ec50_summary(cells, alpha: float) -> pd.DataFrame:
    """The chapter's analysis: a 4PL per culture, then OLS of log EC50 on genotype (t, cultures - genotypes df)."""
    from helpers.stats.dose_response import fit_per_unit, summarise_ec50

    return _shared_fit("ec50", cells, alpha, lambda: summarise_ec50(
        fit_per_unit(cells, "viability"), reference="WT", alpha=alpha))


def _ec50_row(cells, alpha: float) -> pd.Series:
    table = _ec50_summary(cells, alpha)
    row = table[table["genotype"] == EC50_GENOTYPE]
    if len(row) != 1:
        raise ValueError(f"expected one {EC50_GENOTYPE} row, found {len(row)}")
    return row.iloc[0]


def _ec50_fit(cells, alpha: float) -> Interval:
    row = _ec50_row(cells, alpha)
    return Interval(float(row["log_ratio"]), float(np.log(row["ratio_ci_low"])), float(np.log(row["ratio_ci_high"])),
                    float(row["ratio_p_value"]))


def _ec50_fit_z(cells, alpha: float) -> Interval:
    row = _ec50_row(cells, alpha)
    return wald_interval(row["log_ratio"], row["log_ratio_se"], alpha)


# --------------------------------------------------------------------------
# Synthesis: random-effects pool of the motor TBK1 strata, Knapp-Hartung CI
# --------------------------------------------------------------------------
#: Within-stratum SEs (log pTBK1/TBK1) of the synthesis chapter's default pool on the example
#: data: the eight motor strata at end stage (two human regions, two mouse tissues x three models).
META_SES = (0.159, 0.132, 0.132, 0.134, 0.139, 0.133, 0.133, 0.131)
#: Pooled mean and between-stratum SD: near the average true motor effect (-0.47) and the tau
#: that the chapter estimates on the example data (REML, 0.25).
META_MU = -0.47
META_TAU = 0.25


def _meta_truth(null: bool) -> float:
    return 0.0 if null else META_MU


def _meta_simulate(seed: int, null: bool) -> tuple[np.ndarray, np.ndarray]:
    """Draw the k stratum estimates ``y_i = theta_i + e_i``, ``theta_i ~ N(mu, tau^2)``, ``e_i ~ N(0, s_i^2)``.

    The SEs are the known ``s_i``, as the meta-analysis assumes; the real and
    null datasets of a seed share their draws (only ``mu`` differs).
    """
    from helpers.data.cohorts import rng_for

    rng = rng_for(seed, "meta_synthesis")
    ses = np.asarray(META_SES, dtype=float)
    theta = rng.normal(0.0 if null else META_MU, META_TAU, size=len(ses))
    return theta + rng.normal(0.0, ses), ses


def _meta_fit(data, alpha: float) -> Interval:
    from helpers.analysis.synthesis import meta_analyze

    res = meta_analyze(*data, method="REML", alpha=alpha)
    return Interval(res.estimate, res.ci_low, res.ci_high, res.p_value)


def _meta_fit_dl_wald(data, alpha: float) -> Interval:
    from helpers.analysis.synthesis import meta_analyze

    res = meta_analyze(*data, method="DL", alpha=alpha)
    return Interval(res.estimate, res.ci_wald_low, res.ci_wald_high, res.p_wald)


DESIGNS: dict[str, Design] = {
    "human_blot": Design("human_blot", _human_simulate, _human_truth),
    "mouse_blot": Design("mouse_blot", _mouse_tbk1_simulate, _mouse_tbk1_truth),
    "pla_cells": Design("pla_cells", _pla_simulate, _pla_truth),
    "arsenite_motor": Design("arsenite_motor", _arsenite_simulate, _arsenite_truth),
    "disease_course": Design("disease_course", _cox_simulate, _cox_truth),
    "arsenite_cells": Design("arsenite_cells", _ec50_simulate, _ec50_truth),
    "meta_synthesis": Design("meta_synthesis", _meta_simulate, _meta_truth),
}

ESTIMATORS: dict[str, Estimator] = {
    "human_region_effect": Estimator(
        "human_region_effect", "human_blot", _human_fit,
        "Human blot, sALS vs control (lumbar cord): OLS + gel, t interval",
    ),
    "human_region_effect_z": Estimator(
        "human_region_effect_z", "human_blot", _human_fit_z,
        "Human blot, the same OLS with a z interval", role="naive",
    ),
    "mouse_tbk1_contrast": Estimator(
        "mouse_tbk1_contrast", "mouse_blot", _mouse_tbk1_fit,
        "Mouse blot, SOD1-G85R vs WT (end stage, cord): OLS + gel, t interval",
    ),
    "pla_mouse_level": Estimator(
        "pla_mouse_level", "pla_cells", _pla_fit_mouse,
        "PLA, SOD1-G85R vs WT: OLS of log mean puncta per mouse, t interval",
    ),
    "pla_gee_bias_reduced": Estimator(
        "pla_gee_bias_reduced", "pla_cells", _pla_fit_gee_bias_reduced,
        "PLA, Poisson GEE on cells, clustered on mouse, bias-reduced SE, z interval",
    ),
    "pla_gee_robust_z": Estimator(
        "pla_gee_robust_z", "pla_cells", _pla_fit_gee_robust,
        "PLA, Poisson GEE, plain robust SE (no small-sample correction), z interval", role="naive",
    ),
    "pla_cells_independent": Estimator(
        "pla_cells_independent", "pla_cells", _pla_fit_quasipoisson,
        "PLA, quasi-Poisson GLM treating cells as independent", role="naive",
    ),
    "arsenite_slope_interaction": Estimator(
        "arsenite_slope_interaction", "arsenite_motor", _arsenite_fit,
        "Arsenite rotarod slope, Sigmar1-/- vs WT: MixedLM, t with mice - groups df",
    ),
    "arsenite_slope_interaction_z": Estimator(
        "arsenite_slope_interaction_z", "arsenite_motor", _arsenite_fit_z,
        "Arsenite rotarod slope: the same MixedLM with its default z interval", role="naive",
    ),
    "cox_log_hr": Estimator(
        "cox_log_hr", "disease_course", _cox_fit,
        "End stage, SOD1;Sigmar1-/- vs SOD1-G85R: Cox log HR, Wald interval",
    ),
    "ec50_log_ratio": Estimator(
        "ec50_log_ratio", "arsenite_cells", _ec50_fit,
        "Viability EC50, Sigmar1-/- vs WT: 4PL per culture, OLS, t interval",
    ),
    "ec50_log_ratio_z": Estimator(
        "ec50_log_ratio_z", "arsenite_cells", _ec50_fit_z,
        "Viability EC50 ratio: the same OLS with a z interval", role="naive",
    ),
    "meta_knapp_hartung": Estimator(
        "meta_knapp_hartung", "meta_synthesis", _meta_fit,
        "Synthesis, 8 motor strata: REML random effects, Knapp-Hartung interval",
    ),
    "meta_dl_wald": Estimator(
        "meta_dl_wald", "meta_synthesis", _meta_fit_dl_wald,
        "Synthesis: DerSimonian-Laird random effects, normal (Wald) interval", role="naive",
    ),
}


def _as_interval(fit: Callable[[object, float], tuple]) -> Callable[[object, float], Interval]:
    """Wrap a fit returning ``(estimate, ci_low, ci_high, p_value)`` so that it returns an :class:`Interval`."""

    def wrapped(data: object, alpha: float) -> Interval:
        return Interval(*fit(data, alpha))

    wrapped.__qualname__ = wrapped.__name__ = getattr(fit, "__name__", "fit")
    return wrapped


# The designs and estimators of helpers.simstudies.calibration_designs (families, random gel,
# mouse-clustered slopes, KM medians) join the registry here.
from helpers.simstudies import calibration_designs as _more  # noqa: E402

DESIGNS.update({name: Design(name, *spec) for name, spec in _more.DESIGNS.items()})
ESTIMATORS.update({name: Estimator(name, design, _as_interval(fit), label, role)
                   for name, (design, fit, label, role) in _more.ESTIMATORS.items()})


#: Replicates per design in ``make calibrate``: 2000 where a replicate is cheap (Monte Carlo SE
#: of a 95% coverage 0.0049, a third of the band's half-width), 1000 for the PLA cells (four
#: count models per dataset), where the SE is 0.0069.
REFERENCE_REPS = {"human_blot": 2000, "mouse_blot": 2000, "pla_cells": 1000, "arsenite_motor": 2000,
                  "disease_course": 2000, "arsenite_cells": 2000, "meta_synthesis": 2000, **_more.REFERENCE_REPS}


def main(argv: list[str] | None = None) -> int:
    """Command line: run the calibration and write the table (``make calibrate``)."""
    parser = argparse.ArgumentParser(prog="python -m helpers calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", "--replicates", type=int, default=None,
                        help=f"replicates per estimate (default per design: {REFERENCE_REPS})")
    parser.add_argument("--seed", type=int, default=1, help="base seed (default 1)")
    parser.add_argument("--alpha", type=float, default=0.05, help="nominal level (default 0.05)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address, e.g. tcp://host:8786 (default $DASK_SCHEDULER_ADDRESS, "
                             "else the local pool)")
    parser.add_argument("--estimators", nargs="*", default=None, help=f"subset of {list(ESTIMATORS)}")
    parser.add_argument("--out", default=str(REFERENCE_FILE), help="output CSV")
    args = parser.parse_args(argv)
    start = time.time()
    names = list(ESTIMATORS) if args.estimators is None else args.estimators
    from helpers.simstudies.executor import describe_executor

    print(f"running on {describe_executor(args.workers, args.scheduler)}", flush=True)
    parts = []
    for design in dict.fromkeys(ESTIMATORS[n].design for n in names):
        chosen = [n for n in names if ESTIMATORS[n].design == design]
        reps = args.reps or REFERENCE_REPS.get(design, 1000)
        parts.append(calibrate(chosen, n_reps=reps, seed=args.seed, alpha=args.alpha, workers=args.workers,
                               scheduler=args.scheduler, progress=30.0))
        print(f"{design}: {reps} replicates done after {time.time() - start:.0f} s", flush=True)
    table = pd.concat(parts, ignore_index=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format="%.6g", lineterminator="\n")
    print(table.to_string(index=False))
    print(f"wrote {out} in {time.time() - start:.0f} s")
    return 0

