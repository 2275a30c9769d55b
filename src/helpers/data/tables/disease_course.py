"""Disease course of SOD1-G85R mice with and without Sig1R: onset and end stage with censoring."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from helpers.data.cohorts import rng_for
from helpers.data.tables.spec import Column, TableSpec
from helpers.data.truths import DISEASE_COURSE, DiseaseCourseTruth


def simulate(seed: int, truth: DiseaseCourseTruth = DISEASE_COURSE) -> pd.DataFrame:
    """Return the simulated disease-course table for *seed* (true values in ``helpers.data.truths``).

    A mouse's onset and end-stage days are Weibull quantiles of two
    correlated normal scores (a Gaussian copula), so each endpoint keeps its
    exact Weibull (proportional-hazards) distribution. Onset is moved to no
    later than ``min_duration_day`` before end stage (this never binds with
    the default values in practice). Each mouse is then censored at the
    earlier of a withdrawal day (for a random few) and the end of the study.
    """
    rng = rng_for(seed, "disease_course")
    cov = [[1.0, truth.copula_rho], [truth.copula_rho, 1.0]]
    rows = []
    number = 0
    for genotype in truth.genotypes:
        for _ in range(truth.mice_per_genotype):
            number += 1
            u_onset, u_end = stats.norm.cdf(rng.multivariate_normal([0.0, 0.0], cov))
            onset = truth.scale("onset", genotype) * (-np.log1p(-u_onset)) ** (1 / truth.shape("onset"))
            end = truth.scale("end_stage", genotype) * (-np.log1p(-u_end)) ** (1 / truth.shape("end_stage"))
            onset = min(onset, end - truth.min_duration_day)
            withdrawn = rng.uniform() < truth.withdrawal_probability
            censor = rng.uniform(*truth.withdrawal_window_day) if withdrawn else truth.study_end_day
            onset_day, end_day = int(np.ceil(onset)), int(np.ceil(end))
            censor_day = int(np.floor(censor))
            rows.append(
                {
                    "mouse_id": f"S{number:03d}",
                    "genotype": genotype,
                    "sex": ("F", "M")[number % 2],
                    "onset_day": min(onset_day, censor_day),
                    "onset_observed": int(onset_day <= censor_day),
                    "end_stage_day": min(end_day, censor_day),
                    "end_stage_observed": int(end_day <= censor_day),
                }
            )
    return pd.DataFrame(rows)[list(SPEC.column_names)]


# -- Rules that tie columns of a row together -------------------------------
@dataclass(frozen=True)
class PairedColumn(Column):
    """A column whose valid values also depend on another column of the same row.

    ``rule`` says in words what the row must satisfy (it is appended to the
    expectation shown in error messages and in ``data/README.md``);
    ``row_ok(frame)`` returns, for every row, whether the rule holds.
    Rows with unparseable cells are left to the per-column checks.
    """

    rule: str = ""
    row_ok: object = None

    def expectation(self) -> str:
        """The per-column expectation followed by the rule linking it to its row."""
        return f"{super().expectation()}, {self.rule}"


def _onset_not_after_end(frame: pd.DataFrame) -> pd.Series:
    return ~(frame["onset_day"] > frame["end_stage_day"]).fillna(False)


def _end_needs_onset(frame: pd.DataFrame) -> pd.Series:
    return ~((frame["end_stage_observed"] == 1) & (frame["onset_observed"] == 0)).fillna(False)


def _censored_before_onset(frame: pd.DataFrame) -> pd.Series:
    left = frame["onset_observed"] == 0
    return ~(left & (frame["end_stage_day"] != frame["onset_day"])).fillna(False)


SPEC = TableSpec(
    name="disease_course",
    filename="disease_course.csv",
    description=(
        "One row per mouse: day of disease onset (peak body weight) and day of end stage "
        "(unable to right itself within 20 s), each with a flag saying whether the event "
        "was observed (1) or the mouse was censored on that day (0), having left the study "
        "alive or reached the end of the study."
    ),
    design=(
        "Disease course of SOD1-G85R mice with two, one or no Sigmar1 copies (Watanabe et al., "
        "EMBO Mol Med 2016, PMC5167132): SOD1-G85R;Sigmar1-/- mice fall ill earlier and die "
        "sooner than SOD1-G85R or SOD1-G85R;Sigmar1+/- mice."
    ),
    columns=(
        Column("mouse_id", "str", "Mouse identifier.", "-"),
        Column("genotype", "str", "Genotype.", "-", allowed=DISEASE_COURSE.genotypes),
        Column("sex", "str", "Sex of the mouse.", "-", allowed=("F", "M")),
        PairedColumn("onset_day", "int", "Age at onset, or at censoring if onset_observed is 0.", "day",
                     minimum=0, maximum=1500, rule="not later than end_stage_day of the same row",
                     row_ok=_onset_not_after_end),
        Column("onset_observed", "int", "1 if onset was observed, 0 if censored.", "-", minimum=0, maximum=1),
        PairedColumn("end_stage_day", "int", "Age at end stage, or at censoring if end_stage_observed is 0.",
                     "day", minimum=0, maximum=1500,
                     rule="equal to onset_day when onset_observed is 0 (a mouse that left before onset "
                          "is censored for both on the same day)",
                     row_ok=_censored_before_onset),
        PairedColumn("end_stage_observed", "int", "1 if end stage was observed, 0 if censored.", "-",
                     minimum=0, maximum=1, rule="and 1 only if onset_observed is 1",
                     row_ok=_end_needs_onset),
    ),
    key=("mouse_id",),
    constant_within={},
    simulate=simulate,
    truth_doc=(
        f"{DISEASE_COURSE.mice_per_genotype} mice per genotype. Weibull onset (shape "
        f"{DISEASE_COURSE.shape_onset:g}) with medians {DISEASE_COURSE.median_onset_day} d and end stage "
        f"(shape {DISEASE_COURSE.shape_end_stage:g}) with medians {DISEASE_COURSE.median_end_stage_day} d; "
        f"Gaussian copula correlation {DISEASE_COURSE.copula_rho} between a mouse's two times; end stage at "
        f"least {DISEASE_COURSE.min_duration_day:g} d after onset. True log hazard ratios vs SOD1_G85R: "
        "onset "
        + ", ".join(f"{g} {DISEASE_COURSE.log_hazard_ratio('onset', g):.3f}" for g in DISEASE_COURSE.genotypes[1:])
        + "; end stage "
        + ", ".join(f"{g} {DISEASE_COURSE.log_hazard_ratio('end_stage', g):.3f}" for g in DISEASE_COURSE.genotypes[1:])
        + f". Censoring: {DISEASE_COURSE.withdrawal_probability:.0%} of mice withdrawn alive at a uniform day in "
        f"{DISEASE_COURSE.withdrawal_window_day}; study ends on day {DISEASE_COURSE.study_end_day:g}. No sex effect."
    ),
)
