"""Example-data generator of the ``pla_cells`` table: simulated from the true values in ``helpers.data.truths``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers.data.cohorts import gel_prefix, rng_for, simulate_mouse_cohort
from helpers.data.tables.pla_cells import SPEC
from helpers.data.truths import MOUSE_COHORT, PLA, MouseCohortTruth, PlaTruth

TISSUE_CODE = {"spinal_cord": "SC", "motor_cortex": "MC", "cerebellum": "CB"}


PAIR_CODE = {"VAPB_PTPIP51": "VP", "IP3R3_Sig1R": "IS"}


def _block_log_rate(blocks: pd.DataFrame, truth: PlaTruth, cohort: MouseCohortTruth) -> np.ndarray:
    """Return the log expected puncta of a median-area cell in each block (before section noise)."""
    offset = np.array([truth.log_rate_offset(p, c) for p, c in zip(blocks["tether_pair"], blocks["cell_type"], strict=True)])
    effect = np.array(
        [cohort.mam_log_effect(g, s, t) for g, s, t in zip(blocks["genotype"], blocks["stage"], blocks["tissue"], strict=True)]
    )
    # Other cells keep only a share of the motor-neuron genotype effect.
    other = (blocks["cell_type"] == "other").to_numpy()
    log_rate = blocks["log_mam"].to_numpy() + offset - other * (1.0 - truth.other_effect_share) * effect
    # Without Sig1R the IP3R3-Sig1R pair has no antigen: background only.
    null = (blocks["tether_pair"] == "IP3R3_Sig1R").to_numpy() & blocks["genotype"].map(truth.lacks_sig1r).to_numpy()
    return np.where(null, math.log(truth.sig1r_null_background), log_rate)


def simulate(seed: int, truth: PlaTruth = PLA, cohort: MouseCohortTruth = MOUSE_COHORT) -> pd.DataFrame:
    """Return the simulated PLA table for *seed* (true values in ``helpers.data.truths.PLA``).

    The animals, and their latent log MAM integrity per tissue, are those of
    :func:`helpers.data.cohorts.simulate_mouse_cohort`, shared with the mouse blots.
    A *block* is one section's cells of one type.
    """
    mice = simulate_mouse_cohort(seed, cohort)
    rng = rng_for(seed, "pla_cells")
    sections = mice.merge(pd.DataFrame({"tether_pair": truth.tether_pairs}), how="cross").merge(
        pd.DataFrame({"section": range(1, truth.sections + 1)}), how="cross"
    )
    sections["section_id"] = (
        sections["mouse_id"] + "-" + sections["tissue"].map(lambda t: TISSUE_CODE.get(t) or gel_prefix(t)[:-1]) + "-"
        + sections["tether_pair"].map(lambda p: PAIR_CODE.get(p) or gel_prefix(p)[:-1]) + sections["section"].astype(str)
    )
    sections["section_dev"] = rng.normal(0.0, truth.sd_section, size=len(sections))
    blocks = sections.merge(pd.DataFrame({"cell_type": truth.cell_types}), how="cross")
    low, high = truth.cells_per_section
    n_cells = rng.integers(low, high + 1, size=len(blocks))
    block_mean = np.exp(_block_log_rate(blocks, truth, cohort) + blocks["section_dev"].to_numpy())
    cells = blocks.loc[blocks.index.repeat(n_cells)].reset_index(drop=True)
    median = cells["cell_type"].map(truth.median_area_um2).to_numpy()
    area = median * np.exp(rng.normal(0.0, truth.sd_log_area, size=len(cells)))
    # gamma-Poisson: each cell's expected count varies around its section's rate, in proportion to its area
    shape = truth.cell_gamma_shape
    expected = np.repeat(block_mean, n_cells) * (area / median) * rng.gamma(shape, 1.0 / shape, size=len(cells))
    number = cells.groupby("section_id", sort=False).cumcount() + 1
    cells = cells.assign(
        cell_id=cells["section_id"] + "-" + number.map("{:02d}".format),
        puncta=rng.poisson(expected),
        cell_area_um2=np.round(area, 1),
    )
    return cells[list(SPEC.column_names)]


def _rounded(mapping: dict) -> dict:
    return {k: round(v, 3) for k, v in mapping.items()}


#: The true values put in, in prose (``data/README.md``).
TRUTH_DOC = (
    "Same mice as `mouse_blot.csv`. Expected puncta of a VAPB-PTPIP51 motor neuron of median "
        "area = exp(the mouse's latent log MAM integrity); baseline per tissue "
        f"{ {k: round(math.exp(v), 1) for k, v in MOUSE_COHORT.mam_baseline.items()} } puncta; "
        f"genotype x stage effect on log puncta as for the MAM in `mouse_blot.csv` "
        f"(spinal cord {_rounded(MOUSE_COHORT.mam_effect)}, tissue scale {MOUSE_COHORT.tissue_scale}). "
        f"Pair offset (log) {_rounded(PLA.pair_log_offset)}; other cells offset {PLA.other_log_offset:.3f} "
        f"and {PLA.other_effect_share:.0%} of the motor-neuron genotype effect. IP3R3-Sig1R in "
        f"Sigmar1-/- genotypes: background of {PLA.sig1r_null_background} punctum per cell "
        f"(no Sig1R antigen). {PLA.sections} sections per mouse x tissue x pair, "
        f"{PLA.cells_per_section[0]}-{PLA.cells_per_section[1]} cells per section and type; "
        f"section SD {PLA.sd_section} (log); gamma-Poisson counts with shape "
        f"{PLA.cell_gamma_shape}; puncta proportional to area, median area "
        f"{PLA.median_area_um2} um^2, log-area SD {PLA.sd_log_area}."
)
