"""Command line: ``python -m helpers convert {templates,blot,pla-fiji,pla-cellprofiler} ...``.

Every problem is listed (file, row, column, what was expected) and nothing is
written when there is one; corrections and warnings are printed as notes.
"""

from __future__ import annotations

import argparse
import sys

from helpers.data.converters.blots import convert_blot, unassigned_lanes
from helpers.data.converters.cellprofiler import convert_pla_cellprofiler
from helpers.data.converters.common import ConversionError
from helpers.data.converters.fiji import convert_pla_fiji
from helpers.data.converters.writing import TEMPLATES_DIR, write_table, write_templates

USAGE = """examples:
  python -m helpers templates [--out templates]
  python -m helpers convert blot --exports EXPORTS.csv --lanes LANES.csv --table human_blot --out DIR
  python -m helpers convert pla-fiji --summary SUMMARY.csv --samples IMAGES.csv --out DIR
  python -m helpers convert pla-cellprofiler --objects A01-1-Cells.csv [A01-2-Cells.csv ...] \\
      --samples IMAGES.csv --count-column Children_PLADots_Count --out DIR
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers convert", epilog=USAGE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description="Convert instrument exports into the book's tables.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("templates", help="write templates/<table>.csv (header + one example row)")
    t.add_argument("--out", default=str(TEMPLATES_DIR))
    b = sub.add_parser("blot", help="Image Lab / Image Studio / Empiria exports -> human_blot or mouse_blot")
    b.add_argument("--exports", required=True, help="export sheet (file, format, gel_id, band, channel, column)")
    b.add_argument("--lanes", required=True, help="lane sheet (gel_id, lane, donor or mouse columns)")
    b.add_argument("--shapes", default=None, help="shapes sheet (file, shape, lane, band) for tables without Lane")
    b.add_argument("--table", default="human_blot", choices=["human_blot", "mouse_blot"])
    f = sub.add_parser("pla-fiji", help="Fiji Analyze Particles summary -> pla_cells")
    f.add_argument("--summary", required=True)
    f.add_argument("--samples", required=True)
    c = sub.add_parser("pla-cellprofiler", help="CellProfiler object table(s) -> pla_cells")
    c.add_argument("--objects", required=True, nargs="+", help="object table(s) whose rows are cells")
    c.add_argument("--samples", required=True)
    c.add_argument("--images", nargs="+", default=None, help="the Image.csv of each object table (default: beside it)")
    c.add_argument("--object", default=None, help="the cells' object in a combined (two-line header) file")
    c.add_argument("--count-column", default=None, help="the Children_<dots>_Count column holding PLA dots")
    c.add_argument("--cell-type-column", default=None, help="Classify_* 0/1 column (1 = motor neuron) or text column")
    for p in (b, f, c):
        p.add_argument("--out", required=True, help="folder to write the table into")
        p.add_argument("--force", action="store_true", help="replace an existing table file")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; exit 1 and list every problem on failure."""
    args = _parser().parse_args(argv)
    if args.command == "templates":
        for path in write_templates(args.out):
            print(f"wrote {path}")
        return 0
    if args.command == "blot":
        name, result = args.table, convert_blot(args.exports, args.lanes, args.table, args.shapes)
        if not result.problems:
            for gel, lane in unassigned_lanes(args.exports, args.lanes, args.shapes):
                print(f"note: gel {gel} lane {lane} is not in the lane sheet and was skipped (ladder?)")
    elif args.command == "pla-fiji":
        name, result = "pla_cells", convert_pla_fiji(args.summary, args.samples)
    else:
        name, result = "pla_cells", convert_pla_cellprofiler(
            args.objects, args.samples, args.count_column, args.cell_type_column, args.images, args.object)
    table, problems = result
    for note in result.notes:
        print(f"note: {note}")
    if problems:
        print(f"{len(problems)} problem(s); nothing written:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    try:
        path = write_table(table, name, args.out, overwrite=args.force)
    except (FileExistsError, ConversionError) as err:
        print(str(err), file=sys.stderr)
        return 1
    print(f"wrote {path} ({len(table)} rows; matches the {name} schema)")
    return 0
