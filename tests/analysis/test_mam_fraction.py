"""MAM-fraction table and enrichment models: analytic answers, simulated truths, schema."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.analysis import mam_fraction
from helpers.core.paths import DATA_DIR
from helpers.data import truths
from helpers.data.generators.mam_fraction import simulate
from helpers.data.study import example_study
from helpers.data.tables.mam_fraction import SPEC
from helpers.data.truths import MAM_FRACTION
from helpers.data.validate import DataValidationError, load_table

EXAMPLE = mam_fraction.FractionDesign.of(example_study())
STRESSES = EXAMPLE.stresses
FRACTIONS = (EXAMPLE.mam, EXAMPLE.reference)
RECRUITED_PROTEINS = EXAMPLE.recruited


def _enrichment(lanes):
    return mam_fraction.mam_enrichment(lanes, *FRACTIONS)


def _constructed(values: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    """Enrichment rows with given log enrichments per (genotype, stress), one gel."""
    rows = []
    for (g, s), logs in values.items():
        for i, v in enumerate(logs):
            rows.append({"sample_id": f"{g}{s}{i}", "genotype": g, "stress": s, "protein": "TBK1",
                         "log_enrichment": v, "gel_id": "G1"})
    return pd.DataFrame(rows)


def test_log_signal_and_enrichment_cancel_loading_and_gel():
    lanes = pd.DataFrame({
        "sample_id": "S1", "genotype": "WT", "stress": "vehicle", "protein": "TBK1", "gel_id": "G1",
        "fraction": ["homogenate", "MAM"], "signal": [100.0, 600.0], "total_protein": [50.0, 100.0],
    })
    enrichment = _enrichment(lanes)
    assert enrichment["log_enrichment"].iloc[0] == pytest.approx(np.log((600 / 100) / (100 / 50)))
    lanes.loc[1, "gel_id"] = "G2"
    with pytest.raises(ValueError, match="share a gel"):
        _enrichment(lanes)


def test_shares_sum_to_one_per_sample_and_protein(fresh_data):
    shares = mam_fraction.fraction_shares(load_table("mam_fraction", fresh_data), MAM_FRACTION.fractions,
                                         ("WT", "vehicle"))
    sums = shares.groupby(["sample_id", "protein"])["share"].sum()
    assert np.allclose(sums, 1.0)
    assert len(shares) == len(MAM_FRACTION.genotypes) * 2 * MAM_FRACTION.samples_per_group * 5 * 6


def test_model_without_gels_reproduces_group_means_and_pooled_t_interval():
    rng = np.random.default_rng(3)
    genotypes = ("WT", "Sigmar1_KO")
    values = {(g, s): list(rng.normal(0.5, 0.2, 4)) for g in genotypes for s in ("vehicle", "arsenite")}
    result = mam_fraction.fit_enrichment_model(_constructed(values), "TBK1", genotypes, STRESSES)
    assert not result["gel_adjusted"].any()
    means = {k: np.mean(v) for k, v in values.items()}
    stress_wt = result[(result["kind"] == "stress_effect") & (result["genotype"] == "WT")].iloc[0]
    assert stress_wt["estimate"] == pytest.approx(means[("WT", "arsenite")] - means[("WT", "vehicle")])
    pooled_var = np.mean([np.var(v, ddof=1) for v in values.values()])
    assert stress_wt["se"] == pytest.approx(np.sqrt(pooled_var * (2 / 4)))
    t = stats.t.ppf(0.975, 16 - 4)
    assert stress_wt["ci_high"] == pytest.approx(stress_wt["estimate"] + t * stress_wt["se"])
    inter = result[result["kind"] == "interaction"].iloc[0]
    expected = (means[("Sigmar1_KO", "arsenite")] - means[("Sigmar1_KO", "vehicle")]) - (
        means[("WT", "arsenite")] - means[("WT", "vehicle")])
    assert inter["estimate"] == pytest.approx(expected)
    assert inter["ratio"] == pytest.approx(np.exp(expected))


def test_missing_group_raises():
    values = {("WT", "vehicle"): [0.1, 0.2], ("WT", "arsenite"): [0.3, 0.4]}
    with pytest.raises(ValueError, match="no samples"):
        mam_fraction.fit_enrichment_model(_constructed(values), "TBK1", ("WT", "Sigmar1_KO"), STRESSES)


def test_enrichment_contrasts_recover_the_truth_on_the_example_data(fresh_data):
    """Every stress effect and interaction within a Bonferroni t band (family-wise 1%) of its true value."""
    enrichment = _enrichment(load_table("mam_fraction", fresh_data))
    result = pd.concat([mam_fraction.fit_enrichment_model(enrichment, p, MAM_FRACTION.genotypes, STRESSES)
                        for p in MAM_FRACTION.proteins])
    result = result[result["kind"] != "level"].reset_index(drop=True)
    result["truth"] = truths.true_enrichment_values(result, MAM_FRACTION)
    assert result["gel_adjusted"].all()
    limit = stats.t.ppf(1 - 0.01 / (2 * len(result)), result["df_resid"].iloc[0])
    z = (result["estimate"] - result["truth"]) / result["se"]
    assert (z.abs() < limit).all(), result.assign(z=z)[z.abs() >= limit]


def test_stress_effect_and_interaction_unbiased_over_seeds():
    """Mean over 20 datasets within 3 Monte Carlo SEs of the truth (pTBK1, WT and double mutant)."""
    wt, inter = [], []
    for seed in range(20):
        res = mam_fraction.fit_enrichment_model(_enrichment(simulate(seed)), "pTBK1", MAM_FRACTION.genotypes,
                                                STRESSES)
        wt.append(res[(res["kind"] == "stress_effect") & (res["genotype"] == "WT")]["estimate"].iloc[0])
        inter.append(res[(res["kind"] == "interaction") & (res["genotype"] == "SOD1_G85R_Sigmar1_KO")]["estimate"].iloc[0])
    for values, truth in ((wt, MAM_FRACTION.stress_effect("pTBK1", "WT")),
                          (inter, MAM_FRACTION.interaction("pTBK1", "SOD1_G85R_Sigmar1_KO"))):
        assert abs(np.mean(values) - truth) < 3 * np.std(values, ddof=1) / np.sqrt(len(values))


def test_truths_follow_the_mechanism():
    for protein in RECRUITED_PROTEINS:
        assert MAM_FRACTION.stress_effect(protein, "WT") > 0
        for genotype in MAM_FRACTION.genotypes[1:]:
            assert MAM_FRACTION.interaction(protein, genotype) < 0  # recruitment blunted
    assert MAM_FRACTION.log_enrichment("Sig1R", "Sigmar1_KO", "vehicle") == 0.0


def test_sig1r_knockout_is_a_flat_positive_background():
    table = simulate(11)
    ko = table[(table["protein"] == "Sig1R") & table["genotype"].str.contains("Sigmar1_KO")]
    wt = table[(table["protein"] == "Sig1R") & (table["genotype"] == "WT")]
    assert (table["signal"] > 0).all()
    assert ko["signal"].median() < 0.1 * wt["signal"].median()
    enrichment = _enrichment(ko)
    assert abs(enrichment["log_enrichment"].mean()) < 0.1


def test_simulation_is_deterministic_and_matches_the_spec():
    a, b = simulate(5), simulate(5)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == SPEC.column_names
    assert not a.duplicated(list(SPEC.key)).any()



@pytest.mark.parametrize(
    ("row", "column", "value", "expected"),
    [
        (4, "signal", "-3", "greater than 0"),
        (5, "total_protein", "0", "greater than 0"),
        (6, "fraction", "nucleus", "one of homogenate"),
        (7, "protein", "GAPDH", "one of TBK1"),
        (8, "stress", "rotenone", "one of vehicle, arsenite"),
    ],
)
def test_schema_rejects_bad_values(data_copy, row, column, value, expected, edit_cell):
    path = data_copy / "mam_fraction.csv"
    edit_cell(path, row, column, value)
    with pytest.raises(DataValidationError) as err:
        load_table("mam_fraction", data_copy)
    assert f"mam_fraction.csv, row {row}, column '{column}'" in str(err.value)
    assert expected in str(err.value)


def test_schema_rejects_duplicate_lane_and_inconsistent_sample(data_copy, edit_cell):
    path = data_copy / "mam_fraction.csv"
    lines = path.read_text().splitlines()
    lines.append(lines[1])
    path.write_text("\n".join(lines) + "\n")
    edit_cell(path, 3, "genotype", "Sigmar1_KO" if "WT" in lines[2] else "WT")
    with pytest.raises(DataValidationError) as err:
        load_table("mam_fraction", data_copy)
    message = str(err.value)
    assert "unique sample_id + fraction + protein" in message
    assert "the same genotype on every row of sample_id" in message


# ---- the gel as a random intercept ------------------------------------------------------------------
def test_random_gel_interactions_match_an_independent_kenward_roger_refit():
    """The shipped data as refitted with R's lmerTest (issue 13): Kenward-Roger 0.770 [0.521, 1.140] and
    0.671 [0.442, 1.020]; with the gel fixed 0.650 [0.430, 0.984] and 0.575 [0.364, 0.907] on 17 df."""
    enrichment = _enrichment(load_table("mam_fraction", DATA_DIR))
    table = mam_fraction.fit_enrichment_model(enrichment, "pTBK1", tuple(MAM_FRACTION.genotypes), STRESSES, gel="random")
    inter = table[table["kind"] == "interaction"].set_index("genotype")
    for genotype, expected in (("SOD1_G85R", (0.770, 0.521, 1.140)), ("SOD1_G85R_Sigmar1_KO", (0.671, 0.442, 1.020))):
        got = inter.loc[genotype, ["ratio", "ratio_ci_low", "ratio_ci_high"]].to_numpy(float)
        np.testing.assert_allclose(got, expected, atol=6e-4)
    assert (table["gel_model"] == "random").all()
    fixed = mam_fraction.fit_enrichment_model(enrichment, "pTBK1", tuple(MAM_FRACTION.genotypes), STRESSES, gel="fixed")
    fixed_inter = fixed[fixed["kind"] == "interaction"].set_index("genotype")
    for genotype, expected in (("SOD1_G85R", (0.650, 0.430, 0.984)), ("SOD1_G85R_Sigmar1_KO", (0.575, 0.364, 0.907))):
        got = fixed_inter.loc[genotype, ["ratio", "ratio_ci_low", "ratio_ci_high"]].to_numpy(float)
        np.testing.assert_allclose(got, expected, atol=6e-4)
    assert (fixed["df_resid"] == 17).all()


def test_unknown_gel_model_is_refused():
    enrichment = _enrichment(load_table("mam_fraction", DATA_DIR))
    with pytest.raises(ValueError, match="gel must be one of"):
        mam_fraction.fit_enrichment_model(enrichment, "pTBK1", tuple(MAM_FRACTION.genotypes), STRESSES, gel="mixed")


HAND_MADE = mam_fraction.FractionDesign(("lysate", "MAM", "cytosol"), "MAM", "lysate", ("Sig1R", "pTBK1", "p62"),
                                        markers=("Sig1R",), recruited=("pTBK1", "p62"), genotypes=("WT", "KO"),
                                        stresses=("vehicle", "arsenite"))


def _estimate_rows(protein, ratios):
    """Rows like fit_enrichment_model's: (kind, genotype, stress, ratio), interval ratio/2 to 2 ratio, 8 samples."""
    return pd.DataFrame([{"protein": protein, "kind": kind, "genotype": g, "stress": s, "ratio": r,
                          "ratio_ci_low": r / 2, "ratio_ci_high": 2 * r, "n_units": 8} for kind, g, s, r in ratios])


def _hand_made_estimates():
    def rows(protein, scale):
        return _estimate_rows(protein, [("level", "WT", "vehicle", 3 * scale), ("level", "KO", "vehicle", 2 * scale),
                                        ("stress_effect", "WT", "arsenite", 4 * scale),
                                        ("stress_effect", "KO", "arsenite", 1.5 * scale),
                                        ("interaction", "KO", "arsenite", 0.375)])
    return pd.concat([rows("Sig1R", 1), rows("pTBK1", 10), rows("p62", 100)], ignore_index=True)


def test_enrichment_results_state_the_featured_protein_and_each_recruited_one():
    table = mam_fraction.enrichment_results(_hand_made_estimates(), HAND_MADE, "pTBK1", "arsenite", ["p62", "pTBK1"])
    table = table.set_index("key")
    assert list(table.index) == ["reference_enrichment", "stress_WT", "stress_KO", "interaction_KO",
                                 "reference_stress_p62", "reference_stress_pTBK1"]  # in the order of `reported`
    assert table["value"].tolist() == pytest.approx([30, 40, 15, 0.375, 400, 40])
    assert table["ci_high"].tolist() == pytest.approx(2 * table["value"]) and (table["n"] == 8).all()
    assert set(table["n_unit"]) == {"samples"} and set(table["unit"]) == {"ratio"}
    assert set(table["method"]) == {HAND_MADE.method("fixed")}
    assert table["description"].tolist() == [
        "MAM/lysate of pTBK1, WT vehicle", "arsenite/vehicle MAM enrichment of pTBK1, WT",
        "arsenite/vehicle MAM enrichment of pTBK1, KO", "arsenite effect on MAM enrichment of pTBK1, KO over WT",
        "arsenite/vehicle MAM enrichment of p62 in WT", "arsenite/vehicle MAM enrichment of pTBK1 in WT"]


def test_gel_model_results_count_the_intervals_that_exclude_one_per_model():
    interactions = pd.concat([
        _estimate_rows("pTBK1", [("interaction", "KO", "arsenite", 0.4), ("interaction", "HET", "arsenite", 0.9)])
        .assign(gel_model=model, ratio_ci_high=highs) for model, highs in (("fixed", [0.8, 1.2]), ("random", [1.1, 1.3]))
    ])
    lanes = pd.DataFrame({"sample_id": ["s1", "s1", "s2", "s3", "s3"]})
    fractions = replace(HAND_MADE, genotypes=("WT", "KO", "HET"))
    table = mam_fraction.gel_model_results(interactions, lanes, fractions, "pTBK1", "arsenite").set_index("key")
    assert list(table.index) == ["interaction_random_gel_KO", "interaction_random_gel_HET",
                                 "n_interactions_excluding_1_fixed_gel", "n_interactions_excluding_1_random_gel",
                                 "n_samples"]
    assert table["value"].tolist() == pytest.approx([0.4, 0.9, 1, 0, 3])
    assert table.loc["interaction_random_gel_KO", ["ci_low", "ci_high"]].tolist() == pytest.approx([0.2, 1.1])
    assert table["n"].tolist() == [8, 8, 2, 2, 3]
    assert table["method"].tolist() == [HAND_MADE.method("random")] * 2 + [HAND_MADE.method(m) for m in
                                                                           ("fixed", "random")] + ["count"]
    assert table.loc["interaction_random_gel_HET", "description"] == (
        "arsenite effect on MAM enrichment of pTBK1, HET over WT (random gel)")
    assert table.loc["n_interactions_excluding_1_random_gel", "description"] == (
        "interaction intervals of pTBK1 that exclude 1, gel random")
    one_genotype = replace(HAND_MADE, genotypes=("WT",))
    assert mam_fraction.gel_model_results(interactions.iloc[:0], lanes, one_genotype, "pTBK1",
                                          "arsenite")["key"].tolist() == ["n_samples"]
