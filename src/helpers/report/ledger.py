"""Reported numbers: glue each into the narrative and record it in the chapter's results table.

A chapter creates one :class:`ResultsLedger`, calls :meth:`ResultsLedger.report`
once per number it states in prose, and ends with :meth:`ResultsLedger.publish`,
which shows the chapter's results table and stores it in the executed notebook
under the glue key ``results_ledger``. The build collects those tables from
every executed notebook into ``results.csv`` and ``results.json``
(:mod:`helpers.build.ledger_io`).

In Markdown, a reported number is shown with ``{glue:text}`key:.2f``` (value)
or ``{glue:md}`key_text``` (value with its confidence interval).

The book's **ledger** (:data:`LEDGER_COLUMNS`) adds to each row where it came
from: the chapter's page, the data source, the SHA-256 of the data files, the
parameters, the commit and ``data``: ``simulated`` (the book's example data),
``real`` (published measurements, e.g. ``data/real/``) or ``user`` (a lab's own
tables) (:mod:`helpers.build.provenance` fills them).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from helpers.stats.intervals import ci_text, format_number

LEDGER_KEY = "results_ledger"
GLUE_PREFIX = "application/papermill.record/"
RESULT_COLUMNS = ["chapter", "key", "value", "ci_low", "ci_high", "ci_level", "n", "n_unit", "unit", "method", "description"]
#: Columns of the book's ledger: each result plus where it came from.
PROVENANCE_COLUMNS = ["page", "data_source", "data_files", "parameters", "commit", "data"]
#: Values of the ``data`` column: what the numbers were computed from.
DATA_KINDS = ("simulated", "real", "user")
LEDGER_COLUMNS = RESULT_COLUMNS + PROVENANCE_COLUMNS
#: Columns every ledger row must fill (the CI columns are filled together or not at all).
REQUIRED_COLUMNS = ["chapter", "key", "value", "n", "n_unit", "unit", "method", "description",
                    *(c for c in PROVENANCE_COLUMNS if c != "data")]  # ledgers older than `data` stay complete


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
    _digits: dict[str, int] = field(default_factory=dict, repr=False)

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
        if method == "count" and n is None:  # a count rests on the units it counts
            n, n_unit = value, n_unit or unit
        required = {"unit": unit, "method": method, "description": description}
        if method != "parameter":  # a chapter parameter echoed in the prose rests on no sample
            required |= {"n": n, "n_unit": n_unit}
        missing = [name for name, given in required.items() if given is None or given == ""]
        if missing:
            raise ValueError(f"result {key!r} of chapter {self.chapter!r} lacks {', '.join(missing)}: every "
                             "reported number states its n (and in what unit), its unit, method and description; "
                             "only method='parameter' rows go without n, and a method='count' row is its own n")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"result {key!r} is not a finite number: {value}")
        if ci is not None and not all(math.isfinite(float(b)) for b in ci):
            # Never publish a NaN or infinite bound: the result stands without an interval, said in words.
            ci = None
            description = f"{description} (no finite {ci_level or 0.95:.0%} confidence interval)"
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
        self._digits[key] = digits
        if self.glue:
            self._glue(result, digits)
        return result

    def truth_check(self, key: str, low, truth, high, units: str, description: str) -> int:
        """Record and return how many intervals ``[low, high]`` contain the *truth* put into the simulation.

        >>> ledger = ResultsLedger("ch", glue=False)
        >>> ledger.truth_check("inside", [0.1, 0.5], [0.2, 0.9], [0.3, 0.8], "regions", "d")
        1
        >>> row = ledger.results[-1]; (row.value, row.n, row.n_unit)
        (1.0, 2, 'regions')
        """
        low, truth, high = (np.asarray(v, dtype=float) for v in (low, truth, high))
        inside = int(((low <= truth) & (truth <= high)).sum())
        self.report(key, inside, n=len(truth), n_unit=units, unit=units, digits=0, description=description,
                    method="count of confidence intervals that contain the value put into the simulation")
        return inside

    def text(self, key: str) -> str:
        """Return a reported number as the page shows it (``{glue:md}`key_text```), for prose built in code."""
        result = next((r for r in self.results if r.key == key), None)
        if result is None:
            raise KeyError(f"no result {key!r} reported in chapter {self.chapter!r}")
        return self._text(result, self._digits[key])

    def p_text(self, key: str, name: str = "p") -> str:
        """Return a reported p-value for prose: ``p = 0.04``, or ``p < 0.001`` when too small for its digits."""
        text = self.text(key)
        return f"{name} {text}" if text.startswith("<") else f"{name} = {text}"

    def _glue(self, result: Result, digits: int) -> None:
        from IPython.display import Markdown
        from myst_nb import glue

        glue(result.key, result.value, display=False)
        glue(f"{result.key}_text", Markdown(self._text(result, digits)), display=False)

    def _text(self, result: Result, digits: int) -> str:
        text = format_number(result.value, digits)
        if result.unit in ("p", "p-value") and 0 <= result.value < 0.5 * 10**-digits:  # too small for its digits
            text = f"< {format_number(10**-digits, digits)}"
        if result.ci_low is not None:
            text += f" ({ci_text(result.ci_low, result.ci_high, result.ci_level or 0.95, digits)})"
        elif result.description.endswith("confidence interval)"):
            text += " (no finite confidence interval)"
        return text

    def table(self) -> pd.DataFrame:
        """Return the recorded results as a data frame (one row per number)."""
        return pd.DataFrame([asdict(r) for r in self.results], columns=RESULT_COLUMNS)

    def publish(self):
        """Store the results in the notebook (glue key ``results_ledger``) and return them for display.

        The page shows each number with its interval, n, unit and method (the
        data checksums, parameters and commit of every row are in ``results.csv``).
        """
        frame = self.table()
        if self.glue:
            from myst_nb import glue

            glue(LEDGER_KEY, json.dumps([asdict(r) for r in self.results], sort_keys=True), display=False)
        shown = frame[["key", "value", "ci_low", "ci_high", "n", "n_unit", "unit", "method"]]
        return shown.set_index("key").astype({"n": "Int64"}).round(4)
