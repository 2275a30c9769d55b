"""Write converted tables (checked against their schema) and the CSV templates of every table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.core.paths import ROOT
from helpers.data.converters.common import ConversionError
from helpers.data.tables import example_specs, get_spec
from helpers.data.truths import DEFAULT_SEED

TEMPLATES_DIR = ROOT / "templates"


def write_table(table: pd.DataFrame, name: str, out_dir: str | Path, overwrite: bool = False) -> Path:
    """Write a converted *table* as ``out_dir/<file>`` and check the written file against its schema.

    Raises
    ------
    FileExistsError
        If the file exists and *overwrite* is false (raw data are never replaced silently).
    ConversionError
        If the written file does not validate (it is then removed).
    """
    spec = get_spec(name)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / spec.filename
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; choose another folder or pass --force")
    table[spec.column_names].to_csv(path, index=False, lineterminator="\n")
    from helpers.data.validate import check_table

    _, problems = check_table(name, out)
    if problems:
        path.unlink()
        raise ConversionError(problems)
    return path


def write_templates(out_dir: str | Path = TEMPLATES_DIR, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write ``<table>.csv`` for every table: the header and one example row of the simulated data.

    The example row is the first row of the table simulated with *seed*; it
    shows the format (units, level spellings) and must be replaced by real values.
    """
    from helpers.data.simulate import FLOAT_FORMAT, simulate_table

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in example_specs().values():
        path = out / spec.filename
        simulate_table(spec, seed).head(1).to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        written.append(path)
    readme = out / "README.md"
    readme.write_text(
        "# Templates of the book's tables\n\n"
        "One CSV per table: the header and **one example row of simulated data** (seed "
        f"`{seed}`), to show units and the spelling of every level. Replace the example row by "
        "your measurements, keep the header, put the files in one folder and run "
        "`make validate DATA=folder`. Columns, units and allowed values: `data/README.md` and the "
        "book's page *Bring your own data*. Regenerate with `make templates` "
        "(= `python -m helpers templates`).\n\n"
        + "".join(f"- `{p.name}`\n" for p in written),
        encoding="utf-8",
    )
    return [*written, readme]


