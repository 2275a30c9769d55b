"""The true values behind the simulated example data — all of them, in one place.

No per-sample measurements of the published studies are public (see
``../shared/DOMAIN.md``), so the book ships *simulated* example data. Every
number the generator puts in is written down here, next to the reason it was
chosen, so that each chapter can show that its statistics recover the values
that went in. Directions of effect follow the published claims; magnitudes are
**assumptions** of this project, not findings.

Conventions
-----------
* TBK1 activation is ``log(pTBK1 / TBK1)`` after each band is divided by its
  own loading control (natural log). An effect of ``-0.60`` means the ALS (or
  mutant) geometric mean is ``exp(-0.60) = 0.55`` times the control one.
* MAM integrity is a log rate: ``log`` of the expected PLA puncta per cell.

Changing a value here and running ``make data`` regenerates ``data/``; the
tests then check that the chapters recover the new value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: Default seed of the example dataset (a parameter everywhere else).
DEFAULT_SEED = 20231204  # PNAS 2023 publication month, as a memorable number


# --------------------------------------------------------------------------
# Human autopsy tissue (mirrors the design of Watanabe et al., PNAS 2023)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class HumanBlotTruth:
    """True values of the human autopsy immunoblot table ``human_blot.csv``.

    Design: donors (control, sporadic ALS) x regions, one lane per
    donor x region, lanes of one region spread over several gels (a batch).
    """

    n_control: int = 10
    n_sals: int = 12
    regions: tuple[str, ...] = ("lumbar_spinal_cord", "motor_cortex", "occipital_cortex")
    lanes_per_gel: int = 8
    #: log(pTBK1/TBK1) of a control donor of reference age/sex/PMI, per region.
    baseline_log_ratio: dict[str, float] = field(
        default_factory=lambda: {
            "lumbar_spinal_cord": -0.20,
            "motor_cortex": -0.35,
            "occipital_cortex": -0.30,
        }
    )
    #: sALS minus control on the log scale (the chapter's primary estimand).
    #: Strong in the motor regions, near zero in the less-affected occipital cortex.
    als_effect: dict[str, float] = field(
        default_factory=lambda: {
            "lumbar_spinal_cord": -0.60,
            "motor_cortex": -0.45,
            "occipital_cortex": -0.05,
        }
    )
    #: Covariate slopes on the log ratio (per 10 years, male vs female, per 10 h PMI).
    age_per_decade: float = -0.05
    male_vs_female: float = 0.03
    pmi_per_10h: float = -0.08
    age_mean: float = 66.0
    age_sd: float = 9.0
    pmi_mean_h: float = 10.0
    pmi_sd_h: float = 5.0
    #: Variance components (log scale).
    sd_donor: float = 0.12  # shared by a donor's regions
    sd_gel: float = 0.15  # gel-to-gel exposure differences (batch)
    sd_lane: float = 0.18  # lane-level densitometry noise, per band
    #: Band intensities (arbitrary densitometry units).
    tbk1_level: float = 12000.0
    loading_level: float = 30000.0
    sd_load: float = 0.15  # unequal loading between lanes

    def ratio_of_geometric_means(self, region: str) -> float:
        """Return the true sALS/control ratio of geometric means for *region*."""
        return math.exp(self.als_effect[region])


# --------------------------------------------------------------------------
# Mouse tissue (mirrors Watanabe et al., EMBO Mol Med 2016 and PNAS 2023)
# --------------------------------------------------------------------------
GENOTYPES_TISSUE = ("WT", "Sigmar1_KO", "SOD1_G85R", "SOD1_G85R_Sigmar1_KO")
STAGES = ("presymptomatic", "onset", "end_stage")
MOUSE_TISSUES = ("spinal_cord", "motor_cortex", "cerebellum")


def _default_mam_effect() -> dict[tuple[str, str], float]:
    # Sig1R loss collapses the MAM from the start; mutant SOD1 does so
    # progressively; the double mutant is worse than either (2016 study).
    effect = {}
    for stage, sod1 in zip(STAGES, (-0.10, -0.30, -0.50), strict=True):
        effect[("WT", stage)] = 0.0
        effect[("Sigmar1_KO", stage)] = -0.35
        effect[("SOD1_G85R", stage)] = sod1
        effect[("SOD1_G85R_Sigmar1_KO", stage)] = sod1 - 0.35 - 0.15
    return effect


@dataclass(frozen=True)
class MouseCohortTruth:
    """True values of the mouse tissue cohort shared by the mouse tables.

    Each mouse carries a latent MAM integrity per tissue (log PLA rate). TBK1
    activation depends on it through ``coupling_slope`` plus a small direct
    genotype effect, so the MAM measure accounts for most, not all, of the
    genotype effect on TBK1.
    """

    mice_per_group: int = 5  # per genotype x stage; 10-23 is typical for survival, 4-6 for blots
    genotypes: tuple[str, ...] = GENOTYPES_TISSUE
    stages: tuple[str, ...] = STAGES
    tissues: tuple[str, ...] = MOUSE_TISSUES
    #: How strongly each tissue shows the genotype effect (cerebellum: a non-motor control).
    tissue_scale: dict[str, float] = field(
        default_factory=lambda: {"spinal_cord": 1.0, "motor_cortex": 0.6, "cerebellum": 0.15}
    )
    #: Genotype x stage effect on log MAM integrity in spinal cord (scaled per tissue).
    mam_effect: dict[tuple[str, str], float] = field(default_factory=_default_mam_effect)
    #: log PLA puncta per cell of a WT motor neuron, per tissue.
    mam_baseline: dict[str, float] = field(
        default_factory=lambda: {
            "spinal_cord": math.log(14.0),
            "motor_cortex": math.log(11.0),
            "cerebellum": math.log(9.0),
        }
    )
    sd_mouse_mam: float = 0.10  # mouse x tissue deviation in latent MAM integrity
    #: d log(pTBK1/TBK1) / d log MAM integrity.
    coupling_slope: float = 0.80
    #: Direct (MAM-independent) effect of mutant SOD1 on log(pTBK1/TBK1), per stage.
    sod1_direct: dict[str, float] = field(
        default_factory=lambda: {"presymptomatic": 0.0, "onset": -0.05, "end_stage": -0.10}
    )
    tbk1_baseline: dict[str, float] = field(
        default_factory=lambda: {"spinal_cord": -0.25, "motor_cortex": -0.30, "cerebellum": -0.40}
    )
    sd_mouse_tbk1: float = 0.08  # mouse-level deviation beyond MAM
    sd_gel: float = 0.15
    sd_lane: float = 0.15
    lanes_per_gel: int = 15
    tbk1_level: float = 9000.0
    loading_level: float = 25000.0
    sd_load: float = 0.12

    def mam_log_effect(self, genotype: str, stage: str, tissue: str) -> float:
        """True effect of *genotype* at *stage* on log MAM integrity in *tissue* (vs WT)."""
        return self.tissue_scale[tissue] * self.mam_effect[(genotype, stage)]

    def tbk1_log_effect(self, genotype: str, stage: str, tissue: str) -> float:
        """True effect on log(pTBK1/TBK1) vs WT: coupling through MAM plus direct SOD1 effect."""
        direct = self.sod1_direct[stage] * self.tissue_scale[tissue] if "SOD1" in genotype else 0.0
        return self.coupling_slope * self.mam_log_effect(genotype, stage, tissue) + direct


HUMAN_BLOT = HumanBlotTruth()
MOUSE_COHORT = MouseCohortTruth()
