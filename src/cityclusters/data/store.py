"""A processed-data cache, so that chapters do not re-parse the Excel sources.

Building the city–year panel parses several spreadsheets (seconds); every chapter and every
rerun needs it. :func:`cached_frame` stores a built table as a pickle under
``data/processed/`` (or ``$CITYCLUSTERS_PROCESSED``) named by the table and the fingerprint of
:func:`cityclusters.data.cache_key.table_cache_key` (the source of the table builders and of the
package modules they import, the data registry with the raw files' SHA-256, the typed facts and
the pinned requirements). Any change to those gives a new name,
so a stale table is never read; older versions of the table are removed when a new one is
written. Set ``CITYCLUSTERS_NO_CACHE=1`` to build every table afresh.

Next to each table, ``<name>-<key>.sources.json`` lists the raw files (registry keys) it was
built from; they are recorded again (:mod:`cityclusters.data.provenance`) when the table is read
back, so a chapter knows its data files even when it never opens them.

Pickles are used because they restore every dtype exactly (categoricals, nullable integers,
geometries); they are local build products, never committed or shared.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import lru_cache

import pandas as pd

from cityclusters.data import provenance
from cityclusters.data.cache_key import table_cache_key
from cityclusters.paths import data_dir


def processed_dir():
    """Where built tables are stored: ``$CITYCLUSTERS_PROCESSED`` or ``data/processed``."""
    from pathlib import Path

    configured = os.environ.get("CITYCLUSTERS_PROCESSED")
    return Path(configured) if configured else data_dir() / "processed"


@lru_cache(maxsize=None)
def _key(module: str = "cityclusters.data.tables") -> str:
    return table_cache_key(module=module)[:16]


def cached_frame(name: str, build: Callable[[], pd.DataFrame],
                 module: str = "cityclusters.data.tables") -> pd.DataFrame:
    """Return the table ``name``, from the store if its fingerprint matches, else ``build()``
    it and store it (written to a temporary file and renamed, so concurrent builds are safe).

    ``module`` is the package module whose source (with everything it imports) the table
    depends on; the fingerprint covers it, the data registry, the facts and the requirements.
    """
    if os.environ.get("CITYCLUSTERS_NO_CACHE") == "1":
        return build()
    folder = processed_dir()
    path = folder / f"{name}-{_key(module)}.pkl"
    sources = path.with_suffix(".sources.json")
    if path.is_file() and sources.is_file():
        try:
            frame = pd.read_pickle(path)
            for key in json.loads(sources.read_text(encoding="utf-8")):
                provenance.record(key)
            return frame
        except Exception:  # a truncated or foreign file: rebuild it
            path.unlink(missing_ok=True)
    with provenance.capture() as used:
        frame = build()
    folder.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    frame.to_pickle(temporary)
    temporary_sources = sources.with_suffix(f".{os.getpid()}.tmp")
    temporary_sources.write_text(json.dumps(sorted(used)), encoding="utf-8")
    temporary_sources.replace(sources)
    temporary.replace(path)
    for stale in [*folder.glob(f"{name}-*.pkl"), *folder.glob(f"{name}-*.sources.json")]:
        if stale not in (path, sources):
            stale.unlink(missing_ok=True)
    return frame
