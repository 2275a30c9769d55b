"""The core layer: one path root, one hasher with an explicit checksum-only marker, atomic files."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from helpers.core import files, hashing
from helpers.core.git import git_commit
from helpers.core.paths import DATA_DIR, ROOT, resolve_data_source


def test_root_is_the_book_and_relative_data_resolves_from_it(tmp_path, monkeypatch):
    assert (ROOT / "_config.yml").is_file() and (ROOT / "_toc.yml").is_file()
    monkeypatch.chdir(tmp_path)
    assert resolve_data_source("data") == DATA_DIR  # not ./data of wherever the kernel started
    (tmp_path / "mine").mkdir()
    assert resolve_data_source("mine") == tmp_path / "mine"  # an existing folder here wins
    assert resolve_data_source(tmp_path) == tmp_path


def test_sha256_of_matches_hashlib_and_marks_the_read(tmp_path, monkeypatch):
    path = tmp_path / "x.bin"
    path.write_bytes(b"pTBK1" * 1000)
    seen = []
    real_open = open

    def spying_open(*args, **kwargs):
        seen.append(hashing.reading_for_checksum_only())
        return real_open(*args, **kwargs)

    monkeypatch.setattr("builtins.open", spying_open)
    assert hashing.sha256_of(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert seen[0] is True  # the read inside sha256_of is declared checksum-only
    assert hashing.reading_for_checksum_only() is False


def test_checksum_marker_is_per_thread_and_nests():
    inner = []
    with hashing.checksum_only():
        with hashing.checksum_only():
            pass
        assert hashing.reading_for_checksum_only()
        worker = threading.Thread(target=lambda: inner.append(hashing.reading_for_checksum_only()))
        worker.start()
        worker.join()
    assert inner == [False]
    assert not hashing.reading_for_checksum_only()


def test_hasher_memoizes_and_reports_missing_files(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n")
    hasher = hashing.Hasher()
    first = hasher(path)
    path.write_text("a\n2\n")
    assert hasher(path) == first  # one build sees one version of a file
    assert hashing.Hasher()(path) != first
    assert hasher(tmp_path / "absent.csv") is None
    hasher.forget(path)  # a file the build itself rewrote is hashed again
    assert hasher(path) == hashing.sha256_of(path) != first


def test_sha256_text_is_unambiguous():
    assert hashing.sha256_text("ab", "c") != hashing.sha256_text("a", "bc")


def test_generator_fingerprint_ignores_layers_above_data():
    assert hashing.package_fingerprint("core", "stats", "data") != hashing.package_fingerprint()
    assert hashing.package_fingerprint("data") == hashing.package_fingerprint("data")


def test_atomic_write_leaves_old_content_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    files.atomic_write(target, "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        files.atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left behind


def test_publish_folder_keeps_the_first_complete_copy(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, text in ((first, "1"), (second, "2")):
        folder.mkdir()
        (folder / "f").write_text(text)
    target = tmp_path / "final"
    files.publish_folder(first, target)
    files.publish_folder(second, target)  # lost the race: discarded
    assert (target / "f").read_text() == "1" and not second.exists()


def test_git_commit_names_this_checkout():
    commit = git_commit()
    assert commit == "" or len(commit.split("-")[0]) == 40
    assert git_commit(Path("/")) == ""
