"""Synthesis across tissues, species and models: collect one effect per stratum and pool them.

The pooling itself is generic (:mod:`helpers.stats.meta_analysis`); this module
knows the book's strata, read from the study description (:class:`Design`):
human regions (each diagnosis group vs the reference group) and mouse tissues
x models (each genotype vs the reference genotype at one stage), for TBK1
activation and MAM integrity. Which strata are *affected* (the tissues and
regions the disease strikes) and which are the less-affected comparison is the
study's declaration (``affected`` of the ``region`` and ``tissue`` factors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.analysis import design
from helpers.analysis.mouse_blots import Groups
from helpers.analysis.pla import fit_mouse_level_contrasts
from helpers.stats.meta_analysis import MetaResult, meta_analyze, prediction_note, stratum_weights

STRATA_SETS = ("motor", "all")
STRATA_COLUMNS = ["label", "species", "tissue", "genotype", "estimate", "se", "ci_low", "ci_high",
                  "n_units", "affected", "truth"]
#: Which factor holds the places of each species' strata.
PLACE_FACTOR = {"human": "region", "mouse": "tissue"}
#: The sets of strata pooled (affected, all, less-affected) and the word that keys their results.
POOL_KEYS = {"motor": "motor", "all": "all", "non-motor": "nonmotor"}
#: Fewer strata form no pool (a prediction interval has k - 2 degrees of freedom).
MIN_STRATA = 3
#: Columns of :func:`pool_summary`.
SUMMARY_COLUMNS = ["k", "estimate", "ci_low", "ci_high", "ci_wald_low", "ci_wald_high", "tau", "i2", "q",
                   "q_p_value", "pi_low", "pi_high"]

__all__ = ["Design", "MetaResult", "affected_places", "collect_mam_strata", "collect_tbk1_strata", "count_strata",
           "headline_results", "meta_analyze", "pool_method", "pool_results", "pool_sets", "pool_strata",
           "pool_summary", "prediction_text", "truth_comparison"]


#: ``truth(species, tissue, genotype, stage)`` -> the true value of a stratum in simulated data.
StratumTruth = Callable[[str, str, str, str], float]


@dataclass(frozen=True)
class Design:
    """What the synthesis compares, from a study description (:meth:`of`).

    ``affected`` maps a species to the places (regions, tissues) the disease
    strikes, or to None when the study declares none (every stratum then
    counts as affected, and :attr:`undeclared` says so).
    """

    affected: dict[str, tuple[str, ...] | None]
    #: Human: the reference diagnosis group and the display labels of the groups.
    human_reference: str = ""
    group_labels: dict[str, str] = field(default_factory=dict)
    #: Mouse: the genotype x stage design of the blot and of the PLA tables (None: no such factors).
    mouse_blot: Groups | None = None
    pla_cells: Groups | None = None
    #: The tether pair and cell type of the MAM strata (the pla factors' references, else their first levels).
    pair: str = ""
    cell_type: str = ""
    #: ``{blot table: normalization}``: the first the study's blots measured (loading control, total protein, none).
    normalizations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, study) -> Design:
        """Return the synthesis design of *study* (:class:`helpers.data.study.Study`)."""
        factors = study.factors
        affected = {species: factors[name].affected if name in factors else None
                    for species, name in PLACE_FACTOR.items()}
        human_reference, labels = "", {}
        if "group" in factors:
            human_reference = study.reference("human_blot", "group") or study.levels("human_blot", "group")[0]
            labels = dict(factors["group"].labels)
        mouse = {t: Groups.of(study, t) if {"genotype", "stage"} <= set(factors) else None
                 for t in ("mouse_blot", "pla_cells")}
        pair = cell_type = ""
        if {"tether_pair", "cell_type"} <= set(factors):
            pair = study.reference("pla_cells", "tether_pair") or study.levels("pla_cells", "tether_pair")[0]
            cell_type = study.reference("pla_cells", "cell_type") or study.levels("pla_cells", "cell_type")[0]
        normalizations = {t: study.normalizations(t)[0] for t in ("human_blot", "mouse_blot") if study.normalizations(t)}
        return cls(affected, human_reference, labels, mouse["mouse_blot"], mouse["pla_cells"], pair, cell_type,
                   normalizations)

    @property
    def undeclared(self) -> tuple[str, ...]:
        """The species whose study declares no affected places (all their strata count as affected)."""
        return tuple(species for species, places in self.affected.items() if places is None)

    def is_affected(self, species: str, place: str) -> bool:
        """True when the study declares *place* affected (or declares no affected place for *species*)."""
        places = self.affected.get(species)
        return True if places is None else place in places

    def label(self, species: str, place: str, compared: str) -> str:
        """Return the stratum's display label, e.g. ``"mouse: spinal cord, <genotype label>"``."""
        if species == "human":
            name = self.group_labels.get(compared, compared)
        else:
            groups = self.mouse_blot or self.pla_cells
            name = groups.label(compared) if groups is not None else compared
        return f"{species}: {place.replace('_', ' ')}, {name}"


def _truth(truth: StratumTruth | None, species: str, tissue: str, genotype: str, stage: str) -> float:
    return float(truth(species, tissue, genotype, stage)) if truth is not None else float("nan")


def _mouse_rows(table: pd.DataFrame, stage: str, truth: StratumTruth | None) -> list[dict]:
    return [{**{k: row[k] for k in ("tissue", "genotype", "estimate", "se", "ci_low", "ci_high")},
             "species": "mouse", "n_units": row["n_mice"],
             "truth": _truth(truth, "mouse", row["tissue"], row["genotype"], stage)}
            for row in table[table["stage"] == stage].to_dict("records")]


def collect_tbk1_strata(human_lanes: pd.DataFrame | None, mouse_lanes: pd.DataFrame | None, stage: str | None,
                        alpha: float = 0.05, truth: StratumTruth | None = None, *, study: Design) -> pd.DataFrame:
    """Return the TBK1 effect (log pTBK1/TBK1) of every human region x group and mouse tissue x genotype.

    Human: each diagnosis group vs the study's reference group per region
    (:func:`helpers.analysis.blots.fit_region_effect`, every group in one model;
    lanes normalized as :attr:`Design.normalizations` says: with the loading
    control where the blots measured it). Mouse: each genotype vs the
    reference genotype at *stage* per tissue
    (:func:`helpers.analysis.mouse_blots.fit_genotype_contrasts`). *truth*, given
    ``(species, tissue, genotype, stage)``, returns the value put into simulated
    data (column ``truth``; NaN without it). Either table may be None (not in
    the data): its strata are then left out.

    Returns
    -------
    DataFrame
        :data:`STRATA_COLUMNS`, one row per stratum.
    """
    from helpers.analysis.blots import add_log_ratio, fit_region_effect
    from helpers.analysis.mouse_blots import fit_genotype_contrasts

    rows = []
    norm = study.normalizations
    human = (add_log_ratio(human_lanes, norm.get("human_blot", "loading_control")) if human_lanes is not None
             else pd.DataFrame({"region": [], "group": []}))
    reference = study.human_reference
    for region in human["region"].unique():
        present = set(human.loc[human["region"] == region, "group"])
        for group in [g for g in pd.unique(human["group"]) if g != reference and g in present]:
            effect = fit_region_effect(human, region, alpha=alpha, reference=reference, group=group)
            rows.append({"species": "human", "tissue": region, "genotype": group, "estimate": effect.estimate,
                         "se": effect.se, "ci_low": effect.ci_low, "ci_high": effect.ci_high,
                         "n_units": effect.n_units, "truth": _truth(truth, "human", region, group, stage)})
    mouse = (add_log_ratio(mouse_lanes, norm.get("mouse_blot", "loading_control")) if mouse_lanes is not None
             else pd.DataFrame({"tissue": []}))
    for tissue in mouse["tissue"].unique():
        rows += _mouse_rows(fit_genotype_contrasts(mouse, tissue, alpha, groups=study.mouse_blot), stage, truth)
    return _finish_strata(rows, study)


def collect_mam_strata(cells: pd.DataFrame, stage: str, alpha: float = 0.05,
                       truth: StratumTruth | None = None, *, study: Design) -> pd.DataFrame:
    """Return the MAM effect (log PLA rate ratio) of every mouse tissue x genotype.

    The study's reference tether pair in its reference cell type
    (:attr:`Design.pair`, :attr:`Design.cell_type`); each genotype vs the
    reference genotype at *stage* per tissue, one value per mouse
    (:func:`helpers.analysis.pla.fit_mouse_level_contrasts`).
    """
    rows = []
    for tissue in cells["tissue"].unique():
        table = fit_mouse_level_contrasts(cells, tissue, study.pair, study.cell_type, alpha, groups=study.pla_cells)
        rows += _mouse_rows(table, stage, truth)
    return _finish_strata(rows, study)


def _finish_strata(rows: list[dict], study: Design) -> pd.DataFrame:
    if not rows:
        raise design.DesignError("synthesis: no strata to pool: the tables hold no comparison with the reference "
                                 "group at the chosen stage; check the reference levels and the parameter stage.")
    frame = pd.DataFrame(rows)
    frame["affected"] = [study.is_affected(s, t) for s, t in zip(frame["species"], frame["tissue"], strict=True)]
    frame["label"] = [study.label(s, t, g) for s, t, g in zip(frame["species"], frame["tissue"], frame["genotype"],
                                                               strict=True)]
    return frame[STRATA_COLUMNS]


def pool_strata(strata: pd.DataFrame, which: str = "all", method: str = "REML", alpha: float = 0.05
                ) -> tuple[MetaResult, pd.DataFrame]:
    """Pool the strata of set *which* (``"motor"``: the affected tissues and regions only; ``"all"``;
    ``"non-motor"``: the less-affected ones).

    Returns
    -------
    (MetaResult, DataFrame)
        The meta-analysis and the pooled strata with their relative weights.
    """
    if which == "motor":
        chosen = strata[strata["affected"]]
    elif which == "non-motor":
        chosen = strata[~strata["affected"]]
    elif which == "all":
        chosen = strata
    else:
        raise ValueError(f"which must be 'motor', 'non-motor' or 'all', got {which!r}")
    result = meta_analyze(chosen["estimate"], chosen["se"], method=method, alpha=alpha)
    return result, chosen.assign(weight=stratum_weights(chosen["se"], result.tau2))


def count_strata(strata: pd.DataFrame, which: str) -> int:
    """Return how many strata set *which* (``"motor"``, ``"non-motor"``, ``"all"``) holds.

    >>> count_strata(pd.DataFrame({"affected": [True, True, False]}), "non-motor")
    1
    """
    affected = strata["affected"].astype(bool)
    return {"motor": int(affected.sum()), "non-motor": int((~affected).sum()), "all": len(strata)}[which]


def pool_sets(strata: dict[str, pd.DataFrame | None], method: str = "REML", alpha: float = 0.05,
              min_strata: int = MIN_STRATA) -> dict[tuple[str, str], tuple[MetaResult, pd.DataFrame]]:
    """Pool each outcome's strata in every set of :data:`POOL_KEYS` that has at least *min_strata* strata.

    *strata* maps an outcome (``"tbk1"``, ``"mam"``) to its strata (None: not
    in the data, so no pool). Returns ``{(outcome, set): (MetaResult, pooled
    strata with weights)}`` in the order outcome, then set (:func:`pool_strata`).
    """
    return {(outcome, which): pool_strata(frame, which, method, alpha)
            for outcome, frame in strata.items() if frame is not None
            for which in POOL_KEYS if count_strata(frame, which) >= min_strata}


def pool_summary(pools: dict[tuple[str, str], tuple[MetaResult, pd.DataFrame]]) -> pd.DataFrame:
    """Return one row per pool of :func:`pool_sets`: outcome, strata and :data:`SUMMARY_COLUMNS` (log scale)."""
    return pd.DataFrame([{"outcome": outcome, "strata": which, **{k: getattr(result, k) for k in SUMMARY_COLUMNS}}
                         for (outcome, which), (result, _) in pools.items()],
                        columns=["outcome", "strata", *SUMMARY_COLUMNS])


def prediction_text(result: MetaResult, which: str) -> str:
    """Say what the pool predicts for a new stratum, or why it gives no prediction interval.

    >>> from types import SimpleNamespace
    >>> prediction_text(SimpleNamespace(k=6, pi_low=np.log(0.5), pi_high=0.0), "motor")
    'a new stratum like these (motor) would be expected to show a ratio between 0.50 and 1.00 (prediction interval)'
    """
    if np.isfinite([result.pi_low, result.pi_high]).all():
        return (f"a new stratum like these ({which}) would be expected to show a ratio between "
                f"{np.exp(result.pi_low):.2f} and {np.exp(result.pi_high):.2f} (prediction interval)")
    return prediction_note(result.k).rstrip(".").replace("No prediction interval", "no prediction interval is shown")


def affected_places(strata: pd.DataFrame | None, study) -> str:
    """Name the affected places of each species, in the order the study declares them (``"none"`` when none).

    *study* is the :class:`helpers.data.study.Study` whose ``region`` and
    ``tissue`` factors order the places, e.g. ``"human lumbar spinal cord;
    mouse spinal cord"``.
    """
    if strata is None:
        return "none"
    parts = []
    for species, rows in strata.groupby("species", sort=False):
        places = set(rows.loc[rows["affected"], "tissue"])
        if places:
            order = study.factor(PLACE_FACTOR[species]).levels
            parts.append(f"{species} " + " and ".join(p.replace("_", " ") for p in sorted(places, key=order.index)))
    return "; ".join(parts) or "none"


def truth_comparison(pools: dict[tuple[str, str], tuple[MetaResult, pd.DataFrame]]) -> pd.DataFrame:
    """Set each pool beside the average true effect of its strata (simulated data; column ``truth``).

    Returns outcome, strata, ``true_ratio`` (exp of the mean true log effect,
    which the random-effects mean targets roughly; exactly with equal weights),
    ``pooled_ratio`` and ``inside`` (whether the pool's interval contains the target).
    """
    rows = []
    for (outcome, which), (result, chosen) in pools.items():
        target = chosen["truth"].mean()
        rows.append({"outcome": outcome, "strata": which, "true_ratio": np.exp(target),
                     "pooled_ratio": np.exp(result.estimate), "inside": bool(result.ci_low <= target <= result.ci_high)})
    return pd.DataFrame(rows, columns=["outcome", "strata", "true_ratio", "pooled_ratio", "inside"])


#: Columns of the results tables below (``ResultsLedger.record``; a NaN is "not given").
RESULT_COLUMNS = ["key", "value", "ci_low", "ci_high", "n", "n_unit", "unit", "method", "description", "digits"]


def pool_method(method: str) -> str:
    """Say how a pool was formed, for the results table.

    >>> pool_method("DL")
    'random-effects meta-analysis (DL tau^2), Knapp-Hartung CI (truncated at 1)'
    """
    return f"random-effects meta-analysis ({method} tau^2), Knapp-Hartung CI (truncated at 1)"


def pool_results(pools: dict[tuple[str, str], tuple[MetaResult, pd.DataFrame]], what: dict[str, str],
                 method: str = "REML") -> pd.DataFrame:
    """Return every pool of :func:`pool_sets` as a results table, one row per number.

    *what* names each outcome (``{"tbk1": "TBK1 activation ratio", ...}``); *method*
    is the τ² estimator. Per pool, keyed ``<outcome>_<set word of POOL_KEYS>_...``, in
    order: ``ratio`` (the pooled ratio of geometric means with its Knapp-Hartung
    interval), ``tau`` (log scale), ``i2`` (%), ``q_p`` (Cochran's Q), ``pi_low`` and
    ``pi_high`` (the prediction limits, only where finite: from
    ``meta_analysis.MIN_STRATA_PREDICTION`` strata on) and ``k`` (a count); n = the
    pool's strata throughout.
    """
    rows = []
    for (outcome, which), (result, chosen) in pools.items():
        key, name = f"{outcome}_{POOL_KEYS[which]}", what[outcome]
        pool = {"n": result.k, "n_unit": "strata", "method": pool_method(method), "unit": "ratio of geometric means"}
        rows += [
            {**pool, "key": f"{key}_ratio", "value": np.exp(result.estimate), "ci_low": np.exp(result.ci_low),
             "ci_high": np.exp(result.ci_high),
             "description": f"pooled {name}, {which} strata ({int(chosen['n_units'].sum())} unit-comparisons)"},
            {**pool, "key": f"{key}_tau", "value": result.tau, "unit": "log scale",
             "description": f"between-stratum SD of the {name}, {which} strata"},
            {**pool, "key": f"{key}_i2", "value": 100 * result.i2, "unit": "%", "digits": 0,
             "description": f"I^2 of the {name}, {which} strata"},
            {**pool, "key": f"{key}_q_p", "value": result.q_p_value, "unit": "p-value", "digits": 4,
             "method": "Cochran's Q, chi-squared with k-1 df", "description": f"heterogeneity test, {name}, {which}"},
        ]
        if np.isfinite([result.pi_low, result.pi_high]).all():
            rows += [{**pool, "key": f"{key}_pi_{end}", "value": np.exp(getattr(result, f"pi_{end}")), "unit": "ratio",
                      "description": f"{word} prediction limit (t, k-2 df), {name}, {which} strata"}
                     for end, word in (("low", "lower"), ("high", "upper"))]
        rows.append({**pool, "key": f"{key}_k", "value": result.k, "unit": "strata", "method": "count", "digits": 0,
                     "description": f"strata in the {which} pool, {name}"})
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def headline_results(pools: dict[tuple[str, str], tuple[MetaResult, pd.DataFrame]], strata: str,
                     what: dict[str, str], method: str = "REML") -> pd.DataFrame:
    """Return the headline pool (set *strata*) of each outcome under neutral keys, one row per interval.

    Per outcome pooled in set *strata*, in the order of *pools*:
    ``<outcome>_headline_ratio`` with the Knapp-Hartung interval and
    ``<outcome>_headline_wald`` with the normal (Wald) interval, both the pooled ratio
    of geometric means, n = the pool's strata.
    """
    rows = []
    for (outcome, which), (result, _) in pools.items():
        if which != strata:
            continue
        name = f"headline pooled {what[outcome]} ({strata} strata)"
        pool = {"value": np.exp(result.estimate), "n": result.k, "n_unit": "strata", "unit": "ratio of geometric means"}
        rows += [
            {**pool, "key": f"{outcome}_headline_ratio", "ci_low": np.exp(result.ci_low),
             "ci_high": np.exp(result.ci_high), "method": f"random-effects ({method}), Knapp-Hartung CI",
             "description": name},
            {**pool, "key": f"{outcome}_headline_wald", "ci_low": np.exp(result.ci_wald_low),
             "ci_high": np.exp(result.ci_wald_high), "method": f"random-effects ({method}), Wald CI",
             "description": f"{name}, normal interval"},
        ]
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)
