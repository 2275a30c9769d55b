"""The opening of a chapter and its data banner say what the data are."""

from __future__ import annotations

import json
import shutil

from helpers.core.paths import DATA_DIR
from helpers.report.banner import data_banner, describe_data
from helpers.report.chapter import start_chapter


def test_example_data_are_declared_simulated_on_the_page():
    info = describe_data(DATA_DIR)
    assert info["simulated"] is True and info["seed"] == json.loads((DATA_DIR / "dataset.json").read_text())["seed"]
    assert set(info["files"]) >= {"human_blot.csv", "pla_cells.csv"}
    banner = data_banner(DATA_DIR)
    assert "Simulated example data" in banner and "not** measurements of patients or mice" in banner


def test_a_lab_folder_is_user_supplied(tmp_path):
    shutil.copy(DATA_DIR / "human_blot.csv", tmp_path / "human_blot.csv")
    info = describe_data(tmp_path)
    assert info["simulated"] is False and list(info["files"]) == ["human_blot.csv"]
    assert "User-supplied data" in data_banner(tmp_path) and "Simulated" not in data_banner(tmp_path)


def test_start_chapter_opens_ledger_on_the_resolved_folder(tmp_path):
    shutil.copy(DATA_DIR / "human_blot.csv", tmp_path / "human_blot.csv")
    chapter = start_chapter("human_tbk1", tmp_path, show=False, glue=False)
    assert chapter.data_source == tmp_path and chapter.simulated is False
    assert chapter.ledger.chapter == "human_tbk1" and chapter.ledger.results == []


def test_a_seed_gives_fresh_simulated_tables():
    chapter = start_chapter("human_tbk1", "data", seed=3, show=False, glue=False)
    assert chapter.simulated and chapter.data_info["seed"] == 3
    assert chapter.data_source != DATA_DIR and (chapter.data_source / "human_blot.csv").is_file()


def test_the_bundled_real_data_get_the_real_measurements_banner():
    folder = DATA_DIR / "real" / "boyanova2025"
    info = describe_data(folder)
    assert info["kind"] == "real" and info["simulated"] is False
    assert info["real"]["licence_name"] == "CC-BY-SA-4.0" and "10.1242/dmm.052324" in info["real"]["citation_url"]
    banner = data_banner(folder)
    assert "Real measurements" in banner and "Simulated" not in banner and "User-supplied" not in banner
    assert "Boyanova" in banner and "CC-BY-SA-4.0" in banner and "fed2d57e84a9b3b6d0bc9f8b3f47ea08f7a181bd" in banner
    assert "published by others" in banner and "bundled in `data/real/boyanova2025`" in banner


def test_a_labs_own_described_data_are_real_but_not_said_to_be_published_by_others(tmp_path):
    """A lab's folder whose descriptor names a source and a licence: real measurements, its own folder."""
    folder = tmp_path / "lab"
    shutil.copytree(DATA_DIR / "real" / "boyanova2025", folder)
    banner = data_banner(folder)
    assert "Real measurements" in banner and "published by others" not in banner and "bundled" not in banner
    assert "whose study description names their source and licence" in banner and f"in `{folder}`" in banner


def test_a_descriptor_without_licence_and_sources_is_user_data(tmp_path):
    shutil.copy(DATA_DIR / "human_blot.csv", tmp_path / "human_blot.csv")
    (tmp_path / "datapackage.yaml").write_text("name: lab\nresources: []\n", encoding="utf-8")
    assert describe_data(tmp_path)["kind"] == "user" and "User-supplied data" in data_banner(tmp_path)


def test_a_folder_whose_description_declares_simulated_data_says_so(tmp_path):
    shutil.copy(DATA_DIR / "human_blot.csv", tmp_path / "human_blot.csv")
    (tmp_path / "datapackage.yaml").write_text("name: lab\nsimulated: true\ndescription: Simulated for design X\n"
                                               "resources: []\n", encoding="utf-8")
    info = describe_data(tmp_path)
    assert info["kind"] == "user" and info["simulated"] is False  # not the example: no example truths apply
    banner = data_banner(tmp_path)
    assert "Simulated data of another study design" in banner and "Simulated for design X." in banner
    assert "User-supplied" not in banner and "not** measurements of patients or mice" in banner
