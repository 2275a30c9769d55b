"""Alt text for the book's figures, taken from each figure's own title and axis labels.

A screen reader, or a reader whose images do not load, gets a figure's alt
text. Sphinx writes the image's file name when there is none, which hides the
gap; the browser test (:mod:`helpers.engine.browser`) counts that as missing.

Two halves:

* in the kernel, :func:`enable_alt_text` (call it once after
  ``%matplotlib inline``) makes every displayed matplotlib figure carry its
  description in the output's metadata (``{"image/png": {"alt": ...}}``). The
  description comes from the figure: title(s), axis labels and the
  "simulated example data" stamp (:func:`describe_figure`); set
  ``fig.alt_text = "..."`` to write it yourself. A figure with no title and no
  ``alt_text`` gets none, so the browser test fails until it has one;
* in Sphinx, :mod:`helpers.engine.html_assets` copies that text onto the image of the
  rendered page (myst-nb names image files by the SHA-256 of their bytes, which
  :func:`alt_by_image_hash` uses to match them).

The same formatter measures every figure's legibility
(:mod:`helpers.report.figure_check`) into ``{"image/png": {"figure_check": ...}}``.
The PNG bytes are exactly those of the inline backend, so figures stay
byte-identical between runs.
"""

from __future__ import annotations

import base64
import hashlib

#: The watermark every figure made from simulated data carries (:func:`helpers.report.plots.mark_simulated`).
SIMULATED_MARK = "SIMULATED EXAMPLE DATA"
#: The gid of a figure's source line (real data: where they came from, their licence), repeated in its alt text.
SOURCE_GID = "data-source-line"


def describe_figure(fig) -> str:
    """Return a one-sentence description of *fig* from its titles and axis labels ("" if untitled).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set(title="TBK1 activation", xlabel="group", ylabel="pTBK1 / TBK1")
    >>> describe_figure(fig)
    'Figure: TBK1 activation (pTBK1 / TBK1 against group).'
    >>> plt.close(fig)
    """
    explicit = getattr(fig, "alt_text", None)
    if explicit:
        return str(explicit)
    parts = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        parts.append(suptitle.get_text())
    for ax in fig.axes:
        title = ax.get_title() or ax.get_title("left")
        if not title:
            continue
        labels = [ax.get_ylabel(), ax.get_xlabel()]
        detail = " against ".join(label for label in labels if label)
        parts.append(f"{title} ({detail})" if detail else title)
    if not parts:
        return ""
    text = "Figure: " + "; ".join(parts) + "."
    if any(t.get_text() == SIMULATED_MARK for t in fig.texts):
        text += " Computed from simulated example data."
    text += "".join(f" {t.get_text()}." for t in fig.texts if t.get_gid() == SOURCE_GID)
    return text


def png_with_alt(fig) -> tuple[bytes, dict]:
    """Return the inline backend's PNG of *fig* and its metadata: alt text and legibility measurements.

    The metadata is ``{"alt": description, "figure_check": measurements}``
    (``alt`` only when the figure has a description); the measurements are those
    of :func:`helpers.report.figure_check.measure_figure`, which the built-book
    test reads back from the executed notebooks.
    """
    from IPython.core.pylabtools import print_figure
    from matplotlib_inline.backend_inline import InlineBackend

    from helpers.report.figure_check import measure_figure

    measures = measure_figure(fig).as_dict()
    data = print_figure(fig, "png", **InlineBackend.instance().print_figure_kwargs)
    alt = describe_figure(fig)
    metadata = {"figure_check": measures}
    if alt:
        metadata["alt"] = alt
    return data, metadata


def enable_alt_text(shell=None) -> None:
    """Make every matplotlib figure displayed in this kernel carry its alt text (call after ``%matplotlib inline``)."""
    from IPython import get_ipython
    from matplotlib.figure import Figure

    shell = shell or get_ipython()
    if shell is None:
        return
    shell.display_formatter.formatters["image/png"].for_type(Figure, png_with_alt)


def alt_by_image_hash(notebook: dict) -> dict[str, str]:
    """Return ``{sha256 of the PNG bytes: alt text}`` for every image output of an executed *notebook*."""
    found = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) or []:
            alt = (output.get("metadata", {}).get("image/png") or {}).get("alt")
            data = output.get("data", {}).get("image/png")
            if alt and data:
                text = "".join(data) if isinstance(data, list) else data
                found[hashlib.sha256(base64.b64decode(text)).hexdigest()] = alt
    return found


def figure_checks(notebook: dict) -> list[tuple[str, dict]]:
    """Return ``(alt text or cell id, figure_check measurements)`` of every figure output of *notebook*."""
    found = []
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []) or []:
            if "image/png" not in output.get("data", {}):
                continue
            meta = output.get("metadata", {}).get("image/png") or {}
            name = meta.get("alt") or f"cell {cell.get('id', index)}"
            found.append((name, meta.get("figure_check")))
    return found
