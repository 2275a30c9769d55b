"""Specification curves: one effect estimated under every defensible set of analysis choices.

A specification is one combination of choices (normalization, outlier rule,
covariates, how the gel or the animal enters the model). Each headline effect
of the book is re-estimated under the full grid of its choices; the curve
shows how much the estimate moves and whether its sign and significance
survive (Simonsohn, Simmons & Nelson 2020, *Nat Hum Behav* 4:1208).

The experimental unit carries the inference in every specification: donors
and mice contribute one value each, or, for the cell-level PLA data, cells
enter only through a model that clusters them on the mouse (GEE).

Every fitting function returns a dictionary with ``estimate, se, ci_low,
ci_high, p_value, n_units, note`` on the log scale; a specification table
adds one column per choice and a boolean ``primary``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy
import statsmodels.formula.api as smf
from scipy import stats

from helpers.analysis import blots
from helpers.analysis.design import DesignError
from helpers.data.aggregate import is_section_table
from helpers.stats.mixed import fit_random_intercept

#: Outlier rules: keep every unit, or drop units with |robust z| above the threshold.
OUTLIER_RULES = ("none", "drop")
#: How the gel (membrane pair, a batch) enters a blot model.
GEL_MODELS = ("fixed", "random", "ignored")
#: Adjustment sets of the human model.
HUMAN_COVARIATES = {"none": (), "age+sex": ("age", "sex"), "age+sex+pmi": ("age", "sex", "pmi")}
#: Scale of 1.4826 makes the MAD a consistent estimate of the SD under normality.
MAD_SCALE = 1.4826
DEFAULT_OUTLIER_Z = 3.5  # Iglewicz & Hoaglin (1993) cut-off for the modified z-score

EFFECT_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "p_value", "n_units", "note"]


def robust_z(values) -> np.ndarray:
    """Return ``(x - median) / (1.4826 * MAD)``; zeros if the MAD is 0.

    Examples
    --------
    >>> robust_z([1.0, 2.0, 3.0, 4.0, 100.0]).round(2).tolist()
    [-1.35, -0.67, 0.0, 0.67, 65.43]
    """
    x = np.asarray(values, dtype=float)
    centre = np.median(x)
    mad = MAD_SCALE * np.median(np.abs(x - centre))
    if mad == 0:
        return np.zeros_like(x)
    return (x - centre) / mad


def drop_outliers(table: pd.DataFrame, value: str, by: Sequence[str], threshold: float) -> pd.DataFrame:
    """Return *table* without rows whose |robust z| of *value* within groups *by* exceeds *threshold*.

    Outliers are judged within each group (for example within diagnosis), so
    that the group difference itself never makes a unit an outlier.

    >>> t = pd.DataFrame({"g": ["a"] * 5, "v": [1.0, 1.1, 0.9, 1.0, 9.0]})
    >>> drop_outliers(t, "v", ["g"], 3.5)["v"].tolist()
    [1.0, 1.1, 0.9, 1.0]
    """
    z = table.groupby(list(by), observed=True)[value].transform(lambda s: robust_z(s.to_numpy()))
    return table[np.abs(z.to_numpy()) <= threshold]


def specification_grid(choices: Mapping[str, Sequence]) -> pd.DataFrame:
    """Return every combination of *choices* (a dict of dimension -> options), one row each.

    >>> specification_grid({"a": [1, 2], "b": ["x"]}).to_dict("list")
    {'a': [1, 2], 'b': ['x', 'x']}
    """
    names = list(choices)
    return pd.DataFrame(list(itertools.product(*(choices[n] for n in names))), columns=names)


def run_specifications(
    choices: Mapping[str, Sequence], fit: Callable[..., dict], primary: Mapping[str, object]
) -> pd.DataFrame:
    """Fit every specification of the grid of *choices* with ``fit(**row)``.

    Parameters
    ----------
    choices : mapping
        Dimension name -> options; the grid is their Cartesian product.
    fit : callable
        Takes one keyword per dimension and returns a dict with
        :data:`EFFECT_COLUMNS`.
    primary : mapping
        The choices of the primary specification; it must lie on the grid.

    Returns
    -------
    DataFrame
        One row per specification: the choices, the effect columns and ``primary``.
    """
    grid = specification_grid(choices)
    is_primary = np.logical_and.reduce([grid[k] == v for k, v in primary.items()])
    if is_primary.sum() != 1:
        raise ValueError(f"the primary specification {dict(primary)} is not exactly one point of the grid")
    rows = [fit(**row) for row in grid.to_dict("records")]
    effects = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    return pd.concat([grid, effects], axis=1).assign(primary=is_primary)


def agreement_shares(specs: pd.DataFrame, alpha: float = 0.05) -> dict[str, float]:
    """Return how many of the non-primary specifications agree with the primary one.

    A specification agrees *in sign* when its estimate has the primary
    estimate's sign. It agrees *in significance* when it reaches the same
    verdict at level *alpha*: significant in the same direction if the primary
    is significant, not significant if the primary is not.

    Returns
    -------
    dict
        ``n_specs`` (all, primary included), ``n_alternatives``,
        ``share_same_sign``, ``share_same_significance`` (fractions of the
        alternatives), and ``primary_estimate``.

    Examples
    --------
    >>> specs = pd.DataFrame({"estimate": [-0.5, -0.2, 0.1, -0.4],
    ...                       "p_value": [0.01, 0.20, 0.50, 0.03],
    ...                       "primary": [True, False, False, False]})
    >>> shares = agreement_shares(specs)
    >>> round(shares["share_same_sign"], 3), round(shares["share_same_significance"], 3)
    (0.667, 0.333)
    """
    if specs["primary"].sum() != 1:
        raise ValueError("the specification table must hold exactly one primary specification")
    primary = specs[specs["primary"]].iloc[0]
    others = specs[~specs["primary"]]
    if others.empty:
        raise ValueError("there are no alternative specifications to compare with")
    same_sign = np.sign(others["estimate"]) == np.sign(primary["estimate"])
    significant = others["p_value"] < alpha
    if primary["p_value"] < alpha:
        same_verdict = significant & same_sign
    else:
        same_verdict = ~significant
    return {
        "n_specs": int(len(specs)),
        "n_alternatives": int(len(others)),
        "share_same_sign": float(same_sign.mean()),
        "share_same_significance": float(same_verdict.mean()),
        "primary_estimate": float(primary["estimate"]),
    }


def _effect(estimate, se, low, high, p_value, n_units, note="") -> dict:
    return {"estimate": float(estimate), "se": float(se), "ci_low": float(low), "ci_high": float(high),
            "p_value": float(p_value), "n_units": int(n_units), "note": note}


def fit_mixed_term(data: pd.DataFrame, formula: str, groups: str, term: str, alpha: float, n_units: int) -> dict:
    """Fit a linear mixed model with a random intercept per *groups* and return *term*'s effect.

    REML with :func:`helpers.stats.mixed.fit_random_intercept`; the interval and
    p-value use the Kenward-Roger standard error and degrees of freedom (with
    three to five gels the small-sample correction matters). A gel variance
    estimated at its boundary (0) is reported in ``note``; the fit is then
    ordinary least squares with ``n - p`` df. With a single gel there is no gel
    variance to estimate: ordinary least squares, said in ``note``.
    """
    y, X = patsy.dmatrices(formula, data, return_type="dataframe")
    rows = data.loc[y.index]
    if rows[groups].nunique() < 2:  # one gel: its variance is the intercept's, not estimable; no gel term (OLS)
        return {**_ols_term(formula, data, term, alpha, n_units), "note": f"one {groups}: no {groups} variance"}
    fit = fit_random_intercept(y.iloc[:, 0].to_numpy(float), X.to_numpy(float), rows[groups].to_numpy())
    weights = (X.columns == term).astype(float)
    out = fit.contrast(weights, alpha, ddf="kenward-roger")
    note = f"{groups} variance at 0" if fit.sigma2_group < 1e-6 * fit.sigma2 else ""
    return _effect(out["estimate"], out["se"], out["ci_low"], out["ci_high"], out["p_value"], n_units, note)


# --------------------------------------------------------------------------
# Human autopsy tissue: one diagnosis group vs the reference group in one region
# --------------------------------------------------------------------------
HUMAN_CHOICES = {
    "normalization": blots.NORMALIZATIONS,
    "outliers": OUTLIER_RULES,
    "covariates": tuple(HUMAN_COVARIATES),
    "gel": GEL_MODELS,
}
HUMAN_PRIMARY = {"normalization": "loading_control", "outliers": "none", "covariates": "age+sex+pmi", "gel": "fixed"}


def fit_human_specification(
    lanes: pd.DataFrame,
    region: str,
    *,
    normalization: str,
    outliers: str,
    covariates: str,
    gel: str,
    reference: str,
    group: str,
    alpha: float = 0.05,
    threshold: float = DEFAULT_OUTLIER_Z,
) -> dict:
    """Estimate diagnosis *group* minus the *reference* group in log(pTBK1/TBK1) in *region* under one specification.

    Every diagnosis group of the region stays in the model (one coefficient
    each, against *reference*); the effect is *group*'s.

    Parameters
    ----------
    lanes : DataFrame
        The raw human blot table (one lane per donor and region).
    normalization : {"loading_control", "total_protein", "none"}
    outliers : {"none", "drop"}
        ``"drop"`` removes donors whose log ratio has |robust z| > *threshold*
        within their diagnosis group.
    covariates : {"none", "age+sex", "age+sex+pmi"}
    gel : {"fixed", "random", "ignored"}
        Gel as a fixed effect (OLS; the primary model, :func:`helpers.analysis.blots.fit_region_effect`),
        as a random intercept (mixed model), or left out (OLS).
    """
    data = blots.add_log_ratio(lanes[lanes["region"] == region], normalization)
    if outliers == "drop":
        data = drop_outliers(data, "log_ratio", ["group"], threshold)
    elif outliers != "none":
        raise ValueError(f"outliers must be one of {OUTLIER_RULES}, got {outliers!r}")
    adjust = HUMAN_COVARIATES[covariates]
    if gel == "fixed":
        return _from_effect(blots.fit_region_effect(data, region, adjust, alpha, reference=reference, group=group))
    if gel == "ignored":
        return _from_effect(blots.fit_region_effect(data.assign(gel_id="one"), region, adjust, alpha,
                                                    reference=reference, group=group))
    if gel != "random":
        raise ValueError(f"gel must be one of {GEL_MODELS}, got {gel!r}")
    others = [g for g in pd.unique(data["group"]) if g != reference]
    if group not in others:
        raise ValueError(f"no {group} donors in region {region!r} (groups present: {sorted(set(data['group']))})")
    dummies = {f"group_{i}": (data["group"] == g).astype(float) for i, g in enumerate(others)}
    data = data.assign(age_c=data["age_years"] - data["age_years"].mean(),
                       pmi_c=data["pmi_hours"] - data["pmi_hours"].mean(), **dummies)
    terms = {"age": "age_c", "sex": "C(sex)", "pmi": "pmi_c"}
    formula = "log_ratio ~ " + " + ".join([*dummies] + [terms[c] for c in adjust])
    n_units = data.loc[data["group"].isin([reference, group]), "donor_id"].nunique()
    return fit_mixed_term(data, formula, "gel_id", f"group_{others.index(group)}", alpha, n_units)


def _from_effect(effect: blots.Effect) -> dict:
    return _effect(effect.estimate, effect.se, effect.ci_low, effect.ci_high, effect.p_value, effect.n_units)


def human_specification_curve(
    lanes: pd.DataFrame, region: str, alpha: float = 0.05, threshold: float = DEFAULT_OUTLIER_Z, *,
    reference: str, group: str, normalizations: Sequence[str] = blots.NORMALIZATIONS,
) -> pd.DataFrame:
    """Return every specification of the human *group*-vs-*reference* effect in *region* (see :data:`HUMAN_CHOICES`).

    *normalizations* are those the blots measured (:meth:`helpers.data.study.Study.normalizations`);
    the first is the primary one.
    """
    def fit(**choice):
        return fit_human_specification(lanes, region, alpha=alpha, threshold=threshold, reference=reference,
                                       group=group, **choice)

    choices, primary = _with_normalizations(HUMAN_CHOICES, HUMAN_PRIMARY, normalizations)
    return run_specifications(choices, fit, primary)


def _with_normalizations(choices: Mapping[str, Sequence], primary: Mapping[str, object],
                         normalizations: Sequence[str]) -> tuple[dict, dict]:
    """Keep the normalizations the blots measured, the first of them primary."""
    unknown = [n for n in normalizations if n not in blots.NORMALIZATIONS]
    if not normalizations or unknown:
        raise ValueError(f"normalizations must be among {blots.NORMALIZATIONS}, got {list(normalizations)}")
    return {**choices, "normalization": tuple(normalizations)}, {**primary, "normalization": normalizations[0]}


# --------------------------------------------------------------------------
# Mouse models: one genotype vs the reference genotype at one stage, in one tissue
# --------------------------------------------------------------------------
GROUP_SETS = ("all", "pair")  # every genotype x stage in the model, or only the two compared groups
MOUSE_BLOT_CHOICES = {
    "normalization": blots.NORMALIZATIONS,
    "outliers": OUTLIER_RULES,
    "covariates": ("none", "sex"),
    "gel": GEL_MODELS,
    "groups": GROUP_SETS,
}
MOUSE_BLOT_PRIMARY = {"normalization": "loading_control", "outliers": "none", "covariates": "none",
                      "gel": "fixed", "groups": "all"}
PLA_CHOICES = {
    "outcome": ("per_cell", "per_area"),
    "outliers": OUTLIER_RULES,
    "model": ("mouse_ols", "cell_gee"),
    "groups": GROUP_SETS,
}
PLA_PRIMARY = {"outcome": "per_cell", "outliers": "none", "model": "mouse_ols", "groups": "all"}


def _cell_coded(data: pd.DataFrame, genotype: str, stage: str, groups: str,
                reference: str) -> tuple[pd.DataFrame, str, str]:
    """Return the data, a cell-means factor term and the name of the *genotype* vs *reference* coefficient.

    Coding each genotype x stage cell against ``reference|stage`` makes the contrast
    of :func:`helpers.analysis.mouse_blots.fit_genotype_contrasts` (a difference of two
    cell means of the saturated ``genotype * stage`` model) a single coefficient.
    """
    if genotype == reference:
        raise ValueError(f"the genotype compared is the reference genotype {reference!r}; choose another one")
    if groups == "pair":
        data = data[(data["stage"] == stage) & data["genotype"].isin([genotype, reference])]
    elif groups != "all":
        raise ValueError(f"groups must be one of {GROUP_SETS}, got {groups!r}")
    if data[(data["genotype"] == genotype) & (data["stage"] == stage)].empty:
        raise ValueError(f"no {genotype} at stage {stage!r} in the data")
    data = data.assign(cell=data["genotype"].astype(str) + "|" + data["stage"].astype(str))
    factor = f"C(cell, Treatment({reference + '|' + stage!r}))"
    return data, factor, f"{factor}[T.{genotype}|{stage}]"


def _ols_term(formula: str, data: pd.DataFrame, term: str, alpha: float, n_units: int) -> dict:
    fit = smf.ols(formula, data=data).fit()
    low, high = fit.conf_int(alpha=alpha).loc[term]
    return _effect(fit.params[term], fit.bse[term], low, high, fit.pvalues[term], n_units)


def fit_mouse_blot_specification(
    lanes: pd.DataFrame,
    tissue: str,
    genotype: str,
    stage: str,
    *,
    normalization: str,
    outliers: str,
    covariates: str,
    gel: str,
    groups: str,
    reference: str,
    alpha: float = 0.05,
    threshold: float = DEFAULT_OUTLIER_Z,
) -> dict:
    """Estimate *genotype* minus the *reference* genotype (same *stage*) in log(pTBK1/TBK1) in *tissue*, one specification.

    The mouse is the unit (one lane per mouse and tissue). ``groups="all"``
    fits every genotype x stage cell (residual variance pooled over all the
    mice of the tissue), ``"pair"`` only the two compared groups. ``covariates="sex"`` adds
    sex; ``gel`` as in :func:`fit_human_specification`; ``outliers="drop"``
    removes mice with |robust z| > *threshold* within their genotype x stage group.
    """
    data = blots.add_log_ratio(lanes[lanes["tissue"] == tissue], normalization)
    if outliers == "drop":
        data = drop_outliers(data, "log_ratio", ["genotype", "stage"], threshold)
    elif outliers != "none":
        raise ValueError(f"outliers must be one of {OUTLIER_RULES}, got {outliers!r}")
    data, factor, term = _cell_coded(data, genotype, stage, groups, reference)
    rhs = [factor] + (["C(sex)"] if covariates == "sex" else [])
    compared = data[(data["stage"] == stage) & data["genotype"].isin([genotype, reference])]
    n_units = compared["mouse_id"].nunique()
    if gel == "random":
        return fit_mixed_term(data, "log_ratio ~ " + " + ".join(rhs), "gel_id", term, alpha, n_units)
    if gel == "fixed" and data["gel_id"].nunique() > 1:
        rhs.append("C(gel_id)")
    elif gel not in GEL_MODELS:
        raise ValueError(f"gel must be one of {GEL_MODELS}, got {gel!r}")
    return _ols_term("log_ratio ~ " + " + ".join(rhs), data, term, alpha, n_units)


def mouse_blot_specification_curve(
    lanes: pd.DataFrame, tissue: str, genotype: str, stage: str, alpha: float = 0.05,
    threshold: float = DEFAULT_OUTLIER_Z, *, reference: str, normalizations: Sequence[str] = blots.NORMALIZATIONS,
) -> pd.DataFrame:
    """Return every specification of a mouse TBK1 contrast, *genotype* vs *reference* (see :data:`MOUSE_BLOT_CHOICES`).

    *normalizations* as in :func:`human_specification_curve`.
    """
    def fit(**choice):
        return fit_mouse_blot_specification(lanes, tissue, genotype, stage, alpha=alpha, reference=reference,
                                            threshold=threshold, **choice)

    choices, primary = _with_normalizations(MOUSE_BLOT_CHOICES, MOUSE_BLOT_PRIMARY, normalizations)
    return run_specifications(choices, fit, primary)


def summarise_pla_mice(cells: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Return one row per mouse with ``log_value``: log mean puncta per cell, or per 100 um^2 of soma.

    ``"per_area"`` is the mouse's total puncta over its total soma area
    (a ratio estimator), times 100.

    >>> cells = pd.DataFrame({"mouse_id": ["a", "a"], "genotype": "ref", "stage": "s1", "sex": "F",
    ...                       "puncta": [2, 6], "cell_area_um2": [100.0, 300.0]})
    >>> np.exp(summarise_pla_mice(cells, "per_area")["log_value"]).round(6).tolist()
    [2.0]
    """
    keys = ["mouse_id", "genotype", "stage", "sex"]
    if is_section_table(cells):  # the section aggregate: sums of sums
        mice = cells.groupby(keys, as_index=False, observed=True).agg(
            puncta=("puncta", "sum"), area=("area", "sum"), n_cells=("n_cells", "sum"))
    else:
        mice = cells.groupby(keys, as_index=False, observed=True).agg(
            puncta=("puncta", "sum"), area=("cell_area_um2", "sum"), n_cells=("puncta", "size"))
    if outcome == "per_cell":
        value = mice["puncta"] / mice["n_cells"]
    elif outcome == "per_area":
        value = 100 * mice["puncta"] / mice["area"]
    else:
        raise ValueError(f"outcome must be 'per_cell' or 'per_area', got {outcome!r}")
    if (value <= 0).any():
        raise ValueError(f"mice {mice.loc[value <= 0, 'mouse_id'].tolist()} show no punctum; "
                         "their log mean is undefined")
    return mice.assign(log_value=np.log(value))


def fit_pla_specification(
    cells: pd.DataFrame,
    tissue: str,
    genotype: str,
    stage: str,
    *,
    outcome: str,
    outliers: str,
    model: str,
    groups: str,
    pair: str,
    cell_type: str,
    reference: str,
    alpha: float = 0.05,
    threshold: float = DEFAULT_OUTLIER_Z,
) -> dict:
    """Estimate the log PLA rate ratio *genotype* vs the *reference* genotype (same *stage*) under one specification.

    The cells of tether *pair* in *cell_type* of *tissue*.

    ``model="mouse_ols"``: OLS of one log mean per mouse (the primary
    analysis, :func:`helpers.analysis.pla.fit_mouse_level_contrasts`). ``"cell_gee"``:
    Poisson GEE of every cell's count, clustered on the mouse (exchangeable,
    Pearson scale, bias-reduced sandwich SE, normal interval), with
    ``log(area / 100)`` as offset for ``outcome="per_area"``.
    ``outliers="drop"`` removes whole mice whose mouse-level log value has
    |robust z| > *threshold* within their genotype x stage group.
    """
    from helpers.analysis.pla import fit_count_model

    chosen = cells[(cells["tissue"] == tissue) & (cells["tether_pair"] == pair) & (cells["cell_type"] == cell_type)]
    mice = summarise_pla_mice(chosen, outcome)
    if outliers == "drop":
        mice = drop_outliers(mice, "log_value", ["genotype", "stage"], threshold)
        chosen = chosen[chosen["mouse_id"].isin(mice["mouse_id"])]
    elif outliers != "none":
        raise ValueError(f"outliers must be one of {OUTLIER_RULES}, got {outliers!r}")
    mice, factor, term = _cell_coded(mice, genotype, stage, groups, reference)
    n_units = mice[(mice["stage"] == stage) & mice["genotype"].isin([genotype, reference])]["mouse_id"].nunique()
    if model == "mouse_ols":
        return _ols_term(f"log_value ~ {factor}", mice, term, alpha, n_units)
    if model != "cell_gee":
        raise ValueError(f"model must be 'mouse_ols' or 'cell_gee', got {model!r}")
    chosen, _, _ = _cell_coded(chosen, genotype, stage, groups, reference)
    fit = fit_count_model(chosen, "gee", "bias_reduced", rhs=factor, per_area=outcome == "per_area")
    estimate, se = fit.params[term], fit.bse[term]
    z = stats.norm.ppf(1 - alpha / 2)
    return _effect(estimate, se, estimate - z * se, estimate + z * se, 2 * stats.norm.sf(abs(estimate / se)), n_units)


def pla_specification_curve(
    cells: pd.DataFrame, tissue: str, genotype: str, stage: str, alpha: float = 0.05,
    threshold: float = DEFAULT_OUTLIER_Z, *, reference: str, pair: str, cell_type: str,
) -> pd.DataFrame:
    """Return every specification of a mouse PLA (MAM) contrast, *genotype* vs *reference* (see :data:`PLA_CHOICES`)."""
    def fit(**choice):
        return fit_pla_specification(cells, tissue, genotype, stage, alpha=alpha, threshold=threshold,
                                     reference=reference, pair=pair, cell_type=cell_type, **choice)

    return run_specifications(PLA_CHOICES, fit, PLA_PRIMARY)


# --------------------------------------------------------------------------
# MAM fraction: the stress x genotype interaction of MAM enrichment, gel fixed or random
# --------------------------------------------------------------------------
#: The gel of the fractionation blots as a fixed effect (the chapter's primary model) or a
#: random intercept (REML, Kenward-Roger); see :mod:`helpers.analysis.mam_fraction`.
FRACTION_CHOICES = {"gel": ("fixed", "random")}
FRACTION_PRIMARY = {"gel": "fixed"}


def fraction_specification_curve(
    lanes: pd.DataFrame, protein: str, genotype: str, alpha: float = 0.05, *, genotypes: Sequence[str],
    stresses: tuple[str, str], fractions: tuple[str, str],
) -> pd.DataFrame:
    """Return the interaction of *protein*'s MAM enrichment, gel fixed and random.

    The interaction is the stress effect in *genotype* over that in the
    reference genotype (``genotypes[0]``; *genotypes* are all the genotypes of
    the model, reference first); *stresses* are (control, stressor) and
    *fractions* (MAM fraction, reference fraction) of the enrichment ratio.
    """
    from helpers.analysis import mam_fraction

    enrichment = mam_fraction.mam_enrichment(lanes, *fractions)

    def fit(gel: str) -> dict:
        table = mam_fraction.fit_enrichment_model(enrichment, protein, tuple(genotypes), tuple(stresses),
                                                  alpha=alpha, gel=gel)
        row = table[(table["kind"] == "interaction") & (table["genotype"] == genotype)].iloc[0]
        return _effect(row["estimate"], row["se"], row["ci_low"], row["ci_high"], row["p_value"], row["n_units"],
                       note="" if row["gel_adjusted"] else "one gel: no gel term")

    return run_specifications(FRACTION_CHOICES, fit, FRACTION_PRIMARY)


# --------------------------------------------------------------------------- the chapter's levels and summaries


def _level(study, table: str, column: str, value: str | None, how: str | int) -> str:
    return value if value is not None else study.pick(table, column, how)


@dataclass(frozen=True)
class Featured:
    """The levels the robustness chapter's effects compare (None where no table present needs them).

    Human: *group* vs *group_reference* in *region*; mouse: *genotype* vs
    *genotype_reference* in *tissue* at *stage* (the mouse blot and PLA
    effects; the MAM-fraction effect reads *genotype* only, :class:`FractionLevels`).
    """

    region: str | None = None
    group: str | None = None
    group_reference: str | None = None
    tissue: str | None = None
    genotype: str | None = None
    genotype_reference: str | None = None
    stage: str | None = None

    @classmethod
    def pick(cls, study, present: Collection[str], *, region: str | None = None, group: str | None = None,
             tissue: str | None = None, genotype: str | None = None, stage: str | None = None) -> Featured:
        """Return the levels given, each None one picked from *study* as the chapter's parameters say.

        Region: the first the disease strikes; group: the first compared with
        the reference group; genotype: the last declared; tissue: the first
        affected; stage: the last. *present* names the tables the data hold: a
        level is picked only when a table present compares it.

        Raises
        ------
        DesignError
            When the genotype compared is the reference genotype.
        """
        human = {}
        if "human_blot" in present:
            human = {"region": _level(study, "human_blot", "region", region, "affected"),
                     "group": _level(study, "human_blot", "group", group, "other"),
                     "group_reference": study.reference("human_blot", "group")}
        mouse = {}
        table = next((t for t in ("mouse_blot", "pla_cells", "mam_fraction") if t in present), None)
        if table is not None:
            reference = study.reference(table, "genotype")
            genotype = _level(study, table, "genotype", genotype, "last")
            if genotype == reference:
                raise DesignError(f"{table}: the genotype compared ({genotype}) is the reference genotype; choose "
                                  f"another one (the parameter genotype: one of "
                                  f"{', '.join(study.factor('genotype').others)}).")
            mouse = {"genotype": genotype, "genotype_reference": reference}
            if table != "mam_fraction":  # the mouse blot or the PLA table: a tissue at a stage
                mouse |= {"tissue": _level(study, table, "tissue", tissue, "affected"),
                          "stage": _level(study, table, "stage", stage, "last")}
        return cls(**human, **mouse)


@dataclass(frozen=True)
class FractionLevels:
    """What the MAM-fraction interaction compares: *protein*'s MAM enrichment, stress effect in *genotype*
    over that in *reference* (*genotypes*: every genotype of the model, reference first)."""

    protein: str
    genotype: str
    reference: str
    genotypes: tuple[str, ...]
    #: (control, stressor) and (MAM fraction, reference fraction).
    stresses: tuple[str, str]
    fractions: tuple[str, str]

    @classmethod
    def pick(cls, study, protein: str | None = None, genotype: str | None = None) -> FractionLevels:
        """Return the levels of ``mam_fraction`` in *study*: *protein* (by default the second declared),
        *genotype* when the table has it (else its last genotype), the stressor other than the control."""
        reference = study.reference("mam_fraction", "genotype")
        genotypes = study.levels("mam_fraction", "genotype")
        return cls(
            protein=_level(study, "mam_fraction", "protein", protein, 2),
            genotype=genotype if genotype in genotypes else study.pick("mam_fraction", "genotype", "last"),
            reference=reference,
            genotypes=(reference, *(g for g in genotypes if g != reference)),
            stresses=(study.reference("mam_fraction", "stress"), study.pick("mam_fraction", "stress", "other")),
            fractions=(study.factor("fraction").with_role("mam")[0], study.reference("mam_fraction", "fraction")),
        )


def curve_summary(specs: pd.DataFrame, alpha: float = 0.05) -> dict:
    """Summarise one specification curve: its primary estimate, range and agreement, as ratios.

    Returns :func:`agreement_shares` and ``min_ratio``, ``max_ratio`` (the
    range of the estimates, exponentiated), ``flagged_fits`` (specifications
    with a note), ``primary_ratio`` with ``primary_low``, ``primary_high`` (its
    interval) and ``primary_n`` (its units), and ``choices``: the choice
    columns of the curve, comma-separated.

    >>> specs = pd.DataFrame({"gel": ["fixed", "random"], "estimate": [0.0, np.log(2)], "ci_low": [-1.0, 0.1],
    ...                       "ci_high": [1.0, 1.2], "p_value": [1.0, 0.01], "n_units": [12, 12],
    ...                       "note": ["", "gel variance 0"], "primary": [True, False]})
    >>> s = curve_summary(specs)
    >>> s["max_ratio"], s["primary_ratio"], s["primary_n"], s["flagged_fits"], s["choices"]
    (2.0, 1.0, 12, 1, 'gel')
    """
    primary = specs[specs["primary"]].iloc[0]
    return {**agreement_shares(specs, alpha),
            "min_ratio": float(np.exp(specs["estimate"].min())), "max_ratio": float(np.exp(specs["estimate"].max())),
            "flagged_fits": int((specs["note"] != "").sum()),
            "primary_ratio": float(np.exp(primary["estimate"])), "primary_low": float(np.exp(primary["ci_low"])),
            "primary_high": float(np.exp(primary["ci_high"])), "primary_n": int(primary["n_units"]),
            "choices": ", ".join(specs.columns[: specs.columns.get_loc("estimate")])}


def gel_verdict(specs: pd.DataFrame) -> str:
    """Say whether the fixed-gel and random-gel intervals (log scale, in that order) exclude a ratio of 1.

    >>> gel_verdict(pd.DataFrame({"ci_low": [0.1, -0.2], "ci_high": [0.5, 0.4]}))
    'the fixed-gel interval excludes 1 and the random-gel interval includes 1: the conclusion depends on this choice'
    """
    verdicts = ["includes 1" if low <= 0 <= high else "excludes 1"
                for low, high in zip(specs["ci_low"], specs["ci_high"], strict=True)]
    if len(set(verdicts)) == 1:
        return f"both intervals {'exclude' if verdicts[0] == 'excludes 1' else 'include'} 1"
    return (f"the fixed-gel interval {verdicts[0]} and the random-gel interval {verdicts[1]}: "
            "the conclusion depends on this choice")


#: Columns of the results tables below (``ResultsLedger.record``; a NaN is "not given").
RESULT_COLUMNS = ["key", "value", "ci_low", "ci_high", "n", "n_unit", "unit", "method", "description", "digits"]


def agreement_results(agreement: pd.DataFrame, effects: Mapping[str, tuple[str, str]], alpha: float) -> pd.DataFrame:
    """Return each curve's summary as a results table, one row per number the chapter states.

    *agreement* holds one :func:`curve_summary` per effect (its index); *effects* maps
    an effect to what it compares, in the study's words, and its experimental unit
    (``"donors"``, ``"mice"``, ``"samples"``). Rows per effect, in order, keyed
    ``<effect>_...``: ``primary_ratio`` (with its interval; n in the effect's unit),
    ``n_specs`` (a count), ``min_ratio`` and ``max_ratio`` (n = the specifications),
    ``share_sign`` and ``share_significance`` (% of the other specifications that
    agree with the primary one, n = those; the verdict at level *alpha*).

    >>> agreement = pd.DataFrame({"primary_ratio": [0.5], "primary_low": [0.3], "primary_high": [0.8],
    ...                           "primary_n": [12], "n_specs": [4], "n_alternatives": [3], "min_ratio": [0.4],
    ...                           "max_ratio": [0.9], "share_same_sign": [1.0], "share_same_significance": [2 / 3],
    ...                           "choices": ["gel"]}, index=["mouse"])
    >>> table = agreement_results(agreement, {"mouse": ("KO/WT", "mice")}, 0.05)
    >>> table[["key", "value", "n", "n_unit"]].values.tolist()[:2]
    [['mouse_primary_ratio', 0.5, 12, 'mice'], ['mouse_n_specs', 4.0, 4, 'specifications']]
    """
    rows = []
    for effect, row in agreement.iterrows():
        what, unit = effects[effect]
        over = f"specification curve over {row['choices']}"
        curve = {"n": row["n_specs"], "n_unit": "specifications", "unit": "ratio", "method": over}
        shares = {**curve, "n": row["n_alternatives"], "unit": "%", "digits": 0}
        rows += [
            {"key": f"{effect}_primary_ratio", "value": row["primary_ratio"], "ci_low": row["primary_low"],
             "ci_high": row["primary_high"], "n": row["primary_n"], "n_unit": unit, "unit": "ratio",
             "method": "primary specification", "description": f"primary estimate: {what}"},
            {**curve, "key": f"{effect}_n_specs", "value": row["n_specs"], "unit": "specifications",
             "method": "count", "digits": 0, "description": f"specifications fitted: {what}"},
            {**curve, "key": f"{effect}_min_ratio", "value": row["min_ratio"],
             "description": f"smallest estimate over the curve: {what}"},
            {**curve, "key": f"{effect}_max_ratio", "value": row["max_ratio"],
             "description": f"largest estimate over the curve: {what}"},
            {**shares, "key": f"{effect}_share_sign", "value": 100 * row["share_same_sign"],
             "description": f"other specifications with the primary's sign: {what}"},
            {**shares, "key": f"{effect}_share_significance", "value": 100 * row["share_same_significance"],
             "method": f"{over}; alpha = {alpha}",
             "description": f"other specifications with the primary's verdict at alpha: {what}"},
        ]
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def random_gel_results(specs: pd.DataFrame, what: str) -> pd.DataFrame:
    """Return the MAM-fraction interaction with the gel as a random intercept as a results table (one row).

    *specs* is :func:`fraction_specification_curve` (log scale); *what* says what the
    interaction compares. Key ``fraction_random_gel_ratio``: the ratio with its
    interval, n = the samples.

    >>> specs = pd.DataFrame({"gel": ["fixed", "random"], "estimate": [0.0, np.log(2)], "ci_low": [-1.0, 0.0],
    ...                       "ci_high": [1.0, np.log(4)], "n_units": [12, 12]})
    >>> random_gel_results(specs, "x")[["key", "value", "ci_low", "ci_high", "n"]].values.tolist()
    [['fraction_random_gel_ratio', 2.0, 1.0, 4.0, 12]]
    """
    random_gel = specs[specs["gel"] == "random"].iloc[0]
    return pd.DataFrame([{
        "key": "fraction_random_gel_ratio", "value": np.exp(random_gel["estimate"]),
        "ci_low": np.exp(random_gel["ci_low"]), "ci_high": np.exp(random_gel["ci_high"]), "n": random_gel["n_units"],
        "n_unit": "samples", "unit": "ratio", "method": "gel as a random intercept (REML), Kenward-Roger SE and df",
        "description": f"alternative specification: {what}"}], columns=RESULT_COLUMNS)
