"""MAM-fraction immunoblot table: each protein's signal in each subcellular fraction of a sample."""

from __future__ import annotations

from helpers.data.tables.spec import Column, TableSpec

SPEC = TableSpec(
    name="mam_fraction",
    filename="mam_fraction.csv",
    description=(
        "One row per immunoblot lane: one protein in one subcellular fraction of one sample. "
        "A sample is the pooled spinal cords of a few mice of one "
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
        Column("genotype", "str", "Genotype of the pooled mice.", "-", factor="genotype"),
        Column("stress", "str", "Treatment before tissue collection.", "-", factor="stress"),
        Column("fraction", "str", "Subcellular fraction loaded in the lane.", "-", factor="fraction"),
        Column("protein", "str", "Protein probed.", "-", factor="protein"),
        Column("gel_id", "str", "Gel (membrane) the lane ran on; a batch.", "-"),
        Column("lane", "int", "Lane number on the gel.", "-", minimum=1, maximum=30),
        Column("signal", "float", "Densitometry of the protein's band (background-subtracted).", "AU", positive=True),
        Column("total_protein", "float", "Total-protein stain of the lane (loading check).", "AU", positive=True),
    ),
    key=("sample_id", "fraction", "protein"),
    constant_within={"sample_id": ("genotype", "stress")},
)
