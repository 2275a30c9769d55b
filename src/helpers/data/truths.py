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

from helpers.data.tables.arsenite_motor import ROTAROD_CUTOFF_S
from helpers.data.vocabulary import (
    ARSENITE_GENOTYPES,
    ARSENITE_TREATMENTS,
    DISEASE_GENOTYPES,
    FRACTION_PROTEINS,
    FRACTIONS,
    GENOTYPES_TISSUE,
    MOUSE_TISSUES,
    STAGES,
)

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
    #: Another study's diagnosis groups, reference first (None: control and sALS, ``n_control``/``n_sals``).
    groups: tuple[str, ...] | None = None
    #: Donors per group of ``groups``.
    group_sizes: dict[str, int] | None = None
    #: Group minus reference on the log scale, per group and region (None: ``als_effect`` for sALS).
    group_effect: dict[str, dict[str, float]] | None = None
    #: pTBK1 (800 nm) and TBK1 (700 nm) on one membrane, no loading control or stain (a two-colour blot).
    two_colour: bool = False

    def ratio_of_geometric_means(self, region: str) -> float:
        """Return the true sALS/control ratio of geometric means for *region*."""
        return math.exp(self.als_effect[region])

    @property
    def group_levels(self) -> tuple[str, ...]:
        """The diagnosis groups, reference first.

        >>> HumanBlotTruth().group_levels
        ('control', 'sALS')
        """
        return self.groups if self.groups is not None else ("control", "sALS")

    def group_size(self, group: str) -> int:
        """Donors of *group*."""
        if self.group_sizes is not None:
            return self.group_sizes[group]
        return self.n_control if group == self.group_levels[0] else self.n_sals

    def effect(self, group: str, region: str) -> float:
        """True *group* minus reference difference of log(pTBK1/TBK1) in *region* (0 for the reference).

        >>> HumanBlotTruth().effect("sALS", "motor_cortex"), HumanBlotTruth().effect("control", "motor_cortex")
        (-0.45, 0.0)
        """
        if group == self.group_levels[0]:
            return 0.0
        if self.group_effect is not None:
            return self.group_effect[group][region]
        return self.als_effect[region]


# --------------------------------------------------------------------------
# Mouse tissue (mirrors Watanabe et al., EMBO Mol Med 2016 and PNAS 2023)
# --------------------------------------------------------------------------


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

    A mouse's deviations from its group are partly shared across its tissues
    (``share_mouse_*`` of the variance: a mouse with low MAM integrity in the
    cord tends to have it low in the cortex too), so the rows of one mouse in
    the coupling analysis are not independent.
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
    sd_mouse_mam: float = 0.10  # mouse x tissue deviation in latent MAM integrity (total, per tissue)
    #: Share of that variance shared by a mouse's tissues (the rest is tissue-specific).
    share_mouse_mam: float = 0.6
    #: d log(pTBK1/TBK1) / d log MAM integrity.
    coupling_slope: float = 0.80
    #: Direct (MAM-independent) effect of mutant SOD1 on log(pTBK1/TBK1), per stage.
    sod1_direct: dict[str, float] = field(
        default_factory=lambda: {"presymptomatic": 0.0, "onset": -0.05, "end_stage": -0.10}
    )
    tbk1_baseline: dict[str, float] = field(
        default_factory=lambda: {"spinal_cord": -0.25, "motor_cortex": -0.30, "cerebellum": -0.40}
    )
    sd_mouse_tbk1: float = 0.08  # mouse-level deviation beyond MAM (total, per tissue)
    #: Share of that variance shared by a mouse's tissues (the rest is tissue-specific).
    share_mouse_tbk1: float = 0.6
    sd_gel: float = 0.15
    sd_lane: float = 0.15
    lanes_per_gel: int = 15
    tbk1_level: float = 9000.0
    loading_level: float = 25000.0
    sd_load: float = 0.12
    #: Direct (MAM-independent) effect on log(pTBK1/TBK1) per genotype and stage, in the most
    #: affected tissue (None: ``sod1_direct`` for the genotypes carrying mutant SOD1).
    direct_effect: dict[str, dict[str, float]] | None = None
    #: pTBK1 (800 nm) and TBK1 (700 nm) on one membrane, no loading control or stain (a two-colour blot).
    two_colour: bool = False

    def mam_log_effect(self, genotype: str, stage: str, tissue: str) -> float:
        """True effect of *genotype* at *stage* on log MAM integrity in *tissue* (vs WT)."""
        return self.tissue_scale[tissue] * self.mam_effect[(genotype, stage)]

    def tbk1_log_effect(self, genotype: str, stage: str, tissue: str) -> float:
        """True effect on log(pTBK1/TBK1) vs WT: coupling through MAM plus direct SOD1 effect."""
        if self.direct_effect is not None:
            direct = self.direct_effect.get(genotype, {}).get(stage, 0.0) * self.tissue_scale[tissue]
        else:
            direct = self.sod1_direct[stage] * self.tissue_scale[tissue] if "SOD1" in genotype else 0.0
        return self.coupling_slope * self.mam_log_effect(genotype, stage, tissue) + direct


# --------------------------------------------------------------------------
# MAM integrity by proximity ligation (PLA), same mice as the mouse blots
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaTruth:
    """True values of the PLA table ``pla_cells.csv`` (one row per cell).

    Design: each mouse x tissue x tether pair is stained on its own
    ``sections`` sections; in each section between ``cells_per_section``
    motor neurons and as many other cells are counted. Cells are nested in
    sections nested in mice, so the mouse is the experimental unit.

    Expected puncta of a cell = ``exp(log rate + section effect) x area /
    median area``, and the count is gamma-Poisson around it. The log rate of a
    motor neuron probed for VAPB-PTPIP51 is the mouse's latent ``log_mam``
    (:func:`helpers.data.cohorts.simulate_mouse_cohort`), so the genotype effect on
    the mean puncta per motor neuron is exactly
    :meth:`MouseCohortTruth.mam_log_effect`.
    """

    tether_pairs: tuple[str, ...] = ("VAPB_PTPIP51", "IP3R3_Sig1R")
    cell_types: tuple[str, ...] = ("motor_neuron", "other")
    sections: int = 3  # per mouse x tissue x pair: three sections is common practice
    #: Inclusive range of cells counted per section and cell type (15-30 per mouse x tissue x pair x type).
    cells_per_section: tuple[int, int] = (5, 10)
    #: log puncta of a pair relative to VAPB-PTPIP51 (IP3R3-Sig1R gives fewer puncta).
    pair_log_offset: dict[str, float] = field(
        default_factory=lambda: {"VAPB_PTPIP51": 0.0, "IP3R3_Sig1R": math.log(0.6)}
    )
    #: log puncta of an "other" cell (glia, interneuron) relative to a motor neuron.
    other_log_offset: float = math.log(0.5)
    #: Share of the motor-neuron genotype effect that other cells show (an
    #: assumption: the 2016 study reports MAM collapse in motor neurons).
    other_effect_share: float = 0.2
    #: Sig1R-null cells have no Sig1R antigen, so IP3R3-Sig1R PLA shows only
    #: background puncta (per cell of median area), whatever the MAM does.
    sig1r_null_background: float = 1.0
    sd_section: float = 0.20  # section-to-section PLA efficiency (permeabilization, incubation), log scale
    #: Gamma shape of the cell-to-cell variation of the expected count (CV = 1/sqrt(4) = 0.5).
    cell_gamma_shape: float = 4.0
    #: Median soma area in the section plane; puncta scale with area.
    median_area_um2: dict[str, float] = field(
        default_factory=lambda: {"motor_neuron": 900.0, "other": 150.0}
    )
    sd_log_area: float = 0.25

    @staticmethod
    def lacks_sig1r(genotype: str) -> bool:
        """Return True for the Sigmar1-/- genotypes (no Sig1R protein)."""
        return "Sigmar1_KO" in genotype

    def log_rate_offset(self, pair: str, cell_type: str) -> float:
        """Return log puncta of *pair* in *cell_type* relative to a VAPB-PTPIP51 motor neuron."""
        return self.pair_log_offset[pair] + (self.other_log_offset if cell_type == "other" else 0.0)

    def mam_log_effect(
        self,
        genotype: str,
        stage: str,
        tissue: str,
        pair: str = "VAPB_PTPIP51",
        cell_type: str = "motor_neuron",
        cohort: MouseCohortTruth | None = None,
    ) -> float:
        """True log ratio of mean puncta per cell, *genotype* vs WT of the same stage.

        Motor neurons show the cohort's MAM effect, other cells
        ``other_effect_share`` of it. For IP3R3-Sig1R in a Sigmar1-/- genotype
        the ratio is background over the WT signal: the loss of the antigen,
        not only of the contact.
        """
        cohort = MOUSE_COHORT if cohort is None else cohort
        if pair == "IP3R3_Sig1R" and self.lacks_sig1r(genotype):
            wt_log_rate = cohort.mam_baseline[tissue] + self.log_rate_offset(pair, cell_type)
            return math.log(self.sig1r_null_background) - wt_log_rate
        share = 1.0 if cell_type == "motor_neuron" else self.other_effect_share
        return share * cohort.mam_log_effect(genotype, stage, tissue)


# --------------------------------------------------------------------------
# Subcellular fractionation of mouse spinal cord (MAM fraction; PNAS 2023 mechanism)
# --------------------------------------------------------------------------
#: Proteins recruited to the MAM under proteostatic stress (AMFR ubiquitinates
#: nascent proteins there, which recruits p62 and TBK1 and activates TBK1).


@dataclass(frozen=True)
class MamFractionTruth:
    """True values of the MAM-fraction immunoblot table ``mam_fraction.csv``.

    Design: spinal cords of mice of four genotypes, given vehicle or sodium
    arsenite, fractionated into homogenate, crude mitochondria, MAM, microsome
    and cytosol; equal protein loaded per lane, each protein on its own
    membrane. One *sample* is the pooled spinal cords of ``mice_per_pool``
    mice of one group (one fractionation; a mouse cord alone yields too
    little MAM), so the sample is the experimental unit. Samples are
    fractionated and blotted in batches of ``samples_per_gel``; a batch's
    samples share one gel per protein (gel = batch).

    Signals are relative concentrations per microgram of protein: a value of
    4 means four times the homogenate concentration. The MAM enrichment of a
    protein is ``log(MAM / homogenate)``.
    """

    genotypes: tuple[str, ...] = GENOTYPES_TISSUE
    stresses: tuple[str, ...] = ("vehicle", "arsenite")
    samples_per_group: int = 4
    mice_per_pool: int = 3
    samples_per_gel: int = 4
    fractions: tuple[str, ...] = FRACTIONS
    proteins: tuple[str, ...] = FRACTION_PROTEINS
    #: WT vehicle concentration per ug protein, relative to homogenate, in the order
    #: of ``fractions``. TBK1, p62 and ubiquitin are mostly cytosolic with a MAM pool;
    #: AMFR and Sig1R are ER/MAM membrane proteins (Sig1R the MAM marker), nearly
    #: absent from cytosol. Assumptions chosen to look like published fraction blots.
    relative_concentration: dict[str, tuple[float, ...]] = field(
        default_factory=lambda: {
            "TBK1": (1.0, 0.8, 1.5, 0.9, 1.3),
            "pTBK1": (1.0, 0.9, 2.0, 0.8, 0.9),
            "AMFR": (1.0, 1.5, 4.0, 2.5, 0.1),
            "Sig1R": (1.0, 1.8, 6.0, 1.5, 0.1),
            "p62": (1.0, 0.7, 1.2, 0.8, 1.4),
            "ubiquitin": (1.0, 0.9, 1.3, 1.0, 1.1),
        }
    )
    #: Arsenite effect on log MAM enrichment in WT (recruitment to the MAM under stress).
    arsenite_effect: dict[str, float] = field(
        default_factory=lambda: {
            "TBK1": 0.40, "pTBK1": 0.60, "AMFR": 0.0, "Sig1R": 0.0, "p62": 0.50, "ubiquitin": 0.45,
        }
    )
    #: Share of the WT arsenite effect left when the MAM is disrupted (Sig1R loss
    #: collapses it from the start, mutant SOD1 partly; the double mutant most).
    arsenite_retained: dict[str, float] = field(
        default_factory=lambda: {"WT": 1.0, "Sigmar1_KO": 0.3, "SOD1_G85R": 0.5, "SOD1_G85R_Sigmar1_KO": 0.1}
    )
    #: Genotype effect on log MAM enrichment without stress (a smaller MAM holds less
    #: of the MAM-associated proteins); applies to every protein except Sig1R.
    genotype_vehicle_effect: dict[str, float] = field(
        default_factory=lambda: {"WT": 0.0, "Sigmar1_KO": -0.15, "SOD1_G85R": -0.10, "SOD1_G85R_Sigmar1_KO": -0.25}
    )
    #: The crude mitochondrial fraction carries MAM: it shows this share of a MAM change.
    crude_carryover: float = 0.3
    #: Sig1R in Sigmar1-/- samples: no band. Densitometry of the empty band region reads
    #: this share of the WT homogenate signal in every fraction (flat background), so
    #: its enrichment is 1 and meaningless; all values stay > 0.
    knockout_background: float = 0.02
    #: Homogenate signal of each protein at the gel's exposure (AU).
    signal_level: dict[str, float] = field(
        default_factory=lambda: {
            "TBK1": 8000.0, "pTBK1": 2500.0, "AMFR": 5000.0, "Sig1R": 6000.0, "p62": 7000.0, "ubiquitin": 15000.0,
        }
    )
    total_protein_level: float = 40000.0
    #: Variance components (natural log scale).
    sd_sample: float = 0.15  # sample's overall amount of a protein (cancels in ratios)
    sd_sample_fraction: float = 0.10  # sample x fraction x protein biological variation
    sd_batch_mam: float = 0.08  # purity of a batch's MAM fractions (shared by its proteins)
    sd_gel: float = 0.20  # exposure of a membrane (cancels within a sample)
    sd_lane: float = 0.08  # lane densitometry noise
    sd_load: float = 0.10  # unequal loading (cancels after total-protein normalization)
    #: ``{protein: genotype}``: a protein absent from the samples of a genotype whose name contains
    #: that text (a knockout of its gene: its band is background).
    knockouts: dict[str, str] = field(default_factory=lambda: {"Sig1R": "Sigmar1_KO"})
    #: Proteins whose MAM enrichment the genotype does not shift (the MAM marker itself).
    unshifted: tuple[str, ...] = ("Sig1R",)
    #: The MAM fraction and the fraction that carries part of a MAM change.
    mam: str = "MAM"
    carrier: str = "crude_mitochondria"

    def lacks(self, protein: str, genotype: str) -> bool:
        """True when *protein* is absent from the samples of *genotype* (its gene knocked out)."""
        gene = self.knockouts.get(protein)
        return gene is not None and gene in genotype

    def log_enrichment(self, protein: str, genotype: str, stress: str) -> float:
        """True log(MAM / homogenate) of *protein* in *genotype* under *stress*."""
        if self.lacks(protein, genotype):
            return 0.0
        base = math.log(self.relative_concentration[protein][self.fractions.index(self.mam)])
        shift = 0.0 if protein in self.unshifted else self.genotype_vehicle_effect[genotype]
        if stress != self.stresses[0]:
            shift += self.stress_effect(protein, genotype)
        return base + shift

    def stress_effect(self, protein: str, genotype: str) -> float:
        """True arsenite minus vehicle difference in log MAM enrichment of *protein* in *genotype*."""
        if self.lacks(protein, genotype):
            return 0.0
        return self.arsenite_effect[protein] * self.arsenite_retained[genotype]

    def interaction(self, protein: str, genotype: str) -> float:
        """True genotype x stress interaction: stress effect in *genotype* minus that in WT."""
        return self.stress_effect(protein, genotype) - self.stress_effect(protein, self.genotypes[0])


MAM_FRACTION = MamFractionTruth()

HUMAN_BLOT = HumanBlotTruth()
MOUSE_COHORT = MouseCohortTruth()
PLA = PlaTruth()


# --------------------------------------------------------------------------
# Arsenite challenge (mirrors PNAS 2023 and DOMAIN.md claim 5)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ArseniteTruth:
    """True values of the weekly motor table ``arsenite_motor.csv``.

    Design: genotype (WT, Sigmar1-/-, Tbk1+/-) x treatment (vehicle, sodium
    arsenite in the drinking water), one row per mouse x week. Each mouse has
    its own intercept and its own weekly slope (random intercept and slope,
    uncorrelated); the estimands are slopes, in units per week. Arsenite
    lowers the slope of every measure, and more so when the MAM (Sigmar1-/-)
    or TBK1 (Tbk1+/-) is deficient (claim 5). Neither deficiency changes the
    baseline: Sigmar1-/- mice alone show no motor abnormality (claim 4).
    """

    genotypes: tuple[str, ...] = ARSENITE_GENOTYPES
    treatments: tuple[str, ...] = ARSENITE_TREATMENTS
    mice_per_group: int = 9  # 8-10 per genotype x treatment is typical of such studies
    weeks: tuple[int, ...] = tuple(range(9))  # weekly tests, weeks 0 (baseline) to 8
    #: Mean of a female mouse at week 0: rotarod latency (s) of young adult
    #: C57BL/6 mice on an accelerating rod is about 180-250 s; forelimb grip
    #: about 100-150 g; body weight about 22-25 g.
    baseline: dict[str, float] = field(
        default_factory=lambda: {"rotarod_s": 210.0, "grip_g": 125.0, "body_weight_g": 23.0}
    )
    #: Male minus female at baseline (males are heavier and stronger, not better on the rod).
    male_offset: dict[str, float] = field(
        default_factory=lambda: {"rotarod_s": 0.0, "grip_g": 10.0, "body_weight_g": 3.5}
    )
    #: Weekly slope under vehicle, the same in every genotype: rotarod learning,
    #: slow strength and weight gain of young adults.
    vehicle_slope: dict[str, float] = field(
        default_factory=lambda: {"rotarod_s": 2.0, "grip_g": 0.5, "body_weight_g": 0.25}
    )
    #: Arsenite minus vehicle in the weekly slope, per genotype (the primary
    #: estimands). Deficient genotypes lose about twice as fast as WT.
    arsenite_slope_effect: dict[str, dict[str, float]] = field(
        default_factory=lambda: {
            "rotarod_s": {"WT": -6.0, "Sigmar1_KO": -13.0, "Tbk1_het": -15.0},
            "grip_g": {"WT": -1.5, "Sigmar1_KO": -3.5, "Tbk1_het": -4.0},
            "body_weight_g": {"WT": -0.15, "Sigmar1_KO": -0.35, "Tbk1_het": -0.40},
        }
    )
    #: Between-mouse SD of the intercept (within sex) and of the weekly slope.
    sd_intercept: dict[str, float] = field(
        default_factory=lambda: {"rotarod_s": 22.0, "grip_g": 9.0, "body_weight_g": 1.5}
    )
    sd_slope: dict[str, float] = field(
        default_factory=lambda: {"rotarod_s": 3.0, "grip_g": 0.8, "body_weight_g": 0.12}
    )
    #: Week-to-week measurement noise (rotarod trials are noisy).
    sd_residual: dict[str, float] = field(
        default_factory=lambda: {"rotarod_s": 18.0, "grip_g": 6.0, "body_weight_g": 0.5}
    )
    rotarod_cap_s: float = ROTAROD_CUTOFF_S  # trials stop at the book's cutoff (300 s)
    #: The motor measures the study made (the table's columns), in drawing order.
    measures: tuple[str, ...] = ("rotarod_s", "grip_g", "body_weight_g")

    def slope_effect(self, measure: str, genotype: str) -> float:
        """True arsenite minus vehicle difference in weekly slope of *measure* in *genotype*."""
        return self.arsenite_slope_effect[measure][genotype]

    def slope_interaction(self, measure: str, genotype: str) -> float:
        """True difference of the arsenite slope effect between *genotype* and WT."""
        effects = self.arsenite_slope_effect[measure]
        return effects[genotype] - effects[self.genotypes[0]]

    def intercept_sd_with_sex(self, measure: str) -> float:
        """Between-mouse SD of the intercept when sex (half the mice male) is not in the model."""
        return math.sqrt(self.sd_intercept[measure] ** 2 + self.male_offset[measure] ** 2 / 4)


@dataclass(frozen=True)
class DoseResponseTruth:
    """True values of the culture dose series ``arsenite_cells.csv``.

    Design: independent primary motor-neuron cultures per genotype, each
    exposed to a series of sodium arsenite doses for 24 h; per culture and
    dose, viability (live fraction) and pTBK1/TBK1. Both follow a
    four-parameter logistic (4PL) in dose,
    ``y = bottom + (top - bottom) / (1 + (dose / EC50) ** hill)``.
    Each culture has its own log EC50 and top (the culture is the unit).
    """

    genotypes: tuple[str, ...] = ARSENITE_GENOTYPES
    cultures_per_genotype: int = 4  # "at least three independent cultures" is the norm
    doses_um: tuple[float, ...] = (0.0, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 200.0)
    #: Viability: live fraction of vehicle-treated cultures, residual live
    #: fraction at saturating dose, Hill slope.
    viability_top: float = 0.92
    viability_bottom: float = 0.06
    viability_hill: float = 1.8
    #: Viability EC50 (µM). Arsenite EC50s of neuronal cultures are tens of µM;
    #: MAM or TBK1 deficiency roughly halves it (claim 5: less able to survive
    #: proteostatic stress).
    viability_ec50_um: dict[str, float] = field(
        default_factory=lambda: {"WT": 30.0, "Sigmar1_KO": 14.0, "Tbk1_het": 11.0}
    )
    sd_culture_log_ec50: float = 0.15  # culture-to-culture spread of log EC50
    sd_culture_top: float = 0.03  # culture-to-culture spread of baseline viability
    sd_well: float = 0.03  # measurement noise of a viability readout (fraction)
    #: pTBK1/TBK1 normalized to the WT vehicle mean: lower at baseline when the
    #: MAM or TBK1 is deficient; arsenite lowers it (claim 5) to a floor
    #: fraction of baseline with a common IC50.
    ptbk1_baseline: dict[str, float] = field(
        default_factory=lambda: {"WT": 1.0, "Sigmar1_KO": 0.75, "Tbk1_het": 0.80}
    )
    ptbk1_floor: float = 0.35
    ptbk1_ic50_um: float = 6.0
    ptbk1_hill: float = 1.2
    sd_culture_log_ptbk1: float = 0.10
    sd_log_ptbk1: float = 0.10  # blot noise per culture x dose (log scale)
    #: Whether the cultures carry a pTBK1/TBK1 ratio (False: viability alone; the column is left out).
    ptbk1_measured: bool = True

    def log_ec50(self, genotype: str) -> float:
        """True natural-log viability EC50 (µM) of *genotype*."""
        return math.log(self.viability_ec50_um[genotype])


# --------------------------------------------------------------------------
# Disease course (mirrors Watanabe et al., EMBO Mol Med 2016: claim 4)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DiseaseCourseTruth:
    """True values of the onset and end-stage table ``disease_course.csv``.

    Onset (body-weight peak) and end stage each follow a Weibull distribution
    with a shape common to the genotypes, so each endpoint satisfies
    proportional hazards exactly and the true log hazard ratio versus
    SOD1-G85R is ``shape * (log median_ref - log median_genotype)``. A
    mouse's two times are linked by a Gaussian copula (early onset goes with
    early end stage). Mice leave the study alive (withdrawal for reasons
    unrelated to ALS) or are censored when the study ends.
    """

    genotypes: tuple[str, ...] = DISEASE_GENOTYPES
    mice_per_genotype: int = 16  # 10-23 per genotype in SOD1 survival studies
    #: Median days. SOD1-G85R line 148 reaches end stage at about 12.5 months
    #: (~375 d) after an onset about 3.5 months earlier; the double mutant falls
    #: ill earlier and dies sooner; the heterozygote is close to SOD1-G85R (claim 4).
    median_onset_day: dict[str, float] = field(
        default_factory=lambda: {"SOD1_G85R": 270.0, "SOD1_G85R_Sigmar1_het": 262.0, "SOD1_G85R_Sigmar1_KO": 225.0}
    )
    median_end_stage_day: dict[str, float] = field(
        default_factory=lambda: {"SOD1_G85R": 375.0, "SOD1_G85R_Sigmar1_het": 366.0, "SOD1_G85R_Sigmar1_KO": 322.0}
    )
    #: Weibull shapes: the SD of end stage in SOD1 lines is about 7% of the
    #: mean (shape ~16); onset is more variable (shape 10, ~12%).
    shape_onset: float = 10.0
    shape_end_stage: float = 16.0
    copula_rho: float = 0.8  # correlation of a mouse's onset and end-stage normal scores
    min_duration_day: float = 14.0  # end stage never within two weeks of onset
    withdrawal_probability: float = 0.10  # mice removed alive for unrelated reasons
    withdrawal_window_day: tuple[float, float] = (120.0, 400.0)
    study_end_day: float = 400.0  # administrative censoring
    #: The endpoints the study recorded (the table's columns of the others are left out).
    endpoints: tuple[str, ...] = ("onset", "end_stage")

    def scale(self, endpoint: str, genotype: str) -> float:
        """Weibull scale of *endpoint* ("onset" or "end_stage") in *genotype*."""
        median = getattr(self, f"median_{endpoint}_day")[genotype]
        return median / math.log(2.0) ** (1.0 / self.shape(endpoint))

    def shape(self, endpoint: str) -> float:
        """Weibull shape of *endpoint*."""
        return {"onset": self.shape_onset, "end_stage": self.shape_end_stage}[endpoint]

    def log_hazard_ratio(self, endpoint: str, genotype: str, reference: str = "SOD1_G85R") -> float:
        """True log hazard ratio of *genotype* versus *reference* for *endpoint*."""
        medians = getattr(self, f"median_{endpoint}_day")
        return self.shape(endpoint) * (math.log(medians[reference]) - math.log(medians[genotype]))

    def median_day(self, endpoint: str, genotype: str) -> float:
        """True median day of *endpoint* in *genotype* (ignoring the rare two-week clip)."""
        return getattr(self, f"median_{endpoint}_day")[genotype]


ARSENITE = ArseniteTruth()
DOSE_RESPONSE = DoseResponseTruth()
DISEASE_COURSE = DiseaseCourseTruth()


# --------------------------------------------------------------------------
# Accessors: the true value behind one estimate (for the chapters' truth columns,
# the tests and the simulation studies; analyses of real data never call them)
# --------------------------------------------------------------------------
def true_tbk1_effect(genotype: str, stage: str, tissue: str) -> float:
    """True effect on log(pTBK1/TBK1) vs WT put into the example data.

    >>> round(true_tbk1_effect("SOD1_G85R", "end_stage", "spinal_cord"), 3)
    -0.5
    """
    return MOUSE_COHORT.tbk1_log_effect(genotype, stage, tissue)


def true_tbk1_interaction(stage: str, tissue: str) -> float:
    """True ``(SOD1;Sigmar1-/- − SOD1) − (Sigmar1-/- − WT)`` on log(pTBK1/TBK1).

    >>> round(true_tbk1_interaction("onset", "spinal_cord"), 3)
    -0.12
    """
    effect = {g: true_tbk1_effect(g, stage, tissue) for g in GENOTYPES_TISSUE}
    return (effect["SOD1_G85R_Sigmar1_KO"] - effect["SOD1_G85R"]) - (effect["Sigmar1_KO"] - effect["WT"])


def true_mam_effect(genotype: str, stage: str, tissue: str, pair: str = "VAPB_PTPIP51",
                    cell_type: str = "motor_neuron") -> float:
    """True log rate ratio of PLA puncta per cell vs WT put into the example data.

    >>> round(true_mam_effect("SOD1_G85R", "end_stage", "spinal_cord"), 3)
    -0.5
    >>> round(true_mam_effect("SOD1_G85R", "end_stage", "spinal_cord", cell_type="other"), 3)
    -0.1
    """
    return PLA.mam_log_effect(genotype, stage, tissue, pair, cell_type)


def true_tbk1_stratum(species: str, tissue: str, genotype: str, stage: str) -> float:
    """True log(pTBK1/TBK1) effect of one synthesis stratum (human sALS vs control, or mouse vs WT)."""
    if species == "human":
        return HUMAN_BLOT.als_effect.get(tissue, math.nan)
    return true_tbk1_effect(genotype, stage, tissue)


def true_mam_stratum(species: str, tissue: str, genotype: str, stage: str) -> float:
    """True log PLA rate ratio (VAPB–PTPIP51, motor neurons) of one synthesis stratum."""
    return true_mam_effect(genotype, stage, tissue)


def true_decomposition(genotype: str, stage: str, tissues: list[str], cohort: MouseCohortTruth = MOUSE_COHORT) -> dict:
    """Return the true values behind the coupling chapter's decomposition (perfectly measured MAM).

    ``total`` and ``mam_contrast`` are the true genotype-vs-WT effects on
    log(pTBK1/TBK1) and on latent log MAM integrity, averaged over *tissues*;
    ``proportion`` = coupling slope x mam_contrast / total.
    """
    total = sum(cohort.tbk1_log_effect(genotype, stage, t) for t in tissues) / len(tissues)
    mam = sum(cohort.mam_log_effect(genotype, stage, t) for t in tissues) / len(tissues)
    return {"slope": cohort.coupling_slope, "total": total, "mam_contrast": mam,
            "direct": total - cohort.coupling_slope * mam, "proportion": cohort.coupling_slope * mam / total}


def true_enrichment_values(result, truth: MamFractionTruth = MAM_FRACTION):
    """Return the true log value behind each row of the MAM-fraction model's output (a Series)."""
    def one(row) -> float:
        if row["kind"] == "level":
            return truth.log_enrichment(row["protein"], row["genotype"], row["stress"])
        if row["kind"] == "stress_effect":
            return truth.stress_effect(row["protein"], row["genotype"])
        return truth.interaction(row["protein"], row["genotype"])

    return result.apply(one, axis=1)
