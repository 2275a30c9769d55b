"""Design checks run before any model is fitted: refuse a broken design in one sentence, or warn.

A table can match its schema and still not answer the question: no control
donors, gels that each carry one diagnosis, one mouse per group, a week-0-only
time course. Each check here names the table, the groups and their counts, and
says what would fix it. A design that cannot give an estimate with a finite
interval raises :class:`DesignError` (whose message is that sentence); a design
that can, but below the recommended number of experimental units, records a
warning that the chapter shows in a box (:func:`pending_warnings`, displayed by
:func:`helpers.report.chapter.start_chapter`'s cell hook).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import patsy

#: Fewest experimental units per group below which a page shows a warning box.
RECOMMENDED_UNITS = {"donors": 5, "mice": 3, "samples": 3, "cultures": 3}
#: Fewest distinct doses of a series for a four-parameter logistic (4 parameters + 1).
MIN_DOSES = 5

_PENDING: list[str] = []


class DesignError(ValueError):
    """A design that cannot answer the chapter's question; the message is one sentence saying why and what fixes it."""


def warn_design(message: str) -> None:
    """Record a design warning for the page (shown once, in a warning box)."""
    if message not in _PENDING:
        _PENDING.append(message)


def pending_warnings(clear: bool = True) -> list[str]:
    """Return the design warnings recorded since the last call (and forget them when *clear*)."""
    out = list(_PENDING)
    if clear:
        _PENDING.clear()
    return out


def _plural(n: int, unit: str) -> str:
    """Return "1 mouse" / "3 mice" / "2 donors".

    >>> _plural(1, "mice"), _plural(2, "mice"), _plural(1, "donors")
    ('1 mouse', '2 mice', '1 donor')
    """
    if n == 1:
        return "1 " + {"mice": "mouse"}.get(unit, unit[:-1] if unit.endswith("s") else unit)
    return f"{n} {unit}"


def _counts_text(counts: pd.Series, unit: str) -> str:
    """Return "ref 2 donors, B 2 donors" from a Series of unit counts by group."""
    return ", ".join(f"{_label(k)} {_plural(int(v), unit)}" for k, v in counts.items())


def _label(key) -> str:
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)


def _where(table: str, context: str) -> str:
    return f"{table}, {context}" if context else table


def count_units(data: pd.DataFrame, by: str | Sequence[str], unit: str) -> pd.Series:
    """Return the number of distinct experimental units per group (groups in order of appearance)."""
    return data.groupby(by if isinstance(by, str) else list(by), sort=False, observed=True)[unit].nunique()


def require_levels(data: pd.DataFrame, table: str, column: str, needed: Iterable[str], unit_col: str,
                   unit: str, purpose: str, context: str = "") -> None:
    """Refuse when a level a comparison needs is absent from *column*.

    >>> t = pd.DataFrame({"group": ["B", "B"], "donor_id": ["a", "b"]})
    >>> require_levels(t, "human_blot", "group", ["ref", "B"], "donor_id", "donors",
    ...                "the B-vs-ref comparison")
    Traceback (most recent call last):
    ...
    helpers.analysis.design.DesignError: human_blot: the B-vs-ref comparison needs group 'ref', but the table has none (present: B 2 donors); add the lanes of the ref donors.
    """
    present = count_units(data, column, unit_col)
    missing = [level for level in needed if level not in present.index]
    if missing:
        what = " and ".join(f"'{m}'" for m in missing)
        have = _counts_text(present, unit) if len(present) else "no rows"
        raise DesignError(f"{_where(table, context)}: {purpose} needs {column} {what}, but the table has none "
                          f"(present: {have}); add the {_rows_word(table)} of the {' and '.join(missing)} {unit}.")


def _rows_word(table: str) -> str:
    """What a table's rows are called in a lab: lanes of a blot, cells of a PLA, measurements otherwise."""
    return {"human_blot": "lanes", "mouse_blot": "lanes", "mam_fraction": "lanes", "pla_cells": "cells",
            "arsenite_cells": "wells", "disease_course": "rows"}.get(table, "measurements")


def check_units(data: pd.DataFrame, table: str, by: str | Sequence[str], unit_col: str, unit: str,
                purpose: str, context: str = "", minimum: int = 1) -> pd.Series:
    """Refuse groups with fewer than *minimum* units; warn below :data:`RECOMMENDED_UNITS`; return the counts."""
    counts = count_units(data, by, unit_col)
    recommended = RECOMMENDED_UNITS.get(unit, 3)
    low = counts[counts < minimum]
    if len(low):
        raise DesignError(f"{_where(table, context)}: {purpose} needs at least {_plural(minimum, unit)} per group, "
                          f"but {_counts_text(low, unit)}; add {unit} to these groups "
                          f"({recommended} or more per group recommended).")
    few = counts[counts < recommended]
    if len(few):
        warn_design(f"{_where(table, context)}: {_counts_text(few, unit)} — fewer than the recommended "
                    f"{recommended} {unit} per group, so {purpose} rests on very few {unit} and its interval is wide "
                    "and sensitive to any one of them.")
    return counts


def lanes_at(lanes: pd.DataFrame, table: str, column: str, level: str) -> pd.DataFrame:
    """Return a copy of the lanes whose *column* is *level*; refuse, naming the levels present, when there are none.

    *column* is also the chapter's parameter that chose *level*.

    >>> lanes = pd.DataFrame({"region": ["a", "b"], "donor_id": ["D1", "D2"]})
    >>> lanes_at(lanes, "human_blot", "region", "b")["donor_id"].tolist()
    ['D2']
    """
    data = lanes[lanes[column] == level].copy()
    if data.empty:
        present = ", ".join(sorted(lanes[column].unique()))
        raise DesignError(f"{table}: no lanes for {column} {level!r} ({column}s present: {present}); add them, "
                          f"or choose a {column} that is present (the chapter's parameter {column}).")
    return data


def residual_df(data: pd.DataFrame, rhs: str) -> tuple[int, int]:
    """Return (rank of the design of formula right-hand side *rhs*, residual degrees of freedom)."""
    x = np.asarray(patsy.dmatrix(rhs, data, return_type="dataframe"), dtype=float)
    rank = int(np.linalg.matrix_rank(x))
    return rank, len(x) - rank


def check_residual_df(data: pd.DataFrame, table: str, rhs: str, counts: pd.Series, unit: str, model: str,
                      context: str = "") -> int:
    """Refuse a model that leaves no residual degrees of freedom (no finite interval); return the df."""
    rank, df = residual_df(data, rhs)
    if df < 1:
        recommended = RECOMMENDED_UNITS.get(unit, 3)
        raise DesignError(f"{_where(table, context)}: {_counts_text(counts, unit) if len(counts) <= 4 else _spread(counts, unit)} "
                          f"leave no residual degrees of freedom for {model} ({rank} parameters from {len(data)} "
                          f"{unit}), so no confidence interval can be computed; add {unit} "
                          f"({recommended} or more per group recommended).")
    return df


def _spread(counts: pd.Series, unit: str) -> str:
    low, high = int(counts.min()), int(counts.max())
    size = _plural(low, unit) if low == high else f"{low} to {high} {unit}"
    return f"{len(counts)} groups of {size} each"


def check_batch(data: pd.DataFrame, table: str, term: str, others: str, batch: str, group_col: str,
                comparison: str, context: str = "") -> None:
    """Refuse when the batch (gel) is confounded with the term of interest.

    The comparison is identifiable when adding *term* to ``others + batch``
    raises the design's rank by the number of the term's own columns.
    """
    base = f"{others} + C({batch})" if others else f"C({batch})"
    rank_without, _ = residual_df(data, base)
    rank_with, _ = residual_df(data, f"{term} + {base}")
    rank_term, _ = residual_df(data, term)
    if rank_with - rank_without >= rank_term - 1:
        return
    by_gel = data.groupby(batch, sort=True, observed=True)[group_col].agg(lambda s: "+".join(sorted(set(map(str, s)))))
    single = by_gel[~by_gel.str.contains(r"\+", regex=True)]
    detail = "; ".join(f"{g}: {v} only" for g, v in single.items()) if len(single) else \
        "; ".join(f"{g}: {v}" for g, v in by_gel.items())
    raise DesignError(f"{_where(table, context)}: the {batch.replace('_id', '')}s are confounded with {group_col} "
                      f"({detail}), so {comparison} cannot be told apart from the difference between "
                      f"{batch.replace('_id', '')}s; run the groups side by side on the same "
                      f"{batch.replace('_id', '')}s.")


def check_not_all_zero(data: pd.DataFrame, table: str, count_col: str, by: Sequence[str], unit_col: str,
                       context: str = "") -> None:
    """Refuse when every count of a group is zero (its rate, and any ratio to it, is zero or undefined)."""
    totals = data.groupby(list(by), sort=False, observed=True).agg(
        total=(count_col, "sum"), units=(unit_col, "nunique"), rows=(count_col, "size"))
    zero = totals[totals["total"] == 0]
    if len(zero):
        groups = "; ".join(f"{_label(k)} ({_plural(int(r.units), 'mice')}, {int(r.rows)} {_rows_word(table)})"
                           for k, r in zero.iterrows())
        raise DesignError(f"{_where(table, context)}: every {count_col} count is 0 in {groups}, so the rate "
                          "ratio against that group is zero or undefined; check the detection threshold or "
                          "the channel of those sections, or leave the group out.")


def check_time_points(data: pd.DataFrame, table: str, time_col: str, unit_col: str, unit: str) -> None:
    """Refuse longitudinal data in which no unit was measured at two or more time points."""
    per_unit = data.groupby(unit_col)[time_col].nunique()
    if (per_unit >= 2).sum() == 0:
        times = ", ".join(str(t) for t in sorted(data[time_col].unique()))
        raise DesignError(f"{table}: every one of the {_plural(len(per_unit), unit)} was measured at a single "
                          f"{time_col} ({time_col} {times}), so no change over time (weekly slope) can be "
                          f"estimated; add the later {time_col}ly measurements of the same {unit}.")


def check_dose_series(data: pd.DataFrame, table: str, dose_col: str, unit_col: str, response: str) -> None:
    """Refuse dose series a four-parameter logistic cannot identify (too few distinct doses, none above zero)."""
    doses = data.groupby(unit_col)[dose_col].nunique()
    short = doses[doses < MIN_DOSES]
    if len(short):
        shown = ", ".join(f"{u} {_plural(int(n), 'doses')}" for u, n in short.head(5).items())
        more = f" and {len(short) - 5} more" if len(short) > 5 else ""
        raise DesignError(f"{table}: a four-parameter logistic of {response} needs at least {MIN_DOSES} distinct "
                          f"doses per culture, but {shown}{more}; measure each culture over a dose series "
                          "spanning no effect to full effect.")


def event_counts(data: pd.DataFrame, group: str, event: str) -> pd.Series:
    """Return the number of observed events per group."""
    return data.groupby(group, sort=False, observed=True)[event].sum().astype(int)


def survival_notes(data: pd.DataFrame, table: str, group: str, event: str, reference: str, what: str) -> dict:
    """Say which hazard ratios are estimable; return ``{"estimable": [...], "not_estimable": {g: sentence}}``.

    A group without an observed event has a Kaplan-Meier curve (flat at 1) but
    no finite hazard ratio; without events in the reference group, none is
    estimable. A warning is recorded for the page.
    """
    events = event_counts(data, group, event)
    mice = count_units(data, group, "mouse_id") if "mouse_id" in data else data.groupby(group).size()
    out: dict = {"estimable": [], "not_estimable": {}}
    if events.sum() == 0:
        sentence = (f"{table}: no {what} was observed in any genotype ({_counts_text(mice, 'mice')}, all "
                    f"censored), so the Kaplan-Meier curves stay at 1, no median is reached and no hazard ratio "
                    f"or log-rank test can be computed; follow the mice until {what} occurs.")
        warn_design(sentence)
        out["not_estimable"] = {g: sentence for g in events.index if g != reference}
        out["none"] = sentence
        return out
    for g, n in events.items():
        if g == reference:
            continue
        if n == 0 or events.get(reference, 0) == 0:
            empty = g if n == 0 else reference
            sentence = (f"{table}: {empty} has no observed {what} ({_plural(int(mice[empty]), 'mice')}, all "
                        f"censored), so the hazard ratio of {g} vs {reference} is not estimable and is not "
                        "reported; its Kaplan-Meier curve is shown.")
            warn_design(sentence)
            out["not_estimable"][g] = sentence
        else:
            out["estimable"].append(g)
    return out


# --------------------------------------------------------------------------- per table


def check_human_region(data: pd.DataFrame, rhs: str, region: str, reference: str, groups: Sequence[str]) -> None:
    """Check one region of the human blot table before the OLS of *rhs* (diagnosis + covariates + gel).

    *reference* is the study's reference diagnosis group, *groups* those compared with it.
    """
    table, context = "human_blot", f"region {region}"
    purpose = f"the {'/'.join(groups)}-vs-{reference} comparison"
    require_levels(data, table, "group", (reference, *groups), "donor_id", "donors", purpose, context)
    counts = check_units(data, table, "group", "donor_id", "donors", purpose, context)
    terms = [t.strip() for t in rhs.split("+")]
    others = " + ".join(t for t in terms[1:] if "gel_id" not in t)
    check_residual_df(data, table, rhs, counts, "donors", "the model of diagnosis, covariates and gel", context)
    if data["gel_id"].nunique() > 1:
        check_batch(data, table, terms[0], others, "gel_id", "group", f"the {'/'.join(groups)}-vs-{reference} "
                    "difference", context)


def check_mouse_groups(data: pd.DataFrame, table: str, context: str, rhs: str, batch: str | None = None,
                       reference: str | None = None) -> None:
    """Check a genotype x stage design against the reference genotype before fitting *rhs* (+ *batch*).

    *reference* is the study's reference genotype; None (for callers that do not
    pass it yet) takes the one the example study declares for *table*.
    """
    if reference is None:
        from helpers.data.study import example_study

        reference = example_study().reference(table, "genotype")
    purpose = f"the comparison with {reference} mice"
    require_levels(data, table, "genotype", (reference,), "mouse_id", "mice", purpose, context)
    counts = check_units(data, table, ["genotype", "stage"], "mouse_id", "mice", purpose, context)
    check_residual_df(data, table, rhs, counts, "mice", "the genotype × stage model", context)
    if batch is not None and data[batch].nunique() > 1:
        check_batch(data, table, "C(genotype):C(stage)", "", batch, "genotype",
                    "the genotype difference", context)
        check_residual_df(data, table, f"{rhs} + C({batch})", counts, "mice",
                          "the genotype × stage model with the gel", context)


def check_sandwich_clusters(data: pd.DataFrame, table: str, by: Sequence[str], unit_col: str, unit: str,
                            model: str, context: str = "") -> None:
    """Refuse a model clustered on the unit (a sandwich SE) when a group has a single unit.

    That unit alone fixes its group's mean, so its residual is zero and says
    nothing about the spread: the sandwich would report a standard error that
    is noise (the bias-reduced one is undefined).
    """
    counts = count_units(data, by, unit_col)
    single = counts[counts < 2]
    if len(single):
        raise DesignError(f"{_where(table, context)}: {_counts_text(single, unit)}; {model} estimates its standard "
                          f"error from the spread between {unit} of a group, so it needs at least 2 {unit} in "
                          f"every group; add {unit} to these groups (the analysis with one value per "
                          f"{_plural(1, unit)[2:]} does not need this).")


def check_pla_cells(cells: pd.DataFrame, context: str) -> None:
    """Refuse a PLA selection in which a genotype x stage group has no punctum at all."""
    check_not_all_zero(cells, "pla_cells", "puncta", ["genotype", "stage"], "mouse_id", context)


def _fraction_counts(table: pd.DataFrame) -> str:
    present = count_units(table, "fraction", "sample_id")
    return _counts_text(present, "samples") if len(present) else "no rows"


def check_mam_fractions(table: pd.DataFrame, numerator: str, denominator: str,
                        source: str = "mam_fraction.csv") -> None:
    """Refuse a MAM-fraction table without the study's MAM fraction or its reference fraction, in one sentence.

    >>> t = pd.DataFrame({"fraction": ["T", "C"], "sample_id": ["F1", "F1"]})
    >>> check_mam_fractions(t, "M", "T")
    Traceback (most recent call last):
    ...
    helpers.analysis.design.DesignError: mam_fraction.csv, column 'fraction': the MAM enrichment (M over T) needs lanes of 'M', the study's MAM fraction, but no sample has one (present: T 1 sample, C 1 sample); add those lanes, or name in the study description the fraction that is the MAM (roles: {<fraction>: mam}) and the reference fraction (the factor's reference).
    """
    present = set(table["fraction"])
    roles = {numerator: "the study's MAM fraction", denominator: "its reference fraction"}
    missing = [f"'{f}', {role}" for f, role in roles.items() if f not in present]
    if missing:
        raise DesignError(f"{source}, column 'fraction': the MAM enrichment ({numerator} over {denominator}) needs "
                          f"lanes of {' and of '.join(missing)}, but no sample has "
                          f"{'one' if len(missing) == 1 else 'either'} (present: {_fraction_counts(table)}); add "
                          "those lanes, or name in the study description the fraction that is the MAM "
                          "(roles: {<fraction>: mam}) and the reference fraction (the factor's reference).")


def check_fraction_set(table: pd.DataFrame, fractions: Sequence[str], source: str = "mam_fraction.csv") -> None:
    """Refuse a MAM-fraction table that lacks one of the study's fractions (its shares would not compare).

    >>> t = pd.DataFrame({"fraction": ["T", "C"], "sample_id": ["F1", "F1"]})
    >>> check_fraction_set(t, ["T", "M", "C"])
    Traceback (most recent call last):
    ...
    helpers.analysis.design.DesignError: mam_fraction.csv, column 'fraction': the distribution of each protein over the fractions needs the fraction 'M', but no sample has that lane (present: T 1 sample, C 1 sample); add the M lanes of the samples, or give every sample the same set of fractions.
    """
    present = set(table["fraction"])
    missing = [f for f in fractions if f not in present]
    if missing:
        what = " and ".join(f"'{m}'" for m in missing)
        raise DesignError(f"{source}, column 'fraction': the distribution of each protein over the fractions needs "
                          f"the fraction{'s' if len(missing) > 1 else ''} {what}, but no sample has that lane "
                          f"(present: {_fraction_counts(table)}); add the {' and '.join(missing)} lanes of the "
                          "samples, or give every sample the same set of fractions.")


def check_mam_table(table: pd.DataFrame, fractions: Sequence[str], reference: tuple[str, str],
                    source: str = "mam_fraction.csv") -> None:
    """Refuse a MAM-fraction table without the fractions or the reference group (genotype, control) its page reports."""
    check_fraction_set(table, fractions, source)
    genotype, control = reference
    purpose = f"the distribution over the fractions in {genotype} {control} samples (the reference)"
    require_levels(table, "mam_fraction", "genotype", (genotype,), "sample_id", "samples", purpose)
    require_levels(table[table["genotype"] == genotype], "mam_fraction", "stress", (control,), "sample_id",
                   "samples", purpose, f"genotype {genotype}")


def check_mam_groups(data: pd.DataFrame, protein: str, genotypes: Sequence[str], stresses: Sequence[str]) -> None:
    """Check the genotype x treatment design of one protein's enrichment before the OLS."""
    context = f"protein {protein}"
    control, stressor = stresses
    require_levels(data, "mam_fraction", "stress", stresses, "sample_id", "samples",
                   f"the stress effect ({stressor} vs {control})", context)
    require_levels(data, "mam_fraction", "genotype", genotypes[:1], "sample_id", "samples",
                   f"the comparison with {genotypes[0]}", context)
    counts = check_units(data, "mam_fraction", ["genotype", "stress"], "sample_id", "samples",
                         "the enrichment of each genotype × treatment group", context)
    check_residual_df(data, "mam_fraction", "0 + C(genotype):C(stress)", counts, "samples",
                      "the genotype × treatment model", context)


def check_arsenite_motor(table: pd.DataFrame, reference: str, control: str, stressor: str) -> None:
    """Check the stress time course: reference genotype, control and stressor present, repeated weeks, mice per group."""
    name, purpose = "arsenite_motor", f"the {stressor}-vs-{control} slope comparison"
    require_levels(table, name, "treatment", (control, stressor), "mouse_id", "mice", purpose)
    require_levels(table, name, "genotype", (reference,), "mouse_id", "mice", f"the comparison with {reference}")
    check_time_points(table, name, "week", "mouse_id", "mice")
    counts = check_units(table, name, ["genotype", "treatment"], "mouse_id", "mice", purpose)
    mice = table.drop_duplicates("mouse_id")
    check_residual_df(mice, name, "C(genotype):C(treatment)", counts, "mice",
                      "the per-mouse slopes by genotype × treatment")


def check_arsenite_cells(cells: pd.DataFrame, response: str, reference: str) -> None:
    """Check the dose series before the per-culture four-parameter logistic fits."""
    name = "arsenite_cells"
    require_levels(cells, name, "genotype", (reference,), "culture_id", "cultures",
                   f"the EC50 ratio against {reference}")
    check_dose_series(cells, name, "dose_um", "culture_id", response)
    counts = check_units(cells, name, "genotype", "culture_id", "cultures", f"the EC50 of {response}")
    check_residual_df(cells.drop_duplicates("culture_id"), name, "C(genotype)", counts, "cultures",
                      "the model of log EC50 by genotype")
