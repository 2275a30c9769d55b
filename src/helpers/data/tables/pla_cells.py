"""PLA table: MAM contact puncta per cell, cells nested in sections nested in mice."""

from __future__ import annotations

from helpers.data.tables.spec import Column, TableSpec

SPEC = TableSpec(
    name="pla_cells",
    filename="pla_cells.csv",
    description=(
        "One row per cell: the number of proximity-ligation (PLA) puncta for one ER-mitochondria "
        "tether pair in one cell of a tissue section, with the cell's area and type. A punctum "
        "marks a contact between the ER and a mitochondrion (a MAM). Cells are nested in "
        "sections, sections in mice: the mouse, not the cell, is the experimental unit."
    ),
    design=(
        "MAM integrity in motor neurons of WT, Sigmar1-/-, SOD1-G85R and SOD1-G85R;Sigmar1-/- "
        "mice (Watanabe et al., EMBO Mol Med 2016, PMC5167132; PNAS 2023), same mice as "
        "`mouse_blot.csv`; VAPB-PTPIP51 and IP3R3-Sig1R PLA on separate sections; 15-30 "
        "cells per mouse, tissue, pair and cell type, as in published PLA studies."
    ),
    columns=(
        Column("mouse_id", "str", "Mouse identifier (shared with the blot table).", "-"),
        Column("genotype", "str", "Genotype.", "-", factor="genotype"),
        Column("stage", "str", "Disease stage (age-matched for WT and Sigmar1-/-).", "-", factor="stage"),
        Column("sex", "str", "Sex of the mouse.", "-", allowed=("F", "M")),
        Column("tissue", "str", "Tissue.", "-", factor="tissue"),
        Column("section_id", "str", "Tissue section (one mouse, tissue and tether pair).", "-"),
        Column("cell_id", "str", "Cell identifier, unique in the table.", "-"),
        Column("cell_type", "str", "Motor neuron (ChAT+/large soma) or other cell.", "-", factor="cell_type"),
        Column("tether_pair", "str", "Antibody pair of the PLA.", "-", factor="tether_pair"),
        Column("puncta", "int", "PLA puncta counted in the cell.", "count", minimum=0),
        Column("cell_area_um2", "float", "Area of the cell's soma in the section.", "um^2", positive=True),
    ),
    key=("cell_id",),
    constant_within={
        "mouse_id": ("genotype", "stage", "sex"),
        "section_id": ("mouse_id", "tissue", "tether_pair"),
    },
)
