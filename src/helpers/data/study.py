"""A lab's study, described once: levels, reference levels and design facts, from a data package.

A lab describes its tables in a `Frictionless Data Package
<https://specs.frictionlessdata.io/data-package/>`_ descriptor
(``datapackage.yaml`` or ``datapackage.json`` beside the tables): one resource
per book table, with its Table Schema (``fields`` with ``constraints.enum`` for
the levels a table uses, ``primaryKey``). The book's own design facts sit in
one custom property, ``mam_tbk1_design``::

    mam_tbk1_design:
      version: 1
      factors:                        # one entry per design factor the tables use
        genotype: {levels: [WT, SOD1_G93A, Sigmar1_KO], reference: WT, labels: {SOD1_G93A: SOD1-G93A}}
        stage: {levels: [presymptomatic, onset, end_stage], ordered: true}
        tissue: {levels: [lumbar_spinal_cord, brainstem], affected: [lumbar_spinal_cord, brainstem]}
        tether_pair:                  # per PLA pair, the genotypes lacking one of its antigens
          levels: [VAPB_PTPIP51, IP3R3_Sig1R]
          not_measured_in: {IP3R3_Sig1R: [Sigmar1_KO]}   # its puncta there are background, not contacts
      combined: {}                    # combined genotypes: {level: {locus: level of that locus}}
      tables:                         # per-table design facts that differ from the factor's
        disease_course: {reference: {genotype: SOD1_G85R}}

The book's **columns stay the book's**: names, types, units and bounds are
fixed by :mod:`helpers.data.tables`; a descriptor declares levels and design
facts only. A descriptor that contradicts a fixed column, or is inconsistent
(a reference that is not a level, an unknown property, ...), is refused with
:class:`StudyError`, one sentence naming the file and the property.

A source without a descriptor (a bare folder or workbook) is read with the
example study's design (``data/datapackage.yaml``), and says so in a note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml

from helpers.core.files import load_yaml
from helpers.core.paths import DATA_DIR
from helpers.data.tables import TableSpec, get_spec, get_specs

#: The custom property of the data package that holds the book's design facts.
DESIGN_KEY = "mam_tbk1_design"
#: File names of a descriptor inside a data folder, in order of preference.
DESCRIPTOR_NAMES = ("datapackage.yaml", "datapackage.yml", "datapackage.json")
DESIGN_VERSION = 1
#: Properties allowed in ``mam_tbk1_design`` and in one of its factors.
DESIGN_PROPERTIES = ("version", "factors", "combined", "tables")
FACTOR_PROPERTIES = ("levels", "reference", "ordered", "labels", "affected", "roles", "not_measured_in",
                     "description")
#: The one factor that may carry ``not_measured_in``: a PLA pair whose antigen a genotype lacks.
NOT_MEASURED_FACTOR = "tether_pair"
TABLE_PROPERTIES = ("reference",)
#: Table Schema field types that hold each of the book's column kinds.
FIELD_TYPES = {"str": ("string", "any"), "int": ("integer", "number", "any"), "float": ("number", "any")}
#: Levels taken as the reference of a factor when a draft descriptor is written (to confirm).
CONVENTIONAL_REFERENCES = ("WT", "wt", "wild_type", "wildtype", "Wt", "control", "Control", "ctrl",
                           "vehicle", "Vehicle", "homogenate", "saline", "untreated")


class StudyError(ValueError):
    """A study description that cannot be used; the message is one sentence naming file and property."""


@dataclass(frozen=True)
class Factor:
    """One design factor of a study: its levels, reference level and order.

    >>> f = Factor("genotype", ("WT", "SOD1_G93A"), reference="WT", labels={"SOD1_G93A": "SOD1-G93A"})
    >>> f.label("SOD1_G93A"), f.others
    ('SOD1-G93A', ('SOD1_G93A',))
    """

    name: str
    levels: tuple[str, ...]
    reference: str | None = None
    ordered: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    #: For tissues and regions: the levels the disease strikes (the others are the less-affected comparison).
    affected: tuple[str, ...] | None = None
    #: ``{level: role}``: e.g. the fraction that is the MAM (``mam``), a protein's role (``marker``, ``recruited``).
    roles: dict[str, str] = field(default_factory=dict)
    #: For tether pairs: ``{pair: genotypes}`` in which the pair does not measure contacts (an antigen is missing).
    not_measured_in: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def with_role(self, role: str) -> tuple[str, ...]:
        """Return the levels declared with *role*, in declared order."""
        return tuple(level for level in self.levels if self.roles.get(level) == role)

    def label(self, level: str) -> str:
        """Return the display label of *level* (the level itself when none is declared)."""
        return self.labels.get(level, level)

    @property
    def others(self) -> tuple[str, ...]:
        """The levels compared with the reference, in declared order."""
        return tuple(level for level in self.levels if level != self.reference)


@dataclass(frozen=True)
class Resource:
    """One table of a study: where its file is and the levels its factor columns use."""

    table: str
    path: Path
    #: ``{column: levels}`` from the fields' ``constraints.enum`` (a subset of the factor's levels).
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: ``{column: level}``: the reference of this table where it differs from the factor's.
    reference: dict[str, str] = field(default_factory=dict)
    #: The columns its schema lists (None: no schema given, every column of the book's table).
    columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Study:
    """A study's design, read once from its descriptor and handed down to checks and analyses."""

    name: str
    title: str
    #: The descriptor file, or None for a study given in code.
    descriptor: Path | None
    factors: dict[str, Factor]
    resources: dict[str, Resource]
    combined: dict[str, dict[str, str]] = field(default_factory=dict)
    #: False when the source had no descriptor and the example study's design stands in.
    declared: bool = True

    def factor(self, name: str) -> Factor:
        """Return factor *name*; a :class:`StudyError` names it when the study does not declare it."""
        if name not in self.factors:
            raise StudyError(f"{self._where()}: the study declares no factor '{name}' "
                             f"(declared: {', '.join(self.factors) or 'none'}).")
        return self.factors[name]

    def levels(self, table: str, column: str) -> tuple[str, ...]:
        """Return the levels column *column* of *table* may hold: the table's enum (else all of the factor's),
        in the factor's declared order."""
        levels = self.factor(get_spec(table).factor_columns.get(column, column)).levels
        resource = self.resources.get(table)
        if resource is not None and column in resource.levels:
            return tuple(v for v in levels if v in resource.levels[column])
        return levels

    def reference(self, table: str, column: str) -> str | None:
        """Return the reference level of *column* in *table* (e.g. the control genotype)."""
        resource = self.resources.get(table)
        if resource is not None and column in resource.reference:
            return resource.reference[column]
        return self.factor(get_spec(table).factor_columns.get(column, column)).reference

    def spec(self, table: str) -> TableSpec:
        """Return the book's spec of *table* with this study's levels, without the measurements it did not make."""
        spec = get_spec(table)
        spec = spec.without(c for c in spec.optional_columns if c not in self.measured(table))
        return spec.with_levels({c: self.levels(table, c) for c in spec.factor_columns
                                 if spec.factor_columns[c] in self.factors})

    def measured(self, table: str) -> tuple[str, ...]:
        """Return the optional measurement columns of *table* this study made (all, when its schema lists none)."""
        optional = get_spec(table).optional_columns
        resource = self.resources.get(table)
        if resource is None or resource.columns is None:
            return tuple(optional)
        return tuple(c for c in optional if c in resource.columns)

    def pick(self, table: str, column: str, how: str | int = "first") -> str:
        """Return one level of *column* in *table*: ``first``, ``last``, ``affected``, ``other`` or a position.

        ``affected`` is the first level the disease strikes (the first level when the
        study declares none); ``other`` the first level that is not the reference. A
        position *n* >= 1 is the n-th level compared with the reference (the n-th level
        when the factor has no reference), the last of them when there are fewer:
        ``chapters/parameters.yml`` names it as ``pick: 2``, and the build engine and a
        chapter run by hand resolve it alike.

        >>> study = Study("s", "", None, {"genotype": Factor("genotype", ("ref", "A", "B"), reference="ref"),
        ...                              "stage": Factor("stage", ("early", "late"), ordered=True)}, {})
        >>> study.pick("mouse_blot", "genotype", 2), study.pick("mouse_blot", "genotype", 5)
        ('B', 'B')
        >>> study.pick("mouse_blot", "stage", 1), study.pick("mouse_blot", "stage", "last")
        ('early', 'late')
        """
        levels = self.levels(table, column)
        if isinstance(how, int) and not isinstance(how, bool):
            if how < 1:
                raise ValueError(f"a position pick counts from 1, got {how}")
            reference = self.reference(table, column)
            compared = [v for v in levels if v != reference] or list(levels)
            return compared[min(how, len(compared)) - 1]
        if how == "last":
            return levels[-1]
        if how == "affected":
            affected = self.factor(get_spec(table).factor_columns.get(column, column)).affected or ()
            return next((v for v in levels if v in affected), levels[0])
        if how == "other":
            reference = self.reference(table, column)
            return next((v for v in levels if v != reference), levels[0])
        return levels[0]

    def choices(self, table: str) -> tuple[str, ...]:
        """What a ``measured: table`` parameter may take: the options of the table's spec the study's
        measurements allow (a blot's normalizations, the motor measures made, the endpoints recorded)."""
        made = set(self.measured(table))
        return tuple(option for option, columns in get_spec(table).choices.items() if set(columns) <= made)

    def normalizations(self, table: str) -> tuple[str, ...]:
        """Return the normalizations of log(pTBK1/TBK1) a blot table's measurements allow."""
        return self.choices(table)

    def fits_example(self, example: Study, tables) -> str | None:
        """Return why a chapter written for *example*'s levels cannot read this study's *tables*, or None.

        It can when, in every table present, each factor column holds only levels
        the example uses, with the same reference, and every measurement is made.
        """
        for table in tables:
            if table not in self.resources:
                continue
            for column in get_spec(table).factor_columns:
                ours, theirs = self.levels(table, column), example.levels(table, column)
                extra = [v for v in ours if v not in theirs]
                if extra:
                    return f"{table}.{column} holds '{extra[0]}', a level the example study does not have"
                if self.reference(table, column) != example.reference(table, column):
                    return f"the reference of {table}.{column} is not '{example.reference(table, column)}'"
            if set(self.measured(table)) != set(get_spec(table).optional_columns):
                return f"{table} lacks measurements the chapter uses"
        return None

    def table_path(self, table: str) -> Path | None:
        """Return the file the descriptor names for *table*, or None when it names none."""
        resource = self.resources.get(table)
        return None if resource is None else resource.path

    def _where(self) -> str:
        return str(self.descriptor) if self.descriptor else f"study {self.name}"


# --------------------------------------------------------------------------- finding and reading


def find_descriptor(source: str | Path) -> Path | None:
    """Return the descriptor of a data source: the file itself, or ``datapackage.*`` in the folder.

    >>> find_descriptor(DATA_DIR).name
    'datapackage.yaml'
    """
    try:
        return _find_descriptor(Path(source))
    except OSError:  # a folder this user may not enter: the source's own check says so
        return None


def _find_descriptor(source: Path) -> Path | None:
    if source.is_file() and source.name.lower().endswith((".yaml", ".yml", ".json")):
        return source
    if source.suffix.lower() == ".xlsx":  # a workbook is described by a descriptor beside it that names it
        for name in DESCRIPTOR_NAMES:
            sibling = source.parent / name
            if sibling.is_file() and source.name in sibling.read_text(encoding="utf-8-sig", errors="replace"):
                return sibling
        return None
    if source.is_dir():
        for name in DESCRIPTOR_NAMES:
            if (source / name).is_file():
                return source / name
    return None


def study_of(source: str | Path) -> Study:
    """Return the study of a data source: its descriptor's, else the example study's (``declared=False``)."""
    descriptor = find_descriptor(source)
    if descriptor is None:
        example = example_study()  # its levels per table; its files are not read
        return Study(example.name, example.title, None, example.factors, example.resources, example.combined,
                     declared=False)
    return read_study(descriptor)


@lru_cache(maxsize=1)
def example_study() -> Study:
    """Return the example study (``data/datapackage.yaml``), read once per process."""
    return read_study(DATA_DIR / DESCRIPTOR_NAMES[0])


def read_study(path: str | Path) -> Study:
    """Read and check the descriptor at *path*; raise :class:`StudyError` on the first fault.

    Cached by path, size and modification time, so every table of one source
    reads its descriptor once.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as err:
        raise StudyError(f"{path}: the study description cannot be read ({err.strerror}).") from None
    return _read_study(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _read_study(path: Path, _size: int, _mtime: int) -> Study:
    return parse_study(_load(path), path)


def _load(path: Path) -> dict:
    """Return the mapping in a YAML or JSON descriptor, or raise a one-sentence StudyError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise StudyError(f"{path}: the study description cannot be read as UTF-8 text ({err}).") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else load_yaml(text)
    except json.JSONDecodeError as err:
        raise StudyError(f"{path}, line {err.lineno}: the study description is not valid JSON ({err.msg}).") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise StudyError(f"{path}{line}: the study description is not valid YAML "
                         f"({getattr(err, 'problem', None) or err}).") from None
    if not isinstance(data, dict):
        raise StudyError(f"{path}: a study description is a mapping with 'resources' and '{DESIGN_KEY}' "
                         f"(found {type(data).__name__}).")
    return data


def _fail(path: Path | None, where: str, what: str) -> StudyError:
    return StudyError(f"{path or 'study'}, property '{where}': {what}.")


def _text_list(path: Path | None, where: str, value: object) -> tuple[str, ...]:
    """Return *value* as a tuple of unique non-empty texts, or fail naming *where*."""
    if not isinstance(value, list) or not value:
        raise _fail(path, where, "expected a non-empty list of levels")
    levels = tuple(str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in value)
    bad = [v for v in levels if not isinstance(v, str) or not v.strip()]
    if bad:
        raise _fail(path, where, f"expected every level to be a non-empty text (found {bad[0]!r})")
    seen = set()
    for level in levels:
        if level in seen:
            raise _fail(path, where, f"level '{level}' is listed twice")
        seen.add(level)
    return levels


def parse_study(data: dict, path: Path | None = None) -> Study:
    """Check a descriptor mapping against the book's tables and return the :class:`Study`."""
    design = data.get(DESIGN_KEY)
    if not isinstance(design, dict):
        raise _fail(path, DESIGN_KEY, "expected the book's design facts (factors with their levels and "
                    "reference levels) under this property")
    unknown = [k for k in design if k not in DESIGN_PROPERTIES]
    if unknown:
        raise _fail(path, f"{DESIGN_KEY}.{unknown[0]}", "unknown property; the design properties are "
                    + ", ".join(DESIGN_PROPERTIES))
    if design.get("version", DESIGN_VERSION) != DESIGN_VERSION:
        raise _fail(path, f"{DESIGN_KEY}.version", f"expected {DESIGN_VERSION} (found {design.get('version')!r})")
    factors = _parse_factors(design.get("factors"), path)
    combined = _parse_combined(design.get("combined") or {}, factors, path)
    resources = _parse_resources(data.get("resources"), factors, path)
    _apply_table_facts(design.get("tables") or {}, resources, factors, path)
    name = str(data.get("name") or (path.parent.name if path else "study"))
    return Study(name, str(data.get("title") or name), path, factors, resources, combined)


def _parse_factors(raw: object, path: Path | None) -> dict[str, Factor]:
    where = f"{DESIGN_KEY}.factors"
    if not isinstance(raw, dict) or not raw:
        raise _fail(path, where, "expected one entry per design factor, each with its levels")
    known = {f for spec in get_specs().values() for f in spec.factor_columns.values()}
    factors = {}
    for name, entry in raw.items():
        here = f"{where}.{name}"
        if name not in known:
            raise _fail(path, here, "no column of the book's tables holds this factor (factors: "
                        + ", ".join(sorted(known)) + ")")
        if not isinstance(entry, dict):
            raise _fail(path, here, "expected a mapping with 'levels' (and 'reference')")
        unknown = [k for k in entry if k not in FACTOR_PROPERTIES]
        if unknown:
            raise _fail(path, f"{here}.{unknown[0]}", "unknown property; a factor has "
                        + ", ".join(FACTOR_PROPERTIES))
        levels = _text_list(path, f"{here}.levels", entry.get("levels"))
        reference = entry.get("reference")
        if reference is not None and str(reference) not in levels:
            raise _fail(path, f"{here}.reference", f"'{reference}' is not among the levels ({', '.join(levels)})")
        if not isinstance(entry.get("ordered", False), bool):
            raise _fail(path, f"{here}.ordered", f"expected true or false (found {entry.get('ordered')!r})")
        labels = entry.get("labels") or {}
        if not isinstance(labels, dict) or any(str(k) not in levels for k in labels):
            stray = [k for k in labels if str(k) not in levels] if isinstance(labels, dict) else [labels]
            raise _fail(path, f"{here}.labels", f"expected labels of declared levels (found {stray[0]!r})")
        affected = entry.get("affected")
        if affected is not None:
            affected = _text_list(path, f"{here}.affected", affected)
            stray = [a for a in affected if a not in levels]
            if stray:
                raise _fail(path, f"{here}.affected", f"'{stray[0]}' is not among the levels ({', '.join(levels)})")
        roles = entry.get("roles") or {}
        if not isinstance(roles, dict) or any(str(k) not in levels for k in roles):
            stray = [k for k in roles if str(k) not in levels] if isinstance(roles, dict) else [roles]
            raise _fail(path, f"{here}.roles", f"expected roles of declared levels (found {stray[0]!r})")
        factors[name] = Factor(name, levels, None if reference is None else str(reference),
                               bool(entry.get("ordered", False)), {str(k): str(v) for k, v in labels.items()},
                               affected, {str(k): str(v) for k, v in roles.items()})
    for name, entry in raw.items():
        if entry.get("not_measured_in") is not None:
            factors[name] = replace(factors[name], not_measured_in=_parse_not_measured(
                entry["not_measured_in"], name, factors, path, f"{where}.{name}.not_measured_in"))
    return factors


def _parse_not_measured(raw: object, name: str, factors: dict[str, Factor], path: Path | None,
                        here: str) -> dict[str, tuple[str, ...]]:
    """Return ``{pair: genotypes}`` of a tether pair factor's ``not_measured_in``, or fail naming *here*."""
    if name != NOT_MEASURED_FACTOR:
        raise _fail(path, here, f"only the {NOT_MEASURED_FACTOR} factor has this property (the genotypes in "
                    "which a PLA pair does not measure contacts)")
    if not isinstance(raw, dict):
        raise _fail(path, here, "expected a mapping {tether pair: [genotypes in which it does not measure contacts]}")
    genotypes = factors["genotype"].levels if "genotype" in factors else ()
    out = {}
    for pair, blind in raw.items():
        if str(pair) not in factors[name].levels:
            raise _fail(path, f"{here}.{pair}", f"'{pair}' is not among the levels ({', '.join(factors[name].levels)})")
        blind = _text_list(path, f"{here}.{pair}", blind)
        stray = [g for g in blind if g not in genotypes]
        if stray:
            raise _fail(path, f"{here}.{pair}", f"'{stray[0]}' is not a declared genotype level "
                        f"({', '.join(genotypes) or 'no genotype factor is declared'})")
        out[str(pair)] = blind
    return out


def _parse_combined(raw: object, factors: dict[str, Factor], path: Path | None) -> dict[str, dict[str, str]]:
    where = f"{DESIGN_KEY}.combined"
    if not isinstance(raw, dict):
        raise _fail(path, where, "expected a mapping {combined genotype: {locus: single-locus genotype}}")
    genotypes = factors["genotype"].levels if "genotype" in factors else ()
    combined = {}
    for level, parts in raw.items():
        here = f"{where}.{level}"
        if str(level) not in genotypes:
            raise _fail(path, here, "this combined genotype is not a declared genotype level")
        if not isinstance(parts, dict) or len(parts) < 2:
            raise _fail(path, here, "expected at least two loci, each with its single-locus genotype")
        for locus, single in parts.items():
            if str(single) not in genotypes:
                raise _fail(path, f"{here}.{locus}", f"'{single}' is not a declared genotype level")
        combined[str(level)] = {str(k): str(v) for k, v in parts.items()}
    return combined


def _parse_resources(raw: object, factors: dict[str, Factor], path: Path | None) -> dict[str, Resource]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, "resources", "expected a list of the study's tables, each with its name and path")
    specs = get_specs()
    base = path.parent if path else Path(".")
    resources = {}
    for i, entry in enumerate(raw):
        here = f"resources[{i}]"
        if not isinstance(entry, dict) or entry.get("name") not in specs:
            found = entry.get("name") if isinstance(entry, dict) else entry
            raise _fail(path, f"{here}.name", f"expected one of the book's tables ({', '.join(specs)}); "
                        f"found {found!r}")
        table = entry["name"]
        here = f"resources[{i}] ({table})"
        if table in resources:
            raise _fail(path, f"{here}.name", "this table is described twice")
        file = entry.get("path")
        if not isinstance(file, str) or not file.strip():
            raise _fail(path, f"{here}.path", "expected the path of the table's file, relative to the descriptor")
        if Path(file).is_absolute() or ".." in Path(file).parts:
            raise _fail(path, f"{here}.path", f"expected a path inside the descriptor's folder (found {file!r})")
        levels, columns = _parse_schema(entry.get("schema"), specs[table], factors, path, here)
        resources[table] = Resource(table, base / file, levels, {}, columns)
    return resources


def _parse_schema(schema: object, spec: TableSpec, factors: dict[str, Factor], path: Path | None,
                  here: str) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...] | None]:
    """Check a resource's Table Schema against the book's spec; return its enums' levels and its columns."""
    if schema is None:
        return {}, None
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise _fail(path, f"{here}.schema.fields", "expected a Table Schema with a list of fields")
    levels = {}
    names = []
    for j, fld in enumerate(schema["fields"]):
        where = f"{here}.schema.fields[{j}]"
        if not isinstance(fld, dict) or fld.get("name") not in spec.column_names:
            found = fld.get("name") if isinstance(fld, dict) else fld
            raise _fail(path, f"{where}.name", f"expected a column of the book's {spec.name} table "
                        f"({', '.join(spec.column_names)}); found {found!r}")
        column = spec.column(fld["name"])
        where = f"{here}.schema.fields[{j}] ({column.name})"
        names.append(column.name)
        kind = fld.get("type", "any")
        if kind not in FIELD_TYPES[column.kind]:
            raise _fail(path, f"{where}.type", f"the book fixes this column as {column.kind} "
                        f"(Table Schema type {FIELD_TYPES[column.kind][0]}); found {kind!r}")
        enum = (fld.get("constraints") or {}).get("enum")
        if enum is None:
            continue
        enum = _text_list(path, f"{where}.constraints.enum", enum)
        if column.factor is not None:
            factor = factors.get(column.factor)
            if factor is None:
                raise _fail(path, f"{where}.constraints.enum", f"the factor '{column.factor}' is not declared "
                            f"under {DESIGN_KEY}.factors")
            stray = [v for v in enum if v not in factor.levels]
            if stray:
                raise _fail(path, f"{where}.constraints.enum", f"'{stray[0]}' is not a declared level of "
                            f"{column.factor} ({', '.join(factor.levels)})")
            levels[column.name] = enum
        elif column.allowed is not None:
            stray = [v for v in enum if v not in column.allowed]
            if stray:
                raise _fail(path, f"{where}.constraints.enum", f"the book fixes this column's values as "
                            f"{', '.join(column.allowed)} (found '{stray[0]}')")
    missing = [c for c in spec.column_names if c not in names and c not in spec.optional_columns]
    if missing:
        raise _fail(path, f"{here}.schema.fields", f"the book's {spec.name} table has the column "
                    f"'{missing[0]}', which the schema does not list (only the measurements "
                    f"{', '.join(spec.optional_columns) or 'none'} may be left out)")
    for option, columns in spec.choices.items():
        listed = [c for c in columns if c in names]
        if listed and len(listed) < len(columns):
            missing = next(c for c in columns if c not in names)
            raise _fail(path, f"{here}.schema.fields", f"'{listed[0]}' comes with '{missing}' ({option} is "
                        "recorded whole or not at all)")
    made = [o for o, columns in spec.choices.items() if all(c in names for c in columns)] if spec.choices \
        else [c for c in spec.optional_columns if c in names]
    if spec.needs_a_measurement and not made:
        options = ", ".join(spec.choices) if spec.choices else ", ".join(spec.optional_columns)
        raise _fail(path, f"{here}.schema.fields", f"the {spec.name} table needs at least one of {options}")
    key = schema.get("primaryKey")
    if key is not None and list([key] if isinstance(key, str) else key) != list(spec.key):
        raise _fail(path, f"{here}.schema.primaryKey", f"the book keys {spec.name} by "
                    f"{', '.join(spec.key)} (found {key!r})")
    return levels, tuple(names)


def _apply_table_facts(raw: object, resources: dict[str, Resource], factors: dict[str, Factor],
                       path: Path | None) -> None:
    where = f"{DESIGN_KEY}.tables"
    if not isinstance(raw, dict):
        raise _fail(path, where, "expected a mapping {table: {reference: {column: level}}}")
    for table, facts in raw.items():
        here = f"{where}.{table}"
        if table not in resources:
            raise _fail(path, here, "this table is not among the descriptor's resources")
        if not isinstance(facts, dict) or any(k not in TABLE_PROPERTIES for k in facts):
            raise _fail(path, here, "expected only " + ", ".join(TABLE_PROPERTIES))
        spec = get_spec(table)
        for column, level in (facts.get("reference") or {}).items():
            if column not in spec.factor_columns:
                raise _fail(path, f"{here}.reference.{column}", f"not a factor column of {table}")
            allowed = resources[table].levels.get(column) or factors[spec.factor_columns[column]].levels
            if str(level) not in allowed:
                raise _fail(path, f"{here}.reference.{column}", f"'{level}' is not among the levels "
                            f"({', '.join(allowed)})")
            resources[table].reference[column] = str(level)


# --------------------------------------------------------------------------- writing


def descriptor_mapping(study: Study, *, title: str = "", description: str = "", extra: dict | None = None) -> dict:
    """Return the descriptor of *study* as a mapping (resources with Table Schemas, then the design)."""
    resources = []
    for table, resource in study.resources.items():
        spec = study.spec(table)
        fields = []
        for col in spec.columns:
            fld = {"name": col.name, "type": FIELD_TYPES[col.kind][0], "description": col.description}
            if col.unit != "-":
                fld["unit"] = col.unit
            if col.allowed is not None:
                fld["constraints"] = {"enum": list(col.allowed)}
            fields.append(fld)
        base = study.descriptor.parent if study.descriptor else resource.path.parent
        path = resource.path.relative_to(base) if resource.path.is_relative_to(base) else resource.path
        resources.append({"name": table, "path": path.as_posix(),
                          "format": path.suffix.lstrip(".") or "csv",
                          "schema": {"fields": fields, "primaryKey": list(spec.key)}})
    factors = {}
    for name, factor in study.factors.items():
        entry: dict = {"levels": list(factor.levels)}
        if factor.reference is not None:
            entry["reference"] = factor.reference
        if factor.ordered:
            entry["ordered"] = True
        if factor.labels:
            entry["labels"] = dict(factor.labels)
        if factor.affected is not None:
            entry["affected"] = list(factor.affected)
        if factor.roles:
            entry["roles"] = dict(factor.roles)
        if factor.not_measured_in:
            entry["not_measured_in"] = {k: list(v) for k, v in factor.not_measured_in.items()}
        factors[name] = entry
    design: dict = {"version": DESIGN_VERSION, "factors": factors}
    if study.combined:
        design["combined"] = {k: dict(v) for k, v in study.combined.items()}
    tables = {t: {"reference": dict(r.reference)} for t, r in study.resources.items() if r.reference}
    if tables:
        design["tables"] = tables
    mapping = {"name": study.name, "title": title or study.title}
    if description:
        mapping["description"] = description
    mapping.update(extra or {})
    mapping["resources"] = resources
    mapping[DESIGN_KEY] = design
    return mapping


def dump_descriptor(mapping: dict, confirm: tuple[str, ...] = ()) -> str:
    """Return *mapping* as YAML text; the guessed facts of a factor in *confirm* are marked to confirm."""
    text = yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None)
    if not confirm:
        return text
    lines, factor = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if line.startswith("    ") and not line.startswith("     ") and stripped.endswith(":"):
            factor = stripped[:-1]
        if factor in confirm and stripped.startswith(("reference:", "ordered:", "affected:")):
            line += "  # guessed by convention: confirm"
        lines.append(line)
    return "\n".join(lines) + "\n"
