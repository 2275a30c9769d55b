"""The simulated populations: seeded streams, the cohort's design, gel labels, band arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data.cohorts import assign_gels, rng_for, simulate_bands, simulate_mouse_cohort
from helpers.data.truths import MOUSE_COHORT


def test_streams_depend_on_seed_and_name_only():
    assert rng_for(5, "a").normal() == rng_for(5, "a").normal()
    assert rng_for(5, "a").normal() != rng_for(6, "a").normal()
    assert rng_for(5, "a").normal() != rng_for(5, "b").normal()


def test_cohort_has_the_declared_design():
    cohort = simulate_mouse_cohort(11)
    mice = cohort.drop_duplicates("mouse_id")
    per_group = mice.groupby(["genotype", "stage"]).size()
    assert set(per_group) == {MOUSE_COHORT.mice_per_group}
    assert len(per_group) == len(MOUSE_COHORT.genotypes) * len(MOUSE_COHORT.stages)
    # every mouse appears once in every tissue, with one sex
    assert (cohort.groupby("mouse_id")["tissue"].nunique() == cohort["tissue"].nunique()).all()
    assert (cohort.groupby("mouse_id")["sex"].nunique() == 1).all()
    assert simulate_mouse_cohort(11).equals(cohort)


def test_gel_labels_fill_gels_in_order():
    assert assign_gels(7, 3, "G") == ["G1", "G1", "G1", "G2", "G2", "G2", "G3"]


def test_bands_carry_the_log_ratio_when_batch_and_noise_vanish():
    rng = np.random.default_rng(0)
    log_ratio = np.array([-0.5, 0.0, 0.3, 1.2])
    bands = simulate_bands(rng, log_ratio, np.zeros(4, int), n_gels=1, tbk1_level=1000.0, loading_level=5000.0,
                           sd_gel=0.0, sd_lane=1e-12, sd_load=0.4)
    recovered = np.log(bands["ptbk1"] / bands["ptbk1_loading"]) - np.log(bands["tbk1"] / bands["tbk1_loading"])
    assert recovered == pytest.approx(log_ratio, abs=1e-9)
    # unequal loading is real (so normalizing matters) ...
    assert np.std(np.log(bands["ptbk1"] / bands["tbk1"]) - log_ratio) > 0.05
    # ... and the total-protein stain follows the loading of its own membrane
    assert np.log(bands["ptbk1_total_protein"] / bands["ptbk1_loading"]) == pytest.approx(np.log(2.0), abs=0.25)
