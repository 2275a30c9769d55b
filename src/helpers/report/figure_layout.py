"""Lay a figure out so it reads: wrapped labels, a data area that keeps its width, ticks that never collide.

:func:`fit_figure` is the last layout step of every figure of
:mod:`helpers.report.plots`: it runs ``tight_layout``, then widens the figure
until its data area takes at least :data:`TARGET_SHARE` of the saved width
(long tick labels and legends beside the axes take their room from a wider
figure, not from the axes), then thins any axis whose tick labels touch.
:mod:`helpers.report.figure_check` measures the result the same way.
"""

from __future__ import annotations

import textwrap

from helpers.report.figure_check import _draw, _rows, _tick_in_view, _visible_text

#: The data area's share of the saved figure width that the layout aims for.
TARGET_SHARE = 0.6
#: No figure is widened beyond this (inches); labels wrap instead.
MAX_WIDTH_IN = 11.0


def wrap_label(text: str, width: int = 28) -> str:
    """Wrap *text* onto lines of at most *width* characters (existing line breaks kept).

    >>> wrap_label("MAM integrity vs WT (VAPB-PTPIP51), mouse level", 24)
    'MAM integrity vs WT\\n(VAPB-PTPIP51), mouse\\nlevel'
    """
    return "\n".join(textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) if line else line
                     for line in str(text).split("\n"))


def wrap_labels(labels, width: int = 28) -> list[str]:
    """Return every label of *labels* wrapped with :func:`wrap_label`."""
    return [wrap_label(label, width) for label in labels]


def _data_share(fig, renderer) -> tuple[float, float]:
    """Return (data width share, saved width in pixels) of *fig* as :func:`measure_figure` computes it."""
    tight = fig.get_tightbbox(renderer)
    width_px = tight.width * fig.dpi
    boxes = [ax.get_window_extent(renderer) for ax in fig.axes if ax.get_visible() and ax.axison]
    rows = _rows(boxes)
    data = max((sum(b.width for b in row) for row in rows), default=0.0)
    return (data / width_px if width_px else 0.0), width_px


def _tick_boxes(ax, axis_name: str, renderer) -> list:
    axis = ax.xaxis if axis_name == "x" else ax.yaxis
    return [(tick.get_position(), tick.get_window_extent(renderer)) for tick in axis.get_ticklabels()
            if _visible_text(tick) and _tick_in_view(ax, axis_name, tick)]


def _numeric_ticks(ax, axis_name: str, renderer) -> bool:
    """True when every visible tick label of the axis is a number (only those may be thinned)."""
    texts = [box_text for box_text in (t.get_text().replace("\u2212", "-") for t in
                                       (ax.xaxis if axis_name == "x" else ax.yaxis).get_ticklabels()) if box_text]
    try:
        return bool(texts) and all(float(t.replace(",", "")) is not None for t in texts)
    except ValueError:
        return False


def _collide(boxes: list, gap: float = 2.0) -> bool:
    for (_, a), (_, b) in zip(boxes, boxes[1:], strict=False):
        if min(a.x1, b.x1) - max(a.x0, b.x0) > -gap and min(a.y1, b.y1) - max(a.y0, b.y0) > -gap:
            return True
    return False


def thin_ticks(fig, renderer=None, max_rounds: int = 4) -> None:
    """Drop every other tick of any numeric axis whose tick labels touch (the tick at 1 or 0 is kept)."""
    from matplotlib.ticker import FixedLocator

    renderer = renderer or _draw(fig)
    for ax in fig.axes:
        for axis_name in ("x", "y"):
            axis = ax.xaxis if axis_name == "x" else ax.yaxis
            if not _numeric_ticks(ax, axis_name, renderer):
                continue  # named ticks (groups, rows): thinning would drop names
            for _ in range(max_rounds):
                boxes = sorted(_tick_boxes(ax, axis_name, renderer),
                               key=lambda item: item[0][0 if axis_name == "x" else 1])
                if len(boxes) < 3 or not _collide(boxes):
                    break
                values = [pos[0 if axis_name == "x" else 1] for pos, _ in boxes]
                anchor = next((i for i, v in enumerate(values) if v in (0.0, 1.0)), 0)
                keep = [v for i, v in enumerate(values) if (i - anchor) % 2 == 0]
                axis.set_major_locator(FixedLocator(keep))
                renderer = _draw(fig)


def fit_figure(fig, rect=None, target: float = TARGET_SHARE, max_width: float = MAX_WIDTH_IN) -> None:
    """Lay *fig* out: tight layout, widen until the data area has *target* of the width, thin colliding ticks.

    Parameters
    ----------
    rect : tuple, optional
        The ``tight_layout`` rectangle (room kept for a figure legend or stamp).
    """
    fig.tight_layout(rect=rect)
    renderer = _draw(fig)
    for _ in range(4):
        share, width_px = _data_share(fig, renderer)
        if share >= target - 0.01 or fig.get_figwidth() >= max_width:
            break
        data_px = share * width_px
        fixed_px = width_px - data_px  # labels, legends, padding: they keep their size
        wanted_px = target * fixed_px / (1 - target) + fixed_px
        grow = (wanted_px - width_px) / fig.dpi
        fig.set_figwidth(min(max_width, fig.get_figwidth() + max(grow, 0.2)))
        fig.tight_layout(rect=rect)
        renderer = _draw(fig)
    thin_ticks(fig, renderer)
