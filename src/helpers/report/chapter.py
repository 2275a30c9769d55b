"""The opening of every chapter: which data, simulated or not, the banner, the ledger, alt text.

Each chapter's first code cell after its parameters calls :func:`start_chapter`
instead of repeating the same six lines: it resolves the data folder (or makes
the example dataset of *seed*), says on the page what the data are, switches on
figure alt text (and the figure check), renders tables for reading and opens the chapter's results ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpers.core.paths import resolve_data_dir
from helpers.data.simulate import example_data_dir
from helpers.report.banner import data_banner, describe_data
from helpers.report.figure_alt import enable_alt_text
from helpers.report.ledger import ResultsLedger
from helpers.report.tables import enable_tables


@dataclass
class Chapter:
    """What a chapter knows about its run once started."""

    name: str
    data_dir: Path
    data_info: dict
    ledger: ResultsLedger

    @property
    def simulated(self) -> bool:
        """True when the tables are the project's simulated example data."""
        return bool(self.data_info["simulated"])


def start_chapter(name: str, data_dir: str | Path = "data", seed: int | None = None, *,
                  show: bool = True, glue: bool = True) -> Chapter:
    """Start chapter *name* on *data_dir* (or on fresh example data of *seed*).

    Shows the data banner (when *show*), enables alt text on figures and returns
    the :class:`Chapter` with its results ledger.

    >>> ch = start_chapter("demo", "data", show=False, glue=False)
    >>> ch.simulated, ch.data_dir.name, ch.ledger.chapter
    (True, 'data', 'demo')
    """
    source = resolve_data_dir(data_dir) if seed is None else example_data_dir(seed)
    chapter = Chapter(name=name, data_dir=source, data_info=describe_data(source),
                      ledger=ResultsLedger(chapter=name, glue=glue))
    enable_alt_text()
    enable_tables()
    if show:
        from IPython.display import Markdown, display

        display(Markdown(data_banner(source)))
    return chapter
