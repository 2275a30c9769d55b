"""Echo-MRI body composition of knock-in mice over age: real measurements (Boyanova et al. 2025).

Bundled, converted from the authors' published files, in ``data/real/boyanova2025/``;
not simulated. Genotype levels come from the folder's study descriptor.
"""

from __future__ import annotations

from helpers.data.tables.spec import Column, TableSpec

SPEC = TableSpec(
    name="body_composition",
    filename="body_composition.csv",
    description=(
        "One row per mouse and age of scanning: fat mass, lean mass, free water and total water from a "
        "quantitative magnetic resonance (echo-MRI) scan of the living mouse."
    ),
    design=(
        "Echo-MRI of Tardbp Q331K/Q331K knock-in mice and wild-type littermates at 10, 20, 48, 64 and 72 "
        "weeks of age (Boyanova et al., Dis Model Mech 2025, doi:10.1242/dmm.052324). Real measurements, "
        "CC BY-SA 4.0."
    ),
    columns=(
        Column("line", "str", "Mouse model the animal belongs to.", "-", factor="line"),
        Column("mouse_id", "str", "Mouse identifier (the authors' animal name).", "-"),
        Column("genotype", "str", "Genotype; levels and reference level are named by the folder's study "
               "descriptor (datapackage.yaml).", "-", factor="genotype"),
        Column("sex", "str", "Sex of the mouse.", "-", allowed=("F", "M")),
        Column("age_weeks", "int", "Age at the scan (the authors' mean experimental age of the session).",
               "week", minimum=0, maximum=200),
        Column("fat_g", "float", "Fat mass.", "g", positive=True),
        Column("lean_g", "float", "Lean mass.", "g", positive=True),
        Column("free_water_g", "float", "Free water.", "g", minimum=0),
        Column("total_water_g", "float", "Total water.", "g", minimum=0),
    ),
    key=("mouse_id", "age_weeks"),
    constant_within={"mouse_id": ("line", "genotype", "sex")},
    example=False,
)
