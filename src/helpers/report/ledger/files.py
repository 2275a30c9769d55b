"""The book's results ledger on disk: collect it from executed notebooks, read, write, compare.

**Regression check.** ``reference/results_reference.csv`` is the committed ledger
of the last accepted build. :func:`compare_ledgers` compares a new ledger with it,
number by number, with the tolerances of :func:`load_tolerances`;
``python -m helpers results check`` (``make check-results``) prints the
differences and exits non-zero when there are any, and
``python -m helpers results update`` (``make update-reference``) prints them,
then writes the new reference.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
import pandas as pd
import yaml

from helpers.core.paths import ROOT
from helpers.report.ledger.record import (
    GLUE_PREFIX,
    LEDGER_COLUMNS,
    LEDGER_KEY,
    REQUIRED_COLUMNS,
    RESULT_COLUMNS,
)

REFERENCE_FILE = ROOT / "reference" / "results_reference.csv"
TOLERANCE_FILE = ROOT / "reference" / "tolerances.yml"


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


# --- The book's ledger: reading, writing, completeness --------------------------------


def read_ledger(path: str | Path) -> pd.DataFrame:
    """Read a ledger CSV (``results.csv`` or the reference) with its column types."""
    frame = pd.read_csv(path, dtype={"n_unit": str, "unit": str, "method": str, "description": str,
                                     "page": str, "data_source": str, "data_files": str,
                                     "parameters": str, "commit": str}, keep_default_na=False,
                        na_values={c: [""] for c in ("value", "ci_low", "ci_high", "ci_level", "n")})
    for column in LEDGER_COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.NA
    frame = frame[LEDGER_COLUMNS]
    return frame.astype({"n": "Int64", "value": float, "ci_low": float, "ci_high": float, "ci_level": float})


def write_ledger_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a ledger as CSV: floats at full precision (they read back bit for bit)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame[LEDGER_COLUMNS].to_csv(path, index=False, lineterminator="\n")


def incomplete_rows(frame: pd.DataFrame) -> list[str]:
    """Return one message per ledger row that leaves a required column empty.

    The confidence interval is optional, but ``ci_low``, ``ci_high`` and ``ci_level``
    are filled together or not at all. A chapter parameter echoed in the prose
    (``method == "parameter"``) rests on no sample and has no ``n``.
    """
    problems = []
    for row in frame.to_dict(orient="records"):
        required = [c for c in REQUIRED_COLUMNS if not (row.get("method") == "parameter" and c in ("n", "n_unit"))]
        missing = [c for c in required if _is_blank(row.get(c))]
        ci = [_is_blank(row.get(c)) for c in ("ci_low", "ci_high", "ci_level")]
        if any(ci) and not all(ci):
            missing.append("ci_low/ci_high/ci_level (partly filled)")
        if missing:
            problems.append(f"{row.get('chapter')}:{row.get('key')} lacks {', '.join(missing)}")
    return problems


def _is_blank(value) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in ("", "{}")


# --- Tolerances -----------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """How far a number may move before it counts as changed: ``|new - ref| <= max(abs, rel * |ref|)``.

    Every chapter is deterministic (fixed seeds, fixed data), so the default only
    absorbs floating-point noise from BLAS or optimizer paths (about 1e-12 relative);
    1e-6 relative leaves a wide margin and still catches any real change.
    """

    rel: float = 1e-6
    abs: float = 1e-9

    def allows(self, reference: float, new: float) -> bool:
        """Return True when *new* is within tolerance of *reference* (NaN only matches NaN).

        >>> Tolerance(rel=0.01).allows(100.0, 100.9)
        True
        >>> Tolerance().allows(1.0, 1.001)
        False
        """
        if _is_blank(reference) or _is_blank(new):
            return _is_blank(reference) and _is_blank(new)
        return abs(new - reference) <= max(self.abs, self.rel * abs(reference))


@dataclass(frozen=True)
class TolerancePolicy:
    """The default tolerance and the per-result overrides (patterns ``chapter:key``, globs allowed)."""

    default: Tolerance = Tolerance()
    overrides: tuple[tuple[str, Tolerance], ...] = ()

    def for_result(self, chapter: str, key: str) -> Tolerance:
        """Return the tolerance of one result: the first matching override, else the default."""
        name = f"{chapter}:{key}"
        for pattern, tolerance in self.overrides:
            if fnmatch.fnmatchcase(name, pattern):
                return tolerance
        return self.default


def load_tolerances(path: str | Path = TOLERANCE_FILE) -> TolerancePolicy:
    """Read the tolerance policy (``default: {rel, abs}``, ``overrides: {"chapter:key": {rel, abs}}``)."""
    path = Path(path)
    if not path.is_file():
        return TolerancePolicy()
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    default = Tolerance(**(spec.get("default") or {}))
    overrides = []
    for pattern, values in (spec.get("overrides") or {}).items():
        if ":" not in pattern:
            raise ValueError(f"{path}: override {pattern!r} must name 'chapter:key' (globs allowed)")
        unknown = set(values) - {"rel", "abs"}
        if unknown:
            raise ValueError(f"{path}: override {pattern!r} has unknown fields {sorted(unknown)}")
        overrides.append((pattern, Tolerance(**{**asdict(default), **values})))
    return TolerancePolicy(default, tuple(overrides))


# --- Comparison -----------------------------------------------------------------------

#: Numeric columns compared with the tolerance (``n`` must match exactly).
COMPARED_NUMBERS = ("value", "ci_low", "ci_high", "ci_level")


@dataclass(frozen=True)
class Difference:
    """One difference between the reference ledger and a new one."""

    chapter: str
    key: str
    kind: str  # "changed", "missing" (in the new ledger) or "new" (not in the reference)
    column: str = ""
    reference: float | None = None
    new: float | None = None

    @property
    def abs_change(self) -> float | None:
        if self.kind != "changed" or _is_blank(self.reference) or _is_blank(self.new):
            return None
        return float(self.new) - float(self.reference)

    @property
    def rel_change(self) -> float | None:
        change = self.abs_change
        if change is None or float(self.reference) == 0:
            return None
        return change / abs(float(self.reference))


def compare_ledgers(reference: pd.DataFrame, new: pd.DataFrame,
                    policy: TolerancePolicy | None = None) -> list[Difference]:
    """Return every difference between two ledgers, keyed by (chapter, key).

    Numbers (value, CI bounds, CI level) are compared with the policy's tolerance,
    ``n`` exactly; a result only in the reference is "missing", one only in the new
    ledger is "new". Text columns and provenance are not compared: they explain a
    difference (see :func:`format_differences`) but do not make one.
    """
    policy = policy or TolerancePolicy()
    ref = {(r["chapter"], r["key"]): r for r in reference.to_dict(orient="records")}
    cur = {(r["chapter"], r["key"]): r for r in new.to_dict(orient="records")}
    diffs = []
    for ident, r in ref.items():
        if ident not in cur:
            diffs.append(Difference(*ident, "missing", reference=r["value"]))
            continue
        c = cur[ident]
        tolerance = policy.for_result(*ident)
        for column in COMPARED_NUMBERS:
            if not tolerance.allows(_number(r[column]), _number(c[column])):
                diffs.append(Difference(*ident, "changed", column, _number(r[column]), _number(c[column])))
        if _number(r["n"]) != _number(c["n"]) and not (_is_blank(r["n"]) and _is_blank(c["n"])):
            diffs.append(Difference(*ident, "changed", "n", _number(r["n"]), _number(c["n"])))
    diffs += [Difference(*ident, "new", new=c["value"]) for ident, c in cur.items() if ident not in ref]
    return diffs


def _number(value) -> float | None:
    return None if _is_blank(value) else float(value)


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.6g}"


def _json_field(row: dict | None, column: str) -> dict:
    if row is None or _is_blank(row.get(column)):
        return {}
    value = row[column]
    return value if isinstance(value, dict) else json.loads(value)


def _context(reference: pd.DataFrame, new: pd.DataFrame, chapter: str, keys: list[str]) -> list[str]:
    """Say what changed in a chapter's inputs (parameters, data file checksums), from a differing result."""
    ref_rows = {r["key"]: r for r in reference[reference["chapter"] == chapter].to_dict(orient="records")}
    new_rows = {r["key"]: r for r in new[new["chapter"] == chapter].to_dict(orient="records")}
    shared = [k for k in keys if k in ref_rows and k in new_rows] or [k for k in ref_rows if k in new_rows]
    if shared:
        ref_row, new_row = ref_rows[shared[0]], new_rows[shared[0]]
    else:
        ref_row = next(iter(ref_rows.values()), None)
        new_row = next(iter(new_rows.values()), None)
    lines = []
    for column, label in (("parameters", "parameter"), ("data_files", "data file")):
        old, cur = _json_field(ref_row, column), _json_field(new_row, column)
        for name in sorted(set(old) | set(cur)):
            if old.get(name) != cur.get(name):
                a, b = old.get(name, "(absent)"), cur.get(name, "(absent)")
                if column == "data_files":
                    a, b = str(a)[:12], str(b)[:12]
                lines.append(f"    {label} {name}: {a} -> {b}")
    return lines


def format_differences(diffs: list[Difference], reference: pd.DataFrame, new: pd.DataFrame) -> str:
    """Return a readable report: a table of the differences, then what changed in each chapter's inputs."""
    if not diffs:
        return f"No differences: all {len(reference)} results match the reference."
    header = f"{'chapter':<22} {'key':<32} {'column':<9} {'reference':>12} {'new':>12} {'abs change':>12} {'rel change':>11}"
    lines = [f"{len(diffs)} difference(s) from the reference ledger:", header, "-" * len(header)]
    for d in diffs:
        if d.kind == "changed":
            rel = "—" if d.rel_change is None else f"{d.rel_change:+.3%}"
            change = "—" if d.abs_change is None else f"{d.abs_change:+.6g}"
            lines.append(f"{d.chapter:<22} {d.key:<32} {d.column:<9} {_fmt(d.reference):>12} "
                         f"{_fmt(d.new):>12} {change:>12} {rel:>11}")
        elif d.kind == "missing":
            lines.append(f"{d.chapter:<22} {d.key:<32} {'MISSING':<9} {_fmt(_number(d.reference)):>12} "
                         f"{'(not reported)':>12}")
        else:
            lines.append(f"{d.chapter:<22} {d.key:<32} {'NEW':<9} {'(none)':>12} {_fmt(_number(d.new)):>12}")
    for chapter in dict.fromkeys(d.chapter for d in diffs):
        context = _context(reference, new, chapter, [d.key for d in diffs if d.chapter == chapter])
        if context:
            lines.append(f"  inputs of {chapter} that differ from the reference build:")
            lines += context
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``check`` or ``update`` a new ledger against the committed reference."""
    parser = argparse.ArgumentParser(prog="python -m helpers results",
                                     description="Compare the book's results with the committed reference ledger.")
    parser.add_argument("command", choices=["check", "update"],
                        help="check: report differences, non-zero exit if any; "
                             "update: report them, then write the new reference")
    parser.add_argument("--new", type=Path, default=ROOT / "_build" / "html" / "results.csv",
                        help="ledger of the new build (default: _build/html/results.csv)")
    parser.add_argument("--reference", type=Path, default=REFERENCE_FILE)
    parser.add_argument("--tolerances", type=Path, default=TOLERANCE_FILE)
    args = parser.parse_args(argv)
    if not args.new.is_file():
        print(f"no ledger at {args.new}; build the book first (make book)", file=sys.stderr)
        return 2
    new = read_ledger(args.new)
    reference = read_ledger(args.reference) if args.reference.is_file() else new.iloc[0:0]
    diffs = compare_ledgers(reference, new, load_tolerances(args.tolerances))
    print(format_differences(diffs, reference, new))
    gaps = incomplete_rows(new)
    if gaps:
        print(f"\n{len(gaps)} result(s) with empty ledger columns:\n  " + "\n  ".join(gaps))
    if args.command == "update":
        write_ledger_csv(new, args.reference)
        print(f"\nwrote {len(new)} results to {args.reference}")
        return 1 if gaps else 0
    return 1 if diffs or gaps else 0

