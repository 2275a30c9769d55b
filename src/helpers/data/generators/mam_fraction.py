"""Example-data generator of the ``mam_fraction`` table: simulated from the true values in ``helpers.data.truths``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.cohorts import rng_for
from helpers.data.tables.mam_fraction import SPEC
from helpers.data.truths import MAM_FRACTION, MamFractionTruth


def _samples(truth: MamFractionTruth) -> pd.DataFrame:
    """Return one row per sample (pooled cords of one group), numbered F001, F002, ..."""
    rows = [
        {"genotype": genotype, "stress": stress}
        for genotype in truth.genotypes
        for stress in truth.stresses
        for _ in range(truth.samples_per_group)
    ]
    samples = pd.DataFrame(rows)
    samples.insert(0, "sample_id", [f"F{i + 1:03d}" for i in range(len(samples))])
    return samples


def _log_relative(truth: MamFractionTruth, protein: str, genotype: str, stress: str) -> np.ndarray:
    """True log concentration per ug in each fraction, relative to WT vehicle homogenate."""
    fractions = truth.fractions
    if truth.lacks(protein, genotype):
        return np.full(len(fractions), np.log(truth.knockout_background))
    values = np.log(np.asarray(truth.relative_concentration[protein], dtype=float))
    mam = fractions.index(truth.mam)
    shift = truth.log_enrichment(protein, genotype, stress) - values[mam]
    values[mam] += shift
    if truth.carrier in fractions:
        values[fractions.index(truth.carrier)] += truth.crude_carryover * shift
    return values


def simulate(seed: int, truth: MamFractionTruth = MAM_FRACTION) -> pd.DataFrame:
    """Return the simulated MAM-fraction table for *seed* (true values in ``helpers.data.truths``)."""
    rng = rng_for(seed, "mam_fraction")
    samples = _samples(truth)
    n_samples, n_frac = len(samples), len(truth.fractions)
    # Samples go to fractionation batches at random; a batch runs on one gel per protein.
    order = rng.permutation(n_samples)
    batch = np.empty(n_samples, dtype=int)
    slot = np.empty(n_samples, dtype=int)
    batch[order] = np.arange(n_samples) // truth.samples_per_gel
    slot[order] = np.arange(n_samples) % truth.samples_per_gel
    n_batches = int(batch.max()) + 1
    batch_mam = rng.normal(0.0, truth.sd_batch_mam, size=n_batches)
    load = np.exp(rng.normal(0.0, truth.sd_load, size=(n_samples, n_frac)))
    mam = truth.fractions.index(truth.mam)
    tables = []
    for protein in truth.proteins:
        gel = rng.normal(0.0, truth.sd_gel, size=n_batches)
        for s, sample in samples.iterrows():
            log_rel = _log_relative(truth, protein, sample["genotype"], sample["stress"])
            knockout = truth.lacks(protein, sample["genotype"])
            if not knockout:  # a background reading has no biology and no MAM purity in it
                log_rel = log_rel + rng.normal(0.0, truth.sd_sample) + rng.normal(0.0, truth.sd_sample_fraction, n_frac)
                log_rel[mam] += batch_mam[batch[s]]
            log_signal = (
                np.log(truth.signal_level[protein]) + log_rel + gel[batch[s]]
                + rng.normal(0.0, truth.sd_lane, n_frac) + np.log(load[s])
            )
            tables.append(
                pd.DataFrame(
                    {
                        "sample_id": sample["sample_id"],
                        "genotype": sample["genotype"],
                        "stress": sample["stress"],
                        "fraction": truth.fractions,
                        "protein": protein,
                        "gel_id": f"{protein}-B{batch[s] + 1}",
                        "lane": slot[s] * n_frac + np.arange(n_frac) + 1,
                        "signal": np.exp(log_signal),
                        "total_protein": truth.total_protein_level * load[s] * np.exp(rng.normal(0.0, 0.03, n_frac)),
                    }
                )
            )
    table = pd.concat(tables, ignore_index=True)
    # File order as a lab would write it: protein by protein, gel by gel, lane by lane.
    batch_number = table["gel_id"].str.extract(r"-B(\d+)$")[0].astype(int)
    protein_rank = table["protein"].map({p: i for i, p in enumerate(truth.proteins)})
    order = np.lexsort((table["lane"], batch_number, protein_rank))
    return table.iloc[order].reset_index(drop=True)[list(SPEC.column_names)]


#: The true values put in, in prose (``data/README.md``).
TRUTH_DOC = (
    f"{MAM_FRACTION.samples_per_group} samples per genotype x treatment, samples assigned "
        f"to batches of {MAM_FRACTION.samples_per_gel} at random. WT vehicle concentration per ug "
        f"relative to homogenate (fractions {', '.join(MAM_FRACTION.fractions)}): "
        f"{MAM_FRACTION.relative_concentration}. Arsenite effect on log MAM enrichment in WT: "
        f"{MAM_FRACTION.arsenite_effect}; share of it retained by genotype: "
        f"{MAM_FRACTION.arsenite_retained}; genotype effect without stress (all but Sig1R): "
        f"{MAM_FRACTION.genotype_vehicle_effect}; crude mitochondria show "
        f"{MAM_FRACTION.crude_carryover} of a MAM change. Sig1R in Sigmar1-/-: flat background "
        f"{MAM_FRACTION.knockout_background} x WT homogenate. SDs (log): sample "
        f"{MAM_FRACTION.sd_sample}, sample x fraction {MAM_FRACTION.sd_sample_fraction}, batch MAM "
        f"purity {MAM_FRACTION.sd_batch_mam}, gel {MAM_FRACTION.sd_gel}, lane {MAM_FRACTION.sd_lane}, "
        f"loading {MAM_FRACTION.sd_load}."
)
