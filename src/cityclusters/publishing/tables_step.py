"""The ``tables`` command: every tidy table and every stored analysis table, built in parallel.

The tables fall into groups that share no intermediate table: the city–year panels, the
yearbook and the coordination index with its multiverses (the longest group); chapter 5's check
of the rail timetable; and the observed flows (Baidu Qianxi files, about 2.9 million rows) with
the national distance decay fitted to them. Each group is built in its own process (``jobs``
of them at a time, longest first), and every table is stored by
:func:`cityclusters.data.store.cached_frame`, which writes through temporary files and renames,
so two processes that need the same table (the city list, say) never read a half-written one.
The parent then prints each table's size in one fixed order, whatever order the groups finish in.

``CITYCLUSTERS_EXECUTION_JOBS=1`` builds the groups one after another in this process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

#: Groups in the order they start (longest first) and their tables in the order they print.
#: With two processes: the panels and the index (≈ 110 s on this book's CI machine) in one; the
#: yearbook's cross-section check, the flows and the timetable check (≈ 48 + 40 + 25 s) in the
#: other. The cross-check reads the yearbook's archives like the yearbook panel does; each
#: archive is extracted once (:func:`cityclusters.data.sources.yearbook.archives.extracted_dir`
#: holds a lock while it extracts).
GROUPS: dict[str, tuple[str, ...]] = {
    "panels": ("city_year", "city_year_outliers", "cities", "clusters", "cluster_plans", "nbs_regions",
               "paper002_ten_clusters", "paper000_table1", "events", "yrd_committee_members",
               "source_errata", "csmar_city_gdp", "city_year_yearbook",
               "coordination_index", "coordination_multiverse", "obstacle_multiverse"),
    "yearbook_check": ("yearbook_cross_check",),
    "flows": ("flows", "flow_defects", "flow_coverage", "flow_cross_check", "flow_decay_bins"),
    "timetable": ("timetable_pairs", "timetable_summary", "timetable_times"),
}


def _builders() -> dict[str, Callable[[], pd.DataFrame]]:
    """Each table's builder: the tidy tables of :data:`cityclusters.data.tables.TABLE_BUILDERS`
    and the stored analysis tables (imported here, in the process that builds them)."""
    from cityclusters.analysis import coordination_index, flows
    from cityclusters.data import tables

    return {
        **tables.TABLE_BUILDERS,
        # the book's one index and its multiverses, stored once so chapters only read them
        "coordination_index": coordination_index.panel_index,
        "coordination_multiverse": coordination_index.cluster_multiverse,
        "obstacle_multiverse": coordination_index.obstacle_multiverse,
        # chapter 5's timetable check of the rail network and the national flow decay
        "timetable_pairs": lambda: flows.timetable_validation()[0],
        "timetable_summary": lambda: flows.timetable_validation()[1],
        "timetable_times": flows.timetable_city_times,
        "flow_decay_bins": lambda: flows.national_decay()[1],
    }


def build_group(group: str) -> list[tuple[str, int, int]]:
    """Build (or read back) every table of ``group``; return (name, rows, columns) of each."""
    if group not in GROUPS:
        raise ValueError(f"unknown table group {group!r}; groups: {', '.join(GROUPS)}")
    builders = _builders()
    sizes = []
    for name in GROUPS[group]:
        frame = builders[name]()
        sizes.append((name, len(frame), frame.shape[1]))
    return sizes


def build_all_tables(jobs: int) -> list[tuple[str, int, int]]:
    """Every table of every group, ``jobs`` groups at a time; sizes in the order of :data:`GROUPS`.

    A group that fails raises its error here (after the other groups finish), naming the table's
    source as the builders do.
    """
    if jobs <= 1:
        return [size for group in GROUPS for size in build_group(group)]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited state
    with ProcessPoolExecutor(max_workers=min(jobs, len(GROUPS)), mp_context=context) as pool:
        futures = {group: pool.submit(build_group, group) for group in GROUPS}
        return [size for group in GROUPS for size in futures[group].result()]


def print_sizes(sizes: list[tuple[str, int, int]]) -> None:
    for name, rows, columns in sizes:
        print(f"  {name:<24} {rows:>6} rows  {columns:>3} columns")
