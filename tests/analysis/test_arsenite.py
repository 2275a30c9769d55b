"""Motor slopes of the arsenite challenge: closed forms, agreement of the two analyses, simulated truths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.analysis import arsenite
from helpers.data.generators.arsenite_motor import simulate
from helpers.data.truths import ARSENITE
from helpers.data.validate import DataValidationError, load_table

#: The example study's reference genotype, control and stressor.
EXAMPLE = {"reference": "WT", "control": "vehicle", "stressor": "arsenite"}


def _truth(measure: str, contrasts: pd.DataFrame) -> np.ndarray:
    return np.array([
        ARSENITE.slope_effect(measure, g) if kind == "treatment_effect" else ARSENITE.slope_interaction(measure, g)
        for kind, g in zip(contrasts["contrast"], contrasts["genotype"], strict=True)
    ])


def _lines(slopes: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    """Noise-free straight lines, one per mouse, with the given slopes per (genotype, treatment)."""
    rows = []
    for (genotype, treatment), values in slopes.items():
        for i, slope in enumerate(values):
            for week in range(5):
                rows.append({"mouse_id": f"{genotype}-{treatment}-{i}", "genotype": genotype, "treatment": treatment,
                             "week": week, "y": 10.0 + i + slope * week})
    return pd.DataFrame(rows)


def test_summary_measures_on_straight_lines_give_the_difference_of_mean_slopes():
    lines = _lines({("WT", "vehicle"): [1.0, 2.0], ("WT", "arsenite"): [-1.0, -3.0],
                    ("KO", "vehicle"): [0.0, 1.0], ("KO", "arsenite"): [-4.0, -6.0]})
    slopes = arsenite.per_mouse_slopes(lines, "y")
    assert sorted(slopes["slope"].round(12)) == [-6.0, -4.0, -3.0, -1.0, 0.0, 1.0, 1.0, 2.0]
    out = arsenite.summary_measure_contrasts(lines, "y", **EXAMPLE).set_index(["contrast", "genotype"])["estimate"]
    assert out[("treatment_effect", "WT")] == pytest.approx(-2.0 - 1.5)
    assert out[("treatment_effect", "KO")] == pytest.approx(-5.0 - 0.5)
    assert out[("interaction", "KO")] == pytest.approx(-5.5 - -3.5)


def test_slope_contrasts_set_both_analyses_side_by_side_and_name_each_contrast():
    """Mean slopes per group 1.5, -0.5 (WT) and 1.5, -2.5 (KO): effects -2 and -4, interaction -2."""
    rows = [{"mouse_id": f"{g}-{t}-{i}", "genotype": g, "treatment": t, "week": w,
             "grip_g": 100.0 + i + (s + 0.5 * i) * w + 0.1 * (w in (1, 2))}  # the wiggle has no slope
            for g, t, s in [("WT", "vehicle", 1.0), ("WT", "arsenite", -1.0), ("KO", "vehicle", 1.0),
                            ("KO", "arsenite", -3.0)]
            for i in range(3) for w in range(4)]
    out = arsenite.slope_contrasts(pd.DataFrame(rows), "grip_g", **EXAMPLE)
    assert out[["contrast", "genotype"]].values.tolist() == [  # the reference genotype first
        ["treatment_effect", "WT"], ["treatment_effect", "KO"], ["interaction", "KO"]]
    expected = {("treatment_effect", "WT"): -2.0, ("treatment_effect", "KO"): -4.0, ("interaction", "KO"): -2.0}
    for row in out.itertuples():
        assert row.summary_estimate == pytest.approx(expected[(row.contrast, row.genotype)])
        assert row.estimate == pytest.approx(row.summary_estimate, abs=1e-6)  # balanced: the two agree
    words = dict(zip(out["contrast"], out["comparison"], strict=False))
    assert words == {"treatment_effect": "arsenite minus vehicle weekly slope",
                     "interaction": "arsenite slope effect minus WT's"}
    assert set(out["label"]) == {"treatment effect: WT", "treatment effect: KO", "interaction: KO"}
    assert "variance_components" in out.attrs


def test_intervals_are_t_based_with_between_mouse_degrees_of_freedom(fresh_data):
    motor = load_table("arsenite_motor", fresh_data)
    out = arsenite.mixed_model_contrasts(motor, "grip_g", alpha=0.1, **EXAMPLE)
    n_mice = motor["mouse_id"].nunique()
    assert (out["df"] == n_mice - 6).all()
    t = stats.t.ppf(0.95, n_mice - 6)
    assert np.allclose(out["ci_high"] - out["estimate"], t * out["se"])
    assert np.allclose(out["p_value"], 2 * stats.t.sf(np.abs(out["estimate"] / out["se"]), n_mice - 6))


@pytest.mark.parametrize("measure", list(arsenite.MEASURES))
def test_mixed_model_equals_summary_measures_in_a_balanced_design(measure, fresh_data):
    motor = load_table("arsenite_motor", fresh_data)
    mixed = arsenite.mixed_model_contrasts(motor, measure, **EXAMPLE)
    summary = arsenite.summary_measure_contrasts(motor, measure, **EXAMPLE)
    assert np.allclose(mixed["estimate"], summary["estimate"], atol=1e-8)
    # REML and the per-mouse slope variance agree when the slope variance is positive.
    assert np.allclose(mixed["se"], summary["se"], rtol=1e-3)
    assert not mixed.attrs["notes"]


@pytest.mark.parametrize("measure", list(arsenite.MEASURES))
def test_slope_contrasts_recover_the_simulated_truth(measure, fresh_data):
    motor = load_table("arsenite_motor", fresh_data)
    out = arsenite.mixed_model_contrasts(motor, measure, **EXAMPLE)
    z = (out["estimate"] - _truth(measure, out)) / out["se"]
    assert (z.abs() < 3).all(), out.assign(z=z)


def test_slope_effects_are_unbiased_over_seeds():
    """Over 40 seeds the mean estimate is within 3 Monte Carlo standard errors of each truth."""
    estimates = np.array([arsenite.summary_measure_contrasts(simulate(s), "rotarod_s", **EXAMPLE)["estimate"] for s in range(40)])
    contrasts = arsenite.summary_measure_contrasts(simulate(0), "rotarod_s", **EXAMPLE)
    se_mean = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    assert (np.abs(estimates.mean(axis=0) - _truth("rotarod_s", contrasts)) < 3 * se_mean).all()


def test_mixed_model_handles_missed_tests(fresh_data):
    """With some weeks missing (unbalanced), the mixed model still fits and recovers the truth."""
    motor = load_table("arsenite_motor", fresh_data)
    keep = np.random.default_rng(3).uniform(size=len(motor)) > 0.15
    out = arsenite.mixed_model_contrasts(motor[keep], "rotarod_s", **EXAMPLE)
    assert ((out["estimate"] - _truth("rotarod_s", out)).abs() < 3 * out["se"]).all()


def test_variance_components_recover_the_simulated_truth(fresh_data):
    motor = load_table("arsenite_motor", fresh_data)
    parts = arsenite.mixed_model_contrasts(motor, "rotarod_s", **EXAMPLE).attrs["variance_components"]
    n_obs = len(motor)
    # Residual SD: about sqrt(n) information, a 15% band is several SEs wide.
    assert parts["sd_residual"] == pytest.approx(ARSENITE.sd_residual["rotarod_s"], rel=0.15)
    assert parts["sd_slope"] == pytest.approx(ARSENITE.sd_slope["rotarod_s"], rel=0.6)
    assert n_obs == ARSENITE.mice_per_group * 6 * len(ARSENITE.weeks)


def test_unknown_measure_and_reference_raise(fresh_data):
    motor = load_table("arsenite_motor", fresh_data)
    with pytest.raises(ValueError, match="measure must be one of"):
        arsenite.mixed_model_contrasts(motor, "speed", **EXAMPLE)
    with pytest.raises(ValueError, match="needs genotype 'Sod1', but the table has none"):
        arsenite.summary_measure_contrasts(motor, "grip_g", reference="Sod1", control="vehicle", stressor="arsenite")


def test_schema_rejects_a_rotarod_time_beyond_the_cap_and_a_changing_genotype(data_copy):
    path = data_copy / "arsenite_motor.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[4].split(",")
    cells[header.index("rotarod_s")] = "350"
    lines[4] = ",".join(cells)
    cells = lines[6].split(",")
    cells[header.index("genotype")] = "Tbk1_het" if cells[header.index("genotype")] != "Tbk1_het" else "WT"
    lines[6] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError) as err:
        load_table("arsenite_motor", data_copy)
    message = str(err.value)
    assert "arsenite_motor.csv, row 5, column 'rotarod_s': found '350'; expected a finite number between 0 and 300" in message
    assert "row 7, column 'genotype'" in message and "the same genotype on every row" in message


def test_dose_results_interleave_ratios_after_their_ec50_then_list_the_ic50s_and_the_cultures():
    ec50 = pd.DataFrame({"genotype": ["WT", "KO"], "n_units": [4, 5], "ec50": [10.0, 5.0],
                         "ec50_ci_low": [8.0, 4.0], "ec50_ci_high": [12.0, 6.0],
                         "ratio": [np.nan, 0.5], "ratio_ci_low": [np.nan, 0.4], "ratio_ci_high": [np.nan, 0.6]})
    ic50 = ec50[["genotype", "n_units", "ec50", "ec50_ci_low", "ec50_ci_high"]].assign(ec50=[2.0, 3.0])
    table = arsenite.dose_results(ec50, ic50, "WT", n_cultures=9)
    assert list(table["key"]) == ["ec50_WT", "ec50_KO", "ec50_ratio_KO", "ptbk1_ic50_WT", "ptbk1_ic50_KO",
                                  "n_cultures"]
    assert list(table["value"]) == [10.0, 5.0, 0.5, 2.0, 3.0, 9]
    assert list(table["n"]) == [4, 5, 9, 4, 5, 9]
    assert table.loc[2, ["ci_low", "ci_high"]].tolist() == [0.4, 0.6]
    assert table.loc[2, "description"] == "viability EC50 KO / WT" and np.isnan(table.loc[2, "digits"])
    assert table.loc[5, ["unit", "digits", "method", "description"]].tolist() == [
        "cultures", 0, "count", "cultures in the dose-series table"]
    assert table.loc[5, ["ci_low", "ci_high"]].isna().all()
    assert (table["n_unit"] == "cultures").all() and (table["method"][:5] == arsenite.EC50_METHOD).all()
    only_wt = arsenite.dose_results(ec50.iloc[:1], ic50.iloc[:0], "WT", n_cultures=4)
    assert only_wt["key"].tolist() == ["ec50_WT", "n_cultures"]


def test_slope_results_list_the_contrasts_then_the_mice_then_the_largest_method_difference():
    contrasts = pd.DataFrame({
        "contrast": ["treatment_effect", "treatment_effect", "interaction"], "genotype": ["WT", "KO", "KO"],
        "estimate": [-1.0, -3.0, -2.0], "ci_low": [-2.0, -4.5, -4.0], "ci_high": [0.0, -1.5, 0.0],
        "summary_estimate": [-1.0005, -2.998, -2.0], "comparison": ["drug minus vehicle weekly slope"] * 2
        + ["drug slope effect minus WT's"]})
    table = arsenite.slope_results(contrasts, n_mice=36, label="Grip strength", unit="g")
    assert table["key"].tolist() == ["slope_treatment_effect_WT", "slope_treatment_effect_KO", "slope_interaction_KO",
                                     "n_mice", "method_difference"]
    np.testing.assert_allclose(table["value"], [-1.0, -3.0, -2.0, 36, 0.002])
    assert table.loc[1, ["ci_low", "ci_high"]].tolist() == [-4.5, -1.5] and table.loc[3:, "ci_low"].isna().all()
    assert (table["n"] == 36).all() and (table["n_unit"] == "mice").all()
    assert table["unit"].tolist() == ["g/week"] * 3 + ["mice", "g/week"]
    assert table.loc[2, "description"] == "Grip strength: drug slope effect minus WT's, KO"
    assert table.loc[:2, "method"].eq(arsenite.SLOPE_METHOD).all() and table.loc[3, "method"] == "count"
    assert table["digits"].tolist()[3:] == [0, 6] and table.loc[:2, "digits"].isna().all()
