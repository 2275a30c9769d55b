"""A corpus of study designs other than the example's, each simulated from its own true values.

Each :class:`Design` is a lab's study: the tables the project's generator
(:mod:`helpers.data.generators`) simulates from true values chosen for that
design (instances of the dataclasses in :mod:`helpers.data.truths` with other
levels, group sizes and effects), and its study description
(``datapackage.yaml``), drafted from the tables as a lab would
(:func:`helpers.data.describe.draft_study`) and then given the facts a lab
confirms (reference levels, stage order, affected tissues, labels, combined
genotypes). :func:`write_design` writes one design's folder; :func:`true_values`
gives, for a chapter's ledger, the true value behind every result that has an
interval, so that a build of the design can be checked against its truths:
how many intervals contain the true value, against the count the nominal
coverage predicts (:func:`coverage_floor`).

``make corpus OUT=dir`` (:mod:`helpers.engine.corpus`) writes every design and
builds the book from each.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scipy import stats

from helpers.data.generators import generator
from helpers.data.truths import (
    ArseniteTruth,
    DiseaseCourseTruth,
    DoseResponseTruth,
    HumanBlotTruth,
    MamFractionTruth,
    MouseCohortTruth,
)

#: The nominal level of the chapters' intervals (their default ``alpha`` is 0.05).
LEVEL = 0.95
#: The chance, were every interval's coverage exactly nominal and the intervals independent, that a
#: correct analysis falls below the floor of :func:`coverage_floor`.
FLOOR_PROBABILITY = 0.001


@dataclass(frozen=True)
class Design:
    """One study design of the corpus: true values per table, the facts of its description, a seed.

    ``facts`` maps a factor to the facts a lab sets in its drafted description
    (``levels`` in their order, ``reference``, ``ordered``, ``labels``,
    ``affected``, ``roles``); ``combined`` declares combined genotypes;
    ``table_reference`` a table's own reference (``{table: {column: level}}``).
    """

    name: str
    title: str
    truths: dict[str, object]
    facts: dict[str, dict] = field(default_factory=dict)
    combined: dict[str, dict[str, str]] = field(default_factory=dict)
    table_reference: dict[str, dict[str, str]] = field(default_factory=dict)
    seed: int = 1

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables the design's lab measured."""
        return tuple(self.truths)


def _stage_effects(genotypes: dict[str, tuple[float, ...]], stages: tuple[str, ...]) -> dict[tuple[str, str], float]:
    """``{(genotype, stage): effect}`` from one tuple of effects per genotype, in stage order."""
    return {(g, s): e for g, effects in genotypes.items() for s, e in zip(stages, effects, strict=True)}


def _mouse(genotypes: dict[str, tuple[float, ...]], stages: tuple[str, ...], tissues: dict[str, float],
           direct: dict[str, dict[str, float]] | None = None, **more) -> MouseCohortTruth:
    """A mouse tissue cohort: MAM effects per genotype and stage, tissue scales, neutral baselines."""
    return MouseCohortTruth(
        genotypes=tuple(genotypes), stages=stages, tissues=tuple(tissues), tissue_scale=dict(tissues),
        mam_effect=_stage_effects(genotypes, stages),
        mam_baseline={t: math.log(12.0) for t in tissues}, tbk1_baseline={t: -0.3 for t in tissues},
        direct_effect=direct or {}, **more)


SOD1_G93A_STAGES = ("presymptomatic", "symptomatic", "end_stage")
DESIGNS: tuple[Design, ...] = (
    Design(
        "sod1_g93a", "WT vs SOD1-G93A mice at three stages in lumbar spinal cord and brainstem",
        {"mouse_blot": _mouse({"WT": (0.0, 0.0, 0.0), "SOD1_G93A": (-0.15, -0.40, -0.70)}, SOD1_G93A_STAGES,
                              {"lumbar_spinal_cord": 1.0, "brainstem": 0.6},
                              direct={"SOD1_G93A": {"symptomatic": -0.05, "end_stage": -0.10}},
                              mice_per_group=4, lanes_per_gel=12)},
        {"genotype": {"reference": "WT", "labels": {"SOD1_G93A": "SOD1-G93A"}},
         "stage": {"levels": list(SOD1_G93A_STAGES), "ordered": True},
         "tissue": {"levels": ["lumbar_spinal_cord", "brainstem"], "affected": ["lumbar_spinal_cord", "brainstem"]}},
        seed=93),
    Design(
        "tdp43_q331k", "TDP-43 Q331K/Q331K vs WT mice at one stage",
        {"mouse_blot": _mouse({"WT": (0.0,), "TDP43_Q331K": (-0.40,)}, ("P360",),
                              {"spinal_cord": 1.0, "motor_cortex": 0.7}, mice_per_group=6, lanes_per_gel=12)},
        {"genotype": {"reference": "WT", "labels": {"TDP43_Q331K": "TDP-43 Q331K/Q331K"}},
         "stage": {"ordered": True}, "tissue": {"affected": ["spinal_cord", "motor_cortex"]}},
        seed=331),
    Design(
        "sigmar1_allelic", "Three genotypes of one locus: Sigmar1 +/+, +/- and -/- at two ages",
        {"mouse_blot": _mouse({"WT": (0.0, 0.0), "Sigmar1_het": (-0.15, -0.20), "Sigmar1_KO": (-0.35, -0.45)},
                              ("P90", "P180"), {"spinal_cord": 1.0}, mice_per_group=4, lanes_per_gel=12)},
        {"genotype": {"reference": "WT", "levels": ["WT", "Sigmar1_het", "Sigmar1_KO"],
                      "labels": {"Sigmar1_het": "Sigmar1+/−", "Sigmar1_KO": "Sigmar1−/−"}},
         "stage": {"levels": ["P90", "P180"], "ordered": True}, "tissue": {"affected": ["spinal_cord"]}},
        seed=11),
    Design(
        "tdp43_tbk1", "A 2x2 combined genotype: TDP-43 Q331K x Tbk1+/-",
        {"mouse_blot": _mouse({"WT": (0.0,), "TDP43_Q331K": (-0.30,), "Tbk1_het": (-0.10,),
                               "TDP43_Q331K_Tbk1_het": (-0.70,)}, ("P300",),
                              {"spinal_cord": 1.0, "cerebellum": 0.2}, mice_per_group=5, lanes_per_gel=12)},
        {"genotype": {"reference": "WT", "levels": ["WT", "TDP43_Q331K", "Tbk1_het", "TDP43_Q331K_Tbk1_het"],
                      "labels": {"TDP43_Q331K": "Q331K", "Tbk1_het": "Tbk1+/−", "TDP43_Q331K_Tbk1_het": "Q331K;Tbk1+/−"}},
         "stage": {"ordered": True}, "tissue": {"affected": ["spinal_cord"]}},
        combined={"TDP43_Q331K_Tbk1_het": {"Tardbp": "TDP43_Q331K", "Tbk1": "Tbk1_het"}},
        seed=300),
    Design(
        "human_four_groups", "Control, sALS, fALS and C9orf72-ALS donors in two regions",
        {"human_blot": HumanBlotTruth(
            groups=("control", "sALS", "fALS", "C9orf72_ALS"),
            group_sizes={"control": 8, "sALS": 8, "fALS": 6, "C9orf72_ALS": 6},
            regions=("lumbar_spinal_cord", "frontal_cortex"),
            baseline_log_ratio={"lumbar_spinal_cord": -0.20, "frontal_cortex": -0.30},
            group_effect={"sALS": {"lumbar_spinal_cord": -0.50, "frontal_cortex": -0.10},
                          "fALS": {"lumbar_spinal_cord": -0.60, "frontal_cortex": -0.15},
                          "C9orf72_ALS": {"lumbar_spinal_cord": -0.40, "frontal_cortex": -0.45}},
            lanes_per_gel=10)},
        {"group": {"reference": "control", "levels": ["control", "sALS", "fALS", "C9orf72_ALS"]},
         "region": {"affected": ["lumbar_spinal_cord", "frontal_cortex"]}},
        seed=9),
    Design(
        "fraction_markers", "MAM fractions of Tbk1+/- and WT cords, other MAM markers, thapsigargin",
        {"mam_fraction": MamFractionTruth(
            genotypes=("WT", "Tbk1_het"), stresses=("vehicle", "thapsigargin"), samples_per_group=4,
            fractions=("homogenate", "crude_mitochondria", "MAM", "cytosol"),
            proteins=("TBK1", "pTBK1", "ACSL4", "IP3R3", "VDAC1"),
            relative_concentration={"TBK1": (1.0, 0.8, 1.5, 1.3), "pTBK1": (1.0, 0.9, 2.0, 0.9),
                                    "ACSL4": (1.0, 1.6, 5.0, 0.1), "IP3R3": (1.0, 1.5, 4.0, 0.1),
                                    "VDAC1": (1.0, 3.0, 2.5, 0.1)},
            arsenite_effect={"TBK1": 0.35, "pTBK1": 0.50, "ACSL4": 0.0, "IP3R3": 0.0, "VDAC1": 0.0},
            arsenite_retained={"WT": 1.0, "Tbk1_het": 0.5},
            genotype_vehicle_effect={"WT": 0.0, "Tbk1_het": -0.10},
            knockouts={}, unshifted=("ACSL4", "IP3R3", "VDAC1"),
            signal_level={"TBK1": 8000.0, "pTBK1": 2500.0, "ACSL4": 5000.0, "IP3R3": 6000.0, "VDAC1": 9000.0})},
        {"genotype": {"reference": "WT", "labels": {"Tbk1_het": "Tbk1+/−"}},
         "stress": {"reference": "vehicle"}, "fraction": {"reference": "homogenate", "roles": {"MAM": "mam"}},
         "protein": {"roles": {"TBK1": "recruited", "pTBK1": "recruited", "ACSL4": "marker", "IP3R3": "marker",
                               "VDAC1": "marker"}}},
        seed=4),
    Design(
        "mg132_stressor", "A second stressor with its own vehicle: MG132 vs DMSO, mice and cultures",
        {"arsenite_motor": ArseniteTruth(
            genotypes=("WT", "Tbk1_het"), treatments=("DMSO", "MG132"), mice_per_group=6, weeks=tuple(range(7)),
            arsenite_slope_effect={"rotarod_s": {"WT": -5.0, "Tbk1_het": -12.0},
                                   "grip_g": {"WT": -1.0, "Tbk1_het": -3.0},
                                   "body_weight_g": {"WT": -0.10, "Tbk1_het": -0.30}}),
         "arsenite_cells": DoseResponseTruth(
            genotypes=("WT", "Tbk1_het"), cultures_per_genotype=4, doses_um=(0.0, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0),
            viability_ec50_um={"WT": 2.0, "Tbk1_het": 0.9}, ptbk1_baseline={"WT": 1.0, "Tbk1_het": 0.7},
            ptbk1_ic50_um=0.8)},
        {"genotype": {"reference": "WT", "labels": {"Tbk1_het": "Tbk1+/−"}}, "treatment": {"reference": "DMSO"}},
        seed=132),
    Design(
        "course_end_stage", "A disease course of two genotypes with end stage alone",
        {"disease_course": DiseaseCourseTruth(
            genotypes=("TDP43_Q331K", "TDP43_Q331K_Tbk1_het"), mice_per_genotype=14,
            median_onset_day={"TDP43_Q331K": 250.0, "TDP43_Q331K_Tbk1_het": 230.0},
            median_end_stage_day={"TDP43_Q331K": 340.0, "TDP43_Q331K_Tbk1_het": 315.0},
            endpoints=("end_stage",), study_end_day=420.0)},
        {"genotype": {"reference": "TDP43_Q331K", "labels": {"TDP43_Q331K_Tbk1_het": "Q331K;Tbk1+/−"}}},
        table_reference={"disease_course": {"genotype": "TDP43_Q331K"}},
        seed=340),
    Design(
        "two_colour", "A two-colour blot: pTBK1 and TBK1 on one membrane, no loading control",
        {"mouse_blot": _mouse({"WT": (0.0, 0.0), "C9orf72_GR400": (-0.20, -0.45)}, ("P180", "P360"),
                              {"spinal_cord": 1.0}, two_colour=True, mice_per_group=5, lanes_per_gel=10)},
        {"genotype": {"reference": "WT", "labels": {"C9orf72_GR400": "C9orf72 GR400"}},
         "stage": {"levels": ["P180", "P360"], "ordered": True}, "tissue": {"affected": ["spinal_cord"]}},
        seed=800),
    Design(
        "body_weight_only", "A motor table with body weight alone: arsenite in WT and Sigmar1-/- mice",
        {"arsenite_motor": ArseniteTruth(
            genotypes=("WT", "Sigmar1_KO"), measures=("body_weight_g",), mice_per_group=6, weeks=tuple(range(7)),
            arsenite_slope_effect={"body_weight_g": {"WT": -0.15, "Sigmar1_KO": -0.35}})},
        {"genotype": {"reference": "WT", "labels": {"Sigmar1_KO": "Sigmar1−/−"}}, "treatment": {"reference": "vehicle"}},
        seed=23),
)


def design(name: str) -> Design:
    """Return the corpus design *name*."""
    for d in DESIGNS:
        if d.name == name:
            return d
    raise KeyError(f"no corpus design {name!r}; designs: {', '.join(d.name for d in DESIGNS)}")


# --------------------------------------------------------------------------- writing a design


def simulate_tables(d: Design) -> dict:
    """Return ``{table: DataFrame}`` of *d*, each simulated by the project's generator from *d*'s truth."""
    return {table: generator(table).simulate(d.seed, truth=truth) for table, truth in d.truths.items()}


def descriptor_text(d: Design, folder: Path) -> str:
    """Return *d*'s ``datapackage.yaml``: drafted from the tables in *folder*, then its facts set."""
    from helpers.data.describe import draft_study
    from helpers.data.study import descriptor_mapping, dump_descriptor, parse_study

    drafted, _ = draft_study(folder)
    factors = dict(drafted.factors)
    for name, facts in d.facts.items():
        factor = factors[name]
        changes = {k: (tuple(v) if isinstance(v, list) else v) for k, v in facts.items()}
        factors[name] = dataclasses.replace(factor, **changes)
    resources = {t: dataclasses.replace(r, reference=dict(d.table_reference.get(t, {})))
                 for t, r in drafted.resources.items()}
    study = dataclasses.replace(drafted, name=f"corpus-{d.name}", title=f"Simulated corpus design: {d.title}",
                                factors=factors, resources=resources, combined=dict(d.combined))
    description = (f"Simulated data of the book's corpus design '{d.name}' (helpers.simstudies.corpus), generated "
                   f"by the project's code from the true values in TRUTH.md (seed {d.seed}). Not measurements "
                   "of patients or mice.")
    mapping = descriptor_mapping(study, description=description, extra={"simulated": True, "seed": d.seed})
    parse_study(mapping, folder / "datapackage.yaml")  # it must read back as written
    head = (f"# Corpus design '{d.name}': {d.title}.\n"
            "# Drafted from the tables (make describe), then the facts a lab confirms were set.\n")
    return head + dump_descriptor(mapping)


def true_effects(table: str, truth) -> list[tuple[str, float]]:
    """Return ``(what, true value)`` of the estimands behind *table*'s chapter, on the scale the ledger reports."""
    rows: list[tuple[str, float]] = []
    if isinstance(truth, MouseCohortTruth):
        ref = truth.genotypes[0]
        for t in truth.tissues:
            for s in truth.stages:
                base = truth.tbk1_log_effect(ref, s, t)
                rows += [(f"pTBK1/TBK1 ratio {g}/{ref}, {t}, {s}", math.exp(truth.tbk1_log_effect(g, s, t) - base))
                         for g in truth.genotypes[1:]]
    elif isinstance(truth, HumanBlotTruth):
        ref = truth.group_levels[0]
        rows += [(f"pTBK1/TBK1 ratio {g}/{ref}, {r}", math.exp(truth.effect(g, r)))
                 for r in truth.regions for g in truth.group_levels[1:]]
    elif isinstance(truth, ArseniteTruth):
        control, ref = truth.treatments[0], truth.genotypes[0]
        for m in truth.measures:
            effects = truth.arsenite_slope_effect[m]
            rows += [(f"{m} weekly slope, {t} minus {control}, {g}", effects[g])
                     for t in truth.treatments[1:] for g in truth.genotypes]
            rows += [(f"{m}: that effect in {g} minus in {ref}", effects[g] - effects[ref]) for g in truth.genotypes[1:]]
    elif isinstance(truth, DoseResponseTruth):
        rows += [(f"viability EC50 (µM), {g}", truth.viability_ec50_um[g]) for g in truth.genotypes]
        if truth.ptbk1_measured:
            rows.append(("pTBK1/TBK1 IC50 (µM), every genotype", truth.ptbk1_ic50_um))
    elif isinstance(truth, DiseaseCourseTruth):
        ref = truth.genotypes[0]
        for e in truth.endpoints:
            rows += [(f"median day of {e}, {g}", truth.median_day(e, g)) for g in truth.genotypes]
            rows += [(f"hazard ratio of {e}, {g} vs {ref}", math.exp(truth.log_hazard_ratio(e, g, ref)))
                     for g in truth.genotypes[1:]]
    elif isinstance(truth, MamFractionTruth):
        control = truth.stresses[0]
        for q in truth.proteins:
            rows += [(f"{q} {truth.mam}/{truth.fractions[0]}, {g}, {control}",
                      math.exp(truth.log_enrichment(q, g, control))) for g in truth.genotypes]
            rows += [(f"{q} {truth.mam} enrichment, {st}/{control}, {g}", math.exp(truth.stress_effect(q, g)))
                     for st in truth.stresses[1:] for g in truth.genotypes]
    return rows


#: Fields of a truth that another field replaces when set (``{field: the field that replaces it}``).
REPLACED = {"sod1_direct": "direct_effect", "n_control": "group_sizes", "n_sals": "group_sizes",
            "als_effect": "group_effect"}


def truth_text(d: Design) -> str:
    """Return ``TRUTH.md``: the true values put into each table of *d*, and the estimands they imply."""
    lines = [f"# True values of the corpus design `{d.name}`", "", d.title + ".", "",
             f"Simulated by `helpers.data.generators.<table>.simulate(seed={d.seed}, truth=...)` from these "
             "true values (`helpers.data.truths` says what each field means). "
             "**Simulated data, not measurements of patients or mice.**", ""]
    for table, truth in d.truths.items():
        lines += [f"## `{table}` ({type(truth).__name__})", "", "True value of each estimand:", "",
                  "| estimand | true value |", "| --- | --- |"]
        lines += [f"| {what} | {value:.4g} |" for what, value in true_effects(table, truth)]
        lines += ["", "Every field of the truth:", "", "| field | value |", "| --- | --- |"]
        for f in dataclasses.fields(truth):
            value = getattr(truth, f.name)
            if getattr(truth, REPLACED.get(f.name, ""), None) is not None:
                continue  # replaced by the design's own field
            if isinstance(value, dict):
                value = {(" x ".join(k) if isinstance(k, tuple) else k): v for k, v in value.items()}
            lines.append(f"| `{f.name}` | `{value}` |".replace("\n", " "))
        lines.append("")
    return "\n".join(lines)


def write_design(d: Design, folder: str | Path) -> Path:
    """Write *d*'s tables (CSV), ``datapackage.yaml`` and ``TRUTH.md`` into *folder* (created); return it."""
    from helpers.data.simulate import FLOAT_FORMAT
    from helpers.data.tables import get_spec

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in simulate_tables(d).items():
        frame.to_csv(folder / get_spec(table).filename, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    (folder / "datapackage.yaml").write_text(descriptor_text(d, folder), encoding="utf-8")
    (folder / "TRUTH.md").write_text(truth_text(d), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- true values of ledger keys


def _mouse_tbk1(d: Design, study, p: dict) -> dict[str, float]:
    truth: MouseCohortTruth = d.truths["mouse_blot"]
    tissue, stage = p["tissue"], p["stage"]
    reference = study.reference("mouse_blot", "genotype")
    effect = {g: truth.tbk1_log_effect(g, stage, tissue) for g in truth.genotypes}
    values = {f"ratio_{g}": math.exp(effect[g] - effect[reference]) for g in truth.genotypes if g != reference}
    if study.combined:
        both, parts = next(iter(study.combined.items()))
        first, second = parts.values()
        values["interaction_ratio"] = math.exp(effect[both] - effect[first] - effect[second] + effect[reference])
    return values


def _human_tbk1(d: Design, study, p: dict) -> dict[str, float]:
    truth: HumanBlotTruth = d.truths["human_blot"]
    reference = study.reference("human_blot", "group")
    others = [g for g in truth.group_levels if g != reference]

    def key(stem: str, group: str) -> str:  # the chapter's keys: one group keeps the source study's
        return stem if len(others) == 1 else f"{stem}_{group}"

    values = {key(f"ratio_{r}", g): math.exp(truth.effect(g, r)) for r in truth.regions for g in others}
    values.update({key("featured_ratio", g): math.exp(truth.effect(g, p["region"])) for g in others})
    return values


def _arsenite_challenge(d: Design, study, p: dict) -> dict[str, float]:
    values = {}
    motor: ArseniteTruth | None = d.truths.get("arsenite_motor")
    if motor is not None:
        reference = study.reference("arsenite_motor", "genotype")
        effects = motor.arsenite_slope_effect[p["measure"]]
        for g in motor.genotypes:
            values[f"slope_treatment_effect_{g}"] = effects[g]
            if g != reference:
                values[f"slope_interaction_{g}"] = effects[g] - effects[reference]
    cells: DoseResponseTruth | None = d.truths.get("arsenite_cells")
    if cells is not None:
        reference = study.reference("arsenite_cells", "genotype")
        for g in cells.genotypes:
            values[f"ec50_{g}"] = cells.viability_ec50_um[g]
            if g != reference:
                values[f"ec50_ratio_{g}"] = cells.viability_ec50_um[g] / cells.viability_ec50_um[reference]
            if cells.ptbk1_measured:
                values[f"ptbk1_ic50_{g}"] = cells.ptbk1_ic50_um
    return values


def _disease_course(d: Design, study, p: dict) -> dict[str, float]:
    truth: DiseaseCourseTruth = d.truths["disease_course"]
    reference = study.reference("disease_course", "genotype")
    endpoint = p["endpoint"]
    values = {f"median_{g}": truth.median_day(endpoint, g) for g in truth.genotypes}
    values.update({f"hr_{g}": math.exp(truth.log_hazard_ratio(endpoint, g, reference))
                   for g in truth.genotypes if g != reference})
    return values


def _mam_fraction(d: Design, study, p: dict) -> dict[str, float]:
    truth: MamFractionTruth = d.truths["mam_fraction"]
    reference, protein = study.reference("mam_fraction", "genotype"), p["protein"]
    values = {"reference_enrichment": math.exp(truth.log_enrichment(protein, reference, truth.stresses[0]))}
    for g in truth.genotypes:
        values[f"stress_{g}"] = math.exp(truth.stress_effect(protein, g))
        if g != reference:
            values[f"interaction_{g}"] = values[f"interaction_random_gel_{g}"] = math.exp(truth.interaction(protein, g))
    values.update({f"reference_stress_{q}": math.exp(truth.stress_effect(q, reference)) for q in truth.proteins})
    return values


def _mouse_contrast(truth: MouseCohortTruth, genotype: str, reference: str, stage: str, tissue: str) -> float:
    """True log(pTBK1/TBK1) effect of *genotype* vs *reference* at *stage* in *tissue*."""
    return truth.tbk1_log_effect(genotype, stage, tissue) - truth.tbk1_log_effect(reference, stage, tissue)


def _robustness(d: Design, study, p: dict) -> dict[str, float]:
    """The primary specification of each curve (and the random-gel alternative of the fraction curve).

    Its estimand is the design's true effect of the compared level (the engine resolves the chapter's picks);
    the other specifications carry no interval in the ledger.
    """
    values = {}
    if "human_blot" in d.truths:
        values["human_primary_ratio"] = math.exp(d.truths["human_blot"].effect(p["group"], p["region"]))
    if "mouse_blot" in d.truths:
        reference = study.reference("mouse_blot", "genotype")
        values["mouse_tbk1_primary_ratio"] = math.exp(_mouse_contrast(d.truths["mouse_blot"], p["genotype"], reference,
                                                                      p["stage"], p["tissue"]))
    if "mam_fraction" in d.truths:
        truth: MamFractionTruth = d.truths["mam_fraction"]
        genotypes = study.levels("mam_fraction", "genotype")
        genotype = p["genotype"] if p["genotype"] in genotypes else study.pick("mam_fraction", "genotype", "last")
        values["fraction_primary_ratio"] = values["fraction_random_gel_ratio"] = math.exp(
            truth.interaction(p["protein"], genotype))
    return values


def _synthesis(d: Design, study, p: dict) -> dict[str, float]:
    """Each pooled TBK1 ratio's truth: the truths of its strata, weighted as the chapter's pool weighs them.

    A random-effects pool estimates sum(w_i * y_i) / sum(w_i); with the strata's true effects theta_i fixed (the
    design's), its estimand is sum(w_i * theta_i) / sum(w_i). The weights are the chapter's own: the strata are
    fitted again from the design's tables (:func:`helpers.analysis.synthesis.collect_tbk1_strata`, the same call).
    A set of fewer than three strata is not pooled (the chapter's ``MIN_STRATA``): no key, and with none the
    chapter records no interval. No design of the corpus has a PLA table, so the MAM pools have no truth here
    (a MAM key fails loudly).
    """
    from helpers.analysis import synthesis as meta
    from helpers.data.validate import load_table

    folder, alpha = Path(p["data_source"]), p["alpha"]
    design_ = meta.Design.of(study)
    human = load_table("human_blot", folder) if "human_blot" in d.truths else None
    mouse = load_table("mouse_blot", folder) if "mouse_blot" in d.truths else None
    stage = p["stage"]
    strata = meta.collect_tbk1_strata(human, mouse, stage, alpha, study=design_)
    truths = []
    for row in strata.itertuples():
        if row.species == "human":
            truths.append(d.truths["human_blot"].effect(row.genotype, row.tissue))
        else:
            truths.append(_mouse_contrast(d.truths["mouse_blot"], row.genotype, design_.mouse_blot.reference, stage,
                                          row.tissue))
    strata = strata.assign(truth=truths)
    sets = {"motor": "motor", "all": "all", "non-motor": "nonmotor"}
    counts = {"motor": int(strata["affected"].sum()), "non-motor": int((~strata["affected"]).sum()),
              "all": len(strata)}
    values = {}
    for which, key in sets.items():
        if counts[which] < 3:  # the chapter pools from three strata on
            continue
        _, chosen = meta.pool_strata(strata, which, p["method"], alpha)
        w = chosen["weight"].to_numpy()
        values[f"tbk1_{key}_ratio"] = math.exp(float((w * chosen["truth"].to_numpy()).sum() / w.sum()))
    if f"tbk1_{sets[p['strata']]}_ratio" in values:
        values["tbk1_headline_ratio"] = values["tbk1_headline_wald"] = values[f"tbk1_{sets[p['strata']]}_ratio"]
    return values


def _design_next_experiment(d: Design, study, p: dict) -> dict[str, float]:
    """The chapter's only interval is the observed PLA effect; its blot inputs (effect, SD, sizes) carry none.

    The observed blot effect, the unit SD and the sample sizes feed a power calculation and are reported without
    a CI: a design without a PLA table has no interval in this chapter (empty truths).
    """
    if "pla_cells" in d.truths:
        raise KeyError(f"{d.name}: no PLA truth in the corpus yet (pla_observed)")
    return {}


#: ``{chapter: function(design, study, chapter parameters) -> {ledger key: true value}}``.
TRUE_VALUES: dict[str, Callable[[Design, object, dict], dict[str, float]]] = {
    "mouse_tbk1": _mouse_tbk1,
    "human_tbk1": _human_tbk1,
    "arsenite_challenge": _arsenite_challenge,
    "disease_course": _disease_course,
    "mam_fraction": _mam_fraction,
    "robustness": _robustness,
    "synthesis": _synthesis,
    "design_next_experiment": _design_next_experiment,
}
#: Ledger keys that repeat another key's interval (the featured region of the human chapter): not counted twice.
REPEATS = ("featured_ratio",)


def true_values(d: Design, chapter: str, study, parameters: dict) -> dict[str, float]:
    """Return ``{ledger key: true value}`` of *chapter* run on design *d* with *parameters*.

    Raises KeyError for a chapter whose truths the corpus does not know.
    """
    return TRUE_VALUES[chapter](d, study, parameters)


def coverage_floor(k: int, level: float = LEVEL, probability: float = FLOOR_PROBABILITY) -> int:
    """Return the smallest count of *k* intervals containing the truth that a correct analysis passes.

    The *probability* quantile of Binomial(k, level): a correct analysis with
    exactly nominal, independent intervals falls below it with probability at
    most *probability*.

    >>> coverage_floor(1), coverage_floor(10), coverage_floor(40)
    (0, 6, 33)
    """
    return int(stats.binom.ppf(probability, k, level)) if k else 0


@dataclass(frozen=True)
class Check:
    """How many of a chapter's intervals contain the design's true values."""

    design: str
    chapter: str
    inside: int
    total: int
    floor: int
    outside: tuple[str, ...]  # the keys whose interval misses the truth

    @property
    def passed(self) -> bool:
        return self.inside >= self.floor


def check_results(d: Design, chapter: str, study, parameters: dict, rows: list[dict]) -> Check:
    """Compare the ledger *rows* (dicts with key, ci_low, ci_high) of *chapter* with *d*'s truths.

    Every row with an interval must have a true value (KeyError names the
    first that has none): no interval goes unchecked.
    """
    truth = true_values(d, chapter, study, parameters)
    inside, outside, total = 0, [], 0
    for row in rows:
        if row.get("ci_low") is None or row.get("ci_high") is None:
            continue
        if any(row["key"] == r or row["key"].startswith(r + "_") for r in REPEATS):
            continue
        if row["key"] not in truth:
            raise KeyError(f"{d.name}: {chapter}: no true value for the ledger key {row['key']!r}; "
                           f"known: {', '.join(sorted(truth))}")
        total += 1
        if float(row["ci_low"]) <= truth[row["key"]] <= float(row["ci_high"]):
            inside += 1
        else:
            outside.append(row["key"])
    return Check(d.name, chapter, inside, total, coverage_floor(total), tuple(outside))
