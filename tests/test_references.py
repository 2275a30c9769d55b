"""No word that points nowhere: every ``helpers.…`` name and repository path the project names exists.

The texts read: the chapters (Markdown and code cells), every Markdown file in the
repository (READMEs, CONTRIBUTING, intro, ...), the configuration (``pyproject.toml``,
``_config.yml``, ``_toc.yml``, ``Makefile``, ``chapters/*.yml``, the CI files, ...) and
the docstrings and comments of ``src/`` and ``tests/``.

A *dotted name* ``helpers.a.b.f`` resolves when its longest module prefix is a module
of ``src/helpers`` and every further part is a top-level name of that module (a
function, class, assignment or import; read with :mod:`ast`, nothing is imported)
or a member of such a class. An ``import`` or ``from helpers… import`` in a chapter's
code is checked the same way, without running the chapter.

A *path* is a word that starts with a folder of the repository (``src/``, ``tests/``,
``chapters/``, ``data/``, ``reference/``, ``templates/``, ``.ci/``, ``.github/``) or
with a layer of the package (``core/``, ``stats/``, ``analysis/``, ``report/``,
``simstudies/``, ``build/``: CONTRIBUTING's short form of ``src/helpers/<layer>/``).
It resolves against the repository root or ``src/helpers``; ``<name>`` and ``{name}``
stand for any name, ``*`` is a glob, a path without suffix may name a notebook or page.
Words in texts that describe a temporary tree (a test's tiny book) are exempted in
:data:`ELSEWHERE`, each with its reason.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from helpers.core.paths import ROOT
from helpers.engine.cli import COMMANDS

PACKAGE = ROOT / "src" / "helpers"

#: Configuration read as plain text (besides every tracked Markdown file and the chapters).
CONFIG_FILES = ("pyproject.toml", "_config.yml", "_toc.yml", "Makefile", "chapters/parameters.yml",
                "chapters/variants.yml", "environment.yml", "requirements.in", ".pre-commit-config.yaml",
                ".github/workflows/book.yml", ".ci/run", "CITATION.cff", ".gitignore")

#: Folders a path may start with: the repository's own, and the package's layers (relative to src/helpers).
REPO_DIRS = ("src", "tests", "chapters", "data", "reference", "templates", ".ci", ".github")
LAYER_DIRS = ("core", "stats", "analysis", "report", "simstudies", "engine")

DOTTED = re.compile(r"(?<![\w./-])helpers(?:\.[A-Za-z_]\w*)+")
#: ``make <target>`` written as a command: in inline code, or a line of a shell block
#: (``make book   # comment``, ``make validate DATA=dir``).
TARGET = re.compile(r"`make ([a-z][\w-]*)|^\s*(?:\$ )?make ([a-z][\w-]*)(?=\s*(?:#|$|[A-Z]+=|-))")
#: ``python -m helpers <command>``.
COMMAND = re.compile(r"python -m helpers ([a-z][\w-]*)")
FOLDERS = "|".join(re.escape(d) for d in REPO_DIRS + LAYER_DIRS)
PATH = re.compile(r"(?<![\w./<>{}$-])(?:" + FOLDERS + r")/[\w./*<>{}-]*")

#: ``(file or folder, word)``: words that name something outside this repository's tree, and why.
ELSEWHERE = {
    ("tests/engine/", "data/a.csv"): "a file of the engine tests' temporary tiny book (tests/engine/conftest.py)",
    ("tests/engine/", "data/b.csv"): "a file of the engine tests' temporary tiny book (tests/engine/conftest.py)",
}
#: This file names made-up modules on purpose (to show and test the resolver): it is not read.
SELF = "tests/test_references.py"

#: ``(file, word)`` of dangling words in files other helpers are editing while this test lands:
#: the lead applies the fix given here after merging, then deletes the line. Empty this list.
PENDING: dict = {}


@dataclass(frozen=True)
class Word:
    """A name or path found in a text: where, and what."""

    file: str  # relative to the repository root
    line: int
    kind: str  # "name" or "path"
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind} `{self.text}`"


# --------------------------------------------------------------------------- the texts


def tracked(*patterns: str) -> list[str]:
    """The files git tracks that match *patterns* (the repository's texts, not its build products)."""
    out = subprocess.run(["git", "ls-files", "--", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if "tests/data/fixtures/" not in line]


#: A comment: a whole line, or after code and two spaces (PEP 8), so a ``#`` inside a string is no comment.
COMMENT = re.compile(r"^\s*#.*|(?<=\S  )#.*")


def python_text(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of a Python file's docstrings (module, classes, functions) and comments."""
    source = path.read_text(encoding="utf-8")
    texts = []
    bodies = [ast.parse(source)]
    while bodies:
        node = bodies.pop()
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            texts.append((body[0].lineno, without_examples(body[0].value.value)))
        bodies += [n for n in body if isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)]
    for number, line in enumerate(source.splitlines(), start=1):
        if "#" in line and (match := COMMENT.search(line)):
            texts.append((number, match.group()))
    return texts


def without_examples(docstring: str) -> str:
    """A docstring with its doctest examples blanked (pytest runs them: their words are checked by running).

    >>> without_examples("Text.\\n\\n>>> f('chapters/a')\\n'chapters/a.html'\\n\\nMore.")
    'Text.\\n\\n\\n\\n\\nMore.'
    """
    lines, example = [], False
    for line in docstring.split("\n"):
        stripped = line.strip()
        example = stripped.startswith(">>>") or (example and stripped != "")
        lines.append("" if example else line)
    return "\n".join(lines)


def notebook_text(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of every cell, the line counted in the notebook's JSON file (where an editor finds it)."""
    raw = path.read_text(encoding="utf-8")
    texts = []
    for cell in json.loads(raw)["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        first = source.splitlines()[0] if source else ""
        at = raw.find(json.dumps(first, ensure_ascii=False)[1:-1]) if first else -1
        texts.append((raw.count("\n", 0, at) + 1 if at >= 0 else 1, source))
    return texts


@cache
def texts() -> dict[str, list[tuple[int, str]]]:
    """``{file: [(first line, text), ...]}`` of every text this test reads."""
    found = {}
    for name in tracked("*.md", *CONFIG_FILES):
        found[name] = [(1, (ROOT / name).read_text(encoding="utf-8"))]
    for name in tracked("chapters/*.ipynb"):
        found[name] = notebook_text(ROOT / name)
    for name in tracked("src/*.py", "tests/*.py"):
        if name != SELF:
            found[name] = python_text(ROOT / name)
    return found


@cache
def words() -> list[Word]:
    """Every dotted ``helpers`` name and repository path in :func:`texts`, with its line."""
    found = []
    for name, parts in texts().items():
        for first, text in parts:
            for number, line in enumerate(text.splitlines(), start=first):
                found += [Word(name, number, "name", m.group()) for m in DOTTED.finditer(line)]
                found += [Word(name, number, "path", clean_path(m.group())) for m in PATH.finditer(line)]
                found += [Word(name, number, "target", m.group(1) or m.group(2)) for m in TARGET.finditer(line)]
                found += [Word(name, number, "command", m.group(1)) for m in COMMAND.finditer(line)]
    return found


def clean_path(text: str) -> str:
    """A path as written, without the sentence's punctuation after it."""
    return text.rstrip(".,:;)")


# --------------------------------------------------------------------------- resolving


@cache
def module_names(path: Path) -> frozenset[str]:
    """Top-level names a module defines or imports (and ``Class.member`` for its classes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                names |= {f"{node.name}.{n}" for n in class_members(node)}
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return frozenset(names)


def class_members(node: ast.ClassDef) -> set[str]:
    """Methods, class attributes and dataclass fields of a class."""
    members = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            members.add(item.name)
        elif isinstance(item, ast.Assign):
            members |= {t.id for t in item.targets if isinstance(t, ast.Name)}
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            members.add(item.target.id)
    return members


def module_file(parts: list[str]) -> Path | None:
    """The file of module ``helpers.<parts>`` (its ``__init__.py`` for a package), or None."""
    base = PACKAGE.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return base if base.is_dir() else None  # a folder of modules that is no package (build/kernel)


def name_exists(dotted: str) -> bool:
    """True if ``helpers.a.b[.attr[.member]]`` names a module and, after it, names it defines.

    >>> name_exists("helpers.core.paths.ROOT"), name_exists("helpers.core.paths.NOWHERE")
    (True, False)
    >>> name_exists("helpers.stats.intervals.Effect"), name_exists("helpers.pla")
    (True, False)
    """
    parts = dotted.split(".")[1:]
    for cut in range(len(parts), -1, -1):
        path = module_file(parts[:cut])
        if path is None:
            continue
        rest = parts[cut:]
        if not rest or rest[0].startswith("__"):
            return True
        if path.is_dir():
            return False
        return ".".join(rest[:2]) in module_names(path) or (len(rest) == 1 and rest[0] in module_names(path))
    return False


def path_exists(text: str, file: str) -> bool:
    """True if a path word resolves (see the module's docstring).

    >>> path_exists("src/helpers/core/paths.py", "README.md"), path_exists("tests/<layer>/test_<module>.py", "x")
    (True, True)
    >>> path_exists("engine/cli.py", "CONTRIBUTING.md"), path_exists("src/helpers/pla.py", "x")
    (True, False)
    """
    pattern = re.sub(r"<[^>]*>|\{[^}]*\}", "*", text.rstrip("/"))
    for base in (ROOT, PACKAGE, (ROOT / file).parent):
        if any(base.glob(pattern)) if "*" in pattern else (base / pattern).exists():
            return True
        if "." not in Path(pattern).name and any(base.glob(pattern + ".*")):
            return True  # a docname (_toc.yml, {doc}) or a module named without its suffix
    return False


@cache
def make_targets() -> frozenset[str]:
    """The Makefile's targets."""
    return frozenset(re.findall(r"^([a-zA-Z][\w-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))


def dangling(word: Word) -> bool:
    """True if *word* points nowhere (and is not exempted in :data:`ELSEWHERE`)."""
    if any(word.file.startswith(place) and word.text == text for place, text in ELSEWHERE):
        return False
    if word.kind == "target":
        return word.text not in make_targets()
    if word.kind == "command":
        return word.text not in COMMANDS
    return not (name_exists(word.text) if word.kind == "name" else path_exists(word.text, word.file))


def chapter_imports() -> list[Word]:
    """``from helpers.x import y`` and ``import helpers.x`` in chapter code, as dotted names."""
    found = []
    for name in tracked("chapters/*.ipynb"):
        nb = json.loads((ROOT / name).read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "helpers":
                    found += [Word(name, 0, "name", f"{node.module}.{a.name}") for a in node.names]
                elif isinstance(node, ast.Import):
                    found += [Word(name, 0, "name", a.name) for a in node.names if a.name.startswith("helpers.")]
    return found


# --------------------------------------------------------------------------- the tests


def test_the_scan_finds_the_words_it_is_meant_to_find():
    """The scan reads every kind of text: a known word from each (so a broken reader cannot pass silently)."""
    seen = {(w.file, w.text) for w in words()}
    for expected in [("README.md", "src/helpers/data/truths.py"),  # Markdown
                     ("CONTRIBUTING.md", "helpers.data.validate.load_table"),
                     ("Makefile", "tests/data/test_fuzz.py"),  # configuration
                     ("Makefile", "book"), ("README.md", "validate"),  # make targets, commands
                     ("chapters/parameters.yml", "helpers.simstudies.calibration.ESTIMATORS"),
                     ("src/helpers/engine/build.py", "helpers.engine.selection"),  # a docstring
                     ("src/helpers/engine/book.py", "helpers.engine.zygote")]:  # a comment
        assert expected in seen, expected
    assert any(w.file.startswith("chapters/") and w.file.endswith(".ipynb") for w in words())


def test_the_resolver_refuses_what_does_not_exist():
    assert dangling(Word("README.md", 1, "name", "helpers.data.simulate.example_data_source")) is False
    assert dangling(Word("README.md", 1, "name", "helpers.data.simulate.no_such_function")) is True
    assert dangling(Word("README.md", 1, "name", "helpers.data.study.Study.levels")) is False
    assert dangling(Word("README.md", 1, "name", "helpers.data.study.Study.nothing")) is True
    assert dangling(Word("README.md", 1, "path", "data/README.md")) is False
    assert dangling(Word("README.md", 1, "path", "src/helpers/simulate.py")) is True
    assert dangling(Word("CONTRIBUTING.md", 1, "path", "data/tables/<name>.py")) is False  # in src/helpers
    assert dangling(Word("CONTRIBUTING.md", 1, "path", "data/tables/<name>.txt")) is True


def report(found: list[Word]) -> str:
    return "\n  ".join(str(w) for w in found)


def test_every_named_module_function_and_path_exists():
    """No word in the repository's texts points nowhere (except those pending in :data:`PENDING`)."""
    every = [w for w in words() + chapter_imports() if dangling(w)]
    pending = [w for w in every if (w.file, w.text) in PENDING]
    if pending:
        warnings.warn(f"{len(pending)} word(s) still point nowhere, fix pending (PENDING in tests/test_references.py):"
                      "\n  " + "\n  ".join(f"{w} -> `{PENDING[(w.file, w.text)]}`" for w in pending), stacklevel=1)
    found = [w for w in every if (w.file, w.text) not in PENDING]
    assert not found, f"{len(found)} word(s) point nowhere:\n  {report(found)}"


def test_the_pending_fixes_are_still_needed_and_right():
    """Each pending word still dangles (else delete its line) and its replacement exists."""
    present = {(w.file, w.text): w for w in words()}
    stale = [key for key in PENDING if key not in present]
    assert not stale, f"fixed already, delete from PENDING: {stale}"
    for (file, text), fix in PENDING.items():
        kind = present[(file, text)].kind
        assert dangling(present[(file, text)])
        assert not dangling(Word(file, 0, kind, fix)), f"{fix} (for {file}) does not exist either"


@pytest.mark.parametrize("place, text", sorted(ELSEWHERE))
def test_the_exemptions_are_still_used(place, text):
    assert any(w.file.startswith(place) and w.text == text for w in words()), \
        f"{text} no longer appears in {place}: delete it from ELSEWHERE"
