"""Subcellular fractions: where each protein sits, and its enrichment in the MAM.

Each lane's band is divided by the lane's total-protein stain (equal protein is
loaded, the stain catches unequal loading). Two summaries follow:

* the **distribution** of a protein over the fractions: each fraction's
  normalized signal as a share of the sample's summed signal over the five
  lanes. With equal protein per lane this is a share of *concentration* (per
  microgram), not of the protein's mass, which would also need each fraction's
  yield;
* the **MAM enrichment**: ``log(MAM / homogenate)`` per sample and protein.
  Both lanes of a sample sit on the same gel, so the gel's exposure cancels.
  Enrichment is modelled on the log scale with the sample (one fractionation of
  pooled cords) as the unit: OLS on genotype x treatment cell means plus the gel
  (fractionation batch) as a sum-coded fixed effect where the design identifies
  it. Estimates are reported back as ratios with t-based confidence intervals.
  The alternative, equally defensible, treats the gel as a random intercept
  (REML, Kenward-Roger SE and df; :mod:`helpers.stats.mixed`): it recovers
  between-gel information that the fixed gel discards, and with a handful of
  gels the two can disagree on whether an interval excludes 1, so the chapter
  shows both (``gel="random"``).

Within a protein, the comparisons of one kind (the arsenite effects, the
interactions) form a family: Bonferroni-simultaneous intervals and the
matching adjusted p-values are added (:mod:`helpers.stats.simultaneous`).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from helpers.analysis import design
from helpers.data.vocabulary import FRACTIONS, RECRUITED_PROTEINS
from helpers.stats.mixed import fit_random_intercept
from helpers.stats.simultaneous import adjust_family, holm

UNIT = "sample_id"
#: How the gel (fractionation batch) enters the enrichment model.
GEL_MODELS = {
    "fixed": "gel as a fixed effect (sum-coded); t on the residual df",
    "random": "gel as a random intercept (REML); Kenward-Roger SE and df",
}


def add_log_signal(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of *table* with ``log_signal`` = log(signal / total-protein stain).

    Examples
    --------
    >>> t = pd.DataFrame({"signal": [20.0], "total_protein": [10.0]})
    >>> round(float(np.exp(add_log_signal(t)["log_signal"].iloc[0])), 6)
    2.0
    """
    return table.assign(log_signal=np.log(table["signal"]) - np.log(table["total_protein"]))


def fraction_shares(table: pd.DataFrame, fractions: tuple[str, ...] = FRACTIONS,
                    proteins: tuple[str, ...] = RECRUITED_PROTEINS) -> pd.DataFrame:
    """Return each fraction's share of a sample's summed normalized signal, per protein.

    Parameters
    ----------
    table : DataFrame
        The ``mam_fraction`` table.
    fractions : tuple of str
        The fractions every table must hold (default: all five).
    proteins : tuple of str
        The proteins the table must hold (default: the four recruited ones, whose arsenite effects the
        chapter reports); WT vehicle samples (the reference) are required too.

    Returns
    -------
    DataFrame
        One row per sample x protein x fraction with ``share`` (0-1; the five
        shares of a sample and protein sum to 1).

    Raises
    ------
    DesignError
        If one of *fractions* or *proteins* has no lane at all, or there are no
        WT vehicle samples (the chapter's table of shares and its comparisons need them).

    Examples
    --------
    >>> t = pd.DataFrame({"sample_id": ["a", "a"], "genotype": "WT", "stress": "vehicle",
    ...                   "protein": "TBK1", "fraction": ["MAM", "cytosol"],
    ...                   "signal": [3.0, 1.0], "total_protein": [1.0, 1.0]})
    >>> fraction_shares(t, fractions=("MAM", "cytosol"), proteins=("TBK1",))["share"].round(6).tolist()
    [0.75, 0.25]
    """
    design.check_mam_table(table, fractions, proteins)
    data = add_log_signal(table)
    data = data.assign(normalized=np.exp(data["log_signal"]))
    total = data.groupby([UNIT, "protein"], observed=True)["normalized"].transform("sum")
    data = data.assign(share=data["normalized"] / total)
    return data[[UNIT, "genotype", "stress", "protein", "fraction", "share"]].reset_index(drop=True)


def mam_enrichment(table: pd.DataFrame, numerator: str = "MAM", denominator: str = "homogenate") -> pd.DataFrame:
    """Return ``log_enrichment`` = log(numerator / denominator) per sample and protein.

    Raises
    ------
    ValueError
        If a sample lacks one of the two lanes for a protein, or the two lanes
        ran on different gels (then the gel no longer cancels).
    """
    design.check_mam_fractions(table, numerator, denominator)
    data = add_log_signal(table)
    wide = data.pivot_table(index=[UNIT, "genotype", "stress", "protein"], columns="fraction",
                            values="log_signal", observed=True)
    gels = data.pivot_table(index=[UNIT, "genotype", "stress", "protein"], columns="fraction",
                            values="gel_id", aggfunc="first", observed=True)
    for fraction in (numerator, denominator):
        if fraction not in wide.columns or wide[fraction].isna().any():
            raise design.DesignError(f"mam_fraction: the enrichment ({numerator} over {denominator}) needs a "
                                     f"{fraction!r} lane for every sample and protein, and some have none; add them.")
    if (gels[numerator] != gels[denominator]).any():
        raise design.DesignError(f"mam_fraction: the {numerator} and {denominator} lanes of a sample must run on the "
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
    stresses: tuple[str, str] = ("vehicle", "arsenite"),
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
        Genotypes, reference (e.g. WT) first.
    stresses : (str, str)
        Control and stress treatment.
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
    design.check_mam_groups(data, protein, genotypes, stresses)
    control, stress = stresses
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
