"""Other labs' PLA designs through their study descriptions: mam_pla and mam_tbk1_coupling read any levels.

* a SOD1-G93A lab (WT vs SOD1_G93A, lumbar spinal cord and brainstem, stages
  P60/P90/P120): the engine resolves both chapters' parameters from its
  description; mam_pla names the study's levels and gives the numbers a direct
  statsmodels fit on the rows gives (OLS per mouse, Poisson GEE and GLM of the
  cells); the coupling chapter's pooled slope is a direct OLS;
* the example PLA and blot tables with every level renamed, and the descriptor
  renamed the same way: the same ledger key for key (the relabelling test),
  including the pair the descriptor declares blind in the Sigmar1-null mice;
* a tether pair's ``not_measured_in`` is read, refused when inconsistent, and
  decides which mice the coupling leaves out;
* the figures of both chapters stay legible for 2 to 8 genotypes and 1 to 5 tissues.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
import yaml
from scipy import stats

from helpers.analysis import coupling, pla
from helpers.build.book import Book
from helpers.build.parameters import ParameterError
from helpers.core.paths import DATA_DIR
from helpers.data.describe import draft_text
from helpers.data.study import DESIGN_KEY, StudyError, parse_study, read_study
from helpers.report import plots
from helpers.report.figure_check import check_figure

G93A = {"genotype": {"SOD1_G85R": "SOD1_G93A"},
        "tissue": {"spinal_cord": "lumbar_spinal_cord", "cerebellum": "brainstem"},
        "stage": {"presymptomatic": "P60", "onset": "P90", "end_stage": "P120"}}
#: Few resamples: the coupling chapter's bootstrap is not what these tests check.
BOOT = {"n_boot": 100, "max_boot": 200}


def _edit_design(folder: Path, change) -> None:
    """Apply *change* to the design facts of the folder's descriptor (as a lab edits its draft)."""
    path = folder / "datapackage.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data[DESIGN_KEY]["factors"])
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def g93a_lab(tmp_path_factory) -> Path:
    """A SOD1-G93A lab's PLA and blot tables with the description it writes from the draft."""
    folder = tmp_path_factory.mktemp("g93a_pla")
    for name in ("pla_cells", "mouse_blot"):
        table = pd.read_csv(DATA_DIR / f"{name}.csv")
        table = table[table.genotype.isin(["WT", "SOD1_G85R"]) & table.tissue.isin(["spinal_cord", "cerebellum"])]
        table.replace(G93A).to_csv(folder / f"{name}.csv", index=False)
    (folder / "datapackage.yaml").write_text(draft_text(folder), encoding="utf-8")

    def confirm(factors):
        factors["genotype"].update(reference="WT", labels={"SOD1_G93A": "SOD1-G93A"})
        factors["stage"].update(levels=["P60", "P90", "P120"], ordered=True)
        factors["tissue"].update(levels=["lumbar_spinal_cord", "brainstem"], affected=["lumbar_spinal_cord"])

    _edit_design(folder, confirm)
    return folder


def test_the_engine_resolves_the_pla_chapters_from_a_sod1_g93a_study(g93a_lab):
    chapters = {c.name: c for c in Book(data_source=g93a_lab).chapters()}
    pla_ch, coupled = chapters["mam_pla"], chapters["mam_tbk1_coupling"]
    assert not pla_ch.design_note and not coupled.design_note
    assert {k: pla_ch.parameters[k] for k in ("tissue", "pair", "cell_type", "stage")} == {
        "tissue": "lumbar_spinal_cord", "pair": "VAPB_PTPIP51", "cell_type": "motor_neuron", "stage": "P120"}
    assert {k: coupled.parameters[k] for k in ("pair", "cell_type", "tissue", "stage")} == {
        "pair": "VAPB_PTPIP51", "cell_type": "motor_neuron", "tissue": "all", "stage": "P120"}
    chosen = Book(data_source=g93a_lab, overrides={"mam_tbk1_coupling": {"tissue": "brainstem"},
                                                "mam_pla": {"stage": "P60", "pair": "IP3R3_Sig1R"}}).chapters()
    chosen = {c.name: c.parameters for c in chosen}
    assert chosen["mam_tbk1_coupling"]["tissue"] == "brainstem"
    assert (chosen["mam_pla"]["stage"], chosen["mam_pla"]["pair"]) == ("P60", "IP3R3_Sig1R")
    with pytest.raises(ParameterError) as err:
        Book(data_source=g93a_lab, overrides={"mam_pla": {"tissue": "spinal_cord", "stage": "end_stage"},
                                           "mam_tbk1_coupling": {"tissue": "cerebellum"}}).chapters()
    message = str(err.value)
    assert "chapter 'mam_pla', parameter 'tissue': got 'spinal_cord'; allowed: one of 'lumbar_spinal_cord', " \
           "'brainstem'" in message
    assert "parameter 'stage': got 'end_stage'; allowed: one of 'P60', 'P90', 'P120'" in message
    assert "chapter 'mam_tbk1_coupling', parameter 'tissue': got 'cerebellum'; allowed: one of 'all', " \
           "'lumbar_spinal_cord', 'brainstem'" in message


def test_the_example_chapters_keep_their_choices():
    """The example study's description picks what the chapters chose before (its ledger stays the same)."""
    chapters = {c.name: c.parameters for c in Book().chapters()}
    assert {k: chapters["mam_pla"][k] for k in ("tissue", "pair", "cell_type", "stage")} == {
        "tissue": "spinal_cord", "pair": "VAPB_PTPIP51", "cell_type": "motor_neuron", "stage": "end_stage"}
    assert {k: chapters["mam_tbk1_coupling"][k] for k in ("pair", "cell_type", "tissue", "stage")} == {
        "pair": "VAPB_PTPIP51", "cell_type": "motor_neuron", "tissue": "all", "stage": "end_stage"}
    example = read_study(DATA_DIR / "datapackage.yaml")
    assert pla.featured_genotype(example) == "SOD1_G85R"
    groups = pla.groups_of(example)
    assert coupling.decomposed_genotype("VAPB_PTPIP51", groups.others, example) == "SOD1_G85R_Sigmar1_KO"
    assert coupling.decomposed_genotype("IP3R3_Sig1R", groups.others, example) == "SOD1_G85R"


@pytest.mark.slow
def test_a_sod1_g93a_lab_builds_mam_pla_in_its_own_terms_with_the_numbers_of_a_direct_fit(tmp_path, g93a_lab, run_chapter):
    shown, results, _ = run_chapter("mam_pla", g93a_lab)
    assert "relative to WT mice of the same stage, the mean PLA puncta per cell is" in shown
    assert "in SOD1-G93A mice" in shown and "At P120," in shown
    assert "Tissue **lumbar spinal cord**" in shown
    assert "VAPB–PTPIP51 measures the contacts in every genotype of the study." in shown
    assert {"rr_SOD1_G93A", "gee_rr_SOD1_G93A", "naive_p", "mouse_p"} <= set(results)
    assert not any(k.startswith(("rr_Sigmar1", "rr_SOD1_G85R", "truth_inside")) for k in results)
    assert results["n_contrasts"]["value"] == 3

    cells = pd.read_csv(g93a_lab / "pla_cells.csv")
    cells = cells[(cells.tissue == "lumbar_spinal_cord") & (cells.tether_pair == "VAPB_PTPIP51")
                  & (cells.cell_type == "motor_neuron")]
    rhs = "C(genotype, Treatment('WT')) * C(stage, Treatment('P120'))"
    term = "C(genotype, Treatment('WT'))[T.SOD1_G93A]"  # the mutant minus WT at P120, the featured stage
    m = 3  # one genotype against WT at three stages: the family
    # the mouse level: OLS of each mouse's log mean puncta per cell
    mice = cells.groupby(["mouse_id", "genotype", "stage"], as_index=False)["puncta"].mean()
    ols = smf.ols(f"np.log(puncta) ~ {rhs}", mice).fit()
    crit = stats.t.ppf(1 - 0.05 / (2 * m), ols.df_resid)
    row = results["rr_SOD1_G93A"]
    assert row["value"] == pytest.approx(np.exp(ols.params[term]), rel=1e-9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (np.exp(ols.params[term] - crit * ols.bse[term]), np.exp(ols.params[term] + crit * ols.bse[term])), rel=1e-9)
    assert results["mouse_p"]["value"] == pytest.approx(ols.pvalues[term], rel=1e-9)
    assert row["n"] == mice[mice.stage == "P120"].shape[0] == results["n_mice"]["value"] / 3
    # the cells, clustered on the mouse: statsmodels' Poisson GEE
    gee = smf.gee(f"puncta ~ {rhs}", groups="mouse_id", data=cells, family=sm.families.Poisson(),
                  cov_struct=sm.cov_struct.Exchangeable()).fit(cov_type="bias_reduced", scale="X2")
    z = stats.norm.ppf(1 - 0.05 / (2 * m))
    row = results["gee_rr_SOD1_G93A"]
    assert row["value"] == pytest.approx(np.exp(gee.params[term]), rel=1e-6)
    assert row["ci_low"] == pytest.approx(np.exp(gee.params[term] - z * gee.bse[term]), rel=1e-5)
    # the cells as independent replicates: statsmodels' Poisson GLM
    glm = smf.glm(f"puncta ~ {rhs}", cells, family=sm.families.Poisson()).fit()
    assert results["naive_p"]["value"] == pytest.approx(glm.pvalues[term], rel=1e-6)
    assert results["naive_cells"]["value"] == (cells.stage == "P120").sum()
    assert results["se_factor_poisson"]["value"] == pytest.approx(ols.bse[term] / glm.bse[term], rel=1e-6)


@pytest.mark.slow
def test_a_sod1_g93a_lab_builds_the_coupling_chapter_in_its_own_terms(tmp_path, g93a_lab, run_chapter):
    shown, results, _ = run_chapter("mam_tbk1_coupling", g93a_lab, **BOOT)
    assert "These data are not the book's example data" in shown
    cells = pd.read_csv(g93a_lab / "pla_cells.csv")
    cells = cells[(cells.tether_pair == "VAPB_PTPIP51") & (cells.cell_type == "motor_neuron")]
    mam = cells.groupby(["mouse_id", "tissue"], as_index=False)["puncta"].mean()
    blot = pd.read_csv(g93a_lab / "mouse_blot.csv").assign(
        log_ratio=lambda d: np.log(d.ptbk1 / d.ptbk1_loading) - np.log(d.tbk1 / d.tbk1_loading))
    animals = mam.merge(blot, on=["mouse_id", "tissue"])
    fit = smf.ols("log_ratio ~ np.log(puncta) + C(gel_id)", animals).fit()
    assert results["slope_pooled"]["value"] == pytest.approx(fit.params["np.log(puncta)"], rel=1e-9)
    assert results["n_mice"]["value"] == animals["mouse_id"].nunique()


# --------------------------------------------------------------------------- relabelling

RENAME = {"WT": "wildtype", "Sigmar1_KO": "Sig1R_null", "SOD1_G85R": "mSOD1",
          "SOD1_G85R_Sigmar1_KO": "mSOD1_Sig1R_null", "spinal_cord": "lumbar_cord", "motor_cortex": "M1",
          "cerebellum": "cb", "presymptomatic": "P60", "onset": "P90", "end_stage": "P120",
          "VAPB_PTPIP51": "VAPB_PTPIP51_pair", "IP3R3_Sig1R": "IP3R3_Sig1R_pair",
          "motor_neuron": "ChAT_cell", "other": "glia"}
TABLES = ("pla_cells", "mouse_blot")


@pytest.fixture(scope="module")
def example_pair(tmp_path_factory, relabel) -> tuple[Path, Path]:
    """The example PLA and blot tables (not flagged as the book's example data) and their relabelled copy."""
    root = tmp_path_factory.mktemp("relabel")
    copy = root / "example"
    copy.mkdir()
    for name in ("pla_cells.csv", "mouse_blot.csv", "datapackage.yaml"):
        shutil.copy(DATA_DIR / name, copy / name)
    return copy, relabel(RENAME).example(root / "renamed", TABLES)


def test_the_relabelled_descriptor_declares_the_blind_pair_in_its_own_names(example_pair):
    _, renamed = example_pair
    study = read_study(renamed / "datapackage.yaml")
    assert pla.unmeasured_genotypes(study, "IP3R3_Sig1R_pair") == ("Sig1R_null", "mSOD1_Sig1R_null")
    assert pla.featured_genotype(study) == "mSOD1"


@pytest.mark.slow
@pytest.mark.parametrize(("chapter", "parameters"), [
    ("mam_pla", {}),
    ("mam_tbk1_coupling", {"pair": "IP3R3_Sig1R", **BOOT}),  # the pair blind in the Sigmar1-null mice
])
def test_relabelled_levels_give_the_same_numbers_key_for_key(tmp_path, example_pair, chapter, parameters, run_chapter, relabel):
    copy, renamed = example_pair
    _, ours, _ = run_chapter(chapter, copy, **parameters)
    theirs_parameters = {k: RENAME.get(v, v) if isinstance(v, str) else v for k, v in parameters.items()}
    shown, theirs, _ = run_chapter(chapter, renamed, **theirs_parameters)
    assert len(ours) > 8
    assert {relabel(RENAME).key(k) for k in ours} == set(theirs)
    for key, row in ours.items():
        other = theirs[relabel(RENAME).key(key)]
        for column in ("value", "ci_low", "ci_high", "n"):  # levels sort otherwise: sums in another order
            if row[column] is None or other[column] is None:
                assert row[column] is other[column] is None, (key, column)
            else:
                assert other[column] == pytest.approx(row[column], rel=1e-9, nan_ok=True), (key, column)
    if chapter == "mam_pla":
        assert "relative to wildtype mice of the same stage" in shown and "At P120," in shown
        assert theirs["gee_rr_mSOD1"]["description"] == "mSOD1/wildtype PLA puncta per cell (GEE), lumbar_cord, P120"
    else:  # IP3R3-Sig1R does not measure the Sigmar1-null mice: the coupling leaves them out, decomposes mSOD1
        assert ours["n_mice"]["value"] == theirs["n_mice"]["value"] == 30
        assert theirs["total_effect"]["description"] == "mSOD1/wildtype pTBK1/TBK1, P120"


# --------------------------------------------------------------------------- the design fact

def _descriptor_with(pairs: dict) -> dict:
    data = yaml.safe_load((DATA_DIR / "datapackage.yaml").read_text(encoding="utf-8"))
    data[DESIGN_KEY]["factors"]["tether_pair"]["not_measured_in"] = pairs
    return data


@pytest.mark.parametrize(("value", "message"), [
    ({"PLA_X": ["Sigmar1_KO"]}, "property 'mam_tbk1_design.factors.tether_pair.not_measured_in.PLA_X': "
                                "'PLA_X' is not among the levels (VAPB_PTPIP51, IP3R3_Sig1R)."),
    ({"IP3R3_Sig1R": ["Sigmar1_null"]}, "property 'mam_tbk1_design.factors.tether_pair.not_measured_in."
                                        "IP3R3_Sig1R': 'Sigmar1_null' is not a declared genotype level"),
    ({"IP3R3_Sig1R": []}, "not_measured_in.IP3R3_Sig1R': expected a non-empty list of levels."),
    (["IP3R3_Sig1R"], "property 'mam_tbk1_design.factors.tether_pair.not_measured_in': expected a mapping "
                      "{tether pair: [genotypes in which it does not measure contacts]}."),
])
def test_an_inconsistent_blind_pair_is_refused_in_one_sentence(value, message):
    with pytest.raises(StudyError) as err:
        parse_study(_descriptor_with(value), Path("lab/datapackage.yaml"))
    text = str(err.value)
    assert text.startswith("lab/datapackage.yaml, property 'mam_tbk1_design.factors.tether_pair.not_measured_in")
    assert message in text and text.count(". ") == 0 and text.endswith(".")


def test_only_the_tether_pair_factor_declares_blind_genotypes():
    data = yaml.safe_load((DATA_DIR / "datapackage.yaml").read_text(encoding="utf-8"))
    data[DESIGN_KEY]["factors"]["tissue"]["not_measured_in"] = {"spinal_cord": ["WT"]}
    with pytest.raises(StudyError, match=r"property 'mam_tbk1_design\.factors\.tissue\.not_measured_in': only "
                                         r"the tether_pair factor has this property"):
        parse_study(data, Path("lab/datapackage.yaml"))


def test_the_declared_blind_genotypes_decide_which_mice_the_coupling_leaves_out():
    cells, blot = pd.read_csv(DATA_DIR / "pla_cells.csv"), pd.read_csv(DATA_DIR / "mouse_blot.csv")
    example = read_study(DATA_DIR / "datapackage.yaml")
    left = coupling.animal_table(cells, blot, "IP3R3_Sig1R", study=example)
    assert sorted(left["genotype"].unique()) == ["SOD1_G85R", "WT"]
    none_blind = parse_study(_descriptor_with({}), DATA_DIR / "datapackage.yaml")
    assert coupling.animal_table(cells, blot, "IP3R3_Sig1R", study=none_blind)["genotype"].nunique() == 4
    only_double = parse_study(_descriptor_with({"IP3R3_Sig1R": ["SOD1_G85R_Sigmar1_KO"]}), DATA_DIR / "x.yaml")
    kept = coupling.animal_table(cells, blot, "IP3R3_Sig1R", study=only_double)
    assert "Sigmar1_KO" in set(kept["genotype"]) and "SOD1_G85R_Sigmar1_KO" not in set(kept["genotype"])


# --------------------------------------------------------------------------- figures

RNG = np.random.default_rng(5)
GENOTYPE_NAMES = ["WT", "SOD1_G93A", "TDP43_Q331K", "FUS_R521C", "C9orf72_GR50", "Tbk1_het",
                  "SOD1_G93A_Tbk1_het", "TDP43_Q331K_Tbk1_het"]
TISSUE_NAMES = ["lumbar_spinal_cord", "cervical_spinal_cord", "brainstem", "motor_cortex", "cerebellum"]


def _cells(genotypes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [{"genotype": g, "mouse": f"{g}-{m}", "puncta": RNG.poisson(8)} for g in genotypes for m in range(4)
            for _ in range(20)]
    cells = pd.DataFrame(rows)
    means = cells.groupby(["genotype", "mouse"], as_index=False)["puncta"].mean().rename(columns={"puncta": "mean"})
    return cells, means


@pytest.mark.parametrize("n", [2, 5, 8])
def test_the_superplot_reads_with_2_to_8_genotypes(n):
    names = [g.replace("_", " ") for g in GENOTYPE_NAMES[:n]]
    cells, means = _cells(names)
    fig = plots.plot_superplot(cells, means, x="genotype", y="puncta", mean_y="mean", unit="mouse", order=names,
                               ylabel="VAPB–PTPIP51 PLA puncta per cell",
                               title="ChAT-positive motor neurons, lumbar spinal cord, P120")
    try:
        assert check_figure(fig) == []
        assert [t.get_text().replace("\n", " ") for t in fig.axes[0].get_xticklabels()] == names
    finally:
        plt.close(fig)


@pytest.mark.parametrize(("n_genotypes", "n_tissues"), [(2, 1), (4, 3), (8, 5), (3, 4)])
def test_the_coupling_figure_reads_with_any_genotypes_and_tissues(n_genotypes, n_tissues):
    genotypes, tissues = GENOTYPE_NAMES[:n_genotypes], TISSUE_NAMES[:n_tissues]
    animals = pd.DataFrame([{"genotype": g, "tissue": t, "x": RNG.normal(2, 0.3), "y": RNG.normal(0, 0.3)}
                            for g in genotypes for t in tissues for _ in range(5)])
    fig = plots.plot_coupling(animals, x="x", y="y", hue="genotype", hue_order=genotypes, facet="tissue",
                              facet_order=tissues, slope=0.5, xlabel="PLA puncta per motor neuron cell (VAPB–PTPIP51)",
                              ylabel="pTBK1 / TBK1 (normalized)",
                              title="MAM integrity and TBK1 activation, one point per mouse")
    try:
        assert check_figure(fig) == []
        panels = [ax for ax in fig.axes if ax.get_title()]
        assert [ax.get_title() for ax in panels] == [t.replace("_", " ") for t in tissues]
    finally:
        plt.close(fig)


@pytest.mark.parametrize("n", [2, 8])
def test_the_rate_ratio_figures_read_with_2_to_8_genotypes_at_5_stages(n):
    stages = ["P30", "P60", "P90", "P120", "P150"]
    rows = pd.DataFrame([{"label": f"{g.replace('_', '-')}, {s} · quasipoisson", "ratio": np.exp(RNG.normal(-0.3, 0.1))}
                         for g in GENOTYPE_NAMES[1:n] for s in stages])
    rows["low"], rows["high"] = rows["ratio"] * 0.7, rows["ratio"] / 0.7
    fig = plots.plot_effects(rows, label="label", estimate="ratio", low="low", high="high",
                             xlabel="genotype / WT rate ratio (95% simultaneous CI over each method's contrasts)",
                             title="Same data, four analyses (P120)")
    try:
        assert check_figure(fig) == []
    finally:
        plt.close(fig)
