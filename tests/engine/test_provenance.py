"""Provenance: annotating executed notebooks, the reproduce and cite boxes, and the book's ledger."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from papermill.cli import _resolve_type
from pybtex.database import parse_string

from helpers.core.hashing import sha256_of
from helpers.core.paths import DATA_DIR, ROOT
from helpers.engine import provenance
from helpers.engine.citation import ChapterCitation, bibtex_entry, load_book_meta
from helpers.engine.provenance import (
    FOOTER_SOURCE,
    annotate_notebook,
    derived_record,
    footer_markdown,
    papermill_command,
    parameters_ran_with,
    read_record,
    write_ledger,
)
from helpers.report.ledger import LEDGER_COLUMNS, LEDGER_KEY, PROVENANCE_COLUMNS
from helpers.report.ledger.files import read_ledger
from helpers.report.ledger.page import (
    LEDGER_END,
    LEDGER_START,
    MARK,
    ExecutedChapter,
    fill_ledger_page,
    ledger_frame,
    unledgered_glue,
)

COMMIT = "0123456789abcdef0123456789abcdef01234567"
PNG = "iVBORw0KGgo="


def _glue_output(name: str, text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "display_data", data={"application/papermill.record/text/plain": text},
        metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}})


def small_executed_notebook(path: Path, results: list[dict] | None = None, glued: dict | None = None) -> Path:
    """An executed chapter in miniature: title, parameters, injected values, a table, a figure, glue."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"region": "motor_cortex"}, "end_time": "2026-03-04T10:00:00"}
    params = nbformat.v4.new_code_cell('data_source = "data"\nregion = "lumbar_spinal_cord"\nalpha = 0.05\nseed = None')
    params.metadata["tags"] = ["parameters"]
    table = nbformat.v4.new_code_cell('lanes = load_table("human_blot", source_dir)\nlanes.head()')
    table.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="read\n"),
        nbformat.v4.new_output("execute_result", data={"text/html": "<table><tr><td>1</td></tr></table>",
                                                       "text/plain": "   a\n0  1"}, execution_count=2),
    ]
    figure = nbformat.v4.new_code_cell("fig = plot(lanes)")
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    ledger = nbformat.v4.new_code_cell("ledger.publish()")
    rows = results if results is not None else [
        {"chapter": "mini", "key": "ratio", "value": 0.5, "ci_low": 0.4, "ci_high": 0.6, "ci_level": 0.95,
         "n": 20, "n_unit": "donors", "unit": "ratio", "method": "OLS", "description": "a ratio"}]
    ledger.outputs = [_glue_output(LEDGER_KEY, repr(json.dumps(rows)))]
    ledger.outputs += [_glue_output(name, text) for name, text in (glued or {}).items()]
    nb.cells = [nbformat.v4.new_markdown_cell("# A small chapter\n\nText."), params, table, figure, ledger,
                nbformat.v4.new_markdown_cell("## Summary")]
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def annotated(tmp_path) -> Path:
    path = small_executed_notebook(tmp_path / "mini.ipynb")
    annotate_notebook(path, chapter="mini", parameters={}, data_source=DATA_DIR, commit=COMMIT)
    return path


def _added(path: Path, kind: str) -> list[tuple[int, str]]:
    nb = nbformat.read(str(path), as_version=4)
    return [(number, o["data"]["text/markdown"]) for number, cell in enumerate(nb.cells, start=1)
            for o in cell.get("outputs", []) if o.get("metadata", {}).get(MARK) == kind]


def test_a_provenance_line_follows_every_figure_and_table(annotated):
    nb = nbformat.read(str(annotated), as_version=4)
    table_outputs = [o["output_type"] for o in nb.cells[2].outputs]
    assert table_outputs == ["stream", "execute_result", "display_data"]
    assert [o.get("metadata", {}).get(MARK) for o in nb.cells[3].outputs] == [None, "provenance"]
    lines = _added(annotated, "provenance")
    assert [n for n, _ in lines] == [3, 4]
    sha = sha256_of(DATA_DIR / "human_blot.csv")
    for number, text in lines:
        assert f"cell {number} of the executed notebook {{download}}`mini.ipynb <mini.ipynb>`" in text
        assert f"`human_blot.csv` `{sha[:12]}`" in text and "simulated example data (seed" in text
        assert "`region=motor_cortex`" in text and "`alpha=0.05`" in text and "`seed not set`" in text
        assert f"commit `{COMMIT[:12]}`" in text
    assert "Provenance of this table" in lines[0][1] and "Provenance of this figure" in lines[1][1]


def test_glue_and_markdown_outputs_get_no_provenance_line(annotated):
    nb = nbformat.read(str(annotated), as_version=4)
    assert [o.get("metadata", {}).get(MARK) for o in nb.cells[4].outputs] == [None]
    assert [c.cell_type for c in nb.cells].count("markdown") == 2


def test_the_chapter_ends_with_the_reproduce_and_cite_boxes(annotated):
    nb = nbformat.read(str(annotated), as_version=4)
    footer = nb.cells[-1]
    assert footer.cell_type == "code" and footer.source == FOOTER_SOURCE
    assert footer.metadata["tags"] == ["remove-input"]
    (_, text), = _added(annotated, "footer")
    assert "::::{admonition} Reproduce this chapter" in text and "::::{admonition} Cite this chapter" in text
    assert f"git checkout {COMMIT[:12]}" in text
    assert "-r region motor_cortex" in text and "-p alpha 0.05" in text and "-p seed None" in text
    assert f"| `human_blot.csv` | `{sha256_of(DATA_DIR / 'human_blot.csv')}` |" in text
    if load_book_meta().published:
        assert f"/blob/{COMMIT}/chapters/mini.ipynb" in text
    else:  # no repository set in _config.yml: no made-up address, and the cite box says so
        assert "source notebook (`chapters/mini.ipynb` in a clone)" in text and "not published yet" in text


def test_the_cite_box_bibtex_parses_and_matches_the_citation_module(annotated):
    (_, text), = _added(annotated, "footer")
    bibtex = text.split("```bibtex\n", 1)[1].split("\n```", 1)[0]
    entry = next(iter(parse_string(bibtex, "bibtex").entries.values()))
    meta = load_book_meta()
    assert entry.fields["title"] == "{A small chapter}" and entry.fields["version"] == meta.version
    assert entry.fields["date"] == meta.date_released  # the release date, not the day the chapter ran
    expected = bibtex_entry(meta, ChapterCitation("mini", "chapters/mini", "A small chapter", COMMIT))
    assert bibtex == expected


def test_annotating_twice_equals_annotating_once(annotated):
    once = annotated.read_text(encoding="utf-8")
    annotate_notebook(annotated, chapter="mini", parameters={}, data_source=DATA_DIR, commit=COMMIT)
    assert annotated.read_text(encoding="utf-8") == once
    annotate_notebook(annotated, chapter="mini", parameters={}, data_source=DATA_DIR, commit="feedbeef" * 5)
    assert len(_added(annotated, "provenance")) == 2 and len(_added(annotated, "footer")) == 1
    assert read_record(annotated)["commit"] == "feedbeef" * 5


def test_the_record_holds_effective_parameters_data_and_commit(annotated):
    record = read_record(annotated)
    assert record["parameters"] == {"data_source": "data", "region": "motor_cortex", "alpha": 0.05, "seed": None}
    assert record["data_files"] == {"human_blot.csv": sha256_of(DATA_DIR / "human_blot.csv")}
    assert (record["commit"], record["docname"], record["title"]) == (COMMIT, "chapters/mini", "A small chapter")


def test_engine_parameters_and_recorded_files_take_precedence(tmp_path):
    path = small_executed_notebook(tmp_path / "mini.ipynb")
    annotate_notebook(path, chapter="mini", parameters={"alpha": 0.1, "data_source": str(DATA_DIR)},
                      data_source=DATA_DIR, commit=COMMIT, data_files={"other.csv": "ab" * 32})
    record = read_record(path)
    assert record["parameters"]["alpha"] == 0.1 and record["parameters"]["data_source"] == "data"
    assert record["data_files"] == {"other.csv": "ab" * 32}


def test_a_seeded_chapter_records_the_simulated_dataset_it_read(tmp_path, monkeypatch):
    fake = tmp_path / "seed-7"
    fake.mkdir()
    (fake / "human_blot.csv").write_text("x\n1\n")
    (fake / "dataset.json").write_text(json.dumps({"simulated": True, "seed": 7}))
    monkeypatch.setattr("helpers.data.simulate.example_data_source", lambda seed: fake)
    path = small_executed_notebook(tmp_path / "mini.ipynb")
    annotate_notebook(path, chapter="mini", parameters={"seed": 7}, data_source=DATA_DIR, commit=COMMIT)
    record = read_record(path)
    assert record["data_source"] == "simulated example data (seed 7)"
    assert record["data_files"] == {"human_blot.csv": sha256_of(fake / "human_blot.csv")}


def test_user_data_are_labelled_as_such(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(DATA_DIR / "human_blot.csv", folder / "human_blot.csv")
    path = small_executed_notebook(tmp_path / "mini.ipynb")
    annotate_notebook(path, chapter="mini", parameters={"data_source": str(folder)}, data_source=folder, commit=COMMIT)
    assert read_record(path)["data_source"].startswith("user-supplied data")
    assert read_record(path)["data"] == "user"


def test_real_data_are_labelled_real_in_the_record_ledger_and_cite_box(tmp_path):
    folder = DATA_DIR / "real" / "boyanova2025"
    path = small_executed_notebook(tmp_path / "mini.ipynb")
    annotate_notebook(path, chapter="mini", parameters={"data_source": str(folder)}, data_source=folder, commit=COMMIT)
    record = read_record(path)
    assert record["data"] == "real" and record["data_source"].startswith("real measurements (data/real/boyanova2025")
    frame = ledger_frame([ExecutedChapter("mini", "chapters/mini", path)])
    assert frame["data"].tolist() == ["real"]
    cite = footer_markdown(record)
    assert "Cite the data as well" in cite and "doi.org/10.1242/dmm.052324" in cite and "CC-BY-SA-4.0" in cite


@pytest.mark.parametrize("params", [
    {"region": "motor cortex", "alpha": 0.05, "seed": None, "n": 3, "flag": True},
    {"label": "1.0", "quote": "it's \"odd\"", "none_text": "None"},
])
def test_the_papermill_command_reproduces_the_parameters_exactly(params):
    words = shlex.split(papermill_command("c", params).replace("\\\n", " "))
    assert words[:3] == [".venv/bin/papermill", "chapters/c.ipynb", "c.executed.ipynb"]
    parsed = {}
    for flag, name, value in zip(words[3::3], words[4::3], words[5::3], strict=True):
        parsed[name] = _resolve_type(value) if flag == "-p" else value
    assert parsed == params
    assert all(type(parsed[k]) is type(v) for k, v in params.items())


def test_parameters_ran_with_layer_defaults_injected_and_given(tmp_path):
    nb = nbformat.read(str(small_executed_notebook(tmp_path / "m.ipynb")), as_version=4)
    assert parameters_ran_with(nb, {"seed": 3}) == {
        "data_source": "data", "region": "motor_cortex", "alpha": 0.05, "seed": 3}


def test_ledger_rows_carry_every_provenance_column(annotated, tmp_path):
    runs = [ExecutedChapter("mini", "chapters/mini", annotated, commit="")]
    frame = ledger_frame(runs)
    assert list(frame.columns) == LEDGER_COLUMNS and len(frame) == 1
    row = frame.iloc[0]
    assert all(str(row[c]) not in ("", "{}") for c in PROVENANCE_COLUMNS)
    assert json.loads(row["parameters"])["region"] == "motor_cortex" and row["commit"] == COMMIT
    assert row["data"] == "simulated" and "Cite the data" not in footer_markdown(read_record(annotated))
    html_dir = tmp_path / "html"
    (html_dir / "chapters").mkdir(parents=True)
    (html_dir / "chapters" / "ledger.html").write_text(f"<main>{LEDGER_START}<p>placeholder</p>{LEDGER_END}</main>")
    write_ledger(runs, html_dir)
    csv = read_ledger(html_dir / "results.csv")
    assert csv.loc[0, "value"] == 0.5 and csv.loc[0, "n"] == 20
    records = json.loads((html_dir / "results.json").read_text())
    assert records[0]["data_files"] == {"human_blot.csv": sha256_of(DATA_DIR / "human_blot.csv")}
    assert records[0]["ci_low"] == 0.4 and records[0]["page"] == "chapters/mini"
    page = (html_dir / "chapters" / "ledger.html").read_text()
    assert "placeholder" not in page and '<a href="mini.html">mini</a>' in page and "<code>ratio</code>" in page
    assert "1 results from 1 chapters" in page


def test_the_ledger_page_must_keep_its_markers(tmp_path):
    frame = pd.DataFrame(columns=LEDGER_COLUMNS)
    assert fill_ledger_page(tmp_path, frame) is False
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "ledger.html").write_text("<main>no markers</main>")
    with pytest.raises(RuntimeError, match="ledger markers"):
        fill_ledger_page(tmp_path, frame)


def test_a_glued_number_missing_from_the_ledger_is_found(tmp_path):
    path = small_executed_notebook(tmp_path / "m.ipynb", glued={"ratio": "0.5", "ratio_text": "'x'", "stray": "3.0",
                                                                 "label": "'words'"})
    assert unledgered_glue(path) == ["stray"]


def test_the_repository_ledger_page_has_the_markers():
    text = (ROOT / "chapters" / "ledger.md").read_text(encoding="utf-8")
    assert LEDGER_START in text and LEDGER_END in text


# --- The real chapter, executed and rendered ------------------------------------------


@pytest.fixture(scope="session")
def executed_chapter(tmp_path_factory) -> Path:
    """chapters/human_tbk1.ipynb executed once by papermill and annotated, in a assembled mini-book."""
    import papermill as pm

    folder = tmp_path_factory.mktemp("folder")
    target = folder / "chapters" / "human_tbk1.ipynb"
    target.parent.mkdir()
    pm.execute_notebook(str(ROOT / "chapters" / "human_tbk1.ipynb"), str(target), kernel_name="python3",
                        cwd=str(ROOT), progress_bar=False)
    annotate_notebook(target, chapter="human_tbk1", parameters={}, data_source=DATA_DIR, commit=COMMIT)
    return target


@pytest.mark.slow
def test_the_executed_chapter_is_annotated_and_its_ledger_complete(executed_chapter):
    nb = nbformat.read(str(executed_chapter), as_version=4)
    shown = sum(provenance.output_kind(o) is not None for c in nb.cells for o in c.get("outputs", [])
                if not o.get("metadata", {}).get(MARK))
    assert shown >= 4 and len(_added(executed_chapter, "provenance")) == shown
    frame = ledger_frame([ExecutedChapter("human_tbk1", "chapters/human_tbk1", executed_chapter, commit="")])
    assert len(frame) >= 4 and "featured_ratio" in set(frame["key"])
    for column in PROVENANCE_COLUMNS:
        assert frame[column].map(lambda v: str(v) not in ("", "{}")).all(), column
    assert json.loads(frame.loc[0, "data_files"]) == {"human_blot.csv": sha256_of(DATA_DIR / "human_blot.csv")}


@pytest.mark.slow
def test_the_annotated_chapter_renders_without_warnings(executed_chapter):
    folder = executed_chapter.parents[1]
    for name in ("intro.md", "references.bib", "CITATION.cff"):
        shutil.copy(ROOT / name, folder / name)
    for name in ("ledger.md", "bibliography.md"):
        shutil.copy(ROOT / "chapters" / name, folder / "chapters" / name)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    (folder / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    toc = {"format": "jb-book", "root": "intro", "chapters": [
        {"file": "chapters/human_tbk1"}, {"file": "chapters/ledger"}, {"file": "chapters/bibliography"}]}
    (folder / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(folder), "--builder", "html", "-W", "-n", "--keep-going"],
                          cwd=folder, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    html_dir = folder / "_build" / "html"
    write_ledger([ExecutedChapter("human_tbk1", "chapters/human_tbk1", executed_chapter, commit=COMMIT)], html_dir)
    page = (html_dir / "chapters" / "human_tbk1.html").read_text(encoding="utf-8")
    assert page.count("Provenance of this") == len(_added(executed_chapter, "provenance"))
    assert "Reproduce this chapter" in page and "Cite this chapter" in page and "@misc" in page
    # Zotero's and Google Scholar's metadata in the head, the citation files beside the page
    head = page.split("</head>", 1)[0]
    assert '<meta name="citation_title" content="' in head and 'application/ld+json' in head
    for name in ("human_tbk1.bib", "human_tbk1.ris", "human_tbk1.csl.json"):
        assert (html_dir / "chapters" / name).is_file() and f'href="{name}" download' in page
    downloads = list((html_dir / "_downloads").rglob("human_tbk1.ipynb"))
    assert len(downloads) == 1 and f'href="../_downloads/{downloads[0].parent.name}/human_tbk1.ipynb"' in page
    downloaded = nbformat.read(str(downloads[0]), as_version=4)
    assert MARK in downloaded.metadata and any(c.get("outputs") for c in downloaded.cells)
    assert (html_dir / "_sources" / "chapters" / "human_tbk1.ipynb").read_bytes() == executed_chapter.read_bytes()
    ledger_page = (html_dir / "chapters" / "ledger.html").read_text(encoding="utf-8")
    assert "featured_ratio" in ledger_page and "filled in by the book" not in ledger_page
    bibliography = (html_dir / "chapters" / "bibliography.html").read_text(encoding="utf-8")
    assert "https://doi.org/10.1073/pnas.2315347120" in bibliography
    assert "bibliography.html#" in (html_dir / "intro.html").read_text(encoding="utf-8")


def test_an_unannotated_notebook_still_gets_its_provenance_in_the_ledger(tmp_path):
    path = small_executed_notebook(tmp_path / "mini.ipynb")
    frame = ledger_frame([ExecutedChapter("mini", "chapters/mini", path, commit=COMMIT)], derive_record=derived_record)
    row = frame.iloc[0]
    assert json.loads(row["data_files"]) == {"human_blot.csv": sha256_of(DATA_DIR / "human_blot.csv")}
    assert json.loads(row["parameters"])["region"] == "motor_cortex" and row["commit"] == COMMIT
    assert row["data_source"].startswith("simulated example data")


def _nb_with_injected(injected: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('region = "lumbar_spinal_cord"\nalpha = 0.05')
    params.metadata["tags"] = ["parameters"]
    cell = nbformat.v4.new_code_cell(injected)
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells = [params, cell]
    return nb


def test_injected_parameters_equal_to_the_defaults_are_hidden():
    nb = _nb_with_injected('# Parameters\nregion = "lumbar_spinal_cord"\nalpha = 0.05\n')
    provenance.present_injected_parameters(nb)
    assert "remove-cell" in nb.cells[1].metadata["tags"]


def test_other_injected_parameters_are_shown_and_labelled():
    nb = _nb_with_injected('# Parameters\nregion = "motor_cortex"\nalpha = 0.05\n')
    provenance.present_injected_parameters(nb)
    provenance.present_injected_parameters(nb)  # idempotent
    cell = nb.cells[1]
    assert "remove-cell" not in cell.metadata["tags"]
    assert cell.source.splitlines() == [provenance.INJECTED_HEADER, 'region = "motor_cortex"', "alpha = 0.05"]
