"""The corpus of study designs: each simulated from its own truths, built, and checked against them.

Every design of :mod:`helpers.simstudies.corpus` is written to its own folder
(tables from the project's generator, a descriptor drafted from them and
confirmed), read by the engine before anything executes, and each chapter the
engine builds from it that reads its tables is executed (papermill, the
engine's resolved parameters). The chapters' intervals (ledger rows with
``ci_low``/``ci_high``) are compared with the design's true values: the count
containing the truth must reach the 0.1% quantile of Binomial(k, 0.95), per
chapter and over the whole corpus.

Which chapters are built follows ``chapters/parameters.yml``: a chapter whose
tables the design holds is built unless it is marked ``design: example`` (it
then gets a not-built page); when another change generalizes such a chapter
and removes the mark, this test builds it and checks its truths too.
"""

from __future__ import annotations

import json
from pathlib import Path

import papermill as pm
import pytest
import yaml

from helpers.core.paths import CHAPTERS_DIR, ROOT
from helpers.data.study import study_of
from helpers.data.validate import validate_directory
from helpers.engine.book import Book
from helpers.engine.plan import make_plan
from helpers.engine.selection import missing_tables
from helpers.report.ledger.files import read_notebook_results
from helpers.simstudies import corpus

ENTRIES = yaml.safe_load((CHAPTERS_DIR / "parameters.yml").read_text(encoding="utf-8"))
DESIGNS = {d.name: d for d in corpus.DESIGNS}


def _reads(entry: dict) -> list[str]:
    tables = entry.get("tables") or {}
    return [*tables.get("required", []), *tables.get("optional", [])]


def expected_chapters(d: corpus.Design) -> set[str]:
    """The chapters reading *d*'s tables that parameters.yml says are built from it."""
    return {name for name, entry in ENTRIES.items()
            if set(_reads(entry or {})) & set(d.tables)
            and not missing_tables({k: (entry["tables"].get(k) or []) for k in ("required", "optional")}, set(d.tables))
            and (entry or {}).get("design") != "example"}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("corpus")
    return {name: corpus.write_design(d, root / name) for name, d in DESIGNS.items()}


def test_the_corpus_holds_at_least_eight_designs_each_its_own():
    assert len(corpus.DESIGNS) >= 8 and len(DESIGNS) == len(corpus.DESIGNS)
    for d in corpus.DESIGNS:
        assert d.truths and d.title


def test_the_example_data_are_what_the_generators_give_without_a_design():
    """The generators take levels from the truth; with the example's truths the tables stay byte-identical."""
    import hashlib

    from helpers.core.paths import DATA_DIR
    from helpers.data.simulate import FLOAT_FORMAT, simulate_table
    from helpers.data.tables import example_specs
    from helpers.data.truths import DEFAULT_SEED

    sums = dict(line.split()[::-1] for line in (DATA_DIR / "SHA256SUMS").read_text().splitlines())
    for spec in example_specs().values():
        text = simulate_table(spec, DEFAULT_SEED).to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        assert hashlib.sha256(text.encode()).hexdigest() == sums[spec.filename], spec.filename


@pytest.mark.parametrize("name", list(DESIGNS))
def test_each_design_validates_and_the_engine_builds_the_chapters_parameters_yml_says(written, name):
    d, folder = DESIGNS[name], written[name]
    assert validate_directory(folder) == []
    study = study_of(folder)
    assert study.declared and study.name == f"corpus-{name}"
    chapters = make_plan(Book(data_source=folder)).chapters
    built = {c.name for c in chapters if not c.skipped and set(_reads(ENTRIES.get(c.name) or {})) & set(d.tables)}
    assert built == expected_chapters(d)
    for c in chapters:  # a chapter marked design: example whose tables are here gets the reason on its page
        if (ENTRIES.get(c.name) or {}).get("design") == "example" and not c.missing:
            assert "still reads only the example study's design" in c.design_note


def test_the_designs_are_the_issue_s(written):
    """The designs the issue names, each recognisable from its tables and description."""
    levels = {name: {f: set(fac.levels) for f, fac in study_of(folder).factors.items()}
              for name, folder in written.items()}
    assert {"WT", "SOD1_G93A"} == levels["sod1_g93a"]["genotype"]
    assert {"lumbar_spinal_cord", "brainstem"} == levels["sod1_g93a"]["tissue"]
    assert len(levels["sod1_g93a"]["stage"]) == 3 and len(levels["tdp43_q331k"]["stage"]) == 1
    assert len(levels["sigmar1_allelic"]["genotype"]) == 3 and not study_of(written["sigmar1_allelic"]).combined
    assert study_of(written["tdp43_tbk1"]).combined == {
        "TDP43_Q331K_Tbk1_het": {"Tardbp": "TDP43_Q331K", "Tbk1": "Tbk1_het"}}
    assert levels["human_four_groups"]["group"] == {"control", "sALS", "fALS", "C9orf72_ALS"}
    assert {"ACSL4", "IP3R3", "VDAC1"} <= levels["fraction_markers"]["protein"]
    assert levels["mg132_stressor"]["treatment"] == {"DMSO", "MG132"}
    two = study_of(written["two_colour"])
    assert two.normalizations("mouse_blot") == ("none",)
    assert study_of(written["course_end_stage"]).choices("disease_course") == ("end_stage",)
    assert study_of(written["body_weight_only"]).measured("arsenite_motor") == ("body_weight_g",)


def test_coverage_floor_is_the_binomial_quantile():
    from scipy import stats

    for k in (1, 3, 10, 40):
        floor = corpus.coverage_floor(k)
        assert stats.binom.cdf(floor - 1, k, 0.95) < 0.001 <= stats.binom.cdf(floor, k, 0.95)


def test_a_check_counts_misses_and_refuses_an_interval_without_a_truth(written):
    d = DESIGNS["course_end_stage"]
    folder = written["course_end_stage"]
    study = study_of(folder)
    hr = corpus.true_values(d, "disease_course", study, {"endpoint": "end_stage"})["hr_TDP43_Q331K_Tbk1_het"]
    assert hr == pytest.approx((340 / 315) ** 16)  # Weibull shape 16: HR = (median ratio) ** shape
    rows = [{"key": "hr_TDP43_Q331K_Tbk1_het", "ci_low": hr * 0.9, "ci_high": hr * 1.1},
            {"key": "median_TDP43_Q331K", "ci_low": 100.0, "ci_high": 200.0},  # misses 340
            {"key": "n_mice", "ci_low": None, "ci_high": None}]
    check = corpus.check_results(d, "disease_course", study, {"endpoint": "end_stage"}, rows)
    assert (check.inside, check.total, check.outside) == (1, 2, ("median_TDP43_Q331K",))
    with pytest.raises(KeyError, match="no true value for the ledger key 'hr_other'"):
        corpus.check_results(d, "disease_course", study, {"endpoint": "end_stage"},
                             [{"key": "hr_other", "ci_low": 1.0, "ci_high": 2.0}])


def _execute(tmp_path: Path, chapter: str, parameters: dict) -> tuple[str, list[dict]]:
    """Run *chapter* with the engine's parameters; return its Markdown outputs and its ledger rows."""
    out = tmp_path / f"{chapter}.ipynb"
    pm.execute_notebook(str(CHAPTERS_DIR / f"{chapter}.ipynb"), str(out), cwd=str(ROOT), parameters=parameters,
                        progress_bar=False)
    nb = json.loads(out.read_text(encoding="utf-8"))
    stderr = ["".join(o["text"]) for c in nb["cells"] for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert not stderr, f"{chapter} wrote to stderr (the book's render refuses such a page): {stderr[0][:300]}"
    shown = "\n".join("".join(o["data"]["text/markdown"]) for c in nb["cells"] for o in c.get("outputs", [])
                      if "text/markdown" in o.get("data", {}))
    return shown, read_notebook_results(out)


#: The factor whose levels a chapter compares (its page names each compared level).
COMPARED = {"mouse_tbk1": ("mouse_blot", "genotype"), "human_tbk1": ("human_blot", "group"),
            "arsenite_challenge": ("arsenite_motor", "genotype"), "disease_course": ("disease_course", "genotype")}


CHECKS: list[corpus.Check] = []
#: Chapters this test executes for some designs only, to keep it near five minutes on two cores (each notebook
#: costs ~15 s, most of it the kernel): design_next_experiment records no interval without a PLA table (none in
#: the corpus), and synthesis none with fewer than three strata, so the others add page checks, not truths.
#: ``make corpus`` builds every chapter from every design and checks every ledger.
SUBSET = {"design_next_experiment": {"sod1_g93a", "human_four_groups"},
          "synthesis": {"tdp43_tbk1", "human_four_groups"}}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DESIGNS))
def test_each_design_builds_and_its_intervals_contain_its_truths(written, tmp_path, name):
    d, folder = DESIGNS[name], written[name]
    study = study_of(folder)
    chapters = {c.name: c for c in make_plan(Book(data_source=folder)).chapters}
    for chapter in sorted(expected_chapters(d)):
        if name not in SUBSET.get(chapter, {name}):
            continue
        shown, rows = _execute(tmp_path, chapter, chapters[chapter].parameters)
        assert "Simulated data of another study design" in shown and "User-supplied" not in shown
        table, column = COMPARED.get(chapter, (None, None))
        if table in d.tables:  # the page names the study's own levels
            factor = study.factor(study.spec(table).factor_columns[column])
            for level in factor.others:
                assert factor.label(level) in shown, (name, chapter, level)
        if chapter not in corpus.TRUE_VALUES:
            pytest.fail(f"{chapter} is built from the corpus design {name}, but the corpus knows no true value of its "
                        "results: add it to helpers.simstudies.corpus.TRUE_VALUES")
        check = corpus.check_results(d, chapter, study, chapters[chapter].parameters, rows)
        CHECKS.append(check)
        # no interval only where the corpus says the chapter records none for this design (fewer than three
        # synthesis strata; the design chapter without a PLA table): its truths are then empty
        assert check.total >= 1 or not corpus.true_values(d, chapter, study, chapters[chapter].parameters), (
            name, chapter)
        assert check.passed, (f"{name}/{chapter}: {check.inside} of {check.total} intervals contain the truth "
                              f"(floor {check.floor}); missed: {', '.join(check.outside)}")


@pytest.mark.slow
def test_over_the_whole_corpus_the_intervals_cover_as_their_level_says():
    if not CHECKS:
        pytest.fail("run with the per-design builds (test_each_design_builds_and_its_intervals_contain_its_truths)")
    inside, total = sum(c.inside for c in CHECKS), sum(c.total for c in CHECKS)
    for c in CHECKS:  # shown with -s (or on failure)
        print(f"{c.design}/{c.chapter}: {c.inside} of {c.total} (floor {c.floor}) {' '.join(c.outside)}")
    print(f"pooled: {inside} of {total} (floor {corpus.coverage_floor(total)})")
    assert total >= 20
    assert inside >= corpus.coverage_floor(total), f"{inside} of {total} intervals contain the truth"


def test_a_pooled_synthesis_truth_is_a_weighted_mean_of_its_strata_truths(written):
    """The pooled ratios' truths lie within their strata's truths; the motor pool is the headline's."""
    import math

    d, folder = DESIGNS["human_four_groups"], written["human_four_groups"]
    parameters = {c.name: c.parameters for c in make_plan(Book(data_source=folder)).chapters}["synthesis"]
    values = corpus.true_values(d, "synthesis", study_of(folder), parameters)
    truth = d.truths["human_blot"]
    strata = [math.exp(truth.effect(g, r)) for r in truth.regions for g in truth.group_levels[1:]]
    assert {"tbk1_all_ratio", "tbk1_motor_ratio", "tbk1_headline_ratio", "tbk1_headline_wald"} <= set(values)
    assert min(strata) < values["tbk1_all_ratio"] < max(strata)
    assert values["tbk1_headline_ratio"] == values["tbk1_headline_wald"] == values["tbk1_motor_ratio"]
    few = DESIGNS["sod1_g93a"]  # one genotype, two tissues: two strata, no pool, no interval
    folder = written["sod1_g93a"]
    parameters = {c.name: c.parameters for c in make_plan(Book(data_source=folder)).chapters}["synthesis"]
    assert corpus.true_values(few, "synthesis", study_of(folder), parameters) == {}


def test_a_random_gel_specification_with_one_gel_is_ordinary_least_squares():
    """One gel has no gel variance to estimate (the corpus's tdp43_q331k blots): the fit is OLS, said in note."""
    import numpy as np
    import pandas as pd
    import statsmodels.formula.api as smf

    from helpers.analysis.robustness import fit_mixed_term

    rng = np.random.default_rng(1)
    data = pd.DataFrame({"group": ["a"] * 6 + ["b"] * 6, "gel_id": "G1"})
    data["y"] = (data["group"] == "b") * -0.4 + rng.normal(0, 0.2, 12)
    out = fit_mixed_term(data, "y ~ group", "gel_id", "group[T.b]", 0.05, 12)
    ols = smf.ols("y ~ group", data=data).fit()
    assert out["estimate"] == pytest.approx(ols.params["group[T.b]"])
    assert out["se"] == pytest.approx(ols.bse["group[T.b]"]) and "one gel_id" in out["note"]
