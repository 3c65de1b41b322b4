"""The registry of raw data files: where each file comes from and its SHA-256.

The registry (``data/registry.tsv``) is generated from the mirror's ``MANIFEST.tsv`` and
committed; it holds metadata only, never data. Each row names one raw file by its key
``<source>/<path>`` (the same layout as the mirror), the repository commit it is pinned to,
its SHA-256, its size and its origin URL (the raw file at that commit).

Regenerate with ``python -m cityclusters registry ../shared/data/MANIFEST.tsv``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cityclusters.errors import RegistryError
from cityclusters.paths import registry_file

REGISTRY_COLUMNS = ["key", "source", "commit", "path", "sha256", "bytes", "origin_url"]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def path_problem(text: str, *, one_part: bool = False) -> str | None:
    """Why ``text`` cannot name a file inside the data folders, or None.

    A source or path must be relative, with no empty, ``.`` or ``..`` part, no backslash and
    no control character (``one_part``: no ``/`` either), so that ``data/raw/<source>/<path>``
    always lies inside ``data/raw``.
    """
    if not text:
        return "is empty"
    if any(ord(c) < 32 for c in text) or "\\" in text:
        return "holds a backslash or a control character"
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return "is an absolute path"
    parts = text.split("/")
    if one_part and len(parts) > 1:
        return "holds a '/'"
    if any(part in ("", ".", "..") for part in parts):
        return "has an empty, '.' or '..' part (it would lead outside data/raw)"
    return None


def build_registry(manifest: Path | str) -> pd.DataFrame:
    """Read a mirror ``MANIFEST.tsv`` and return the registry table, validated.

    Checks each row: a source and a path that stay inside ``data/raw`` (:func:`path_problem`),
    a 64-hex SHA-256, a 40-hex commit, a positive size, and an origin URL
    that pins the same commit and ends with the path. Raises :class:`RegistryError` naming
    the manifest, row and column of the first problems found.
    """
    manifest = Path(manifest)
    if not manifest.is_file():
        raise RegistryError(f"Manifest {manifest} not found.")
    table = pd.read_csv(manifest, sep="\t", dtype=str, keep_default_na=False)
    missing = {"source", "commit", "path", "sha256", "bytes", "origin_url"} - set(table.columns)
    if missing:
        raise RegistryError(f"Manifest {manifest}: missing column(s) {sorted(missing)}.")
    problems: list[str] = []
    for idx, row in table.iterrows():
        line = idx + 2  # header is line 1
        for column, one_part in (("source", True), ("path", False)):
            problem = path_problem(row[column], one_part=one_part)
            if problem:
                problems.append(f"line {line}, column {column}: {row[column]!r} {problem}")
        if not _SHA256.match(row["sha256"]):
            problems.append(f"line {line}, column sha256: {row['sha256']!r} is not a SHA-256")
        if not _COMMIT.match(row["commit"]):
            problems.append(f"line {line}, column commit: {row['commit']!r} is not a commit")
        if not row["bytes"].isdigit() or int(row["bytes"]) <= 0:
            problems.append(f"line {line}, column bytes: {row['bytes']!r} is not a positive size")
        if row["commit"] not in row["origin_url"] or not row["origin_url"].endswith(row["path"]):
            problems.append(
                f"line {line}, column origin_url: {row['origin_url']!r} does not pin commit "
                f"{row['commit']} and path {row['path']!r}"
            )
    if problems:
        raise RegistryError(f"Manifest {manifest}: " + "; ".join(problems[:10]))
    table["key"] = table["source"] + "/" + table["path"]
    if table["key"].duplicated().any():
        dups = table.loc[table["key"].duplicated(), "key"].tolist()
        raise RegistryError(f"Manifest {manifest}: duplicate file key(s) {dups[:5]}")
    table["bytes"] = table["bytes"].astype(int)
    return table[REGISTRY_COLUMNS].sort_values("key").reset_index(drop=True)


def write_registry(manifest: Path | str, target: Path | None = None) -> Path:
    """Generate the registry from ``manifest`` and write it (tab-separated) to ``target``."""
    target = target or registry_file()
    table = build_registry(manifest)
    target.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(target, sep="\t", index=False, lineterminator="\n")
    return target


def load_registry(path: Path | None = None) -> pd.DataFrame:
    """The committed registry as a table indexed by file key."""
    path = path or registry_file()
    if not path.is_file():
        raise RegistryError(
            f"Registry {path} not found. Generate it with "
            "`python -m cityclusters registry ../shared/data/MANIFEST.tsv`."
        )
    table = pd.read_csv(path, sep="\t", dtype={"bytes": int}, keep_default_na=False)
    if list(table.columns) != REGISTRY_COLUMNS:
        raise RegistryError(f"Registry {path}: columns {list(table.columns)} != {REGISTRY_COLUMNS}")
    for idx, key in table["key"].items():
        problem = path_problem(str(key))
        if problem:
            raise RegistryError(f"Registry {path}: line {idx + 2}, column key: {key!r} {problem}.")
    return table.set_index("key", drop=False)
