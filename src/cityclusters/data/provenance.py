"""Which raw data files a computation used: recorded as they are fetched.

:func:`cityclusters.data.fetch.fetch` calls :func:`record` with the registry key of every raw file
it returns, and the processed-table store (:mod:`cityclusters.data.store`) keeps, next to each
stored table, the keys used to build it and replays them when the table is read back, so a
chapter that only reads stored tables still lists the raw files behind them. A chapter's last
cell calls :func:`glue_provenance`; the reproducibility page reads those glue values and shows
which chapter (and so which claim verdict) depends on which data file.
"""

from __future__ import annotations

from contextlib import contextmanager

_USED: set[str] = set()
_CAPTURES: list[set[str]] = []


def record(key: str) -> None:
    """Note that the raw file ``key`` (a key of ``data/registry.tsv``) was used."""
    _USED.add(key)
    for capture in _CAPTURES:
        capture.add(key)


def used() -> list[str]:
    """Every raw-file key recorded in this process, sorted."""
    return sorted(_USED)


@contextmanager
def capture():
    """Collect the keys recorded inside the ``with`` block (nested captures all see them)."""
    keys: set[str] = set()
    _CAPTURES.append(keys)
    try:
        yield keys
    finally:  # remove by identity: two captures may hold equal sets
        del _CAPTURES[next(i for i, c in enumerate(_CAPTURES) if c is keys)]

