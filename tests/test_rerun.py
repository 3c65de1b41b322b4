"""A chapter reruns with non-default parameters and its glued numbers follow them."""

from __future__ import annotations

import pytest

from cityclusters.runner import glued_values, run_chapter

from .conftest import requires_mirror


@pytest.mark.slow
@requires_mirror
def test_chapter_01_reruns_for_other_clusters_and_years(tmp_path):
    output = run_chapter(
        "01_clusters_and_data",
        tmp_path / "01.ipynb",
        {"CLUSTERS": ["yrd26", "jingjinji"], "FIRST_YEAR": 2010, "TOLERANCE": 0.01},
    )
    values = glued_values(output)
    assert values["n_clusters_shown"] == "2"
    assert values["agree_first"] == "2010" and values["cov_first"] == "2010"
    assert values["agree_tol"] == "0.01"
    assert values["n_member_rows"] == "39"  # 26 YRD + 13 Beijing–Tianjin–Hebei units


@pytest.mark.slow
@requires_mirror
def test_bad_parameters_stop_with_a_clear_error(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError, match="CLUSTERS must be a non-empty list"):
        run_chapter("01_clusters_and_data", tmp_path / "bad.ipynb", {"CLUSTERS": ["pearl_river"]})
