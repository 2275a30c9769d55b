"""Example-data generator of the ``human_blot`` table: simulated from the true values in ``helpers.data.truths``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.cohorts import (
    assign_gels,
    blot_lane_bands,
    gel_prefix,
    rng_for,
)
from helpers.data.tables.human_blot import SPEC
from helpers.data.truths import HUMAN_BLOT, HumanBlotTruth

GROUPS = ("control", "sALS")


GEL_PREFIX = {"lumbar_spinal_cord": "LSC-", "motor_cortex": "MC-", "occipital_cortex": "OC-"}


def _interleave(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Alternate the elements of two index arrays; the longer one's tail comes last.

    >>> _interleave(np.array([0, 1]), np.array([5, 6, 7])).tolist()
    [0, 5, 1, 6, 7]
    """
    position = np.r_[np.arange(len(first)) * 2, np.arange(len(second)) * 2 + 1]
    return np.r_[first, second][np.argsort(position, kind="stable")]


def _interleave_all(parts: list[np.ndarray]) -> np.ndarray:
    """Take one element of each index array in turn; longer arrays' tails come last (two: :func:`_interleave`).

    >>> _interleave_all([np.array([0, 1]), np.array([5, 6, 7]), np.array([9])]).tolist()
    [0, 5, 9, 1, 6, 7]
    """
    k = len(parts)
    position = np.concatenate([np.arange(len(part)) * k + j for j, part in enumerate(parts)])
    return np.concatenate(parts)[np.argsort(position, kind="stable")]


def simulate(seed: int, truth: HumanBlotTruth = HUMAN_BLOT) -> pd.DataFrame:
    """Return the simulated human blot table for *seed* (see ``helpers.data.truths``).

    The diagnosis groups, their sizes and effects come from *truth*
    (``group_levels``, ``group_size``, ``effect``); a two-colour truth gives the
    pTBK1 and TBK1 bands of one membrane and no loading-control columns.
    """
    rng = rng_for(seed, "human_blot")
    groups = truth.group_levels
    sizes = [truth.group_size(g) for g in groups]
    n = sum(sizes)
    donors = pd.DataFrame(
        {
            "donor_id": [f"D{i + 1:02d}" for i in range(n)],
            "group": [g for g, size in zip(groups, sizes, strict=True) for _ in range(size)],
            "age_years": np.clip(rng.normal(truth.age_mean, truth.age_sd, n).round(), 30, 95),
            "sex": rng.choice(["F", "M"], size=n),
            "pmi_hours": np.clip(rng.normal(truth.pmi_mean_h, truth.pmi_sd_h, n), 1.0, 48.0).round(1),
        }
    )
    donor_dev = rng.normal(0.0, truth.sd_donor, n)
    tables = []
    for region in truth.regions:
        # Alternate groups along the lanes so every gel holds both groups.
        order = _interleave_all([rng.permutation(np.flatnonzero(donors["group"] == g)) for g in groups])
        lanes = donors.iloc[order].reset_index(drop=True)
        dev = donor_dev[order]
        log_ratio = (
            truth.baseline_log_ratio[region]
            + lanes["group"].map(lambda g, r=region: truth.effect(g, r)).to_numpy()
            + truth.age_per_decade * (lanes["age_years"] - truth.age_mean) / 10
            + truth.male_vs_female * (lanes["sex"] == "M")
            + truth.pmi_per_10h * (lanes["pmi_hours"] - truth.pmi_mean_h) / 10
            + dev
        ).to_numpy()
        gels = assign_gels(len(lanes), truth.lanes_per_gel, GEL_PREFIX.get(region) or gel_prefix(region))
        bands = blot_lane_bands(rng, log_ratio, truth)
        lanes = lanes.assign(
            region=region, gel_id=gels, lane=np.arange(len(lanes)) % truth.lanes_per_gel + 1, **bands
        )
        tables.append(lanes)
    table = pd.concat(tables, ignore_index=True)
    table["age_years"] = table["age_years"].astype(int)
    return table[[c for c in SPEC.column_names if c in table.columns]]


#: The true values put in, in prose (``data/README.md``).
TRUTH_DOC = (
        "{n_control} control and {n_sals} sALS donors. True sALS - control difference in "
        "log(pTBK1/TBK1): {als_effect}. Baseline log ratio per region: {baseline_log_ratio}. "
        "Slopes: {age_per_decade} per decade of age, {male_vs_female} male vs female, "
        "{pmi_per_10h} per 10 h PMI. SDs (log scale): donor {sd_donor}, gel {sd_gel}, "
        "lane {sd_lane}, loading {sd_load}. {lanes_per_gel} lanes per gel."
    ).format(**HUMAN_BLOT.__dict__)
