"""Example-data generator of the ``arsenite_cells`` table: simulated from the true values in ``helpers.data.truths``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.cohorts import rng_for
from helpers.data.tables.arsenite_cells import SPEC
from helpers.data.truths import DOSE_RESPONSE, DoseResponseTruth
from helpers.stats.dose_response import four_pl


def simulate(seed: int, truth: DoseResponseTruth = DOSE_RESPONSE) -> pd.DataFrame:
    """Return the simulated dose-series table for *seed* (true values in ``helpers.data.truths``).

    Each culture draws its own log EC50, baseline viability and pTBK1 level
    (the culture effect); each dose adds readout noise. Viability is kept
    inside (0, 1].
    """
    rng = rng_for(seed, "arsenite_cells")
    doses = np.asarray(truth.doses_um, dtype=float)
    rows = []
    number = 0
    for genotype in truth.genotypes:
        for _ in range(truth.cultures_per_genotype):
            number += 1
            log_ec50 = truth.log_ec50(genotype) + rng.normal(0.0, truth.sd_culture_log_ec50)
            top = truth.viability_top + rng.normal(0.0, truth.sd_culture_top)
            viability = four_pl(doses, top, truth.viability_bottom, log_ec50, truth.viability_hill)
            viability = np.clip(viability + rng.normal(0.0, truth.sd_well, size=len(doses)), 0.001, 1.0)
            base = truth.ptbk1_baseline[genotype] * np.exp(rng.normal(0.0, truth.sd_culture_log_ptbk1))
            ptbk1 = four_pl(doses, base, base * truth.ptbk1_floor, np.log(truth.ptbk1_ic50_um), truth.ptbk1_hill)
            ptbk1 = ptbk1 * np.exp(rng.normal(0.0, truth.sd_log_ptbk1, size=len(doses)))
            for dose, v, p in zip(doses, viability, ptbk1, strict=True):
                rows.append(
                    {
                        "culture_id": f"C{number:02d}",
                        "genotype": genotype,
                        "dose_um": dose,
                        "viability": round(float(v), 4),
                        "ptbk1_ratio": round(float(p), 4),
                    }
                )
    table = pd.DataFrame(rows)
    if not truth.ptbk1_measured:
        table = table.drop(columns="ptbk1_ratio")
    return table[[c for c in SPEC.column_names if c in table.columns]]


#: The true values put in, in prose (``data/README.md``).
TRUTH_DOC = (
    f"{DOSE_RESPONSE.cultures_per_genotype} cultures per genotype, doses {DOSE_RESPONSE.doses_um} µM. "
        f"Viability 4PL: top {DOSE_RESPONSE.viability_top}, bottom {DOSE_RESPONSE.viability_bottom}, "
        f"Hill {DOSE_RESPONSE.viability_hill}, EC50 {DOSE_RESPONSE.viability_ec50_um} µM; culture SD of "
        f"log EC50 {DOSE_RESPONSE.sd_culture_log_ec50}, of top {DOSE_RESPONSE.sd_culture_top}; readout SD "
        f"{DOSE_RESPONSE.sd_well}. pTBK1/TBK1 4PL: baseline {DOSE_RESPONSE.ptbk1_baseline}, floor "
        f"{DOSE_RESPONSE.ptbk1_floor} x baseline, IC50 {DOSE_RESPONSE.ptbk1_ic50_um} µM, Hill "
        f"{DOSE_RESPONSE.ptbk1_hill}; culture SD {DOSE_RESPONSE.sd_culture_log_ptbk1} and blot SD "
        f"{DOSE_RESPONSE.sd_log_ptbk1} (log scale)."
)
