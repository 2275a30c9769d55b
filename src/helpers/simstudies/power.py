"""Simulation-based power for the next experiment, from the book's own variance components.

Two designs are planned here:

* **Blot contrasts** (one lane per mouse or donor): the unit's log(pTBK1/TBK1)
  is normal around its group mean with the residual SD of the book's model.
  The analysis is a two-sample t-test on the units, so simulated power can be
  checked against the exact noncentral-t power
  (:class:`statsmodels.stats.power.TTestIndPower`).
* **PLA puncta per cell** nested in sections nested in mice: each mouse has a log rate
  ``mu + effect * group + b``, ``b ~ N(0, sd_mouse^2)``; each of its
  sections a further normal deviation (SD ``sd_section``); each cell a
  gamma-Poisson count around its section's rate. The analysis is at the level
  of the mouse, as in the book: the log of each mouse's mean count, compared
  between groups with a two-sample t-test on the mice. More cells per mouse
  shrink only the cell part of the variance; the between-mouse part is only
  reduced by more mice.

Every simulation is vectorized (all replicates at once) and driven by an
explicit :class:`numpy.random.Generator`; the power grids run their points
through one :class:`concurrent.futures.Executor` (this process, a local pool or
a Dask cluster), each point seeded from its index (:func:`run_grid`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.power import TTestIndPower

from helpers.data.aggregate import is_section_table
from helpers.simstudies.executor import InProcessExecutor, run_batches


# --------------------------------------------------------------------------
# Two-group comparisons of one value per unit (blot contrasts)
# --------------------------------------------------------------------------
def ttest_reject(a: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    """Return whether a pooled-variance two-sample t-test rejects, along the last axis.

    Parameters
    ----------
    a, b : ndarray
        Samples of the two groups, shape ``(..., n_a)`` and ``(..., n_b)``.
    alpha : float
        Two-sided level.

    Examples
    --------
    >>> a = np.array([[0.0, 1.0, 2.0], [0.0, 0.1, 0.2]])
    >>> b = np.array([[1.0, 2.0, 3.0], [5.0, 5.1, 5.2]])
    >>> ttest_reject(a, b, 0.05).tolist()
    [False, True]
    """
    n_a, n_b = a.shape[-1], b.shape[-1]
    diff = b.mean(axis=-1) - a.mean(axis=-1)
    pooled = ((n_a - 1) * a.var(axis=-1, ddof=1) + (n_b - 1) * b.var(axis=-1, ddof=1)) / (n_a + n_b - 2)
    t = diff / np.sqrt(pooled * (1 / n_a + 1 / n_b))
    return np.abs(t) > stats.t.ppf(1 - alpha / 2, n_a + n_b - 2)


def simulate_ttest_power(
    effect: float, sd: float, n_per_group: int, *, n_sims: int, alpha: float, rng: np.random.Generator
) -> float:
    """Return the simulated power of a two-sample t-test (equal groups of normal units).

    Parameters
    ----------
    effect : float
        True difference of group means (log scale for blot ratios).
    sd : float
        SD of a unit around its group mean.
    n_per_group : int
        Units (mice, donors) per group.
    n_sims : int
        Simulated experiments.
    alpha : float
        Two-sided level.
    rng : numpy.random.Generator
        Source of random numbers.
    """
    a = rng.normal(0.0, sd, size=(n_sims, n_per_group))
    b = rng.normal(effect, sd, size=(n_sims, n_per_group))
    return float(ttest_reject(a, b, alpha).mean())


def analytic_ttest_power(effect: float, sd: float, n_per_group: int, alpha: float) -> float:
    """Return the exact (noncentral t) power of the two-sample t-test.

    Uses :class:`statsmodels.stats.power.TTestIndPower`. Its noncentral-t
    tail is not finite for very large noncentrality (power indistinguishable
    from 1); there the normal approximation, which is then exact to many
    digits, is returned instead.

    >>> round(analytic_ttest_power(1.0, 1.0, 17, 0.05), 3)
    0.807
    >>> analytic_ttest_power(0.6, 0.3, 50, 0.05) > 0.999999
    True
    """
    d = abs(effect) / sd
    exact = float(TTestIndPower().power(effect_size=d, nobs1=n_per_group, alpha=alpha, ratio=1.0))
    if math.isfinite(exact):
        return exact
    nc = d * math.sqrt(n_per_group / 2)
    crit = stats.t.ppf(1 - alpha / 2, 2 * n_per_group - 2)
    return float(stats.norm.sf(crit - nc) + stats.norm.cdf(-crit - nc))


def residual_sd_from_effect(se: float, n_a: int, n_b: int) -> float:
    """Return the unit-level SD implied by a two-group contrast's standard error.

    ``se = sd * sqrt(1/n_a + 1/n_b)`` for a difference of two group means, so
    the SD of one unit around its group mean after the model's adjustments is
    ``se / sqrt(1/n_a + 1/n_b)``.

    >>> round(residual_sd_from_effect(0.5, 8, 8), 6)
    1.0
    """
    return float(se / math.sqrt(1 / n_a + 1 / n_b))


def required_n(power_at: Callable[[int], float], target: float = 0.8, n_min: int = 2, n_max: int = 200) -> int | None:
    """Return the smallest n in ``[n_min, n_max]`` with ``power_at(n) >= target``.

    *power_at* must increase with n (bisection); None if even *n_max* falls short.

    >>> required_n(lambda n: analytic_ttest_power(1.0, 1.0, n, 0.05))
    17
    """
    if power_at(n_max) < target:
        return None
    low, high = n_min, n_max
    while low < high:
        mid = (low + high) // 2
        if power_at(mid) >= target:
            high = mid
        else:
            low = mid + 1
    return low


def refine_required_n(
    power_at: Callable[[int], float], start: int, target: float = 0.8, n_min: int = 2, n_max: int = 1000
) -> int | None:
    """Return the smallest n whose (simulated) power reaches *target*, searching from *start*.

    For simulated power, which is noisy and so not strictly monotone, a bisection
    over the whole range is fragile; an approximation gives *start*, and this
    steps down while ``n - 1`` still reaches the target, or up until n does.
    None if *n_max* is passed without reaching it.

    >>> refine_required_n(lambda n: analytic_ttest_power(1.0, 1.0, n, 0.05), start=10)
    17
    >>> refine_required_n(lambda n: analytic_ttest_power(1.0, 1.0, n, 0.05), start=30)
    17
    """
    n = max(min(start, n_max), n_min)
    if power_at(n) >= target:
        while n > n_min and power_at(n - 1) >= target:
            n -= 1
        return n
    while n < n_max:
        n += 1
        if power_at(n) >= target:
            return n
    return None


def run_grid(task: Callable[..., list[dict]], points: Sequence[tuple], seed: int | Sequence[int],
             executor: Executor | None = None) -> pd.DataFrame:
    """Run ``task(*point, seed, index)`` for every grid point on *executor*; one frame of their rows, in grid order.

    Each point draws from its own generator, :func:`point_rng` ``(seed, index)``
    (*seed* may be a tuple such as ``(book_seed, grid)``: give each grid of a
    chapter its own tuple of the same length), so the grid is the same in
    this process (*executor* None), on a local pool or on a Dask cluster
    (:func:`helpers.simstudies.executor.open_executor`), with any number of
    workers and in any order of completion. A point's replicates are one
    vectorised batch.
    """
    seed = tuple(seed) if isinstance(seed, Sequence) else (seed,)
    jobs = [(*point, seed, index) for index, point in enumerate(points)]
    results = run_batches(task, jobs, executor or InProcessExecutor(), label="grid points")
    return pd.DataFrame([row for rows in results for row in rows])


def point_rng(seed: tuple[int, ...], index: int) -> np.random.Generator:
    """Return the generator of grid point *index* of the grid seeded *seed*.

    The point's index is NumPy's spawn key, kept apart from the seed's own
    numbers: a plain ``default_rng([*seed, index])`` would give point 0 of a
    grid seeded 1 the stream of ``default_rng(1)`` (trailing zeros are padding
    to NumPy's seed hash). For the same reason two grids should differ in a
    number other than a trailing 0: ``(1, 1)`` and ``(1, 2)``, not ``(1,)`` and ``(1, 0)``.

    >>> first = point_rng((1,), 0).random()
    >>> bool(first != np.random.default_rng(1).random()), bool(point_rng((1, 1), 0).random() != point_rng((1, 2), 0).random())
    (True, True)
    """
    return np.random.default_rng(np.random.SeedSequence(list(seed), spawn_key=(index,)))


def _ttest_point(scenario: str, effect: float, sd: float, n: int, n_sims: int, alpha: float, seed: tuple[int, ...],
                 index: int) -> list[dict]:
    sim = simulate_ttest_power(effect, sd, n, n_sims=n_sims, alpha=alpha, rng=point_rng(seed, index))
    return [{"scenario": scenario, "effect": effect, "n_per_group": n, "power_sim": sim,
             "mc_se": math.sqrt(sim * (1 - sim) / n_sims), "power_exact": analytic_ttest_power(effect, sd, n, alpha)}]


def ttest_power_curve(
    effects: dict[str, float], sd: float, ns: Sequence[int], *, n_sims: int, alpha: float,
    seed: int | Sequence[int], executor: Executor | None = None,
) -> pd.DataFrame:
    """Return simulated and exact power of a two-sample t-test over effect scenarios and n.

    The grid points run on *executor* (default: this process); see :func:`run_grid`.

    Returns
    -------
    DataFrame
        Columns ``scenario, effect, n_per_group, power_sim, mc_se, power_exact``.
    """
    points = [(scenario, effect, sd, n, n_sims, alpha) for scenario, effect in effects.items() for n in ns]
    return run_grid(_ttest_point, points, seed, executor)


# --------------------------------------------------------------------------
# PLA puncta per cell, nested in sections nested in mice
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaComponents:
    """Variance components of PLA counts (cells in sections in mice).

    Attributes
    ----------
    log_rate : float
        Mean log puncta per cell of a control mouse.
    sd_mouse : float
        SD of a mouse's log rate around its group mean (between mice).
    sd_section : float
        SD of a section's log rate around its mouse (staining, cutting).
    cell_cv2 : float
        Squared coefficient of variation of a cell's expected count around its
        section (gamma-Poisson: the gamma shape is ``1 / cell_cv2``).
    sections : int
        Sections per mouse; the cells of a mouse are spread evenly over them.
    """

    log_rate: float
    sd_mouse: float
    sd_section: float
    cell_cv2: float
    sections: int


def estimate_pla_components(
    cells: pd.DataFrame, *, count: str = "puncta", unit: str = "mouse_id", section: str = "section_id",
    group: Sequence[str] = ("genotype", "stage"),
) -> PlaComponents:
    """Estimate the variance components of PLA counts by the method of moments.

    Three nested levels, each with the sampling noise of the level below removed:

    * cells: a gamma-Poisson count with section mean ``m`` has variance
      ``m + cv2 m^2``; pooling ``var - m`` and ``m^2`` (less its sampling part
      ``var / n``) over sections gives ``cell_cv2``;
    * sections: the variance of log section means within a mouse, less the
      cell noise ``(1/m + cv2) / n`` (delta method), gives ``sd_section^2``;
    * mice: the variance of the mice's log mean counts within a group, less
      the section and cell noise, gives ``sd_mouse^2``.

    Parameters
    ----------
    cells : DataFrame
        One row per cell, restricted to one tissue, tether pair and cell type,
        or the section aggregate of :func:`helpers.data.aggregate.aggregate_pla_sections`.
    count, unit, section : str
        Count column, experimental-unit column, section column.
    group : sequence of str
        Columns defining the groups (their means are removed).

    Returns
    -------
    PlaComponents
        Variances below zero are truncated at 0; ``log_rate`` is the mean
        log mouse mean over all mice given (it matters little: it enters the
        power only through the Poisson term ``1 / rate``) and ``sections`` the
        median number of sections per mouse.
    """
    group = list(group)
    if is_section_table(cells):  # the section aggregate: each section's moments from its sums
        if count != "puncta":
            raise ValueError(f"the section aggregate holds the sums of puncta only, not of {count!r}")
        sums = cells.groupby([*group, unit, section], observed=True)[["n_cells", count, "puncta_sq"]].sum()
        n, total = sums["n_cells"], sums[count]
        by_section = pd.DataFrame({"mean": total / n, "var": (sums["puncta_sq"] - total**2 / n) / (n - 1), "size": n,
                                   "sum": total})
    else:
        by_section = cells.groupby([*group, unit, section], observed=True)[count].agg(["mean", "var", "size", "sum"])
    m, v, n = by_section["mean"], by_section["var"], by_section["size"]
    # m^2 - v/n estimates the squared section rate without the upward bias of m^2.
    cv2 = max(float(((n - 1) * (v - m)).sum() / ((n - 1) * (m**2 - v / n)).sum()), 0.0)
    cell_noise = (1 / m + cv2) / n
    log_sec = np.log(m)
    by_mouse = log_sec.groupby(level=[*group, unit], observed=True)
    n_sec = by_mouse.size()
    sec_var = float(((log_sec - by_mouse.transform("mean")) ** 2).sum() / (n_sec - 1).sum())
    sd_section2 = max(sec_var - float(cell_noise.mean()), 0.0)
    per_mouse = by_section[["sum", "size"]].groupby(level=[*group, unit], observed=True).sum()
    per_mouse = per_mouse.assign(mean=per_mouse["sum"] / per_mouse["size"])
    log_mouse = np.log(per_mouse["mean"])
    centred = log_mouse - log_mouse.groupby(level=group, observed=True).transform("mean")
    n_groups = per_mouse.index.droplevel(-1).nunique()
    between = float((centred**2).sum() / (len(per_mouse) - n_groups))
    noise = float(np.mean(sd_section2 / n_sec + (1 / per_mouse["mean"] + cv2) / per_mouse["size"]))
    return PlaComponents(log_rate=float(log_mouse.mean()), sd_mouse=math.sqrt(max(between - noise, 0.0)),
                         sd_section=math.sqrt(sd_section2), cell_cv2=cv2, sections=int(np.median(n_sec)))


def simulate_pla_mouse_means(
    components: PlaComponents, effect: float, mice: int, cells: int, n_sims: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate the log mean count per mouse of a control and an affected group.

    Each mouse has ``components.sections`` sections and *cells* cells in all
    (split evenly, at least one per section).

    A section's cells are not drawn one by one: the total of its ``c`` cells,
    each Poisson around the section rate ``r`` times its own Gamma(k, 1/k)
    factor, is exactly Poisson around ``r`` times a Gamma(c·k, 1/k) factor (a
    sum of independent gammas of one scale), so one draw per section gives the
    same distribution at a cost that does not grow with the cells — a design
    of 10⁵ cells per mouse costs what one of 10 does.

    Returns
    -------
    tuple of ndarray
        Two arrays of shape ``(n_sims, mice)``.
    """
    sections = components.sections
    per_section = max(round(cells / sections), 1)
    shape = 1 / components.cell_cv2 if components.cell_cv2 > 0 else np.inf

    def group(shift: float) -> np.ndarray:
        mouse = rng.normal(0.0, components.sd_mouse, size=(n_sims, mice, 1))
        sec = rng.normal(0.0, components.sd_section, size=(n_sims, mice, sections))
        rate = np.exp(components.log_rate + shift + mouse + sec)
        if np.isfinite(shape):
            exposure = rng.gamma(shape * per_section, 1 / shape, size=rate.shape)
        else:
            exposure = np.full(rate.shape, float(per_section))
        mean = rng.poisson(rate * exposure).sum(axis=-1) / (sections * per_section)
        # A mouse whose cells show no puncta at all gets half a punctum, to keep the log finite.
        return np.log(np.maximum(mean, 0.5 / (sections * per_section)))

    return group(0.0), group(effect)


def simulate_pla_power(
    components: PlaComponents, effect: float, mice: int, cells: int, *, n_sims: int, alpha: float,
    rng: np.random.Generator,
) -> float:
    """Return the simulated power of the mouse-level t-test for *mice* per group and *cells* per mouse."""
    a, b = simulate_pla_mouse_means(components, effect, mice, cells, n_sims, rng)
    return float(ttest_reject(a, b, alpha).mean())


def pla_mouse_sd(components: PlaComponents, cells: int) -> float:
    """Return the delta-method SD of a mouse's log mean count with *cells* cells.

    ``var = sd_mouse^2 + sd_section^2 / sections + (1 / rate + cell_cv2) / cells``
    with ``rate`` the expected count per cell. Only the last term falls as
    cells are added.

    >>> round(pla_mouse_sd(PlaComponents(0.0, 0.3, 0.0, 0.0, 1), 10**9), 6)
    0.3
    """
    rate = math.exp(components.log_rate)
    var = (components.sd_mouse**2 + components.sd_section**2 / components.sections
           + (1 / rate + components.cell_cv2) / cells)
    return math.sqrt(var)


def approximate_pla_power(components: PlaComponents, effect: float, mice: int, cells: int, alpha: float) -> float:
    """Return the noncentral-t power with the delta-method SD of :func:`pla_mouse_sd`.

    A cross-check of :func:`simulate_pla_power`.
    """
    return analytic_ttest_power(effect, pla_mouse_sd(components, cells), mice, alpha)


def _pla_point(components: PlaComponents, scenario: str, effect: float, mice: int, cells: int, n_sims: int,
               alpha: float, seed: tuple[int, ...], index: int) -> list[dict]:
    rng = point_rng(seed, index)
    sim = simulate_pla_power(components, effect, mice, cells, n_sims=n_sims, alpha=alpha, rng=rng)
    return [{"scenario": scenario, "effect": effect, "mice_per_group": mice, "cells_per_mouse": cells,
             "power_sim": sim, "mc_se": math.sqrt(sim * (1 - sim) / n_sims),
             "power_approx": approximate_pla_power(components, effect, mice, cells, alpha)}]


def pla_power_grid(
    components: PlaComponents, effects: dict[str, float], mice: Sequence[int], cells: Sequence[int], *,
    n_sims: int, alpha: float, seed: int | Sequence[int], executor: Executor | None = None,
) -> pd.DataFrame:
    """Return simulated and approximate power over scenarios x mice per group x cells per mouse.

    The grid points run on *executor* (default: this process); see :func:`run_grid`.

    Returns
    -------
    DataFrame
        Columns ``scenario, effect, mice_per_group, cells_per_mouse, power_sim, mc_se, power_approx``.
    """
    points = [(components, scenario, effect, m, c, n_sims, alpha)
              for scenario, effect in effects.items() for m in mice for c in cells]
    return run_grid(_pla_point, points, seed, executor)


class PowerOutOfReach(ValueError):
    """The target power needs more experimental units than the search allows (the effect is too small)."""


def required_mice_pla(
    components: PlaComponents, effect: float, cells: int, *, target: float, alpha: float, n_sims: int,
    seed: int, n_max: int = 1000,
) -> dict:
    """Return the mice per group the mouse-level PLA analysis needs for *target* power.

    The delta-method power (:func:`approximate_pla_power`) gives a first
    answer by bisection; simulation with *n_sims* experiments per size then
    settles it (:func:`refine_required_n`).

    Returns
    -------
    dict
        ``mice_approx`` (delta method), ``mice_per_group`` (simulation) and
        ``simulated_power`` at that size.

    Raises
    ------
    PowerOutOfReach
        If more than *n_max* mice per group would be needed.
    """
    approx = required_n(lambda m: approximate_pla_power(components, effect, m, cells, alpha), target, n_max=n_max)
    if approx is None:
        raise PowerOutOfReach(f"an effect of {effect:.3f} needs more than {n_max} mice per group")
    rng = np.random.default_rng(seed)
    simulated: dict[int, float] = {}

    def power_at(m: int) -> float:
        simulated[m] = simulate_pla_power(components, effect, m, cells, n_sims=n_sims, alpha=alpha, rng=rng)
        return simulated[m]

    n = refine_required_n(power_at, approx, target, n_max=n_max)
    if n is None:
        raise PowerOutOfReach(f"simulated power stays below {target} up to {n_max} mice per group")
    return {"mice_approx": approx, "mice_per_group": n, "simulated_power": simulated[n]}


# --------------------------------------------------------------------------
# Checking simulated power against the exact power
# --------------------------------------------------------------------------
def binomial_check(curves: pd.DataFrame, n_sims: int) -> pd.Series:
    """Return, per design point, the two-sided binomial p of its simulated rejections against the exact power.

    *curves* holds ``power_sim`` (a share of *n_sims* experiments) and
    ``power_exact`` (:func:`ttest_power_curve`). The binomial test is exact
    near power 0 and 1, where a normal "gap in standard errors" is not.

    >>> curves = pd.DataFrame({"power_sim": [0.5, 0.9], "power_exact": [0.5, 0.5]})
    >>> binomial_check(curves, 10).round(4).tolist()
    [1.0, 0.0215]
    """
    return pd.Series([stats.binomtest(round(sim * n_sims), n_sims, min(exact, 1.0)).pvalue
                      for sim, exact in zip(curves["power_sim"], curves["power_exact"], strict=True)],
                     index=curves.index, name="binomial_p")


# --------------------------------------------------------------------------
# The design chapter's numbers, as results tables (``ResultsLedger.record``)
# --------------------------------------------------------------------------
#: The methods of the design chapter's numbers, in the results table's words.
DELTA_METHOD = "delta-method noncentral t from the variance components"
BINOMIAL_CHECK_METHOD = "two-sided binomial test of the simulated rejections against the exact power"
EXACT_N_METHOD = "two-sample t-test, exact noncentral-t power; unit SD from the book's model"
#: Columns of the results tables below, as ``ResultsLedger.record`` takes them.
RESULT_COLUMNS = ["key", "value", "ci_low", "ci_high", "n", "n_unit", "unit", "method", "description", "digits"]


def _results(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def pla_input_results(observed: pd.Series, components: PlaComponents, cells_per_mouse: int, genotype: str,
                      reference: str) -> pd.DataFrame:
    """Return what the PLA power analysis starts from: the observed effect, its variance components, the cells.

    Rows ``pla_observed`` (the mouse-level log rate ratio of *genotype* vs
    *reference* with its interval, from ``observed``'s ``estimate``, ``ci_low``,
    ``ci_high``), ``pla_sd_mouse``, ``pla_sd_section``, ``pla_cell_cv`` (the
    square root of ``cell_cv2``) and ``book_cells`` (*cells_per_mouse*), each
    resting on ``observed["n_mice"]`` mice; columns :data:`RESULT_COLUMNS`.

    >>> observed = pd.Series({"estimate": -0.3, "ci_low": -0.5, "ci_high": -0.1, "n_mice": 10})
    >>> table = pla_input_results(observed, PlaComponents(1.0, 0.1, 0.2, 0.25, 3), 22, "KO", "WT")
    >>> table[["key", "value", "n"]].values.tolist()[3:]
    [['pla_cell_cv', 0.5, 10], ['book_cells', 22.0, 10]]
    """
    mice = {"n": int(observed["n_mice"]), "n_unit": "mice", "method": "method of moments"}
    return _results([
        {**mice, "key": "pla_observed", "value": observed["estimate"], "ci_low": observed["ci_low"],
         "ci_high": observed["ci_high"], "unit": "log rate ratio", "method": "OLS of log mean puncta per mouse",
         "description": f"observed PLA effect, {genotype} vs {reference}", "digits": 2},
        {**mice, "key": "pla_sd_mouse", "value": components.sd_mouse, "unit": "log scale",
         "description": "between-mouse SD of log puncta", "digits": 3},
        {**mice, "key": "pla_sd_section", "value": components.sd_section, "unit": "log scale",
         "description": "between-section SD of log puncta", "digits": 3},
        {**mice, "key": "pla_cell_cv", "value": math.sqrt(components.cell_cv2), "unit": "CV",
         "description": "cell-to-cell CV of the expected puncta", "digits": 2},
        {**mice, "key": "book_cells", "value": cells_per_mouse, "unit": "cells", "method": "count",
         "description": "median cells per mouse", "digits": 0},
    ])


def pla_needed_results(needed: pd.DataFrame, *, n_mice: int, experiments: int, target: float) -> pd.DataFrame:
    """Return the mice per group the PLA analysis needs, with the simulated power there and the delta-method answer.

    *needed* has one row per scenario and cells per mouse: ``tag`` (the key's
    tail), ``scenario``, ``cells_per_mouse``, ``mice_per_group`` and
    ``simulated_power`` (simulation with *experiments* per size),
    ``mice_approx`` (delta method, resting on the *n_mice* mice of the
    variance components), as :func:`required_mice_pla` gives them. Three rows
    per design reached (``pla_mice_<tag>``, ``pla_check_<tag>`` in %,
    ``pla_approx_<tag>``); a design out of reach (``mice_per_group`` NaN) has
    none, for the chapter to say in words. Columns :data:`RESULT_COLUMNS`.

    >>> needed = pd.DataFrame({"tag": ["obs_80", "small_80"], "scenario": ["observed", "half"],
    ...                        "cells_per_mouse": [80, 80], "mice_per_group": [12, float("nan")],
    ...                        "simulated_power": [0.81, float("nan")], "mice_approx": [11, float("nan")]})
    >>> pla_needed_results(needed, n_mice=10, experiments=800, target=0.8)[["key", "value", "n"]].values.tolist()
    [['pla_mice_obs_80', 12.0, 800], ['pla_check_obs_80', 81.0, 800], ['pla_approx_obs_80', 11.0, 10]]
    """
    method = f"simulated mouse-level t-test, {experiments} experiments per size, searched from the delta-method n"
    sims = {"n": experiments, "n_unit": "simulated experiments", "method": method, "digits": 0}
    rows = []
    for r in needed.dropna(subset=["mice_per_group"]).itertuples():
        rows += [
            {**sims, "key": f"pla_mice_{r.tag}", "value": r.mice_per_group, "unit": "mice per group",
             "description": f"mice per group for {target:.0%} power, {r.scenario}, {r.cells_per_mouse} cells"},
            {**sims, "key": f"pla_check_{r.tag}", "value": 100 * r.simulated_power, "unit": "%",
             "description": f"simulated power at that size ({experiments} experiments)"},
            {"key": f"pla_approx_{r.tag}", "value": r.mice_approx, "n": n_mice, "n_unit": "mice",
             "unit": "mice per group", "method": DELTA_METHOD, "description": "delta-method answer, for comparison",
             "digits": 0},
        ]
    return _results(rows)


def blot_results(inputs: pd.DataFrame, needed: pd.DataFrame, *, target: float) -> pd.DataFrame:
    """Return, per blot contrast, the observed effect, the unit SD and the units per group the target power needs.

    *inputs* has one row per contrast: ``kind`` (``mouse`` or ``human``, the
    keys' head), ``contrast`` (its words), ``observed``, ``unit_sd`` and
    ``units_now`` (the mice or donors they rest on); *needed* one row per
    contrast and scenario: ``contrast``, ``scenario``, ``tag`` (the key's
    tail) and ``units_per_group`` (NaN when out of reach: no row, for the
    chapter to say in words). Columns :data:`RESULT_COLUMNS`.

    >>> inputs = pd.DataFrame({"kind": ["human"], "contrast": ["ALS vs control"], "observed": [-0.7],
    ...                        "unit_sd": [0.37], "units_now": [22]})
    >>> needed = pd.DataFrame({"contrast": ["ALS vs control"] * 2, "scenario": ["observed", "half"],
    ...                        "tag": ["obs", "small"], "units_per_group": [6, float("nan")]})
    >>> blot_results(inputs, needed, target=0.8)[["key", "n", "n_unit"]].values.tolist()
    [['human_blot_observed', 22, 'donors'], ['human_blot_sd', 22, 'donors'], ['human_blot_n_obs', 22, 'donors']]
    """
    rows = []
    for r in inputs.itertuples():
        units = {"n": r.units_now, "n_unit": "mice" if r.kind == "mouse" else "donors"}
        rows += [
            {**units, "key": f"{r.kind}_blot_observed", "value": r.observed, "unit": "log ratio",
             "method": "book model", "description": f"observed effect, {r.contrast}", "digits": 2},
            {**units, "key": f"{r.kind}_blot_sd", "value": r.unit_sd, "unit": "log scale",
             "method": "se / sqrt(1/n1 + 1/n2)", "description": f"unit-level residual SD, {r.contrast}", "digits": 3},
        ]
        reached = needed[needed["contrast"] == r.contrast].dropna(subset=["units_per_group"])
        rows += [{**units, "key": f"{r.kind}_blot_n_{s.tag}", "value": s.units_per_group, "unit": "units per group",
                  "method": EXACT_N_METHOD, "description": f"units per group for {target:.0%} power, {s.scenario}",
                  "digits": 0} for s in reached.itertuples()]
    return _results(rows)


def binomial_check_results(p_values: pd.Series, n_sims: int) -> pd.DataFrame:
    """Return how well simulated power agrees with the exact one over the design points of :func:`binomial_check`.

    Rows ``blot_points`` (the design points, a count), ``blot_min_binomial_p``
    (the smallest p, over *n_sims* experiments per point) and
    ``blot_min_p_chance``: the chance, in %, that the smallest of that many
    independent p-values (each point has its own draws) is at least this small,
    ``1 - (1 - p_min)^points``. Columns :data:`RESULT_COLUMNS`.

    >>> table = binomial_check_results(pd.Series([0.5, 0.1, 0.8]), 200)
    >>> table[["key", "value", "n"]].round(3).values.tolist()
    [['blot_points', 3.0, 3], ['blot_min_binomial_p', 0.1, 200], ['blot_min_p_chance', 27.1, 3]]
    """
    points, smallest = len(p_values), float(p_values.min())
    per_point = {"n": points, "n_unit": "design points"}
    return _results([
        {**per_point, "key": "blot_points", "value": points, "unit": "design points", "method": "count",
         "description": "design points compared, simulated vs exact power", "digits": 0},
        {"key": "blot_min_binomial_p", "value": smallest, "n": n_sims, "n_unit": "simulated experiments per point",
         "unit": "p", "method": BINOMIAL_CHECK_METHOD, "description": "the design point least compatible with the "
         "exact power", "digits": 3},
        {**per_point, "key": "blot_min_p_chance", "value": 100 * (1 - (1 - smallest) ** points), "unit": "%",
         "method": "1 - (1 - smallest p)^points", "description": "chance that the smallest of that many independent "
         "p-values is at least this small", "digits": 0},
    ])
