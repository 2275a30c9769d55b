"""The opening of every chapter: which data, simulated or not, the banner, the ledger, alt text.

Each chapter's first code cell after its parameters calls :func:`start_chapter`
instead of repeating the same six lines: it resolves the data folder (or makes
the example dataset of *seed*), says on the page what the data are, switches on
figure alt text (and the figure check), renders tables for reading and opens the chapter's results ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpers.analysis.design import pending_warnings
from helpers.core.paths import resolve_data_source
from helpers.data.simulate import example_data_source
from helpers.report.banner import data_banner, describe_data
from helpers.report.figure_alt import enable_alt_text
from helpers.report.ledger import ResultsLedger
from helpers.report.subsets import OptionalTables, left_out_markdown  # noqa: F401 (left_out_markdown: its old home)
from helpers.report.tables import enable_tables


@dataclass
class Chapter:
    """What a chapter knows about its run once started."""

    name: str
    data_source: Path
    data_info: dict
    ledger: ResultsLedger

    @property
    def simulated(self) -> bool:
        """True when the tables are the project's simulated example data."""
        return bool(self.data_info["simulated"])

    @property
    def study(self):
        """The study the data describe (:class:`helpers.data.study.Study`): levels, references, design facts."""
        from helpers.data.study import study_of

        return study_of(self.data_source)

    def level(self, table: str, column: str, value: str | None, pick: str | int = "first") -> str:
        """Return *value*, or when it is None the level of *column* the study's description picks.

        The build engine injects the picked level already (``pick`` in
        ``chapters/parameters.yml``; :meth:`helpers.data.study.Study.pick`);
        this covers a chapter run by hand.
        """
        return value if value is not None else self.study.pick(table, column, pick)

    def optional_tables(self, uses: dict[str, str], prepare: dict | None = None, *,
                        show: bool = True) -> OptionalTables:
        """Load the tables of *uses* the data hold and say on the page which are left out.

        *uses* maps each table the chapter can use to what it does with it (the
        note names that for an absent table); *prepare* maps a table name to a
        function applied once after reading (e.g. summing PLA sections). Returns
        the :class:`helpers.report.subsets.OptionalTables`: a mapping of the
        tables present, with ``section(...)`` to guard a section and
        ``glue_not_computed(...)`` to fill the numbers of absent tables.

        >>> ch = start_chapter("demo", "data", show=False, glue=False)
        >>> tables = ch.optional_tables({"human_blot": "the human strata"}, show=False)
        >>> list(tables), tables.absent
        (['human_blot'], [])
        """
        tables = OptionalTables.load(self.data_source, uses, prepare)
        note = tables.left_out_markdown()
        if show and note:
            from IPython.display import Markdown, display

            display(Markdown(note))
        return tables


def start_chapter(name: str, data_source: str | Path = "data", seed: int | None = None, *,
                  alpha: float = 0.05, show: bool = True, glue: bool = True) -> Chapter:
    """Start chapter *name* on *data_source* (or on fresh example data of *seed*).

    Shows the data banner (when *show*), enables alt text on figures and returns
    the :class:`Chapter` with its results ledger, whose intervals are at level
    ``1 - alpha`` unless a call says otherwise.

    >>> ch = start_chapter("demo", "data", show=False, glue=False)
    >>> ch.simulated, ch.data_source.name, ch.ledger.chapter
    (True, 'data', 'demo')
    """
    source = resolve_source(data_source) if seed is None else example_data_source(seed)
    chapter = Chapter(name=name, data_source=source, data_info=describe_data(source),
                      ledger=ResultsLedger(chapter=name, glue=glue, defaults={"ci_level": 1 - alpha}))
    enable_alt_text()
    enable_tables()
    pending_warnings()  # forget warnings of an earlier chapter in the same kernel
    if show:
        from IPython.display import Markdown, display

        display(Markdown(data_banner(source)))
        _show_warnings_after_each_cell()
    return chapter


def resolve_source(data_source: str | Path) -> Path:
    """Return the data folder or ``.xlsx`` workbook *data_source* names, as an absolute path.

    A workbook (or folder) given relative to the current directory is taken from
    there when it exists; otherwise from the repository root.
    """
    path = Path(data_source).expanduser()
    if not path.is_absolute() and path.is_file():
        return path.resolve()
    return resolve_data_source(path)


def design_warnings_markdown(messages: list[str]) -> str:
    """Return the design warnings as one MyST warning box (empty text when there are none).

    >>> design_warnings_markdown(["human_blot: few donors."]).splitlines()[0]
    ':::{admonition} Design warning'
    """
    if not messages:
        return ""
    body = "\n".join(f"- {m}" for m in messages)
    return f":::{{admonition}} Design warning\n:class: warning\n{body}\n:::\n"


def show_design_warnings() -> None:
    """Display the design warnings recorded by the analysis helpers since the last call."""
    text = design_warnings_markdown(pending_warnings())
    if text:
        from IPython.display import Markdown, display

        display(Markdown(text))


def _show_warnings_after_each_cell() -> None:
    """Show pending design warnings under the cell that raised them (an IPython post-run hook)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of every kernel
        return
    shell = get_ipython()
    if shell is None:
        return
    callbacks = shell.events.callbacks["post_run_cell"]
    if not any(getattr(cb, "__name__", "") == "_design_warning_hook" for cb in callbacks):
        def _design_warning_hook(result=None):
            show_design_warnings()

        shell.events.register("post_run_cell", _design_warning_hook)
