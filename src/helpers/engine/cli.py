"""The one command-line entry of the project: ``python -m helpers <command> [options]``.

Every Makefile target calls it. Each command is owned by the module that does the
work (its ``main(argv)`` parses the command's own options); this table is the one
place that names them, so ``python -m helpers --help`` lists everything.
"""

from __future__ import annotations

import importlib
import sys

#: command -> (module, leading arguments, one-line help)
COMMANDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "book": ("helpers.engine.build", ("build",), "execute what changed and build the HTML book"),
    "validate": ("helpers.data.validate", (), "check the tables of a data folder against their schemas"),
    "describe": ("helpers.data.describe", (), "draft a study description (datapackage.yaml) from a lab's tables"),
    "simulate": ("helpers.data.simulate", (), "write the simulated example dataset (byte-identical per seed)"),
    "real-data": ("helpers.data.real.boyanova2025", (), "convert the bundled real data (data/real/boyanova2025/raw) into book tables"),
    "templates": ("helpers.data.templates", (), "write templates/<table>.csv and book_tables.xlsx (for a study: --study)"),
    "convert": ("helpers.data.converters", (), "turn an instrument export into a book table"),
    "calibrate": ("helpers.simstudies.calibration", (), "coverage and type I error of every estimator"),
    "corpus": ("helpers.engine.corpus", (), "write the corpus of study designs and build the book from each"),
    "results": ("helpers.report.ledger.files", (), "compare the built ledger with the committed reference"),
    "zenodo": ("helpers.engine.citation", ("zenodo",), "copy the repository setting into CITATION.cff; rewrite .zenodo.json"),
    "check-parquet": ("helpers.engine.formats", (), "build the book from CSV and Parquet copies of the data; same ledger?"),
    "bench": ("helpers.engine.bench", (), "time this engine against Jupyter Book's own execution"),
    "bench-scale": ("helpers.engine.bench_scale", (), "time and memory of validation, aggregation, mam_pla at 10^5-10^7 cells"),
    "check-site": ("helpers.engine.browser", (), "open every page of a built book in headless Chromium"),
    "check-values": ("helpers.engine.page_values", (), "list every raw value (None, nan, inf, tuple) on a built book's pages"),
    "pdf": ("helpers.engine.pdf", (), "build the HTML book (cached), then the PDF _build/pdf/book.pdf"),
    "lab": ("helpers.engine.lab", (), "open the chapters in JupyterLab with the project's kernel"),
}


def usage() -> str:
    """Return the list of commands, one line each."""
    width = max(map(len, COMMANDS))
    lines = ["usage: python -m helpers <command> [options]   (python -m helpers <command> --help)", "", "commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, (_, _, text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``argv`` to the command's module; return its exit status.

    >>> main(["--help"])  # doctest: +ELLIPSIS
    usage: python -m helpers <command> [options]...
    0
    >>> main(["nonsense"])
    unknown command 'nonsense'; run `python -m helpers --help`
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"unknown command {command!r}; run `python -m helpers --help`")
        return 2
    module, lead, _ = COMMANDS[command]
    return int(importlib.import_module(module).main([*lead, *rest]) or 0)
