"""What every figure shares: the simulated-data stamp, the finishing layout step, log-axis ticks."""


from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.ticker import Locator

from helpers.report.figure_alt import SIMULATED_MARK, SOURCE_GID
from helpers.report.figure_layout import fit_figure, wrap_label

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
#: The height (inches) kept free at the bottom of a figure for the simulated-data stamp.
STAMP_BAND_IN = 0.2
#: Row labels (estimates, strata, estimators) are wrapped at this many characters.
LABEL_WIDTH = 30


def mark_simulated(fig: plt.Figure, simulated: bool = True) -> plt.Figure:
    """Stamp *fig* with a visible 'simulated example data' label (if *simulated*)."""
    if simulated:
        fig.text(0.995, 0.005, SIMULATED_MARK, ha="right", va="bottom", fontsize=8,
                 color="#b22222", alpha=0.9, fontweight="bold")
    return fig


def _wrap_titles(fig: plt.Figure) -> None:
    """Wrap every axes title to the width its column of the figure gives it."""
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        columns = spec.get_gridspec().ncols if spec is not None else 1
        for loc in ("center", "left"):
            title = ax.get_title(loc)
            if title:
                artist = ax.title if loc == "center" else ax._left_title
                chars = int(fig.get_figwidth() / columns * 72 / (artist.get_fontsize() * 0.58))
                ax.set_title(wrap_label(title, max(chars, 18)), fontsize=artist.get_fontsize(), loc=loc)


def mark_source(fig: plt.Figure, source: str | None) -> plt.Figure:
    """Write a source line (where real data came from, their licence) at the bottom left of *fig*."""
    if source:
        fig.text(0.005, 0.005, source, ha="left", va="bottom", fontsize=7, color="#333333", gid=SOURCE_GID)
    return fig


def _finish(fig: plt.Figure, simulated: bool, suptitle: str | None = None, band_in: float = 0.0,
            source: str | None = None) -> plt.Figure:
    """Give *fig* the book's finish: suptitle, no top/right spines, a layout that reads, simulated stamp.

    *band_in* inches are kept free below the axes (for a figure legend), plus
    the stamp's band when *simulated* or a *source* line (real data) is written.
    """
    if suptitle is not None:
        chars = int(fig.get_figwidth() * 72 / (10 * 0.58))
        fig.suptitle(wrap_label(suptitle, max(chars, 30)), fontsize=10)
    _wrap_titles(fig)
    sns.despine(fig)
    bottom = band_in + (STAMP_BAND_IN if simulated or source else 0.0)
    fit_figure(fig, rect=(0, bottom / fig.get_figheight(), 1, 1) if bottom else None)
    return mark_source(mark_simulated(fig, simulated), source)


def nice_log_ticks(low: float, high: float, max_ticks: int = 8) -> list[float]:
    """Return plain-number ticks (…, 0.5, 0.7, 1, 2, 3, 5, …) between *low* and *high*, at most *max_ticks*.

    The densest of the mantissa sets 1-2-3-5-7, 1-2-5, 1-3 and 1 that fits is used.

    >>> nice_log_ticks(0.87, 7.6)
    [1.0, 2.0, 3.0, 5.0, 7.0]
    >>> nice_log_ticks(0.01, 100)
    [0.01, 0.1, 1.0, 10.0, 100.0]
    """
    low, high = sorted((float(low), float(high)))
    if not (np.isfinite(low) and np.isfinite(high)) or low <= 0:
        return []
    first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
    ticks: list[float] = []
    for mantissas in ((1, 2, 3, 5, 7), (1, 2, 5), (1, 3), (1,)):
        ticks = [float(f"{m * 10.0 ** e:.12g}") for e in range(first, last + 1) for m in mantissas
                 if low * (1 - 1e-9) <= m * 10.0 ** e <= high * (1 + 1e-9)]
        if len(ticks) <= max_ticks:
            break
    return ticks


class _NiceLogLocator(Locator):
    """Ticks of :func:`nice_log_ticks` for the axis's current view."""

    def __call__(self):
        low, high = self.axis.get_view_interval()
        return nice_log_ticks(low, high)

    def tick_values(self, vmin, vmax):
        return nice_log_ticks(vmin, vmax)


def _log_axis(axis) -> None:
    """Put *axis* on a log scale labelled with plain numbers (0.5, 1, 2), not powers of ten."""
    from matplotlib.ticker import FuncFormatter, NullLocator

    axis.axes.set_xscale("log") if axis.axis_name == "x" else axis.axes.set_yscale("log")
    axis.set_major_locator(_NiceLogLocator())
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
