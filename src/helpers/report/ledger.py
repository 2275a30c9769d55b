"""Reported numbers: glue each into the narrative and record it in the chapter's results table.

A chapter gets one :class:`ResultsLedger` from ``start_chapter``, records each
number it states in prose with one call — :meth:`ResultsLedger.estimate` (a value
with its interval), :meth:`ResultsLedger.estimates` (one row of an analysis
table each, optionally with its p-value), :meth:`ResultsLedger.count`,
:meth:`ResultsLedger.parameter`, or :meth:`ResultsLedger.record` for a results table an
analysis returns with its own units, methods and descriptions — and ends with :meth:`ResultsLedger.publish`,
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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

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
    #: Keyword defaults of every call (:meth:`using`), e.g. the chapter's ``ci_level`` or ``n_unit="mice"``.
    defaults: dict = field(default_factory=dict)

    def using(self, **defaults) -> ResultsLedger:
        """Return this ledger with *defaults* for every call's keywords (same results, same page).

        >>> ledger = ResultsLedger("ch", glue=False)
        >>> mice = ledger.using(n_unit="mice", method="OLS", ci_level=0.9)
        >>> _ = mice.estimate("d", 1.5, (1.0, 2.0), n=12, unit="ratio", description="an effect")
        >>> r = ledger.results[0]; (r.n_unit, r.method, r.ci_level, r.n)
        ('mice', 'OLS', 0.9, 12)
        """
        return replace(self, defaults={**self.defaults, **defaults})

    def estimate(self, key: str, value: float, ci: tuple[float, float] | None = None, **about) -> Result:
        """Record an estimate with its interval: ``n``, ``n_unit``, ``unit``, ``method``, ``description``.

        *ci* is the interval at the ledger's ``ci_level`` (0.95 unless :meth:`using` says otherwise).
        """
        return self.report(key, value, ci=ci, **about)

    def count(self, key: str, value: int, unit: str, description: str, **about) -> Result:
        """Record a count (its own n, in *unit*), shown without decimals.

        >>> ledger = ResultsLedger("ch", glue=False)
        >>> r = ledger.count("n_mice", 14, "mice", "mice with a lane")
        >>> (r.value, r.n, r.n_unit, r.method)
        (14.0, 14, 'mice', 'count')
        """
        return self.report(key, value, unit=unit, description=description,
                           **{"method": "count", "digits": 0, **about})

    def parameter(self, key: str, value: float, unit: str, description: str, digits: int = 2) -> Result:
        """Record a chapter parameter the prose states (it rests on no sample)."""
        return self.report(key, value, unit=unit, method="parameter", description=description, digits=digits)

    def record(self, table: pd.DataFrame, **about) -> list[Result]:
        """Record every row of a results table an analysis returns, in one call.

        *table* has columns ``key`` and ``value`` and any of ``ci_low``/``ci_high``,
        ``n``, ``n_unit``, ``unit``, ``method``, ``description``, ``digits``,
        ``ci_level``; *about* gives the rest (as for :meth:`report`). A missing
        bound (NaN) records the number without an interval.

        >>> ledger = ResultsLedger("ch", glue=False)
        >>> table = pd.DataFrame({"key": ["a", "n"], "value": [0.5, 12], "ci_low": [0.1, None],
        ...                       "ci_high": [0.9, None], "unit": ["x", "mice"], "method": ["OLS", "count"],
        ...                       "description": ["an effect", "mice"], "digits": [2, 0]})
        >>> [(r.key, r.ci_high, r.n, r.n_unit) for r in ledger.record(table, n=12, n_unit="mice")]
        [('a', 0.9, 12, 'mice'), ('n', None, 12, 'mice')]
        """
        recorded = []
        for row in table.to_dict(orient="records"):
            given = {k: v for k, v in row.items() if not (v is None or (isinstance(v, float) and math.isnan(v)))}
            low, high = given.pop("ci_low", None), given.pop("ci_high", None)
            if "digits" in given:
                given["digits"] = int(given["digits"])
            recorded.append(self.report(given.pop("key"), given.pop("value"),
                                        ci=None if low is None or high is None else (low, high),
                                        **{**about, **given}))
        return recorded

    def estimates(self, rows: pd.DataFrame, key: str, *, value: str, ci: tuple[str, str] | None = None,
                  n: str | None = None, description: str | Callable, p: str | None = None,
                  p_key: str | None = None, p_description: str | Callable | None = None,
                  **about) -> list[Result]:
        """Record one estimate per row of an analysis table, and with *p* its p-value as a second row.

        *key*, *p_key* and string descriptions are format strings over the row's
        fields (``"ratio_{genotype}"``); a callable description is given the row (a ``pandas.Series``).
        *value*, *ci* (low and high) and *n* name columns of *rows*; every other
        keyword (``unit``, ``n_unit``, ``method``, ``digits``...) is as for :meth:`report`.

        >>> ledger = ResultsLedger("ch", glue=False)
        >>> table = pd.DataFrame({"genotype": ["KO"], "ratio": [1.5], "low": [1.1], "high": [2.0],
        ...                       "n_mice": [10], "p_adj": [0.01]})
        >>> _ = ledger.estimates(table, "ratio_{genotype}", value="ratio", ci=("low", "high"), n="n_mice",
        ...                      n_unit="mice", unit="ratio", method="OLS", description="{genotype}/WT",
        ...                      p="p_adj", p_key="p_adj_{genotype}", p_description="adjusted p, {genotype} vs WT")
        >>> [(r.key, r.value, r.ci_high, r.n, r.unit) for r in ledger.results]
        [('ratio_KO', 1.5, 2.0, 10, 'ratio'), ('p_adj_KO', 0.01, None, 10, 'p')]
        """
        recorded = []
        for index, row in rows.iterrows():
            fields = _Fields(row, index, rows.index.name)
            interval = None if ci is None else (row[ci[0]], row[ci[1]])
            sample = {} if n is None else {"n": row[n]}
            recorded.append(self.report(key.format_map(fields), row[value], ci=interval,
                                        description=_text(description, fields), **{**sample, **about}))
            if p is not None:
                p_about = {k: v for k, v in about.items() if k not in ("unit", "digits")}
                recorded.append(self.report(
                    (p_key or f"p_{key}").format_map(fields), row[p], unit="p", digits=3,
                    description=_text(p_description or f"p-value of {recorded[-1].description}", fields),
                    **{**sample, **p_about}))
        return recorded

    def report(
        self,
        key: str,
        value: float,
        *,
        ci: tuple[float, float] | None = None,
        **about,
    ) -> Result:
        """Record one number and glue it as ``key`` (float) and ``key_text`` (with CI).

        Keywords (defaults from :meth:`using`): ``ci_level`` (0.95), ``n``, ``n_unit``,
        ``unit``, ``method``, ``description``, ``digits`` (2).

        Returns
        -------
        Result
            The recorded row.
        """
        about = {"ci_level": 0.95, "n": None, "n_unit": "", "unit": "", "method": "", "description": "",
                 "digits": 2, **self.defaults, **about}
        unknown = set(about) - {"ci_level", "n", "n_unit", "unit", "method", "description", "digits"}
        if unknown:
            raise TypeError(f"ResultsLedger.report() got unexpected keyword(s) {', '.join(sorted(unknown))}")
        ci_level, n, n_unit, unit = about["ci_level"], about["n"], about["n_unit"], about["unit"]
        method, description, digits = about["method"], about["description"], about["digits"]
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


class _Fields(dict):
    """A table row's fields for a key or description template, with the row's index under its name."""

    def __init__(self, row: pd.Series, index, index_name: str | None):
        super().__init__({str(k): v for k, v in row.items()})
        self.setdefault(index_name or "index", index)
        self.row = row

    def __missing__(self, name: str):
        raise KeyError(f"a ledger template names {{{name}}}, which is not a column of the table "
                       f"(columns: {', '.join(self)})")


def _text(template: str | Callable, fields: _Fields) -> str:
    return template(fields.row) if callable(template) else str(template).format_map(fields)
