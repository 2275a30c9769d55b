"""The vocabulary of the tables: levels of genotypes, stages, tissues, fractions, treatments.

These are the names a lab's own tables use too; they carry no simulated value.
Analyses take their level names from here, never from :mod:`helpers.data.truths`.
"""

from __future__ import annotations

#: Mouse genotypes of the tissue tables (``mouse_blot``, ``pla_cells``); WT is the reference.
GENOTYPES_TISSUE = ("WT", "Sigmar1_KO", "SOD1_G85R", "SOD1_G85R_Sigmar1_KO")
REFERENCE_GENOTYPE = "WT"
STAGES = ("presymptomatic", "onset", "end_stage")
#: Combined genotypes of the tissue tables: {combined: {locus: single-locus genotype}}.
COMBINED_GENOTYPES = {"SOD1_G85R_Sigmar1_KO": {"SOD1": "SOD1_G85R", "Sigmar1": "Sigmar1_KO"}}
#: Diagnosis groups of the human table; control is the reference.
HUMAN_GROUPS = ("control", "sALS")
REFERENCE_GROUP = "control"
MOUSE_TISSUES = ("spinal_cord", "motor_cortex", "cerebellum")
#: Short labels for figures and tables.
GENOTYPE_LABELS = {
    "WT": "WT",
    "Sigmar1_KO": "Sigmar1−/−",
    "SOD1_G85R": "SOD1-G85R",
    "SOD1_G85R_Sigmar1_KO": "SOD1;Sigmar1−/−",
}
#: Tissues where ALS (or the mouse models) strikes (True), and the less-affected controls (False).
MOTOR_TISSUES = {
    "lumbar_spinal_cord": True, "motor_cortex": True, "occipital_cortex": False,
    "spinal_cord": True, "cerebellum": False,
}

FRACTIONS = ("homogenate", "crude_mitochondria", "MAM", "microsome", "cytosol")
FRACTION_PROTEINS = ("TBK1", "pTBK1", "AMFR", "Sig1R", "p62", "ubiquitin")
#: Proteins recruited to the MAM under stress (the others are MAM markers).
RECRUITED_PROTEINS = ("TBK1", "pTBK1", "p62", "ubiquitin")

ARSENITE_GENOTYPES = ("WT", "Sigmar1_KO", "Tbk1_het")
ARSENITE_TREATMENTS = ("vehicle", "arsenite")
MOTOR_MEASURES = ("rotarod_s", "grip_g", "body_weight_g")

DISEASE_GENOTYPES = ("SOD1_G85R", "SOD1_G85R_Sigmar1_het", "SOD1_G85R_Sigmar1_KO")
