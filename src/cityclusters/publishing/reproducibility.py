"""Facts for the reproducibility page: versions, the data files and which chapter uses which.

Everything is read at build time from the running environment, the committed data registry
(``data/registry.tsv``: every raw file with its SHA-256) and the executed chapters (each
glues the raw-file keys it used, see :mod:`cityclusters.data.provenance`).
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd

from cityclusters.errors import LedgerError
from cityclusters.paths import repo_root
from cityclusters.publishing.ledger import (
    chapter_glue_files,
    executed_dir,
    glued_strings,
)

#: Packages whose versions the page reports (all pinned in requirements.txt).
KEY_PACKAGES = ("jupyter-book", "sphinx", "myst-nb", "jupyter-cache", "papermill", "pandas",
                "numpy", "scipy", "statsmodels", "linearmodels", "geopandas", "shapely",
                "matplotlib", "esda", "libpysal", "networkx", "pooch", "pandera", "openpyxl")
#: System tools and the argument that prints their version.
TOOLS = {"xelatex": "--version", "pdftoppm": "-v", "chromium": "--version"}


def package_versions(names=KEY_PACKAGES) -> pd.DataFrame:
    """Installed version of each package (``not installed`` when absent)."""
    rows = []
    for name in names:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "not installed"
        rows.append({"package": name, "version": version})
    rows.insert(0, {"package": "python", "version": platform.python_version()})
    return pd.DataFrame(rows)


def tool_versions(tools: dict[str, str] = TOOLS) -> pd.DataFrame:
    """First line of each system tool's version output (``not found`` when absent)."""
    rows = []
    for tool, flag in tools.items():
        path = shutil.which(tool)
        line = "not found"
        if path:
            result = subprocess.run([path, flag], capture_output=True, text=True, timeout=30)
            text = (result.stdout or result.stderr).strip().splitlines()
            line = text[0] if text else "(no version output)"
        rows.append({"tool": tool, "version": line})
    return pd.DataFrame(rows)


def git_commit() -> str:
    """The commit the book was built from (``unknown`` outside a git checkout)."""
    try:
        result = subprocess.run(["git", "-C", str(repo_root()), "rev-parse", "--short=12", "HEAD"],
                                capture_output=True, text=True, timeout=30)
    except OSError:
        return "unknown"
    return result.stdout.strip() or "unknown"


def chapter_raw_files(folder: Path | None = None) -> pd.DataFrame:
    """One row per (chapter, raw file) used, from the chapters' ``provenance__raw_files`` glue.

    A chapter without that glue value raises :class:`LedgerError` naming it.
    """
    folder = Path(folder) if folder is not None else executed_dir()
    rows = []
    files = chapter_glue_files(folder)
    if not files:
        raise LedgerError(f"no executed chapters in {folder / 'notebooks'}: build the book first")
    for path in files:
        values = glued_strings(path, prefixes=("provenance",))
        if "provenance__raw_files" not in values:
            raise LedgerError(f"{path.name}: no glue value 'provenance__raw_files' (the chapter's "
                              "last cell must call cityclusters.publishing.notebook.glue_provenance())")
        chapter = path.name.split(".")[0]
        rows += [{"chapter": chapter, "key": key} for key in json.loads(values["provenance__raw_files"])]
    return pd.DataFrame(rows, columns=["chapter", "key"])


def data_file_table(usage: pd.DataFrame, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """The raw files the chapters used, with source, size, SHA-256 and the chapters using them."""
    from cityclusters.data.registry import load_registry

    registry = load_registry() if registry is None else registry
    unknown = sorted(set(usage["key"]) - set(registry.index))
    if unknown:
        raise LedgerError(f"chapters used files not in data/registry.tsv: {unknown}")
    chapters = usage.groupby("key")["chapter"].apply(
        lambda s: ", ".join(str(int(c.split("_")[0])) for c in sorted(set(s))))
    table = registry.loc[chapters.index, ["source", "path", "bytes", "sha256"]].copy()
    table["chapters"] = chapters
    return table.reset_index(drop=True).sort_values(["source", "path"]).reset_index(drop=True)


def source_matrix(usage: pd.DataFrame, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """Chapters (rows) × data sources (columns): the number of raw files of the source used."""
    from cityclusters.data.registry import load_registry

    registry = load_registry() if registry is None else registry
    frame = usage.assign(source=registry.loc[usage["key"], "source"].to_numpy())
    return pd.crosstab(frame["chapter"], frame["source"])


def claim_sources(ledger: pd.DataFrame, usage: pd.DataFrame,
                  registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each claim with the data sources of the chapter that judges it."""
    from cityclusters.data.registry import load_registry

    registry = load_registry() if registry is None else registry
    sources = (usage.assign(source=registry.loc[usage["key"], "source"].to_numpy())
               .groupby("chapter")["source"].apply(lambda s: ", ".join(sorted(set(s)))))
    out = ledger[["claim_id", "chapter", "category"]].copy()
    out["data sources"] = out["chapter"].map(sources).fillna("none (typed facts only)")
    return out
