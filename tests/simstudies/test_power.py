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
