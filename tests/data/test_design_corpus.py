"""A corpus of design-level bad inputs: each refused in one sentence, or warned on the page.

Every case is made by code from the example data (``data/``): a table is broken
(a level removed, gels reassigned, animals dropped), written to its own small
folder, read back with :func:`helpers.data.validate.load_table` (it passes the
schema) and given to the analysis the chapter runs. The expected message is
asserted exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import arsenite, blots, design, mam_fraction, mouse_blots, pla
from helpers.core.paths import DATA_DIR
from helpers.data.tables import get_spec
from helpers.data.validate import load_table
from helpers.report.ledger import ResultsLedger

EXAMPLE_ARSENITE = {"reference": "WT", "control": "vehicle", "stressor": "arsenite"}


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
    enrichment = mam_fraction.mam_enrichment(t, "MAM", "homogenate")
    return mam_fraction.fit_enrichment_model(enrichment, "TBK1", ("WT", "Sigmar1_KO"), ("vehicle", "arsenite"))


def _motor(t):
    return arsenite.mixed_model_contrasts(t, "rotarod_s", **EXAMPLE_ARSENITE)


def _cells(t):
    return design.check_arsenite_cells(t, "viability", "WT")


def _course(t):
    return design.survival_notes(t, "disease_course", "genotype", "end_stage_observed", "SOD1_G85R", "end stage")


#: name -> (table, builder, analysis call, exact message of the DesignError)
CASES = {
    'gel confounded with diagnosis': ('human_blot', gel_per_diagnosis, _human,
        'human_blot, region lumbar_spinal_cord: the gels are confounded with group (lum-control: control only; lum-sALS: sALS only), so the sALS-vs-control difference cannot be told apart from the difference between gels; run the groups side by side on the same gels.'),
    'two donors per group': ('human_blot', two_donors_per_group, _human,
        'human_blot, region lumbar_spinal_cord: control 2 donors, sALS 2 donors leave no residual degrees of freedom for the model of diagnosis, covariates and gel (4 parameters from 4 donors), so no confidence interval can be computed; add donors (5 or more per group recommended).'),
    'only sALS donors': ('human_blot', only_sals, _human,
        "human_blot, region lumbar_spinal_cord: the sALS-vs-control comparison needs group 'control', but the table has none (present: sALS 12 donors); add the lanes of the control donors."),
    'no WT mice (blot)': ('mouse_blot', no_wt, _mouse,
        "mouse_blot, tissue cerebellum: the comparison with WT mice needs genotype 'WT', but the table has none (present: SOD1_G85R 15 mice, SOD1_G85R_Sigmar1_KO 15 mice, Sigmar1_KO 15 mice); add the lanes of the WT mice."),
    'one mouse per genotype x stage (blot)': ('mouse_blot', one_mouse_per_cell, _mouse,
        'mouse_blot, tissue cerebellum: 12 groups of 1 mouse each leave no residual degrees of freedom for the genotype × stage model (12 parameters from 12 mice), so no confidence interval can be computed; add mice (3 or more per group recommended).'),
    'gel confounded with genotype': ('mouse_blot', gel_per_genotype, _mouse,
        'mouse_blot, tissue cerebellum: the gels are confounded with genotype (cerebellum-SOD1_G85R: SOD1_G85R only; cerebellum-SOD1_G85R_Sigmar1_KO: SOD1_G85R_Sigmar1_KO only; cerebellum-Sigmar1_KO: Sigmar1_KO only; cerebellum-WT: WT only), so the genotype difference cannot be told apart from the difference between gels; run the groups side by side on the same gels.'),
    'no WT mice (PLA)': ('pla_cells', no_wt, _pla,
        "pla_cells, tissue cerebellum, pair VAPB_PTPIP51, motor_neuron cells: the comparison with WT mice needs genotype 'WT', but the table has none (present: Sigmar1_KO 15 mice, SOD1_G85R 15 mice, SOD1_G85R_Sigmar1_KO 15 mice); add the cells of the WT mice."),
    'one mouse per genotype x stage (PLA)': ('pla_cells', one_mouse_per_cell, _pla,
        'pla_cells, tissue cerebellum, pair VAPB_PTPIP51, motor_neuron cells: 12 groups of 1 mouse each leave no residual degrees of freedom for the genotype × stage model (12 parameters from 12 mice), so no confidence interval can be computed; add mice (3 or more per group recommended).'),
    'all-zero puncta in a group': ('pla_cells', zero_puncta_group, _pla,
        'pla_cells, tissue cerebellum, pair VAPB_PTPIP51, motor_neuron cells: every puncta count is 0 in SOD1_G85R_Sigmar1_KO/end_stage (5 mice, 109 cells), so the rate ratio against that group is zero or undefined; check the detection threshold or the channel of those sections, or leave the group out.'),
    'MAM fraction missing': ('mam_fraction', no_mam_fraction, _mam,
        "mam_fraction.csv, column 'fraction': the MAM enrichment (MAM over homogenate) needs lanes of 'MAM', the study's MAM fraction, but no sample has one (present: homogenate 32 samples, crude_mitochondria 32 samples, microsome 32 samples, cytosol 32 samples); add those lanes, or name in the study description the fraction that is the MAM (roles: {<fraction>: mam}) and the reference fraction (the factor's reference)."),
    'no vehicle samples': ('mam_fraction', no_vehicle_samples, _mam,
        "mam_fraction, protein TBK1: the stress effect (arsenite vs vehicle) needs stress 'vehicle', but the table has none (present: arsenite 16 samples); add the lanes of the vehicle samples."),
    'only week 0 of arsenite': ('arsenite_motor', week_zero_only, _motor,
        'arsenite_motor: every one of the 54 mice was measured at a single week (week 0), so no change over time (weekly slope) can be estimated; add the later weekly measurements of the same mice.'),
    'no vehicle mice': ('arsenite_motor', arsenite_only, _motor,
        "arsenite_motor: the arsenite-vs-vehicle slope comparison needs treatment 'vehicle', but the table has none (present: arsenite 27 mice); add the measurements of the vehicle mice."),
    'three doses per culture': ('arsenite_cells', three_doses, _cells,
        'arsenite_cells: a four-parameter logistic of viability needs at least 5 distinct doses per culture, but C01 3 doses, C02 3 doses, C03 3 doses, C04 3 doses, C05 3 doses and 7 more; measure each culture over a dose series spanning no effect to full effect.'),
    'no WT cultures': ('arsenite_cells', no_wt_cultures, _cells,
        "arsenite_cells: the EC50 ratio against WT needs genotype 'WT', but the table has none (present: Sigmar1_KO 4 cultures, Tbk1_het 4 cultures); add the wells of the WT cultures."),
}

#: name -> (table, builder, analysis call, exact warnings shown on the page)
WARNING_CASES = {
    'three donors per group': ('human_blot', three_donors_per_group, _human,
        ['human_blot, region lumbar_spinal_cord: control 3 donors, sALS 3 donors — fewer than the recommended 5 donors per group, so the sALS-vs-control comparison rests on very few donors and its interval is wide and sensitive to any one of them.', 'human_blot, region motor_cortex: control 3 donors, sALS 3 donors — fewer than the recommended 5 donors per group, so the sALS-vs-control comparison rests on very few donors and its interval is wide and sensitive to any one of them.', 'human_blot, region occipital_cortex: control 3 donors, sALS 3 donors — fewer than the recommended 5 donors per group, so the sALS-vs-control comparison rests on very few donors and its interval is wide and sensitive to any one of them.']),
    'no end-stage events': ('disease_course', no_end_stage_events, _course,
        ['disease_course: no end stage was observed in any genotype (SOD1_G85R 16 mice, SOD1_G85R_Sigmar1_het 16 mice, SOD1_G85R_Sigmar1_KO 16 mice, all censored), so the Kaplan-Meier curves stay at 1, no median is reached and no hazard ratio or log-rank test can be computed; follow the mice until end stage occurs.']),
    'one genotype without events': ('disease_course', one_genotype_without_events, _course,
        ['disease_course: SOD1_G85R_Sigmar1_KO has no observed end stage (16 mice, all censored), so the hazard ratio of SOD1_G85R_Sigmar1_KO vs SOD1_G85R is not estimable and is not reported; its Kaplan-Meier curve is shown.']),
}


@pytest.fixture(scope="module")
def example_tables() -> dict[str, pd.DataFrame]:
    """The parsed example tables, read once."""
    names = {case[0] for case in (*CASES.values(), *WARNING_CASES.values())}
    return {name: load_table(name, DATA_DIR) for name in names}


def _folder_with(tmp_path, name: str, table: pd.DataFrame):
    """Write *table* as the only table of a new folder (it must still pass its schema)."""
    folder = tmp_path / "lab"
    folder.mkdir()
    table.to_csv(folder / get_spec(name).filename, index=False)
    return folder, load_table(name, folder)


def test_corpus_is_large_enough():
    assert len(CASES) + len(WARNING_CASES) >= 15


@pytest.mark.parametrize("case", list(CASES))
def test_design_is_refused_in_one_sentence(case, example_tables, tmp_path):
    name, build, analyse, message = CASES[case]
    _, table = _folder_with(tmp_path, name, build(example_tables[name]))
    with pytest.raises(design.DesignError) as raised:
        analyse(table)
    assert str(raised.value) == message
    assert str(raised.value).count(". ") == 0 and str(raised.value).endswith(".")  # one sentence


@pytest.mark.parametrize("case", list(WARNING_CASES))
def test_design_runs_with_a_warning(case, example_tables, tmp_path):
    name, build, analyse, messages = WARNING_CASES[case]
    _, table = _folder_with(tmp_path, name, build(example_tables[name]))
    design.pending_warnings()
    analyse(table)
    assert design.pending_warnings() == messages


def test_example_data_raise_no_design_warning(example_tables):
    design.pending_warnings()
    _human(example_tables["human_blot"])
    _motor(example_tables["arsenite_motor"])
    assert design.pending_warnings() == []


def test_few_donors_still_give_a_finite_interval(example_tables):
    effects = _human(three_donors_per_group(example_tables["human_blot"]))
    assert all(math.isfinite(e.ci_low) and math.isfinite(e.ci_high) for e in effects)


def test_ledger_never_publishes_a_non_finite_bound():
    ledger = ResultsLedger("ch", glue=False)
    row = ledger.report("ratio", 0.7, ci=(float("nan"), 1.2), n=4, n_unit="donors", unit="ratio", method="OLS",
                        description="sALS/control")
    assert (row.ci_low, row.ci_high, row.ci_level) == (None, None, None)
    assert row.description == "sALS/control (no finite 95% confidence interval)"
    finite = ledger.report("other", 0.7, ci=(0.5, np.inf), n=4, n_unit="donors", unit="ratio", method="OLS",
                           description="d")
    assert finite.ci_high is None


def test_partly_shared_gels_are_accepted(example_tables):
    """One gel with both groups is enough for the gel-adjusted comparison (no false refusal)."""
    h = example_tables["human_blot"]
    lsc = h[h["region"] == "lumbar_spinal_cord"]
    moved = lsc.assign(gel_id=np.where(lsc["group"].eq("sALS") & lsc["gel_id"].eq("LSC-1"), "LSC-2", lsc["gel_id"]))
    effect = blots.fit_region_effect(blots.add_log_ratio(moved), "lumbar_spinal_cord")
    assert math.isfinite(effect.ci_low) and effect.df_resid > 0
