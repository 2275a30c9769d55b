"""Body weight over age: the genotype difference along the whole trajectory, and the authors' model beside it.

**The book's model** (:func:`fit_trajectory`), per mouse line: a linear mixed
model of the weight (one row per mouse and age-week) on

``genotype * cr(age, df) + sex * cr(age, df)``

(``cr``: a natural cubic regression spline of age, centred), with a random
intercept and a random linear age slope per mouse (REML, statsmodels
``MixedLM``). Genotype and sex each get their own smooth curve of age; the
genotype difference is assumed the same in both sexes. The mouse is the unit:
its many weighings enter through its random effects. The genotype difference at
an age is a linear combination of the fixed effects
(:func:`helpers.stats.contrasts.linear_combinations`); over the ages shown it is one
family, with Bonferroni-simultaneous intervals (and matching adjusted p-values)
on t quantiles with the *between-within* df (mice minus the between-mouse fixed
effects: intercept, genotype, sex).

**The authors' model** (:func:`fit_authors_model`), as their README describes it:
per-mouse-week means; ages with fewer than 3 mice of either genotype dropped;
``weight ~ genotype * (C(age) + sex) + C(age):sex + (1 | mouse)``; the genotypes
compared within each sex at each age; Bonferroni over ages x genotypes. The
model has about 130 to 160 fixed effects; it is fitted by REML from per-mouse sums
(:func:`helpers.stats.random_intercept.fit_random_intercept_reml`, the same estimates
as statsmodels' ``MixedLM`` and lme4 in a fraction of a second). R's
Kenward-Roger df are not available in statsmodels; the between-within df (mice
minus intercept, genotype, sex, genotype:sex) are used and are smaller than
Kenward-Roger's, which pool between- and within-mouse information (so these
intervals are a little wider than the authors').
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy
import statsmodels.formula.api as smf
from scipy import stats

from helpers.stats.contrasts import linear_combinations
from helpers.stats.random_intercept import fit_random_intercept_reml
from helpers.stats.simultaneous import adjust_family

#: Columns of a table of genotype differences.
DIFFERENCE_COLUMNS = ["age_weeks", "sex", "estimate", "se", "df", "ci_low", "ci_high", "p_value", "sim_low",
                      "sim_high", "p_adj", "family_size"]


def line_data(table: pd.DataFrame, line: str, response: str = "weight_g") -> pd.DataFrame:
    """Return the rows of one line with plain dtypes (``age`` as float) for model formulas."""
    data = table[table["line"] == line].copy()
    if data.empty:
        raise ValueError(f"no rows of line {line!r}; lines in the table: {', '.join(map(str, table['line'].unique()))}")
    out = pd.DataFrame({
        "mouse_id": data["mouse_id"].astype(str).to_numpy(), "genotype": data["genotype"].astype(str).to_numpy(),
        "sex": data["sex"].astype(str).to_numpy(), "age_weeks": data["age_weeks"].astype(int).to_numpy(),
        "y": data[response].astype(float).to_numpy()})
    out["age"] = out["age_weeks"].astype(float)
    return out


def mutant_of(data: pd.DataFrame, reference: str) -> str:
    """Return the one genotype of *data* that is not the reference; raise if there is not exactly one."""
    others = sorted(set(data["genotype"]) - {reference})
    if reference not in set(data["genotype"]) or len(others) != 1:
        raise ValueError(f"expected the reference {reference!r} and one other genotype; found "
                         f"{', '.join(sorted(set(data['genotype'])))}")
    return others[0]


def design_rows(result, frame: pd.DataFrame) -> np.ndarray:
    """Return the fixed-effects design rows of *frame* for a model fitted from a formula (patsy's design)."""
    data = result.model.data
    info = getattr(data, "design_info", None) or data.model_spec  # the attribute's name in statsmodels 0.14 / 0.15
    return np.asarray(patsy.build_design_matrices([info], frame)[0])


@dataclass
class TrajectoryFit:
    """A fitted weight-trajectory model of one line and what is needed to read it."""

    line: str
    reference: str
    mutant: str
    data: pd.DataFrame
    result: object  # statsmodels MixedLMResults
    formula: str
    #: Fixed effects that vary between mice only (their count sets the between-within df).
    between_terms: int
    spline_df: int = 5

    @property
    def n_mice(self) -> int:
        return int(self.data["mouse_id"].nunique())

    @property
    def df(self) -> float:
        """Between-within df: mice minus the between-mouse fixed effects."""
        return float(self.n_mice - self.between_terms)

    def method(self, family: int) -> str:
        """Return the method of :func:`genotype_differences` over *family* ages, in words (for the results table)."""
        return (f"mixed model, genotype x cr(age, df={self.spline_df}) + sex x cr(age), random intercept and age slope "
                f"per mouse (REML); Bonferroni-simultaneous CI over {family} ages, t({self.df:.0f}) between-within df")

    def design(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the fixed-effects design rows of *frame* (columns ``genotype, sex, age``)."""
        return design_rows(self.result, frame)

    def fixed(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the fixed effects and their covariance."""
        names = self.result.fe_params.index
        return self.result.fe_params.to_numpy(), self.result.cov_params().loc[names, names].to_numpy()


def _fit(formula: str, data: pd.DataFrame, re_formula: str | None):
    import warnings

    model = smf.mixedlm(formula, data, groups=data["mouse_id"], re_formula=re_formula)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is checked below, not warned about
        result = model.fit(reml=True, method=["lbfgs"])
    if not result.converged:
        raise RuntimeError(f"the mixed model {formula} did not converge")
    return result


def fit_trajectory(table: pd.DataFrame, line: str, reference: str, spline_df: int = 5,
                   response: str = "weight_g") -> TrajectoryFit:
    """Fit the book's model of one line: ``genotype * cr(age) + sex * cr(age)``, random intercept and slope per mouse.

    Parameters
    ----------
    table : DataFrame
        The ``body_weight`` table (or one with the same columns and *response*).
    line : str
        The line to fit (its genotypes: the reference and one mutant).
    reference : str
        The reference genotype (the study description's, e.g. its wild type).
    spline_df : int
        Degrees of freedom of the natural cubic regression spline of age.
    """
    data = line_data(table, line, response)
    mutant = mutant_of(data, reference)
    spline = f"cr(age, df={int(spline_df)}, constraints='center')"
    formula = f"y ~ C(genotype, Treatment({reference!r})) * {spline} + C(sex) * {spline}"
    data["age_c"] = (data["age"] - data["age"].mean()) / 10.0  # the slope per 10 weeks, for a well-scaled fit
    result = _fit(formula, data, "~age_c")
    return TrajectoryFit(line, reference, mutant, data, result, formula, between_terms=3, spline_df=int(spline_df))


def genotype_differences(fit: TrajectoryFit, ages, alpha: float = 0.05) -> pd.DataFrame:
    """Return mutant minus reference at each of *ages*, with unadjusted and Bonferroni-simultaneous intervals.

    The difference is the same for both sexes in this model (``sex`` column: ``"both"``).
    """
    ages = np.asarray(sorted(set(int(a) for a in ages)), dtype=float)
    grid = lambda g: pd.DataFrame({"genotype": g, "sex": "F", "age": ages})  # noqa: E731
    L = fit.design(grid(fit.mutant)) - fit.design(grid(fit.reference))
    beta, cov = fit.fixed()
    table = linear_combinations(L, beta, cov, df=fit.df, alpha=alpha)
    table.insert(0, "sex", "both")
    table.insert(0, "age_weeks", ages.astype(int))
    return adjust_family(table, alpha, fit.df)[DIFFERENCE_COLUMNS]


def predicted_means(fit: TrajectoryFit, ages) -> pd.DataFrame:
    """Return the model's mean weight per genotype and sex at *ages* (the population curves)."""
    rows = []
    beta, _ = fit.fixed()
    for genotype in (fit.reference, fit.mutant):
        for sex in sorted(fit.data["sex"].unique()):
            frame = pd.DataFrame({"genotype": genotype, "sex": sex, "age": np.asarray(ages, dtype=float)})
            rows.append(frame.assign(mean=fit.design(frame) @ beta))
    return pd.concat(rows, ignore_index=True)


def onset_of_difference(differences: pd.DataFrame, limits: tuple[str, str] = ("sim_low", "sim_high")) -> dict | None:
    """Return the first age from which every later interval excludes 0 on the same side.

    *limits* name the interval's columns: the simultaneous interval by default,
    ``("ci_low", "ci_high")`` for the unadjusted one (an earlier, pointwise reading).
    Returns ``None`` when the last age's interval contains 0 (no lasting difference);
    otherwise ``{"age_weeks", "direction", "row"}`` with ``direction`` ``"heavier"`` or
    ``"lighter"`` and the table row of that age.

    >>> d = pd.DataFrame({"age_weeks": [4, 8, 12, 16], "sim_low": [-1, 0.2, -0.1, 0.5],
    ...                   "sim_high": [1, 2, 2, 3], "ci_low": [-0.5, 0.4, 0.1, 0.7], "ci_high": [1, 2, 2, 3]})
    >>> onset_of_difference(d)["age_weeks"], onset_of_difference(d, ("ci_low", "ci_high"))["age_weeks"]
    (16, 8)
    """
    d = differences.sort_values("age_weeks").reset_index(drop=True)
    low, high = limits
    for sign, word in ((1, "heavier"), (-1, "lighter")):
        excludes = (d[low] > 0) if sign == 1 else (d[high] < 0)
        if not excludes.iloc[-1]:
            continue
        start = len(d) - 1
        while start > 0 and excludes.iloc[start - 1]:
            start -= 1
        return {"age_weeks": int(d.loc[start, "age_weeks"]), "direction": word, "row": d.loc[start]}
    return None


def count_excluding_zero(differences: pd.DataFrame, limits: tuple[str, str] = ("sim_low", "sim_high")) -> int:
    """Return how many intervals of *differences* (columns *limits*) exclude 0.

    >>> count_excluding_zero(pd.DataFrame({"sim_low": [-1.0, 0.5, -3.0], "sim_high": [1.0, 2.0, -0.1]}))
    2
    """
    low, high = (differences[c] for c in limits)
    return int(((low > 0) | (high < 0)).sum())


def ages_to_show(data: pd.DataFrame, min_mice: int, step: int, quoted=(), first: int = 8) -> list[int]:
    """Return the ages at which the genotypes are compared.

    Every *step* weeks from *first* to the last age-week at which every genotype
    still has at least *min_mice* mice weighed (the authors' rule), and the
    *quoted* ages up to that last age. *data* has one row per mouse and age-week
    (:func:`line_data`, or ``TrajectoryFit.data``).

    >>> data = pd.DataFrame({"mouse_id": ["a", "b", "c", "d", "a", "b", "c"],
    ...                      "genotype": ["ref", "ref", "mut", "mut", "ref", "ref", "mut"],
    ...                      "age_weeks": [8, 8, 8, 8, 20, 20, 20]})
    >>> ages_to_show(data, min_mice=2, step=4), ages_to_show(data, min_mice=1, step=8, quoted=[18, 30])
    ([8], [8, 16, 18])
    """
    counts = mice_per_age(data)
    enough = counts[(counts >= min_mice).all(axis=1)]
    if enough.empty:
        raise ValueError(f"no age-week has at least {min_mice} mice of every genotype; lower min_mice")
    last = int(enough.index.max())
    return sorted(set(range(first, last + 1, step)) | {int(a) for a in quoted if a <= last})


# --------------------------------------------------------------------------- the authors' model


@dataclass
class AuthorsFit:
    """The authors' model refitted: the fit, the ages kept and those dropped (with their mice per genotype)."""

    line: str
    reference: str
    mutant: str
    data: pd.DataFrame
    fit: object  # helpers.stats.random_intercept.GroupedFit
    design_info: object  # patsy DesignInfo of the fixed effects
    formula: str
    ages: list[int]
    dropped: pd.DataFrame

    @property
    def n_mice(self) -> int:
        return int(self.data["mouse_id"].nunique())

    @property
    def df(self) -> float:
        """Between-within df: mice minus intercept, genotype, sex and genotype:sex."""
        return float(self.n_mice - 4)

    @property
    def family_size(self) -> int:
        """The Bonferroni family of :func:`authors_contrasts`: ages kept x genotypes (2)."""
        return 2 * len(self.ages)

    @property
    def method(self) -> str:
        """The method of :func:`authors_contrasts`, in words (for the results table)."""
        return (f"authors' model refitted (age factor, random intercept, REML); Bonferroni over {self.family_size} = "
                f"ages x genotypes; t({self.df:.0f}) between-within df")


def df_widening(fit: AuthorsFit, alpha: float = 0.05) -> float:
    """Return how much wider (%) the refitted intervals are for the between-within df than for infinitely many.

    The Bonferroni t quantile of :func:`authors_contrasts` on ``fit.df`` over the
    normal quantile: an upper bound on the widening against any larger df, such as
    Kenward-Roger's.
    """
    tail = 1 - alpha / (2 * fit.family_size)
    return float(100 * (stats.t.ppf(tail, fit.df) / stats.norm.ppf(tail) - 1))


def mice_per_age(data: pd.DataFrame) -> pd.DataFrame:
    """Return the number of mice of each genotype (columns) weighed at each age-week (rows)."""
    return data.groupby(["age_weeks", "genotype"])["mouse_id"].nunique().unstack(fill_value=0)


def fit_authors_model(table: pd.DataFrame, line: str, reference: str, min_mice: int = 3,
                      response: str = "weight_g") -> AuthorsFit:
    """Refit the authors' model of one line (see the module docstring); return it with the ages dropped."""
    data = line_data(table, line, response)
    mutant = mutant_of(data, reference)
    counts = mice_per_age(data)
    enough = (counts >= min_mice).all(axis=1) & (counts.shape[1] == 2)
    dropped = counts[~enough].reset_index()
    kept = data[data["age_weeks"].isin(counts.index[enough])].copy()
    formula = (f"y ~ C(genotype, Treatment({reference!r})) * (C(age_weeks) + C(sex)) "
               "+ C(age_weeks):C(sex)")
    y, X = patsy.dmatrices(formula, kept)
    if np.linalg.matrix_rank(np.asarray(X)) < X.shape[1]:
        raise ValueError(f"line {line}: the authors' model is not estimable (an age with one sex only?)")
    fit = fit_random_intercept_reml(np.asarray(y).ravel(), np.asarray(X), kept["mouse_id"])
    return AuthorsFit(line, reference, mutant, kept, fit, X.design_info, formula,
                      sorted(int(a) for a in counts.index[enough]), dropped)


def authors_contrasts(fit: AuthorsFit, alpha: float = 0.05) -> pd.DataFrame:
    """Return mutant minus reference within each sex at every kept age, Bonferroni over ages x genotypes.

    As the authors' README says, the family size is the number of ages times the
    number of genotypes (here 2), so the adjusted intervals and p-values of one line
    share one Bonferroni factor.
    """
    beta, cov = fit.fit.params, fit.fit.cov
    rows = []
    for sex in sorted(fit.data["sex"].unique()):
        grid = lambda g, s=sex: pd.DataFrame({"genotype": g, "sex": s, "age_weeks": fit.ages})  # noqa: E731
        build = lambda frame: np.asarray(patsy.build_design_matrices([fit.design_info], frame)[0])  # noqa: E731
        L = build(grid(fit.mutant)) - build(grid(fit.reference))
        part = linear_combinations(L, beta, cov, df=fit.df, alpha=alpha)
        part.insert(0, "sex", sex)
        part.insert(0, "age_weeks", fit.ages)
        rows.append(part)
    table = pd.concat(rows, ignore_index=True)
    # ages x genotypes (2) = ages x sexes: one contrast per row, so the family is the whole table
    assert len(table) == len(fit.ages) * 2
    return adjust_family(table, alpha, fit.df)[DIFFERENCE_COLUMNS]


def side_by_side(book: pd.DataFrame, authors: pd.DataFrame) -> pd.DataFrame:
    """Return one row per age shown by the book: its difference beside the authors' per-sex differences.

    Columns ``book*`` (estimate, simultaneous interval, adjusted p) and ``authors_F*``,
    ``authors_M*`` likewise; an age the authors dropped has empty authors' columns.
    """
    keep = ["age_weeks", "estimate", "sim_low", "sim_high", "p_adj"]
    out = book[keep].rename(columns=lambda c: c if c == "age_weeks" else f"book_{c}")
    for sex in sorted(authors["sex"].unique()):
        part = authors.loc[authors["sex"] == sex, keep]
        out = out.merge(part.rename(columns=lambda c, s=sex: c if c == "age_weeks" else f"authors_{s}_{c}"),
                        on="age_weeks", how="left")
    return out


# --------------------------------------------------------------------------- body composition at scan ages


#: The columns of a contrast table that hold its simultaneous interval (``ci=`` of ``ledger.estimates``).
SIM_CI = ("sim_low", "sim_high")

#: The method of the onset age; ``{level}``: the simultaneous interval level (a fraction).
ONSET_METHOD = "first shown age from which every simultaneous {level:.0%} CI excludes 0"

#: The method of the authors' onset age (Bonferroni-adjusted intervals of the authors' model).
AUTHORS_ONSET_METHOD = "first kept age from which every Bonferroni-adjusted CI of the authors' model excludes 0"

#: The method of :func:`scan_age_differences` in words; ``{family}``: the number of scan ages.
SCAN_METHOD = ("mixed model genotype x C(age) + sex x C(age), random intercept per mouse (REML); "
               "Bonferroni-simultaneous CI over {family} scan ages")


def scan_age_differences(table: pd.DataFrame, line: str, response: str, reference: str,
                         alpha: float = 0.05) -> pd.DataFrame:
    """Return mutant minus reference of *response* at each scan age (e.g. echo-MRI fat mass), simultaneous over ages.

    Model: ``response ~ genotype * C(age) + sex * C(age)`` with a random intercept per
    mouse (REML); the genotype difference at an age is the same in both sexes;
    Bonferroni over the scan ages, t quantiles on the between-within df (mice minus
    intercept, genotype and sex).
    """
    data = line_data(table, line, response)
    mutant = mutant_of(data, reference)
    y, X = patsy.dmatrices(f"y ~ C(genotype, Treatment({reference!r})) * C(age_weeks) + C(sex) * C(age_weeks)",
                           data)
    fit = fit_random_intercept_reml(np.asarray(y).ravel(), np.asarray(X), data["mouse_id"])
    ages = sorted(int(a) for a in data["age_weeks"].unique())
    build = lambda g: np.asarray(patsy.build_design_matrices(  # noqa: E731
        [X.design_info], pd.DataFrame({"genotype": g, "sex": "F", "age_weeks": ages}))[0])
    df = float(data["mouse_id"].nunique() - 3)
    out = linear_combinations(build(mutant) - build(reference), fit.params, fit.cov, df=df, alpha=alpha)
    out.insert(0, "sex", "both")
    out.insert(0, "age_weeks", ages)
    return adjust_family(out, alpha, df)[DIFFERENCE_COLUMNS]


def single_age_differences(table: pd.DataFrame, line: str, ages, reference: str, alpha: float = 0.05,
                           response: str = "weight_g") -> pd.DataFrame:
    """Return, at each of *ages* on its own, mutant minus reference by least squares on the mice weighed that week.

    ``response ~ genotype + sex``, one row per mouse: no model of the trajectory, no
    borrowing from other ages. A check on the trajectory model's estimates and standard
    errors (unadjusted t intervals, residual df).
    """
    rows = []
    data = line_data(table, line, response)
    mutant = mutant_of(data, reference)
    for age in ages:
        week = data[data["age_weeks"] == int(age)]
        fit = smf.ols(f"y ~ C(genotype, Treatment({reference!r})) + C(sex)", week).fit()
        term = f"C(genotype, Treatment({reference!r}))[T.{mutant}]"
        low, high = fit.conf_int(alpha).loc[term]
        rows.append({"age_weeks": int(age), "mice": len(week), "estimate": fit.params[term], "se": fit.bse[term],
                     "df": fit.df_resid, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- what the conversion did, in counts


def conversion_counts(log: pd.DataFrame, rows_read: dict[str, int], table_rows: int) -> pd.DataFrame:
    """Return the counts of the raw-to-tidy conversion as a results table for ``ResultsLedger.record``.

    *log* has one row per action (``action`` in ``dropped``, ``averaged``, ...; ``mouse_id``,
    ``age_weeks``); *rows_read* counts the raw rows read per sheet (weighing sheets have
    ``Weight`` in their name); *table_rows* is the length of the tidy body_weight table.
    Rows: raw weighings read, raw rows dropped (out of all raw rows), mouse-weeks averaged,
    rows of the tidy table.
    """
    weighings = sum(n for sheet, n in rows_read.items() if "Weight" in sheet)
    dropped = int((log["action"] == "dropped").sum())
    averaged = len(log.loc[log["action"] == "averaged", ["mouse_id", "age_weeks"]].drop_duplicates())
    rows = [("raw_weighings", weighings, "weighings", weighings, "weighings", "raw weighing rows read (both lines)"),
            ("rows_dropped", dropped, "rows", sum(rows_read.values()), "raw rows", "raw rows dropped by the conversion"),
            ("mouse_weeks_averaged", averaged, "mouse-weeks", averaged, "mouse-weeks",
             "mouse-weeks whose several weighings were averaged"),
            ("table_rows", table_rows, "mouse-weeks", table_rows, "mouse-weeks",
             "rows of the body_weight table (mouse x age-week)")]
    table = pd.DataFrame(rows, columns=["key", "value", "unit", "n", "n_unit", "description"])
    return table.assign(method="count", digits=0)


# --------------------------------------------------------------------------- results tables, in the ledger's words
#
# Each function returns the numbers one step of the chapter states, one row per number, with
# the columns ``ResultsLedger.record`` reads. *prefix* starts every key (``"tdp"``: ``tdp_diff_24``);
# *labels* maps a genotype level to its label (``{"wt": "+/+", "Q331K_hom": "Q331K/Q331K"}``);
# *line_label* names the line in descriptions.

#: Columns of the results tables below.
RECORD_COLUMNS = ["key", "value", "ci_low", "ci_high", "n", "n_unit", "unit", "digits", "method", "description"]

#: The sexes of the authors' per-sex contrasts, in words.
SEXES = {"F": "females", "M": "males"}


def _records(rows: list[dict], **common) -> pd.DataFrame:
    return pd.DataFrame([{**common, **row} for row in rows], columns=RECORD_COLUMNS)


def parameter_results(spline_df: int, age_step: int, min_mice: int) -> pd.DataFrame:
    """Return the chapter's parameters that the prose states (method ``parameter``: they rest on no sample).

    >>> parameter_results(5, 4, 3)[["key", "value", "unit"]].values.tolist()
    [['spline_df', 5, 'df'], ['age_step', 4, 'weeks'], ['min_mice', 3, 'mice']]
    """
    return _records([
        {"key": "spline_df", "value": spline_df, "unit": "df", "description": "degrees of freedom of the age spline"},
        {"key": "age_step", "value": age_step, "unit": "weeks", "description": "spacing of the ages compared"},
        {"key": "min_mice", "value": min_mice, "unit": "mice", "description": "fewest mice per genotype an age needs"},
    ], method="parameter", digits=0)


def difference_results(fit: TrajectoryFit, differences: pd.DataFrame, ages, prefix: str, labels: dict,
                       line_label: str) -> pd.DataFrame:
    """Return the book's difference (:func:`genotype_differences`) at each of *ages*, with its simultaneous interval.

    Keys ``<prefix>_diff_<age>``; the method names the family (all rows of *differences*).
    An age not among *differences* raises ``KeyError``.
    """
    at = differences.set_index("age_weeks").loc[list(ages)]
    described = f"{labels[fit.mutant]} minus {labels[fit.reference]} body weight at {{}} weeks ({line_label})"
    return _records([{"key": f"{prefix}_diff_{age}", "value": row["estimate"], "ci_low": row[SIM_CI[0]],
                      "ci_high": row[SIM_CI[1]], "description": described.format(age)} for age, row in at.iterrows()],
                    n=fit.n_mice, n_unit="mice", unit="g", method=fit.method(len(differences)))


def onset_results(fit: TrajectoryFit, differences: pd.DataFrame, prefix: str, labels: dict,
                  ci_level: float) -> pd.DataFrame:
    """Return the onset of a lasting difference (:func:`onset_of_difference`), the difference then, and the same
    onset read from the unadjusted intervals.

    Keys ``<prefix>_onset_age``, ``<prefix>_onset_diff`` (with its simultaneous interval) and
    ``<prefix>_onset_age_pointwise``; no rows without a lasting difference, no pointwise row
    when the unadjusted intervals show none.
    """
    onset = onset_of_difference(differences)
    if onset is None:
        return _records([])
    row, pointwise = onset["row"], onset_of_difference(differences, ("ci_low", "ci_high"))
    rows = [{"key": f"{prefix}_onset_age", "value": onset["age_weeks"], "unit": "weeks", "digits": 0,
             "method": ONSET_METHOD.format(level=ci_level),
             "description": f"age from which {labels[fit.mutant]} mice weigh {onset['direction']} than "
                            f"{labels[fit.reference]}"},
            {"key": f"{prefix}_onset_diff", "value": row["estimate"], "ci_low": row[SIM_CI[0]],
             "ci_high": row[SIM_CI[1]], "unit": "g", "method": f"as {prefix}_diff_*", "description": "difference then"}]
    if pointwise is not None:
        rows.append({"key": f"{prefix}_onset_age_pointwise", "value": pointwise["age_weeks"], "unit": "weeks",
                     "digits": 0, "method": f"first shown age from which every unadjusted {ci_level:.0%} CI excludes 0",
                     "description": "the same read from unadjusted intervals (earliest plausible start)"})
    return _records(rows, n=fit.n_mice, n_unit="mice")


def no_difference_results(fit: TrajectoryFit, differences: pd.DataFrame, prefix: str, labels: dict,
                          ci_level: float) -> pd.DataFrame:
    """Return how many simultaneous intervals of *differences* exclude 0, and the largest difference they leave open.

    Keys ``<prefix>_ages_excluding_zero`` (a count of ages) and ``<prefix>_largest_bound`` (g:
    the largest absolute bound, so larger differences are excluded at every age shown).
    """
    mutant, reference = labels[fit.mutant], labels[fit.reference]
    return _records([
        {"key": f"{prefix}_ages_excluding_zero", "value": count_excluding_zero(differences), "n": len(differences),
         "n_unit": "ages", "unit": "ages", "digits": 0,
         "method": f"count of simultaneous {ci_level:.0%} CIs that exclude 0",
         "description": f"{mutant} ages with a difference"},
        {"key": f"{prefix}_largest_bound", "value": differences[list(SIM_CI)].abs().to_numpy().max(), "n": fit.n_mice,
         "n_unit": "mice", "unit": "g",
         "method": f"largest absolute bound of the simultaneous {ci_level:.0%} CIs over the ages shown",
         "description": f"{mutant} minus {reference} weight differences larger than this are excluded "
                        "at every age shown"},
    ])


def widening_results(fit: AuthorsFit, prefix: str, line_name: str, alpha: float = 0.05) -> pd.DataFrame:
    """Return :func:`df_widening` of the authors' refit (%), key ``<prefix>_df_widening``."""
    return _records([{"key": f"{prefix}_df_widening", "value": df_widening(fit, alpha=alpha), "n": fit.n_mice,
                      "n_unit": "mice", "unit": "%", "digits": 0,
                      "method": "t quantile on between-within df over normal",
                      "description": f"largest widening of the refitted intervals from the df rule ({line_name})"}])


def authors_results(fit: AuthorsFit, contrasts: pd.DataFrame, ages, prefix: str, labels: dict,
                    line_label: str) -> pd.DataFrame:
    """Return the ages the authors' rule keeps (a count), then their per-sex differences at *ages*.

    Keys ``<prefix>_authors_ages`` and ``<prefix>_authors_<sex>_<age>`` (rows of *contrasts*,
    :func:`authors_contrasts`, by age then sex, with their Bonferroni intervals); an age the
    rule dropped has no row.
    """
    rows = contrasts[contrasts["age_weeks"].isin(list(ages))].sort_values(["age_weeks", "sex"])
    described = f"{labels[fit.mutant]} minus {labels[fit.reference]}, {{}}, {{}} weeks ({line_label})"
    kept = {"key": f"{prefix}_authors_ages", "value": len(fit.ages), "n": len(fit.ages), "n_unit": "ages",
            "unit": "ages", "digits": 0, "method": "count",
            "description": f"age-weeks kept by the authors' rule ({line_label})"}
    return _records([kept] + [
        {"key": f"{prefix}_authors_{r.sex}_{r.age_weeks}", "value": r.estimate, "ci_low": r.sim_low,
         "ci_high": r.sim_high, "n": fit.n_mice, "n_unit": "mice", "unit": "g", "method": fit.method,
         "description": described.format(SEXES.get(r.sex, r.sex), r.age_weeks)} for r in rows.itertuples()])


def authors_onset_results(fit: AuthorsFit, contrasts: pd.DataFrame, book_family: int, prefix: str, labels: dict,
                          line_name: str) -> pd.DataFrame:
    """Return the authors' onset age in each sex (where there is a lasting difference) and the two families.

    Keys ``<prefix>_authors_onset_<sex>`` (:func:`onset_of_difference` on the Bonferroni
    intervals of *contrasts* of that sex), ``<prefix>_authors_family`` (contrasts adjusted
    over, ``fit.family_size``) and ``<prefix>_book_family`` (*book_family*: the ages the
    book's model shows).
    """
    rows = []
    for sex, who in SEXES.items():
        found = onset_of_difference(contrasts[contrasts["sex"] == sex])
        if found is not None:
            rows.append({"key": f"{prefix}_authors_onset_{sex}", "value": found["age_weeks"], "n": fit.n_mice,
                         "n_unit": "mice", "unit": "weeks", "method": AUTHORS_ONSET_METHOD,
                         "description": f"authors' model: onset age, {labels[fit.mutant]} {who}"})
    rows.append({"key": f"{prefix}_authors_family", "value": fit.family_size, "n": fit.family_size,
                 "n_unit": "contrasts", "unit": "contrasts", "method": "count",
                 "description": f"Bonferroni family, authors' model, {line_name}"})
    rows.append({"key": f"{prefix}_book_family", "value": book_family, "n": book_family, "n_unit": "ages",
                 "unit": "ages", "method": "count",
                 "description": f"Bonferroni family of the book's model (ages shown), {line_name}"})
    return _records(rows, digits=0)


def authors_excluding_zero_results(fit: AuthorsFit, contrasts: pd.DataFrame, prefix: str,
                                   labels: dict) -> pd.DataFrame:
    """Return how many of the authors' contrasts (:func:`authors_contrasts`) have an interval that excludes 0."""
    return _records([{"key": f"{prefix}_authors_excluding_zero", "value": count_excluding_zero(contrasts),
                      "n": len(contrasts), "n_unit": "contrasts", "unit": "contrasts", "digits": 0,
                      "method": "count of the authors' Bonferroni-adjusted CIs that exclude 0",
                      "description": f"{labels[fit.mutant]} contrasts (sex x age) that differ"}])


def composition_results(composition: dict[str, pd.DataFrame], scans: pd.DataFrame, reference: str,
                        labels: dict) -> pd.DataFrame:
    """Return each measure's difference at the last scan age, then that age.

    *composition* maps a measure (``fat_g``) to its :func:`scan_age_differences` on *scans*
    (one line: *reference* and one mutant); keys ``<tissue>_diff_<age>`` (``fat_diff_72``;
    n: every mouse of *scans*) and ``last_scan`` (n: the mice scanned at that age).
    """
    last = int(scans["age_weeks"].max())
    mutant_label, reference_label = labels[mutant_of(scans, reference)], labels[reference]
    rows = []
    for measure, table in composition.items():
        tissue = measure.removesuffix("_g")
        rows += [{"key": f"{tissue}_diff_{r.age_weeks}", "value": r.estimate, "ci_low": r.sim_low,
                  "ci_high": r.sim_high, "n": scans["mouse_id"].nunique(), "unit": "g",
                  "method": SCAN_METHOD.format(family=len(table)),
                  "description": f"{mutant_label} minus {reference_label} {tissue} mass at {r.age_weeks} weeks"}
                 for r in table[table["age_weeks"] == last].itertuples()]
    rows.append({"key": "last_scan", "value": last, "n": (scans["age_weeks"] == last).sum(), "unit": "weeks",
                 "digits": 0, "method": "largest scan age in the table",
                 "description": "age of the last echo-MRI scan"})
    return _records(rows, n_unit="mice")
