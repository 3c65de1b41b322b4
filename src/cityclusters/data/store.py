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
geometries); they are local build products, never committed or shared. A table is never
trusted by its file name: ``<name>-<key>.sha256`` holds the SHA-256 of the pickle, written
with it, and the pickle is read only when its bytes still have that hash (unpickling a
foreign file could run code). A table whose hash is missing or differs (a tampered, truncated
or half-written file) is not read: a warning names it, and it is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
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
    """Return the table ``name``, from the store if its fingerprint matches and its bytes have
    the stored SHA-256, else ``build()`` it and store it with its SHA-256 (written to temporary
    files and renamed, so concurrent builds are safe).

    ``module`` is the package module whose source (with everything it imports) the table
    depends on; the fingerprint covers it, the data registry, the facts and the requirements.
    """
    if os.environ.get("CITYCLUSTERS_NO_CACHE") == "1":
        return build()
    folder = processed_dir()
    path = folder / f"{name}-{_key(module)}.pkl"
    sources = path.with_suffix(".sources.json")
    checksum = path.with_suffix(".sha256")
    if path.is_file() and sources.is_file():
        expected = checksum.read_text(encoding="utf-8").split()[0] if checksum.is_file() else None
        actual = _sha256(path)
        if actual == expected:
            try:
                frame = pd.read_pickle(path)
                for key in json.loads(sources.read_text(encoding="utf-8")):
                    provenance.record(key)
                return frame
            except Exception:  # pragma: no cover - a file with the right hash that fails to load
                pass
        else:
            warnings.warn(f"{path}: SHA-256 {actual[:16]}… does not match the stored "
                          f"{(expected or 'none')[:16]}…; the table is not read but rebuilt.",
                          stacklevel=2)
        path.unlink(missing_ok=True)
    with provenance.capture() as used:
        frame = build()
    folder.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    frame.to_pickle(temporary)
    temporary_checksum = checksum.with_suffix(f".{os.getpid()}.sha256.tmp")
    temporary_checksum.write_text(f"{_sha256(temporary)}  {path.name}\n", encoding="utf-8")
    temporary_sources = sources.with_suffix(f".{os.getpid()}.tmp")
    temporary_sources.write_text(json.dumps(sorted(used)), encoding="utf-8")
    temporary_sources.replace(sources)
    temporary_checksum.replace(checksum)
    temporary.replace(path)
    for stale in [*folder.glob(f"{name}-*.pkl"), *folder.glob(f"{name}-*.sources.json"),
                  *folder.glob(f"{name}-*.sha256")]:
        if stale not in (path, sources, checksum):
            stale.unlink(missing_ok=True)
    return frame


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
