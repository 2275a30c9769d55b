"""Human autopsy immunoblot table: pTBK1(S172) and TBK1 per donor x region."""

from __future__ import annotations

from helpers.data.tables.blot_columns import BAND_COLUMNS, NORMALIZATION_COLUMNS
from helpers.data.tables.spec import Column, TableSpec

SPEC = TableSpec(
    name="human_blot",
    filename="human_blot.csv",
    description=(
        "One row per immunoblot lane: one donor's tissue from one brain or spinal-cord "
        "region. pTBK1(S172) and total TBK1 are probed on two membranes loaded with the "
        "same samples, each with its own GAPDH loading control; a total-protein stain "
        "of membrane A is an alternative normalizer. Donor covariates repeat on each lane."
    ),
    design=(
        "Autopsy tissue of control donors and sporadic ALS (Watanabe et al., PNAS 2023, "
        "doi:10.1073/pnas.2315347120): lumbar spinal cord, motor cortex and the "
        "less-affected occipital cortex; lanes of one region spread over several gels."
    ),
    columns=(
        Column("donor_id", "str", "Donor identifier.", "-"),
        Column("group", "str", "Diagnosis.", "-", factor="group"),
        Column("age_years", "int", "Age at death.", "years", minimum=18, maximum=110),
        Column("sex", "str", "Sex of the donor.", "-", allowed=("F", "M")),
        Column("pmi_hours", "float", "Post-mortem interval.", "hours", minimum=0, maximum=96),
        Column(
            "region",
            "str",
            "Tissue region.",
            "-",
            factor="region",
        ),
        *BAND_COLUMNS,
    ),
    choices=NORMALIZATION_COLUMNS,
    key=("donor_id", "region"),
    constant_within={"donor_id": ("group", "age_years", "sex", "pmi_hours")},
)
