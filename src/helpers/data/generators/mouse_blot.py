"""Example-data generator of the ``mouse_blot`` table: simulated from the true values in ``helpers.data.truths``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.cohorts import (
    assign_gels,
    blot_lane_bands,
    gel_prefix,
    rng_for,
    simulate_mouse_cohort,
)
from helpers.data.tables.mouse_blot import SPEC
from helpers.data.truths import MOUSE_COHORT, MouseCohortTruth

GEL_PREFIX = {"spinal_cord": "SC-", "motor_cortex": "MC-", "cerebellum": "CB-"}


def simulate(seed: int, truth: MouseCohortTruth = MOUSE_COHORT) -> pd.DataFrame:
    """Return the simulated mouse blot table for *seed* (see ``helpers.data.truths``)."""
    cohort = simulate_mouse_cohort(seed, truth)
    rng = rng_for(seed, "mouse_blot")
    tables = []
    for tissue in truth.tissues:
        lanes = cohort[cohort["tissue"] == tissue]
        # Randomize lane order so genotypes and stages spread over the gels.
        lanes = lanes.iloc[rng.permutation(len(lanes))].reset_index(drop=True)
        bands = blot_lane_bands(rng, lanes["log_tbk1"].to_numpy(), truth)
        tables.append(
            lanes.assign(
                gel_id=assign_gels(len(lanes), truth.lanes_per_gel, GEL_PREFIX.get(tissue) or gel_prefix(tissue)),
                lane=np.arange(len(lanes)) % truth.lanes_per_gel + 1,
                **bands,
            )
        )
    table = pd.concat(tables, ignore_index=True)
    table = table.sort_values(["tissue", "gel_id", "lane"], key=_natural_key).reset_index(drop=True)
    return table[[c for c in SPEC.column_names if c in table.columns]]


def _natural_key(series: pd.Series) -> pd.Series:
    """Sort gel ids like SC-2 before SC-10."""
    if series.name != "gel_id":
        return series
    parts = series.str.extract(r"^(\D*)(\d+)$")
    return parts[0] + parts[1].str.zfill(4)


#: The true values put in, in prose (``data/README.md``).
TRUTH_DOC = (
    f"{MOUSE_COHORT.mice_per_group} mice per genotype x stage. Latent log MAM integrity "
        f"effect vs WT in spinal cord (genotype, stage): {MOUSE_COHORT.mam_effect}; tissue "
        f"scale {MOUSE_COHORT.tissue_scale}. TBK1 effect = {MOUSE_COHORT.coupling_slope} x MAM "
        f"effect + direct SOD1 effect {MOUSE_COHORT.sod1_direct} (scaled by tissue). SDs: "
        f"mouse MAM {MOUSE_COHORT.sd_mouse_mam}, mouse TBK1 {MOUSE_COHORT.sd_mouse_tbk1} (per tissue; a share "
        f"{MOUSE_COHORT.share_mouse_mam} / {MOUSE_COHORT.share_mouse_tbk1} of each variance is shared by a mouse's "
        f"tissues), gel {MOUSE_COHORT.sd_gel}, lane {MOUSE_COHORT.sd_lane}."
)
