"""Body weight and body composition of TDP-43 Q331K and C9orf72 GR400 knock-in mice (Boyanova et al. 2025).

The authors' files (github.com/sboya23/C9-TDP43-behaviour-analysis, commit
``fed2d57e``, folder ``Data/Weight and echo-MRI/``; CC BY-SA 4.0) are kept unchanged
in ``data/real/boyanova2025/raw/``. :func:`convert` turns them into the book's
``body_weight`` and ``body_composition`` tables:

* the byte-order mark that starts two of the files is ignored;
* genotype and sex come from the genotype files (the weight files leave the
  genotype empty); the sex written in both must agree;
* the authors' genotype strings are relabelled to the levels of the study
  descriptor, with a ``line`` column saying which model a mouse belongs to
  (``TDP-43_Q331K:Hom`` -> ``Q331K_hom`` in line ``TDP43_Q331K``, ...);
* the weighings of one mouse within one age-week (the authors' ``age weeks``)
  are averaged, as the authors did, and the number averaged is kept in
  ``n_weighings``.

Every raw row that is dropped or changed is listed in the conversion log with
its file, row (the header is row 1) and reason. :func:`write_tables` writes the
tables, the log and ``SHA256SUMS``; ``python -m helpers real-data`` (``make
real-data``) runs it, and ``--check`` only confirms that the committed tables are
what the raw files give.
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core.files import atomic_write
from helpers.core.hashing import sha256_bytes
from helpers.core.paths import ROOT
from helpers.data.tables import get_spec

#: The study's folder in the repository.
FOLDER = ROOT / "data" / "real" / "boyanova2025"
#: Where the authors' files came from.
SOURCE_REPOSITORY = "https://github.com/sboya23/C9-TDP43-behaviour-analysis"
SOURCE_COMMIT = "fed2d57e84a9b3b6d0bc9f8b3f47ea08f7a181bd"
DOI = "10.1242/dmm.052324"
CITATION = ("Boyanova S. et al. (2025). Multi-modal comparative phenotyping of knock-in mouse models of "
            "frontotemporal dementia/amyotrophic lateral sclerosis. Disease Models & Mechanisms 18(8): "
            "dmm052324. doi:10.1242/dmm.052324")
LICENCE = "CC BY-SA 4.0"

#: The authors' files and their SHA-256 (as published at SOURCE_COMMIT).
RAW_SHA256 = {
    "C9-genotype-sex.csv": "b82645447a58cb694500f34ed4fad04dd8f05df9fc92af0972431756a97ca3da",
    "C9ORFBehav_Weight_processed_data.csv": "e4834498eff432a89095c34c965f077974d354886016337e245ac5cbe71f5420",
    "LICENCE-data-CC-BY-SA-4.0.txt": "94b0f21b3a57e4719f73e950817f10cb9ab30b0e45b7a305c3bd68fe47ecbf14",
    "TDP-echo-checked-data-for-R_harmonised.csv": "0af11b1f60d954198347fd43226928c5b71e48192de1fc7498114c75155d0215",
    "TDP43-genotype-sex.csv": "061c9ab30792e9b927ef4f2a3cc93951df4fce99de5228f8bf8eb0d9f1acf912",
    "TDP43Q331K_Behav_Weight_processed_data.csv": "a75ab3257ba24d73a23b5bd9ba64842dffc83eb7f0975aa7d5d2ef27986bce37",
}


@dataclass(frozen=True)
class Line:
    """One mouse model: its files and the relabelling of its genotype strings."""

    name: str
    weight_file: str
    genotype_file: str
    genotypes: dict[str, str]  # the authors' string -> the book's level


LINES = (
    Line("TDP43_Q331K", "TDP43Q331K_Behav_Weight_processed_data.csv", "TDP43-genotype-sex.csv",
         {"TDP-43_Q331K:WT": "WT", "TDP-43_Q331K:Hom": "Q331K_hom"}),
    Line("C9orf72_GR400", "C9ORFBehav_Weight_processed_data.csv", "C9-genotype-sex.csv",
         {"C9ORF72-GR400-B6J:WT": "WT", "C9ORF72-GR400-B6J:Het": "GR400_het"}),
)
ECHO_FILE = "TDP-echo-checked-data-for-R_harmonised.csv"
SEX = {"Female": "F", "Male": "M", "f": "F", "m": "M"}
#: Files the book writes into the study folder (besides README.md and datapackage.yaml).
OUTPUT_FILES = ("body_weight.csv", "body_composition.csv", "conversion_log.csv")
LOG_COLUMNS = ["file", "row", "mouse_id", "age_weeks", "action", "reason"]


class ConversionError(ValueError):
    """The raw files are not what the conversion expects; the message names file, row and column."""


@dataclass
class Converted:
    """What :func:`convert` returns: the book's tables and the record of what it did."""

    body_weight: pd.DataFrame
    body_composition: pd.DataFrame
    #: One row per raw row dropped or changed (file, row, mouse_id, age_weeks, action, reason).
    log: pd.DataFrame
    #: One row per relabelled value: what, the authors' value, the book's value, how many mice.
    relabels: pd.DataFrame
    #: Raw rows read per file.
    rows_read: dict[str, int]
    #: What was done to whole files or columns (byte-order mark, columns left out), one sentence each.
    file_notes: list[str]
    #: Mouse-weeks with several weighings: line, mouse_id, age_weeks, weighings, lightest_g, heaviest_g, range_g.
    spreads: pd.DataFrame


# --------------------------------------------------------------------------- checksums


def read_sums(folder: Path) -> dict[str, str]:
    """Return ``{relative path: sha256}`` from ``folder/SHA256SUMS`` (``sha256sum`` format)."""
    path = Path(folder) / "SHA256SUMS"
    if not path.is_file():
        raise ConversionError(f"{path}: missing; expected the checksums of the study's files")
    sums = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            digest, sep, name = line.partition("  ")
            if not sep or len(digest) != 64:
                raise ConversionError(f"{path}, line {number}: expected '<sha256>  <file>', found {line!r}")
            sums[name.strip()] = digest
    return sums


def read_checked(folder: Path, name: str, sums: dict[str, str]) -> bytes:
    """Return the bytes of ``folder/name`` after checking them against *sums*; raise :class:`ConversionError`."""
    path = Path(folder) / name
    if name not in sums:
        raise ConversionError(f"{path}: not listed in {Path(folder) / 'SHA256SUMS'}")
    data = path.read_bytes()
    found = sha256_bytes(data)
    if found != sums[name]:
        raise ConversionError(f"{path}: SHA-256 {found[:12]}… differs from SHA256SUMS ({sums[name][:12]}…); "
                              "the file was changed — restore it from the source repository")
    return data


def verify_folder(folder: Path = FOLDER) -> dict[str, str]:
    """Check every file listed in ``SHA256SUMS`` of *folder*, and the raw files against the published digests.

    Returns the checksums; raises :class:`ConversionError` naming the first file that differs.
    """
    sums = read_sums(folder)
    for name, digest in RAW_SHA256.items():
        if sums.get(f"raw/{name}") != digest:
            raise ConversionError(f"{Path(folder) / 'SHA256SUMS'}: raw/{name} must have the published SHA-256 "
                                  f"{digest[:12]}… (found {str(sums.get(f'raw/{name}'))[:12]}…)")
    for name in sums:
        read_checked(folder, name, sums)
    return sums


# --------------------------------------------------------------------------- reading


def _read_csv(data: bytes, name: str) -> pd.DataFrame:
    """Parse CSV bytes; a UTF-8 byte-order mark is dropped (the authors' export starts with one)."""
    text = data.decode("utf-8-sig")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _require(frame: pd.DataFrame, columns: list[str], path: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConversionError(f"{path}: column(s) {', '.join(missing)} missing; the header is "
                              f"{', '.join(frame.columns)}")


def _numbers(frame: pd.DataFrame, column: str, path: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna()
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise ConversionError(f"{path}, row {i + 2}, column '{column}': found {frame[column].iloc[i]!r}; "
                              "expected a number")
    return values


def _genotype_file(data: bytes, line: Line, path: str) -> pd.DataFrame:
    gs = _read_csv(data, path)
    _require(gs, ["animal_name", "sex", "genotype"], path)
    unknown = ~gs["genotype"].isin(list(line.genotypes))
    if unknown.any():
        i = int(unknown.to_numpy().argmax())
        raise ConversionError(f"{path}, row {i + 2}, column 'genotype': found {gs['genotype'].iloc[i]!r}; "
                              f"expected one of {', '.join(line.genotypes)}")
    if gs["animal_name"].duplicated().any():
        i = int(gs["animal_name"].duplicated().to_numpy().argmax())
        raise ConversionError(f"{path}, row {i + 2}, column 'animal_name': {gs['animal_name'].iloc[i]!r} "
                              "appears twice; expected one row per mouse")
    return gs


def _convert_weight(line: Line, raw: dict[str, bytes]) -> tuple[pd.DataFrame, list[dict], int]:
    """Return the line's body-weight rows, its log entries and the raw rows read."""
    wpath, gpath = f"raw/{line.weight_file}", f"raw/{line.genotype_file}"
    w = _read_csv(raw[line.weight_file], wpath)
    _require(w, ["stock", "animal_name", "batch", "sex", "age weeks", "parameter", "data"], wpath)
    gs = _genotype_file(raw[line.genotype_file], line, gpath)
    w["row"] = range(2, len(w) + 2)
    w["weight"] = _numbers(w, "data", wpath)
    w["age"] = _numbers(w, "age weeks", wpath).astype(int)
    log: list[dict] = []

    def drop(mask: pd.Series, reason: str) -> None:
        log.extend({"file": wpath, "row": int(r.row), "mouse_id": r.animal_name, "age_weeks": int(r.age),
                    "action": "dropped", "reason": reason} for r in w[mask].itertuples())

    not_weight = w["parameter"] != "Weight"
    drop(not_weight, "parameter is not Weight")
    no_genotype = ~w["animal_name"].isin(gs["animal_name"])
    drop(no_genotype & ~not_weight, f"mouse not in {gpath}, so its genotype is unknown")
    if "genotype" in w.columns:  # the authors' weight files leave it empty: the genotype file is the source
        written = w["genotype"].str.strip() != ""
        if written.any():
            r = w[written].iloc[0]
            raise ConversionError(f"{wpath}, row {r.row}, column 'genotype': found {r.genotype!r}; expected it "
                                  f"empty (genotypes are taken from {gpath})")
        w = w.drop(columns="genotype")
    w = w[~not_weight & ~no_genotype].merge(gs.rename(columns={"sex": "sex_g"}), on="animal_name", how="left")
    sex = w["sex"].map(SEX)
    disagree = sex != w["sex_g"].map(SEX)
    if disagree.any():
        r = w[disagree].iloc[0]
        raise ConversionError(f"{wpath}, row {r.row}, column 'sex': found {r.sex!r}, but {gpath} gives "
                              f"{r.sex_g!r} for {r.animal_name}; expected the same sex in both files")
    w["sex"] = sex
    counts = w.groupby(["animal_name", "age"])["weight"].transform("size")
    for r in w[counts > 1].itertuples():
        log.append({"file": wpath, "row": int(r.row), "mouse_id": r.animal_name, "age_weeks": int(r.age),
                    "action": "averaged",
                    "reason": "one of several weighings of this mouse in this age-week; the row of the table is "
                              "their mean (as the authors averaged them)"})
    table = (w.groupby(["animal_name", "age"], sort=False)
             .agg(genotype=("genotype", "first"), sex=("sex", "first"), colony=("stock", "first"),
                  batch=("batch", "first"), n_weighings=("weight", "size"), weight_g=("weight", "mean"))
             .reset_index().rename(columns={"animal_name": "mouse_id", "age": "age_weeks"}))
    table["genotype"] = table["genotype"].map(line.genotypes)
    table.insert(0, "line", line.name)
    spread = (w[counts > 1].groupby(["animal_name", "age"])["weight"].agg(["size", "min", "max"]).reset_index()
              .rename(columns={"animal_name": "mouse_id", "age": "age_weeks", "size": "weighings",
                               "min": "lightest_g", "max": "heaviest_g"}))
    table.attrs["spread"] = spread.assign(line=line.name, range_g=spread["heaviest_g"] - spread["lightest_g"])
    return table, log, len(w) + int(not_weight.sum() + no_genotype.sum())


def _convert_echo(raw: dict[str, bytes], genotypes: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Return the body-composition table of the TDP-43 line (checked against its genotype file)."""
    path = f"raw/{ECHO_FILE}"
    e = _read_csv(raw[ECHO_FILE], path)
    cols = ["animal_name", "sex", "genotype", "fatmass", "mean_experimental_age", "freewater", "leanmass",
            "totalwater"]
    _require(e, cols, path)
    merged = e.merge(genotypes, on="animal_name", how="left", suffixes=("", "_g"))
    for column in ("sex", "genotype"):
        bad = merged[column] != merged[f"{column}_g"]
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise ConversionError(f"{path}, row {i + 2}, column '{column}': found {merged[column].iloc[i]!r}; "
                                  f"expected {merged[f'{column}_g'].iloc[i]!r} as in the genotype file")
    line = LINES[0]
    out = pd.DataFrame({
        "line": line.name, "mouse_id": e["animal_name"], "genotype": e["genotype"].map(line.genotypes),
        "sex": e["sex"].map(SEX), "age_weeks": _numbers(e, "mean_experimental_age", path).astype(int),
        "fat_g": _numbers(e, "fatmass", path), "lean_g": _numbers(e, "leanmass", path),
        "free_water_g": _numbers(e, "freewater", path), "total_water_g": _numbers(e, "totalwater", path)})
    return out, len(e)


def convert(folder: Path = FOLDER) -> Converted:
    """Convert the raw files of *folder* (checked against its ``SHA256SUMS``) into the book's tables.

    Returns
    -------
    Converted
        ``body_weight`` and ``body_composition`` in the columns of their specs,
        sorted by line, mouse and age; the log of every raw row dropped or
        changed; the relabelled values; the raw rows read per file.
    """
    folder = Path(folder)
    sums = read_sums(folder)
    raw = {name: read_checked(folder, f"raw/{name}", sums) for name in RAW_SHA256 if name.endswith(".csv")}
    for name, data in raw.items():  # the published digests, whatever SHA256SUMS says
        if sha256_bytes(data) != RAW_SHA256[name]:
            raise ConversionError(f"{folder / 'raw' / name}: not the file published at commit {SOURCE_COMMIT[:8]}")
    tables, log, rows_read, relabels, spreads = [], [], {}, [], []
    for line in LINES:
        table, entries, n = _convert_weight(line, raw)
        spreads.append(table.attrs.pop("spread"))
        tables.append(table)
        log += entries
        rows_read[f"raw/{line.weight_file}"] = n
        gs = _read_csv(raw[line.genotype_file], line.genotype_file)
        rows_read[f"raw/{line.genotype_file}"] = len(gs)
        for authors, book in line.genotypes.items():
            relabels.append({"what": "genotype", "line": line.name, "authors": authors, "book": book,
                             "mice": int((gs["genotype"] == authors).sum())})
        for authors in ("Female", "Male"):
            relabels.append({"what": "sex", "line": line.name, "authors": f"{authors} / {authors[0].lower()}",
                             "book": SEX[authors], "mice": int((gs["sex"] == authors[0].lower()).sum())})
    tdp = _genotype_file(raw[LINES[0].genotype_file], LINES[0], LINES[0].genotype_file)
    echo, n_echo = _convert_echo(raw, tdp)
    rows_read[f"raw/{ECHO_FILE}"] = n_echo
    notes = [f"`raw/{name}`: starts with a UTF-8 byte-order mark, ignored when reading"
             for name, data in raw.items() if data.startswith(b"\xef\xbb\xbf")]
    notes += [f"`raw/{line.weight_file}`: columns `genotype`, `sex gen` and `experimenter` are empty and left "
              "out; `animal_id`, `birth date`, `date_of_experiment` and `parameter` (always Weight) are not "
              "carried over"
              for line in LINES]
    weight = pd.concat(tables, ignore_index=True).sort_values(["line", "mouse_id", "age_weeks"], kind="stable")
    echo = echo.sort_values(["line", "mouse_id", "age_weeks"], kind="stable")
    return Converted(
        body_weight=weight[get_spec("body_weight").column_names].reset_index(drop=True),
        body_composition=echo[get_spec("body_composition").column_names].reset_index(drop=True),
        log=pd.DataFrame(log, columns=LOG_COLUMNS).sort_values(["file", "row"], kind="stable").reset_index(drop=True),
        relabels=pd.DataFrame(relabels), rows_read=rows_read, file_notes=notes,
        spreads=pd.concat(spreads, ignore_index=True).sort_values("range_g", ascending=False, kind="stable")
        .reset_index(drop=True)[["line", "mouse_id", "age_weeks", "weighings", "lightest_g", "heaviest_g", "range_g"]])


def log_summary(log: pd.DataFrame) -> pd.DataFrame:
    """Count the log's rows by file, action and reason (the table shown on the page)."""
    if log.empty:
        return pd.DataFrame(columns=["file", "action", "reason", "raw rows", "mouse-weeks"])
    return (log.groupby(["file", "action", "reason"], sort=False)
            .agg(**{"raw rows": ("row", "size"),
                    "mouse-weeks": ("mouse_id", lambda s: len(set(zip(s, log.loc[s.index, "age_weeks"], strict=True))))})
            .reset_index())


# --------------------------------------------------------------------------- writing and reading


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def outputs(converted: Converted) -> dict[str, bytes]:
    """Return the bytes of every file the conversion writes (tables and log)."""
    return {"body_weight.csv": _csv_bytes(converted.body_weight),
            "body_composition.csv": _csv_bytes(converted.body_composition),
            "conversion_log.csv": _csv_bytes(converted.log)}


def write_tables(folder: Path = FOLDER) -> list[Path]:
    """Convert the raw files and write the tables, the log and ``SHA256SUMS`` into *folder* (atomically each)."""
    folder = Path(folder)
    sums = read_sums(folder)
    files = outputs(convert(folder))
    written = [atomic_write(folder / name, data) for name, data in files.items()]
    keep = {k: v for k, v in sums.items() if k not in files}
    keep.update({name: sha256_bytes(data) for name, data in files.items()})
    atomic_write(folder / "SHA256SUMS", "".join(f"{d}  {n}\n" for n, d in sorted(keep.items())))
    return [*written, folder / "SHA256SUMS"]


def stale_outputs(folder: Path = FOLDER, converted: Converted | None = None) -> list[str]:
    """Return the written files that differ from what the raw files give now (empty: all up to date).

    *converted* (the result of :func:`convert` of *folder*) saves converting twice.
    """
    folder = Path(folder)
    fresh = outputs(converted if converted is not None else convert(folder))
    return [name for name, data in fresh.items()
            if not (folder / name).is_file() or (folder / name).read_bytes() != data]


def load_tables(folder: Path = FOLDER) -> dict[str, pd.DataFrame]:
    """Check every file of *folder* against ``SHA256SUMS``, then load and validate its two tables."""
    from helpers.data.validate import load_table

    verify_folder(folder)
    return {name: load_table(name, folder) for name in ("body_weight", "body_composition")}


def main(argv: list[str] | None = None) -> int:
    """Command line: convert the raw files into the book's tables (``--check``: only compare)."""
    parser = argparse.ArgumentParser(prog="python -m helpers real-data", description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=FOLDER, help="the study folder (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="only check that the written tables are up to date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            verify_folder(args.folder)
            stale = stale_outputs(args.folder)
            if stale:
                print(f"out of date (run make real-data): {', '.join(stale)}", file=sys.stderr)
                return 1
            print(f"{args.folder}: checksums match; tables are what the raw files give")
            return 0
        for path in write_tables(args.folder):
            print(f"wrote {path}")
    except ConversionError as err:
        print(err, file=sys.stderr)
        return 1
    return 0
