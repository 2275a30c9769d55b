"""Design-level bad inputs made by code from the example data (shared by the design-corpus tests).

Each builder takes the example tables (parsed) and returns the broken table;
:data:`CASES` pairs it with the analysis call the chapter makes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis import arsenite, blots, design, mam_fraction, mouse_blots, pla


def gel_per_diagnosis(h: pd.DataFrame) -> pd.DataFrame:
    """Every gel of a region holds one diagnosis group."""
    return h.assign(gel_id=h["region"].str[:3] + "-" + h["group"])


def two_donors_per_group(h: pd.DataFrame) -> pd.DataFrame:
    keep = [d for g in ("control", "sALS") for d in sorted(h.loc[h["group"] == g, "donor_id"].unique())[:2]]
    return h[h["donor_id"].isin(keep)]


def three_donors_per_group(h: pd.DataFrame) -> pd.DataFrame:
    keep = [d for g in ("control", "sALS") for d in sorted(h.loc[h["group"] == g, "donor_id"].unique())[:3]]
    return h[h["donor_id"].isin(keep)].assign(gel_id=lambda t: t["region"].str[:3])


def only_sals(h: pd.DataFrame) -> pd.DataFrame:
    return h[h["group"] == "sALS"]


def no_wt(m: pd.DataFrame) -> pd.DataFrame:
    return m[m["genotype"] != "WT"]


def one_mouse_per_cell(m: pd.DataFrame) -> pd.DataFrame:
    first = m.drop_duplicates(["genotype", "stage"])["mouse_id"]
    return m[m["mouse_id"].isin(first)]


def gel_per_genotype(m: pd.DataFrame) -> pd.DataFrame:
    return m.assign(gel_id=m["tissue"] + "-" + m["genotype"])


def zero_puncta_group(c: pd.DataFrame) -> pd.DataFrame:
    c = c.copy()
    c.loc[(c["genotype"] == "SOD1_G85R_Sigmar1_KO") & (c["stage"] == "end_stage"), "puncta"] = 0
    return c


def no_mam_fraction(f: pd.DataFrame) -> pd.DataFrame:
    return f[f["fraction"] != "MAM"]


def no_vehicle_samples(f: pd.DataFrame) -> pd.DataFrame:
    return f[f["stress"] != "vehicle"]


def week_zero_only(a: pd.DataFrame) -> pd.DataFrame:
    return a[a["week"] == 0]


def arsenite_only(a: pd.DataFrame) -> pd.DataFrame:
    return a[a["treatment"] == "arsenite"]


def three_doses(c: pd.DataFrame) -> pd.DataFrame:
    doses = sorted(c["dose_um"].unique())
    return c[c["dose_um"].isin(doses[:3])]


def no_wt_cultures(c: pd.DataFrame) -> pd.DataFrame:
    return c[c["genotype"] != "WT"]


def no_end_stage_events(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(end_stage_observed=0)


def one_genotype_without_events(d: pd.DataFrame) -> pd.DataFrame:
    d = d.copy()
    d.loc[d["genotype"] == "SOD1_G85R_Sigmar1_KO", "end_stage_observed"] = 0
    return d


def _human(t):
    lanes = blots.add_log_ratio(t)
    return [blots.fit_region_effect(lanes, r) for r in sorted(lanes["region"].unique())]


def _mouse(t):
    lanes = blots.add_log_ratio(t)
    return [mouse_blots.fit_genotype_contrasts(lanes, tissue) for tissue in sorted(lanes["tissue"].unique())]


def _pla(t):
    return [pla.fit_mouse_level_contrasts(t, tissue) for tissue in sorted(t["tissue"].unique())]


def _mam(t):
    enrichment = mam_fraction.mam_enrichment(t)
    return mam_fraction.fit_enrichment_model(enrichment, "TBK1", ("WT", "Sigmar1_KO"))


def _motor(t):
    return arsenite.mixed_model_contrasts(t, "rotarod_s")


def _cells(t):
    return design.check_arsenite_cells(t, "viability")


def _course(t):
    return design.survival_notes(t, "disease_course", "genotype", "end_stage_observed", "SOD1_G85R", "end stage")


#: name -> (table, builder, analysis call)
CASES = {
    "gel confounded with diagnosis": ("human_blot", gel_per_diagnosis, _human),
    "two donors per group": ("human_blot", two_donors_per_group, _human),
    "only sALS donors": ("human_blot", only_sals, _human),
    "no WT mice (blot)": ("mouse_blot", no_wt, _mouse),
    "one mouse per genotype x stage (blot)": ("mouse_blot", one_mouse_per_cell, _mouse),
    "gel confounded with genotype": ("mouse_blot", gel_per_genotype, _mouse),
    "no WT mice (PLA)": ("pla_cells", no_wt, _pla),
    "one mouse per genotype x stage (PLA)": ("pla_cells", one_mouse_per_cell, _pla),
    "all-zero puncta in a group": ("pla_cells", zero_puncta_group, _pla),
    "MAM fraction missing": ("mam_fraction", no_mam_fraction, _mam),
    "no vehicle samples": ("mam_fraction", no_vehicle_samples, _mam),
    "only week 0 of arsenite": ("arsenite_motor", week_zero_only, _motor),
    "no vehicle mice": ("arsenite_motor", arsenite_only, _motor),
    "three doses per culture": ("arsenite_cells", three_doses, _cells),
    "no WT cultures": ("arsenite_cells", no_wt_cultures, _cells),
}

#: name -> (table, builder, analysis call): designs that run but warn on the page
WARNING_CASES = {
    "three donors per group": ("human_blot", three_donors_per_group, _human),
    "no end-stage events": ("disease_course", no_end_stage_events, _course),
    "one genotype without events": ("disease_course", one_genotype_without_events, _course),
}
