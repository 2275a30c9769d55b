"""Synthesis across tissues, species and models: collect one effect per stratum and pool them.

The pooling itself is generic (:mod:`helpers.stats.meta_analysis`); this module
knows the book's strata: human regions (sALS vs control) and mouse tissues x
models (each mutant vs WT at one stage), for TBK1 activation and MAM integrity.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from helpers.data.vocabulary import GENOTYPE_LABELS, MOTOR_TISSUES
from helpers.stats.meta_analysis import MetaResult, meta_analyze, stratum_weights

STRATA_SETS = ("motor", "all")
STRATA_COLUMNS = ["label", "species", "tissue", "genotype", "estimate", "se", "ci_low", "ci_high",
                  "n_units", "motor", "truth"]


#: ``truth(species, tissue, genotype, stage)`` -> the true value of a stratum in simulated data.
StratumTruth = Callable[[str, str, str, str], float]


def _truth(truth: StratumTruth | None, species: str, tissue: str, genotype: str, stage: str) -> float:
    return float(truth(species, tissue, genotype, stage)) if truth is not None else float("nan")


def _label(species: str, tissue: str, genotype: str) -> str:
    place = tissue.replace("_", " ")
    return f"{species}: {place}, " + ("sALS" if species == "human" else GENOTYPE_LABELS.get(genotype, genotype))


def collect_tbk1_strata(human_lanes: pd.DataFrame | None, mouse_lanes: pd.DataFrame | None, stage: str,
                        alpha: float = 0.05, truth: StratumTruth | None = None) -> pd.DataFrame:
    """Return the TBK1 effect (log pTBK1/TBK1) of every human region and mouse tissue x model.

    Human: sALS vs control per region (:func:`helpers.analysis.blots.fit_region_effect`,
    lanes normalized with the loading control). Mouse: each mutant genotype vs
    WT at *stage* per tissue (:func:`helpers.analysis.mouse_blots.fit_genotype_contrasts`).
    *truth*, given ``(species, tissue, genotype, stage)``, returns the value put
    into simulated data (column ``truth``; NaN without it). Either table may be
    None (not in the data): its strata are then left out.

    Returns
    -------
    DataFrame
        :data:`STRATA_COLUMNS`, one row per stratum.
    """
    from helpers.analysis.blots import add_log_ratio, fit_region_effect
    from helpers.analysis.mouse_blots import fit_genotype_contrasts

    rows = []
    human = add_log_ratio(human_lanes) if human_lanes is not None else pd.DataFrame({"region": []})
    for region in human["region"].unique():
        effect = fit_region_effect(human, region, alpha=alpha)
        rows.append({"species": "human", "tissue": region, "genotype": "sALS", "estimate": effect.estimate,
                     "se": effect.se, "ci_low": effect.ci_low, "ci_high": effect.ci_high,
                     "n_units": effect.n_units, "truth": _truth(truth, "human", region, "sALS", stage)})
    mouse = add_log_ratio(mouse_lanes) if mouse_lanes is not None else pd.DataFrame({"tissue": []})
    for tissue in mouse["tissue"].unique():
        table = fit_genotype_contrasts(mouse, tissue, alpha)
        for row in table[table["stage"] == stage].to_dict("records"):
            rows.append({**{k: row[k] for k in ("tissue", "genotype", "estimate", "se", "ci_low", "ci_high")},
                         "species": "mouse", "n_units": row["n_mice"],
                         "truth": _truth(truth, "mouse", tissue, row["genotype"], stage)})
    return _finish_strata(rows)


def collect_mam_strata(cells: pd.DataFrame, stage: str, alpha: float = 0.05,
                       truth: StratumTruth | None = None) -> pd.DataFrame:
    """Return the MAM effect (log PLA rate ratio, VAPB–PTPIP51 in motor neurons) of every mouse tissue x model.

    Each mutant genotype vs WT at *stage* per tissue, one value per mouse
    (:func:`helpers.analysis.pla.fit_mouse_level_contrasts`).
    """
    from helpers.analysis.pla import fit_mouse_level_contrasts

    rows = []
    for tissue in cells["tissue"].unique():
        table = fit_mouse_level_contrasts(cells, tissue, alpha=alpha)
        for row in table[table["stage"] == stage].to_dict("records"):
            rows.append({**{k: row[k] for k in ("tissue", "genotype", "estimate", "se", "ci_low", "ci_high")},
                         "species": "mouse", "n_units": row["n_mice"],
                         "truth": _truth(truth, "mouse", tissue, row["genotype"], stage)})
    return _finish_strata(rows)


def _finish_strata(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        raise ValueError("no strata to pool: the tables hold no matching comparisons")
    frame = pd.DataFrame(rows)
    unknown = sorted(set(frame["tissue"]) - set(MOTOR_TISSUES))
    if unknown:
        raise ValueError(f"tissues {unknown} are not classed as motor or non-motor in MOTOR_TISSUES")
    frame["motor"] = frame["tissue"].map(MOTOR_TISSUES).astype(bool)
    frame["label"] = [_label(s, t, g) for s, t, g in zip(frame["species"], frame["tissue"], frame["genotype"],
                                                          strict=True)]
    return frame[STRATA_COLUMNS]


def pool_strata(strata: pd.DataFrame, which: str = "all", method: str = "REML", alpha: float = 0.05
                ) -> tuple[MetaResult, pd.DataFrame]:
    """Pool the strata of set *which* (``"motor"``: motor tissues only; ``"all"``; ``"non-motor"``).

    Returns
    -------
    (MetaResult, DataFrame)
        The meta-analysis and the pooled strata with their relative weights.
    """
    if which == "motor":
        chosen = strata[strata["motor"]]
    elif which == "non-motor":
        chosen = strata[~strata["motor"]]
    elif which == "all":
        chosen = strata
    else:
        raise ValueError(f"which must be 'motor', 'non-motor' or 'all', got {which!r}")
    result = meta_analyze(chosen["estimate"], chosen["se"], method=method, alpha=alpha)
    return result, chosen.assign(weight=stratum_weights(chosen["se"], result.tau2))
