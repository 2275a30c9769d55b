"""Arsenite challenge in mice: weekly rotarod, grip strength and body weight per mouse."""

from __future__ import annotations

from helpers.data.tables.spec import Column, TableSpec

#: Longest rotarod trial the book accepts (trials stop at this cutoff).
ROTAROD_CUTOFF_S = 300.0

SPEC = TableSpec(
    name="arsenite_motor",
    filename="arsenite_motor.csv",
    description=(
        "One row per mouse and week of an arsenite challenge: latency to fall from an "
        "accelerating rotarod, forelimb grip strength and body weight, tested weekly "
        "from the start of treatment (week 0)."
    ),
    design=(
        "Arsenite challenge of Watanabe et al. (PNAS 2023): WT, Sigmar1-/- and Tbk1+/- mice "
        "given vehicle or sodium arsenite in the drinking water, followed weekly for "
        "motor function (MAM or TBK1 deficiency under proteostatic stress impairs motor function)."
    ),
    columns=(
        Column("mouse_id", "str", "Mouse identifier.", "-"),
        Column("genotype", "str", "Genotype.", "-", factor="genotype"),
        Column("treatment", "str", "Drinking-water treatment.", "-", factor="treatment"),
        Column("sex", "str", "Sex of the mouse.", "-", allowed=("F", "M")),
        Column("week", "int", "Weeks since the start of treatment.", "week", minimum=0, maximum=52),
        Column("rotarod_s", "float", "Latency to fall from the accelerating rotarod (trial stops at 300 s).",
               "s", minimum=0, maximum=ROTAROD_CUTOFF_S, optional=True),
        Column("grip_g", "float", "Forelimb grip strength.", "g", positive=True, optional=True),
        Column("body_weight_g", "float", "Body weight.", "g", positive=True, optional=True),
    ),
    needs_a_measurement=True,
    choices={measure: (measure,) for measure in ("rotarod_s", "grip_g", "body_weight_g")},
    key=("mouse_id", "week"),
    constant_within={"mouse_id": ("genotype", "treatment", "sex")},
)
