"""Each chapter's parameter rules are stated once, in its spec, and read by the chapter's
validation cell, by reruns and by these tests."""

from __future__ import annotations

import re

import pytest

from cityclusters.config import FIRST_YEAR, LAST_YEAR
from cityclusters.paths import repo_root
from cityclusters.publishing.chapter_specs import (
    CHAPTER_SPECS,
    PERIODS,
    ChapterSpec,
    chapter_spec,
)
from cityclusters.publishing.rerun import chapter_names, chapter_parameters
from tests.conftest import requires_mirror


def notebook_text(chapter: str) -> str:
    return (repo_root() / "notebooks" / f"{chapter}.md").read_text(encoding="utf-8")


def test_every_chapter_has_one_spec():
    assert sorted(CHAPTER_SPECS) == chapter_names()
    assert all(spec.period in PERIODS for spec in CHAPTER_SPECS.values())
    with pytest.raises(KeyError, match="chapters: \\['01_clusters_and_data'"):
        chapter_spec("13_missing")


@pytest.mark.parametrize("chapter", sorted(CHAPTER_SPECS))
def test_spec_names_only_parameters_of_the_chapter(chapter):
    defaults = chapter_parameters(chapter)
    assert set(chapter_spec(chapter).parameter_names) <= set(defaults)


@pytest.mark.parametrize("chapter", sorted(CHAPTER_SPECS))
def test_validation_cell_reads_its_own_spec_and_nothing_else(chapter):
    text = notebook_text(chapter)
    calls = re.findall(r'chapter_spec\("([^"]+)"\)\.check\(globals\(\)\)', text)
    assert calls == [chapter]
    # the spec is the one place: no chapter calls a parameter validator itself
    assert not re.search(r"\bvalidate_(parameters|years|size_measure|linkage_parameters|split_year|"
                         r"map_year|did_parameters|benchmark|driver_parameters|scenario_parameters)\(", text)


def test_a_spec_refuses_with_the_parameter_named():
    spec = ChapterSpec("x", min_years=5, clusters=("yrd26", "yrd41"), year_params=("CLAIM_YEAR",),
                       last_year_params=("MAP_YEAR",), year_list_params=("MAP_YEARS",), note="YRD only")
    good = {"CLUSTERS": ["yrd26"], "FIRST_YEAR": 2005, "LAST_YEAR": 2015, "CLAIM_YEAR": 2019,
            "MAP_YEAR": 2010, "MAP_YEARS": [2005, 2015]}
    spec.check(good)
    cases = [
        ({"CLUSTERS": ["chengyu"]}, r"CLUSTERS \['chengyu'\]: chapter x accepts only .*\(YRD only\)"),
        ({"LAST_YEAR": 2007}, "at least 5 years"),
        ({"CLAIM_YEAR": FIRST_YEAR - 1}, f"{FIRST_YEAR} <= FIRST_YEAR"),
        ({"MAP_YEAR": 2016}, "MAP_YEAR must be an integer year between FIRST_YEAR=2005 and LAST_YEAR=2015"),
        ({"MAP_YEAR": True}, "MAP_YEAR must be an integer year"),
        ({"MAP_YEARS": []}, "MAP_YEARS must be a non-empty list"),
        ({"MAP_YEARS": [2004]}, "MAP_YEARS must be an integer year between"),
        ({"LAST_YEAR": LAST_YEAR + 1}, f"<= {LAST_YEAR}"),
    ]
    for change, message in cases:
        with pytest.raises(ValueError, match=message):
            spec.check({**good, **change})
    with pytest.raises(ValueError, match=r"parameter\(s\) \['MAP_YEARS'\] missing"):
        spec.check({k: v for k, v in good.items() if k != "MAP_YEARS"})


def test_first_year_minimum_of_the_did_chapter():
    spec = chapter_spec("09_committee_did")
    assert spec.years()[0] == FIRST_YEAR + 1
    with pytest.raises(ValueError, match=f"FIRST_YEAR must be at least {FIRST_YEAR + 1}"):
        ChapterSpec("y", first_year_min=FIRST_YEAR + 1).check(
            {"CLUSTERS": ["yrd26"], "FIRST_YEAR": FIRST_YEAR, "LAST_YEAR": LAST_YEAR})


@requires_mirror
@pytest.mark.slow
@pytest.mark.parametrize("chapter", sorted(CHAPTER_SPECS))
def test_every_chapter_accepts_its_own_defaults(chapter):
    spec = chapter_spec(chapter)
    defaults = chapter_parameters(chapter)
    spec.check(defaults)
    first, last = spec.years()
    assert first <= defaults["FIRST_YEAR"] <= defaults["LAST_YEAR"] <= last


#: One bad value per chapter and the words its refusal must contain. The validation cell runs
#: exactly ``chapter_spec(<chapter>).check(globals())`` (test above), and one chapter's run in a
#: kernel shows that the check stops it before any figure
#: (tests/test_bad_input.py::test_chapter_with_a_bad_parameter_stops_before_any_figure), so
#: the other chapters' refusals are checked here, without starting a kernel each.
REFUSALS = [
    ("02_synergetics_to_measurement", {"FIRST_YEAR": 2005}, "reads the coordination index, which covers 2007–2019"),
    ("04_urban_hierarchy", {"SIZE_MEASURE": "area"}, "SIZE_MEASURE must be one of"),
    ("06_industry_and_market", {"SPLIT_YEAR": 2001}, "SPLIT_YEAR must leave"),
    ("08_yrd_mechanism", {"MAP_YEAR": 1980}, "MAP_YEAR must be an integer year"),
    ("09_committee_did", {"OUTCOME": "gdp"}, "OUTCOME must be one of"),
    ("11_drivers", {"OUTCOME": "wealth"}, "OUTCOME must be one of"),
]


@requires_mirror
@pytest.mark.slow
@pytest.mark.parametrize(("chapter", "change", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_each_chapter_refuses_a_bad_value_of_its_own_parameters(chapter, change, message):
    values = {**chapter_parameters(chapter), **change}
    with pytest.raises(ValueError, match=message):
        chapter_spec(chapter).check(values)


def test_cluster_list_parameters_are_checked_and_follow_a_rerun_cluster():
    from cityclusters.publishing.rerun import validate_request

    spec = chapter_spec("05_linkages")
    assert "FLOW_CLUSTERS" in spec.parameter_names
    values = {"CLUSTERS": ["yrd26"], "FIRST_YEAR": 2008, "LAST_YEAR": 2020, "DISTANCE": "travel_time",
              "DECAY": 2.0, "FLOW_CLUSTERS": ["pearl_river"]}
    with pytest.raises(ValueError, match="FLOW_CLUSTERS"):
        spec.check(values)
    request = validate_request("05_linkages", cluster="middle_yangtze")
    assert request.parameters["FLOW_CLUSTERS"] == ["middle_yangtze"]
    assert validate_request("05_linkages").parameters.get("FLOW_CLUSTERS") is None
