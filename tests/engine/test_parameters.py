"""Parameter declarations and checks (helpers.engine.parameters): known answers, clear messages, strings never code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers.core.paths import CHAPTERS_DIR, ROOT
from helpers.engine import parameters as P
from helpers.engine.notebooks import chapter_notebooks

RULES = {
    "region": {"type": "str", "allowed": ["lumbar_spinal_cord", "motor_cortex"]},
    "alpha": {"type": "float", "min": 0.001, "max": 0.5},
    "seed": {"type": "int", "nullable": True, "min": 0},
    "verbose": {"type": "bool"},
    "data_source": {"type": "path"},
    "label": {"type": "str"},
}


def _nb(params_source: str) -> dict:
    return {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# T"},
                      {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": params_source,
                       "outputs": [], "execution_count": None}]}


DEFAULTS = ('region = "lumbar_spinal_cord"\nalpha = 0.05\nseed = None\nverbose = False\n'
            'data_source = "data"\nlabel = "x"')


@pytest.mark.parametrize("name, value, expected", [
    ("region", "motor_cortex", "motor_cortex"),
    ("alpha", 0.1, 0.1),
    ("alpha", 0.5, 0.5),  # bounds are inclusive
    ("seed", 3, 3),
    ("seed", None, None),
    ("verbose", True, True),
    ("data_source", "/some/where", "/some/where"),
    ("label", "", ""),
])
def test_valid_values_pass_unchanged(name, value, expected):
    assert P.check_value("ch", name, value, RULES[name]) == (expected, None)


def test_an_integer_for_a_float_becomes_a_float():
    value, problem = P.check_value("ch", "alpha", 0, {"type": "float", "min": 0})
    assert problem is None and isinstance(value, float) and value == 0.0


@pytest.mark.parametrize("name, value, allowed", [
    ("region", "occipital", "one of 'lumbar_spinal_cord', 'motor_cortex'"),
    ("region", 3, "one of 'lumbar_spinal_cord', 'motor_cortex'"),
    ("alpha", "0.05", "a number between 0.001 and 0.5"),
    ("alpha", 0.6, "a number between 0.001 and 0.5"),
    ("alpha", float("nan"), "a number between 0.001 and 0.5"),
    ("alpha", True, "a number between 0.001 and 0.5"),
    ("seed", 1.0, "an integer >= 0, or null (None)"),
    ("seed", -1, "an integer >= 0, or null (None)"),
    ("seed", False, "an integer >= 0, or null (None)"),
    ("verbose", 1, "true or false"),
    ("verbose", None, "true or false"),
    ("data_source", "", "a path (a string)"),
    ("data_source", 5, "a path (a string)"),
])
def test_wrong_values_are_named_with_what_is_allowed(name, value, allowed):
    _, problem = P.check_value("human_tbk1", name, value, RULES[name])
    assert problem.startswith(f"chapter 'human_tbk1', parameter '{name}': got {value!r}")
    assert problem.endswith(f"allowed: {allowed}")


def test_effective_parameters_are_the_defaults_updated_by_overrides():
    values = P.build_parameters("ch", _nb(DEFAULTS), {"ch": RULES}, {"alpha": 0.01, "seed": 4})
    assert values == {"region": "lumbar_spinal_cord", "alpha": 0.01, "seed": 4, "verbose": False,
                      "data_source": "data", "label": "x"}


def test_misspelled_parameter_lists_the_declared_ones():
    with pytest.raises(P.ParameterError) as err:
        P.build_parameters("human_tbk1", _nb(DEFAULTS), {"human_tbk1": RULES}, {"regoin": "motor_cortex"})
    message = str(err.value)
    assert "chapter 'human_tbk1': unknown parameter 'regoin'" in message
    assert "declared parameters: alpha, data_source, label, region, seed, verbose" in message
    assert "nothing executed" in message


def test_every_problem_is_listed_at_once():
    with pytest.raises(P.ParameterError) as err:
        P.build_parameters("ch", _nb(DEFAULTS), {"ch": RULES}, {"alpha": 2, "region": "x", "nope": 1})
    assert len(err.value.problems) == 3


def test_undeclared_chapter_and_mismatched_parameters_cell_fail():
    with pytest.raises(P.ParameterError, match="chapter 'ch' has no entry in chapters/parameters.yml"):
        P.build_parameters("ch", _nb(DEFAULTS), {}, {})
    with pytest.raises(P.ParameterError, match="declared parameter\\(s\\) extra missing from its parameters cell"):
        P.build_parameters("ch", _nb(DEFAULTS), {"ch": {**RULES, "extra": {"type": "int"}}}, {})
    with pytest.raises(P.ParameterError, match="parameter 'alpha': got 0.9.*default in the notebook"):
        P.build_parameters("ch", _nb(DEFAULTS.replace("0.05", "0.9")), {"ch": RULES}, {})
    with pytest.raises(P.ParameterError, match="may hold only `name = literal`"):
        P.build_parameters("ch", _nb("import os\nalpha = 0.05"), {"ch": RULES}, {})


def test_declarations_are_checked_themselves(tmp_path):
    bad = tmp_path / "parameters.yml"
    bad.write_text("ch:\n  parameters:\n    x: {type: string, maximum: 3}\n")
    with pytest.raises(P.ParameterError) as err:
        P.read_declarations(bad)
    assert "type must be one of str, int, float, bool, path (found 'string')" in str(err.value)
    assert "unknown rule key(s) maximum" in str(err.value)


MALICIOUS = [
    "__import__('os').system('touch {tmp}/pwned')",
    '"; __import__(\'os\').system(\'touch {tmp}/pwned\'); "',
    "\\\"\n__import__('os').system('touch {tmp}/pwned')\n#",
    "''' + __import__('os').system('touch {tmp}/pwned') + '''",
    "\" + str(__import__('os').system('touch {tmp}/pwned')) + \"",
]


@pytest.mark.parametrize("template", MALICIOUS)
def test_a_string_parameter_is_injected_as_a_literal_never_as_code(template, tmp_path):
    text = template.format(tmp=tmp_path)
    source = P.injected_source({"label": text, "alpha": 0.05})
    namespace: dict = {}
    exec(compile(source, "<injected>", "exec"), namespace)  # what the kernel would run
    assert namespace["label"] == text and namespace["alpha"] == 0.05
    assert not (tmp_path / "pwned").exists()


def test_a_value_that_would_not_be_injected_as_a_literal_names_its_chapter():
    from helpers.engine.book import check_injection
    from helpers.engine.plan import ChapterPlan

    def chapter(alpha: float) -> ChapterPlan:
        return ChapterPlan("mam_pla", "chapters/mam_pla", Path("mam_pla.ipynb"), {}, {"alpha": alpha}, Path("data"))

    with pytest.raises(P.ParameterError) as err:
        check_injection([chapter(float("nan"))])
    assert "mam_pla: parameter alpha would be injected as float('nan'), which is not a literal" in str(err.value)
    check_injection([chapter(0.05)])  # no error


def test_command_line_values_take_the_declared_type_and_strings_stay_strings():
    assert P.parse_cli_value("0.1", RULES["alpha"]) == 0.1
    assert P.parse_cli_value("None", RULES["seed"]) is None
    assert P.parse_cli_value("7", RULES["seed"]) == 7
    assert P.parse_cli_value("__import__('os')", RULES["label"]) == "__import__('os')"
    assert P.parse_cli_value("7", RULES["label"]) == "7"
    assert P.parse_cli_value("yes", RULES["verbose"]) is True
    assert P.parse_cli_value("maybe", RULES["verbose"]) == "maybe"  # then rejected by the check


def test_canonical_text_ignores_key_order():
    assert P.canonical({"a": 1, "b": "x"}) == P.canonical({"b": "x", "a": 1})


def test_unknown_variant_and_stray_chapters_fail(tmp_path):
    path = tmp_path / "variants.yml"
    path.write_text("v:\n  parameters:\n    ch: {alpha: 0.01}\n    other: {x: 1}\n")
    with pytest.raises(P.ParameterError, match="unknown variant 'w'; variants in variants.yml: v"):
        P.variant_overrides("w", path, ["ch"])
    with pytest.raises(P.ParameterError, match="chapter\\(s\\) other, which neither"):
        P.variant_overrides("v", path, ["ch"])
    # a chapter declared but not (yet) in the book is skipped
    assert P.variant_overrides("v", path, ["ch"], ["ch", "other"]) == {"ch": {"alpha": 0.01}}
    assert P.variant_overrides(None, path, ["ch"]) == {}


def test_the_book_parameters_and_variants_are_all_valid():
    from helpers.core.paths import DATA_DIR
    from helpers.data.study import read_study

    study = read_study(DATA_DIR / "datapackage.yaml")  # the example study's levels
    declarations = P.read_declarations(CHAPTERS_DIR / "parameters.yml").rules
    for nb_path in chapter_notebooks():
        notebook = json.loads(nb_path.read_text(encoding="utf-8"))
        P.build_parameters(nb_path.stem, notebook, declarations, {}, study=study)
        test_variant = P.load_yaml(CHAPTERS_DIR / "parameters.yml")[nb_path.stem].get("test_variant", {})
        P.build_parameters(nb_path.stem, notebook, declarations, test_variant, study=study)
    variants = P.load_variants(CHAPTERS_DIR / "variants.yml")
    assert variants, "chapters/variants.yml defines no variant"
    for name, variant in variants.items():
        assert variant["description"], f"variant {name} has no description"
        for chapter, values in variant["parameters"].items():
            assert chapter in declarations, f"variant {name} names undeclared chapter {chapter}"
            _, problems = P.check_parameters(chapter, values, P.apply_study(declarations[chapter], study)[0])
            assert not problems, problems


def _study_of(folder):
    from helpers.data.study import read_study

    return read_study(folder / "datapackage.yaml")


def test_levels_rules_take_their_values_and_defaults_from_the_study(tmp_path):
    from helpers.core.paths import DATA_DIR
    from helpers.data.study import read_study

    declared = {"tissue": {"type": "str", "levels": "mouse_blot.tissue", "pick": "affected"},
                "stage": {"type": "str", "levels": "mouse_blot.stage", "pick": "last"},
                "genotype": {"type": "str", "levels": "mouse_blot.genotype", "pick": "other"},
                "normalization": {"type": "str", "allowed": ["loading_control", "total_protein", "none"],
                                  "measured": "mouse_blot"}}
    rules, picks = P.apply_study(declared, read_study(DATA_DIR / "datapackage.yaml"))
    assert rules["tissue"]["allowed"] == ["spinal_cord", "motor_cortex", "cerebellum"]
    assert picks == {"tissue": "spinal_cord", "stage": "end_stage", "genotype": "Sigmar1_KO",
                     "normalization": "loading_control"}
    text = (DATA_DIR / "datapackage.yaml").read_text(encoding="utf-8")
    text = text.replace("affected: [spinal_cord, motor_cortex]", "affected: [motor_cortex]")
    (tmp_path / "datapackage.yaml").write_text(text, encoding="utf-8")
    for name in ("mouse_blot.csv",):
        (tmp_path / name).write_bytes((DATA_DIR / name).read_bytes())
    assert P.apply_study(declared, _study_of(tmp_path))[1]["tissue"] == "motor_cortex"


def test_a_parameter_outside_the_studys_levels_is_refused_before_execution(tmp_path):
    from helpers.core.paths import DATA_DIR
    from helpers.data.study import read_study

    notebook = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                           "source": "tissue = None\nnormalization = None\n"}]}
    declared = {"demo": {"tissue": {"type": "str", "levels": "mouse_blot.tissue", "pick": "affected"},
                         "normalization": {"type": "str", "allowed": ["loading_control", "none"],
                                           "measured": "mouse_blot"}}}
    study = read_study(DATA_DIR / "datapackage.yaml")
    assert P.build_parameters("demo", notebook, declared, {}, study=study) == {
        "tissue": "spinal_cord", "normalization": "loading_control"}
    with pytest.raises(P.ParameterError, match=r"parameter 'tissue': got 'brainstem'; allowed: one of 'spinal_cord'"):
        P.build_parameters("demo", notebook, declared, {"tissue": "brainstem"}, study=study)
    path = tmp_path / "parameters.yml"
    path.write_text("demo:\n  parameters:\n    tissue: {type: str, levels: mouse_blot.tissue, pick: middle}\n"
                    "    stage: {type: str, levels: stage}\n")
    with pytest.raises(P.ParameterError) as err:
        P.read_declarations(path)
    assert "`pick` is one of first, last, affected, other or a position 1, 2, ... (found 'middle')" in str(err.value)
    assert "`levels` names a table and a column, e.g. mouse_blot.tissue (found 'stage')" in str(err.value)


def test_a_position_pick_counts_the_levels_compared_with_the_reference(tmp_path):
    from helpers.core.paths import DATA_DIR
    from helpers.data.study import read_study

    notebook = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                           "source": "genotype = None\nstage = None\nlate = None\n"}]}
    declared = {"demo": {"genotype": {"type": "str", "levels": "mouse_blot.genotype", "pick": 2},
                         "stage": {"type": "str", "levels": "mouse_blot.stage", "pick": 2},
                         "late": {"type": "str", "levels": "mouse_blot.stage", "pick": 9}}}
    study = read_study(DATA_DIR / "datapackage.yaml")
    genotypes = study.levels("mouse_blot", "genotype")  # the reference first, then those compared with it
    stages = study.levels("mouse_blot", "stage")  # no reference: every level counts
    assert P.build_parameters("demo", notebook, declared, {}, study=study) == {
        "genotype": genotypes[2], "stage": stages[1], "late": stages[-1]}
    path = tmp_path / "parameters.yml"
    path.write_text("demo:\n  parameters:\n    stage: {type: str, levels: mouse_blot.stage, pick: 0}\n")
    with pytest.raises(P.ParameterError, match="or a position 1, 2, ... \\(found 0\\)"):
        P.read_declarations(path)


def test_a_two_colour_blot_offers_only_the_raw_band_ratio(tmp_path):
    import pandas as pd

    from helpers.core.paths import DATA_DIR
    from helpers.data.describe import draft_text

    table = pd.read_csv(DATA_DIR / "human_blot.csv").drop(
        columns=["ptbk1_loading", "tbk1_loading", "ptbk1_total_protein", "tbk1_total_protein"])
    table.to_csv(tmp_path / "human_blot.csv", index=False)
    (tmp_path / "datapackage.yaml").write_text(draft_text(tmp_path), encoding="utf-8")
    declared = {"normalization": {"type": "str", "allowed": ["loading_control", "total_protein", "none"],
                                  "measured": "human_blot"}}
    rules, picks = P.apply_study(declared, _study_of(tmp_path))
    assert rules["normalization"]["allowed"] == ["none"] and picks == {"normalization": "none"}


def test_a_bundled_data_source_is_not_replaced_by_the_data_option(tmp_path):
    """make book DATA=folder points every chapter at the folder, except one that reads its own bundled data."""
    from helpers.engine.book import Book
    from helpers.engine.plan import make_plan

    shutil.copy(ROOT / "data" / "human_blot.csv", tmp_path / "human_blot.csv")
    plan = make_plan(Book(data_source=tmp_path))
    chapters = {c.name: c for c in plan.chapters}
    assert chapters["real_weight"].parameters["data_source"] == "data/real/boyanova2025"
    assert chapters["human_tbk1"].parameters["data_source"] == str(tmp_path.resolve())
    from helpers.engine.assemble import provenance_note

    assert chapters["real_weight"].data_source == ROOT / "data" / "real" / "boyanova2025"
    assert chapters["human_tbk1"].data_source == tmp_path.resolve()
    assert "Built from: data `data/real/boyanova2025`" in provenance_note(plan, chapters["real_weight"], {})["source"]
