"""The conversion of Boyanova et al. 2025's files (real data) into the body_weight and body_composition tables."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from helpers.data.real import boyanova2025 as real
from helpers.data.validate import validate_report


@pytest.fixture(scope="module")
def converted():
    return real.convert()


def test_raw_files_have_the_published_checksums():
    sums = real.verify_folder()
    assert {f"raw/{name}": digest for name, digest in real.RAW_SHA256.items()}.items() <= sums.items()
    assert set(real.OUTPUT_FILES) <= set(sums)


def test_row_counts_and_nothing_dropped(converted):
    weight, echo = converted.body_weight, converted.body_composition
    assert converted.rows_read["raw/TDP43Q331K_Behav_Weight_processed_data.csv"] == 2557
    assert converted.rows_read["raw/C9ORFBehav_Weight_processed_data.csv"] == 2214
    assert len(weight) == 1869 + 1775 == 3644  # mouse-weeks: TDP-43, C9orf72
    assert weight.groupby("line")["n_weighings"].sum().to_dict() == {"TDP43_Q331K": 2557, "C9orf72_GR400": 2214}
    assert len(echo) == 240 and echo["mouse_id"].nunique() == 54
    assert not (converted.log["action"] == "dropped").any()


def test_averaged_mouse_weeks_are_logged_row_by_row(converted):
    log = converted.log
    weeks = log.groupby("file").apply(lambda d: len(d[["mouse_id", "age_weeks"]].drop_duplicates()),
                                      include_groups=False)
    assert weeks.to_dict() == {"raw/C9ORFBehav_Weight_processed_data.csv": 373,
                               "raw/TDP43Q331K_Behav_Weight_processed_data.csv": 568}
    multi = converted.body_weight[converted.body_weight["n_weighings"] > 1]
    assert len(log) == multi["n_weighings"].sum()  # every raw row of an averaged week, once
    assert (log["row"] >= 2).all() and not log.duplicated(["file", "row"]).any()


def test_a_mouse_week_is_the_mean_of_its_weighings(converted):
    # raw rows 2 and 3 of the C9orf72 file: 10.37 g and 14.68 g, both in age-week 4
    row = converted.body_weight.set_index(["mouse_id", "age_weeks"]).loc[("C9ORF72-GR400-MAT-B6J/1.3a", 4)]
    assert row["n_weighings"] == 2 and row["weight_g"] == pytest.approx((10.37 + 14.68) / 2)
    assert (row["line"], row["genotype"], row["sex"]) == ("C9orf72_GR400", "WT", "F")


def test_genotypes_relabelled_per_line(converted):
    mice = converted.body_weight.drop_duplicates("mouse_id")
    counts = mice.groupby(["line", "genotype"]).size().to_dict()
    assert counts == {("C9orf72_GR400", "GR400_het"): 24, ("C9orf72_GR400", "WT"): 24,
                      ("TDP43_Q331K", "Q331K_hom"): 27, ("TDP43_Q331K", "WT"): 27}
    assert set(converted.relabels.loc[converted.relabels["what"] == "genotype", "authors"]) == {
        "TDP-43_Q331K:WT", "TDP-43_Q331K:Hom", "C9ORF72-GR400-B6J:WT", "C9ORF72-GR400-B6J:Het"}


def test_byte_order_marks_are_reported(converted):
    boms = [n for n in converted.file_notes if "byte-order mark" in n]
    assert len(boms) == 2 and any("TDP-echo" in n for n in boms)


def test_committed_tables_are_what_the_raw_files_give(converted):
    assert real.stale_outputs(real.FOLDER, converted) == []


def test_the_folder_validates():
    report = validate_report(real.FOLDER)
    assert report.ok, report.text()
    assert report.tables == ["body_weight", "body_composition"] and report.rows["body_weight"] == 3644


def test_a_changed_raw_file_is_refused_by_name(tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(real.FOLDER, folder)
    target = folder / "raw" / "TDP43-genotype-sex.csv"
    target.chmod(0o644)
    target.write_bytes(target.read_bytes().replace(b"TDP-43_Q331K:WT", b"TDP-43_Q331K:Hom", 1))
    with pytest.raises(real.ConversionError, match="TDP43-genotype-sex.csv: SHA-256"):
        real.convert(folder)
    with pytest.raises(real.ConversionError, match="TDP43-genotype-sex.csv"):
        real.load_tables(folder)


def test_write_tables_is_byte_identical(tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(real.FOLDER, folder)
    before = {p.name: p.read_bytes() for p in folder.glob("*.csv")} | {"SHA256SUMS": (folder / "SHA256SUMS").read_bytes()}
    real.write_tables(folder)
    after = {p.name: p.read_bytes() for p in folder.glob("*.csv")} | {"SHA256SUMS": (folder / "SHA256SUMS").read_bytes()}
    assert before == after


def test_load_tables_checks_and_types():
    tables = real.load_tables()
    weight = tables["body_weight"]
    assert np.issubdtype(np.asarray(weight["weight_g"]).dtype, np.floating)
    assert isinstance(tables["body_composition"], pd.DataFrame)
