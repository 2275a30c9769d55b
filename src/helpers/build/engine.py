"""Build the book: execute the chapters (cached, in parallel), then render with Jupyter Book.

``python -m helpers book [--data DIR] [--variant NAME] [-p chapter.name=value]``
(what ``make book`` runs):

1. reads the chapters from ``_toc.yml`` and their declared parameters from
   ``chapters/parameters.yml`` (plus a named set from ``chapters/variants.yml``);
   every value is checked **before anything executes** (:mod:`helpers.build.parameters`);
2. validates the data folder against the table schemas (remembered per content);
3. looks every chapter up in the execution cache (``_build/.cache``). A cached
   executed notebook is reused only if nothing the chapter depends on changed:
   its code cells, its parameters, the pinned environment (``requirements.txt``
   and the Python version), every data file it read and every module of the
   ``helpers`` package it imported — the last two are recorded while the chapter
   runs, by an audit hook in the kernel (see :data:`KERNEL_SITE`), so a file read
   through any helper or any ``seed``-generated dataset counts. Markdown cells
   are not part of the key: a prose edit re-renders without re-executing;
4. executes the others with papermill, up to one kernel per CPU core at a time,
   the longest first (by their last duration). Each kernel is forked from a
   pre-started "zygote" that has imported the heavy third-party libraries once
   (:data:`ZYGOTE_PRELOAD`; never a ``helpers`` module), which saves a few
   seconds of imports per chapter; ``--no-zygote`` starts plain kernels. A
   failed chapter is reported with its failing cell and never cached; cache
   entries are written with ``os.replace``, so a killed build leaves the cache
   consistent;
5. stages the book in ``<out>/.stage`` (executed notebooks with today's Markdown,
   a "Built from" note on every page, an *Execution status* appendix) with
   execution off. If the staged sources are identical to those of the published
   book, nothing is rendered (a no-op rebuild takes about a second); otherwise
   ``jupyter-book build -W -n --keep-going`` renders them (incrementally);
6. writes the results ledger and publishes ``<out>/html`` atomically, only
   after every step succeeded, so a failing or killed build leaves the last
   good book intact.

The default book is published to ``_build/html``; a build on another data folder
to ``_build/data/<folder>-<hash>/html``, a named variant to
``_build/variants/<name>/html``, so variants never touch the default book.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import inspect
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from helpers.build import parameters as P
from helpers.core.files import atomic_write
from helpers.core.git import git_commit
from helpers.core.hashing import Hasher, package_fingerprint, sha256_bytes, sha256_text
from helpers.core.paths import BUILD_DIR, ROOT, resolve_data_dir

#: Bump when the cache entry format or what is stored in a cached notebook changes.
ENGINE_VERSION = "4"
#: Book sources copied into the staging folder besides the notebooks and the pages listed in the TOC.
BOOK_FILES = ("_config.yml", "_toc.yml", "intro.md", "references.bib", "CITATION.cff")
BOOK_DIRS = ("_static", "_templates", "images", "figures")
#: Files whose content pins the environment a chapter executes in.
ENVIRONMENT_FILES = ("requirements.txt",)
#: Docname of the generated execution-status page (staged only, never in the repository).
STATUS_DOC = "execution_status"
#: Code-cell tags that change how a cell executes (other tags only change how it renders).
EXECUTION_TAGS = ("parameters", "raises-exception", "skip-execution")
KERNEL_NAME = "python3"

#: ``sitecustomize`` for the chapter kernels: records, into the file named by
#: ``HELPERS_BOOK_READ_LOG``, every file opened for reading under the data roots
#: and every module file of the watched packages executed (the audit event
#: ``exec`` sees modules imported by ``import`` and by ``importlib``). A file a helper only
#: checksums (``sha256_of``, for the data banner) is not an input of the results
#: and is not recorded. Nothing happens when the variable is unset.
KERNEL_SITE = r'''
import os as _os
import sys as _sys

def _helpers_book_recorder():
    log = _os.environ.get("HELPERS_BOOK_READ_LOG")
    if not log:
        return
    sep = _os.pathsep
    roots = tuple(_os.path.join(_os.path.abspath(r), "") for r in
                  _os.environ.get("HELPERS_BOOK_DATA_ROOTS", "").split(sep) if r)
    pkg_dirs = tuple(_os.path.join(_os.path.abspath(r), "") for r in
                     _os.environ.get("HELPERS_BOOK_PACKAGE_DIRS", "").split(sep) if r)
    seen = set()
    busy = []

    def emit(kind, value):
        if (kind, value) in seen:
            return
        seen.add((kind, value))
        fd = _os.open(log, _os.O_WRONLY | _os.O_APPEND | _os.O_CREAT, 0o644)
        try:
            _os.write(fd, (kind + "\t" + value + "\n").encode("utf-8", "surrogateescape"))
        finally:
            _os.close(fd)

    def checksum_only():
        frame = _sys._getframe(2)
        for _ in range(10):
            if frame is None:
                return False
            if frame.f_code.co_name == "sha256_of":
                return True
            frame = frame.f_back
        return False

    def hook(event, args):
        if busy:
            return
        busy.append(1)
        try:
            if event == "open":
                path, mode, flags = args[0], args[1], args[2]
                if isinstance(path, int):
                    return
                reading = ("r" in mode or "+" in mode) if isinstance(mode, str) else (
                    (flags & 3) != _os.O_WRONLY)
                if not reading:
                    return
                path = _os.path.abspath(_os.fsdecode(path))
                if path.startswith(roots) or (path.startswith(pkg_dirs) and not path.endswith((".py", ".pyc"))):
                    if _os.path.isfile(path) and not checksum_only():
                        emit("file", path)
            elif event == "exec":
                path = getattr(args[0], "co_filename", "")
                if path.endswith(".py") and path.startswith(pkg_dirs):
                    emit("module", _os.path.abspath(path))
        except Exception:
            pass
        finally:
            busy.pop()

    emit("start", str(_os.getpid()))
    _sys.addaudithook(hook)

_helpers_book_recorder()
del _helpers_book_recorder
'''


#: Third-party modules a pre-started "zygote" process imports once; each chapter kernel is
#: forked from it, so no chapter pays their import time again. No module of the watched
#: packages (``helpers``) is ever imported there, so every helper a chapter uses is still
#: executed, and recorded, in its own kernel. The zygote imports with the environment
#: ipykernel gives a kernel (``MPLBACKEND`` inline; ``get_ipython()`` answering as a kernel),
#: so import-time choices (pandas' display width, matplotlib's backend) are a kernel's.
ZYGOTE_PRELOAD = ("numpy", "pandas", "scipy.stats", "scipy.optimize", "statsmodels.api", "statsmodels.formula.api",
                  "pandera.pandas", "lifelines", "yaml", "nbformat", "IPython", "ipykernel.kernelapp",
                  "matplotlib", "matplotlib.pyplot", "seaborn")

#: The zygote server: imports :data:`ZYGOTE_PRELOAD`, then forks one ipykernel per request
#: (single-threaded, so forking is safe); each child takes the client's stdio, environment
#: and working folder, starts the read recorder and exits when its client goes away.
ZYGOTE_SERVER = r"""
import importlib, json, os, select, signal, socket, sys, threading

def child(request, fds, conn, site_file, script_dir):
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def watch():  # the client is the kernel process jupyter_client knows: die with it
        try:
            while conn.recv(1):
                pass
        except OSError:
            pass
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()  # fresh entropy, as in a newly started process
    code = compile(open(site_file, encoding="utf-8").read(), site_file, "exec")
    exec(code, {"__name__": "sitecustomize"})
    while script_dir in sys.path:
        sys.path.remove(script_dir)
    # as when launched directly: the kernel knows its parent (here the zygote) and stays quiet
    argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
    sys.argv = ["ipykernel_launcher", *argv]
    from ipykernel.kernelapp import IPKernelApp
    IPKernelApp.launch_instance(argv=argv)
    os._exit(0)

def read_exact(conn, size):
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data

class _KernelShell:  # what get_ipython() returns in a kernel, as far as import-time checks look
    kernel = True

def main(sock_path, site_file, preload):
    import builtins
    builtins.get_ipython = _KernelShell  # so pandas picks its in-a-kernel display defaults
    for name in preload.split(","):
        try:
            importlib.import_module(name)
        except Exception:
            pass
    del builtins.get_ipython
    script_dir = os.path.dirname(os.path.abspath(__file__))
    parent = os.getppid()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(sock_path)
    server.listen(64)
    print("ready", flush=True)
    children = {}
    while True:
        ready, _, _ = select.select([server], [], [], 0.2)
        if os.getppid() != parent:
            os._exit(0)
        if ready:
            conn, _ = server.accept()
            try:
                header, fds, _, _ = socket.recv_fds(conn, 16, 3)
                header += read_exact(conn, 16 - len(header))
                request = json.loads(read_exact(conn, int(header)))
            except (OSError, EOFError, ValueError):
                conn.close()
                continue
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                try:
                    server.close()
                    child(request, fds, conn, site_file, script_dir)
                finally:
                    os._exit(1)
            for fd in fds:
                os.close(fd)
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            children[pid] = conn
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is not None:
                try:
                    conn.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
                except OSError:
                    pass
                conn.close()

main(*sys.argv[1:4])
"""

#: What jupyter_client starts as "the kernel" when the zygote is used: it asks the
#: server for a forked kernel, forwards signals to it and exits with its status.
ZYGOTE_CLIENT = r"""
import json, os, signal, socket, sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(os.environ["HELPERS_BOOK_ZYGOTE"])
payload = json.dumps({"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}).encode()
socket.send_fds(sock, [f"{len(payload):016d}".encode()], [0, 1, 2])
sock.sendall(payload)
stream = sock.makefile("rb")
pid = json.loads(stream.readline())["pid"]
for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
    signal.signal(number, lambda n, _frame: os.kill(pid, n))
line = stream.readline()
code = json.loads(line)["exit"] if line else 1
sys.exit(code if code >= 0 else 128 - code)
"""


class DataProblems(RuntimeError):
    """The data directory does not satisfy the schemas; nothing was executed."""

    def __init__(self, problems: list):
        self.problems = problems
        listing = "\n  ".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the data, nothing executed:\n  {listing}")


class ChapterFailed(RuntimeError):
    """One or more chapters raised while executing (nothing of theirs was cached)."""


class RenderFailed(RuntimeError):
    """Jupyter Book reported an error or a warning."""


@dataclass
class ChapterRun:
    """What happened to one chapter in a build."""

    chapter: str
    status: str  # "executed", "cached" or "failed"
    seconds: float
    message: str = ""
    executed_at: str = ""
    parameters: dict = field(default_factory=dict)
    data_files: dict = field(default_factory=dict)


@dataclass
class BuildResult:
    """What a build did: every chapter's run, whether it rendered, where the book is."""

    runs: list[ChapterRun]
    rendered: bool
    html_dir: Path
    seconds: float

    def names(self, status: str) -> list[str]:
        """Return the chapters with *status* ("executed", "cached" or "failed"), in book order."""
        return [r.chapter for r in self.runs if r.status == status]

    @property
    def executed(self) -> list[str]:
        return self.names("executed")

    @property
    def cached(self) -> list[str]:
        return self.names("cached")


# --------------------------------------------------------------------------- table of contents


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Return every file named in ``_toc.yml`` (without suffix), in book order."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries: list) -> None:
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    return [str(Path(f).with_suffix("")) if Path(f).suffix in (".ipynb", ".md") else f for f in files]


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """Return the chapter notebooks listed in the table of contents."""
    return [root / f"{f}.ipynb" for f in toc_files(root / "_toc.yml") if (root / f"{f}.ipynb").is_file()]


# --------------------------------------------------------------------------- small utilities




def write_if_changed(path: Path, data: bytes) -> bool:
    """Write *data* unless *path* already holds exactly it (keeps mtimes for Sphinx); return True if written."""
    if path.is_file() and path.read_bytes() == data:
        return False
    atomic_write(path, data)
    return True


def notebook_bytes(nb: dict) -> bytes:
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def display_path(path: Path | str, root: Path) -> str:
    """Return *path* relative to *root* when inside it, else absolute."""
    path = Path(path)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def describe_failure(executed: Path) -> str:
    """Return the failing cell's source and traceback from a partially executed notebook."""
    if not Path(executed).is_file():
        return "(no executed notebook was written)"
    nb = json.loads(Path(executed).read_text(encoding="utf-8"))
    for index, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                trace = "\n".join(output.get("traceback", []))
                return f"cell {index}:\n{cell_source(cell)}\n---\n{_strip_ansi(trace)}"
    return "(no error output found in the executed notebook)"


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def say(message: str) -> None:
    sys.stdout.write(f"[book] {message}\n")  # one write: lines from parallel workers do not interleave
    sys.stdout.flush()


# --------------------------------------------------------------------------- the book being built


@dataclass
class Chapter:
    """One chapter notebook of the book and what the build decided about it."""

    name: str  # the notebook's stem, as in parameters.yml
    docname: str  # path in the TOC, e.g. chapters/human_tbk1
    source: Path
    notebook: dict
    parameters: dict
    key: str = ""
    entry: dict | None = None


@dataclass
class Book:
    """Where a book's sources, data, cache and output live (every path can be replaced, e.g. in tests).

    Parameters
    ----------
    root : Path
        Folder holding ``_config.yml``, ``_toc.yml`` and ``requirements.txt``.
    data_dir : Path or None
        The data folder given to the build (``None``: the chapters' defaults).
    out_dir : Path or None
        Output folder; the book goes to ``out_dir/html``. Default: chosen from the
        data folder and the variant (see :func:`default_out_dir`).
    cache_dir : Path or None
        Execution cache (default ``<root>/_build/.cache``), shared by every variant.
    packages : dict
        ``{package name: package folder}`` whose imported modules are dependencies.
    """

    root: Path = ROOT
    data_dir: Path | None = None
    out_dir: Path | None = None
    cache_dir: Path | None = None
    variant: str | None = None
    overrides: dict = field(default_factory=dict)
    packages: dict = field(default_factory=dict)
    jobs: int | None = None
    validate: bool = True
    render: bool = True
    timeout: int = 900
    zygote: bool = True
    preload: tuple = ZYGOTE_PRELOAD

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self.chapters_dir = self.root / "chapters"
        self.default_data = (self.root / "data").resolve()
        if self.data_dir is not None:
            candidate = Path(self.data_dir).expanduser()
            self.data_dir = candidate.resolve() if candidate.is_absolute() or candidate.is_dir() else (
                self.root / candidate).resolve()
            if self.data_dir == self.default_data:
                self.data_dir = None
        if not self.packages:
            self.packages = {"helpers": Path(__file__).resolve().parent}
        self.packages = {name: Path(p).resolve() for name, p in self.packages.items()}
        self.cache_dir = Path(self.cache_dir or self.root / "_build" / ".cache").resolve()
        self.out_dir = Path(self.out_dir).resolve() if self.out_dir else self.default_out_dir()
        self.html_dir = self.out_dir / "html"
        self.stage = self.out_dir / ".stage"
        self.jobs = self.jobs or len(os.sched_getaffinity(0))
        self.zygote = self.zygote and os.environ.get("HELPERS_BOOK_NO_ZYGOTE", "") in ("", "0")

    @property
    def data_folder(self) -> Path:
        """The data folder this build reads (the given one or ``<root>/data``)."""
        return self.data_dir or self.default_data

    def default_out_dir(self) -> Path:
        """``_build`` for the default book, ``_build/data/<folder>-<hash>`` or ``_build/variants/<name>[...]``."""
        build = self.root / "_build"
        data_tag = ""
        if self.data_dir is not None:
            data_tag = f"{self.data_dir.name}-{sha256_text(str(self.data_dir))[:8]}"
        if self.variant:
            return build / "variants" / (self.variant + (f"+data-{data_tag}" if data_tag else ""))
        if data_tag:
            return build / "data" / data_tag
        return build

    # ------------------------------------------------------------------ parameters

    def chapters(self) -> list[Chapter]:
        """Read the chapters in the TOC and check every parameter; raise :class:`ParameterError` first."""
        docs = [d for d in toc_files(self.root / "_toc.yml") if (self.root / f"{d}.ipynb").is_file()]
        names = [Path(d).name for d in docs]
        declarations = P.load_declarations(self.chapters_dir / "parameters.yml")
        variant = P.variant_overrides(self.variant, self.chapters_dir / "variants.yml", names, list(declarations))
        problems: list[str] = []
        stray = sorted(set(self.overrides) - set(names))
        if stray:
            problems.append(f"parameters given for chapter(s) {', '.join(stray)}, which the table of contents "
                            f"does not list; chapters: {', '.join(names)}")
        chapters = []
        for doc, name in zip(docs, names, strict=True):
            source = self.root / f"{doc}.ipynb"
            notebook = json.loads(source.read_text(encoding="utf-8"))
            overrides = dict(variant.get(name, {}))
            if self.data_dir is not None and "data_dir" in declarations.get(name, {}):
                overrides["data_dir"] = str(self.data_dir)
            overrides.update(self.overrides.get(name, {}))
            try:
                values = P.effective_parameters(name, notebook, declarations, overrides)
                P.injected_source(values)
            except P.ParameterError as err:
                problems += err.problems
                continue
            chapters.append(Chapter(name, doc, source, notebook, values))
        if problems:
            raise P.ParameterError(problems)
        return chapters

    # ------------------------------------------------------------------ keys and dependencies

    def environment_key(self) -> str:
        """Hash of the pinned environment: the requirement files and the Python that runs the kernels."""
        kernel = KERNEL_SITE + (ZYGOTE_SERVER + ZYGOTE_CLIENT + ",".join(self.preload) if self.zygote else "")
        parts = [sys.version, platform.machine(), KERNEL_NAME, sha256_text(kernel)]
        for name in ENVIRONMENT_FILES:
            path = self.root / name
            parts.append(f"{name}:{sha256_bytes(path.read_bytes()) if path.is_file() else 'absent'}")
        return sha256_text(*parts)

    def static_key(self, chapter: Chapter, env_key: str) -> str:
        """Key of what is known before execution: code cells, execution tags, parameters, environment."""
        code = []
        for cell in chapter.notebook.get("cells", []):
            if cell.get("cell_type") == "code":
                tags = sorted(t for t in cell.get("metadata", {}).get("tags", []) if t in EXECUTION_TAGS)
                code.append([cell_source(cell), tags])
        payload = {"engine": ENGINE_VERSION, "chapter": chapter.docname, "code": code,
                   "parameters": chapter.parameters, "environment": env_key,
                   "packages": sorted(self.packages)}
        return sha256_text(json.dumps(payload, sort_keys=True, ensure_ascii=False))

    def data_roots(self, chapter: Chapter) -> list[Path]:
        """Folders whose files count as data a chapter read."""
        roots = {self.default_data, self.data_folder, self.root / "_build" / "example_data",
                 BUILD_DIR / "example_data"}
        declared = P.load_declarations(self.chapters_dir / "parameters.yml").get(chapter.name, {})
        for name, value in chapter.parameters.items():
            if declared.get(name, {}).get("type") == "path" and isinstance(value, str):
                path = Path(value)
                path = path if path.is_absolute() else resolve_data_dir(value) if self.root == ROOT else (
                    self.root / path)
                roots.add(path if path.is_dir() else path.parent)
        return sorted({Path(os.path.abspath(r)) for r in roots})

    def deps_current(self, deps: dict, hasher: Hasher) -> bool:
        """True if every recorded dependency still has the recorded hash."""
        for path, digest in deps.get("files", {}).items():
            if hasher(self.root / path) != digest:
                return False
        return all(hasher(self.root / m) == digest for m, digest in deps.get("modules", {}).items())

    # ------------------------------------------------------------------ scheduling hints

    def timing_hints(self) -> dict:
        """Seconds each chapter last took to execute (only to start the longest first; not a cache)."""
        path = self.root / "_build" / ".timings.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def record_timings(self, seconds: dict) -> None:
        hints = {**self.timing_hints(), **{k: round(v, 2) for k, v in seconds.items()}}
        atomic_write(self.root / "_build" / ".timings.json", json.dumps(hints, sort_keys=True).encode())

    # ------------------------------------------------------------------ cache

    def entry_paths(self, chapter: Chapter) -> tuple[Path, Path]:
        folder = self.cache_dir / chapter.docname.replace("/", "__")
        return folder / f"{chapter.key}.json", folder / f"{chapter.key}.ipynb"

    def lookup(self, chapter: Chapter, hasher: Hasher) -> dict | None:
        """Return the cache entry of *chapter* if it is complete and every dependency is unchanged."""
        entry_path, nb_path = self.entry_paths(chapter)
        try:
            entry = json.loads(entry_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if entry.get("engine") != ENGINE_VERSION or hasher(nb_path) != entry.get("notebook_sha256"):
            return None
        return entry if self.deps_current(entry.get("deps", {}), hasher) else None

    def store(self, chapter: Chapter, executed: Path, entry: dict) -> None:
        """Put an executed notebook and its entry in the cache; the entry (written last) commits it."""
        entry_path, nb_path = self.entry_paths(chapter)
        data = executed.read_bytes()
        atomic_write(nb_path, data)
        entry = {**entry, "engine": ENGINE_VERSION, "notebook_sha256": sha256_bytes(data)}
        atomic_write(entry_path, (json.dumps(entry, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode())
        self.prune(entry_path.parent)

    @staticmethod
    def prune(folder: Path, keep: int = 12) -> None:
        """Keep the *keep* most recent entries of one chapter (variants each have their own)."""
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[keep:]:
            old.unlink(missing_ok=True)
            old.with_suffix(".ipynb").unlink(missing_ok=True)

    # ------------------------------------------------------------------ data validation

    def validate_data(self, hasher: Hasher) -> None:
        """Check the data folder against the schemas once per content; raise :class:`DataProblems`."""
        folder = self.data_folder
        files = sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
        tables = self.packages.get("helpers", Path(__file__).parent)
        code = sorted([*tables.joinpath("tables").glob("*.py"), tables / "validate.py"])
        key = sha256_text(str(folder), *(f"{p.name}:{hasher(p)}" for p in files),
                          *(f"{p.name}:{hasher(p)}" for p in code))
        marker = self.cache_dir / "validated" / key
        if marker.is_file():
            return
        from helpers.data.validate import validate_directory

        problems = validate_directory(folder)
        if problems:
            raise DataProblems(problems)
        atomic_write(marker, str(folder).encode())

    # ------------------------------------------------------------------ execution

    def kernel_site(self) -> Path:
        """The folder with the kernels' ``sitecustomize`` (read recorder) and the zygote scripts."""
        site = self.cache_dir / "kernel_site"
        for name, text in (("sitecustomize.py", KERNEL_SITE), ("book_zygote.py", ZYGOTE_SERVER),
                           ("book_kernel.py", ZYGOTE_CLIENT)):
            write_if_changed(site / name, text.encode("utf-8"))
        return site

    def python_path(self) -> str:
        paths = [str(self.kernel_site()), *(str(p.parent) for p in self.packages.values())]
        if os.environ.get("PYTHONPATH"):
            paths.append(os.environ["PYTHONPATH"])
        return os.pathsep.join(paths)

    def kernel_env(self, chapter: Chapter, log: Path) -> dict:
        return {
            "PYTHONPATH": self.python_path(),
            "HELPERS_BOOK_READ_LOG": str(log),
            "HELPERS_BOOK_DATA_ROOTS": os.pathsep.join(str(r) for r in self.data_roots(chapter)),
            "HELPERS_BOOK_PACKAGE_DIRS": os.pathsep.join(str(p) for p in self.packages.values()),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # no debugger warning on the console
        }

    def relative(self, path: str) -> str:
        """A recorded path, relative to the book's root when inside it (so a moved book keeps its cache)."""
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return path

    def read_log(self, log: Path, hasher: Hasher) -> dict | None:
        """Turn a kernel's read log into ``{"files": {path: sha}, "modules": {name: sha}}`` (None if absent)."""
        if not log.is_file():
            return None
        lines = [line.split("\t", 1) for line in log.read_text(encoding="utf-8").splitlines() if "\t" in line]
        if not any(kind == "start" for kind, _ in lines):
            return None
        files = {self.relative(value): hasher(value) for kind, value in lines if kind == "file"}
        modules = {self.relative(value): hasher(value) for kind, value in lines if kind == "module"}
        return {"files": dict(sorted(files.items())), "modules": dict(sorted(modules.items()))}

    def data_file_names(self, chapter: Chapter, deps: dict) -> dict:
        """``{file name: sha256}`` of the data files a chapter read (names relative to their data folder)."""
        folder = Path(str(chapter.parameters.get("data_dir", self.data_folder)))
        folder = folder if folder.is_absolute() else self.root / folder
        names = {}
        for path, digest in deps.get("files", {}).items():
            path = self.root / path
            if path.parent == folder.resolve() or path.parent == self.data_folder:
                names[path.name] = digest
            else:
                names[display_path(path, self.root)] = digest
        return names


def _execute_job(job: dict) -> dict:
    """Run one chapter with papermill (in a worker process, so each has its own environment and kernel)."""
    import papermill as pm

    extra = {}
    if job.get("zygote"):
        os.environ["HELPERS_BOOK_ZYGOTE"] = job["zygote"]
        extra["kernel_manager_class"] = _zygote_manager(job["zygote_client"])

    os.environ.update(job["env"])
    # The kernel inherits this process's stderr: keep its chatter (e.g. ipykernel's transport notice)
    # off the console, and show it only when the chapter fails.
    sys.stderr.flush()
    log_fd = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    say(f"running  {job['docname']} ...")
    start = time.perf_counter()
    try:
        pm.execute_notebook(job["source"], job["target"], parameters=job["parameters"], kernel_name=KERNEL_NAME,
                            cwd=job["cwd"], progress_bar=False, execution_timeout=job["timeout"], **extra)
    except Exception as err:  # papermill raises PapermillExecutionError, kernel and timeout errors
        sys.stderr.flush()
        stderr = Path(job["stderr"]).read_text(encoding="utf-8", errors="replace")[-3000:].strip()
        return {"ok": False, "seconds": time.perf_counter() - start,
                "message": f"{type(err).__name__}\n{describe_failure(Path(job['target']))}"
                           + (f"\n--- kernel stderr ---\n{stderr}" if stderr else "")}
    return {"ok": True, "seconds": time.perf_counter() - start}


def execute(book: Book, todo: list[Chapter], hasher: Hasher, annotate, commit: str,
            zygote: tuple | None = None) -> list[ChapterRun]:
    """Execute *todo* in parallel, longest first; cache each success; return the runs in completion order."""
    if not todo:
        return []
    hints = book.timing_hints()
    todo = sorted(todo, key=lambda c: -hints.get(c.docname, float("inf")))
    import papermill  # noqa: F401  (imported before forking, so workers start fast)

    work = book.cache_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    jobs = {}
    for chapter in todo:
        tag = f"{chapter.name}-{os.getpid()}-{chapter.key[:12]}"
        target, log, stderr = work / f"{tag}.ipynb", work / f"{tag}.reads", work / f"{tag}.stderr"
        target.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
        jobs[chapter.name] = {"source": str(chapter.source), "target": str(target), "log": log,
                              "parameters": chapter.parameters, "cwd": str(book.root), "timeout": book.timeout,
                              "docname": chapter.docname, "env": book.kernel_env(chapter, log),
                              "stderr": str(stderr)}
    runs = []
    import multiprocessing

    context = multiprocessing.get_context("fork")
    zygote = wait_zygote(*zygote) if zygote is not None else None
    if zygote is not None:
        for job in jobs.values():
            job["zygote"], job["zygote_client"] = zygote[1], str(book.kernel_site() / "book_kernel.py")
    runs = _run_pool(book, todo, jobs, hasher, annotate, commit, context)
    book.record_timings({c.docname: r.seconds for c in todo for r in runs if r.chapter == c.name})
    return runs


def _zygote_manager(client: str):
    """A kernel manager that starts each kernel through the zygote client instead of a new Python."""
    from jupyter_client.manager import AsyncKernelManager

    class ZygoteKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            if "-f" in cmd and "ipykernel_launcher" in cmd:
                return [sys.executable, client, *cmd[cmd.index("-f"):]]
            return cmd

    return ZygoteKernelManager


def start_zygote(book: Book) -> tuple[subprocess.Popen, str]:
    """Launch the zygote server (it imports in the background); return (process, socket path)."""
    folder = tempfile.mkdtemp(prefix="book-zygote-")  # short: a socket path has at most 107 bytes
    sock = os.path.join(folder, "s")
    env = {**os.environ, "PYTHONPATH": book.python_path(), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    env.pop("HELPERS_BOOK_READ_LOG", None)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # what ipykernel sets before any user code
    proc = subprocess.Popen([sys.executable, str(book.kernel_site() / "book_zygote.py"), sock,
                             str(book.kernel_site() / "sitecustomize.py"), ",".join(book.preload)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    return proc, sock


def wait_zygote(proc: subprocess.Popen, sock: str) -> tuple[subprocess.Popen, str] | None:
    """Wait until the zygote serves; ``None`` (chapters start plain kernels) if it does not."""
    import select

    ready, _, _ = select.select([proc.stdout], [], [], 60)
    if ready and proc.stdout.readline().strip() == b"ready":
        return proc, sock
    say("the kernel zygote did not start; chapters start plain kernels")
    return None


def stop_zygote(proc: subprocess.Popen, sock: str) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()
    shutil.rmtree(os.path.dirname(sock), ignore_errors=True)


def _run_pool(book: Book, todo: list[Chapter], jobs: dict, hasher: Hasher, annotate, commit: str,
              context) -> list[ChapterRun]:
    runs = []
    with ProcessPoolExecutor(max_workers=min(book.jobs, len(todo)), mp_context=context) as pool:
        futures = {pool.submit(_execute_job, {k: v for k, v in jobs[c.name].items() if k != "log"}): c
                   for c in todo}
        for future in as_completed(futures):
            chapter = futures[future]
            job = jobs[chapter.name]
            target, log = Path(job["target"]), job["log"]
            try:
                outcome = future.result()
            except Exception as err:  # the worker itself died
                outcome = {"ok": False, "seconds": 0.0, "message": f"worker failed: {err!r}"}
            run = ChapterRun(chapter.name, "executed" if outcome["ok"] else "failed", outcome["seconds"],
                             outcome.get("message", ""), dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                             chapter.parameters)
            if outcome["ok"]:
                try:
                    finish(book, chapter, run, target, log, hasher, annotate, commit)
                except Exception as err:
                    run.status, run.message = "failed", f"after execution: {type(err).__name__}: {err}"
            for path in (target, log, Path(job["stderr"])):
                path.unlink(missing_ok=True)
            if run.status == "executed":
                say(f"executed {chapter.docname} in {run.seconds:.1f} s")
            else:
                say(f"FAILED   {chapter.docname} after {run.seconds:.1f} s")
            runs.append(run)
    return runs


def finish(book: Book, chapter: Chapter, run: ChapterRun, target: Path, log: Path, hasher: Hasher,
           annotate, commit: str) -> None:
    """Record what a successful chapter read, annotate its notebook and cache it."""
    deps = book.read_log(log, hasher)
    if deps is None:
        raise RuntimeError("the kernel did not record what the chapter read, so it cannot be cached safely")
    run.data_files = book.data_file_names(chapter, deps)
    data_dir = Path(str(chapter.parameters.get("data_dir", book.data_folder)))
    kwargs = {"chapter": chapter.name, "parameters": chapter.parameters,
              "data_dir": data_dir if data_dir.is_absolute() else book.root / data_dir, "commit": commit}
    if annotate is not None:
        if "data_files" in inspect.signature(annotate).parameters:
            kwargs["data_files"] = run.data_files
        annotate(target, **kwargs)
    hasher._memo.pop(os.path.abspath(target), None)
    entry = {"chapter": chapter.name, "docname": chapter.docname, "key": chapter.key,
             "parameters": chapter.parameters, "deps": deps, "data_files": run.data_files,
             "executed_at": run.executed_at, "seconds": round(run.seconds, 2), "commit": commit}
    book.store(chapter, target, entry)
    chapter.entry = {**entry, "engine": ENGINE_VERSION}


# --------------------------------------------------------------------------- staging


def merge_markdown(source: dict, executed: dict, by_id: bool = True) -> dict:
    """Return the executed notebook with the current source's Markdown (and cell metadata).

    Code cells are paired with the source's by cell id (by order when the source
    has no ids); cells the execution added (papermill's injected parameters,
    provenance footers) stay after the cell they followed.
    """
    src_cells = source.get("cells", [])
    with_ids = by_id and all(c.get("id") for c in src_cells)
    src_ids = {c["id"] for c in src_cells} if with_ids else set()
    n_code = sum(c.get("cell_type") == "code" for c in src_cells)
    pairs: dict[int, dict] = {}  # index of a source code cell -> executed cell
    extras: dict[int, list] = {}  # index of the source cell an added cell follows (-1: start)
    src_index = {c.get("id"): i for i, c in enumerate(src_cells)} if with_ids else {}
    code_positions = [i for i, c in enumerate(src_cells) if c.get("cell_type") == "code"]
    anchor, consumed = -1, 0
    for cell in executed.get("cells", []):
        added = "injected-parameters" in cell.get("metadata", {}).get("tags", [])
        if with_ids and not added:
            if cell.get("id") in src_ids:
                anchor = src_index[cell["id"]]
                if cell.get("cell_type") == "code":
                    pairs[anchor] = cell
                continue
            added = cell.get("cell_type") == "code"
        elif not added and cell.get("cell_type") == "code":
            if consumed < n_code:
                anchor = code_positions[consumed]
                pairs[anchor] = cell
                consumed += 1
                continue
            added = True
        if added:
            extras.setdefault(anchor, []).append(cell)
    if len(pairs) != n_code:  # ids changed (e.g. a regenerated notebook with the same code): pair by order
        if with_ids:
            return merge_markdown(source, executed, by_id=False)
        raise ValueError("the executed notebook's code cells do not match the source's")
    cells = list(extras.get(-1, []))
    for i, cell in enumerate(src_cells):
        if cell.get("cell_type") == "code":
            ran = pairs[i]
            metadata = dict(cell.get("metadata", {}))
            if "papermill" in ran.get("metadata", {}):
                metadata["papermill"] = ran["metadata"]["papermill"]
            cells.append({**ran, "metadata": metadata})
        else:
            cells.append(cell)
        cells += extras.get(i, [])
    return {**executed, "cells": cells}


def provenance_note(book: Book, chapter: Chapter, data_files: dict) -> dict:
    """A Markdown cell saying which data (with checksums) and parameters the page was built from."""
    folder = display_path(book.data_folder, book.root)
    rows = "\n".join(f"| `{name}` | `{digest}` |" for name, digest in sorted(data_files.items()))
    table = ("| file read | SHA-256 |\n| --- | --- |\n" + rows) if rows else "This page read no data file."
    values = ", ".join(f"`{k} = {_md_code(repr(v))}`" for k, v in chapter.parameters.items()) or "none"
    text = (f":::{{admonition}} Built from: data `{folder}`, variant `{book.variant or 'default'}`\n"
            ":class: note dropdown\n"
            f"**Parameters:** {values}\n\n{table}\n\n"
            f"How every chapter ran: {{doc}}`execution status </{STATUS_DOC}>`.\n:::")
    return {"cell_type": "markdown", "id": "helpers-book-built-from", "metadata": {}, "source": text}


def _md_code(text: str) -> str:
    return text.replace("`", "'").replace("|", "\\|")


def data_summary(book: Book, hasher: Hasher) -> tuple[dict, str]:
    """``{file: sha256}`` of the data folder and one hash of them all."""
    folder = book.data_folder
    files = {p.name: hasher(p) for p in sorted(folder.glob("*")) if p.is_file()} if folder.is_dir() else {}
    return files, sha256_text(*(f"{k}:{v}" for k, v in files.items()))


def page_note(book: Book, dataset_hash: str) -> str:
    """The note added to the end of every Markdown page of the staged book."""
    return (f"\n\n```{{note}}\nThis book was built from the data folder `{display_path(book.data_folder, book.root)}` "
            f"(dataset SHA-256 `{dataset_hash[:16]}`), variant `{book.variant or 'default'}`; "
            f"{{doc}}`execution status </{STATUS_DOC}>` lists every chapter's parameters and data checksums.\n```\n")


def stage_sources(book: Book, chapters: list[Chapter], hasher: Hasher) -> dict[str, bytes]:
    """Return ``{relative path: content}`` of the staged book sources (notebooks, pages, config)."""
    root = book.root
    staged: dict[str, bytes] = {}
    for name in BOOK_FILES:
        if (root / name).is_file():
            staged[name] = (root / name).read_bytes()
    config = yaml.safe_load(staged["_config.yml"].decode("utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    staged["_config.yml"] = yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode("utf-8")
    for bib in config.get("bibtex_bibfiles", []) or []:
        if (root / bib).is_file():
            staged[bib] = (root / bib).read_bytes()
    toc = yaml.safe_load(staged["_toc.yml"].decode("utf-8"))
    appendix = {"caption": "Build", "chapters": [{"file": STATUS_DOC}]}
    if "parts" in toc:
        toc["parts"].append(appendix)
    else:
        toc.setdefault("chapters", []).append({"file": STATUS_DOC})
    staged["_toc.yml"] = yaml.safe_dump(toc, sort_keys=False, allow_unicode=True).encode("utf-8")
    _, dataset_hash = data_summary(book, hasher)
    notebooks = {c.docname for c in chapters}
    for doc in toc_files(root / "_toc.yml"):
        if doc in notebooks:
            continue
        for suffix in (".md", ".ipynb", ".rst"):
            if (root / f"{doc}{suffix}").is_file():
                data = (root / f"{doc}{suffix}").read_bytes()
                if suffix == ".md":
                    data += page_note(book, dataset_hash).encode("utf-8")
                staged[f"{doc}{suffix}"] = data
                break
    for folder in {Path(c.docname).parent for c in chapters} | {Path("chapters")}:
        src = root / folder
        if not src.is_dir():
            continue
        for path in src.iterdir():  # figures and other assets next to the chapters
            if path.is_file() and path.suffix not in (".ipynb", ".md", ".yml", ".py") and not path.name.startswith("."):
                staged[(folder / path.name).as_posix()] = path.read_bytes()
    for name in BOOK_DIRS:
        for path in sorted((root / name).rglob("*")) if (root / name).is_dir() else []:
            if path.is_file():
                staged[path.relative_to(root).as_posix()] = path.read_bytes()
    for chapter in chapters:
        _, nb_path = book.entry_paths(chapter)
        executed = json.loads(nb_path.read_text(encoding="utf-8"))
        nb = merge_markdown(chapter.notebook, executed)
        position = next((i + 1 for i, c in enumerate(nb["cells"]) if c.get("cell_type") == "markdown"), 0)
        nb["cells"].insert(position, provenance_note(book, chapter, chapter.entry.get("data_files", {})))
        staged[f"{chapter.docname}.ipynb"] = notebook_bytes(nb)
    return staged


def status_page(book: Book, runs: list[ChapterRun], chapters: list[Chapter], hasher: Hasher, commit: str) -> str:
    """The Markdown of the execution-status appendix."""
    files, dataset_hash = data_summary(book, hasher)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    by_name = {r.chapter: r for r in runs}
    lines = [
        "# Execution status", "",
        f"Built {now} by `python -m helpers book` from commit `{commit or 'unknown'}`, "
        f"variant `{book.variant or 'default'}`, data folder `{display_path(book.data_folder, book.root)}` "
        f"(dataset SHA-256 `{dataset_hash}`).",
        "A chapter is *cached* when nothing it depends on changed since it executed (code cells, "
        "parameters, data files it read, helper modules it imported, the pinned environment).", "",
        "| chapter | status | time (s) | executed at (UTC) | parameters |", "| --- | --- | --- | --- | --- |",
    ]
    for chapter in chapters:
        run = by_name[chapter.name]
        values = "<br>".join(f"`{k} = {_md_code(repr(v))}`" for k, v in chapter.parameters.items()) or "none"
        lines.append(f"| {{doc}}`{chapter.name} </{chapter.docname}>` | {run.status} | {run.seconds:.1f} | "
                     f"{run.executed_at} | {values} |")
    lines += ["", "## Data files", "", "| file | SHA-256 | read by |", "| --- | --- | --- |"]
    for name, digest in files.items():
        readers = ", ".join(c.name for c in chapters if name in by_name[c.name].data_files) or "-"
        lines.append(f"| `{name}` | `{digest}` | {readers} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- rendering and publishing


def render_book(stage: Path, full: bool = False) -> None:
    """Run Jupyter Book on the staged sources, warnings as errors (incrementally unless *full*)."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(stage), "--builder", "html", "-W", "-n", "--keep-going", *(["--all"] if full else [])]
    marker = stage / ".rendering"
    if marker.exists():  # an earlier render was interrupted: start Sphinx from scratch
        shutil.rmtree(stage / "_build", ignore_errors=True)
    marker.write_text("", encoding="utf-8")
    proc = subprocess.run(cmd, cwd=stage, capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(stage / "_build", ignore_errors=True)  # so the next render repeats every warning
        marker.unlink(missing_ok=True)
        sys.stderr.write(proc.stdout[-8000:] + proc.stderr[-8000:])
        raise RenderFailed(f"jupyter-book build failed (exit {proc.returncode}); see the log above")
    marker.unlink(missing_ok=True)


def publish(new_html: Path, html_dir: Path) -> None:
    """Replace *html_dir* with *new_html* in as close to one step as the file system allows."""
    html_dir.parent.mkdir(parents=True, exist_ok=True)
    old = html_dir.with_name(f".{html_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if html_dir.exists():
        os.rename(html_dir, old)
    os.rename(new_html, html_dir)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def locked(path: Path):
    """Hold an exclusive lock on *path* (one build per output folder at a time)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _default_hooks():
    from helpers.build import provenance

    return provenance.annotate_notebook, provenance.write_ledger


def build(data_dir: str | Path | None = None, out_dir: Path | None = None, *, variant: str | None = None,
          parameters: dict | None = None, root: Path = ROOT, cache_dir: Path | None = None,
          packages: dict | None = None, jobs: int | None = None, validate: bool = True, render: bool = True,
          full_render: bool = False, zygote: bool = True, preload: tuple = ZYGOTE_PRELOAD, annotate="default",
          ledger="default") -> BuildResult:
    """Execute what changed, render if anything changed, publish on success; return what happened.

    Raises
    ------
    ParameterError, DataProblems
        Before anything executes.
    ChapterFailed
        After the other chapters finished (and were cached); nothing is published.
    RenderFailed
        Jupyter Book reported an error or warning; nothing is published.
    """
    start = time.perf_counter()
    book = Book(root=root, data_dir=data_dir, out_dir=out_dir, cache_dir=cache_dir, variant=variant,
                overrides=parameters or {}, packages=packages or {}, jobs=jobs, validate=validate, render=render,
                zygote=zygote, preload=tuple(preload))
    chapters = book.chapters()  # ParameterError before anything else
    hasher = Hasher()
    data_summary(book, hasher)  # hash the data as it is now, before any chapter runs
    with locked(book.out_dir / ".lock"):
        return _build_locked(book, chapters, hasher, start, full_render, annotate, ledger)


def _build_locked(book: Book, chapters: list[Chapter], hasher: Hasher, start: float, full_render: bool,
                  annotate, ledger) -> BuildResult:
    if annotate == "default" or ledger == "default":
        hooks = _default_hooks() if (annotate == "default" or ledger == "default") else (None, None)
        annotate = hooks[0] if annotate == "default" else annotate
        ledger = hooks[1] if ledger == "default" else ledger
    env_key = book.environment_key()
    runs: dict[str, ChapterRun] = {}
    todo = []
    for chapter in chapters:
        chapter.key = book.static_key(chapter, env_key)
        chapter.entry = book.lookup(chapter, hasher)
        if chapter.entry is None:
            todo.append(chapter)
            continue
        e = chapter.entry
        runs[chapter.name] = ChapterRun(chapter.name, "cached", e["seconds"], "", e["executed_at"],
                                        chapter.parameters, e.get("data_files", {}))
        say(f"cached   {chapter.docname} (executed {e['executed_at']} in {e['seconds']:.1f} s)")
    # The zygote imports while the data are validated (both before any chapter executes).
    zygote = start_zygote(book) if todo and book.zygote else None
    try:
        if book.validate:
            book.validate_data(hasher)
        commit = git_commit(book.root) if todo else ""
        exec_start = time.perf_counter()
        for run in execute(book, todo, hasher, annotate, commit, zygote):
            runs[run.chapter] = run
    finally:
        if zygote is not None:
            stop_zygote(*zygote)
    exec_seconds = time.perf_counter() - exec_start
    ordered = [runs[c.name] for c in chapters]
    failed = [r for r in ordered if r.status == "failed"]
    counts = ", ".join(f"{sum(r.status == s for r in ordered)} {s}" for s in ("executed", "cached", "failed"))
    if failed:
        say(f"{len(ordered)} chapters: {counts}; nothing published")
        details = "\n\n".join(f"chapter {r.chapter}: {r.message}" for r in failed)
        raise ChapterFailed(f"{len(failed)} chapter(s) failed (not cached):\n{details}")
    rendered = False
    render_seconds = 0.0
    if book.render:
        staged = stage_sources(book, chapters, hasher)
        commit = commit or git_commit(book.root)
        # The published pages also depend on the Sphinx extensions and page annotations of this
        # package (helpers.build.html_assets, helpers.build.provenance) and name the commit they were built from.
        fingerprint = sha256_text(*(f"{k}\x00{sha256_bytes(v)}" for k, v in sorted(staged.items())),
                                  str(book.html_dir), package_fingerprint(), str(commit))
        published = book.out_dir / ".published.json"
        last = json.loads(published.read_text()) if published.is_file() else {}
        if last.get("fingerprint") == fingerprint and book.html_dir.is_dir() and not full_render:
            say(f"nothing changed since the published book; {display_path(book.html_dir, book.root)} is up to date")
        else:
            render_start = time.perf_counter()
            for rel, data in staged.items():
                write_if_changed(book.stage / rel, data)
            write_if_changed(book.stage / f"{STATUS_DOC}.md",
                             status_page(book, ordered, chapters, hasher, commit).encode("utf-8"))
            say("rendering with jupyter-book ...")
            render_book(book.stage, full=full_render)
            new_html = book.out_dir / ".html.new"
            shutil.rmtree(new_html, ignore_errors=True)
            shutil.copytree(book.stage / "_build" / "html", new_html)
            if ledger is not None:
                ledger([{"chapter": c.name, "executed_notebook": book.stage / f"{c.docname}.ipynb",
                         "parameters": c.parameters, "data_files": runs[c.name].data_files, "commit": commit}
                        for c in chapters], new_html)
            publish(new_html, book.html_dir)
            atomic_write(published, json.dumps({"fingerprint": fingerprint, "commit": commit}).encode())
            executed_dir = book.out_dir / "executed"
            shutil.rmtree(executed_dir, ignore_errors=True)
            for chapter in chapters:
                target = executed_dir / f"{chapter.name}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(book.stage / f"{chapter.docname}.ipynb", target)
            rendered = True
            render_seconds = time.perf_counter() - render_start
            say(f"published {display_path(book.html_dir, book.root)}")
    total = time.perf_counter() - start
    say(f"{len(ordered)} chapters: {counts}; execution {exec_seconds:.1f} s, render {render_seconds:.1f} s, "
        f"total {total:.1f} s")
    return BuildResult(ordered, rendered, book.html_dir, total)


# --------------------------------------------------------------------------- command line


def parse_parameter_options(options: list[str], root: Path) -> dict:
    """Turn ``chapter.name=value`` options into ``{chapter: {name: value}}`` typed by the declarations."""
    declarations = P.load_declarations(root / "chapters" / "parameters.yml")
    result: dict[str, dict] = {}
    problems = []
    for option in options or []:
        target, sep, text = option.partition("=")
        chapter, dot, name = target.partition(".")
        if not sep or not dot:
            problems.append(f"-p {option!r}: expected chapter.parameter=value")
            continue
        rule = declarations.get(chapter, {}).get(name, {"type": "str"})
        result.setdefault(chapter, {})[name] = P.parse_cli_value(text, rule)
    if problems:
        raise P.ParameterError(problems)
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m helpers book", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute what changed and build the HTML book")
    b.add_argument("--data", default=None, help="data directory (default: data/)")
    b.add_argument("--variant", default=None, help="named parameter set from chapters/variants.yml")
    b.add_argument("-p", "--param", action="append", default=[], metavar="CHAPTER.NAME=VALUE",
                   help="set one chapter parameter (repeatable; checked against chapters/parameters.yml)")
    b.add_argument("--out", default=None, help="output folder (default: chosen from --data and --variant)")
    b.add_argument("--root", default=None, help=argparse.SUPPRESS)  # a snapshot of the book (helpers.build.bench)
    b.add_argument("--cache", default=None, help="execution cache folder (default: _build/.cache)")
    b.add_argument("-j", "--jobs", type=int, default=None, help="chapters executed at once (default: CPU cores)")
    b.add_argument("--full-render", action="store_true", help="re-render every page (Sphinx --all)")
    b.add_argument("--no-zygote", action="store_true",
                   help="start every kernel as a new Python (default: fork kernels from a pre-started one)")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve() if args.root else ROOT
    try:
        build(args.data or None, Path(args.out) if args.out else None, variant=args.variant or None,
              parameters=parse_parameter_options(args.param, root), jobs=args.jobs, root=root, full_render=args.full_render,
              cache_dir=Path(args.cache) if args.cache else None, zygote=not args.no_zygote)
    except (RuntimeError, P.ParameterError) as err:
        print(f"\n[book] BUILD FAILED — {err}", file=sys.stderr)
        return 1
    return 0

