"""Simulation-based power: agreement with exact power, monotonicity, and recovery of variance components."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.simstudies import power


@pytest.mark.parametrize(("effect", "sd", "n"), [(0.6, 0.3, 4), (0.45, 0.3, 8), (0.2, 0.25, 12), (0.0, 0.3, 6)])
def test_simulated_ttest_power_matches_statsmodels_within_monte_carlo_error(effect, sd, n):
    n_sims = 20_000
    sim = power.simulate_ttest_power(effect, sd, n, n_sims=n_sims, alpha=0.05, rng=np.random.default_rng(3))
    exact = power.analytic_ttest_power(effect, sd, n, 0.05)
    assert abs(sim - exact) < 4 * math.sqrt(exact * (1 - exact) / n_sims)


def test_power_of_a_null_effect_is_the_level():
    assert power.analytic_ttest_power(0.0, 1.0, 10, 0.05) == pytest.approx(0.05)


def test_required_n_matches_the_textbook_value_and_falls_with_effect_size():
    # Cohen's d = 0.5 needs 64 per group for 80% power at alpha 0.05 (two-sided).
    assert power.required_n(lambda n: power.analytic_ttest_power(0.5, 1.0, n, 0.05)) == 64
    needed = [power.required_n(lambda n, e=e: power.analytic_ttest_power(e, 0.3, n, 0.05))
              for e in (0.15, 0.2, 0.3, 0.45, 0.6)]
    assert all(a >= b for a, b in zip(needed, needed[1:], strict=False)) and needed[0] > needed[-1]


def test_required_n_is_none_when_out_of_reach():
    assert power.required_n(lambda n: 0.1, n_max=50) is None
    assert power.refine_required_n(lambda n: 0.1, start=10, n_max=50) is None


def test_simulation_refined_n_is_close_to_the_exact_n():
    exact = power.required_n(lambda n: power.analytic_ttest_power(0.3, 0.25, n, 0.05))
    rng = np.random.default_rng(8)
    refined = power.refine_required_n(
        lambda n: power.simulate_ttest_power(0.3, 0.25, n, n_sims=4000, alpha=0.05, rng=rng), start=exact + 5)
    # Near 80% power one more unit per group adds about 4 points of power; the MC SE is 0.6 points.
    assert abs(refined - exact) <= 1


def test_residual_sd_round_trip():
    assert power.residual_sd_from_effect(0.3 * math.sqrt(1 / 10 + 1 / 12), 10, 12) == pytest.approx(0.3)


def _simulated_cells(comp, mice_per_group, cells_per_section, effect, rng):
    rows = []
    for g, shift in (("WT", 0.0), ("KO", effect)):
        for m in range(mice_per_group):
            mouse = comp.log_rate + shift + rng.normal(0, comp.sd_mouse)
            for s in range(comp.sections):
                rate = np.exp(mouse + rng.normal(0, comp.sd_section))
                shape = 1 / comp.cell_cv2
                counts = rng.poisson(rate * rng.gamma(shape, 1 / shape, cells_per_section))
                rows += [{"genotype": g, "stage": "onset", "mouse_id": f"{g}{m}", "section_id": f"{g}{m}-{s}",
                          "puncta": int(c)} for c in counts]
    return pd.DataFrame(rows)


def test_pla_components_are_recovered_from_simulated_cells():
    truth = power.PlaComponents(log_rate=math.log(12.0), sd_mouse=0.15, sd_section=0.12, cell_cv2=0.25, sections=3)
    est = power.estimate_pla_components(_simulated_cells(truth, 80, 20, -0.3, np.random.default_rng(5)))
    # 160 mice, 480 sections, 9600 cells: the SEs are about 0.012 (sd_mouse), 0.008
    # (sd_section) and 0.01 (cell_cv2); tolerances are about 3.5 SE.
    assert est.sd_mouse == pytest.approx(truth.sd_mouse, abs=0.045)
    assert est.sd_section == pytest.approx(truth.sd_section, abs=0.03)
    assert est.cell_cv2 == pytest.approx(truth.cell_cv2, abs=0.035)
    assert est.sections == 3
    # Mean over both groups: half the effect below the control log rate.
    assert est.log_rate == pytest.approx(truth.log_rate - 0.15, abs=0.06)


def test_pla_components_of_the_book_table_match_the_generator_truths():
    from helpers.data.generators.pla_cells import simulate
    from helpers.data.truths import MOUSE_COHORT, PLA

    parts = []
    for seed in range(4):  # 240 mice, so that sd_mouse has an SE of about 0.02
        c = simulate(seed)
        c = c[(c.tissue == "spinal_cord") & (c.tether_pair == "VAPB_PTPIP51") & (c.cell_type == "motor_neuron")]
        parts.append(c.assign(mouse_id=f"s{seed}-" + c.mouse_id, section_id=f"s{seed}-" + c.section_id))
    est = power.estimate_pla_components(pd.concat(parts))
    # Cell-level CV^2 = gamma (1/shape) plus the area spread exp(sd_log_area^2) - 1 (area scales the rate).
    cv2 = (1 + 1 / PLA.cell_gamma_shape) * math.exp(PLA.sd_log_area**2) - 1
    assert est.cell_cv2 == pytest.approx(cv2, abs=0.04)
    assert est.sd_section == pytest.approx(PLA.sd_section, abs=0.04)
    assert est.sd_mouse == pytest.approx(MOUSE_COHORT.sd_mouse_mam, abs=0.07)
    assert est.sections == PLA.sections


def test_pla_simulated_power_agrees_with_the_delta_method_approximation():
    comp = power.PlaComponents(log_rate=math.log(12.0), sd_mouse=0.12, sd_section=0.15, cell_cv2=0.3, sections=3)
    n_sims = 4000
    for mice, cells in ((4, 21), (6, 60)):
        sim = power.simulate_pla_power(comp, -0.3, mice, cells, n_sims=n_sims, alpha=0.05,
                                       rng=np.random.default_rng(mice))
        approx = power.approximate_pla_power(comp, -0.3, mice, cells, 0.05)
        assert abs(sim - approx) < 4 * math.sqrt(approx * (1 - approx) / n_sims) + 0.02


@pytest.mark.parametrize("cell_cv2", [0.0, 0.3])
def test_simulated_mouse_means_have_the_exact_negative_binomial_moments(cell_cv2):
    # No mouse or section spread: a mouse's mean of N gamma-Poisson cells has mean r and
    # variance (r + cv2 r^2) / N, whether the cells are drawn one by one or per section.
    rate, sections, cells = 12.0, 3, 300
    comp = power.PlaComponents(log_rate=math.log(rate), sd_mouse=0.0, sd_section=0.0, cell_cv2=cell_cv2,
                               sections=sections)
    control, _ = power.simulate_pla_mouse_means(comp, 0.0, 50, cells, 2000, np.random.default_rng(4))
    means = np.exp(control).ravel()  # 100,000 mice
    variance = (rate + cell_cv2 * rate**2) / cells
    assert means.mean() == pytest.approx(rate, abs=4 * math.sqrt(variance / means.size))
    assert means.var() == pytest.approx(variance, rel=0.03)


def test_a_design_with_a_screen_of_cells_per_mouse_costs_no_more_than_a_small_one():
    import time

    comp = power.PlaComponents(log_rate=math.log(12.0), sd_mouse=0.1, sd_section=0.1, cell_cv2=0.3, sections=3)
    start = time.perf_counter()
    power.simulate_pla_power(comp, -0.3, 8, 300_000, n_sims=400, alpha=0.05, rng=np.random.default_rng(1))
    assert time.perf_counter() - start < 2.0  # one draw per section, not per cell


def test_more_cells_cannot_beat_the_between_mouse_variance():
    comp = power.PlaComponents(log_rate=math.log(12.0), sd_mouse=0.2, sd_section=0.0, cell_cv2=0.3, sections=1)
    ceiling = power.analytic_ttest_power(-0.3, 0.2, 4, 0.05)  # infinitely many cells per mouse
    assert power.approximate_pla_power(comp, -0.3, 4, 10_000, 0.05) == pytest.approx(ceiling, abs=0.005)
    assert power.approximate_pla_power(comp, -0.3, 4, 20, 0.05) < ceiling


def test_pla_grid_has_one_row_per_scenario_and_design():
    comp = power.PlaComponents(log_rate=math.log(12.0), sd_mouse=0.1, sd_section=0.1, cell_cv2=0.3, sections=3)
    grid = power.pla_power_grid(comp, {"observed": -0.4, "half": -0.2}, [3, 5], [12, 30], n_sims=50,
                                alpha=0.05, seed=1)
    assert len(grid) == 8 and grid["power_sim"].between(0, 1).all()


def test_required_mice_for_pla_reach_the_target_in_simulation_and_fall_with_effect_size():
    comp = power.PlaComponents(log_rate=math.log(10.0), sd_mouse=0.1, sd_section=0.2, cell_cv2=0.3, sections=3)
    big = power.required_mice_pla(comp, -0.4, 22, target=0.8, alpha=0.05, n_sims=800, seed=1)
    small = power.required_mice_pla(comp, -0.2, 22, target=0.8, alpha=0.05, n_sims=800, seed=1)
    assert big["simulated_power"] >= 0.8 and small["simulated_power"] >= 0.8
    assert abs(big["mice_per_group"] - big["mice_approx"]) <= 3
    assert small["mice_per_group"] > 2 * big["mice_per_group"]
    with pytest.raises(ValueError, match="needs more than"):
        power.required_mice_pla(comp, -0.01, 22, target=0.8, alpha=0.05, n_sims=100, seed=1, n_max=50)


def test_binomial_check_gives_the_exact_two_sided_binomial_p_of_each_point():
    curves = pd.DataFrame({"power_sim": [0.5, 0.9, 1.0], "power_exact": [0.5, 0.5, 1.0000000001]}, index=[4, 7, 9])
    check = power.binomial_check(curves, 10)
    assert check.index.tolist() == [4, 7, 9]
    # 9 of 10 against 1/2: P(X >= 9) + P(X <= 1) = 2 * 11 / 1024; an exact power a rounding above 1 is 1
    assert check.tolist() == [pytest.approx(1.0), pytest.approx(22 / 1024), pytest.approx(1.0)]


def test_pla_input_results_state_the_effect_the_components_and_the_cells_on_the_mice():
    observed = pd.Series({"estimate": -0.3, "ci_low": -0.5, "ci_high": -0.1, "n_mice": 10})
    table = power.pla_input_results(observed, power.PlaComponents(1.0, 0.1, 0.2, 0.25, 3), 22, "KO", "WT")
    assert table.columns.tolist() == power.RESULT_COLUMNS
    assert table[["key", "value", "unit", "digits"]].values.tolist() == [
        ["pla_observed", -0.3, "log rate ratio", 2], ["pla_sd_mouse", 0.1, "log scale", 3],
        ["pla_sd_section", 0.2, "log scale", 3], ["pla_cell_cv", 0.5, "CV", 2], ["book_cells", 22, "cells", 0]]
    assert table[["ci_low", "ci_high"]].iloc[0].tolist() == [-0.5, -0.1] and table["ci_low"].iloc[1:].isna().all()
    assert set(table["n"]) == {10} and set(table["n_unit"]) == {"mice"}
    assert table["method"].tolist() == ["OLS of log mean puncta per mouse"] + ["method of moments"] * 3 + ["count"]
    assert table["description"].iloc[0] == "observed PLA effect, KO vs WT"


def test_pla_needed_results_give_three_rows_per_design_reached_and_none_out_of_reach():
    needed = pd.DataFrame({"tag": ["obs_book", "small_book", "obs_80"], "scenario": ["observed effect", "0.5 x", "o"],
                           "cells_per_mouse": [22, 22, 80], "mice_per_group": [12, np.nan, 9],
                           "simulated_power": [0.81, np.nan, 0.8025], "mice_approx": [11, np.nan, 9]})
    table = power.pla_needed_results(needed, n_mice=10, experiments=800, target=0.9)
    assert table[["key", "value", "n", "n_unit", "unit"]].values.tolist() == [
        ["pla_mice_obs_book", 12, 800, "simulated experiments", "mice per group"],
        ["pla_check_obs_book", pytest.approx(81.0), 800, "simulated experiments", "%"],
        ["pla_approx_obs_book", 11, 10, "mice", "mice per group"],
        ["pla_mice_obs_80", 9, 800, "simulated experiments", "mice per group"],
        ["pla_check_obs_80", pytest.approx(80.25), 800, "simulated experiments", "%"],
        ["pla_approx_obs_80", 9, 10, "mice", "mice per group"]]
    assert table["description"].tolist()[:3] == ["mice per group for 90% power, observed effect, 22 cells",
                                                 "simulated power at that size (800 experiments)",
                                                 "delta-method answer, for comparison"]
    assert table["method"].tolist()[:3] == [
        "simulated mouse-level t-test, 800 experiments per size, searched from the delta-method n"] * 2 + [
        power.DELTA_METHOD]
    assert set(table["digits"]) == {0}


def test_blot_results_give_each_contrast_its_effect_sd_and_units_reached_on_its_own_units():
    inputs = pd.DataFrame({"kind": ["mouse", "human"], "contrast": ["mouse KO vs WT", "human ALS vs control"],
                           "observed": [-0.28, -0.71], "unit_sd": [0.2, 0.37], "units_now": [10, 22]})
    needed = pd.DataFrame({"contrast": ["mouse KO vs WT"] * 2 + ["human ALS vs control"] * 2,
                           "scenario": ["observed effect", "0.5 x observed"] * 2, "tag": ["obs", "small"] * 2,
                           "units_per_group": [10, np.nan, 6, 19]})
    table = power.blot_results(inputs, needed, target=0.8)
    assert table[["key", "value", "n", "n_unit", "digits"]].values.tolist() == [
        ["mouse_blot_observed", -0.28, 10, "mice", 2], ["mouse_blot_sd", 0.2, 10, "mice", 3],
        ["mouse_blot_n_obs", 10, 10, "mice", 0],  # the smaller effect is out of reach: no row
        ["human_blot_observed", -0.71, 22, "donors", 2], ["human_blot_sd", 0.37, 22, "donors", 3],
        ["human_blot_n_obs", 6, 22, "donors", 0], ["human_blot_n_small", 19, 22, "donors", 0]]
    assert table["description"].tolist()[5:] == ["units per group for 80% power, observed effect",
                                                 "units per group for 80% power, 0.5 x observed"]
    assert table["method"].tolist()[3:] == ["book model", "se / sqrt(1/n1 + 1/n2)"] + [power.EXACT_N_METHOD] * 2
    assert table["description"].iloc[1] == "unit-level residual SD, mouse KO vs WT"


def test_binomial_check_results_count_the_points_and_the_chance_of_their_smallest_p():
    table = power.binomial_check_results(pd.Series([0.5, 0.1, 0.8, 0.3]), 200)
    assert table[["key", "n", "n_unit", "unit"]].values.tolist() == [
        ["blot_points", 4, "design points", "design points"],
        ["blot_min_binomial_p", 200, "simulated experiments per point", "p"],
        ["blot_min_p_chance", 4, "design points", "%"]]
    assert table["value"].tolist() == [4, pytest.approx(0.1), pytest.approx(100 * (1 - 0.9**4))]  # 34.39%
    assert table["method"].tolist() == ["count", power.BINOMIAL_CHECK_METHOD, "1 - (1 - smallest p)^points"]
