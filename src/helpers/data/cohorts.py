"""Simulated study populations shared by several example tables.

A table draws its random numbers from :func:`rng_for`, a stream keyed by the
dataset seed *and* the table name, so adding a new table never changes the
tables that already exist. Tables that describe the same animals (the blot
and the PLA table of the mouse tissue study) share the cohort built by
:func:`simulate_mouse_cohort`.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from helpers.data.truths import MOUSE_COHORT, MouseCohortTruth


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """Return a generator for *stream* that depends only on *seed* and the stream name.

    Examples
    --------
    >>> a = rng_for(1, "human_blot").normal()
    >>> b = rng_for(1, "human_blot").normal()
    >>> a == b
    True
    >>> a == rng_for(1, "mouse_blot").normal()
    False
    """
    return np.random.default_rng([int(seed), zlib.crc32(stream.encode("utf-8"))])


def simulate_mouse_cohort(seed: int, truth: MouseCohortTruth = MOUSE_COHORT) -> pd.DataFrame:
    """Return the mouse tissue cohort: one row per mouse x tissue with latent values.

    Parameters
    ----------
    seed : int
        Dataset seed.
    truth : MouseCohortTruth
        True values (defaults to :data:`helpers.data.truths.MOUSE_COHORT`).

    Returns
    -------
    DataFrame
        Columns ``mouse_id, genotype, stage, sex, tissue, log_mam, log_tbk1``:
        the latent log MAM integrity (log PLA puncta per motor neuron) and the
        latent log(pTBK1/TBK1) of each mouse in each tissue. These are the
        "true" animal-level values; the tables add measurement noise. A
        mouse's deviations are the sum of a component shared by its tissues
        and a tissue-specific one (``share_mouse_mam``, ``share_mouse_tbk1``).
    """
    rng = rng_for(seed, "mouse_cohort")
    rows = []
    number = 0
    for genotype in truth.genotypes:
        for stage in truth.stages:
            for _ in range(truth.mice_per_group):
                number += 1
                sex = ("F", "M")[number % 2]
                # One component per mouse, shared by its tissues, plus one per tissue.
                mam_shared = rng.normal(0.0, truth.sd_mouse_mam * np.sqrt(truth.share_mouse_mam))
                tbk1_shared = rng.normal(0.0, truth.sd_mouse_tbk1 * np.sqrt(truth.share_mouse_tbk1))
                for tissue in truth.tissues:
                    mam_dev = mam_shared + rng.normal(0.0, truth.sd_mouse_mam * np.sqrt(1 - truth.share_mouse_mam))
                    tbk1_dev = tbk1_shared + rng.normal(0.0, truth.sd_mouse_tbk1 * np.sqrt(1 - truth.share_mouse_tbk1))
                    mam_eff = truth.mam_log_effect(genotype, stage, tissue)
                    tbk1_eff = truth.tbk1_log_effect(genotype, stage, tissue)
                    rows.append(
                        {
                            "mouse_id": f"M{number:03d}",
                            "genotype": genotype,
                            "stage": stage,
                            "sex": sex,
                            "tissue": tissue,
                            "log_mam": truth.mam_baseline[tissue] + mam_eff + mam_dev,
                            # MAM deviations of a mouse carry over into its TBK1 activation.
                            "log_tbk1": truth.tbk1_baseline[tissue]
                            + tbk1_eff
                            + truth.coupling_slope * mam_dev
                            + tbk1_dev,
                        }
                    )
    return pd.DataFrame(rows)


def assign_gels(n_lanes: int, lanes_per_gel: int, prefix: str) -> list[str]:
    """Return gel labels for *n_lanes* consecutive lanes, *lanes_per_gel* per gel.

    Examples
    --------
    >>> assign_gels(5, 2, "G")
    ['G1', 'G1', 'G2', 'G2', 'G3']
    """
    return [f"{prefix}{i // lanes_per_gel + 1}" for i in range(n_lanes)]


def simulate_bands(
    rng: np.random.Generator,
    log_ratio: np.ndarray,
    gel_index: np.ndarray,
    *,
    n_gels: int,
    tbk1_level: float,
    loading_level: float,
    sd_gel: float,
    sd_lane: float,
    sd_load: float,
) -> dict[str, np.ndarray]:
    """Simulate the four densitometry values of a pTBK1/TBK1 lane.

    pTBK1 and total TBK1 are probed on two membranes loaded with the same
    samples, each with its own loading control, so that the loading control
    matters and the gel (membrane pair) acts as a batch.

    Returns
    -------
    dict
        Arrays ``ptbk1, ptbk1_loading, ptbk1_total_protein, tbk1, tbk1_loading,
        tbk1_total_protein``.
    """
    n = len(log_ratio)
    gel_effect = rng.normal(0.0, sd_gel, size=n_gels)[gel_index]
    load_a = np.exp(rng.normal(0.0, sd_load, size=n))
    load_b = np.exp(rng.normal(0.0, sd_load, size=n))
    abundance = tbk1_level * np.exp(rng.normal(0.0, 0.2, size=n))

    def noise() -> np.ndarray:
        return np.exp(rng.normal(0.0, sd_lane / np.sqrt(2), size=n))

    return {
        "ptbk1": abundance * np.exp(log_ratio + gel_effect) * load_a * noise(),
        "ptbk1_loading": loading_level * load_a * noise(),
        "tbk1": abundance * load_b * noise(),
        "tbk1_loading": loading_level * load_b * noise(),
        "ptbk1_total_protein": 2.0 * loading_level * load_a * np.exp(rng.normal(0.0, 0.05, size=n)),
        "tbk1_total_protein": 2.0 * loading_level * load_b * np.exp(rng.normal(0.0, 0.05, size=n)),
    }


def simulate_two_colour_bands(
    rng: np.random.Generator,
    log_ratio: np.ndarray,
    gel_index: np.ndarray,
    *,
    n_gels: int,
    tbk1_level: float,
    loading_level: float,
    sd_gel: float,
    sd_lane: float,
    sd_load: float,
) -> dict[str, np.ndarray]:
    """Simulate a two-colour lane: pTBK1 (800 nm) and TBK1 (700 nm) on one membrane.

    Both bands share the lane's loading, so their ratio needs no loading
    control; the gel still shifts the pTBK1 channel's exposure (a batch).
    *loading_level* is not used (no loading-control band is imaged).

    Returns
    -------
    dict
        Arrays ``ptbk1, tbk1``.
    """
    n = len(log_ratio)
    gel_effect = rng.normal(0.0, sd_gel, size=n_gels)[gel_index]
    load = np.exp(rng.normal(0.0, sd_load, size=n))
    abundance = tbk1_level * np.exp(rng.normal(0.0, 0.2, size=n))

    def noise() -> np.ndarray:
        return np.exp(rng.normal(0.0, sd_lane / np.sqrt(2), size=n))

    return {"ptbk1": abundance * np.exp(log_ratio + gel_effect) * load * noise(), "tbk1": abundance * load * noise()}


def gel_prefix(level: str) -> str:
    """Return a gel-label prefix from a tissue or region name: its initials.

    >>> gel_prefix("lumbar_spinal_cord"), gel_prefix("brainstem")
    ('LSC-', 'B-')
    """
    return "".join(word[:1].upper() for word in level.split("_") if word) + "-"


def blot_lane_bands(rng: np.random.Generator, log_ratio: np.ndarray, truth) -> dict[str, np.ndarray]:
    """The bands of lanes run in order, ``truth.lanes_per_gel`` to a gel, in the blot layout *truth* gives.

    *truth* gives ``lanes_per_gel``, ``two_colour`` (one membrane, no loading
    control: :func:`simulate_two_colour_bands`; else :func:`simulate_bands`) and
    the band levels and noise (``tbk1_level``, ``loading_level``, ``sd_gel``,
    ``sd_lane``, ``sd_load``).
    """
    gel_index = np.arange(len(log_ratio)) // truth.lanes_per_gel
    simulate = simulate_two_colour_bands if truth.two_colour else simulate_bands
    return simulate(rng, np.asarray(log_ratio), gel_index, n_gels=gel_index.max() + 1, tbk1_level=truth.tbk1_level,
                    loading_level=truth.loading_level, sd_gel=truth.sd_gel, sd_lane=truth.sd_lane,
                    sd_load=truth.sd_load)
