"""The registry of calibrated estimators: every design of the book, simulated from its truths, and the
estimators refitted exactly as the chapters fit them (plus the naive variants a reader may try).
"""


from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from helpers.simstudies.calibration_core import Design, Estimator, Interval, wald_interval

# --------------------------------------------------------------------------
# Human autopsy tissue: sALS - control in log(pTBK1/TBK1), lumbar spinal cord
# --------------------------------------------------------------------------
HUMAN_REGION = "lumbar_spinal_cord"


def _human_truth(null: bool) -> float:
    from helpers.data.truths import HUMAN_BLOT

    return 0.0 if null else HUMAN_BLOT.als_effect[HUMAN_REGION]


def _human_simulate(seed: int, null: bool):
    from helpers.analysis.blots import add_log_ratio
    from helpers.data.generators.human_blot import simulate
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
    from helpers.data.generators.mouse_blot import simulate
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
    from helpers.data.generators.pla_cells import simulate
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
    from helpers.data.generators.arsenite_motor import simulate
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
    from helpers.data.truths import ARSENITE

    (reference, *_), (control, stressor) = ARSENITE.genotypes, ARSENITE.treatments
    return _shared_fit("arsenite_mixed", table, alpha, lambda: mixed_model_contrasts(
        table, ARSENITE_MEASURE, alpha=alpha, reference=reference, control=control, stressor=stressor))


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
    from helpers.data.generators.disease_course import simulate
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
    from helpers.data.generators.arsenite_cells import simulate
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
from helpers.simstudies import calibration_designs as _more  # noqa: E402 (joins the registry defined above)

DESIGNS.update({name: Design(name, *spec) for name, spec in _more.DESIGNS.items()})
ESTIMATORS.update({name: Estimator(name, design, _as_interval(fit), label, role)
                   for name, (design, fit, label, role) in _more.ESTIMATORS.items()})


#: Replicates per design in ``make calibrate``: 2000 where a replicate is cheap (Monte Carlo SE
#: of a 95% coverage 0.0049, a third of the band's half-width), 1000 for the PLA cells (four
#: count models per dataset), where the SE is 0.0069.
REFERENCE_REPS = {"human_blot": 2000, "mouse_blot": 2000, "pla_cells": 1000, "arsenite_motor": 2000,
                  "disease_course": 2000, "arsenite_cells": 2000, "meta_synthesis": 2000, **_more.REFERENCE_REPS}
