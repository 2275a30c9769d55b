"""Coupling of MAM integrity and TBK1 activation, animal by animal.

For each mouse and tissue two measures exist: MAM integrity, the log of the
mean PLA puncta per cell of one type (``pla_cells``; motor neurons in the
example study), and TBK1 activation,
log(pTBK1/TBK1) (``mouse_blot``). The mouse is the unit: one row per mouse x
tissue, cells are only averaged.

Models (ordinary least squares, the blot gel as a fixed batch; gels are
tissue-specific, so the gel also absorbs the tissue):

* **pooled slope** ``log_ratio ~ log_mam + gel``: uses differences between
  groups and between mice;
* **within-group slope** ``log_ratio ~ log_mam + gel + genotype x stage (x
  tissue) cells``: uses only mouse-to-mouse differences inside a group.

A mouse gives up to three rows (one per tissue) whose deviations share the
mouse, so the slopes' standard errors are cluster-robust by mouse (CR2 with
Satterthwaite df, :func:`helpers.stats.robust.cr2_test`); the plain OLS
interval that counts rows is available for comparison (``se="ols"``).

**Proportion of a genotype effect accounted for** by the MAM measure (the
difference method): the genotype-vs-reference contrast of log(pTBK1/TBK1) in the
within-group design without (``total``) and with (``direct``) the MAM term;
``proportion = 1 - direct / total``. By the Frisch-Waugh-Lovell identity
``total - direct = slope x (the same contrast of log_mam)``.

**Measurement error.** A mouse's mean PLA count is a noisy measure of its
latent MAM integrity (few sections, few cells), so the slope is attenuated by
the reliability ``lambda = 1 - mean error variance / residual variance of
log_mam`` given the other terms. The error variance of each mouse's log mean
is estimated from its sections (variance of section means / number of
sections / mean squared; delta method). ``slope / lambda`` is the
regression-calibration correction, and the proportion is reported both naive
and corrected. Confidence intervals come from a bootstrap over mice,
stratified by genotype x stage so every group keeps its size.

**What the chapter states** (:data:`STATED`, :func:`stated_results`): each
bootstrapped quantity on its printed scale, with the resamples the digits need
(:func:`bootstrap_to_precision`); a limit that is Monte Carlo noise is not
stated, and a corrected value is unbounded where the reliability is not positive.

Levels come from the study description (:mod:`helpers.data.study`): the
reference genotype, the pair's reference and cell type, and the genotypes in
which a pair does not measure contacts (``not_measured_in`` of the tether pair
factor, :func:`pair_measures_mam`); callers without a study get the example
study's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from helpers.analysis.blots import RESULT_TABLE_COLUMNS, add_log_ratio
from helpers.analysis.design import DesignError
from helpers.analysis.pla import groups_of, reference_level, unmeasured_genotypes
from helpers.data.aggregate import is_section_table, mice_from_sections
from helpers.data.study import Study
from helpers.stats import intervals
from helpers.stats.intervals import Effect
from helpers.stats.robust import cr2_test


def pair_measures_mam(pair: str, genotype: str, study: Study | None = None) -> bool:
    """True if the PLA *pair* can report MAM integrity in *genotype*, as *study* declares.

    A pair does not measure contacts in the genotypes its tether pair factor
    lists under ``not_measured_in`` (an antigen the genotype lacks); default:
    the example study's description.

    >>> from helpers.data.study import Factor
    >>> pairs = Factor("tether_pair", ("A_B", "C_D"), not_measured_in={"C_D": ("d_null", "e_d_null")})
    >>> study = Study("s", "s", None, {"tether_pair": pairs}, {})
    >>> pair_measures_mam("C_D", "e_d_null", study), pair_measures_mam("A_B", "d_null", study)
    (False, True)
    """
    return genotype not in unmeasured_genotypes(study, pair)


def decomposed_genotype(pair: str, genotypes, study: Study | None = None) -> str:
    """Return the genotype whose effect the chapter decomposes: the last of *genotypes* the *pair* measures.

    *genotypes* are those compared with the reference, in the study's order
    (in the example study the last is the combined, most severe genotype).

    >>> from helpers.data.study import Factor
    >>> pairs = Factor("tether_pair", ("A_B", "C_D"), not_measured_in={"C_D": ("d_null", "e_d_null")})
    >>> study = Study("s", "s", None, {"tether_pair": pairs}, {})
    >>> decomposed_genotype("A_B", ["d_null", "e", "e_d_null"], study), decomposed_genotype("C_D", ["d_null", "e", "e_d_null"], study)
    ('e_d_null', 'e')
    """
    measured = [g for g in genotypes if pair_measures_mam(pair, g, study)]
    if not measured:
        raise DesignError(f"pla_cells: the pair {pair} measures contacts in none of the genotypes compared with the "
                          f"reference ({', '.join(genotypes) or 'none'}), so no genotype effect can be decomposed; "
                          "choose another pair (the chapter's parameter pair).")
    return measured[-1]


def mouse_mam_integrity(cells: pd.DataFrame, pair: str | None = None, cell_type: str | None = None) -> pd.DataFrame:
    """Return MAM integrity per mouse x tissue: log mean puncta per cell and its error variance.

    Parameters
    ----------
    cells : DataFrame
        The ``pla_cells`` table, or its section aggregate
        (:func:`helpers.data.aggregate.aggregate_pla_sections`).
    pair, cell_type : str
        Tether pair and cell type to average (default: the example study's reference levels).

    Returns
    -------
    DataFrame
        ``mouse_id, genotype, stage, tissue, n_cells, n_sections, mean_puncta,
        log_mam, error_var``. ``error_var`` estimates the sampling variance of
        ``log_mam`` from the spread of the section means (from the cells when
        a mouse has a single section).

    Examples
    --------
    >>> c = pd.DataFrame({"mouse_id": "M1", "genotype": "ref", "stage": "s1", "tissue": "t",
    ...                   "section_id": ["s1", "s1", "s2", "s2"], "cell_type": "c1",
    ...                   "tether_pair": "A_B", "puncta": [8, 12, 18, 22]})
    >>> row = mouse_mam_integrity(c, "A_B", "c1").iloc[0]
    >>> float(row["mean_puncta"]), round(float(row["error_var"]), 4)
    (15.0, 0.1111)
    """
    pair, cell_type = pair or reference_level("tether_pair"), cell_type or reference_level("cell_type")
    sel = cells[(cells["tether_pair"] == pair) & (cells["cell_type"] == cell_type)]
    if sel.empty:
        raise DesignError(f"pla_cells: no {cell_type} cells probed with {pair}, so the MAM integrity of the mice "
                          "cannot be read; add them, or choose a pair and cell type that are present.")
    keys = ["mouse_id", "genotype", "stage", "tissue"]
    if is_section_table(sel):  # the section aggregate: the same numbers from the sums
        sections = sel.assign(section_mean=sel["puncta"] / sel["n_cells"])
        per_cell = mice_from_sections(sel, keys).set_index(keys)
        per_cell = per_cell.assign(
            mean_puncta=per_cell["puncta"] / per_cell["n_cells"],
            cell_var=(per_cell["puncta_sq"] - per_cell["puncta"] ** 2 / per_cell["n_cells"]) / (per_cell["n_cells"] - 1),
        )[["mean_puncta", "cell_var", "n_cells"]]
    else:
        sections = sel.groupby([*keys, "section_id"], observed=True)["puncta"].mean().rename("section_mean").reset_index()
        per_cell = sel.groupby(keys, observed=True)["puncta"].agg(mean_puncta="mean", cell_var="var", n_cells="size")
    per_section = sections.groupby(keys, observed=True)["section_mean"].agg(section_var="var", n_sections="size")
    out = per_cell.join(per_section).reset_index()
    # Variance of the mean: from the section means when there are several sections.
    var_mean = np.where(out["n_sections"] > 1, out["section_var"] / out["n_sections"], out["cell_var"] / out["n_cells"])
    if (out["mean_puncta"] <= 0).any():
        raise DesignError("pla_cells: a mouse has no punctum in any of its cells, so its log MAM integrity is "
                          "undefined; check its sections, or leave it out.")
    out["log_mam"] = np.log(out["mean_puncta"])
    out["error_var"] = var_mean / out["mean_puncta"] ** 2
    return out[[*keys, "n_cells", "n_sections", "mean_puncta", "log_mam", "error_var"]]


def animal_table(
    cells: pd.DataFrame,
    blot: pd.DataFrame,
    pair: str | None = None,
    tissue: str = "all",
    normalization: str = "loading_control",
    *,
    cell_type: str | None = None,
    study: Study | None = None,
) -> pd.DataFrame:
    """Return one row per mouse x tissue with ``log_mam`` (PLA) and ``log_ratio`` (blot).

    Mice of genotypes the *pair* cannot measure (see :func:`pair_measures_mam`)
    are left out; *tissue* ``"all"`` keeps every tissue. *pair* and
    *cell_type* default to the reference levels, *study* to the example study.
    """
    pair = pair or reference_level("tether_pair", study)
    mam = mouse_mam_integrity(cells, pair, cell_type or reference_level("cell_type", study))
    lanes = add_log_ratio(blot, normalization)[["mouse_id", "tissue", "gel_id", "log_ratio"]]
    animals = mam.merge(lanes, on=["mouse_id", "tissue"], how="inner", validate="one_to_one")
    animals = animals[[pair_measures_mam(pair, g, study) for g in animals["genotype"]]]
    if tissue != "all":
        animals = animals[animals["tissue"] == tissue]
    if animals.empty:
        raise DesignError(f"mouse_blot and pla_cells: no mouse has both measures (a blot lane and PLA cells) for "
                          f"pair {pair!r} and tissue {tissue!r}; the two tables must share mouse_id values.")
    return animals.reset_index(drop=True)


def design_matrix(animals: pd.DataFrame, groups: bool) -> tuple[np.ndarray, list[str]]:
    """Return the nuisance design: gel dummies (tissue-absorbing) and, if *groups*, the group cells.

    Without *groups*: one column per gel (gel means). With *groups*: one column
    per genotype|stage|tissue cell plus one per gel except the first gel of
    each tissue (the cells already span the tissues).
    """
    gels = sorted(animals["gel_id"].unique())
    gel_cols = pd.get_dummies(animals["gel_id"]).reindex(columns=gels).to_numpy(float)
    if not groups:
        return gel_cols, [f"gel[{g}]" for g in gels]
    first_gel = set(animals.sort_values("gel_id").groupby("tissue")["gel_id"].first())
    keep = [i for i, g in enumerate(gels) if g not in first_gel]
    cell = animals["genotype"] + "|" + animals["stage"] + "|" + animals["tissue"]
    cell_names = sorted(cell.unique())
    cell_cols = pd.get_dummies(cell).reindex(columns=cell_names).to_numpy(float)
    return np.column_stack([cell_cols, gel_cols[:, keep]]), [f"cell[{c}]" for c in cell_names] + [
        f"gel[{gels[i]}]" for i in keep
    ]


#: Standard errors of the slopes: cluster-robust by mouse (the book's), or OLS counting rows.
SLOPE_SE = {
    "cr2": "CR2 cluster-robust SE by mouse, Satterthwaite df",
    "ols": "OLS SE, mouse x tissue rows as independent, residual df",
}


def fit_slope(animals: pd.DataFrame, groups: bool, alpha: float = 0.05, se: str = "cr2",
              x: str = "log_mam") -> Effect:
    """Estimate the slope of log(pTBK1/TBK1) on log MAM integrity (mouse = unit; t-based CI).

    Parameters
    ----------
    animals : DataFrame
        Output of :func:`animal_table`.
    groups : bool
        Adjust for the genotype x stage (x tissue) cells (within-group slope).
    alpha : float
        1 - confidence level.
    se : {"cr2", "ols"}
        Cluster-robust by mouse (CR2, Satterthwaite df; ``df_resid`` is that
        df) or plain OLS (see :data:`SLOPE_SE`).
    x : str
        Column of the predictor (``log_mam``; the calibration passes the latent values).
    """
    if se not in SLOPE_SE:
        raise ValueError(f"se must be one of {list(SLOPE_SE)}, got {se!r}")
    nuisance, _ = design_matrix(animals, groups)
    exog = np.column_stack([animals[x].to_numpy(float), nuisance])
    y = animals["log_ratio"].to_numpy(float)
    n_units = int(animals["mouse_id"].nunique())
    if se == "cr2":
        out = cr2_test(exog, y, animals["mouse_id"], np.eye(exog.shape[1])[0], alpha)
        return Effect(term=x, estimate=out["estimate"], se=out["se"], ci_low=out["ci_low"], ci_high=out["ci_high"],
                      p_value=out["p_value"], df_resid=out["df"], n_units=n_units)
    fit = sm.OLS(y, exog).fit()
    low, high = fit.conf_int(alpha=alpha)[0]
    return Effect(term=x, estimate=float(fit.params[0]), se=float(fit.bse[0]), ci_low=float(low),
                  ci_high=float(high), p_value=float(fit.pvalues[0]), df_resid=float(fit.df_resid),
                  n_units=n_units)


def contrast_vector(names: list[str], genotype: str, stage: str, tissues: list[str],
                    reference: str | None = None) -> np.ndarray:
    """Return weights for *genotype* minus *reference* (default: the example study's) at *stage*, averaged over
    *tissues* (cell columns)."""
    reference = reference or groups_of().reference
    weights = np.zeros(len(names))
    for tissue in tissues:
        for g, w in ((genotype, 1.0), (reference, -1.0)):
            name = f"cell[{g}|{stage}|{tissue}]"
            if name not in names:
                raise DesignError(f"mouse_blot and pla_cells: the {genotype}-vs-{reference} difference at {stage}, "
                                  f"averaged over the tissues ({', '.join(tissues)}), needs {g} mice at {stage} "
                                  f"in {tissue} measured in both tables, but there are none; add them, or leave "
                                  f"{tissue} out of both tables.")
            weights[names.index(name)] += w / len(tissues)
    return weights


def decompose(
    nuisance: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    error_var: np.ndarray,
    contrast: np.ndarray,
    row_scale: np.ndarray | None = None,
) -> dict:
    """Return the difference-method decomposition of a contrast (plain arrays; used by the bootstrap).

    *row_scale* multiplies each squared residual of x in the residual
    variance (the bootstrap passes ``n_h / (n_h - 1)`` for a row of a stratum
    of ``n_h`` units: resampling shrinks within-stratum sums of squares by
    ``(n_h - 1) / n_h`` on average, which would bias the reliability down).

    Returns
    -------
    dict
        ``total`` (contrast of y without the MAM term), ``mam_contrast`` (same
        contrast of x), ``slope`` (within-design slope), ``direct`` (= total -
        slope x mam_contrast, the contrast with the MAM term), ``reliability``,
        ``slope_corrected``, ``proportion`` (1 - direct/total) and
        ``proportion_corrected`` (with the corrected slope). The corrected
        values are infinite (signed) when the reliability is not positive:
        the data cannot then tell real variation from noise, and no finite
        correction is supported.
    """
    coef, _, rank, _ = np.linalg.lstsq(nuisance, np.column_stack([y, x]), rcond=None)
    resid = np.column_stack([y, x]) - nuisance @ coef
    ry, rx = resid[:, 0], resid[:, 1]
    slope = float(rx @ ry / (rx @ rx))
    total, mam_contrast = float(contrast @ coef[:, 0]), float(contrast @ coef[:, 1])
    scale = np.ones(len(x)) if row_scale is None else row_scale
    resid_var_x = float(scale @ rx**2) / (len(x) - rank)
    reliability = 1.0 - float(np.mean(error_var)) / resid_var_x
    direct = total - slope * mam_contrast
    with np.errstate(divide="ignore", invalid="ignore"):
        slope_corrected = slope / reliability if reliability > 0 else np.copysign(np.inf, slope)
        proportion_corrected = (
            slope_corrected * mam_contrast / total if reliability > 0
            else np.copysign(np.inf, slope * mam_contrast / total)
        )
    return {
        "total": total, "mam_contrast": mam_contrast, "slope": slope, "direct": direct,
        "reliability": reliability, "slope_corrected": float(slope_corrected),
        "proportion": 1.0 - direct / total, "proportion_corrected": float(proportion_corrected),
    }


def explain_genotype_effect(animals: pd.DataFrame, genotype: str, stage: str, reference: str | None = None) -> dict:
    """Decompose the *genotype* vs *reference* effect at *stage* on TBK1 activation (averaged over tissues present)."""
    nuisance, names = design_matrix(animals, groups=True)
    contrast = contrast_vector(names, genotype, stage, sorted(animals["tissue"].unique()), reference)
    return decompose(nuisance, animals["log_ratio"].to_numpy(float), animals["log_mam"].to_numpy(float),
                     animals["error_var"].to_numpy(float), contrast)


def bootstrap_units(
    statistic: Callable[[np.ndarray], np.ndarray],
    units: pd.Series,
    strata: pd.Series | None = None,
    n_boot: int = 1000,
    seed: int | list[int] = 0,
) -> np.ndarray:
    """Return *n_boot* bootstrap replicates of *statistic*, resampling units (within strata).

    Parameters
    ----------
    statistic : callable
        Takes an integer array of row positions and returns a 1-d array.
    units : Series
        Unit of each row (e.g. ``mouse_id``); all rows of a drawn unit enter.
    strata : Series, optional
        Stratum of each row (constant within a unit); units are drawn within it.
    n_boot : int
        Replicates.
    seed : int or list of int
        Seed or seed sequence (``numpy.random.default_rng(seed)``).

    Returns
    -------
    ndarray
        Shape ``(n_boot, k)``.
    """
    rng = np.random.default_rng(seed)
    units = pd.Series(np.asarray(units))
    strata = pd.Series(np.zeros(len(units), int) if strata is None else np.asarray(strata))
    rows_of = {u: np.flatnonzero(units.to_numpy() == u) for u in units.unique()}
    pools = [np.asarray(pd.unique(units[strata == s])) for s in pd.unique(strata)]
    out = []
    for _ in range(n_boot):
        drawn = np.concatenate([rng.choice(pool, size=len(pool), replace=True) for pool in pools])
        out.append(np.atleast_1d(statistic(np.concatenate([rows_of[u] for u in drawn]))))
    return np.asarray(out, dtype=float)


def bootstrap_decomposition(animals: pd.DataFrame, genotype: str, stage: str, n_boot: int,
                            seed: int | list[int], reference: str | None = None) -> pd.DataFrame:
    """Return bootstrap replicates of :func:`explain_genotype_effect`, resampling mice within genotype x stage."""
    nuisance, names = design_matrix(animals, groups=True)
    contrast = contrast_vector(names, genotype, stage, sorted(animals["tissue"].unique()), reference)
    y, x = animals["log_ratio"].to_numpy(float), animals["log_mam"].to_numpy(float)
    err = animals["error_var"].to_numpy(float)
    keys = list(decompose(nuisance, y, x, err, contrast))
    strata = animals["genotype"] + "|" + animals["stage"]
    n_units = animals.groupby(strata)["mouse_id"].transform("nunique").to_numpy(float)
    scale = n_units / (n_units - 1.0)

    def statistic(rows: np.ndarray) -> np.ndarray:
        result = decompose(nuisance[rows], y[rows], x[rows], err[rows], contrast, scale[rows])
        return np.array([result[k] for k in keys])

    reps = bootstrap_units(statistic, animals["mouse_id"], strata, n_boot, seed)
    return pd.DataFrame(reps, columns=keys)


def attenuation_from_latent(animals: pd.DataFrame, latent: pd.DataFrame, groups: bool = True) -> float:
    """Return the attenuation factor of the slope in these data, from the true latent MAM values.

    The slope of latent on observed log MAM integrity after removing the
    nuisance design: a naive slope is expected to be the true slope times
    this factor. Only for simulated data, whose latent values are known
    (*latent* is :func:`helpers.data.cohorts.simulate_mouse_cohort` of the data's seed).
    """
    merged = animals.merge(latent[["mouse_id", "tissue", "log_mam"]].rename(columns={"log_mam": "latent_mam"}),
                           on=["mouse_id", "tissue"], how="left", validate="one_to_one")
    if merged["latent_mam"].isna().any():
        raise ValueError("the latent cohort does not hold every mouse of the table")
    nuisance, _ = design_matrix(merged, groups)
    both = merged[["log_mam", "latent_mam"]].to_numpy(float)
    resid = both - nuisance @ np.linalg.lstsq(nuisance, both, rcond=None)[0]
    return float(resid[:, 0] @ resid[:, 1] / (resid[:, 0] @ resid[:, 0]))




def slope_table(animals: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Return the pooled and within-group slopes with each standard error of :data:`SLOPE_SE`, one row each.

    Columns: ``model`` (``pooled``, ``within-group``), ``se_method`` and the
    fields of :class:`~helpers.stats.intervals.Effect`.
    """
    rows = [{"model": model, "se_method": se, **fit_slope(animals, groups=within, alpha=alpha, se=se).as_dict()}
            for model, within in (("pooled", False), ("within-group", True)) for se in SLOPE_SE]
    return pd.DataFrame(rows)


def slope_method(pair: str, cell_type: str) -> str:
    """Return the ledger's method text of the (pooled) slope: the model and its cluster-robust SE."""
    return (f"OLS of log(pTBK1/TBK1) on log mean PLA puncta per {cell_type} cell ({pair}) + gel; mouse x tissue "
            "rows; CR2 cluster-robust SE by mouse, t with Satterthwaite df")


def slope_results(pooled: Effect, within: Effect, n_mice: int, pair: str, cell_type: str) -> pd.DataFrame:
    """Return the pooled and within-group slopes as a results table (``slope_pooled``, ``slope_within``).

    Each with its cluster-robust interval (:func:`fit_slope`), over the *n_mice*
    mice with both measures; the method names the model (:func:`slope_method`).

    >>> e = Effect(term="log_mam", estimate=0.5, se=0.1, ci_low=0.3, ci_high=0.7, p_value=0.01, df_resid=20,
    ...            n_units=24)
    >>> slope_results(e, e, 24, "A_B", "neuron")[["key", "value", "ci_high", "n"]].values.tolist()
    [['slope_pooled', 0.5, 0.7, 24], ['slope_within', 0.5, 0.7, 24]]
    """
    method = slope_method(pair, cell_type)
    rows = [("slope_pooled", pooled, method, "pooled slope of TBK1 activation on MAM integrity"),
            ("slope_within", within, method + " + genotype x stage (x tissue) cells", "within-group slope")]
    return pd.DataFrame([{"key": key, "value": slope.estimate, "ci_low": slope.ci_low, "ci_high": slope.ci_high,
                          "n": n_mice, "n_unit": "mice", "unit": "log-log slope", "method": method,
                          "description": description, "digits": 2}
                         for key, slope, method, description in rows], columns=RESULT_TABLE_COLUMNS)


# --------------------------------------------------------------------------
# What the chapter states from the bootstrap
# --------------------------------------------------------------------------
def _same(value):
    return value


def _percent(value):
    return 100 * value


@dataclass(frozen=True)
class Stated:
    """How one quantity of :func:`decompose` is stated: ledger key, unit, printed scale and decimals."""

    key: str
    unit: str
    #: Monotone map to the printed scale (``np.exp`` for a log contrast, x 100 for a share).
    transform: Callable
    #: Decimals wanted on the printed scale (fewer when the resamples cannot make them stable).
    digits: int
    #: Format string over ``genotype``, ``reference`` and ``stage``.
    description: str


#: The quantities the chapter states, in its order (keys of :func:`decompose`).
STATED = {
    "reliability": Stated("reliability", "share", _same, 2, "estimated within-group reliability of the MAM measure"),
    "total": Stated("total_effect", "ratio of geometric means", np.exp, 2, "{genotype}/{reference} pTBK1/TBK1, {stage}"),
    "direct": Stated("direct_effect", "ratio of geometric means", np.exp, 2, "same, adjusted for MAM integrity"),
    "proportion": Stated("proportion_naive", "%", _percent, 0, "share of the genotype effect accounted for by MAM"),
    "slope_corrected": Stated("slope_corrected", "log-log slope", _same, 1, "within-group slope / reliability"),
    "proportion_corrected": Stated("proportion_corrected", "%", _percent, 0,
                                   "share of the genotype effect, corrected slope"),
}
#: The corrected quantities: unbounded (infinite) where the estimated reliability is not positive.
CORRECTED = ("slope_corrected", "proportion_corrected")


def bootstrap_to_precision(animals: pd.DataFrame, genotype: str, stage: str, alpha: float, seed: int,
                           start: int = 2000, max_boot: int = 30000,
                           reference: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bootstrap the decomposition until the printed limits of :data:`STATED` are stable, or to *max_boot*.

    :func:`bootstrap_decomposition` drawn in batches by
    :func:`helpers.stats.intervals.bootstrap_to_precision`; returns its
    replicates and its precision table (limits on the printed scale, digits,
    stability), one row per key of :data:`STATED`.
    """
    printed = {name: (stated.transform, stated.digits) for name, stated in STATED.items()}
    return intervals.bootstrap_to_precision(
        lambda n, s: bootstrap_decomposition(animals, genotype, stage, n_boot=n, seed=s, reference=reference),
        printed, alpha, seed, start=start, max_boot=max_boot)


def bootstrap_method(n_boot: int, max_boot: int) -> str:
    """Return the ledger's method text of the bootstrapped quantities.

    >>> bootstrap_method(2000, 30000).split(",")[0]
    'stratified bootstrap over mice (2'
    """
    return (f"stratified bootstrap over mice ({n_boot:,} to {max_boot:,} resamples), percentile CI; Monte Carlo "
            "SE of each printed limit below a quarter unit of its last digit")


def stated_limits(precision: pd.DataFrame, name: str) -> tuple[float, float]:
    """Return the printed-scale bootstrap limits of *name* as the chapter may state them.

    A finite limit that meets the precision rule is kept; an infinite one (an
    unbounded corrected value) is ``-inf`` / ``inf``; a limit that is Monte
    Carlo noise is NaN: it is not a result.

    >>> p = pd.DataFrame({"low": [0.2, 0.1], "high": [np.inf, 0.9], "stable_low": [True, False],
    ...                   "stable_high": [True, True]}, index=["a", "b"])
    >>> stated_limits(p, "a"), stated_limits(p, "b")
    ((0.2, inf), (nan, 0.9))
    """
    row = precision.loc[name]
    low = row["low"] if row["stable_low"] and np.isfinite(row["low"]) else -np.inf if row["stable_low"] else np.nan
    high = row["high"] if row["stable_high"] and np.isfinite(row["high"]) else np.inf if row["stable_high"] else np.nan
    return float(low), float(high)


def stated_results(decomposition: dict, precision: pd.DataFrame, **names: str) -> list[dict]:
    """Return the ledger rows of the bootstrapped quantities: ``key, value, ci, unit, digits, description``.

    One row per quantity of :data:`STATED` with a finite value, on its printed
    scale; ``ci`` is the bootstrap interval when both limits are finite and
    stable, else None (the description says why). A corrected quantity whose
    interval is unbounded above but has a stable lower limit gets a second row,
    ``<key>_ci_low``: that limit, which the prose states. *names* fill the
    descriptions (``genotype``, ``reference``, ``stage``).
    """
    rows = []
    for name, stated in STATED.items():
        value = decomposition[name]
        if not np.isfinite(value):  # a corrected value where the reliability is not positive: nothing finite
            continue
        low, high = stated_limits(precision, name)
        bounded = bool(np.isfinite([low, high]).all())
        why = ("" if bounded else " (bootstrap interval unbounded or not stable)" if name in CORRECTED
               else " (interval not stable; not shown)")
        about = {"unit": stated.unit, "digits": int(precision.loc[name, "digits"])}
        description = stated.description.format(**names)
        rows.append({"key": stated.key, "value": float(stated.transform(value)), "ci": (low, high) if bounded else None,
                     "description": description + why, **about})
        if name in CORRECTED and not bounded and np.isfinite(low):
            upper = "unbounded" if high == np.inf else "not stable"
            rows.append({"key": f"{stated.key}_ci_low", "value": low, "ci": None, **about,
                         "description": f"{description}: lower bound of the bootstrap interval (its upper bound is "
                                        f"{upper})"})
    return rows


def decomposition_results(decomposition: dict, precision: pd.DataFrame, replicates: pd.DataFrame, n_mice: int,
                          resamples: tuple[int, int], **names: str) -> pd.DataFrame:
    """Return what the chapter states from the bootstrap as a results table, in its order.

    The rows of :func:`stated_results` (over the *n_mice* mice, with the
    bootstrap's method, :func:`bootstrap_method` of *resamples*, the first batch
    and the most resamples), then ``undefined_resamples``
    (:func:`unbounded_share` of the *replicates*: the percent of resamples in
    which the corrected values are unbounded, with its Monte Carlo SE in the
    method) and ``n_mice``. *names* fill the descriptions (``genotype``,
    ``reference``, ``stage``). Columns ``key, value, ci_low, ci_high, n,
    n_unit, unit, method, description, digits``.
    """
    method = bootstrap_method(*resamples)
    rows = [{"key": row["key"], "value": row["value"],
             "ci_low": np.nan if row["ci"] is None else row["ci"][0],
             "ci_high": np.nan if row["ci"] is None else row["ci"][1], "n": n_mice, "n_unit": "mice",
             "unit": row["unit"], "method": method, "description": row["description"], "digits": row["digits"]}
            for row in stated_results(decomposition, precision, **names)]
    percent, mc_se, digits = unbounded_share(replicates)
    rows.append({"key": "undefined_resamples", "value": percent, "n": len(replicates), "n_unit": "resamples",
                 "unit": "%", "method": f"share of the bootstrap resamples (Monte Carlo SE {mc_se:.1f} points)",
                 "description": "resamples with estimated reliability <= 0 (corrected values unbounded)",
                 "digits": digits})
    rows.append({"key": "n_mice", "value": n_mice, "n": n_mice, "n_unit": "mice", "unit": "mice", "method": "count",
                 "description": "mice with both measures", "digits": 0})
    return pd.DataFrame(rows, columns=RESULT_TABLE_COLUMNS)


def truth_results(slope: float, proportion: float, attenuation: float, n_mice: int) -> pd.DataFrame:
    """Return the values put into the simulation, and what they imply for these data, as a results table.

    ``true_slope`` and ``true_proportion`` (the simulation's parameters: the
    coupling slope and the share of the genotype effect through the MAM,
    *proportion* a fraction, stated in %), ``true_attenuation`` (the
    within-group slope's attenuation in these data,
    :func:`attenuation_from_latent`) and ``expected_within_slope`` (slope x
    attenuation: what a correct analysis of these noisy data should find).

    >>> truth_results(0.8, 0.5, 0.25, 60)[["key", "value", "n"]].values.tolist()
    [['true_slope', 0.8, nan], ['true_proportion', 50.0, nan], ['true_attenuation', 0.25, 60.0], \
['expected_within_slope', 0.2, 60.0]]
    """
    rows = [("true_slope", slope, np.nan, "log-log slope", "parameter", "slope put into the simulation (truths.py)", 2),
            ("true_proportion", 100 * proportion, np.nan, "%", "parameter",
             "share of the genotype effect through MAM put into the simulation (truths.py)", 0),
            ("true_attenuation", attenuation, n_mice, "factor",
             "slope of latent on measured MAM integrity after the other terms (simulated latent values)",
             "attenuation of the within-group slope present in these data", 2),
            ("expected_within_slope", slope * attenuation, n_mice, "log-log slope", "true slope x attenuation",
             "within-group slope a correct analysis of these noisy data should find", 2)]
    return pd.DataFrame([{"key": key, "value": value, "n": n, "n_unit": None if np.isnan(n) else "mice", "unit": unit,
                          "method": method, "description": description, "digits": digits}
                         for key, value, n, unit, method, description, digits in rows], columns=RESULT_TABLE_COLUMNS)


def stated_summary(decomposition: dict, precision: pd.DataFrame, name: str, alpha: float, n_resamples: int) -> str:
    """Return a corrected quantity with its bootstrap interval for a sentence (glued as ``<key>_summary``).

    An unbounded value says so; a limit that is Monte Carlo noise even after
    *n_resamples* resamples is not printed, and the text says why.

    >>> p = pd.DataFrame({"low": [0.31], "high": [np.inf], "stable_low": [True], "stable_high": [True],
    ...                   "digits": [1]}, index=["slope_corrected"])
    >>> stated_summary({"slope_corrected": 1.14}, p, "slope_corrected", 0.05, 30000)
    '1.1 (95% CI 0.3 to unbounded)'
    """
    stated, digits = STATED[name], int(precision.loc[name, "digits"])
    value, limits = decomposition[name], stated_limits(precision, name)
    if not np.isfinite(value):
        return intervals.estimate_text(value, limits, alpha, digits)
    number = intervals.format_number(stated.transform(value), digits) + ("%" if stated.unit == "%" else "")
    if np.isnan(limits).any():
        return (f"{number} (its bootstrap interval is Monte Carlo noise even with {n_resamples:,} resamples, so "
                "none is shown)")
    return f"{number} ({intervals.interval_text(limits, alpha, digits)})"


def unbounded_share(replicates: pd.DataFrame) -> tuple[float, float, int]:
    """Return the percent of resamples whose reliability is not positive, its Monte Carlo SE (points), and digits.

    There the corrected values are unbounded. The digits are those the Monte
    Carlo SE supports (whole percent at most).

    >>> unbounded_share(pd.DataFrame({"reliability": [0.5, -0.1, 0.2, 0.3]}))
    (25.0, 21.650635094610966, 0)
    """
    share = float((replicates["reliability"] <= 0).mean())
    se = 100 * intervals.monte_carlo_share_se(share, len(replicates))
    return 100 * share, se, intervals.stable_digits(se, 0)


def covers(interval: tuple[float, float], value: float, stable: bool = True) -> str:
    """Say whether *interval* ``contains`` or ``misses`` *value* (``is not stable enough to compare with`` if not *stable*).

    >>> covers((0.2, 1.5), 0.8), covers((0.2, 0.5), 0.8), covers((0.2, 1.5), 0.8, stable=False)
    ('contains', 'misses', 'is not stable enough to compare with')
    """
    if not stable:
        return "is not stable enough to compare with"
    return "contains" if interval[0] <= value <= interval[1] else "misses"
