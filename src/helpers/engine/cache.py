"""The execution cache: keys, entries, the kernels' read logs and the scheduling hints.

A cached executed notebook is reused only if nothing the chapter depends on
changed: its code cells and execution tags, its parameters, the pinned
environment (``requirements.txt``, the Python version, the kernel programs) —
together the *static key* — and every data file it read and every module of the
watched packages it imported, recorded while it ran (:mod:`helpers.engine.kernel`)
and checked against their hashes at lookup. Markdown cells are not part of the
key: a prose edit re-renders without re-executing. An entry is written with
``os.replace``, notebook first and entry last, so a killed build leaves the cache
consistent.
"""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from helpers.core.files import atomic_write
from helpers.core.hashing import Hasher, sha256_bytes, sha256_text
from helpers.engine.book import Book, display_path
from helpers.engine.kernel import source_text
from helpers.engine.notebooks import cell_source
from helpers.engine.plan import ChapterPlan

#: Bump when the cache entry format or what is stored in a cached notebook changes.
ENGINE_VERSION = "5"
#: Files whose content pins the environment a chapter executes in.
ENVIRONMENT_FILES = ("requirements.txt",)
#: Code-cell tags that change how a cell executes (other tags only change how it renders).
EXECUTION_TAGS = ("parameters", "raises-exception", "skip-execution")
KERNEL_NAME = "python3"
#: How many entries of one chapter the cache keeps (variants each have their own).
KEEP_ENTRIES = 12


@dataclass(frozen=True)
class CacheEntry:
    """One cached execution of a chapter: what it depended on and when it ran (stored as JSON)."""

    chapter: str
    docname: str
    key: str  # the static key (:func:`static_key`)
    parameters: dict
    deps: dict  # {"files": {path: sha256}, "modules": {path: sha256}}
    data_files: dict  # {file name: sha256} of the data it read
    executed_at: str
    seconds: float
    commit: str
    engine: str = ENGINE_VERSION
    notebook_sha256: str = ""
    notebook: Path | None = field(default=None, compare=False)  # where the cached notebook is (not stored)

    @classmethod
    def from_json(cls, text: str, notebook: Path) -> CacheEntry | None:
        """The entry stored as *text* (None if it is not a complete entry of this engine version)."""
        try:
            data = json.loads(text)
            names = {f for f in cls.__dataclass_fields__ if f != "notebook"}
            return cls(**{k: v for k, v in data.items() if k in names}, notebook=notebook)
        except (json.JSONDecodeError, TypeError):
            return None

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k != "notebook"}
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def environment_key(book: Book) -> str:
    """Hash of the pinned environment: the requirement files, the Python and the kernel programs."""
    kernel = source_text("sitecustomize.py")
    if book.zygote:
        kernel += source_text("book_zygote.py") + source_text("book_kernel.py") + ",".join(book.preload)
    parts = [sys.version, platform.machine(), KERNEL_NAME, sha256_text(kernel)]
    for name in ENVIRONMENT_FILES:
        path = book.root / name
        parts.append(f"{name}:{sha256_bytes(path.read_bytes()) if path.is_file() else 'absent'}")
    return sha256_text(*parts)


def static_key(book: Book, chapter: ChapterPlan, env_key: str) -> str:
    """Key of what is known before execution: code cells, execution tags, parameters, environment."""
    code = []
    for cell in chapter.notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            tags = sorted(t for t in cell.get("metadata", {}).get("tags", []) if t in EXECUTION_TAGS)
            code.append([cell_source(cell), tags])
    payload = {"engine": ENGINE_VERSION, "chapter": chapter.docname, "code": code,
               "parameters": chapter.parameters, "environment": env_key, "packages": sorted(book.packages)}
    return sha256_text(json.dumps(payload, sort_keys=True, ensure_ascii=False))


def entry_paths(book: Book, docname: str, key: str) -> tuple[Path, Path]:
    """``(entry JSON, executed notebook)`` of the cache entry of chapter *docname* under *key*."""
    folder = book.cache_dir / docname.replace("/", "__")
    return folder / f"{key}.json", folder / f"{key}.ipynb"


def deps_current(book: Book, deps: dict, hasher: Hasher) -> bool:
    """True if every recorded dependency still has the recorded hash."""
    for path, digest in deps.get("files", {}).items():
        if hasher(book.root / path) != digest:
            return False
    return all(hasher(book.root / m) == digest for m, digest in deps.get("modules", {}).items())


def lookup(book: Book, docname: str, key: str, hasher: Hasher) -> CacheEntry | None:
    """Return the cache entry of chapter *docname* under *key* if it is complete and every dependency is unchanged."""
    entry_path, nb_path = entry_paths(book, docname, key)
    try:
        entry = CacheEntry.from_json(entry_path.read_text(encoding="utf-8"), nb_path)
    except FileNotFoundError:
        return None
    if entry is None or entry.engine != ENGINE_VERSION or hasher(nb_path) != entry.notebook_sha256:
        return None
    return entry if deps_current(book, entry.deps, hasher) else None


def store(book: Book, entry: CacheEntry, executed: Path) -> CacheEntry:
    """Put an executed notebook and its *entry* in the cache (the entry, written last, commits it); return it."""
    entry_path, nb_path = entry_paths(book, entry.docname, entry.key)
    data = executed.read_bytes()
    atomic_write(nb_path, data)
    entry = replace(entry, engine=ENGINE_VERSION, notebook_sha256=sha256_bytes(data), notebook=nb_path)
    atomic_write(entry_path, entry.to_json().encode())
    prune(entry_path.parent)
    return entry


def prune(folder: Path, keep: int = KEEP_ENTRIES) -> None:
    """Keep the *keep* most recent entries of one chapter."""
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".ipynb").unlink(missing_ok=True)


def relative(book: Book, path: str) -> str:
    """A recorded path, relative to the book's root when inside it (so a moved book keeps its cache)."""
    try:
        return Path(path).relative_to(book.root).as_posix()
    except ValueError:
        return path


def read_log(book: Book, log: Path, hasher: Hasher) -> dict | None:
    """Turn a kernel's read log into ``{"files": {path: sha}, "modules": {path: sha}}`` (None if absent)."""
    if not log.is_file():
        return None
    lines = [line.split("\t", 1) for line in log.read_text(encoding="utf-8").splitlines() if "\t" in line]
    if not any(kind == "start" for kind, _ in lines):
        return None
    files = {relative(book, value): hasher(value) for kind, value in lines if kind == "file"}
    modules = {relative(book, value): hasher(value) for kind, value in lines if kind == "module"}
    return {"files": dict(sorted(files.items())), "modules": dict(sorted(modules.items()))}


def data_file_names(book: Book, chapter: ChapterPlan, deps: dict) -> dict:
    """``{file name: sha256}`` of the data files a chapter read (names relative to their data source).

    A file of the chapter's own data source (:attr:`ChapterPlan.data_source`) or of the
    build's is named by its file name; any other by its path.
    """
    sources = (chapter.data_source.resolve(), book.data_source)
    names = {}
    for path, digest in deps.get("files", {}).items():
        path = book.root / path
        if path.parent in sources or path in sources:
            names[path.name] = digest
        else:
            names[display_path(path, book.root)] = digest
    return names


def timing_hints(book: Book) -> dict:
    """Seconds each chapter last took to execute (only to start the longest first; not a cache)."""
    try:
        return json.loads((book.root / "_build" / ".timings.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def record_timings(book: Book, seconds: dict) -> None:
    """Remember how long each chapter of *seconds* took (``{docname: seconds}``)."""
    hints = {**timing_hints(book), **{k: round(v, 2) for k, v in seconds.items()}}
    atomic_write(book.root / "_build" / ".timings.json", json.dumps(hints, sort_keys=True).encode())

