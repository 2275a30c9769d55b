"""Subcellular fractions: where each protein sits, and its enrichment in the MAM.

Every level comes from the study's description (:class:`FractionDesign`): the
fractions, which of them is the MAM fraction (``roles: {<fraction>: mam}``) and
which the reference fraction (the factor's ``reference``, the whole-tissue
lysate), the proteins and their roles (``marker``: a MAM marker that
checks the purity of the fractions; ``recruited``: recruited to the MAM under
stress), the genotypes with the reference first and the stress levels with the
control first.

Each lane's band is divided by the lane's total-protein stain (equal protein is
loaded, the stain catches unequal loading). Two summaries follow:

* the **distribution** of a protein over the fractions: each fraction's
  normalized signal as a share of the sample's summed signal over its
  lanes. With equal protein per lane this is a share of *concentration* (per
  microgram), not of the protein's mass, which would also need each fraction's
  yield;
* the **MAM enrichment**: ``log(MAM / reference fraction)`` per sample and
  protein. Both lanes of a sample sit on the same gel, so the gel's exposure
  cancels. Enrichment is modelled on the log scale with the sample (one
  fractionation of pooled tissue) as the unit: OLS on genotype x treatment cell
  means plus the gel (fractionation batch) as a sum-coded fixed effect where
  the design identifies it. Estimates are reported back as ratios with t-based
  confidence intervals. The alternative, equally defensible, treats the gel as
  a random intercept (REML, Kenward-Roger SE and df; :mod:`helpers.stats.mixed`):
  it recovers between-gel information that the fixed gel discards, and with a
  handful of gels the two can disagree on whether an interval excludes 1, so the
  chapter shows both (``gel="random"``).

Within a protein, the comparisons of one kind (the stress effects, the
interactions) form a family: Bonferroni-simultaneous intervals and the
matching adjusted p-values are added (:mod:`helpers.stats.simultaneous`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from helpers.analysis import design
from helpers.data.study import Study, StudyError
from helpers.stats.mixed import fit_random_intercept
from helpers.stats.simultaneous import adjust_family, holm

UNIT = "sample_id"
TABLE = "mam_fraction"
#: How the gel (fractionation batch) enters the enrichment model.
GEL_MODELS = {
    "fixed": "gel as a fixed effect (sum-coded); t on the residual df",
    "random": "gel as a random intercept (REML); Kenward-Roger SE and df",
}


@dataclass(frozen=True)
class FractionDesign:
    """The levels of a fractionation study, as its description declares them.

    >>> d = FractionDesign(fractions=("lysate", "M", "C"), mam="M", reference="lysate", proteins=("P", "Q", "R"),
    ...                    markers=("Q",), recruited=("P",), genotypes=("ref", "mut"), stresses=("ctl", "drug"))
    >>> d.control, d.stressors, d.reference_genotype, d.reported
    ('ctl', ('drug',), 'ref', ('P',))
    """

    fractions: tuple[str, ...]
    #: The MAM fraction (numerator of the enrichment) and the reference fraction (its denominator).
    mam: str
    reference: str
    proteins: tuple[str, ...]
    #: MAM markers (purity of the fractions) and proteins recruited to the MAM under stress.
    markers: tuple[str, ...]
    recruited: tuple[str, ...]
    #: Genotypes, the reference first; stress levels, the control first.
    genotypes: tuple[str, ...]
    stresses: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)
    #: How messages name the table: its file (or workbook sheet).
    source: str = "mam_fraction.csv"

    @classmethod
    def of(cls, study: Study, table: str = TABLE) -> FractionDesign:
        """Read the design of *table* from *study*; a :class:`StudyError` says which fact is missing."""
        where = study.descriptor or f"study {study.name}"
        fraction, protein, genotype = study.factor("fraction"), study.factor("protein"), study.factor("genotype")
        mam = fraction.with_role("mam")
        if len(mam) != 1:
            raise StudyError(f"{where}, property 'mam_tbk1_design.factors.fraction.roles': the MAM enrichment needs "
                             f"exactly one fraction declared as the MAM (found {len(mam)}: "
                             f"{', '.join(mam) or 'none'}); declare it as roles: {{<your MAM fraction>: mam}}.")
        reference = study.reference(table, "fraction")
        if reference is None:
            raise StudyError(f"{where}, property 'mam_tbk1_design.factors.fraction.reference': the MAM enrichment "
                             "needs the reference fraction it is divided by (the whole-tissue lysate); "
                             "declare it as the factor's reference.")
        path = study.table_path(table)
        source = (f"{path.name}, sheet {table}" if path is not None and path.suffix == ".xlsx"
                  else path.name if path is not None else f"{table}.csv")
        proteins = study.levels(table, "protein")
        genotypes = _reference_first(study.levels(table, "genotype"), study.reference(table, "genotype"))
        stresses = _reference_first(study.levels(table, "stress"), study.reference(table, "stress"))
        return cls(study.levels(table, "fraction"), mam[0], reference, proteins,
                   tuple(p for p in proteins if protein.roles.get(p) == "marker"),
                   tuple(p for p in proteins if protein.roles.get(p) == "recruited"),
                   genotypes, stresses, dict(genotype.labels), source)

    @property
    def control(self) -> str:
        """The control stress level (the stress factor's reference)."""
        return self.stresses[0]

    @property
    def stressors(self) -> tuple[str, ...]:
        """The stress levels compared with the control."""
        return self.stresses[1:]

    @property
    def reference_genotype(self) -> str:
        return self.genotypes[0]

    @property
    def reported(self) -> tuple[str, ...]:
        """The proteins whose stress effect the page reports: those declared recruited, else every non-marker."""
        return self.recruited or tuple(p for p in self.proteins if p not in self.markers)

    def label(self, genotype: str) -> str:
        """The display label of *genotype* (the level itself when none is declared)."""
        return self.labels.get(genotype, genotype)

    def method(self, gel: str = "fixed") -> str:
        """The method of :func:`fit_enrichment_model` with *gel* (see :data:`GEL_MODELS`), in words.

        >>> FractionDesign(("T", "M"), "M", "T", ("P",), (), (), ("ref",), ("ctl",)).method("random")
        'log(M/T) on genotype x treatment cells, gel as a random intercept (REML); Kenward-Roger SE and df'
        """
        if gel == "fixed":
            return (f"OLS of log({self.mam}/{self.reference}) on genotype x treatment cells + gel (sum-coded); "
                    "sample = unit; t-based CI of each comparison on its own (unadjusted)")
        return f"log({self.mam}/{self.reference}) on genotype x treatment cells, {GEL_MODELS[gel]}"


def _reference_first(levels: tuple[str, ...], reference: str | None) -> tuple[str, ...]:
    """Return *levels* with *reference* first (as declared when it has none).

    >>> _reference_first(("a", "ref", "b"), "ref"), _reference_first(("a", "b"), None)
    (('ref', 'a', 'b'), ('a', 'b'))
    """
    if reference is None or reference not in levels:
        return tuple(levels)
    return (reference, *(v for v in levels if v != reference))


def add_log_signal(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of *table* with ``log_signal`` = log(signal / total-protein stain).

    Examples
    --------
    >>> t = pd.DataFrame({"signal": [20.0], "total_protein": [10.0]})
    >>> round(float(np.exp(add_log_signal(t)["log_signal"].iloc[0])), 6)
    2.0
    """
    return table.assign(log_signal=np.log(table["signal"]) - np.log(table["total_protein"]))


def fraction_shares(table: pd.DataFrame, fractions: tuple[str, ...], reference: tuple[str, str],
                    source: str = "mam_fraction.csv") -> pd.DataFrame:
    """Return each fraction's share of a sample's summed normalized signal, per protein.

    Parameters
    ----------
    table : DataFrame
        The ``mam_fraction`` table.
    fractions : tuple of str
        The fractions every table must hold (the study's, :attr:`FractionDesign.fractions`).
    reference : (str, str)
        The reference genotype and the control stress: the chapter's table of shares
        is theirs, so they must have samples.
    source : str
        The table's file, named in a refusal.

    Returns
    -------
    DataFrame
        One row per sample x protein x fraction with ``share`` (0-1; the shares
        of a sample and protein sum to 1).

    Raises
    ------
    DesignError
        If one of *fractions* has no lane at all, or the reference group has no samples.

    Examples
    --------
    >>> t = pd.DataFrame({"sample_id": ["a", "a"], "genotype": "ref", "stress": "ctl",
    ...                   "protein": "P", "fraction": ["A", "B"],
    ...                   "signal": [3.0, 1.0], "total_protein": [1.0, 1.0]})
    >>> fraction_shares(t, ("A", "B"), ("ref", "ctl"))["share"].round(6).tolist()
    [0.75, 0.25]
    """
    design.check_mam_table(table, fractions, reference, source)
    data = add_log_signal(table)
    data = data.assign(normalized=np.exp(data["log_signal"]))
    total = data.groupby([UNIT, "protein"], observed=True)["normalized"].transform("sum")
    data = data.assign(share=data["normalized"] / total)
    return data[[UNIT, "genotype", "stress", "protein", "fraction", "share"]].reset_index(drop=True)


def mam_enrichment(table: pd.DataFrame, numerator: str, denominator: str,
                   source: str = "mam_fraction.csv") -> pd.DataFrame:
    """Return ``log_enrichment`` = log(numerator / denominator) per sample and protein.

    *numerator* is the study's MAM fraction, *denominator* its reference fraction
    (:class:`FractionDesign`); *source* names the table's file in a refusal.

    Raises
    ------
    DesignError
        If the table has no lane of one of the two fractions, a sample lacks one of
        them for a protein, or the two lanes ran on different gels (then the gel no
        longer cancels).

    Examples
    --------
    >>> t = pd.DataFrame({"sample_id": "a", "genotype": "ref", "stress": "ctl", "protein": "P", "gel_id": "g",
    ...                   "fraction": ["T", "M"], "signal": [2.0, 8.0], "total_protein": [1.0, 1.0]})
    >>> round(float(np.exp(mam_enrichment(t, "M", "T")["log_enrichment"].iloc[0])), 6)
    4.0
    """
    design.check_mam_fractions(table, numerator, denominator, source)
    data = add_log_signal(table)
    wide = data.pivot_table(index=[UNIT, "genotype", "stress", "protein"], columns="fraction",
                            values="log_signal", observed=True)
    gels = data.pivot_table(index=[UNIT, "genotype", "stress", "protein"], columns="fraction",
                            values="gel_id", aggfunc="first", observed=True)
    for fraction in (numerator, denominator):
        if wide[fraction].isna().any():
            raise design.DesignError(f"{source}, column 'fraction': the enrichment ({numerator} over {denominator}) "
                                     f"needs a {fraction!r} lane for every sample and protein, and some have none; "
                                     "add them.")
    if (gels[numerator] != gels[denominator]).any():
        raise design.DesignError(f"{source}: the {numerator} and {denominator} lanes of a sample must run on the "
                                 "same gel (share a gel, so that its exposure cancels), and some do not; rerun them side by side.")
    out = pd.DataFrame({"log_enrichment": wide[numerator] - wide[denominator], "gel_id": gels[numerator]})
    return out.reset_index()


def _gel_identifiable(data: pd.DataFrame, groups: list[str]) -> bool:
    """True if adding the gel to the cell-means model keeps it of full rank with residual df left."""
    cells = pd.get_dummies(data["group"]).to_numpy(float)
    gels = pd.get_dummies(data["gel_id"]).to_numpy(float)[:, 1:]
    design = np.column_stack([cells, gels])
    rank = np.linalg.matrix_rank(design)
    return gels.shape[1] > 0 and rank == design.shape[1] and len(data) - rank >= 2


def fit_enrichment_model(
    enrichment: pd.DataFrame,
    protein: str,
    genotypes: tuple[str, ...],
    stresses: tuple[str, str],
    alpha: float = 0.05,
    gel: str = "fixed",
    ddf: str = "kenward-roger",
) -> pd.DataFrame:
    """Estimate MAM enrichment of *protein* by genotype x treatment, its stress effects and interactions.

    With ``gel="fixed"`` the model is OLS of ``log_enrichment`` on the
    genotype x treatment cell means plus the gel as a sum-coded fixed effect
    (so cell means are averaged over gels), if the gels are identifiable; with
    ``gel="random"`` the same cell means with a random gel intercept (REML,
    Kenward-Roger SE and df per contrast). One value per sample, so the sample is
    the unit.

    Parameters
    ----------
    enrichment : DataFrame
        Output of :func:`mam_enrichment`.
    protein : str
        Protein to model.
    genotypes : tuple of str
        Genotypes, the reference first (:attr:`FractionDesign.genotypes`).
    stresses : (str, str)
        The control and one stress level (:attr:`FractionDesign.control`, one of its ``stressors``);
        samples of other stress levels are left out.
    alpha : float
        1 - confidence level.
    gel : {"fixed", "random"}
        How the gel enters (see :data:`GEL_MODELS`).
    ddf : {"kenward-roger", "satterthwaite"}
        Small-sample method of the random-gel model (see :mod:`helpers.stats.mixed`).

    Returns
    -------
    DataFrame
        One row per estimate: ``kind`` is ``level`` (enrichment of a cell,
        ``genotype`` and ``stress`` set), ``stress_effect`` (stress minus
        control within a genotype) or ``interaction`` (stress effect in a
        genotype minus that in the reference genotype). Columns ``estimate, se,
        ci_low, ci_high, p_value`` (log scale), ``ratio, ratio_ci_low,
        ratio_ci_high`` (each comparison on its own), ``sim_low, sim_high,
        ratio_sim_low, ratio_sim_high, p_adj`` (Bonferroni-simultaneous within
        kind, they agree), ``p_holm`` (Holm within kind), ``df_resid`` (the
        contrast's df), ``n_units``, ``gel_adjusted`` and ``gel_model``.
    """
    if gel not in GEL_MODELS:
        raise ValueError(f"gel must be one of {list(GEL_MODELS)}, got {gel!r}")
    data = enrichment[enrichment["protein"] == protein].copy()
    if data.empty:
        raise design.DesignError(f"mam_fraction: no samples for protein {protein!r}; add its lanes, or choose a "
                                 "protein that is present.")
    control, stress = stresses
    design.check_mam_groups(data, protein, genotypes, stresses)
    data = data[data["genotype"].isin(genotypes) & data["stress"].isin(stresses)].copy()
    cells = [f"{g}|{s}" for g in genotypes for s in stresses]
    data["group"] = pd.Categorical(data["genotype"] + "|" + data["stress"], categories=cells)
    missing = [c for c in cells if not (data["group"] == c).any()]
    if missing:
        raise design.DesignError(f"mam_fraction, protein {protein}: no samples in group(s) {', '.join(missing)}; "
                                 "add them.")
    if gel == "random":
        gel_adjusted = data["gel_id"].nunique() > 1
        X = pd.get_dummies(data["group"]).reindex(columns=cells).to_numpy(float)
        names = [f"C(group)[{c}]" for c in cells]
        mixed = fit_random_intercept(data["log_enrichment"].to_numpy(float), X,
                                     data["gel_id"] if gel_adjusted else np.zeros(len(data)))
        test_of = partial(mixed.contrast, alpha=alpha, ddf=ddf)
    else:
        gel_adjusted = _gel_identifiable(data, cells)
        formula = "log_enrichment ~ 0 + C(group)" + (" + C(gel_id, Sum)" if gel_adjusted else "")
        fit = smf.ols(formula, data=data).fit()
        names = list(fit.params.index)
        test_of = partial(_ols_contrast, fit, alpha=alpha)

    def vector(weights: dict[str, float]) -> np.ndarray:
        row = np.zeros(len(names))
        for cell, w in weights.items():
            row[names.index(f"C(group)[{cell}]")] = w
        return row

    rows = []
    for g in genotypes:
        for s in stresses:
            rows.append(("level", g, s, vector({f"{g}|{s}": 1.0})))
    for g in genotypes:
        rows.append(("stress_effect", g, stress, vector({f"{g}|{stress}": 1.0, f"{g}|{control}": -1.0})))
    ref = genotypes[0]
    for g in genotypes[1:]:
        rows.append(("interaction", g, stress, vector({f"{g}|{stress}": 1.0, f"{g}|{control}": -1.0,
                                                        f"{ref}|{stress}": -1.0, f"{ref}|{control}": 1.0})))
    out = []
    for kind, g, s, weights in rows:
        test = test_of(weights)
        out.append({"protein": protein, "kind": kind, "genotype": g, "stress": s,
                    **{k: test[k] for k in ("estimate", "se", "ci_low", "ci_high", "p_value")},
                    "df_resid": test["df"]})
    result = pd.DataFrame(out)
    result["ratio"] = np.exp(result["estimate"])
    result["ratio_ci_low"] = np.exp(result["ci_low"])
    result["ratio_ci_high"] = np.exp(result["ci_high"])
    family = pd.concat([adjust_family(part, alpha, part["df_resid"]) for _, part in result.groupby("kind", sort=False)])
    result = result.join(family[["sim_low", "sim_high", "p_adj"]])
    result["ratio_sim_low"] = np.exp(result["sim_low"])
    result["ratio_sim_high"] = np.exp(result["sim_high"])
    result["p_holm"] = result.groupby("kind")["p_value"].transform(holm)
    result["n_units"] = int(data[UNIT].nunique())
    result["gel_adjusted"] = gel_adjusted
    result["gel_model"] = gel
    return result


def _ols_contrast(fit, weights: np.ndarray, alpha: float) -> dict:
    """Return estimate, SE, CI, p and df of ``weights @ params`` of an OLS fit (t on the residual df)."""
    test = fit.t_test(weights[None, :])
    low, high = np.asarray(test.conf_int(alpha=alpha)).ravel()
    return {"estimate": float(np.asarray(test.effect).ravel()[0]), "se": float(np.asarray(test.sd).ravel()[0]),
            "ci_low": float(low), "ci_high": float(high), "p_value": float(np.asarray(test.pvalue).ravel()[0]),
            "df": float(fit.df_resid)}


#: Columns of the results tables below (``ResultsLedger.record``; a NaN is "not given").
RESULT_COLUMNS = ["key", "value", "ci_low", "ci_high", "n", "n_unit", "unit", "method", "description", "digits"]


def _ratio_rows(rows: pd.DataFrame, key: str, description: str, method: str) -> list[dict]:
    """One results row per row of :func:`fit_enrichment_model`: its ratio and interval, n = the samples.

    *key* and *description* are format strings over the row's fields (``"stress_{genotype}"``).
    """
    return [{"key": key.format(**row), "value": row["ratio"], "ci_low": row["ratio_ci_low"],
             "ci_high": row["ratio_ci_high"], "n": row["n_units"], "n_unit": "samples", "unit": "ratio",
             "method": method, "description": description.format(**row)} for row in rows.to_dict("records")]


def enrichment_results(estimates: pd.DataFrame, fractions: FractionDesign, protein: str, stressor: str,
                       reported: Sequence[str]) -> pd.DataFrame:
    """Return the enrichment numbers the page states as a results table (gel fixed; each interval on its own).

    *estimates* are :func:`fit_enrichment_model` rows of every protein (gel fixed),
    *protein* the featured one, *stressor* the stress level compared with the control
    and *reported* the proteins recruited to the MAM. Rows, in order:
    ``reference_enrichment`` (*protein*'s MAM / reference fraction in the reference
    genotype under the control), ``stress_<genotype>`` (the stress effect on its
    enrichment in each genotype), ``interaction_<genotype>`` (that effect over the
    reference genotype's) and ``reference_stress_<protein>`` (the stress effect in the
    reference genotype, for each protein of *reported*); ratios, n = the samples.
    """
    reference, control, method = fractions.reference_genotype, fractions.control, fractions.method("fixed")
    featured = estimates[estimates["protein"] == protein]
    kind = {k: featured[featured["kind"] == k] for k in ("level", "stress_effect", "interaction")}
    reference_level = kind["level"][(kind["level"]["genotype"] == reference) & (kind["level"]["stress"] == control)]
    in_reference = estimates[(estimates["kind"] == "stress_effect") & (estimates["genotype"] == reference)]
    in_reference = in_reference.set_index("protein").loc[list(reported)].reset_index()
    effect = f"{stressor}/{control} MAM enrichment of"
    return pd.DataFrame(
        _ratio_rows(reference_level, "reference_enrichment",
                    f"{fractions.mam}/{fractions.reference} of {protein}, {reference} {control}", method)
        + _ratio_rows(kind["stress_effect"], "stress_{genotype}", f"{effect} {protein}, {{genotype}}", method)
        + _ratio_rows(kind["interaction"], "interaction_{genotype}", _interaction(fractions, protein, stressor), method)
        + _ratio_rows(in_reference, "reference_stress_{protein}", f"{effect} {{protein}} in {reference}", method),
        columns=RESULT_COLUMNS)


def _interaction(fractions: FractionDesign, protein: str, stressor: str) -> str:
    """The description of an interaction, a format string over ``genotype``."""
    return f"{stressor} effect on MAM enrichment of {protein}, {{genotype}} over {fractions.reference_genotype}"


def gel_model_results(gel_models: pd.DataFrame, lanes: pd.DataFrame, fractions: FractionDesign, protein: str,
                      stressor: str) -> pd.DataFrame:
    """Return the interactions with a random gel, how many intervals exclude 1 per gel model, and the samples.

    *gel_models* are the interaction rows of :func:`fit_enrichment_model` of *protein*
    with both gel models (column ``gel_model``); *lanes* the MAM-fraction table.
    Rows, in order: ``interaction_random_gel_<genotype>`` (ratio and interval),
    ``n_interactions_excluding_1_fixed_gel`` and ``..._random_gel`` (counts of
    interactions whose interval excludes a ratio of 1, n = the interactions of that
    model; only when the design has more than one genotype) and ``n_samples``.
    """
    rows = _ratio_rows(gel_models[gel_models["gel_model"] == "random"], "interaction_random_gel_{genotype}",
                       _interaction(fractions, protein, stressor) + " (random gel)", fractions.method("random"))
    excludes = (gel_models["ratio_ci_high"] < 1) | (gel_models["ratio_ci_low"] > 1)
    for model in ("fixed", "random") if len(fractions.genotypes) > 1 else ():
        of_model = gel_models["gel_model"] == model
        rows.append({"key": f"n_interactions_excluding_1_{model}_gel", "value": (excludes & of_model).sum(),
                     "n": of_model.sum(), "n_unit": "interactions", "unit": "interactions",
                     "method": fractions.method(model), "digits": 0,
                     "description": f"interaction intervals of {protein} that exclude 1, gel {model}"})
    samples = lanes[UNIT].nunique()
    rows.append({"key": "n_samples", "value": samples, "n": samples, "n_unit": "samples", "unit": "samples",
                 "method": "count", "digits": 0, "description": "fractionated samples in the table"})
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)
