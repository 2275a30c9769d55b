"""Example-data generator of the ``arsenite_motor`` table: simulated from the true values in ``helpers.data.truths``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.cohorts import rng_for
from helpers.data.tables.arsenite_motor import SPEC
from helpers.data.truths import ARSENITE, ArseniteTruth


def simulate(seed: int, truth: ArseniteTruth = ARSENITE) -> pd.DataFrame:
    """Return the simulated weekly motor table for *seed* (true values in ``helpers.data.truths``).

    Each mouse gets, per measure, its own intercept and weekly slope
    (independent normal deviations around the group values) and independent
    week-to-week noise. Rotarod latencies are cut to ``[0, rotarod_cap_s]``
    as a trial stops at the cap. The measures are those of ``truth.measures``;
    every treatment but the first (the control) adds its slope effect.
    """
    rng = rng_for(seed, "arsenite_motor")
    weeks = np.asarray(truth.weeks, dtype=float)
    rows = []
    number = 0
    for genotype in truth.genotypes:
        for treatment in truth.treatments:
            for _ in range(truth.mice_per_group):
                number += 1
                sex = ("F", "M")[number % 2]
                values = {}
                for measure in truth.measures:
                    slope = truth.vehicle_slope[measure] + rng.normal(0.0, truth.sd_slope[measure])
                    if treatment != truth.treatments[0]:
                        slope += truth.slope_effect(measure, genotype)
                    intercept = (
                        truth.baseline[measure]
                        + (truth.male_offset[measure] if sex == "M" else 0.0)
                        + rng.normal(0.0, truth.sd_intercept[measure])
                    )
                    noise = rng.normal(0.0, truth.sd_residual[measure], size=len(weeks))
                    values[measure] = intercept + slope * weeks + noise
                if "rotarod_s" in values:
                    values["rotarod_s"] = np.clip(values["rotarod_s"], 0.0, truth.rotarod_cap_s)
                for i, week in enumerate(truth.weeks):
                    rows.append(
                        {
                            "mouse_id": f"A{number:03d}",
                            "genotype": genotype,
                            "treatment": treatment,
                            "sex": sex,
                            "week": week,
                            **{m: round(float(values[m][i]), 2) for m in truth.measures},
                        }
                    )
    table = pd.DataFrame(rows)
    return table[[c for c in SPEC.column_names if c in table.columns]]


#: The true values put in, in prose (``data/README.md``).
TRUTH_DOC = (
    f"{ARSENITE.mice_per_group} mice per genotype x treatment, weeks {ARSENITE.weeks[0]}-"
        f"{ARSENITE.weeks[-1]}. Week-0 means (female) {ARSENITE.baseline}, male offsets "
        f"{ARSENITE.male_offset}; vehicle weekly slopes {ARSENITE.vehicle_slope} in every genotype; "
        f"arsenite minus vehicle in the weekly slope {ARSENITE.arsenite_slope_effect}. SDs between "
        f"mice: intercept {ARSENITE.sd_intercept}, slope {ARSENITE.sd_slope}; residual "
        f"{ARSENITE.sd_residual}. Rotarod cut at {ARSENITE.rotarod_cap_s:g} s."
)
