"""Chapter 12 (pathways as scenarios): the counterfactual helpers and a rerun."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import pathways as sc
from cityclusters.errors import MethodInputError, SourceFormatError
from tests.conftest import requires_mirror


def _times():
    # three cities on a line: A–B 2 h, B–C 2 h, A–C 4 h (a shortest-path matrix)
    t = np.array([[0.0, 2.0, 4.0], [2.0, 0.0, 2.0], [4.0, 2.0, 0.0]])
    return pd.DataFrame(t, index=[1, 2, 3], columns=[1, 2, 3])


def test_apply_links_recomputes_shortest_paths():
    links = pd.DataFrame({"code_a": [1], "code_b": [2], "hours": [0.5]})
    out = sc.apply_links(_times(), links)
    assert out.at[1, 2] == pytest.approx(0.5)
    assert out.at[1, 3] == pytest.approx(2.5)  # 0.5 + 2 via B
    assert out.at[2, 3] == pytest.approx(2.0)
    assert np.allclose(out.to_numpy(), out.to_numpy().T)


def test_apply_links_never_lengthens_and_names_bad_rows():
    slow = pd.DataFrame({"code_a": [1], "code_b": [3], "hours": [9.0]})
    assert sc.apply_links(_times(), slow).at[1, 3] == pytest.approx(4.0)
    with pytest.raises(MethodInputError, match="row 1: city_code 9"):
        sc.apply_links(_times(), pd.DataFrame({"code_a": [1], "code_b": [9], "hours": [1.0]}))
    with pytest.raises(MethodInputError, match="row 1: column 'hours'"):
        sc.apply_links(_times(), pd.DataFrame({"code_a": [1], "code_b": [2], "hours": [0.0]}))


def test_line_links_split_the_planned_time_by_distance():
    # three points on the equator at 0°, 1°, 3° longitude: distances in ratio 1 : 2
    coords = pd.DataFrame({"lon": [0.0, 1.0, 3.0], "lat": [0.0, 0.0, 0.0]}, index=[1, 2, 3])
    line = {"line_id": "x", "cities": ["A", "B", "C"], "between": ["A", "C"], "planned_time_h": 0.9}
    out = sc.line_links(line, coords, {"A": 1, "B": 2, "C": 3})
    assert out["hours"].tolist() == pytest.approx([0.3, 0.6])
    # time given only between A and B: same speed beyond B
    line["between"] = ["A", "B"]
    assert sc.line_links(line, coords, {"A": 1, "B": 2, "C": 3})["hours"].tolist() == pytest.approx([0.9, 1.8])
    with pytest.raises(SourceFormatError, match="city 'D'"):
        sc.line_links({**line, "cities": ["A", "D"]}, coords, {"A": 1, "B": 2, "C": 3})


def test_check_scenario_lines_names_row_and_column():
    row = {c: "x" for c in sc.LINE_COLUMNS}
    row.update(line_id="a", cities_zh="甲市;乙市", time_between_zh="甲市;乙市", planned_time_h="1.5")
    good = pd.DataFrame([row])
    assert sc.check_scenario_lines(good)["planned_time_h"].iat[0] == 1.5
    with pytest.raises(SourceFormatError, match="row 2: column 'planned_time_h'"):
        sc.check_scenario_lines(good.assign(planned_time_h="-1"))
    with pytest.raises(SourceFormatError, match="row 2: column 'time_between_zh'"):
        sc.check_scenario_lines(good.assign(time_between_zh="甲市;丙市"))
    with pytest.raises(SourceFormatError, match="row 3: column 'line_id'"):
        sc.check_scenario_lines(pd.concat([good, good], ignore_index=True))
    with pytest.raises(SourceFormatError, match="missing column"):
        sc.check_scenario_lines(good.drop(columns="source"))


def test_linkage_indicators_hand_computed():
    # masses sqrt(P G) = 2, 1, 1 (P = G = 2, 1, 1); times A–B 1, A–C 2, B–C 1; b = 2
    frame = pd.DataFrame({"city_code": [1, 2, 3], "population": [2.0, 1.0, 1.0], "gdp": [2.0, 1.0, 1.0]})
    t = pd.DataFrame([[0, 1, 2], [1, 0, 1], [2, 1, 0]], index=[1, 2, 3], columns=[1, 2, 3], dtype=float)
    out = sc.linkage_indicators(frame, t, cores=[1])
    # R_AB = 2, R_AC = 2/4 = 0.5, R_BC = 1; total 3.5; mean 7/6
    assert out["total"] == pytest.approx(3.5)
    assert out["core_share"] == pytest.approx((2 + 0.5) / 2 / 3.5)  # core–periphery / 2
    assert out["density"] == pytest.approx(1 / 3)  # only R_AB ≥ 7/6
    assert sc.linkage_indicators(frame, t, [1], threshold=0.9)["density"] == pytest.approx(2 / 3)


def test_close_gap_and_inequality():
    y = pd.Series({"a": 100.0, "b": 50.0, "c": 200.0})
    out = sc.close_gap(y, ["b", "c"], target=150.0, closure=0.5)
    assert out.tolist() == [100.0, 100.0, 200.0]  # b closes half of 100; c above target untouched
    assert sc.close_gap(y, ["b"], 150.0, 0.0).equals(y)
    with pytest.raises(MethodInputError, match="closure"):
        sc.close_gap(y, ["b"], 150.0, 1.5)
    with pytest.raises(MethodInputError, match="'z'"):
        sc.close_gap(y, ["z"], 150.0, 0.5)
    ind = sc.inequality_indicators(pd.Series({"a": 1.0, "b": 1.0}), pd.Series({"a": 3.0, "b": 1.0}))
    assert ind["theil"] == pytest.approx(0.0) and ind["theil_weighted"] == pytest.approx(0.0)
    ind = sc.inequality_indicators(pd.Series({"a": 1.0, "b": 3.0}), pd.Series({"a": 1.0, "b": 1.0}))
    # shares 1/4, 3/4: T = 1/4 ln(1/2) + 3/4 ln(3/2); CV = 1/2
    assert ind["theil"] == pytest.approx(0.25 * np.log(0.5) + 0.75 * np.log(1.5))
    assert ind["cv"] == pytest.approx(0.5)


def test_grow_city_and_hierarchy():
    sizes = pd.Series({"a": 100.0, "b": 80.0, "c": 40.0, "d": 20.0})
    base = sc.hierarchy_indicators(sizes)
    assert base["s2"] == pytest.approx(1.25) and base["s4"] == pytest.approx(100 / 140)
    grown = sc.hierarchy_indicators(sc.grow_city(sizes, "a", 0.2))
    assert grown["s2"] == pytest.approx(1.5)
    swapped = sc.hierarchy_indicators(sc.grow_city(sizes, "b", 0.5))
    assert swapped["largest"] == "b" and swapped["s2"] == pytest.approx(1.2)
    with pytest.raises(MethodInputError, match="growth"):
        sc.grow_city(sizes, "a", -1.0)


def test_direction_and_parameters():
    assert sc.direction_word(1.0, 2.0) == "up" and sc.direction_word(2.0, 1.0) == "down"
    assert sc.direction_word(1.0, 1.0) == "unchanged" and sc.direction_word(np.nan, 1.0) == "n/a"
    ok = dict(first_year=2015, last_year=2023, scenario_year=2020, gap_closure=0.5, core_growth=0.2,
              lines=["x"], known_lines=["x"])
    sc.validate_scenario_parameters(**ok)
    for key, bad, msg in (("scenario_year", 2024, "SCENARIO_YEAR"), ("gap_closure", 1.2, "GAP_CLOSURE"),
                          ("core_growth", -0.1, "CORE_GROWTH"), ("lines", ["y"], "SCENARIO_LINES")):
        with pytest.raises(ValueError, match=msg):
            sc.validate_scenario_parameters(**{**ok, key: bad})


@requires_mirror
def test_typed_lines_file_is_valid():
    lines = sc.scenario_lines().set_index("line_id")
    assert lines.at["chengyu_middle", "planned_time_h"] == pytest.approx(50 / 60, abs=1e-3)
    assert lines.at["chengyu_middle", "cities"] == ["成都市", "资阳市", "重庆市"]


@pytest.mark.slow
@requires_mirror
def test_chapter_12_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("12_pathways", tmp_path / "12.ipynb",
                         {"CLUSTERS": ["chengyu"], "FIRST_YEAR": 2012, "LAST_YEAR": 2019,
                          "SCENARIO_YEAR": 2018, "SCENARIO_LINES": ["chengyu_middle"],
                          "GAP_CLOSURE": 1.0, "CORE_GROWTH": 0.5, "SIZE_MEASURE": "population"})
    values = glued_values(output)
    assert values["scenario_year"] == "2018" and values["sc_year_first"] == "2012"
    assert values["gap_closure"] == "1.0" and values["core_growth"] == "0.5"
    assert values["clusters_en"] == "'Chengdu–Chongqing'"
    assert values["sc_d_years"] == "'2012–2019'"
    assert float(values["s1_cdcq_after"]) == pytest.approx(50 / 60, abs=1e-3)
    assert float(values["ex1_half"]) == pytest.approx(float(values["ex1_full"]))
