"""One D per city-year in the whole book: every coordination degree a built chapter printed
(its ``Drecord__`` glue records) equals the yardstick's D of that unit-year."""

from __future__ import annotations

import pytest

from cityclusters.paths import repo_root
from cityclusters.publishing import d_records as records_mod

EXECUTED = repo_root() / "_build" / "jupyter_execute" / "notebooks"
#: Chapters that print coordination degrees (chapter 7 prints obstacle shares, not D).
CHAPTERS_WITH_D = ("02_synergetics_to_measurement", "10_benchmarks", "11_drivers", "12_pathways")

pytestmark = [pytest.mark.slow, pytest.mark.book,
              pytest.mark.skipif(not EXECUTED.is_dir(), reason="book not built: run `make book`")]


def test_every_printed_d_is_the_yardstick_s():
    records = records_mod.d_records(EXECUTED)
    assert set(CHAPTERS_WITH_D) <= set(records["chapter"]), "a chapter that prints D records none"
    off = records_mod.disagreements(records)
    assert off.empty, off.head(20).to_string()


def test_a_unit_year_has_one_d_across_chapters():
    records = records_mod.d_records(EXECUTED)
    spread = records.groupby(["unit", "year"])["value"].agg(["min", "max", "nunique"])
    shared = records.groupby(["unit", "year"])["chapter"].nunique()
    assert (shared > 1).any(), "no unit-year is printed by two chapters: the test would be empty"
    assert (spread["max"] - spread["min"]).max() <= records_mod.TOLERANCE
