"""The PLA cell table: schema at the boundary, nested design, and the mice it shares with the blots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.core.paths import DATA_DIR
from helpers.data.cohorts import simulate_mouse_cohort
from helpers.data.tables.pla_cells import SPEC
from helpers.data.truths import DEFAULT_SEED, PLA
from helpers.data.validate import check_table, load_table


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return load_table("pla_cells", DATA_DIR)


def _write_head(tmp_path, edit) -> list:
    """Write the first 40 rows of the shipped table, edited by *edit*, and return the problems found."""
    raw = pd.read_csv(DATA_DIR / SPEC.filename, dtype=str, nrows=40)
    edit(raw)
    raw.to_csv(tmp_path / SPEC.filename, index=False)
    return check_table("pla_cells", tmp_path)[1]


@pytest.mark.parametrize("bad", ["-1", "2.5", "many"])
def test_schema_rejects_negative_and_non_integer_puncta(tmp_path, bad):
    def edit(raw):
        raw.loc[6, "puncta"] = bad

    problems = _write_head(tmp_path, edit)
    assert len(problems) == 1
    assert problems[0].row == 8 and problems[0].column == "puncta" and problems[0].value == bad
    assert "whole number" in problems[0].expected


def test_schema_rejects_non_positive_area_and_unknown_pair(tmp_path):
    def edit(raw):
        raw.loc[0, "cell_area_um2"] = "0"
        raw.loc[1, "tether_pair"] = "MFN2_MFN2"

    problems = {(p.row, p.column) for p in _write_head(tmp_path, edit)}
    assert problems == {(2, "cell_area_um2"), (3, "tether_pair")}


def test_a_section_belongs_to_one_mouse_and_cell_ids_are_unique(tmp_path):
    def edit(raw):
        raw.loc[3, "mouse_id"] = "M999"  # same section, another mouse (its genotype etc. stay consistent)
        raw.loc[5, "cell_id"] = raw.loc[4, "cell_id"]

    problems = {(p.row, p.column) for p in _write_head(tmp_path, edit)}
    assert (5, "mouse_id") in problems
    assert (7, "cell_id") in problems


def test_design_is_nested_and_sized_as_documented(cells):
    counts = cells.groupby(["mouse_id", "tissue", "tether_pair", "cell_type"]).size()
    low, high = PLA.cells_per_section
    assert counts.between(PLA.sections * low, PLA.sections * high).all()
    sections = cells.groupby(["mouse_id", "tissue", "tether_pair"])["section_id"].nunique()
    assert (sections == PLA.sections).all()
    assert (cells["puncta"] >= 0).all() and (cells["cell_area_um2"] > 0).all()


def test_pla_mice_are_the_blot_mice_and_follow_their_latent_mam(cells):
    blot = load_table("mouse_blot", DATA_DIR)
    keys = ["mouse_id", "genotype", "stage", "sex", "tissue"]
    assert set(map(tuple, cells[keys].drop_duplicates().to_numpy())) == set(map(tuple, blot[keys].to_numpy()))
    cohort = simulate_mouse_cohort(DEFAULT_SEED)
    vapb = cells[(cells["tether_pair"] == "VAPB_PTPIP51") & (cells["cell_type"] == "motor_neuron")]
    per_mouse = vapb.groupby(["mouse_id", "tissue"])["puncta"].mean().apply(np.log).rename("log_mean").reset_index()
    merged = per_mouse.merge(cohort, on=["mouse_id", "tissue"])
    # log mean puncta = latent log MAM + constant + noise: the slope on the latent value is 1.
    fit = stats.linregress(merged["log_mam"], merged["log_mean"])
    assert abs(fit.slope - 1.0) < 3 * fit.stderr, fit
