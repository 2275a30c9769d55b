"""Arsenite dose series in motor-neuron cultures: viability and pTBK1/TBK1 per culture and dose."""

from __future__ import annotations

from helpers.data.tables.spec import Column, TableSpec

SPEC = TableSpec(
    name="arsenite_cells",
    filename="arsenite_cells.csv",
    description=(
        "One row per culture and arsenite dose: live-cell fraction after 24 h and "
        "pTBK1(S172)/TBK1 by immunoblot, normalized to the mean of WT vehicle cultures."
    ),
    design=(
        "Arsenite dose series in cells (Watanabe et al., PNAS 2023): independent primary "
        "motor-neuron cultures from WT, Sigmar1-/- and Tbk1+/- embryos, each exposed to "
        "0-200 µM sodium arsenite; the culture is the experimental unit."
    ),
    columns=(
        Column("culture_id", "str", "Independent culture (one embryo / dissection).", "-"),
        Column("genotype", "str", "Genotype of the culture.", "-", factor="genotype"),
        Column("dose_um", "float", "Sodium arsenite concentration.", "µM", minimum=0),
        Column("viability", "float", "Live-cell fraction (calcein-positive / all nuclei).", "fraction",
               minimum=0, maximum=1),
        Column("ptbk1_ratio", "float", "pTBK1(S172)/TBK1, normalized to the reference genotype's untreated mean.",
               "ratio", positive=True, optional=True),
    ),
    key=("culture_id", "dose_um"),
    constant_within={"culture_id": ("genotype",)},
)
