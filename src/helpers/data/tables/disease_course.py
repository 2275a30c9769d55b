"""Disease course of SOD1-G85R mice with and without Sig1R: onset and end stage with censoring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the rules take and give frames; importing pandas would slow every build's planning
    import pandas as pd

from helpers.data.tables.spec import Column, TableSpec


@dataclass(frozen=True)
class PairedColumn(Column):
    """A column whose valid values also depend on another column of the same row.

    ``rule`` says in words what the row must satisfy (it is appended to the
    expectation shown in error messages and in ``data/README.md``);
    ``row_ok(frame)`` returns, for every row, whether the rule holds.
    Rows with unparseable cells are left to the per-column checks.
    """

    rule: str = ""
    row_ok: object = None
    #: The other columns the rule reads (without them the rule is not checked).
    needs: tuple[str, ...] = ()

    def expectation(self) -> str:
        """The per-column expectation followed by the rule linking it to its row."""
        return f"{super().expectation()}, {self.rule}"

def _onset_not_after_end(frame: pd.DataFrame) -> pd.Series:
    return ~(frame["onset_day"] > frame["end_stage_day"]).fillna(False)

def _end_needs_onset(frame: pd.DataFrame) -> pd.Series:
    return ~((frame["end_stage_observed"] == 1) & (frame["onset_observed"] == 0)).fillna(False)

def _censored_before_onset(frame: pd.DataFrame) -> pd.Series:
    left = frame["onset_observed"] == 0
    return ~(left & (frame["end_stage_day"] != frame["onset_day"])).fillna(False)


#: The columns of each endpoint: a study may record end stage, onset or both (each with its censoring flag);
#: end stage, the harder endpoint, comes first (a chapter's default).
ENDPOINT_COLUMNS = {"end_stage": ("end_stage_day", "end_stage_observed"), "onset": ("onset_day", "onset_observed")}

SPEC = TableSpec(
    name="disease_course",
    filename="disease_course.csv",
    description=(
        "One row per mouse: day of disease onset (peak body weight) and day of end stage "
        "(unable to right itself within 20 s), each with a flag saying whether the event "
        "was observed (1) or the mouse was censored on that day (0), having left the study "
        "alive or reached the end of the study."
    ),
    design=(
        "Disease course of SOD1-G85R mice with two, one or no Sigmar1 copies (Watanabe et al., "
        "EMBO Mol Med 2016, PMC5167132): SOD1-G85R;Sigmar1-/- mice fall ill earlier and die "
        "sooner than SOD1-G85R or SOD1-G85R;Sigmar1+/- mice."
    ),
    columns=(
        Column("mouse_id", "str", "Mouse identifier.", "-"),
        Column("genotype", "str", "Genotype.", "-", factor="genotype"),
        Column("sex", "str", "Sex of the mouse.", "-", allowed=("F", "M")),
        PairedColumn("onset_day", "int", "Age at onset, or at censoring if onset_observed is 0.", "day",
                     minimum=0, maximum=1500, rule="not later than end_stage_day of the same row",
                     row_ok=_onset_not_after_end, needs=("end_stage_day",), optional=True),
        Column("onset_observed", "int", "1 if onset was observed, 0 if censored.", "-", minimum=0, maximum=1,
               optional=True),
        PairedColumn("end_stage_day", "int", "Age at end stage, or at censoring if end_stage_observed is 0.",
                     "day", minimum=0, maximum=1500,
                     rule="equal to onset_day when onset_observed is 0 (a mouse that left before onset "
                          "is censored for both on the same day)",
                     row_ok=_censored_before_onset, needs=("onset_day", "onset_observed"), optional=True),
        PairedColumn("end_stage_observed", "int", "1 if end stage was observed, 0 if censored.", "-",
                     minimum=0, maximum=1, rule="and 1 only if onset_observed is 1",
                     row_ok=_end_needs_onset, needs=("onset_observed",), optional=True),
    ),
    key=("mouse_id",),
    constant_within={},
    needs_a_measurement=True,
    choices=ENDPOINT_COLUMNS,
)
