"""Which raw data files a computation used: recorded as they are fetched.

:func:`cityclusters.data.fetch.fetch` calls :func:`record` with the registry key of every raw file
it returns, and the processed-table store (:mod:`cityclusters.data.store`) keeps, next to each
stored table, the keys used to build it and replays them when the table is read back, so a
chapter that only reads stored tables still lists the raw files behind them. A chapter's last
cell calls :func:`glue_provenance`; the reproducibility page reads those glue values and shows
which chapter (and so which claim verdict) depends on which data file.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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



def remembered(function: Callable) -> Callable:
    """Like ``functools.lru_cache`` (unbounded), but the raw-file keys the first call recorded
    are recorded again on every later call, so a computation that gets a remembered table
    from memory still lists the raw files behind it. Without this the files a chapter lists
    depended on the order of calls in the process (a table built earlier in the same process
    and then read from memory recorded nothing). ``cache_clear()`` forgets the results.

    >>> calls = []
    >>> @remembered
    ... def table():
    ...     calls.append(1)
    ...     record("owner__repo/file.csv")
    ...     return 42
    >>> table()
    42
    >>> with capture() as used:
    ...     table()
    42
    >>> sorted(used), len(calls)
    (['owner__repo/file.csv'], 1)
    """
    memo: dict = {}

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        key = (args, tuple(sorted(kwargs.items())))
        if key not in memo:
            with capture() as keys:
                value = function(*args, **kwargs)
            memo[key] = (value, frozenset(keys))
        value, keys = memo[key]
        for raw_key in keys:
            record(raw_key)
        return value

    wrapper.cache_clear = memo.clear
    return wrapper
