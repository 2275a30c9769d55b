"""Shared fixtures. Matplotlib draws off-screen (Agg) in every test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from helpers.core.paths import DATA_DIR, ROOT  # noqa: E402
from helpers.data.simulate import write_example_data  # noqa: E402
from helpers.data.truths import DEFAULT_SEED  # noqa: E402


def set_csv_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV file by plain text editing (row numbered as in the file, header = 1)."""
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def edit_cell():
    """:func:`set_csv_cell`, for tests that break one cell of a copied table."""
    return set_csv_cell


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data folder (tests corrupt copies, never data/)."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def sod1_g93a_table():
    """A SOD1-G93A lab's mouse blot table: WT and SOD1_G93A, lumbar spinal cord and brainstem (no descriptor)."""
    import pandas as pd

    from helpers.core.paths import DATA_DIR

    table = pd.read_csv(DATA_DIR / "mouse_blot.csv")
    table = table[table.genotype.isin(["WT", "SOD1_G85R"]) & table.tissue.isin(["spinal_cord", "cerebellum"])]
    return table.replace({"genotype": {"SOD1_G85R": "SOD1_G93A"},
                          "tissue": {"spinal_cord": "lumbar_spinal_cord", "cerebellum": "brainstem"}})


@pytest.fixture(scope="session")
def fresh_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example dataset regenerated from the default seed into a temporary folder."""
    out = tmp_path_factory.mktemp("fresh_data")
    write_example_data(out, DEFAULT_SEED)
    return out


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole book built once per test session into a temporary output folder."""
    from helpers.engine.book import Book
    from helpers.engine.build import build

    out = tmp_path_factory.mktemp("book")
    build(Book(out_dir=out))
    return out


def pytest_configure(config: pytest.Config) -> None:
    # Kernels started by the tests must use their own inline backend, not Agg.
    os.environ.pop("MPLBACKEND", None)
    os.chdir(ROOT)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # make test runs two pytest-xdist workers (--dist loadgroup): the tests that read the built
    # book share one worker, so the book is built once, not once per worker.
    for item in items:
        if "built_book" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("built_book"))
