"""The example-data generator: determinism, manifest, and that data/ is what the code makes."""

from __future__ import annotations

import hashlib

import pytest

from helpers.core.paths import DATA_DIR
from helpers.data.simulate import render_readme, write_example_data
from helpers.data.tables import example_specs as get_specs  # the simulated example tables
from helpers.data.truths import DEFAULT_SEED


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_files(tmp_path):
    write_example_data(tmp_path / "a", 11)
    write_example_data(tmp_path / "b", 11)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_other_seed_gives_other_values(tmp_path):
    write_example_data(tmp_path / "a", 11)
    write_example_data(tmp_path / "b", 12)
    for spec in get_specs().values():
        assert (tmp_path / "a" / spec.filename).read_bytes() != (tmp_path / "b" / spec.filename).read_bytes()


@pytest.mark.parametrize("name", list(get_specs()))
def test_shipped_data_is_what_the_generator_writes(name, fresh_data):
    spec = get_specs()[name]
    assert (DATA_DIR / spec.filename).read_bytes() == (fresh_data / spec.filename).read_bytes(), (
        f"data/{spec.filename} differs from the generator output; run `make data`"
    )


def test_manifest_lists_every_table_with_its_checksum():
    lines = (DATA_DIR / "SHA256SUMS").read_text().splitlines()
    recorded = dict(reversed(line.split("  ")) for line in lines)
    for spec in get_specs().values():
        assert recorded[spec.filename] == hashlib.sha256((DATA_DIR / spec.filename).read_bytes()).hexdigest()


def test_readme_documents_every_column_and_is_current():
    text = (DATA_DIR / "README.md").read_text()
    assert text == render_readme(DEFAULT_SEED)
    for spec in get_specs().values():
        for col in spec.columns:
            assert f"`{col.name}`" in text


def test_design_sizes_follow_truths(fresh_data):
    import pandas as pd

    from helpers.data.truths import HUMAN_BLOT, MOUSE_COHORT

    human = pd.read_csv(fresh_data / "human_blot.csv")
    assert human["donor_id"].nunique() == HUMAN_BLOT.n_control + HUMAN_BLOT.n_sals
    assert len(human) == (HUMAN_BLOT.n_control + HUMAN_BLOT.n_sals) * len(HUMAN_BLOT.regions)
    mouse = pd.read_csv(fresh_data / "mouse_blot.csv")
    n_mice = len(MOUSE_COHORT.genotypes) * len(MOUSE_COHORT.stages) * MOUSE_COHORT.mice_per_group
    assert mouse["mouse_id"].nunique() == n_mice
    assert len(mouse) == n_mice * len(MOUSE_COHORT.tissues)
    # every gel holds both diagnoses, so the gel is a batch, not a confounder
    assert (human.groupby("gel_id")["group"].nunique() == 2).all()


def test_example_data_for_a_seed_is_regenerated_when_the_generator_changes(tmp_path, monkeypatch):
    import helpers.data.simulate as simulate

    monkeypatch.setattr("helpers.core.paths.BUILD_DIR", tmp_path)
    monkeypatch.setattr(simulate, "generator_fingerprint", lambda: "a" * 64)
    first = simulate.example_data_source(7)
    assert simulate.example_data_source(7) == first  # reused while the generator is unchanged
    assert sorted(p.name for p in first.glob("*.csv")) == sorted(s.filename for s in get_specs().values())
    monkeypatch.setattr(simulate, "generator_fingerprint", lambda: "b" * 64)
    second = simulate.example_data_source(7)
    assert second != first and (second / "SHA256SUMS").read_text() == (first / "SHA256SUMS").read_text()


def test_generator_fingerprint_follows_the_package_sources():
    from helpers.data.simulate import generator_fingerprint

    assert generator_fingerprint() == generator_fingerprint()
    assert len(generator_fingerprint()) == 64
