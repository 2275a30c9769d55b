"""Chapter parameters: declarations, defaults, checks and named variants.

Every chapter declares its parameters in ``chapters/parameters.yml``::

    human_tbk1:
      parameters:
        region: {type: str, allowed: [lumbar_spinal_cord, motor_cortex]}
        alpha: {type: float, min: 0.001, max: 0.5}
        seed: {type: int, nullable: true, min: 0}
      test_variant: {region: motor_cortex}

Types are ``str``, ``int``, ``float``, ``bool`` and ``path`` (a string naming a
file or folder). ``allowed`` lists the values a parameter may take, ``min`` and
``max`` bound numbers, ``nullable: true`` admits ``None``. ``bundled: true`` on a
chapter's ``data_source`` says the chapter reads its own bundled folder (the real
measurements of ``data/real/``): ``make book DATA=...`` does not replace it.

Parameters that name a level of the study take their allowed values from the
data source's study description (:mod:`helpers.data.study`), not from this file::

    mouse_tbk1:
      parameters:
        tissue: {type: str, levels: mouse_blot.tissue, pick: affected}
        normalization: {type: str, allowed: [loading_control, total_protein, none], measured: mouse_blot}

``levels: table.column`` admits the levels the study declares for that column
(and the values of an ``allowed`` list beside it, e.g. ``all`` for every tissue);
a notebook default of ``None`` is replaced, before anything executes, by the
level ``pick`` names (``first``, ``last``, ``affected`` (the first level the
disease strikes), ``other`` (the first level that is not the reference)), or a
position ``n`` (the n-th level compared with the reference, the last when there
are fewer; :meth:`helpers.data.study.Study.pick`).
``measured: table`` keeps, of the ``allowed`` values, those the study
measured: a blot's normalizations (a two-colour blot has no loading control),
another table's measurement columns (a motor table with body weight alone);
``None`` takes the first of them. (:func:`apply_study`)

The build engine (:mod:`helpers.engine.build`) checks every value it is about to pass
*before any chapter executes*: an unknown name, a wrong type or a disallowed
value raises :class:`ParameterError`, whose message names the chapter, the
parameter and what is allowed. Values reach the kernel as Python literals
(papermill writes ``name = "text"``); :func:`injected_source` re-parses what
papermill would inject and refuses anything that is not a plain literal
assignment of exactly the checked value, so a string is never executed as code.

Named parameter sets for the whole book (``make book VARIANT=name``) live in
``chapters/variants.yml``; see :func:`variant_overrides`.
"""

from __future__ import annotations

import ast
import json
import math
from dataclasses import dataclass
from pathlib import Path

from helpers.core.files import load_yaml as parse_yaml
from helpers.engine.notebooks import cell_source

TYPES = ("str", "int", "float", "bool", "path")
RULE_KEYS = {"type", "allowed", "min", "max", "nullable", "description", "levels", "pick", "measured", "bundled"}
PICKS = ("first", "last", "affected", "other")


class ParameterError(ValueError):
    """One or more chapter parameters are wrong; raised before anything executes."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        listing = "\n  ".join(self.problems)
        super().__init__(f"{len(self.problems)} parameter problem(s), nothing executed:\n  {listing}")


# --------------------------------------------------------------------------- declarations


def load_yaml(path: Path) -> dict:
    """Return the mapping in a YAML file (empty if the file is absent or empty)."""
    path = Path(path)
    if not path.is_file():
        return {}
    data = parse_yaml(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ParameterError([f"{path.name}: expected a mapping at the top level, found {type(data).__name__}"])
    return data


def apply_study(declared: dict, study) -> tuple[dict, dict]:
    """Return (rules with the study's allowed values, ``{parameter: value picked for a None default}``).

    *declared* is one chapter's ``{parameter: rule}``; *study* the data source's
    :class:`helpers.data.study.Study`. A rule whose table or column the study does
    not describe (its chapter is not built from this source) admits None.
    """
    rules, picks = {}, {}
    for name, rule in declared.items():
        rule = dict(rule)
        if rule.get("levels"):
            table, column = str(rule["levels"]).split(".", 1)
            try:
                levels = study.levels(table, column)
            except Exception:  # the study declares no such factor: no value can be checked or picked
                levels = ()
            if levels:  # an `allowed` list beside `levels` names values admitted besides the levels (e.g. all)
                rule["allowed"] = [*(rule.get("allowed") or []), *levels]
                picks[name] = study.pick(table, column, rule.get("pick", "first"))
            else:  # a table the study does not hold: its chapter is not built, nothing to pick
                rule["nullable"] = True
        if rule.get("measured"):
            made = study.choices(str(rule["measured"]))
            rule["allowed"] = [v for v in rule.get("allowed") or made if v in made]
            if rule["allowed"]:
                picks[name] = rule["allowed"][0]
        rules[name] = rule
    return rules, picks


def _is_position(how: object) -> bool:
    """True if a ``pick`` is a position (1 for the first level).

    >>> _is_position(2), _is_position("first"), _is_position(0), _is_position(True)
    (True, False, False, False)
    """
    return isinstance(how, int) and not isinstance(how, bool) and how >= 1


@dataclass(frozen=True)
class Declarations:
    """What ``chapters/parameters.yml`` declares, read once per build (:func:`read_declarations`)."""

    rules: dict[str, dict]  # {chapter: {parameter: rule}}
    tables: dict[str, dict[str, list[str]]]  # {chapter: {"required": [...], "optional": [...]}}, if declared
    designs: dict[str, str]  # {chapter: "example"} for a chapter that reads only the example study's design


def read_declarations(path: Path) -> Declarations:
    """Read ``parameters.yml`` (the one place it is read) and check its rules and table lists.

    Raises :class:`ParameterError` naming every faulty entry at once.
    """
    path = Path(path)
    raw = load_yaml(path)
    rules, problems = check_rules(raw, path.name)
    tables, found = check_table_needs(raw, path.name)
    if problems + found:
        raise ParameterError(problems + found)
    designs = {str(c): str(e["design"]) for c, e in raw.items() if (e or {}).get("design")}
    return Declarations(rules, tables, designs)


def check_rules(raw: dict, filename: str) -> tuple[dict[str, dict], list[str]]:
    """Return ``({chapter: {parameter: rule}}, problems)`` of the parsed declarations *raw*."""
    problems = []
    declarations: dict[str, dict] = {}
    for chapter, entry in raw.items():
        params = (entry or {}).get("parameters") or {}
        for name, rule in params.items():
            rule = rule or {}
            unknown = set(rule) - RULE_KEYS
            where = f"{filename}: chapter '{chapter}', parameter '{name}'"
            if rule.get("type") not in TYPES:
                problems.append(f"{where}: type must be one of {', '.join(TYPES)} (found {rule.get('type')!r})")
            if unknown:
                problems.append(f"{where}: unknown rule key(s) {', '.join(sorted(unknown))}; "
                                f"rules are {', '.join(sorted(RULE_KEYS))}")
            if rule.get("levels") is not None and "." not in str(rule["levels"]):
                problems.append(f"{where}: `levels` names a table and a column, e.g. mouse_blot.tissue "
                                f"(found {rule['levels']!r})")
            if rule.get("pick", "first") not in PICKS and not _is_position(rule["pick"]):
                problems.append(f"{where}: `pick` is one of {', '.join(PICKS)} or a position 1, 2, ... "
                                f"(found {rule['pick']!r})")
        declarations[str(chapter)] = {str(k): dict(v or {}) for k, v in params.items()}
    return declarations, problems


def check_table_needs(raw: dict, filename: str) -> tuple[dict[str, dict[str, list[str]]], list[str]]:
    """Return ``({chapter: {"required": [...], "optional": [...]}}, problems)`` for chapters declaring ``tables``."""
    needs, problems = {}, []
    for chapter, entry in raw.items():
        tables = (entry or {}).get("tables")
        if tables is None:
            continue
        unknown = set(tables) - {"required", "optional"} if isinstance(tables, dict) else {"(not a mapping)"}
        if unknown:
            problems.append(f"{filename}: chapter '{chapter}': `tables` takes `required` and `optional` "
                            f"lists (found {', '.join(sorted(unknown))})")
            continue
        needs[str(chapter)] = {k: [str(t) for t in tables.get(k) or []] for k in ("required", "optional")}
    return needs, problems


def literal_assignments(source: str, chapter: str = "", what: str = "the parameters cell") -> dict:
    r"""Return ``{name: value}`` of a cell made only of ``name = literal`` lines; raise :class:`ParameterError`.

    >>> literal_assignments("# Parameters\nalpha = 0.05\nregion = 'motor_cortex'")
    {'alpha': 0.05, 'region': 'motor_cortex'}
    """
    where = f"chapter '{chapter}': " if chapter else ""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise ParameterError([f"{where}{what} is not valid Python ({err})"]) from err
    values = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise ParameterError([f"{where}{what} may hold only `name = literal` lines "
                                  f"(line {node.lineno} does not)"])
        try:
            values[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError as err:
            raise ParameterError([f"{where}parameter '{node.targets[0].id}' has a default that is "
                                  "not a literal"]) from err
    return values


def default_parameters(notebook: dict, chapter: str = "") -> dict:
    """Return the defaults assigned in the notebook's ``parameters``-tagged cell (the one parser of it)."""
    cells = [c for c in notebook.get("cells", []) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return {}
    if len(cells) > 1:
        raise ParameterError([f"chapter '{chapter}': {len(cells)} cells are tagged 'parameters'; expected one"])
    return literal_assignments(cell_source(cells[0]), chapter)


# --------------------------------------------------------------------------- checks


def describe_rule(rule: dict) -> str:
    """Return what a rule admits, in words, e.g. ``a float between 0.001 and 0.5``."""
    kind = rule.get("type")
    if rule.get("allowed") is not None:
        text = "one of " + ", ".join(repr(v) for v in rule["allowed"])
    else:
        text = {"str": "a string", "path": "a path (a string)", "int": "an integer", "float": "a number",
                "bool": "true or false"}.get(kind, f"a {kind}")
        if rule.get("min") is not None and rule.get("max") is not None:
            text += f" between {rule['min']} and {rule['max']}"
        elif rule.get("min") is not None:
            text += f" >= {rule['min']}"
        elif rule.get("max") is not None:
            text += f" <= {rule['max']}"
    if rule.get("nullable"):
        text += ", or null (None)"
    return text


def check_value(chapter: str, name: str, value: object, rule: dict) -> tuple[object, str | None]:
    """Return ``(normalized value, problem or None)`` for one parameter value against its rule."""
    where = f"chapter '{chapter}', parameter '{name}'"
    expected = describe_rule(rule)
    if value is None:
        return (None, None) if rule.get("nullable") else (None, f"{where}: got None; allowed: {expected}")
    kind = rule["type"]
    if kind in ("str", "path"):
        ok = isinstance(value, str) and (kind == "str" or (value.strip() and "\x00" not in value))
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, bool)
    if not ok:
        return value, f"{where}: got {value!r} ({type(value).__name__}); allowed: {expected}"
    if rule.get("allowed") is not None and value not in rule["allowed"]:
        return value, f"{where}: got {value!r}; allowed: {expected}"
    if kind in ("int", "float"):
        if (rule.get("min") is not None and value < rule["min"]) or (
            rule.get("max") is not None and value > rule["max"]
        ):
            return value, f"{where}: got {value!r}; allowed: {expected}"
    return value, None


def check_parameters(chapter: str, values: dict, declared: dict, *, source: str = "") -> tuple[dict, list[str]]:
    """Check *values* against the chapter's declarations; return (normalized values, problems)."""
    problems = []
    normalized = {}
    origin = f" ({source})" if source else ""
    for name, value in values.items():
        if name not in declared:
            names = ", ".join(sorted(declared)) or "(none declared)"
            problems.append(f"chapter '{chapter}': unknown parameter '{name}'{origin}; declared parameters: {names}")
            continue
        normalized[name], problem = check_value(chapter, name, value, declared[name])
        if problem:
            problems.append(problem + origin)
    return normalized, problems


def build_parameters(chapter: str, notebook: dict, declarations: dict, overrides: dict, study=None) -> dict:
    """Return the values a build passes to *chapter*: its checked defaults updated with the checked *overrides*.

    With *study*, rules tied to the study (``levels``, ``measured``) take their
    allowed values from it, and a ``None`` default becomes the level it picks
    (:func:`apply_study`). Raises :class:`ParameterError` (every problem at once)
    before anything executes.
    """
    if chapter not in declarations:
        raise ParameterError([f"chapter '{chapter}' has no entry in chapters/parameters.yml; declare its "
                              "parameters (an empty `parameters: {}` if it has none)"])
    declared = declarations[chapter]
    defaults = default_parameters(notebook, chapter)
    if study is not None:
        declared, picks = apply_study(declared, study)
        defaults = {k: (picks.get(k) if v is None and k in picks else v) for k, v in defaults.items()}
    problems = []
    missing = sorted(set(declared) - set(defaults))
    extra = sorted(set(defaults) - set(declared))
    if missing:
        problems.append(f"chapter '{chapter}': declared parameter(s) {', '.join(missing)} missing from its "
                        "parameters cell")
    if extra:
        problems.append(f"chapter '{chapter}': parameter(s) {', '.join(extra)} in its parameters cell are not "
                        "declared in chapters/parameters.yml")
    base, found = check_parameters(chapter, defaults, declared, source="default in the notebook")
    problems += found
    given, found = check_parameters(chapter, overrides, declared, source="requested for this build")
    problems += found
    if problems:
        raise ParameterError(problems)
    return {**base, **given}


def parse_parameter_options(options: list[str], declarations: dict) -> dict:
    """Turn ``chapter.name=value`` options into ``{chapter: {name: value}}`` typed by the *declarations*."""
    result: dict[str, dict] = {}
    problems = []
    for option in options or []:
        target, sep, text = option.partition("=")
        chapter, dot, name = target.partition(".")
        if not sep or not dot:
            problems.append(f"-p {option!r}: expected chapter.parameter=value")
            continue
        rule = declarations.get(chapter, {}).get(name, {"type": "str"})
        result.setdefault(chapter, {})[name] = parse_cli_value(text, rule)
    if problems:
        raise ParameterError(problems)
    return result


def parse_cli_value(text: str, rule: dict) -> object:
    """Turn a command-line string into a value of the declared type (strings stay strings, never code)."""
    if rule.get("nullable") and text in ("None", "null", "~"):
        return None
    kind = rule.get("type")
    if kind in ("str", "path"):
        return text
    if kind == "bool":
        lowered = text.lower()
        return True if lowered in ("true", "1", "yes") else False if lowered in ("false", "0", "no") else text
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        return text


# --------------------------------------------------------------------------- injection safety


def injected_source(parameters: dict) -> str:
    """Return the code papermill will inject for *parameters*, after proving it is literals only.

    The source is produced by papermill's own Python translator, parsed back,
    and every statement must be ``name = <literal>`` whose value equals the
    value given (strings compare equal character for character). Anything else
    raises :class:`ParameterError`.
    """
    from papermill.translators import translate_parameters

    source = translate_parameters("python", "# Parameters", parameters, comment="# Parameters")
    seen = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise ParameterError([f"injected parameters would contain a statement that is not an assignment: "
                                  f"{ast.unparse(node)[:80]!r}"])
        try:
            seen[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            raise ParameterError([f"parameter {node.targets[0].id} would be injected as "
                                  f"{ast.unparse(node.value)[:80]}, which is not a literal value "
                                  f"(a finite number, text, true/false or a list of these)"]) from None
    if canonical(seen) != canonical(parameters):
        raise ParameterError(["injected parameters would not reproduce the checked values exactly"])
    return source


def canonical(parameters: dict) -> str:
    """Return a canonical JSON text of parameter values (for cache keys and comparisons)."""
    return json.dumps(parameters, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------- variants


def load_variants(path: Path) -> dict[str, dict]:
    """Return ``{variant: {"description": str, "parameters": {chapter: {name: value}}}}``."""
    raw = load_yaml(path)
    variants = {}
    for name, entry in raw.items():
        entry = entry or {}
        unknown = set(entry) - {"description", "parameters"}
        if unknown:
            raise ParameterError([f"{Path(path).name}: variant '{name}': unknown key(s) "
                                  f"{', '.join(sorted(unknown))}; use `description` and `parameters`"])
        variants[str(name)] = {"description": entry.get("description", ""),
                               "parameters": {str(k): dict(v or {}) for k, v in (entry.get("parameters") or {}).items()}}
    return variants


def variant_overrides(name: str | None, path: Path, chapters: list[str], declared: list[str] = ()) -> dict[str, dict]:
    """Return the per-chapter overrides of variant *name* (``{}`` for none); unknown names fail clearly.

    A chapter named by the variant must be in the book (*chapters*) or at least
    declared in ``parameters.yml`` (*declared*: a chapter not yet in the table of
    contents is skipped); anything else is a typo and fails.
    """
    if not name:
        return {}
    variants = load_variants(path)
    if name not in variants:
        known = ", ".join(sorted(variants)) or "(none defined)"
        raise ParameterError([f"unknown variant '{name}'; variants in {Path(path).name}: {known}"])
    overrides = variants[name]["parameters"]
    stray = sorted(set(overrides) - set(chapters) - set(declared))
    if stray:
        raise ParameterError([f"variant '{name}' sets parameters of chapter(s) {', '.join(stray)}, which neither "
                              f"the table of contents nor parameters.yml lists; chapters: {', '.join(chapters)}"])
    return {chapter: values for chapter, values in overrides.items() if chapter in chapters}
