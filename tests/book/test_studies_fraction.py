"""Other labs' fractionation studies through their study descriptions: the MAM-fraction chapter reads any levels.

* fractions with other MAM markers (ACSL4, IP3R3, VDAC1; TBK1 recruited), fractions named
  otherwise (``MAM_pure`` over ``total_lysate``), MG132 against DMSO and three genotypes: the
  engine resolves the chapter's parameters, the page names the study's levels, the numbers
  equal a direct statsmodels fit on the rows and the figures read;
* the example table with every level renamed (and its descriptor renamed the same way):
  the same ledger, key for key after renaming (the relabelling test);
* a table without the declared MAM fraction or reference fraction, and a description that
  declares none: each refused in one sentence naming the file, the column or property,
  and what was expected.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import papermill as pm
import pytest
import statsmodels.formula.api as smf
import yaml

from helpers.analysis import mam_fraction
from helpers.analysis.design import DesignError
from helpers.build.book import Book
from helpers.core.paths import DATA_DIR
from helpers.data.describe import draft_text
from helpers.data.study import StudyError, study_of
from helpers.data.validate import load_table
from helpers.report import plots
from helpers.report.figure_alt import figure_checks
from helpers.report.figure_check import check_figure, figure_problems

#: The other lab's levels, made from the example table's rows (the numbers stay the simulated ones).
OTHER_LAB = {
    "fraction": {"homogenate": "total_lysate", "crude_mitochondria": "P2", "MAM": "MAM_pure", "microsome": "P100",
                 "cytosol": "S100"},
    "protein": {"AMFR": "ACSL4", "TBK1": "TBK1", "Sig1R": "IP3R3", "p62": "VDAC1"},
    "stress": {"vehicle": "DMSO", "arsenite": "MG132"},
    "genotype": {"WT": "WT", "SOD1_G85R": "TDP43_Q331K", "Sigmar1_KO": "Tbk1_het"},
}
PROTEIN_ORDER = ["ACSL4", "TBK1", "IP3R3", "VDAC1"]  # the declared order: the second (TBK1) is the default


def _other_lab(folder: Path, table: pd.DataFrame | None = None) -> Path:
    """The lab's folder: its table, and the description drafted by `make describe` then confirmed."""
    folder.mkdir()
    if table is None:
        table = pd.read_csv(DATA_DIR / "mam_fraction.csv")
        table = table[table["genotype"].isin(OTHER_LAB["genotype"]) & table["protein"].isin(OTHER_LAB["protein"])]
        for column, renames in OTHER_LAB.items():
            table[column] = table[column].replace(renames)
    table.to_csv(folder / "mam_fraction.csv", index=False)
    descriptor = yaml.safe_load(draft_text(folder))
    factors = descriptor["mam_tbk1_design"]["factors"]
    factors["fraction"].update(reference="total_lysate", roles={"MAM_pure": "mam"})
    factors["protein"] = {"levels": PROTEIN_ORDER,
                          "roles": {"ACSL4": "marker", "IP3R3": "marker", "VDAC1": "marker", "TBK1": "recruited"}}
    factors["stress"].update(reference="DMSO", levels=["DMSO", "MG132"])
    factors["genotype"].update(reference="WT", labels={"TDP43_Q331K": "TDP-43 Q331K", "Tbk1_het": "Tbk1+/−"})
    (folder / "datapackage.yaml").write_text(yaml.safe_dump(descriptor, sort_keys=False), encoding="utf-8")
    return folder


def _direct_fit(table: pd.DataFrame, protein: str):
    """log(MAM_pure / total_lysate) per sample by hand, then OLS genotype x stress + gel (the chapter's model)."""
    lanes = table[table["protein"] == protein].assign(
        log_signal=lambda d: np.log(d["signal"]) - np.log(d["total_protein"]))
    wide = lanes.pivot_table(index=["sample_id", "genotype", "stress", "gel_id"], columns="fraction",
                             values="log_signal").reset_index()
    wide["y"] = wide["MAM_pure"] - wide["total_lysate"]
    return smf.ols("y ~ C(genotype, Treatment('WT')) * C(stress, Treatment('DMSO')) + C(gel_id, Sum)", wide).fit()


def test_the_engine_resolves_the_fraction_chapter_from_the_study(tmp_path):
    lab = _other_lab(tmp_path / "mg132")
    chapter = {c.name: c for c in Book(data_source=lab).chapters()}["mam_fraction"]
    assert not chapter.design_note
    assert (chapter.parameters["protein"], chapter.parameters["stressor"]) == ("TBK1", "MG132")
    from helpers.build.parameters import ParameterError

    with pytest.raises(ParameterError, match="parameter 'protein': got 'pTBK1'; allowed: one of 'ACSL4', 'TBK1'"):
        Book(data_source=lab, overrides={"mam_fraction": {"protein": "pTBK1"}}).chapters()
    design = mam_fraction.FractionDesign.of(study_of(lab))
    assert (design.mam, design.reference, design.markers, design.recruited) == (
        "MAM_pure", "total_lysate", ("ACSL4", "IP3R3", "VDAC1"), ("TBK1",))
    assert (design.genotypes[0], design.stresses) == ("WT", ("DMSO", "MG132"))


@pytest.mark.slow
def test_other_markers_fractions_and_stressor_build_the_chapter_in_their_own_terms(tmp_path, run_chapter):
    lab = _other_lab(tmp_path / "mg132")
    table = pd.read_csv(lab / "mam_fraction.csv")
    shown, results, nb = run_chapter("mam_fraction", lab)
    assert "In WT samples under DMSO, TBK1 is enriched in the MAM_pure fraction over the total_lysate" in shown
    assert "MG132 multiplies its MAM enrichment by" in shown and "in TDP-43 Q331K" in shown
    assert "MAM markers declared: ACSL4, IP3R3, VDAC1; reference group: WT, DMSO." in shown
    genotypes = ("WT", "TDP43_Q331K", "Tbk1_het")
    assert set(results) == {"reference_enrichment", "reference_stress_TBK1", "n_samples",
                            "n_interactions_excluding_1_fixed_gel", "n_interactions_excluding_1_random_gel",
                            *(f"stress_{g}" for g in genotypes),
                            *(f"{k}_{g}" for k in ("interaction", "interaction_random_gel") for g in genotypes[1:])}
    assert results["n_samples"]["value"] == table["sample_id"].nunique() == 24
    fit = _direct_fit(table, "TBK1")
    stress = "C(stress, Treatment('DMSO'))[T.MG132]"
    assert results["stress_WT"]["value"] == pytest.approx(np.exp(fit.params[stress]), rel=1e-9)
    assert results["stress_WT"]["ci_low"] == pytest.approx(np.exp(fit.conf_int().loc[stress, 0]), rel=1e-9)
    assert results["reference_stress_TBK1"]["value"] == pytest.approx(np.exp(fit.params[stress]), rel=1e-9)
    for genotype in genotypes[1:]:
        term = f"C(genotype, Treatment('WT'))[T.{genotype}]:{stress}"
        assert results[f"interaction_{genotype}"]["value"] == pytest.approx(np.exp(fit.params[term]), rel=1e-9)
        assert results[f"interaction_{genotype}"]["ci_high"] == pytest.approx(
            np.exp(fit.conf_int().loc[term, 1]), rel=1e-9)
    # the WT DMSO enrichment is a cell mean averaged over the gels (sum coding): the intercept of that fit
    assert results["reference_enrichment"]["value"] == pytest.approx(np.exp(fit.params["Intercept"]), rel=1e-9)
    figures = figure_checks(nb)
    assert len(figures) == 3 and all(m is not None for _, m in figures)
    assert [p for _, m in figures for p in figure_problems(m)] == []


RENAME = {"WT": "wildtype", "Sigmar1_KO": "Sig1R_null", "SOD1_G85R": "mSOD1", "SOD1_G85R_Sigmar1_KO": "mSOD1_Sig1R_null",
          "vehicle": "saline", "arsenite": "NaAsO2", "homogenate": "lysate", "crude_mitochondria": "CM", "MAM": "MAMfr",
          "microsome": "ER", "cytosol": "S100", "TBK1": "Tbk1", "pTBK1": "pS172", "AMFR": "gp78", "Sig1R": "Sigma1",
          "p62": "SQSTM1", "ubiquitin": "Ub"}


@pytest.mark.slow
def test_relabelled_fraction_levels_give_the_same_numbers_key_for_key(tmp_path, run_chapter, relabel):
    copy, renamed = tmp_path / "example", tmp_path / "renamed"
    copy.mkdir()
    renamed.mkdir()
    for name in ("mam_fraction.csv", "datapackage.yaml"):
        shutil.copy(DATA_DIR / name, copy / name)  # the same table, not flagged as the book's example data
    (renamed / "datapackage.yaml").write_text(relabel(RENAME).text((DATA_DIR / "datapackage.yaml").read_text(encoding="utf-8")),
                                              encoding="utf-8")
    frame = pd.read_csv(DATA_DIR / "mam_fraction.csv", dtype=str, keep_default_na=False)
    for column in ("genotype", "stress", "fraction", "protein"):
        assert set(frame[column]) <= set(RENAME), column  # every level is renamed
        frame[column] = frame[column].replace(RENAME)
    frame.to_csv(renamed / "mam_fraction.csv", index=False)
    _, ours, _ = run_chapter("mam_fraction", copy)
    shown, theirs, _ = run_chapter("mam_fraction", renamed)
    assert len(ours) == 18  # the example ledger of the chapter but its truth check (these are not the example data)
    assert {relabel(RENAME).key(k, whole=False) for k in ours} == set(theirs)
    for key, row in ours.items():
        other = theirs[relabel(RENAME).key(key, whole=False)]
        for column in ("value", "ci_low", "ci_high", "n"):
            if row[column] is None or other[column] is None:
                assert row[column] is other[column] is None, (key, column)
            else:
                assert other[column] == pytest.approx(row[column], rel=1e-9), (key, column)
    assert "pS172 is enriched in the MAMfr fraction over the lysate" in shown
    assert "reference_stress_SQSTM1" in theirs and "interaction_mSOD1_Sig1R_null" in theirs


def _lab_without(tmp_path: Path, fraction: str) -> tuple[pd.DataFrame, mam_fraction.FractionDesign]:
    lab = _other_lab(tmp_path / "lab")
    table = pd.read_csv(lab / "mam_fraction.csv")
    table[table["fraction"] != fraction].to_csv(lab / "mam_fraction.csv", index=False)
    return load_table("mam_fraction", lab), mam_fraction.FractionDesign.of(study_of(lab))


@pytest.mark.parametrize(("fraction", "role"), [("MAM_pure", "the study's MAM fraction"),
                                                 ("total_lysate", "its reference fraction")])
def test_a_table_without_the_mam_or_reference_fraction_is_refused_in_one_sentence(tmp_path, fraction, role):
    lanes, design = _lab_without(tmp_path, fraction)
    for refuse in (lambda: mam_fraction.mam_enrichment(lanes, design.mam, design.reference, design.source),
                   lambda: mam_fraction.fraction_shares(lanes, design.fractions, (design.genotypes[0], design.control),
                                                        design.source)):
        with pytest.raises(DesignError) as refused:
            refuse()
        message = str(refused.value)
        assert message.startswith("mam_fraction.csv, column 'fraction': ")
        assert f"'{fraction}'" in message
        assert message.count(". ") == 0 and message.endswith(".")  # one sentence
    assert f"needs lanes of '{fraction}', {role}, but no sample has one (present: " in str(
        pytest.raises(DesignError, mam_fraction.mam_enrichment, lanes, design.mam, design.reference,
                      design.source).value)


@pytest.mark.slow
def test_the_chapter_stops_at_the_sentence_when_the_mam_fraction_is_missing(tmp_path, run_chapter):
    lab = _other_lab(tmp_path / "lab")
    table = pd.read_csv(lab / "mam_fraction.csv")
    table[table["fraction"] != "MAM_pure"].to_csv(lab / "mam_fraction.csv", index=False)
    with pytest.raises(pm.PapermillExecutionError, match=r"mam_fraction.csv, column 'fraction': the MAM enrichment "
                                                          r"\(MAM_pure over total_lysate\) needs lanes of 'MAM_pure'"):
        run_chapter("mam_fraction", lab)


def test_a_description_without_a_mam_fraction_is_refused_in_one_sentence(tmp_path):
    lab = _other_lab(tmp_path / "lab")
    path = lab / "datapackage.yaml"
    descriptor = yaml.safe_load(path.read_text(encoding="utf-8"))
    del descriptor["mam_tbk1_design"]["factors"]["fraction"]["roles"]
    path.write_text(yaml.safe_dump(descriptor, sort_keys=False), encoding="utf-8")
    with pytest.raises(StudyError) as refused:
        mam_fraction.FractionDesign.of(study_of(lab))
    message = str(refused.value)
    assert message.startswith(f"{path}, property 'mam_tbk1_design.factors.fraction.roles': ")
    assert "exactly one fraction declared as the MAM (found 0: none)" in message
    assert message.count(". ") == 0


@pytest.mark.parametrize("n", [2, 8])
def test_fraction_figures_read_with_two_to_eight_genotypes_and_fractions(n):
    """The distribution (one panel per genotype, fractions on x) and the stress effects (proteins x genotypes)."""
    rng = np.random.default_rng(n)
    genotypes = [f"genotype_{i}_long_name" for i in range(n)]
    fractions = [f"fraction_{i}_name" for i in range(n)]
    shares = pd.DataFrame([{"sample_id": f"{g}{s}{k}", "genotype": g, "stress": s, "fraction": f,
                            "share": rng.uniform(0, 0.5)}
                           for g in genotypes for s in ("control", "stressor") for k in range(3) for f in fractions])
    fig = plots.plot_fraction_distribution(shares, fractions=fractions, facet="genotype", facet_order=genotypes,
                                           hue="stress", hue_order=["control", "stressor"], title="P across fractions")
    assert check_figure(fig) == []
    effects = pd.DataFrame([{"label": f"protein_{p}, {g}", "ratio": r, "low": r / 1.5, "high": r * 1.5}
                            for p in range(n) for g in genotypes for r in [rng.uniform(0.5, 2)]])
    fig = plots.plot_effects(effects, label="label", estimate="ratio", low="low", high="high",
                             xlabel="stressor / control, MAM enrichment (95% simultaneous CI per protein)",
                             title="Recruitment to the MAM under stressor")
    assert check_figure(fig) == []
    plt.close("all")
