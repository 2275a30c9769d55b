"""More calibration designs: contrast families, the random gel, mouse-clustered slopes, KM medians.

Registered into :data:`helpers.simstudies.calibration.DESIGNS` and
:data:`~helpers.simstudies.calibration.ESTIMATORS` (the runner is unchanged). This
module does not import ``calibration`` (the simstudies package has no import
cycles): a design is ``(simulate, truth)`` and an estimator ``(design, fit,
label, role)`` whose ``fit(data, alpha)`` returns ``(estimate, ci_low, ci_high,
p_value)``; ``calibration`` wraps them in its ``Design`` and ``Estimator``.

* **mouse_blot_family** -- all nine mutant-vs-WT contrasts of the spinal cord at
  once. *Coverage* is simultaneous (every interval of the family holds its true
  value) and *type I error* is familywise (any adjusted p below alpha when every
  genotype effect is zero). An :class:`~helpers.simstudies.calibration.Interval`
  encodes this: with ``d_i = interval_i - truth_i``, the family covers exactly
  when ``max_i low(d_i) <= 0 <= min_i high(d_i)``, so the design's truth is 0;
  the p-value is the smallest p of the family.
* **mam_fraction** -- the pTBK1 interaction (arsenite effect in SOD1-G85R over
  that in WT) with the gel fixed, or random (Kenward-Roger or Satterthwaite).
* **coupling_latent** -- the within-group slope of log(pTBK1/TBK1) on the
  *latent* MAM integrity of the simulated mice (so the target is the slope put
  in, free of measurement error), with CR2 standard errors by mouse or OLS
  counting rows; each mouse's tissues share a deviation.
* **disease_course_median** -- the Kaplan-Meier median age at end stage of
  SOD1-G85R;Sigmar1-/- mice and its interval read off the log-log band. A
  median has no null hypothesis of its own: the "type I error" is that of the
  test by inversion of "the median equals its true value" in datasets whose
  genotypes all follow the SOD1-G85R course (the interval excludes the truth).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

FAMILY_TISSUE = "spinal_cord"
FRACTION_PROTEIN, FRACTION_GENOTYPE = "pTBK1", "SOD1_G85R"
MEDIAN_GENOTYPE = "SOD1_G85R_Sigmar1_KO"

#: (estimate, ci_low, ci_high, p_value), what a fit returns.
Fit = tuple[float, float, float, float]
_CACHE: dict[str, tuple] = {}


def _shared(name: str, data: object, alpha: float, compute):
    """Return ``compute()`` once per dataset and alpha for the estimators sharing one fit."""
    entry = _CACHE.get(name)
    if entry is None or entry[0] is not data or entry[1] != alpha:
        _CACHE[name] = (data, alpha, compute())
    return _CACHE[name][2]


def _z_fit(estimate: float, se: float, alpha: float) -> Fit:
    half = stats.norm.ppf(1 - alpha / 2) * se
    return float(estimate), float(estimate - half), float(estimate + half), float(2 * stats.norm.sf(abs(estimate) / se))


# ---- mouse blot family -------------------------------------------------------------------------
def _family_simulate(seed: int, null: bool):
    from helpers.analysis.blots import add_log_ratio
    from helpers.data.generators.mouse_blot import simulate
    from helpers.data.truths import MOUSE_COHORT

    cohort = MOUSE_COHORT
    if null:  # no genotype effect on MAM integrity and no direct SOD1 effect: every TBK1 contrast is 0
        cohort = replace(MOUSE_COHORT, mam_effect=dict.fromkeys(MOUSE_COHORT.mam_effect, 0.0),
                         sod1_direct=dict.fromkeys(MOUSE_COHORT.sod1_direct, 0.0))
    return add_log_ratio(simulate(seed, cohort)), cohort


def _family_table(data, alpha: float) -> pd.DataFrame:
    from helpers.analysis.mouse_blots import fit_genotype_contrasts

    lanes, cohort = data
    table = _shared("mouse_family", data, alpha, lambda: fit_genotype_contrasts(lanes, FAMILY_TISSUE, alpha))
    truth = [cohort.tbk1_log_effect(g, s, FAMILY_TISSUE) for g, s in zip(table["genotype"], table["stage"],
                                                                         strict=True)]
    return table.assign(truth=truth)


def _family_interval(table: pd.DataFrame, low: str, high: str, p: str) -> Fit:
    d_low, d_high = table[low] - table["truth"], table[high] - table["truth"]
    return (float(np.max(np.abs(table["estimate"] - table["truth"]))), float(d_low.max()), float(d_high.min()),
            float(table[p].min()))


def _family_fit_bonferroni(data, alpha: float) -> Fit:
    return _family_interval(_family_table(data, alpha), "sim_low", "sim_high", "p_adj")


def _family_fit_unadjusted(data, alpha: float) -> Fit:
    return _family_interval(_family_table(data, alpha), "ci_low", "ci_high", "p_value")


# ---- MAM fraction, fixed vs random gel -----------------------------------------------------------
def _fraction_truth(null: bool) -> float:
    from helpers.data.truths import MAM_FRACTION

    return 0.0 if null else MAM_FRACTION.interaction(FRACTION_PROTEIN, FRACTION_GENOTYPE)


def _fraction_simulate(seed: int, null: bool):
    from helpers.analysis.mam_fraction import FractionDesign, mam_enrichment
    from helpers.data.generators.mam_fraction import simulate
    from helpers.data.study import example_study
    from helpers.data.truths import MAM_FRACTION

    truth = MAM_FRACTION
    if null:  # mutant SOD1 keeps the whole WT recruitment: no interaction for SOD1-G85R
        truth = replace(MAM_FRACTION, arsenite_retained={**MAM_FRACTION.arsenite_retained, FRACTION_GENOTYPE: 1.0})
    fractionation = FractionDesign.of(example_study())  # the example study's MAM and reference fraction
    enrichment = mam_enrichment(simulate(seed, truth), fractionation.mam, fractionation.reference)
    return enrichment[enrichment["protein"] == FRACTION_PROTEIN].reset_index(drop=True)


def _fraction_fit(gel: str, ddf: str = "kenward-roger", z: bool = False):
    def fit(enrichment, alpha: float) -> Fit:
        from helpers.analysis.mam_fraction import fit_enrichment_model
        from helpers.data.truths import MAM_FRACTION

        table = _shared(f"fraction_{gel}_{ddf}", enrichment, alpha, lambda: fit_enrichment_model(
            enrichment, FRACTION_PROTEIN, tuple(MAM_FRACTION.genotypes), tuple(MAM_FRACTION.stresses), alpha=alpha,
            gel=gel, ddf=ddf))
        row = table[(table["kind"] == "interaction") & (table["genotype"] == FRACTION_GENOTYPE)].iloc[0]
        if z:
            return _z_fit(row["estimate"], row["se"], alpha)
        return float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]), float(row["p_value"])

    fit.__qualname__ = fit.__name__ = f"fraction_fit_{gel}_{ddf}_{'z' if z else 't'}"
    return fit


# ---- coupling slope on latent MAM, clustered by mouse --------------------------------------------
def _coupling_truth(null: bool) -> float:
    from helpers.data.truths import MOUSE_COHORT

    return 0.0 if null else MOUSE_COHORT.coupling_slope


def _coupling_simulate(seed: int, null: bool) -> pd.DataFrame:
    from helpers.analysis.blots import add_log_ratio
    from helpers.data.cohorts import simulate_mouse_cohort
    from helpers.data.generators.mouse_blot import simulate
    from helpers.data.truths import MOUSE_COHORT

    cohort = replace(MOUSE_COHORT, coupling_slope=0.0) if null else MOUSE_COHORT
    lanes = add_log_ratio(simulate(seed, cohort))[["mouse_id", "genotype", "stage", "tissue", "gel_id", "log_ratio"]]
    latent = simulate_mouse_cohort(seed, cohort)[["mouse_id", "tissue", "log_mam"]]
    return lanes.merge(latent.rename(columns={"log_mam": "latent_mam"}), on=["mouse_id", "tissue"],
                       validate="one_to_one")


def _coupling_fit(se: str):
    def fit(animals, alpha: float) -> Fit:
        from helpers.analysis.coupling import fit_slope

        e = fit_slope(animals, groups=True, alpha=alpha, se=se, x="latent_mam")
        return e.estimate, e.ci_low, e.ci_high, e.p_value

    fit.__qualname__ = fit.__name__ = f"coupling_fit_{se}"
    return fit


# ---- Kaplan-Meier median -------------------------------------------------------------------------
def _median_simulate(seed: int, null: bool):
    from helpers.data.generators.disease_course import simulate
    from helpers.data.truths import DISEASE_COURSE

    truth = DISEASE_COURSE
    if null:  # every genotype with the SOD1-G85R course (as the Cox design's null)
        ref = DISEASE_COURSE.genotypes[0]
        truth = replace(
            DISEASE_COURSE,
            median_onset_day=dict.fromkeys(DISEASE_COURSE.genotypes, DISEASE_COURSE.median_onset_day[ref]),
            median_end_stage_day=dict.fromkeys(DISEASE_COURSE.genotypes, DISEASE_COURSE.median_end_stage_day[ref]),
        )
    return simulate(seed, truth), truth.median_day("end_stage", MEDIAN_GENOTYPE)


def _median_truth(null: bool) -> float:
    from helpers.data.truths import DISEASE_COURSE

    ref = DISEASE_COURSE.genotypes[0] if null else MEDIAN_GENOTYPE
    return DISEASE_COURSE.median_day("end_stage", ref)


def _median_fit(data, alpha: float) -> Fit:
    from helpers.stats.survival import fit_kaplan_meier, median_times

    table, true_median = data
    sub = table[table["genotype"] == MEDIAN_GENOTYPE]
    fits = fit_kaplan_meier(sub, duration="end_stage_day", event="end_stage_observed", group="genotype", alpha=alpha)
    row = median_times(fits).iloc[0]
    low, high = float(row["ci_low"]), float(row["ci_high"])
    low = -np.inf if np.isnan(low) else low  # a limit the band never reaches: unbounded on that side
    high = np.inf if np.isnan(high) else high
    excluded = not (low <= true_median <= high)
    return float(row["median"]), max(low, -1e9), min(high, 1e9), 0.0 if excluded else 1.0


#: name -> (simulate, truth)
DESIGNS = {
    "mouse_blot_family": (_family_simulate, lambda null: 0.0),
    "mam_fraction": (_fraction_simulate, _fraction_truth),
    "coupling_latent": (_coupling_simulate, _coupling_truth),
    "disease_course_median": (_median_simulate, _median_truth),
}

#: name -> (design, fit, label, role)
ESTIMATORS = {
    "mouse_tbk1_family_bonferroni": (
        "mouse_blot_family", _family_fit_bonferroni,
        "Mouse blot, all 9 contrasts of the cord: Bonferroni-simultaneous t intervals (simultaneous coverage, FWER)",
        "book",
    ),
    "mouse_tbk1_family_unadjusted": (
        "mouse_blot_family", _family_fit_unadjusted,
        "Mouse blot, the same 9 contrasts read with unadjusted intervals and p (simultaneous coverage, FWER)",
        "naive",
    ),
    "fraction_interaction_fixed_gel": (
        "mam_fraction", _fraction_fit("fixed"),
        "MAM fraction, pTBK1 interaction SOD1-G85R vs WT: OLS + fixed gel, t on residual df",
        "book",
    ),
    "fraction_interaction_random_gel_kr": (
        "mam_fraction", _fraction_fit("random"),
        "MAM fraction, same interaction: random gel intercept (REML), Kenward-Roger",
        "book",
    ),
    "fraction_interaction_random_gel_satterthwaite": (
        "mam_fraction", _fraction_fit("random", "satterthwaite"),
        "MAM fraction, same interaction: random gel intercept (REML), model SE, Satterthwaite df",
        "book",
    ),
    "fraction_interaction_random_gel_z": (
        "mam_fraction", _fraction_fit("random", "satterthwaite", z=True),
        "MAM fraction, same interaction: random gel intercept, model SE, z interval",
        "naive",
    ),
    "coupling_slope_cr2": (
        "coupling_latent", _coupling_fit("cr2"),
        "Coupling, within-group slope (latent MAM): OLS + gel + cells, CR2 by mouse, Satterthwaite df",
        "book",
    ),
    "coupling_slope_ols_rows": (
        "coupling_latent", _coupling_fit("ols"),
        "Coupling, the same slope with OLS SEs counting mouse x tissue rows as independent",
        "naive",
    ),
    "km_median": (
        "disease_course_median", _median_fit,
        "Disease course, KM median end stage (SOD1;Sigmar1-/-), log-log band interval (type I: by inversion)",
        "book",
    ),
}

#: Replicates per design in the calibration run (at least 1000 each).
REFERENCE_REPS = {"mouse_blot_family": 1000, "mam_fraction": 1000, "coupling_latent": 1000,
                  "disease_course_median": 2000}
