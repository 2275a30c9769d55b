"""Figures of the book. Every function returns a matplotlib Figure and never shows or saves it.

Every figure ends with :func:`_finish` (or :func:`_finish_with_band` when a
figure legend sits below the axes): long labels and titles are wrapped, the
figure grows until its data area takes most of its width
(:func:`helpers.report.figure_layout.fit_figure`) and numeric ticks never
collide; :mod:`helpers.report.figure_check` measures the result.
"""

from __future__ import annotations

from helpers.report.plots._common import (
    LABEL_WIDTH,
    MARKERS,
    STAMP_BAND_IN,
    mark_simulated,
    nice_log_ticks,
)
from helpers.report.plots.curves import (
    plot_calibration,
    plot_dose_response,
    plot_power_curves,
    plot_survival,
)
from helpers.report.plots.intervals import (
    plot_differences,
    plot_effects,
    plot_forest,
    plot_specification_curve,
)
from helpers.report.plots.points import (
    plot_coupling,
    plot_fraction_distribution,
    plot_superplot,
    plot_trajectories,
    plot_unit_points,
)

__all__ = [
    "LABEL_WIDTH",
    "MARKERS",
    "STAMP_BAND_IN",
    "mark_simulated",
    "nice_log_ticks",
    "plot_unit_points",
    "plot_effects",
    "plot_forest",
    "plot_specification_curve",
    "plot_superplot",
    "plot_fraction_distribution",
    "plot_coupling",
    "plot_trajectories",
    "plot_differences",
    "plot_dose_response",
    "plot_survival",
    "plot_calibration",
    "plot_power_curves",
]
