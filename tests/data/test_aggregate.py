"""The section aggregate of per-cell tables (helpers.data.aggregate) gives the numbers of the cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import pla, robustness
from helpers.core.paths import DATA_DIR
from helpers.data.aggregate import COUNT_SUMS, SECTION_KEYS, aggregate_pla_sections, count_sums
from helpers.data.validate import load_table
from helpers.simstudies import power


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return load_table("pla_cells", DATA_DIR)


@pytest.fixture(scope="module")
def sections(cells) -> pd.DataFrame:
    return aggregate_pla_sections(cells)


def test_the_aggregate_holds_every_cell_once_and_the_exact_integer_sums(cells, sections):
    assert sections["n_cells"].sum() == len(cells)
    assert sections["puncta"].sum() == cells["puncta"].sum()
    assert sections["puncta_sq"].sum() == (cells["puncta"].astype("int64") ** 2).sum()
    assert len(sections) == len(cells.groupby(SECTION_KEYS, observed=True))
    assert sections["area"].sum() == pytest.approx(cells["cell_area_um2"].sum(), rel=1e-12)


@pytest.mark.parametrize("per_area", [False, True])
def test_count_sums_from_sections_equal_those_from_cells(cells, sections, per_area):
    keys = ["mouse_id", "tissue", "tether_pair", "cell_type"]
    a, b = count_sums(cells, keys, per_area), count_sums(sections, keys, per_area)
    assert a[keys].equals(b[keys])
    np.testing.assert_allclose(a[COUNT_SUMS].to_numpy(), b[COUNT_SUMS].to_numpy(), rtol=1e-12)
    if not per_area:  # no exposure: T = Q = n, A = Y
        assert (b["T"] == b["n"]).all() and (b["A"] == b["Y"]).all()


@pytest.mark.parametrize("method", ["gee", "poisson", "quasipoisson"])
def test_cell_level_models_give_the_same_contrasts_from_sections(cells, sections, method):
    a = pla.fit_cell_level_contrasts(cells, "spinal_cord", method=method)
    b = pla.fit_cell_level_contrasts(sections, "spinal_cord", method=method)
    pd.testing.assert_frame_equal(a, b, rtol=1e-10)


def test_robustness_and_power_give_the_same_answers_from_sections(cells, sections):
    contrast = {"tissue": "spinal_cord", "genotype": "SOD1_G85R_Sigmar1_KO", "stage": "end_stage", "reference": "WT",
                "pair": "VAPB_PTPIP51", "cell_type": "motor_neuron"}
    pd.testing.assert_frame_equal(robustness.pla_specification_curve(cells, **contrast),
                                  robustness.pla_specification_curve(sections, **contrast), rtol=1e-10)
    chosen = [pla.select_cells(t, "spinal_cord", "VAPB_PTPIP51", "motor_neuron") for t in (cells, sections)]
    a, b = (power.estimate_pla_components(c) for c in chosen)
    assert a.sections == b.sections
    np.testing.assert_allclose([a.log_rate, a.sd_mouse, a.sd_section, a.cell_cv2],
                               [b.log_rate, b.sd_mouse, b.sd_section, b.cell_cv2], rtol=1e-12)
