"""Example-data generator of the ``disease_course`` table: simulated from the true values in ``helpers.data.truths``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from helpers.data.cohorts import rng_for
from helpers.data.tables.disease_course import (
    SPEC,
)
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
    table = pd.DataFrame(rows)
    dropped = [f"{e}_{part}" for e in ("onset", "end_stage") if e not in truth.endpoints for part in ("day", "observed")]
    table = table.drop(columns=dropped)
    return table[[c for c in SPEC.column_names if c in table.columns]]


#: The true values put in, in prose (``data/README.md``).
TRUTH_DOC = (
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
)
