"""Body weight of knock-in mouse models of ALS/FTD over age: real measurements (Boyanova et al. 2025).

This table is not simulated: the book bundles it, converted from the authors'
published files, in ``data/real/boyanova2025/`` (``helpers.data.real.boyanova2025``
writes it). Its genotype levels are not fixed by the spec: each folder's study
descriptor (``datapackage.yaml``, property ``mam_tbk1_design``) names them and the
reference level, so the same table kind holds any mouse model.
"""

from __future__ import annotations

from helpers.data.tables.spec import Column, TableSpec

SPEC = TableSpec(
    name="body_weight",
    filename="body_weight.csv",
    description=(
        "One row per mouse and age-week: the mean of the mouse's weighings in that week (most weeks hold "
        "one weighing, some two or more), with the number of weighings averaged. `line` says which mouse "
        "model (and colony of wild-type littermates) the mouse belongs to; genotypes are compared with the "
        "wild type of the same line only."
    ),
    design=(
        "Longitudinal phenotyping of Tardbp Q331K/Q331K and C9orf72 GR400/+ knock-in mice with their "
        "wild-type littermates, weighed about weekly from 4 to about 72 weeks of age (Boyanova et al., "
        "Dis Model Mech 2025, doi:10.1242/dmm.052324). Real measurements, CC BY-SA 4.0."
    ),
    columns=(
        Column("line", "str", "Mouse model the animal belongs to (its wild types are littermates of its mutants).",
               "-", factor="line"),
        Column("mouse_id", "str", "Mouse identifier (the authors' animal name).", "-"),
        Column("genotype", "str", "Genotype; levels and reference level are named by the folder's study "
               "descriptor (datapackage.yaml).", "-", factor="genotype"),
        Column("sex", "str", "Sex of the mouse.", "-", allowed=("F", "M")),
        Column("colony", "str", "Breeding stock the mouse came from (for C9orf72: maternal or paternal "
               "transmission of the knock-in).", "-"),
        Column("batch", "str", "Behavioural cohort (batch) of the mouse.", "-"),
        Column("age_weeks", "int", "Age-week of the weighings, as the authors assigned it.", "week",
               minimum=0, maximum=200),
        Column("n_weighings", "int", "Number of weighings averaged into this row.", "-", minimum=1, maximum=50),
        Column("weight_g", "float", "Body weight: mean of the weighings of that mouse in that age-week.", "g",
               positive=True),
    ),
    key=("mouse_id", "age_weeks"),
    constant_within={"mouse_id": ("line", "genotype", "sex", "colony", "batch")},
    example=False,
)
