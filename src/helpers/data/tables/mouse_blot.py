"""Mouse tissue immunoblot table: pTBK1(S172) and TBK1 per mouse x tissue."""

from __future__ import annotations

from helpers.data.tables.blot_columns import BAND_COLUMNS, NORMALIZATION_COLUMNS
from helpers.data.tables.spec import Column, TableSpec

SPEC = TableSpec(
    name="mouse_blot",
    filename="mouse_blot.csv",
    description=(
        "One row per immunoblot lane: one mouse's tissue. Same band quantities as the "
        "human table (pTBK1 and TBK1 on two membranes, each with a GAPDH loading "
        "control, and a total-protein stain)."
    ),
    design=(
        "ALS model mice with a disrupted MAM (Watanabe et al., EMBO Mol Med 2016, PMC5167132; "
        "PNAS 2023): WT, Sigmar1-/-, SOD1-G85R and SOD1-G85R;Sigmar1-/- at presymptomatic, "
        "onset and end stage; spinal cord, motor cortex and cerebellum (non-motor control)."
    ),
    columns=(
        Column("mouse_id", "str", "Mouse identifier (shared with the PLA table).", "-"),
        Column("genotype", "str", "Genotype.", "-", factor="genotype"),
        Column("stage", "str", "Disease stage (age-matched for WT and Sigmar1-/-).", "-", factor="stage"),
        Column("sex", "str", "Sex of the mouse.", "-", allowed=("F", "M")),
        Column("tissue", "str", "Tissue.", "-", factor="tissue"),
        *BAND_COLUMNS,
    ),
    choices=NORMALIZATION_COLUMNS,
    key=("mouse_id", "tissue"),
    constant_within={"mouse_id": ("genotype", "stage", "sex")},
)
