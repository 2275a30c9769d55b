"""Columns shared by the immunoblot tables (human and mouse).

pTBK1 and TBK1 are always measured; the loading controls and total-protein
stains are optional: a two-colour blot (pTBK1 at 800 nm and TBK1 at 700 nm on
one membrane) needs neither, and its study leaves them out.
"""

from __future__ import annotations

from helpers.data.tables.spec import Column

BAND_COLUMNS: tuple[Column, ...] = (
    Column("gel_id", "str", "Gel (membrane pair) the lane ran on; a batch.", "-"),
    Column("lane", "int", "Lane number on the gel.", "-", minimum=1, maximum=30),
    Column(
        "ptbk1",
        "float",
        "Densitometry of the pTBK1 (Ser172) band, membrane A.",
        "AU",
        positive=True,
    ),
    Column(
        "ptbk1_loading",
        "float",
        "Loading control (GAPDH) on membrane A, same lane.",
        "AU",
        positive=True,
        optional=True,
    ),
    Column("tbk1", "float", "Densitometry of the total TBK1 band, membrane B.", "AU", positive=True),
    Column(
        "tbk1_loading",
        "float",
        "Loading control (GAPDH) on membrane B, same lane.",
        "AU",
        positive=True,
        optional=True,
    ),
    Column(
        "ptbk1_total_protein",
        "float",
        "Total-protein stain of the lane on membrane A (alternative normalizer).",
        "AU",
        positive=True,
        optional=True,
    ),
    Column(
        "tbk1_total_protein",
        "float",
        "Total-protein stain of the lane on membrane B (alternative normalizer).",
        "AU",
        positive=True,
        optional=True,
    ),
)

BAND_NAMES = tuple(c.name for c in BAND_COLUMNS[2:])

#: The band columns each normalization of log(pTBK1/TBK1) divides by (``none``: the raw band ratio,
#: right for a two-colour blot whose two bands share one lane of one membrane).
NORMALIZATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "loading_control": ("ptbk1_loading", "tbk1_loading"),
    "total_protein": ("ptbk1_total_protein", "tbk1_total_protein"),
    "none": (),
}
