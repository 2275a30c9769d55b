"""MAM-fraction immunoblot table: each protein's signal in each subcellular fraction of a sample."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.cohorts import rng_for
from helpers.data.tables.spec import Column, TableSpec
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
    if protein == "Sig1R" and "Sigmar1_KO" in genotype:
        return np.full(len(fractions), np.log(truth.knockout_background))
    values = np.log(np.asarray(truth.relative_concentration[protein], dtype=float))
    mam = fractions.index("MAM")
    shift = truth.log_enrichment(protein, genotype, stress) - values[mam]
    values[mam] += shift
    values[fractions.index("crude_mitochondria")] += truth.crude_carryover * shift
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
    mam = truth.fractions.index("MAM")
    tables = []
    for protein in truth.proteins:
        gel = rng.normal(0.0, truth.sd_gel, size=n_batches)
        for s, sample in samples.iterrows():
            log_rel = _log_relative(truth, protein, sample["genotype"], sample["stress"])
            knockout = protein == "Sig1R" and "Sigmar1_KO" in sample["genotype"]
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


SPEC = TableSpec(
    name="mam_fraction",
    filename="mam_fraction.csv",
    description=(
        "One row per immunoblot lane: one protein in one subcellular fraction of one sample. "
        f"A sample is the pooled spinal cords of {MAM_FRACTION.mice_per_pool} mice of one "
        "genotype x treatment group, fractionated once (homogenate, crude mitochondria, MAM, "
        "microsome, cytosol); the sample is the experimental unit. Equal protein is loaded per "
        "lane and each lane carries a total-protein stain. Each protein is probed on its own "
        "membrane; the samples of one fractionation batch share one gel per protein, so the "
        "gel is a batch and all five fractions of a sample sit on the same gel."
    ),
    design=(
        "Biochemical MAM isolation from mouse spinal cord (Watanabe et al., EMBO Mol Med 2016, "
        "PMC5167132; PNAS 2023): WT, Sigmar1-/-, SOD1-G85R and SOD1-G85R;Sigmar1-/- mice at a "
        "presymptomatic age, given vehicle or sodium arsenite; TBK1, pTBK1(S172), AMFR, Sig1R, "
        "p62 and ubiquitin in each fraction. In Sigmar1-/- samples the Sig1R band is absent: the "
        "row holds the background reading of the empty band region (small but > 0)."
    ),
    columns=(
        Column("sample_id", "str", "Sample identifier (one fractionation of pooled cords).", "-"),
        Column("genotype", "str", "Genotype of the pooled mice.", "-", allowed=MAM_FRACTION.genotypes),
        Column("stress", "str", "Treatment before tissue collection.", "-", allowed=MAM_FRACTION.stresses),
        Column("fraction", "str", "Subcellular fraction loaded in the lane.", "-", allowed=MAM_FRACTION.fractions),
        Column("protein", "str", "Protein probed.", "-", allowed=MAM_FRACTION.proteins),
        Column("gel_id", "str", "Gel (membrane) the lane ran on; a batch.", "-"),
        Column("lane", "int", "Lane number on the gel.", "-", minimum=1, maximum=30),
        Column("signal", "float", "Densitometry of the protein's band (background-subtracted).", "AU", positive=True),
        Column("total_protein", "float", "Total-protein stain of the lane (loading check).", "AU", positive=True),
    ),
    key=("sample_id", "fraction", "protein"),
    constant_within={"sample_id": ("genotype", "stress")},
    simulate=simulate,
    truth_doc=(
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
    ),
)
