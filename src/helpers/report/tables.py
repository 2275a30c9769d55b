"""Tables a reader can read: no positional index, numbers rounded, wide tables scroll with a visible cue.

:func:`show_table` turns a DataFrame (or Series) into a :class:`Table` that
renders

* in HTML (the web book): without the 0..n index a positional index adds, its
  numbers rounded for reading (:func:`format_number_cell`), inside a container
  that scrolls sideways when the table is wider than the text column and says
  so above the table ("scroll sideways") when it has many columns;
* in Markdown (what the PDF uses: myst-nb's LaTeX builder prefers it to HTML and
  turns it into a plain Sphinx table, so LaTeX typesets an ordinary ``tabular``;
  ``text/latex`` would be typeset as math) with the same cells;
* as plain text, the same cells.

:meth:`Table.latex` gives a stand-alone ``tabular`` for other uses.

:func:`enable_tables` (called by :func:`helpers.report.chapter.start_chapter`)
makes every DataFrame and Series a chapter displays go through
:func:`show_table`, so a chapter's last expression ``effects.round(3)`` is shown
this way without further code.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from helpers.report.values import format_value

#: A table with more columns than this gets the "scroll sideways" cue above it.
WIDE_COLUMNS = 6
#: The cue shown above a wide table in HTML.
SCROLL_CUE = "Wide table: scroll sideways to see every column \u2192"
#: Inline style of the scrolling container (the book's CSS adds scroll shadows, :mod:`helpers.engine.html_assets`).
SCROLL_STYLE = "overflow-x:auto;max-width:100%;"


def format_number_cell(value) -> str:
    """Return *value* as a reader reads it (:func:`helpers.report.values.format_value`).

    >>> [format_number_cell(v) for v in (0.123456, 12.3456, 1234.5, 2.5e-06, float("nan"), 3, True, "ref")]
    ['0.123', '12.35', '1,234', '2.5e-06', '–', '3', 'True', 'ref']
    >>> format_number_cell(pd.NA), format_number_cell((0.2733, float("inf")))
    ('–', '0.273, open above')
    """
    return format_value(value)


def _positional(index: pd.Index) -> bool:
    """True for an unnamed integer index: 0..n-1, or what is left of it after filtering or sorting rows.

    Such row numbers carry no information for a reader (shown, they read as a column headed "index").

    >>> _positional(pd.RangeIndex(3)), _positional(pd.Index([4, 0, 7])), _positional(pd.Index(["a", "b"]))
    (True, True, False)
    """
    if index.nlevels > 1 or index.name is not None:
        return False
    return isinstance(index, pd.RangeIndex) or pd.api.types.is_integer_dtype(index)


def _as_frame(data) -> pd.DataFrame:
    """A Series as a one-column frame headed by its name, or "value" when its name is none or a row number."""
    if isinstance(data, pd.Series):
        return data.to_frame(name=data.name if isinstance(data.name, str) and data.name else "value")
    return data


@dataclass
class Table:
    """A table ready for the page: formatted cells, whether its index is shown, an optional caption."""

    frame: pd.DataFrame
    show_index: bool
    caption: str = ""

    def _columns(self) -> list[tuple[str, pd.Series]]:
        """``(header, values)`` of every column shown: a shown index first (an unnamed level has no header)."""
        columns = []
        if self.show_index:
            for level, name in enumerate(self.frame.index.names):
                values = pd.Series(self.frame.index.get_level_values(level))
                columns.append(("" if name is None else _column_name(name), values))
        for position, name in enumerate(self.frame.columns):
            columns.append((_column_name(name), self.frame.iloc[:, position].reset_index(drop=True)))
        return columns

    @property
    def index_columns(self) -> int:
        """How many leading columns of :meth:`cells` are the index (row headers)."""
        return self.frame.index.nlevels if self.show_index else 0

    def cells(self) -> pd.DataFrame:
        """Return the table's cells as formatted strings (the index as leading columns when shown)."""
        columns = self._columns()
        out = pd.DataFrame({i: [format_number_cell(v) for v in values] for i, (_, values) in enumerate(columns)},
                           index=range(len(self.frame)))
        out.columns = [name for name, _ in columns]
        return out

    def label(self) -> str:
        """Return what names the table for assistive technology: its caption, else its first column headers."""
        if self.caption:
            return self.caption
        names = [name for name, _ in self._columns() if name]
        return "Table of " + ", ".join(names[:4]) + (", …" if len(names) > 4 else "")

    @property
    def wide(self) -> bool:
        """True when the table has more than :data:`WIDE_COLUMNS` columns (counting a shown index)."""
        return self.cells().shape[1] > WIDE_COLUMNS

    def _repr_html_(self) -> str:
        cells = self.cells()
        align = ['style="text-align:right"' if pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v)
                 else 'style="text-align:left"' for _, v in self._columns()]
        rows_head = self.index_columns

        def header(i: int, name: str) -> str:
            if not name and i < rows_head:  # the corner above unnamed row labels: no header to announce
                return f"<td {align[i]}></td>"
            return f'<th scope="col" {align[i]}>{html.escape(name)}</th>'

        def cell(i: int, text: str) -> str:
            if i < rows_head:  # the index: row headers
                return f'<th scope="row" {align[i]}>{html.escape(text)}</th>'
            return f"<td {align[i]}>{html.escape(text)}</td>"

        head = "".join(header(i, c) for i, c in enumerate(cells.columns))
        rows = "".join("<tr>" + "".join(cell(i, v) for i, v in enumerate(row)) + "</tr>"
                       for row in cells.itertuples(index=False))
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        cue = f'<p class="table-scroll-cue">{html.escape(SCROLL_CUE)}</p>' if self.wide else ""
        return (f'<div class="book-table">{cue}<div class="table-scroll" role="region" tabindex="0" '
                f'aria-label="{html.escape(self.label())}" style="{SCROLL_STYLE}">'
                f'<table class="dataframe book-table-body">{caption}'
                f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></div>")

    def _repr_markdown_(self) -> str:
        cells = self.cells()

        def cell(text: str) -> str:
            return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ") or " "

        head = "| " + " | ".join(cell(c) for c in cells.columns) + " |"
        rule = "|" + "|".join(" --- " for _ in cells.columns) + "|"
        rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in cells.itertuples(index=False)]
        caption = f"*{cell(self.caption)}*\n\n" if self.caption else ""
        return caption + "\n".join([head, rule, *rows]) + "\n"

    def latex(self) -> str:
        """Return the table as a stand-alone LaTeX ``tabular`` (booktabs rules), shrunk to the line width if wider."""
        cells = self.cells()
        body = cells.to_latex(index=False, escape=True, column_format="l" * cells.shape[1])
        body = body.replace("\u2212", "$-$")
        caption = f"\\noindent\\textit{{{_latex_escape(self.caption)}}}\\par\n" if self.caption else ""
        return (f"{caption}\\begingroup\\small\\noindent\\resizebox{{\\ifdim\\width>\\linewidth\\linewidth"
                f"\\else\\width\\fi}}{{!}}{{%\n{body}}}\\par\\endgroup\n")

    def __repr__(self) -> str:
        return self.cells().to_string(index=False)


def _column_name(column) -> str:
    if isinstance(column, tuple):
        return " / ".join(str(part) for part in column if str(part))
    return str(column).replace("_", " ") if isinstance(column, str) else str(column)


def _latex_escape(text: str) -> str:
    for char, escaped in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                          ("_", r"\_"), ("{", r"\{"), ("}", r"\}")):
        text = text.replace(char, escaped)
    return text


def show_table(data, caption: str = "", *, index: bool | None = None) -> Table:
    """Return *data* (DataFrame or Series) as a :class:`Table` for the page.

    Parameters
    ----------
    caption : str
        Optional caption above the table.
    index : bool, optional
        Show the index as leading columns; by default only when it carries
        information (not a 0..n-1 positional index).

    >>> t = show_table(pd.DataFrame({"ratio": [1.23456, 0.5]}))
    >>> t.show_index, "<th" in t._repr_html_() and ">0<" not in t._repr_html_()
    (False, True)
    >>> print(repr(t))
    ratio
    1.235
    0.500
    """
    frame = _as_frame(data)
    if index is None:
        index = not _positional(frame.index)
    return Table(frame=frame, show_index=bool(index), caption=caption)


def _format_html(data) -> str:
    return show_table(data)._repr_html_()


def _format_markdown(data) -> str:
    return show_table(data)._repr_markdown_()


def enable_tables(shell=None) -> None:
    """Make every DataFrame and Series displayed in this kernel render through :func:`show_table`."""
    from IPython import get_ipython

    shell = shell or get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    for kind in (pd.DataFrame, pd.Series):
        formatters["text/html"].for_type(kind, _format_html)
        formatters["text/markdown"].for_type(kind, _format_markdown)
        formatters["text/plain"].for_type(kind, lambda data, printer, cycle: printer.text(repr(show_table(data))))
