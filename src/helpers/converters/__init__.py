"""Convert instrument exports into the book's tables, and write CSV templates.

A lab rarely types its tables by hand: densitometry and puncta counts come out
of imaging software. This package reads what the programs write and joins it
with a small *sample sheet* that says what each lane or image was:

* **Bio-Rad Image Lab** Lane and Band tables and Lanes tables
  (:mod:`~helpers.converters.imagelab`);
* **LI-COR Image Studio / Empiria** shapes tables, with or without ``Lane``
  (:mod:`~helpers.converters.imagestudio`);
* **ImageJ/Fiji** Analyze Particles Summary tables (:mod:`~helpers.converters.fiji`);
* **CellProfiler** object tables, one or several runs, or combined files
  (:mod:`~helpers.converters.cellprofiler`).

Nothing is guessed silently: every converter returns the table and the list
of problems (file, row, column, value, expected) found on the way, never a
library traceback, and attaches ``.notes`` for what it corrected (title lines,
thousands separators, decimal commas, a pixel size in metres) or wants known
(an image without cells). The command line (:mod:`~helpers.converters.cli`)
writes the table only when there is no problem, validates the written file
against its schema, and never overwrites an existing file unless asked::

    python -m helpers.converters templates [--out templates]
    python -m helpers.converters blot --exports EXPORTS.csv --lanes LANES.csv --table human_blot --out DIR
    python -m helpers.converters pla-fiji --summary SUMMARY.csv --samples IMAGES.csv --out DIR
    python -m helpers.converters pla-cellprofiler --objects CELLS.csv --samples IMAGES.csv --out DIR
"""

from __future__ import annotations

from .blots import BLOT_TARGETS, READERS, convert_blot, unassigned_lanes
from .cellprofiler import convert_pla_cellprofiler, read_objects
from .cli import main
from .common import Conversion, ConversionError, read_export
from .fiji import convert_pla_fiji
from .imagelab import read_image_lab
from .imagestudio import read_image_studio
from .writing import TEMPLATES_DIR, write_table, write_templates

__all__ = [
    "BLOT_TARGETS", "READERS", "TEMPLATES_DIR", "Conversion", "ConversionError", "convert_blot",
    "convert_pla_cellprofiler", "convert_pla_fiji", "main", "read_export", "read_image_lab", "read_image_studio",
    "read_objects", "unassigned_lanes", "write_table", "write_templates",
]
