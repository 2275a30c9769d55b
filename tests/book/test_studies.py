"""Other labs' designs through their study descriptions: the blot chapters read any levels.

* a SOD1-G93A lab (WT vs SOD1_G93A in lumbar spinal cord and brainstem): the
  engine resolves the chapter's parameters from its description and marks the
  chapters that still read only the example design as not built; the mouse
  chapter names the study's genotype and tissues;
* a two-colour human blot with three diagnosis groups, no loading control;
* the example data with every level renamed: the same numbers, key for key
  after renaming (the relabelling test);
* the example data without one genotype: the numbers a direct statsmodels fit
  on the remaining rows gives (the subset test).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from helpers.build.book import Book
from helpers.core.paths import DATA_DIR
from helpers.data.describe import draft_text

BLOT_EXTRAS = ["ptbk1_loading", "tbk1_loading", "ptbk1_total_protein", "tbk1_total_protein"]


def _g93a(folder: Path, table: pd.DataFrame) -> Path:
    """The lab's folder with its description, as the README tells: drafted, then confirmed and labelled."""
    folder.mkdir()
    table.to_csv(folder / "mouse_blot.csv", index=False)
    text = draft_text(folder)
    text = text.replace("levels: [brainstem, lumbar_spinal_cord]", "levels: [lumbar_spinal_cord, brainstem]")
    text = text.replace("affected: [brainstem, lumbar_spinal_cord]", "affected: [lumbar_spinal_cord]")
    text = text.replace("reference: WT  # guessed by convention: confirm",
                        "reference: WT\n      labels: {SOD1_G93A: SOD1-G93A}")
    (folder / "datapackage.yaml").write_text(text, encoding="utf-8")
    return folder


def test_the_engine_reads_a_sod1_g93a_study_before_anything_executes(tmp_path, sod1_g93a_table):
    lab = _g93a(tmp_path / "g93a", sod1_g93a_table)
    chapters = {c.name: c for c in Book(data_source=lab).chapters()}
    mouse = chapters["mouse_tbk1"]
    assert not mouse.design_note
    assert (mouse.parameters["tissue"], mouse.parameters["stage"], mouse.parameters["normalization"]) == (
        "lumbar_spinal_cord", "end_stage", "loading_control")
    for name in ("design_next_experiment", "synthesis", "robustness"):  # they read mouse_blot in the study's terms
        assert not chapters[name].design_note
        assert chapters[name].parameters.get("tissue", "lumbar_spinal_cord") == "lumbar_spinal_cord"
    assert chapters["synthesis"].parameters["stage"] == "end_stage"
    assert not chapters["own_data"].design_note and not chapters["human_tbk1"].design_note
    from helpers.build.parameters import ParameterError

    with pytest.raises(ParameterError, match="parameter 'tissue': got 'spinal_cord'; allowed: one of "
                                             "'lumbar_spinal_cord', 'brainstem'"):
        Book(data_source=lab, overrides={"mouse_tbk1": {"tissue": "spinal_cord"}}).chapters()


@pytest.mark.slow
def test_a_sod1_g93a_lab_builds_the_mouse_chapter_in_its_own_terms(tmp_path, sod1_g93a_table, run_chapter):
    lab = _g93a(tmp_path / "g93a", sod1_g93a_table)
    shown, results, _ = run_chapter("mouse_tbk1", lab)
    assert "relative to WT mice of the same stage is" in shown and "in SOD1-G93A mice" in shown
    assert "In lumbar spinal cord, at end stage" in shown
    assert "The study declares no combined genotype" in shown
    assert set(results) == {"ratio_SOD1_G93A", "p_adj_SOD1_G93A", "n_contrasts", "n_adj_significant", "n_mice"}
    assert results["n_contrasts"]["value"] == 3 and results["n_mice"]["value"] == 30


@pytest.mark.slow
def test_a_two_colour_blot_with_three_diagnoses_builds_the_human_chapter(tmp_path, run_chapter):
    lab = tmp_path / "licor"
    lab.mkdir()
    table = pd.read_csv(DATA_DIR / "human_blot.csv").drop(columns=BLOT_EXTRAS)
    donors = sorted(table.loc[table.group == "sALS", "donor_id"].unique())
    table.loc[table.donor_id.isin(donors[: len(donors) // 2]), "group"] = "C9orf72_ALS"
    table.to_csv(lab / "human_blot.csv", index=False)
    (lab / "datapackage.yaml").write_text(draft_text(lab), encoding="utf-8")
    shown, results, _ = run_chapter("human_tbk1", lab)
    assert {"ratio_lumbar_spinal_cord_sALS", "ratio_lumbar_spinal_cord_C9orf72_ALS",
            "featured_ratio_C9orf72_ALS"} <= set(results)
    assert "C9orf72_ALS/control ratio of geometric means of pTBK1/TBK1 is" in shown
    # the band ratio with no normalization, against a direct fit of all three groups in one model
    data = table[table.region == "lumbar_spinal_cord"].assign(
        log_ratio=lambda d: np.log(d.ptbk1) - np.log(d.tbk1),
        age_c=lambda d: d.age_years - d.age_years.mean(), pmi_c=lambda d: d.pmi_hours - d.pmi_hours.mean())
    fit = smf.ols("log_ratio ~ C(group, Treatment('control')) + age_c + C(sex) + pmi_c + C(gel_id)", data).fit()
    term = "C(group, Treatment('control'))[T.C9orf72_ALS]"
    assert results["ratio_lumbar_spinal_cord_C9orf72_ALS"]["value"] == pytest.approx(np.exp(fit.params[term]))
    assert results["ratio_lumbar_spinal_cord_C9orf72_ALS"]["ci_low"] == pytest.approx(
        np.exp(fit.conf_int().loc[term, 0]))


RENAME = {"WT": "wildtype", "Sigmar1_KO": "Sig1R_null", "SOD1_G85R": "mSOD1",
          "SOD1_G85R_Sigmar1_KO": "mSOD1_Sig1R_null", "spinal_cord": "lumbar_cord", "motor_cortex": "M1",
          "cerebellum": "cb", "presymptomatic": "P60", "onset": "P90", "end_stage": "P120",
          "control": "healthy", "sALS": "ALS", "lumbar_spinal_cord": "L4_L5", "occipital_cortex": "V1"}


@pytest.mark.slow
@pytest.mark.parametrize("chapter", ["mouse_tbk1", "human_tbk1"])
def test_relabelled_levels_give_the_same_numbers_key_for_key(tmp_path, chapter, run_chapter, relabel):
    renamed = relabel(RENAME).example(tmp_path / "renamed", ("mouse_blot", "human_blot"))
    copy = tmp_path / "example"
    copy.mkdir()
    for name in ("mouse_blot.csv", "human_blot.csv", "datapackage.yaml"):
        shutil.copy(DATA_DIR / name, copy / name)  # the same tables, not flagged as the book's example data
    _, ours, _ = run_chapter(chapter, copy)
    shown, theirs, _ = run_chapter(chapter, renamed)
    assert {relabel(RENAME).key(k) for k in ours} == set(theirs)
    for key, row in ours.items():
        other = theirs[relabel(RENAME).key(key)]
        for column in ("value", "ci_low", "ci_high", "n"):  # levels sort otherwise: sums in another order
            if row[column] is None or other[column] is None:
                assert row[column] is other[column] is None, (key, column)
            else:
                assert other[column] == pytest.approx(row[column], rel=1e-9, nan_ok=True), (key, column)
    assert ("Sig1R_null" in shown) if chapter == "mouse_tbk1" else ("L4 L5" in shown)


@pytest.mark.slow
def test_dropping_a_genotype_gives_the_numbers_of_a_direct_fit_on_the_remaining_rows(tmp_path, run_chapter):
    lab = tmp_path / "no_sigmar1"
    lab.mkdir()
    table = pd.read_csv(DATA_DIR / "mouse_blot.csv")
    table = table[table.genotype != "Sigmar1_KO"]
    table.to_csv(lab / "mouse_blot.csv", index=False)
    (lab / "datapackage.yaml").write_text(draft_text(lab), encoding="utf-8")
    _, results, _ = run_chapter("mouse_tbk1", lab, tissue="spinal_cord", stage="end_stage")
    assert "ratio_Sigmar1_KO" not in results and "interaction_ratio" not in results
    data = table[table.tissue == "spinal_cord"].assign(
        log_ratio=lambda d: np.log(d.ptbk1 / d.ptbk1_loading) - np.log(d.tbk1 / d.tbk1_loading))
    fit = smf.ols("log_ratio ~ C(genotype, Treatment('WT')) * C(stage, Treatment('end_stage')) + C(gel_id)",
                  data).fit()
    m = 2 * 3  # two genotypes against WT at three stages: the family of the tissue
    crit = stats.t.ppf(1 - 0.05 / (2 * m), fit.df_resid)
    for genotype in ("SOD1_G85R", "SOD1_G85R_Sigmar1_KO"):
        term = f"C(genotype, Treatment('WT'))[T.{genotype}]"
        row = results[f"ratio_{genotype}"]
        assert row["value"] == pytest.approx(np.exp(fit.params[term]))
        assert row["ci_low"] == pytest.approx(np.exp(fit.params[term] - crit * fit.bse[term]))
        assert results[f"p_adj_{genotype}"]["value"] == pytest.approx(min(1.0, m * fit.pvalues[term]))


@pytest.mark.slow
def test_a_second_stressor_with_its_own_control_and_body_weight_alone(tmp_path, run_chapter):
    """MG132 against saline, body weight the only motor measure: the chapter names them, slopes as by hand."""
    lab = tmp_path / "mg132"
    lab.mkdir()
    table = pd.read_csv(DATA_DIR / "arsenite_motor.csv").drop(columns=["rotarod_s", "grip_g"])
    table["treatment"] = table["treatment"].replace({"vehicle": "saline", "arsenite": "MG132"})
    table.to_csv(lab / "arsenite_motor.csv", index=False)
    (lab / "datapackage.yaml").write_text(draft_text(lab), encoding="utf-8")
    chapters = {c.name: c for c in Book(data_source=lab).chapters()}
    assert chapters["arsenite_challenge"].parameters["measure"] == "body_weight_g"  # the one measure made
    shown, results, _ = run_chapter("arsenite_challenge", lab)
    assert "MG132 changed the weekly slope of body weight (MG132 minus saline)" in shown
    assert "`arsenite_cells` is not in this data" in shown
    # every mouse is weighed in the same weeks: the effect is the difference of mean per-mouse slopes
    slopes = table.groupby(["mouse_id", "genotype", "treatment"]).apply(
        lambda m: np.polyfit(m["week"], m["body_weight_g"], 1)[0], include_groups=False).rename("slope").reset_index()
    means = slopes.groupby(["genotype", "treatment"])["slope"].mean()
    for genotype in ("WT", "Tbk1_het"):
        expected = means[(genotype, "MG132")] - means[(genotype, "saline")]
        assert results[f"slope_treatment_effect_{genotype}"]["value"] == pytest.approx(expected, abs=1e-9)
    expected = (means[("Tbk1_het", "MG132")] - means[("Tbk1_het", "saline")]
                - means[("WT", "MG132")] + means[("WT", "saline")])
    assert results["slope_interaction_Tbk1_het"]["value"] == pytest.approx(expected, abs=1e-9)


@pytest.mark.slow
def test_a_disease_course_with_two_genotypes_and_end_stage_alone(tmp_path, run_chapter):
    """TDP-43 Q331K with and without a Tbk1 lesion, end stage only: Cox and KM against lifelines directly."""
    from lifelines import CoxPHFitter

    lab = tmp_path / "tdp43"
    lab.mkdir()
    table = pd.read_csv(DATA_DIR / "disease_course.csv")
    table = table[table.genotype.isin(["SOD1_G85R", "SOD1_G85R_Sigmar1_KO"])].drop(columns=["onset_day", "onset_observed"])
    table["genotype"] = table["genotype"].replace({"SOD1_G85R": "Q331K", "SOD1_G85R_Sigmar1_KO": "Q331K_Tbk1_het"})
    table.to_csv(lab / "disease_course.csv", index=False)
    (lab / "datapackage.yaml").write_text(draft_text(lab), encoding="utf-8")
    from helpers.build.parameters import ParameterError

    chapters = {c.name: c for c in Book(data_source=lab).chapters()}
    assert chapters["disease_course"].parameters["endpoint"] == "end_stage"
    with pytest.raises(ParameterError, match="parameter 'endpoint': got 'onset'; allowed: one of 'end_stage'"):
        Book(data_source=lab, overrides={"disease_course": {"endpoint": "onset"}}).chapters()
    shown, results, _ = run_chapter("disease_course", lab)
    assert "The endpoint analysed on this page is **end stage**" in shown
    assert "Compared with Q331K, the hazard ratio was" in shown
    data = table.assign(x=(table["genotype"] == "Q331K_Tbk1_het").astype(float))
    cox = CoxPHFitter().fit(data[["end_stage_day", "end_stage_observed", "x"]], "end_stage_day", "end_stage_observed")
    assert results["hr_Q331K_Tbk1_het"]["value"] == pytest.approx(float(np.exp(cox.params_["x"])), rel=1e-6)
    with pytest.raises(Exception, match="endpoint must be one of end_stage, got 'onset'"):
        run_chapter("disease_course", lab, endpoint="onset")
