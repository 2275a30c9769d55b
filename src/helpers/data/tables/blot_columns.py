"""Columns shared by the immunoblot tables (human and mouse)."""

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
    ),
    Column("tbk1", "float", "Densitometry of the total TBK1 band, membrane B.", "AU", positive=True),
    Column(
        "tbk1_loading",
        "float",
        "Loading control (GAPDH) on membrane B, same lane.",
        "AU",
        positive=True,
    ),
    Column(
        "ptbk1_total_protein",
        "float",
        "Total-protein stain of the lane on membrane A (alternative normalizer).",
        "AU",
        positive=True,
    ),
    Column(
        "tbk1_total_protein",
        "float",
        "Total-protein stain of the lane on membrane B (alternative normalizer).",
        "AU",
        positive=True,
    ),
)

BAND_NAMES = tuple(c.name for c in BAND_COLUMNS[2:])
