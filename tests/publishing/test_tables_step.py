"""The ``tables`` command builds every table in independent groups, in parallel processes."""

from __future__ import annotations

import pytest

from cityclusters.data import tables
from cityclusters.publishing import tables_step
from tests.conftest import requires_mirror


def test_every_table_is_in_exactly_one_group_and_has_a_builder():
    names = [name for group in tables_step.GROUPS.values() for name in group]
    assert len(names) == len(set(names)), "a table is listed in two groups"
    assert set(tables.TABLE_BUILDERS) <= set(names)
    assert {"coordination_index", "coordination_multiverse", "obstacle_multiverse",
            "timetable_pairs", "flow_decay_bins"} <= set(names)
    assert set(tables_step._builders()) == set(names)


def test_an_unknown_group_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown table group 'flow'.*panels, yearbook_check, flows, timetable"):
        tables_step.build_group("flow")


@pytest.mark.slow
@requires_mirror
def test_groups_built_in_two_processes_report_every_table_in_the_fixed_order():
    # after `make tables` every group only reads its stored tables back
    sizes = tables_step.build_all_tables(jobs=2)
    assert [name for name, _, _ in sizes] == [name for group in tables_step.GROUPS.values() for name in group]
    assert all(rows > 0 and columns > 0 for _, rows, columns in sizes)
    assert dict((name, rows) for name, rows, _ in sizes)["yrd_committee_members"] == 41
