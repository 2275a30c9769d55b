"""4PL dose-response fits: exact recovery on noise-free curves, culture-level inference, simulated truths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.data.generators.arsenite_cells import simulate
from helpers.data.truths import DOSE_RESPONSE
from helpers.data.validate import DataValidationError, load_table
from helpers.stats import dose_response as dr

DOSES = np.array(DOSE_RESPONSE.doses_um)


@pytest.mark.parametrize(
    ("top", "bottom", "ec50", "hill"),
    [(0.92, 0.06, 30.0, 1.8), (1.0, 0.35, 6.0, 1.2), (0.1, 0.9, 12.0, 2.5)],  # the last one rises
)
def test_four_pl_on_noise_free_data_returns_the_exact_parameters(top, bottom, ec50, hill):
    response = dr.four_pl(DOSES, top, bottom, np.log(ec50), hill)
    fit = dr.fit_four_pl(DOSES, response)
    assert fit.top == pytest.approx(top, abs=1e-7)
    assert fit.bottom == pytest.approx(bottom, abs=1e-7)
    assert fit.ec50 == pytest.approx(ec50, rel=1e-6)
    assert fit.hill == pytest.approx(hill, rel=1e-6)
    assert fit.rmse < 1e-8


def test_four_pl_has_its_textbook_values():
    assert dr.four_pl(0.0, 0.9, 0.1, np.log(5.0), 1.3) == pytest.approx(0.9)
    assert dr.four_pl(5.0, 0.9, 0.1, np.log(5.0), 1.3) == pytest.approx(0.5)
    assert dr.four_pl(1e9, 0.9, 0.1, np.log(5.0), 1.3) == pytest.approx(0.1, abs=1e-9)


def test_too_few_doses_raise():
    with pytest.raises(ValueError, match="at least five points"):
        dr.fit_four_pl([0, 1, 1, 1, 1], [1, 0.9, 0.8, 0.9, 0.8])


def test_ec50_summary_is_a_pooled_t_interval_across_cultures():
    per_unit = pd.DataFrame({"genotype": ["A"] * 3 + ["B"] * 4,
                             "log_ec50": [3.0, 3.2, 3.4, 2.0, 2.4, 2.2, 2.6]})
    out = dr.summarise_ec50(per_unit, reference="A", alpha=0.05).set_index("genotype")
    resid = per_unit["log_ec50"] - per_unit.groupby("genotype")["log_ec50"].transform("mean")
    s2 = (resid**2).sum() / (7 - 2)
    t = stats.t.ppf(0.975, 5)
    assert out.loc["A", "ec50"] == pytest.approx(np.exp(3.2))
    assert out.loc["A", "ec50_ci_low"] == pytest.approx(np.exp(3.2 - t * np.sqrt(s2 / 3)))
    assert out.loc["B", "ratio"] == pytest.approx(np.exp(2.3 - 3.2))
    assert out.loc["B", "ratio_ci_high"] == pytest.approx(np.exp(2.3 - 3.2 + t * np.sqrt(s2 * (1 / 3 + 1 / 4))))
    assert np.isnan(out.loc["A", "ratio"])


def test_culture_is_the_unit(fresh_data):
    cells = load_table("arsenite_cells", fresh_data)
    per_unit = dr.fit_per_unit(cells, "viability")
    assert len(per_unit) == cells["culture_id"].nunique() == 3 * DOSE_RESPONSE.cultures_per_genotype
    out = dr.summarise_ec50(per_unit, reference="WT")
    assert (out["df"] == len(per_unit) - 3).all()
    assert (out["n_units"] == DOSE_RESPONSE.cultures_per_genotype).all()


def test_log_ec50_recovers_the_simulated_truth(fresh_data):
    cells = load_table("arsenite_cells", fresh_data)
    out = dr.summarise_ec50(dr.fit_per_unit(cells, "viability"), reference="WT").set_index("genotype")
    for genotype in DOSE_RESPONSE.genotypes:
        assert abs(out.loc[genotype, "log_ec50"] - DOSE_RESPONSE.log_ec50(genotype)) < 3 * out.loc[genotype, "se"]
        if genotype != "WT":
            true_ratio = DOSE_RESPONSE.log_ec50(genotype) - DOSE_RESPONSE.log_ec50("WT")
            assert abs(out.loc[genotype, "log_ratio"] - true_ratio) < 3 * out.loc[genotype, "log_ratio_se"]


def test_ptbk1_ic50_recovers_the_simulated_truth(fresh_data):
    cells = load_table("arsenite_cells", fresh_data)
    out = dr.summarise_ec50(dr.fit_per_unit(cells, "ptbk1_ratio"), reference="WT")
    assert (np.abs(out["log_ec50"] - np.log(DOSE_RESPONSE.ptbk1_ic50_um)) < 3 * out["se"]).all()


def test_log_ec50_is_unbiased_over_seeds():
    """Over 30 seeds the mean WT log EC50 is within 3 Monte Carlo standard errors of the truth."""
    estimates = [dr.summarise_ec50(dr.fit_per_unit(simulate(s), "viability")).set_index("genotype").loc["WT", "log_ec50"]
                 for s in range(30)]
    se_mean = np.std(estimates, ddof=1) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - DOSE_RESPONSE.log_ec50("WT")) < 3 * se_mean


def test_schema_rejects_viability_above_one(data_copy):
    path = data_copy / "arsenite_cells.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("viability")] = "1.2"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError, match=r"arsenite_cells.csv, row 4, column 'viability': found '1.2'"):
        load_table("arsenite_cells", data_copy)
