"""Study descriptions: the example study's descriptor, faults in one sentence, a lab's own design."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.core.paths import DATA_DIR
from helpers.data.describe import draft_text
from helpers.data.describe import main as describe_main
from helpers.data.generators.study import TABLE_LEVELS, example_descriptor_text
from helpers.data.study import DESIGN_KEY, StudyError, parse_study, read_study, study_of
from helpers.data.tables import get_specs
from helpers.data.truths import DEFAULT_SEED
from helpers.data.validate import load_table, validate_report

DESCRIPTOR = DATA_DIR / "datapackage.yaml"


def test_the_example_descriptor_is_what_the_generator_writes():
    assert DESCRIPTOR.read_text(encoding="utf-8") == example_descriptor_text(DATA_DIR, DEFAULT_SEED)


def test_the_example_study_gives_each_table_the_levels_the_generator_uses():
    study = read_study(DESCRIPTOR)
    for table, columns in TABLE_LEVELS.items():
        for column, levels in columns.items():
            assert study.levels(table, column) == tuple(levels)
            assert study.spec(table).column(column).allowed == tuple(levels)
    assert study.reference("mouse_blot", "genotype") == "WT"
    assert study.reference("disease_course", "genotype") == "SOD1_G85R"
    assert study.factor("stage").ordered and not study.factor("tissue").ordered
    assert study.factor("tissue").affected == ("spinal_cord", "motor_cortex")
    assert study.factor("fraction").with_role("mam") == ("MAM",)
    assert study.combined == {"SOD1_G85R_Sigmar1_KO": {"SOD1": "SOD1_G85R", "Sigmar1": "Sigmar1_KO"}}


def test_table_specs_fix_no_level_of_the_example_study():
    for spec in get_specs().values():
        for column in spec.columns:
            if column.factor is not None:
                assert column.allowed is None, (spec.name, column.name)
            elif column.allowed is not None:
                assert column.allowed == ("F", "M")  # sex is the book's own convention


def _descriptor() -> dict:
    return yaml.safe_load(DESCRIPTOR.read_text(encoding="utf-8"))


def _field(data: dict, table: str, column: str) -> dict:
    resource = next(r for r in data["resources"] if r["name"] == table)
    return next(f for f in resource["schema"]["fields"] if f["name"] == column)


def _field_list(data: dict, table: str) -> list[dict]:
    return next(r for r in data["resources"] if r["name"] == table)["schema"]["fields"]


def _set(path: str, value):
    def change(data):
        *head, last = path.split(".")
        node = data
        for key in head:
            node = node[int(key)] if key.isdigit() else node[key]
        node[last] = value
    return change


FAULTS = {
    "unknown design property": (_set(f"{DESIGN_KEY}.refrence", "WT"), f"'{DESIGN_KEY}.refrence'", "unknown property"),
    "reference not a level": (_set(f"{DESIGN_KEY}.factors.genotype.reference", "wild_type"),
                              "factors.genotype.reference", "'wild_type' is not among the levels"),
    "unknown factor property": (_set(f"{DESIGN_KEY}.factors.stage.sorted", True), "factors.stage.sorted",
                                "unknown property"),
    "factor of no column": (_set(f"{DESIGN_KEY}.factors.strain", {"levels": ["B6"]}), "factors.strain",
                            "no column of the book's tables holds this factor"),
    "level listed twice": (_set(f"{DESIGN_KEY}.factors.stage.levels", ["onset", "onset"]), "factors.stage.levels",
                           "level 'onset' is listed twice"),
    "ordered not a boolean": (_set(f"{DESIGN_KEY}.factors.stage.ordered", "yes"), "factors.stage.ordered",
                              "expected true or false"),
    "combined names an undeclared genotype": (
        _set(f"{DESIGN_KEY}.combined.SOD1_G85R_Sigmar1_KO", {"SOD1": "SOD1_G85R", "Sigmar1": "Sigmar1_null"}),
        "combined.SOD1_G85R_Sigmar1_KO.Sigmar1", "'Sigmar1_null' is not a declared genotype level"),
    "combined genotype not a level": (_set(f"{DESIGN_KEY}.combined.FUS_TDP", {"a": "WT", "b": "WT"}),
                                      "combined.FUS_TDP", "not a declared genotype level"),
    "affected tissue not a level": (_set(f"{DESIGN_KEY}.factors.tissue.affected", ["brainstem"]),
                                    "factors.tissue.affected", "'brainstem' is not among the levels"),
    "unsupported version": (_set(f"{DESIGN_KEY}.version", 2), f"{DESIGN_KEY}.version", "expected 1"),
    "resource not a book table": (_set("resources.0.name", "western_blot"), "resources[0].name",
                                  "expected one of the book's tables"),
    "resource path outside the folder": (_set("resources.0.path", "../elsewhere/human_blot.csv"),
                                         "resources[0] (human_blot).path", "inside the descriptor's folder"),
    "no design facts": (lambda d: d.pop(DESIGN_KEY), DESIGN_KEY, "design facts"),
    "table fact for an absent table": (_set(f"{DESIGN_KEY}.tables.western_blot", {"reference": {}}),
                                       "tables.western_blot", "not among the descriptor's resources"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_faulty_descriptor_is_refused_in_one_sentence_naming_file_and_property(fault, tmp_path):
    change, where, what = FAULTS[fault]
    data = _descriptor()
    change(data)
    path = tmp_path / "datapackage.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(StudyError) as err:
        read_study(path)
    message = str(err.value)
    assert message.startswith(f"{path}, property '") and where in message and what in message, message
    assert message.count(". ") == 0 and message.endswith("."), message  # one sentence


def test_schema_faults_contradicting_the_book_are_refused(tmp_path):
    cases = [
        (lambda d: _field(d, "mouse_blot", "lane").update(type="string"), "(lane).type",
         "the book fixes this column as int"),
        (lambda d: _field(d, "mouse_blot", "genotype").update(constraints={"enum": ["WT", "SOD1_G93A"]}),
         "(genotype).constraints.enum", "'SOD1_G93A' is not a declared level of genotype"),
        (lambda d: _field(d, "mouse_blot", "sex").update(constraints={"enum": ["female", "male"]}),
         "(sex).constraints.enum", "the book fixes this column's values as F, M"),
        (lambda d: next(r for r in d["resources"] if r["name"] == "mouse_blot")["schema"]["fields"].pop(6),
         "(mouse_blot).schema.fields", "has the column 'lane', which the schema does not list"),
        (lambda d: next(r for r in d["resources"] if r["name"] == "arsenite_motor")["schema"].update(
            fields=[f for f in _field_list(d, "arsenite_motor") if not f["name"].endswith(("_s", "_g"))]),
         "(arsenite_motor).schema.fields", "needs at least one of rotarod_s, grip_g, body_weight_g"),
        (lambda d: next(r for r in d["resources"] if r["name"] == "disease_course")["schema"].update(
            fields=[f for f in _field_list(d, "disease_course") if f["name"] != "onset_observed"]),
         "(disease_course).schema.fields", "'onset_day' comes with 'onset_observed' (onset is recorded whole"),
        (lambda d: next(r for r in d["resources"] if r["name"] == "mouse_blot")["schema"].update(primaryKey=["mouse_id"]),
         "(mouse_blot).schema.primaryKey", "the book keys mouse_blot by mouse_id, tissue"),
    ]
    for change, where, what in cases:
        data = _descriptor()
        change(data)
        with pytest.raises(StudyError, match=re.escape(where) + ".*" + re.escape(what)):
            parse_study(data, tmp_path / "datapackage.yaml")


def test_a_descriptor_that_is_not_yaml_names_its_line(tmp_path):
    path = tmp_path / "datapackage.yaml"
    path.write_text("name: x\nresources: [\n  - oops: {\n", encoding="utf-8")
    with pytest.raises(StudyError, match=r"datapackage.yaml, line \d+: the study description is not valid YAML"):
        read_study(path)
    report = validate_report(tmp_path)
    assert not report.ok and "a usable study description" in report.text()


def _g93a_folder(folder: Path, table: pd.DataFrame) -> Path:
    """A SOD1-G93A lab's folder, no descriptor yet."""
    folder.mkdir()
    table.to_csv(folder / "mouse_blot.csv", index=False)
    return folder


def test_a_sod1_g93a_lab_describes_its_study_and_validates(tmp_path, capsys, sod1_g93a_table):
    folder = _g93a_folder(tmp_path / "g93a", sod1_g93a_table)
    before = validate_report(folder)
    assert not before.ok and "no study description" in before.text()
    assert "found 'SOD1_G93A'; expected one of WT, Sigmar1_KO" in before.text()
    raw = (folder / "mouse_blot.csv").read_bytes()
    assert describe_main([str(folder)]) == 0
    draft = (folder / "datapackage.yaml").read_text(encoding="utf-8")
    assert "reference: WT  # guessed by convention: confirm" in draft
    study = read_study(folder / "datapackage.yaml")
    assert study.factor("genotype").levels == ("WT", "SOD1_G93A")
    assert set(study.levels("mouse_blot", "tissue")) == {"lumbar_spinal_cord", "brainstem"}
    after = validate_report(folder)
    assert after.ok, after.text()
    assert after.study_note is None
    table = load_table("mouse_blot", folder / "datapackage.yaml")  # the descriptor itself is a data source
    assert set(table["genotype"]) == {"WT", "SOD1_G93A"}
    assert (folder / "mouse_blot.csv").read_bytes() == raw  # the lab's table is only read
    assert describe_main([str(folder)]) == 1  # never over an existing descriptor
    assert "exists; nothing written" in capsys.readouterr().err


def test_the_template_workbook_offers_the_studys_own_levels(tmp_path, sod1_g93a_table):
    from openpyxl import load_workbook

    from helpers.data.templates import write_workbook_template

    folder = _g93a_folder(tmp_path / "g93a", sod1_g93a_table)
    (folder / "datapackage.yaml").write_text(draft_text(folder), encoding="utf-8")
    path = write_workbook_template(tmp_path / "out", study=read_study(folder / "datapackage.yaml"))
    book = load_workbook(path)
    assert book.sheetnames == ["README", "mouse_blot"]
    lists = [dv.formula1 for dv in book["mouse_blot"].data_validations.dataValidation if dv.type == "list"]
    assert '"WT,SOD1_G93A"' in lists and '"brainstem,lumbar_spinal_cord"' in lists
    sheet = book["mouse_blot"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("genotype") + 1).value == "WT"  # the example row takes the reference


def test_resources_may_name_files_of_any_name_and_the_descriptor_is_a_source(tmp_path):
    folder = tmp_path / "lab"
    (folder / "blots").mkdir(parents=True)
    shutil.copy(DATA_DIR / "human_blot.csv", folder / "blots" / "autopsy_2024.csv")
    data = _descriptor()
    data["resources"] = [dict(r, path="blots/autopsy_2024.csv") for r in data["resources"] if r["name"] == "human_blot"]
    data[DESIGN_KEY].pop("tables")
    (folder / "study.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report = validate_report(folder / "study.yaml")
    assert report.ok and report.tables == ["human_blot"], report.text()
    pd.testing.assert_frame_equal(load_table("human_blot", folder / "study.yaml"), load_table("human_blot", DATA_DIR))


def test_relabelled_levels_validate_and_load_the_same_values(tmp_path):
    """Every level renamed consistently in the tables and the descriptor: the same tables, renamed."""
    rename = {"WT": "wildtype", "SOD1_G85R": "mSOD1", "spinal_cord": "lumbar_cord", "onset": "symptomatic",
              "control": "healthy", "sALS": "ALS", "vehicle": "water", "MAM": "mam_fraction_pure"}
    folder = tmp_path / "renamed"
    folder.mkdir()
    text = DESCRIPTOR.read_text(encoding="utf-8")
    for old, new in rename.items():
        text = re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, text)
    (folder / "datapackage.yaml").write_text(text, encoding="utf-8")
    specs = get_specs()
    for table in TABLE_LEVELS:
        frame = pd.read_csv(DATA_DIR / specs[table].filename, dtype=str, keep_default_na=False)
        for column in specs[table].factor_columns:
            frame[column] = frame[column].replace(rename)
        frame.to_csv(folder / specs[table].filename, index=False)
    study = read_study(folder / "datapackage.yaml")
    assert study.reference("mouse_blot", "genotype") == "wildtype"
    assert study.factor("fraction").with_role("mam") == ("mam_fraction_pure",)
    report = validate_report(folder)
    assert report.ok, report.text()
    for table in ("mouse_blot", "human_blot", "mam_fraction"):
        ours, theirs = load_table(table, DATA_DIR), load_table(table, folder)
        for column in specs[table].factor_columns:
            ours[column] = ours[column].replace(rename)
        pd.testing.assert_frame_equal(ours, theirs)


def test_a_bare_folder_says_the_example_design_is_assumed(tmp_path):
    shutil.copy(DATA_DIR / "mouse_blot.csv", tmp_path / "mouse_blot.csv")
    report = validate_report(tmp_path)
    assert report.ok
    assert "no study description (datapackage.yaml) found: the example study's levels" in report.text()
    assert study_of(tmp_path).declared is False


TWO_COLOUR_DROPPED = ("ptbk1_loading", "tbk1_loading", "ptbk1_total_protein", "tbk1_total_protein")


@pytest.mark.parametrize("keep_empty_columns", [False, True])
def test_a_two_colour_blot_leaves_out_the_loading_controls(tmp_path, keep_empty_columns):
    """pTBK1 (800 nm) and TBK1 (700 nm) on one membrane: no loading control, no total-protein stain."""
    folder = tmp_path / "licor"
    folder.mkdir()
    table = pd.read_csv(DATA_DIR / "human_blot.csv", dtype=str, keep_default_na=False)
    if keep_empty_columns:
        table[list(TWO_COLOUR_DROPPED)] = ""
    else:
        table = table.drop(columns=list(TWO_COLOUR_DROPPED))
    table.to_csv(folder / "human_blot.csv", index=False)
    before = validate_report(folder).text()  # without a description, all six bands are expected
    assert ("column 'ptbk1_loading': found ''" if keep_empty_columns else "a column named 'ptbk1_loading'") in before
    assert describe_main([str(folder)]) == 0
    study = read_study(folder / "datapackage.yaml")
    assert study.measured("human_blot") == ()
    assert "ptbk1_loading" not in study.spec("human_blot").column_names
    report = validate_report(folder)
    assert report.ok, report.text()
    loaded = load_table("human_blot", folder)
    assert list(loaded.columns) == [c for c in get_specs()["human_blot"].column_names if c not in TWO_COLOUR_DROPPED]
    notes = [str(c) for c in report.corrections]
    assert (len(notes) == 4 and "empty column of a measurement the study did not make" in notes[0]) == keep_empty_columns


def test_a_motor_table_with_body_weight_alone(tmp_path):
    folder = tmp_path / "weights"
    folder.mkdir()
    table = pd.read_csv(DATA_DIR / "arsenite_motor.csv").drop(columns=["rotarod_s", "grip_g"])
    table.to_csv(folder / "arsenite_motor.csv", index=False)
    assert describe_main([str(folder)]) == 0
    assert read_study(folder / "datapackage.yaml").measured("arsenite_motor") == ("body_weight_g",)
    assert validate_report(folder).ok
    assert list(load_table("arsenite_motor", folder).columns)[-1] == "body_weight_g"
