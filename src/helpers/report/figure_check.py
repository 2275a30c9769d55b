"""Measure whether a figure can be read: how wide its data area is, and whether any text overlaps.

A figure is measured as the reader gets it: the inline backend saves it with
``bbox_inches="tight"``, so widths are shares of the figure's tight bounding
box (what ends up in the PNG), measured with matplotlib's own renderer.

* **data width share** — for each row of axes (axes whose vertical extents
  overlap), the summed width of the axes divided by the saved image's width;
  the figure's share is that of its widest row. A forest plot whose long
  labels squeeze the axes into a strip has a small share.
* **overlaps** — any two tick labels, axis labels, titles, the figure's own
  texts (the simulated-data stamp) and legends whose boxes intersect by more
  than a pixel.

:func:`measure_figure` returns the measurements (stored in every figure's
output metadata by :func:`helpers.report.figure_alt.png_with_alt`);
:func:`figure_problems` turns them into sentences; the built-book test fails
on any.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: A figure whose data area is narrower than this share of the saved image fails the check.
MIN_AXES_SHARE = 0.40
#: Boxes must intersect by more than this many pixels (each way) to count as overlapping.
OVERLAP_TOLERANCE_PX = 1.0


@dataclass
class FigureMeasure:
    """The measurements of one figure (JSON-ready through :meth:`as_dict`)."""

    width_px: float
    height_px: float
    axes_shares: list[float] = field(default_factory=list)
    data_share: float = 0.0
    overlaps: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the measurements as a plain dict, shares rounded to three decimals."""
        out = asdict(self)
        out["axes_shares"] = [round(float(s), 3) for s in self.axes_shares]
        out["data_share"] = round(float(self.data_share), 3)
        out["width_px"] = round(float(self.width_px), 1)
        out["height_px"] = round(float(self.height_px), 1)
        return out


def _is_data_axes(ax) -> bool:
    """True for axes that show data (not a colour bar, not an invisible helper axes)."""
    return ax.get_visible() and ax.axison and not hasattr(ax, "_colorbar")


def _visible_text(text) -> bool:
    return text.get_visible() and bool(text.get_text().strip())


class _Shape:
    """A text's or legend's outline: its window extent and, for rotated text, its four corners."""

    def __init__(self, box, corners=None):
        self.box = box
        self.corners = corners
        self.x0, self.y0, self.x1, self.y1 = box.x0, box.y0, box.x1, box.y1


def _shape(artist, renderer) -> _Shape:
    import math

    box = artist.get_window_extent(renderer)
    rotation = artist.get_rotation() if hasattr(artist, "get_rotation") else 0.0
    if not rotation % 180:
        return _Shape(box)
    artist.set_rotation(0)
    flat = artist.get_window_extent(renderer)
    artist.set_rotation(rotation)
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    c, s = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    w, h = flat.width / 2, flat.height / 2
    corners = [(cx + c * dx - s * dy, cy + s * dx + c * dy) for dx, dy in ((-w, -h), (w, -h), (w, h), (-w, h))]
    return _Shape(box, corners)


def _corners(shape: _Shape) -> list[tuple[float, float]]:
    if shape.corners is not None:
        return shape.corners
    return [(shape.x0, shape.y0), (shape.x1, shape.y0), (shape.x1, shape.y1), (shape.x0, shape.y1)]


def _polygons_overlap(a: list, b: list, tol: float) -> bool:
    """Separating-axis test of two convex quadrilaterals; they overlap when no axis separates them by > -tol."""
    import math

    for poly in (a, b):
        for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=True):
            nx, ny = y0 - y1, x1 - x0
            norm = math.hypot(nx, ny) or 1.0
            nx, ny = nx / norm, ny / norm
            pa = [nx * x + ny * y for x, y in a]
            pb = [nx * x + ny * y for x, y in b]
            if min(max(pa), max(pb)) - max(min(pa), min(pb)) <= tol:
                return False
    return True


def _text_items(fig, renderer) -> list[tuple[str, object]]:
    """Return ``(name, shape)`` of every text a reader must be able to read, and every legend."""
    items = []
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        tag = f"axes {i + 1}"
        for axis_name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            if not axis.get_visible():
                continue
            for tick in axis.get_ticklabels(which="both"):
                # Only ticks inside the view limits are drawn.
                if _visible_text(tick) and _tick_in_view(ax, axis_name, tick):
                    items.append((f"{tag} {axis_name} tick label {tick.get_text()!r}", _shape(tick, renderer)))
            label = axis.label
            if _visible_text(label):
                items.append((f"{tag} {axis_name} label {label.get_text()!r}", _shape(label, renderer)))
        for loc in ("left", "center", "right"):
            title = ax.get_title(loc)
            if title:
                artist = {"left": ax._left_title, "center": ax.title, "right": ax._right_title}[loc]
                items.append((f"{tag} title {title!r}", _shape(artist, renderer)))
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            items.append((f"{tag} legend", _Shape(legend.get_window_extent(renderer))))
    suptitle = getattr(fig, "_suptitle", None)
    for text in fig.texts:
        if _visible_text(text) and text is not suptitle:
            items.append((f"figure text {text.get_text()!r}", _shape(text, renderer)))
    if suptitle is not None and _visible_text(suptitle):
        items.append((f"suptitle {suptitle.get_text()!r}", _shape(suptitle, renderer)))
    for legend in fig.legends:
        if legend.get_visible():
            items.append(("figure legend", _Shape(legend.get_window_extent(renderer))))
    return items


def _tick_in_view(ax, axis_name: str, tick) -> bool:
    low, high = sorted(ax.get_xlim() if axis_name == "x" else ax.get_ylim())
    x, y = tick.get_position()
    value = x if axis_name == "x" else y
    span = high - low
    return low - 1e-9 * abs(span) <= value <= high + 1e-9 * abs(span)


def _intersect(a, b, tol: float) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tol) and (min(a.y1, b.y1) - max(a.y0, b.y0) > tol)


def _contains(outer, inner) -> bool:
    return outer.x0 <= inner.x0 and outer.y0 <= inner.y0 and outer.x1 >= inner.x1 and outer.y1 >= inner.y1


def find_overlaps(fig, renderer=None, tol: float = OVERLAP_TOLERANCE_PX) -> list[str]:
    """Return a sentence for every pair of texts (or a text and a legend) of *fig* that overlap."""
    renderer = renderer or _draw(fig)
    items = _text_items(fig, renderer)
    found = []
    for i, (name_a, box_a) in enumerate(items):
        for name_b, box_b in items[i + 1:]:
            legends = ("legend" in name_a) + ("legend" in name_b)
            if legends == 1 and (_contains(box_a, box_b) or _contains(box_b, box_a)):
                continue  # a legend's own title and entries sit inside it
            if _intersect(box_a, box_b, tol) and (
                    (box_a.corners is None and box_b.corners is None)
                    or _polygons_overlap(_corners(box_a), _corners(box_b), tol)):
                found.append(f"{name_a} overlaps {name_b}")
    return found


def _draw(fig):
    if not hasattr(fig.canvas, "get_renderer"):  # a figure made without a pyplot backend: draw it with Agg
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _rows(boxes: list) -> list[list]:
    """Group axes boxes into rows: boxes whose vertical extents overlap by half of the smaller one."""
    rows: list[list] = []
    for box in sorted(boxes, key=lambda b: -b.y1):
        for row in rows:
            ref = row[0]
            shared = min(ref.y1, box.y1) - max(ref.y0, box.y0)
            if shared > 0.5 * min(ref.height, box.height):
                row.append(box)
                break
        else:
            rows.append([box])
    return rows


def measure_figure(fig) -> FigureMeasure:
    """Measure *fig* as saved with ``bbox_inches="tight"`` (see the module docstring).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> m = measure_figure(fig)
    >>> bool(0.7 < m.data_share < 1.0), m.overlaps
    (True, [])
    >>> plt.close(fig)
    """
    renderer = _draw(fig)
    tight = fig.get_tightbbox(renderer)  # in inches
    dpi = fig.dpi
    width_px, height_px = tight.width * dpi, tight.height * dpi
    boxes = [ax.get_window_extent(renderer) for ax in fig.axes if _is_data_axes(ax)]
    shares = [b.width / width_px for b in boxes] if width_px else []
    rows = _rows(boxes)
    data_share = max((sum(b.width for b in row) / width_px for row in rows), default=0.0) if width_px else 0.0
    return FigureMeasure(width_px=float(width_px), height_px=float(height_px), axes_shares=[float(v) for v in shares],
                         data_share=float(data_share),
                         overlaps=find_overlaps(fig, renderer))


def figure_problems(measure: FigureMeasure | dict, min_share: float = MIN_AXES_SHARE) -> list[str]:
    """Return what makes a measured figure hard to read ([] when it passes).

    >>> figure_problems({"data_share": 0.12, "overlaps": ["a overlaps b"]})
    ['data area is 12% of the figure width (at least 40% needed)', 'a overlaps b']
    """
    m = measure.as_dict() if isinstance(measure, FigureMeasure) else measure
    problems = []
    if m.get("data_share", 0.0) < min_share:
        problems.append(f"data area is {m.get('data_share', 0.0):.0%} of the figure width "
                        f"(at least {min_share:.0%} needed)")
    problems += list(m.get("overlaps", []))
    return problems


def check_figure(fig, min_share: float = MIN_AXES_SHARE) -> list[str]:
    """Measure *fig* and return its problems ([] when it reads well)."""
    return figure_problems(measure_figure(fig), min_share)
