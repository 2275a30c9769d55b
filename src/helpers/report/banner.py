"""The data-honesty banner shown at the top of every chapter."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.core.hashing import checksum_only, sha256_of


def describe_data(data_source: str | Path) -> dict:
    """Return what is known about a data folder or workbook: simulated or not, seed, file checksums.

    ``kind`` is ``"simulated"`` (the book's example data), ``"real"`` (a folder whose
    study descriptor ``datapackage.yaml`` names its ``sources`` and ``licenses``, as
    the published measurements in ``data/real/`` do; ``real`` then holds title,
    licence, sources and the citation) or ``"user"``. A workbook is user data; its
    checksum is that of the workbook file.
    """
    data_source = Path(data_source)
    if data_source.is_file():
        return {"simulated": False, "kind": "user", "seed": None, "files": {data_source.name: sha256_of(data_source)[:12]}}
    meta_file = data_source / "dataset.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    files = {p.name: sha256_of(p)[:12] for p in sorted(data_source.glob("*.csv"))}
    simulated = bool(meta.get("simulated", False))
    real = None if simulated else real_data_info(data_source)
    kind = "simulated" if simulated else "real" if real else "user"
    return {"simulated": simulated, "kind": kind, "seed": meta.get("seed"), "files": files, "real": real}


def real_data_info(data_source: Path) -> dict | None:
    """Return title, licence, sources and citation of a folder's ``datapackage.yaml`` (None without both).

    The first source is taken as the work to cite (its title and path, e.g. a DOI).
    """
    import yaml

    path = Path(data_source) / "datapackage.yaml"
    if not path.is_file():
        return None
    with checksum_only():  # what the banner says, not an input of any result
        package = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    licenses, sources = package.get("licenses") or [], package.get("sources") or []
    if not (licenses and sources):
        return None
    first = sources[0]
    return {"title": str(package.get("title", "")),
            "licence": str(licenses[0].get("title") or licenses[0].get("name")),
            "licence_name": str(licenses[0].get("name", "")), "licence_url": str(licenses[0].get("path", "")),
            "citation": str(first.get("title", "")).strip(), "citation_url": str(first.get("path", "")),
            "sources": [{"title": str(s.get("title", "")).strip(), "path": str(s.get("path", ""))} for s in sources]}


def real_data_banner(data_source: str | Path, info: dict) -> str:
    """Return the "Real measurements" admonition: what, source, licence, citation."""
    from helpers.core.paths import DATA_DIR

    real = info["real"]
    sources = "; ".join(f"[{s['title']}]({s['path']})" if s["path"] else s["title"] for s in real["sources"][1:])
    bundled = Path(data_source).resolve().is_relative_to((DATA_DIR / "real").resolve())
    origin = ("published by others, not from the book's simulated example data: {title}, bundled in `{folder}`"
              if bundled else "whose study description names their source and licence, not from the book's "
              "simulated example data: {title}, in `{folder}`")
    return (
        ":::{admonition} Real measurements\n:class: important\n"
        "Every number, table and figure on this page is computed from **real measurements** "
        + origin.format(title=real["title"], folder=display_folder(data_source)) + ".\n\n"
        f"- **Cite the data:** {real['citation']}. <{real['citation_url']}>\n"
        + (f"- **Source:** {sources}\n" if sources else "")
        + f"- **Licence:** [{real['licence']}]({real['licence_url']}) ({real['licence_name']}); the data and the "
        "tables derived from them stay under this licence, the book's code is MIT.\n:::\n"
    )


def declared_simulated(data_source: str | Path) -> str | None:
    """Return the description of a folder whose ``datapackage.yaml`` declares ``simulated: true`` (else None).

    The corpus designs (:mod:`helpers.simstudies.corpus`) are simulated for
    other study designs than the example's: their pages must say so too.
    """
    import yaml

    path = Path(data_source) / "datapackage.yaml"
    if not path.is_file():
        return None
    with checksum_only():  # what the banner says, not an input of any result
        try:
            package = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            return None
    if not isinstance(package, dict) or package.get("simulated") is not True:
        return None
    text = str(package.get("description") or "simulated by project code, not measured").strip()
    return text if text.endswith(".") else text + "."


def display_folder(data_source: str | Path) -> str:
    """Return *data_source* relative to the repository when it is inside it."""
    from helpers.core.paths import ROOT

    try:
        return Path(data_source).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(data_source)


def data_banner(data_source: str | Path) -> str:
    """Return a MyST admonition saying plainly what data the page was computed from."""
    info = describe_data(data_source)
    if info["kind"] == "real":
        return real_data_banner(data_source, info)
    if info["simulated"]:
        return (
            ":::{admonition} Simulated example data\n:class: warning\n"
            "Every number, table and figure on this page is computed from **simulated example "
            "data** generated by this project's code (seed "
            f"`{info['seed']}`; true values in `src/helpers/data/truths.py`). They are **not** "
            "measurements of patients or mice and are not findings about ALS; they show what "
            "the analysis does and that it recovers the values put in.\n:::\n"
        )
    declared = declared_simulated(data_source)
    if declared is not None:
        return (
            ":::{admonition} Simulated data of another study design\n:class: warning\n"
            "Every number, table and figure on this page is computed from **simulated data** in "
            f"`{Path(data_source).name}`, whose study description says so: {declared} They are **not** "
            "measurements of patients or mice and are not findings about ALS. They are not the book's example "
            "data, so this page compares no true value with them.\n:::\n"
        )
    return (
        ":::{admonition} User-supplied data\n:class: note\n"
        f"This page was computed from the tables in `{Path(data_source).name}`, which are not "
        "the book's example data. Their origin is the responsibility of whoever supplied them.\n:::\n"
    )
