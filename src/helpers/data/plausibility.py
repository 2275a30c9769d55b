"""Plausibility notes: values the schema admits but no instrument or animal produces.

A schema says what a value *may* be (a finite positive densitometry, an age
between 18 and 110); this module says what it very probably *is not* (a band of
1e308 arbitrary units, a mouse of 300 g, a donor of 109 years with a post-mortem
interval of 0 hours). These are warnings printed by ``make validate`` with the
row and column, never errors: a lab may have a reason, and the book does not
change its data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Densitometry columns (arbitrary units of an integrated band or lane).
DENSITOMETRY = ("ptbk1", "ptbk1_loading", "tbk1", "tbk1_loading", "ptbk1_total_protein", "tbk1_total_protein",
                "signal", "total_protein")
#: Largest integrated band a 16-bit imager's software exports (65535 x about 15,000 pixels).
MAX_DENSITOMETRY = 1e9


@dataclass(frozen=True)
class Rule:
    """One plausibility rule: the rows of *column* where *flag* is true are reported with *reason*."""

    tables: tuple[str, ...]
    column: str
    flag: Callable[[pd.DataFrame], pd.Series]
    reason: str


@dataclass(frozen=True)
class Warning_:
    """One implausible value: where it is, what it is, and why it is doubtful."""

    where: str
    row: int | None
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        row = f", row {self.row}" if self.row is not None else ""
        return f"{self.where}{row}, column '{self.column}': {self.value} {self.reason}"


RULES: tuple[Rule, ...] = (
    *(Rule(("human_blot", "mouse_blot", "mam_fraction"), c, lambda t, c=c: t[c] > MAX_DENSITOMETRY,
           f"is larger than any densitometry export (above {MAX_DENSITOMETRY:.0e} AU); check the unit or a "
           "mangled number") for c in DENSITOMETRY),
    Rule(("human_blot",), "age_years", lambda t: t["age_years"] >= 105,
         "years is beyond the age of almost every autopsy donor; check the entry"),
    Rule(("human_blot",), "pmi_hours", lambda t: t["pmi_hours"] == 0,
         "hours: a post-mortem interval of zero is not possible for autopsy tissue (missing value entered as 0?)"),
    Rule(("arsenite_cells",), "dose_um", lambda t: t["dose_um"] > 1000,
         "µM of arsenite kills every culture within minutes; was the dose entered in nM?"),
    Rule(("arsenite_cells",), "ptbk1_ratio", lambda t: t["ptbk1_ratio"] > 20,
         "times the WT vehicle mean is beyond what a pTBK1/TBK1 blot shows; check the normalization"),
    Rule(("arsenite_motor",), "body_weight_g", lambda t: (t["body_weight_g"] > 80) | (t["body_weight_g"] < 5),
         "g is not the weight of an adult mouse (5 to 80 g); check the unit"),
    Rule(("arsenite_motor",), "grip_g", lambda t: t["grip_g"] > 1000,
         "g of forelimb grip is beyond what a mouse produces; check the unit"),
    Rule(("pla_cells",), "puncta", lambda t: t["puncta"] > 1000,
         "PLA puncta in one cell is beyond what a confocal count resolves; check the counting"),
    Rule(("pla_cells",), "cell_area_um2", lambda t: (t["cell_area_um2"] > 20000) | (t["cell_area_um2"] < 10),
         "µm² is not the soma area of a mouse cell (10 to 20,000 µm²); check the unit (pixels?)"),
    *(Rule(("disease_course",), c, lambda t, c=c: t[c] > 1200,
           "days is beyond the life span of a laboratory mouse; check the unit") for c in ("onset_day",
                                                                                               "end_stage_day")),
)


def _shown(value) -> str:
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def check_plausibility(name: str, table: pd.DataFrame, frame: pd.DataFrame | None, where: str) -> list[Warning_]:
    """Return the implausible values of table *name* (parsed *table*; *frame* gives the file rows).

    >>> import pandas as pd
    >>> t = pd.DataFrame({"age_years": [70, 109], "pmi_hours": [5.0, 0.0]})
    >>> print(check_plausibility("human_blot", t, None, "h.csv")[0])
    h.csv, row 3, column 'age_years': 109 years is beyond the age of almost every autopsy donor; check the entry
    """
    rows = list(frame.index) if frame is not None else list(range(2, len(table) + 2))
    warnings = []
    for rule in RULES:
        if name not in rule.tables or rule.column not in table.columns:
            continue
        flagged = np.flatnonzero(rule.flag(table).fillna(False).to_numpy(dtype=bool))
        for i in flagged:
            warnings.append(Warning_(where, int(rows[i]), rule.column, _shown(table[rule.column].iloc[i]),
                                     rule.reason))
    return sorted(warnings, key=lambda w: (w.row or 0, w.column))
