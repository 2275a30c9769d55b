"""Convert instrument exports into the book's tables, and write CSV templates.

A lab rarely types its tables by hand: densitometry and puncta counts come out
of imaging software. This package reads what the programs write and joins it
with a small *sample sheet* that says what each lane or image was:

* **Bio-Rad Image Lab** Lane and Band tables and Lanes tables
  (:mod:`~helpers.data.converters.imagelab`);
* **LI-COR Image Studio / Empiria** shapes tables, with or without ``Lane``
  (:mod:`~helpers.data.converters.imagestudio`);
* **ImageJ/Fiji** Analyze Particles Summary tables (:mod:`~helpers.data.converters.fiji`);
* **CellProfiler** object tables, one or several runs, or combined files
  (:mod:`~helpers.data.converters.cellprofiler`).

Nothing is guessed silently: every converter returns the table and the list
of problems (file, row, column, value, expected) found on the way, never a
library traceback, and attaches ``.notes`` for what it corrected (title lines,
thousands separators, decimal commas, a pixel size in metres) or wants known
(an image without cells). The command line (:mod:`~helpers.data.converters.cli`)
writes the table only when there is no problem, validates the written file
against its schema, and never overwrites an existing file unless asked::

    python -m helpers templates [--out templates]
    python -m helpers convert blot --exports EXPORTS.csv --lanes LANES.csv --table human_blot --out DIR
    python -m helpers convert pla-fiji --summary SUMMARY.csv --samples IMAGES.csv --out DIR
    python -m helpers convert pla-cellprofiler --objects CELLS.csv --samples IMAGES.csv --out DIR
"""

from __future__ import annotations

from helpers.data.converters.blots import BLOT_TARGETS, READERS, convert_blot, unassigned_lanes
from helpers.data.converters.cellprofiler import convert_pla_cellprofiler, read_objects
from helpers.data.converters.cli import main
from helpers.data.converters.common import Conversion, ConversionError, read_export
from helpers.data.converters.fiji import convert_pla_fiji
from helpers.data.converters.imagelab import read_image_lab
from helpers.data.converters.imagestudio import read_image_studio
from helpers.data.converters.writing import TEMPLATES_DIR, write_table, write_templates

__all__ = [
    "BLOT_TARGETS", "READERS", "TEMPLATES_DIR", "Conversion", "ConversionError", "convert_blot",
    "convert_pla_cellprofiler", "convert_pla_fiji", "main", "read_export", "read_image_lab", "read_image_studio",
    "read_objects", "unassigned_lanes", "write_table", "write_templates",
]
