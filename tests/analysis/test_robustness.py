"""Specification curves: the primary specification is reproduced exactly; shares and rules on known examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.analysis import blots, mouse_blots, pla, robustness
from helpers.core.paths import DATA_DIR
from helpers.data.validate import load_table


@pytest.fixture(scope="module")
def human_lanes():
    return load_table("human_blot", DATA_DIR)


@pytest.fixture(scope="module")
def human_specs(human_lanes):
    return robustness.human_specification_curve(human_lanes, "lumbar_spinal_cord", reference="control", group="sALS")


@pytest.fixture(scope="module")
def mouse_lanes():
    return load_table("mouse_blot", DATA_DIR)


@pytest.fixture(scope="module")
def pla_cells():
    return load_table("pla_cells", DATA_DIR)


#: The example's featured PLA contrast, as the robustness chapter picks it.
PLA_CONTRAST = {"tissue": "spinal_cord", "genotype": "SOD1_G85R_Sigmar1_KO", "stage": "end_stage", "reference": "WT",
                "pair": "VAPB_PTPIP51", "cell_type": "motor_neuron"}


def test_robust_z_is_distance_from_median_in_scaled_mads():
    z = robustness.robust_z([0.0, 1.0, 2.0, 3.0, 4.0])  # median 2, MAD 1
    assert z == pytest.approx((np.arange(5) - 2) / 1.4826)
    assert robustness.robust_z([3.0, 3.0, 3.0]).tolist() == [0.0, 0.0, 0.0]


def test_outliers_are_judged_within_groups():
    """A control value far from the sALS values is no outlier among controls."""
    table = pd.DataFrame({"group": ["c"] * 5 + ["s"] * 5,
                          "v": [0.0, 0.1, -0.1, 0.05, -0.05, -1.0, -1.1, -0.9, -1.05, 3.0]})
    kept = robustness.drop_outliers(table, "v", ["group"], 3.5)
    assert len(kept) == 9 and 3.0 not in kept["v"].tolist()
    assert len(robustness.drop_outliers(table, "v", ["group"], 1e6)) == 10


def test_grid_is_the_cartesian_product_and_the_primary_must_lie_on_it():
    grid = robustness.specification_grid(robustness.MOUSE_BLOT_CHOICES)
    assert len(grid) == np.prod([len(v) for v in robustness.MOUSE_BLOT_CHOICES.values()]) == 72
    assert not grid.duplicated().any()
    with pytest.raises(ValueError, match="not exactly one point"):
        robustness.run_specifications({"a": [1, 2]}, lambda a: {}, {"a": 3})


def test_agreement_shares_on_a_constructed_curve():
    specs = pd.DataFrame({
        "estimate": [-0.5, -0.3, -0.1, 0.2, -0.4, -0.6],
        "p_value": [0.001, 0.01, 0.30, 0.04, 0.02, 0.20],
        "primary": [True, False, False, False, False, False],
    })
    shares = robustness.agreement_shares(specs, alpha=0.05)
    # Alternatives: 4 of 5 negative; significant and negative: -0.3 and -0.4 (0.2 is significant but positive).
    assert shares["n_specs"] == 6 and shares["n_alternatives"] == 5
    assert shares["share_same_sign"] == pytest.approx(4 / 5)
    assert shares["share_same_significance"] == pytest.approx(2 / 5)
    # A non-significant primary agrees with the non-significant alternatives (-0.1 and -0.6).
    flipped = specs.assign(p_value=[0.5, 0.01, 0.30, 0.04, 0.02, 0.20])
    assert robustness.agreement_shares(flipped)["share_same_significance"] == pytest.approx(2 / 5)
    with pytest.raises(ValueError, match="exactly one primary"):
        robustness.agreement_shares(specs.assign(primary=False))


def test_human_curve_contains_the_primary_and_reproduces_it_exactly(human_lanes, human_specs):
    assert len(human_specs) == 54 and human_specs["primary"].sum() == 1
    primary = human_specs[human_specs["primary"]].iloc[0]
    assert (primary["normalization"], primary["covariates"], primary["gel"]) == ("loading_control", "age+sex+pmi", "fixed")
    reference = blots.fit_region_effect(blots.add_log_ratio(human_lanes), "lumbar_spinal_cord")
    assert primary["estimate"] == reference.estimate
    assert (primary["ci_low"], primary["ci_high"], primary["p_value"]) == (reference.ci_low, reference.ci_high, reference.p_value)
    assert np.isfinite(human_specs[["estimate", "se", "ci_low", "ci_high", "p_value"]].to_numpy()).all()


def test_human_unadjusted_spec_without_gel_is_the_two_sample_t_test(human_lanes):
    effect = robustness.fit_human_specification(
        human_lanes, "motor_cortex", normalization="none", outliers="none", covariates="none", gel="ignored",
        reference="control", group="sALS")
    data = blots.add_log_ratio(human_lanes[human_lanes["region"] == "motor_cortex"], "none")
    sals, control = (data.loc[data["group"] == g, "log_ratio"] for g in ("sALS", "control"))
    t = stats.ttest_ind(sals, control)
    assert effect["estimate"] == pytest.approx(sals.mean() - control.mean(), rel=1e-12)
    assert effect["p_value"] == pytest.approx(t.pvalue, rel=1e-9)


def test_outlier_rule_drops_a_planted_outlier(human_lanes):
    lanes = human_lanes.copy()
    row = lanes.index[(lanes["region"] == "lumbar_spinal_cord") & (lanes["group"] == "control")][0]
    lanes.loc[row, "ptbk1"] *= 50.0  # one lane 50-fold too bright
    choice = {"normalization": "loading_control", "covariates": "none", "gel": "fixed", "reference": "control",
              "group": "sALS"}
    kept = robustness.fit_human_specification(lanes, "lumbar_spinal_cord", outliers="none", **choice)
    dropped = robustness.fit_human_specification(lanes, "lumbar_spinal_cord", outliers="drop", **choice)
    assert kept["n_units"] == 22 and dropped["n_units"] == 21
    clean = robustness.fit_human_specification(lanes.drop(index=row), "lumbar_spinal_cord", outliers="none", **choice)
    assert dropped["estimate"] == pytest.approx(clean["estimate"], rel=1e-12)


def test_mixed_model_on_a_balanced_design_gives_the_within_gel_difference():
    """Each gel holds both groups equally: the group contrast is orthogonal to the gels,
    so the GLS estimate is the difference of means and its SE the fixed-gel OLS SE."""
    rng = np.random.default_rng(3)
    gels, per_cell = 8, 3
    rows = [{"gel_id": f"G{g}", "sals": float(s), "y": gel_effect - 0.5 * s + rng.normal(0, 0.2)}
            for g, gel_effect in enumerate(rng.normal(0, 0.6, gels)) for s in (0, 1) for _ in range(per_cell)]
    data = pd.DataFrame(rows)
    effect = robustness.fit_mixed_term(data, "y ~ sals", "gel_id", "sals", 0.05, n_units=len(data))
    diff = data.loc[data["sals"] == 1, "y"].mean() - data.loc[data["sals"] == 0, "y"].mean()
    assert effect["estimate"] == pytest.approx(diff, rel=1e-6)
    import statsmodels.formula.api as smf

    ols = smf.ols("y ~ sals + C(gel_id)", data).fit()
    assert effect["se"] == pytest.approx(ols.bse["sals"], rel=1e-3)
    assert effect["note"] == ""


def test_mouse_curve_reproduces_the_primary_contrast(mouse_lanes):
    specs = robustness.mouse_blot_specification_curve(mouse_lanes, "spinal_cord", "SOD1_G85R_Sigmar1_KO", "end_stage",
                                                      reference="WT")
    assert len(specs) == 72 and specs["primary"].sum() == 1
    primary = specs[specs["primary"]].iloc[0]
    table = mouse_blots.fit_genotype_contrasts(blots.add_log_ratio(mouse_lanes), "spinal_cord")
    reference = table[(table["genotype"] == "SOD1_G85R_Sigmar1_KO") & (table["stage"] == "end_stage")].iloc[0]
    for column in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        assert primary[column] == pytest.approx(reference[column], rel=1e-10, abs=1e-14)
    assert primary["n_units"] == reference["n_mice"] == 10


def test_pla_curve_reproduces_the_primary_and_the_gee_of_the_pla_chapter(pla_cells):
    specs = robustness.pla_specification_curve(pla_cells, **PLA_CONTRAST)
    assert len(specs) == 16 and specs["primary"].sum() == 1

    def pick(table):
        return table[(table["genotype"] == "SOD1_G85R_Sigmar1_KO") & (table["stage"] == "end_stage")].iloc[0]

    primary = specs[specs["primary"]].iloc[0]
    reference = pick(pla.fit_mouse_level_contrasts(pla_cells, "spinal_cord"))
    for column in ("estimate", "se", "ci_low", "ci_high", "p_value"):
        assert primary[column] == pytest.approx(reference[column], rel=1e-10, abs=1e-14)
    gee = specs[(specs["model"] == "cell_gee") & (specs["outcome"] == "per_cell") & (specs["outliers"] == "none")
                & (specs["groups"] == "all")].iloc[0]
    gee_reference = pick(pla.fit_cell_level_contrasts(pla_cells, "spinal_cord"))
    assert gee["estimate"] == pytest.approx(gee_reference["estimate"], rel=1e-6)
    assert gee["se"] == pytest.approx(gee_reference["se"], rel=1e-6)


def test_specification_curve_figure_marks_every_option():
    import matplotlib.pyplot as plt

    from helpers.report import plots

    specs = robustness.specification_grid({"a": ["x", "y"], "b": ["u", "v", "w"]}).assign(
        estimate=np.linspace(-0.6, 0.1, 6), ci_low=np.linspace(-0.9, -0.2, 6), ci_high=np.linspace(-0.3, 0.4, 6),
        p_value=[0.01, 0.02, 0.03, 0.2, 0.5, 0.9], primary=[True] + [False] * 5)
    fig = plots.plot_specification_curve(specs, ["a", "b"], ylabel="ratio", title="t")
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert labels == ["a: x", "a: y", "b: u", "b: v", "b: w"]  # grid order, top to bottom
    assert any("SIMULATED" in t.get_text() for t in fig.texts)
    plt.close(fig)


# --------------------------------------------------------------------------- the chapter's levels and summaries


@pytest.fixture(scope="module")
def study():
    from helpers.data.study import study_of

    return study_of(DATA_DIR)


def test_featured_levels_are_the_study_picks_the_chapter_documents(study):
    levels = robustness.Featured.pick(study, {"human_blot", "mouse_blot", "pla_cells", "mam_fraction"})
    assert (levels.region, levels.group, levels.group_reference) == ("lumbar_spinal_cord", "sALS", "control")
    assert (levels.tissue, levels.genotype, levels.genotype_reference, levels.stage) == (
        "spinal_cord", "SOD1_G85R_Sigmar1_KO", "WT", "end_stage")


def test_featured_levels_keep_the_parameters_and_leave_absent_tables_out(study):
    levels = robustness.Featured.pick(study, {"mam_fraction"}, genotype="Sigmar1_KO", region="motor_cortex")
    assert levels == robustness.Featured(genotype="Sigmar1_KO", genotype_reference="WT")  # no tissue, stage, human


def test_featured_levels_refuse_the_reference_genotype(study):
    with pytest.raises(robustness.DesignError, match=r"mouse_blot: the genotype compared \(WT\) is the reference"):
        robustness.Featured.pick(study, {"mouse_blot"}, genotype="WT")


def test_fraction_levels_put_the_reference_first_and_fall_back_to_the_last_genotype(study):
    fraction = robustness.FractionLevels.pick(study, genotype="no_such_genotype")
    genotypes = study.levels("mam_fraction", "genotype")
    assert fraction.genotypes[0] == fraction.reference == "WT"
    assert sorted(fraction.genotypes) == sorted(genotypes) and fraction.genotype == genotypes[-1]
    assert fraction.protein == "pTBK1" and fraction.stresses == ("vehicle", "arsenite")


def test_curve_summary_reads_the_primary_and_the_range_as_ratios(human_specs):
    summary = robustness.curve_summary(human_specs, 0.05)
    primary = human_specs[human_specs["primary"]].iloc[0]
    assert summary["primary_ratio"] == pytest.approx(np.exp(primary["estimate"]))
    assert (summary["primary_low"], summary["primary_high"]) == pytest.approx(np.exp([primary["ci_low"], primary["ci_high"]]))
    assert summary["min_ratio"] == pytest.approx(np.exp(human_specs["estimate"].min()))
    assert summary["n_specs"] == len(human_specs) and summary["choices"] == "normalization, outliers, covariates, gel"


@pytest.mark.parametrize(("lows", "highs", "verdict"), [
    ([0.1, 0.2], [0.5, 0.6], "both intervals exclude 1"),
    ([-0.1, -0.2], [0.5, 0.6], "both intervals include 1"),
    ([-0.1, 0.2], [0.5, 0.6], "the fixed-gel interval includes 1 and the random-gel interval excludes 1: "
                              "the conclusion depends on this choice"),
])
def test_gel_verdict_says_whether_each_interval_excludes_one(lows, highs, verdict):
    assert robustness.gel_verdict(pd.DataFrame({"ci_low": lows, "ci_high": highs})) == verdict


def test_agreement_results_state_each_curve_in_the_ledgers_words():
    # a hand-made curve: 5 specifications of which the primary gives 0.5 (0.3 to 0.8) from 12 mice; of the 4 others,
    # 3 share its sign and 1 its verdict
    specs = pd.DataFrame({"gel": ["fixed", "random", "ignored", "a", "b"],
                          "estimate": np.log([0.5, 0.4, 0.9, 1.25, 0.8]), "ci_low": np.log([0.3, 0.2, 0.5, 1.0, 0.6]),
                          "ci_high": np.log([0.8, 0.9, 1.6, 1.5, 1.1]), "p_value": [0.01, 0.02, 0.7, 0.3, 0.2],
                          "n_units": 12, "note": "", "primary": [True, False, False, False, False]})
    agreement = pd.DataFrame.from_dict({"mouse": robustness.curve_summary(specs, 0.05)}, orient="index")
    table = robustness.agreement_results(agreement, {"mouse": ("KO/WT, cord", "mice")}, 0.05).set_index("key")
    names = ["primary_ratio", "n_specs", "min_ratio", "max_ratio", "share_sign", "share_significance"]
    assert list(table.index) == [f"mouse_{name}" for name in names]
    assert table["value"].tolist() == pytest.approx([0.5, 5, 0.4, 1.25, 75, 25])
    assert table.loc["mouse_primary_ratio", ["ci_low", "ci_high"]].tolist() == pytest.approx([0.3, 0.8])
    assert table["ci_low"].notna().sum() == 1
    assert table["n"].tolist() == [12, 5, 5, 5, 4, 4]
    assert table["n_unit"].tolist() == ["mice"] + ["specifications"] * 5
    assert table["unit"].tolist() == ["ratio", "specifications", "ratio", "ratio", "%", "%"]
    over = "specification curve over gel"
    assert table["method"].tolist() == ["primary specification", "count", over, over, over, f"{over}; alpha = 0.05"]
    assert table["digits"].tolist()[4:] == [0, 0] and table.loc["mouse_n_specs", "digits"] == 0
    assert table.loc["mouse_share_sign", "description"] == "other specifications with the primary's sign: KO/WT, cord"


def test_random_gel_results_give_the_random_gel_ratio_with_its_interval():
    specs = pd.DataFrame({"gel": ["fixed", "random"], "estimate": np.log([1.5, 2.0]), "ci_low": np.log([1.1, 1.2]),
                          "ci_high": np.log([2.0, 4.0]), "n_units": [16, 16]})
    row = robustness.random_gel_results(specs, "arsenite effect, KO over WT").iloc[0]
    assert row["key"] == "fraction_random_gel_ratio"
    assert [row["value"], row["ci_low"], row["ci_high"], row["n"]] == pytest.approx([2.0, 1.2, 4.0, 16])
    assert (row["n_unit"], row["unit"]) == ("samples", "ratio")
    assert row["description"] == "alternative specification: arsenite effect, KO over WT"
