"""The cross-table chapters (synthesis, robustness, design_next_experiment) read any study.

* a study of WT vs SOD1_G93A mice at three stages in lumbar spinal cord and
  brainstem (mouse_blot) and of control, sALS, fALS and C9orf72-ALS donors in two
  regions (human_blot): the engine picks the chapters' levels from its
  description, the three chapters build and name its levels, the synthesis
  strata follow the tissues it declares affected, and the numbers agree with a
  direct computation (per-stratum OLS, statsmodels' ``combine_effects`` for the
  pool, by-hand Knapp-Hartung interval);
* every figure of these runs reads (data width, no overlap: the figure check);
* the example data with every level renamed, and the descriptor renamed the
  same way: the synthesis gives the same ledger, key for key.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from helpers.analysis import synthesis
from helpers.build.book import Book
from helpers.core.paths import DATA_DIR
from helpers.data.describe import draft_text
from helpers.data.study import read_study
from helpers.data.tables import get_specs
from helpers.data.validate import load_table

CROSS = ("synthesis", "robustness", "design_next_experiment")
GROUPS = ("control", "sALS", "fALS", "C9orf72_ALS")
GLUED = "application/papermill.record/text/markdown"  # a glued text: read as the page shows it


def _human_table() -> pd.DataFrame:
    """The example's donors in two regions, the sALS donors split into sALS, fALS and C9orf72-ALS."""
    table = pd.read_csv(DATA_DIR / "human_blot.csv")
    table = table[table.region != "motor_cortex"].copy()
    donors = sorted(table.loc[table.group == "sALS", "donor_id"].unique())
    third = len(donors) // 3
    table.loc[table.donor_id.isin(donors[:third]), "group"] = "fALS"
    table.loc[table.donor_id.isin(donors[third:2 * third]), "group"] = "C9orf72_ALS"
    return table


def _lab(folder: Path, mouse: pd.DataFrame, affected: str = "[lumbar_spinal_cord]") -> Path:
    """The lab's folder: both tables, the drafted description confirmed, labelled, with its affected tissues."""
    folder.mkdir()
    mouse.to_csv(folder / "mouse_blot.csv", index=False)
    _human_table().to_csv(folder / "human_blot.csv", index=False)
    text = draft_text(folder)
    for old, new in (("levels: [brainstem, lumbar_spinal_cord]", "levels: [lumbar_spinal_cord, brainstem]"),
                     ("affected: [brainstem, lumbar_spinal_cord]", f"affected: {affected}"),
                     ("reference: WT", "reference: WT\n      labels: {SOD1_G93A: SOD1-G93A}"),
                     ("reference: control", "reference: control\n      labels: {C9orf72_ALS: C9orf72-ALS}")):
        assert old in text, old
        text = text.replace(old, new)
    (folder / "datapackage.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def lab(tmp_path, sod1_g93a_table) -> Path:
    return _lab(tmp_path / "g93a_four_groups", sod1_g93a_table)


def test_the_engine_picks_the_cross_chapters_levels_from_the_study(lab):
    chapters = {c.name: c for c in Book(data_source=lab).chapters()}
    for name in CROSS:
        assert not chapters[name].design_note, name
    assert chapters["synthesis"].parameters["stage"] == "end_stage"
    robustness = chapters["robustness"].parameters
    assert (robustness["region"], robustness["group"], robustness["tissue"], robustness["genotype"],
            robustness["stage"]) == ("lumbar_spinal_cord", "sALS", "lumbar_spinal_cord", "SOD1_G93A", "end_stage")
    design = chapters["design_next_experiment"].parameters
    # pick: 2 is the second level compared with the reference, or the last when there are fewer
    assert (design["tissue"], design["genotype"], design["stage"], design["group"]) == (
        "lumbar_spinal_cord", "SOD1_G93A", "onset", "sALS")


def test_synthesis_strata_follow_the_declared_affected_tissues(tmp_path, sod1_g93a_table):
    strata = {}
    for affected in ("[lumbar_spinal_cord]", "[lumbar_spinal_cord, brainstem]"):
        folder = _lab(tmp_path / f"lab{len(strata)}", sod1_g93a_table, affected)
        design = synthesis.Design.of(read_study(folder / "datapackage.yaml"))
        frame = synthesis.collect_tbk1_strata(load_table("human_blot", folder), load_table("mouse_blot", folder),
                                              "end_stage", study=design)
        strata[affected] = frame.set_index(["species", "tissue", "genotype"])["affected"]
    narrow, wide = strata.values()
    # six human strata (three diagnoses x two regions) and two mouse strata (one genotype x two tissues)
    assert len(narrow) == 8 and set(narrow.index.get_level_values("genotype")) == {*GROUPS[1:], "SOD1_G93A"}
    assert narrow.sum() == 4 and wide.sum() == 5
    assert not narrow[("mouse", "brainstem", "SOD1_G93A")] and wide[("mouse", "brainstem", "SOD1_G93A")]
    assert (narrow.drop(("mouse", "brainstem", "SOD1_G93A")) == wide.drop(("mouse", "brainstem", "SOD1_G93A"))).all()


def _direct_human_effect(table: pd.DataFrame, region: str, group: str) -> tuple[float, float]:
    """Estimate and SE of *group* vs control in *region*: every group in one OLS, covariates and gel."""
    data = table[table.region == region].assign(
        log_ratio=lambda d: np.log(d.ptbk1 / d.ptbk1_loading) - np.log(d.tbk1 / d.tbk1_loading),
        age_c=lambda d: d.age_years - d.age_years.mean(), pmi_c=lambda d: d.pmi_hours - d.pmi_hours.mean())
    fit = smf.ols("log_ratio ~ C(group, Treatment('control')) + age_c + C(sex) + pmi_c + C(gel_id)", data).fit()
    term = f"C(group, Treatment('control'))[T.{group}]"
    return float(fit.params[term]), float(fit.bse[term])


@pytest.mark.slow
def test_the_cross_chapters_build_a_four_group_sod1_g93a_study_in_its_own_terms(tmp_path, lab, run_chapter):
    # Synthesis, DerSimonian-Laird so that statsmodels' combine_effects (method_re="chi2") is the reference.
    shown, results, _ = run_chapter("synthesis", lab, method="DL", strata="all", check_figures=True)
    assert all(level in shown for level in ("C9orf72_ALS", "fALS", "SOD1_G93A", "brainstem"))  # the strata table
    design = synthesis.Design.of(read_study(lab / "datapackage.yaml"))
    strata = synthesis.collect_tbk1_strata(load_table("human_blot", lab), load_table("mouse_blot", lab),
                                           "end_stage", study=design)
    human = _human_table()
    for row in strata[strata.species == "human"].itertuples():
        estimate, se = _direct_human_effect(human, row.tissue, row.genotype)
        assert (row.estimate, row.se) == pytest.approx((estimate, se), rel=1e-9)
    assert results["tbk1_all_k"]["value"] == 8 and results["tbk1_motor_k"]["value"] == 4
    assert "mam_all_ratio" not in results  # no PLA table: no MAM pool
    for which, chosen in (("all", strata), ("motor", strata[strata.affected]), ("nonmotor", strata[~strata.affected])):
        ref = combine_effects(chosen["estimate"].to_numpy(), chosen["se"].to_numpy() ** 2, method_re="chi2")
        # statsmodels keeps a negative DerSimonian-Laird tau^2; the estimator truncates it at 0 (then the
        # random-effects pool is the fixed-effect one)
        pooled, sd, scale = ((ref.mean_effect_re, ref.sd_eff_w_re, ref.scale_hksj_re) if ref.tau2 > 0
                             else (ref.mean_effect_fe, ref.sd_eff_w_fe, ref.scale_hksj_fe))
        half = stats.t.ppf(0.975, len(chosen) - 1) * sd * np.sqrt(max(1.0, scale))  # Knapp-Hartung, truncated at 1
        row = results[f"tbk1_{which}_ratio"]
        assert row["value"] == pytest.approx(np.exp(pooled), rel=1e-9), which
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((np.exp(pooled - half), np.exp(pooled + half)),
                                                                rel=1e-9), which
        assert results[f"tbk1_{which}_tau"]["value"] == pytest.approx(np.sqrt(max(0.0, ref.tau2)), rel=1e-9, abs=1e-12)
        assert results[f"tbk1_{which}_i2"]["value"] == pytest.approx(100 * max(0.0, 1 - (len(chosen) - 1) / ref.q),
                                                                     rel=1e-9, abs=1e-9)
    assert results["tbk1_headline_ratio"]["value"] == results["tbk1_all_ratio"]["value"]
    assert "human lumbar spinal cord; mouse lumbar spinal cord" in shown  # the affected strata, named

    # Robustness: the study's featured levels, its primary the direct fit
    shown, results, _ = run_chapter("robustness", lab, check_figures=True)
    assert "**Lumbar spinal cord: sALS vs control.**" in shown
    assert "SOD1-G93A vs WT, lumbar spinal cord, end stage" in shown
    estimate, _ = _direct_human_effect(human, "lumbar_spinal_cord", "sALS")
    assert results["human_primary_ratio"]["value"] == pytest.approx(np.exp(estimate), rel=1e-9)
    assert results["human_primary_ratio"]["n"] == 14  # control and sALS donors of the region
    assert {"mouse_tbk1_n_specs", "human_n_specs"} <= set(results) and "fraction_primary_ratio" not in results
    assert results["mouse_tbk1_n_specs"]["value"] == 72

    # Design of the next experiment: the study's contrasts, their observed effects the direct fits
    shown, results, _ = run_chapter("design_next_experiment", lab, n_sims=40, check_figures=True)
    assert results["human_blot_observed"]["value"] == pytest.approx(estimate, rel=1e-9)
    assert results["human_blot_observed"]["n"] == 14
    mouse = pd.read_csv(lab / "mouse_blot.csv")
    mouse = mouse[mouse.tissue == "lumbar_spinal_cord"].assign(
        log_ratio=lambda d: np.log(d.ptbk1 / d.ptbk1_loading) - np.log(d.tbk1 / d.tbk1_loading))
    fit = smf.ols("log_ratio ~ C(genotype, Treatment('WT')) * C(stage, Treatment('onset')) + C(gel_id)", mouse).fit()
    assert results["mouse_blot_observed"]["value"] == pytest.approx(
        fit.params["C(genotype, Treatment('WT'))[T.SOD1_G93A]"], rel=1e-9)
    assert "`pla_cells` is not in this data" in shown


RENAME = {"WT": "wildtype", "Sigmar1_KO": "Sig1R_null", "SOD1_G85R": "mSOD1",
          "SOD1_G85R_Sigmar1_KO": "mSOD1_Sig1R_null", "spinal_cord": "lumbar_cord", "motor_cortex": "M1",
          "cerebellum": "cb", "presymptomatic": "P60", "onset": "P90", "end_stage": "P120",
          "control": "healthy", "sALS": "ALS", "lumbar_spinal_cord": "L4_L5", "occipital_cortex": "V1",
          "VAPB_PTPIP51": "VAPB_PTPIP51_pla", "IP3R3_Sig1R": "IP3R3_Sig1R_pla", "motor_neuron": "MN"}
TABLES = ("mouse_blot", "human_blot", "pla_cells")


@pytest.mark.slow
def test_relabelled_levels_give_the_same_synthesis_key_for_key(tmp_path, run_chapter, relabel):
    renamed = relabel(RENAME).example(tmp_path / "renamed", TABLES)
    copy = tmp_path / "example"
    copy.mkdir()
    for name in (*(get_specs()[t].filename for t in TABLES), "datapackage.yaml"):
        shutil.copy(DATA_DIR / name, copy / name)  # the same tables, not flagged as the book's example data
    _, ours, _ = run_chapter("synthesis", copy, check_figures=True)
    shown, theirs, _ = run_chapter("synthesis", renamed, check_figures=True)
    assert set(ours) == set(theirs) and {"tbk1_motor_ratio", "mam_motor_ratio", "mam_nonmotor_k"} <= set(ours)
    for key, row in ours.items():
        other = theirs[key]
        for column in ("value", "ci_low", "ci_high", "n"):
            if row[column] is None or other[column] is None:
                assert row[column] is other[column] is None, (key, column)
            else:
                assert other[column] == pytest.approx(row[column], rel=1e-9, nan_ok=True), (key, column)
    assert "human L4 L5 and M1; mouse lumbar cord and M1" in shown  # the affected strata in the study's own names
