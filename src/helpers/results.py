"""Reported numbers: glue each into the narrative and record it in the results table.

A chapter creates one :class:`ResultsLedger`, calls :meth:`ResultsLedger.report`
once per number it states in prose, and ends with :meth:`ResultsLedger.publish`,
which shows the chapter's results table and stores it in the executed notebook
under the glue key ``results_ledger``. The build collects those tables from
every executed notebook into ``results.csv`` and ``results.json`` in the HTML
output (:func:`collect_results`).

In Markdown, a reported number is shown with ``{glue:text}`key:.2f``` (value)
or ``{glue:md}`key_text``` (value with its confidence interval).
"""

from __future__ import annotations

import ast
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import pandas as pd

LEDGER_KEY = "results_ledger"
GLUE_PREFIX = "application/papermill.record/"
RESULT_COLUMNS = ["chapter", "key", "value", "ci_low", "ci_high", "ci_level", "n", "n_unit", "unit", "method", "description"]


@dataclass
class Result:
    """One reported number."""

    chapter: str
    key: str
    value: float
    ci_low: float | None
    ci_high: float | None
    ci_level: float | None
    n: int | None
    n_unit: str
    unit: str
    method: str
    description: str


def format_number(value: float, digits: int = 2) -> str:
    """Format *value* with *digits* decimals, using a true minus sign.

    >>> format_number(-0.456)
    '−0.46'
    >>> format_number(3, 0)
    '3'
    """
    text = f"{value:.{digits}f}"
    return text.replace("-", "\u2212")


@dataclass
class ResultsLedger:
    """Collects the numbers a chapter reports.

    Parameters
    ----------
    chapter : str
        Chapter name (the notebook's stem).
    glue : bool
        Glue each number into the notebook (off in tests run outside a kernel).
    """

    chapter: str
    glue: bool = True
    results: list[Result] = field(default_factory=list)

    def report(
        self,
        key: str,
        value: float,
        *,
        ci: tuple[float, float] | None = None,
        ci_level: float | None = 0.95,
        n: int | None = None,
        n_unit: str = "",
        unit: str = "",
        method: str = "",
        description: str = "",
        digits: int = 2,
    ) -> Result:
        """Record one number and glue it as ``key`` (float) and ``key_text`` (with CI).

        Returns
        -------
        Result
            The recorded row.
        """
        if any(r.key == key for r in self.results):
            raise ValueError(f"result key {key!r} reported twice in chapter {self.chapter!r}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"result {key!r} is not a finite number: {value}")
        result = Result(
            chapter=self.chapter,
            key=key,
            value=value,
            ci_low=None if ci is None else float(ci[0]),
            ci_high=None if ci is None else float(ci[1]),
            ci_level=None if ci is None else ci_level,
            n=None if n is None else int(n),
            n_unit=n_unit,
            unit=unit,
            method=method,
            description=description,
        )
        self.results.append(result)
        if self.glue:
            self._glue(result, digits)
        return result

    def _glue(self, result: Result, digits: int) -> None:
        from IPython.display import Markdown
        from myst_nb import glue

        text = format_number(result.value, digits)
        if result.ci_low is not None:
            level = round(100 * (result.ci_level or 0.95))
            text += (
                f" ({level}% CI {format_number(result.ci_low, digits)} to "
                f"{format_number(result.ci_high, digits)})"
            )
        glue(result.key, result.value, display=False)
        glue(f"{result.key}_text", Markdown(text), display=False)

    def table(self) -> pd.DataFrame:
        """Return the recorded results as a data frame (one row per number)."""
        return pd.DataFrame([asdict(r) for r in self.results], columns=RESULT_COLUMNS)

    def publish(self):
        """Store the results in the notebook (glue key ``results_ledger``) and return the table for display."""
        frame = self.table()
        if self.glue:
            from myst_nb import glue

            glue(LEDGER_KEY, json.dumps([asdict(r) for r in self.results], sort_keys=True), display=False)
        return frame


def read_notebook_results(path: str | Path) -> list[dict]:
    """Return the results stored by :meth:`ResultsLedger.publish` in an executed notebook."""
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook", {})
            if meta.get("name") == LEDGER_KEY:
                data = output["data"]
                text = data.get("text/plain", data.get(f"{GLUE_PREFIX}text/plain"))
                return json.loads(ast.literal_eval(text))
    return []


def collect_results(notebooks: list[Path]) -> pd.DataFrame:
    """Return the results of every executed notebook in *notebooks*, in order."""
    rows = [row for nb in notebooks for row in read_notebook_results(nb)]
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    return frame.astype({"n": "Int64"})
