"""City matching respects time: a name of a prefecture that did not exist in the row's year
(巢湖市 after 2011, 莱芜市 after 2018) is an error naming file, row and year, unless a cited
rule of ``data/facts/prefecture_year_rules.csv`` maps it to a successor or excludes it.

The crosswalk is replaced by a small one, so these tests need no data mirror."""

from __future__ import annotations

import pandas as pd
import pytest

from cityclusters.data.sources import crosswalk, unit_years
from cityclusters.data.sources.yearbook import reader
from cityclusters.errors import SourceFormatError

SPANS = pd.DataFrame(
    [("巢湖市", "E1", "安徽省", 2000, 2010), ("合肥市", "E2", "安徽省", 2000, 2024),
     ("山南地区", "E3", "西藏自治区", 2000, 2015), ("山南市", "E3", "西藏自治区", 2016, 2024),
     ("莱芜市", "E4", "山东省", 2000, 2018), ("济南市", "E5", "山东省", 2000, 2024)],
    columns=["name", "entity_id", "province_zh", "start", "end"])
ENTITIES = pd.DataFrame(
    [("E1", "巢湖市", "安徽省", 341400), ("E2", "合肥市", "安徽省", 340100), ("E3", "山南市", "西藏自治区", 540500),
     ("E4", "莱芜市", "山东省", 371200), ("E5", "济南市", "山东省", 370100)],
    columns=["entity_id", "name_zh", "province_zh", "city_code"])
RULE_COLUMNS = ["source_row", "source_key", "name_zh", "province_zh", "first_year", "last_year", "rule",
                "successor_zh", "reason", "source", "source_url"]
WHERE = "owner__repo/panel.xlsx"


@pytest.fixture
def small_crosswalk(monkeypatch):
    monkeypatch.setattr(crosswalk, "name_spans", lambda: SPANS)
    monkeypatch.setattr(crosswalk, "entities", lambda: ENTITIES)

    def set_rules(*rows):
        table = pd.DataFrame([(i + 2, *row) for i, row in enumerate(rows)], columns=RULE_COLUMNS)
        monkeypatch.setattr(unit_years, "rules", lambda: table)

    set_rules()
    return set_rules


def frame(*rows):
    """Rows (name, province, year, code) with spreadsheet rows 2, 3, …"""
    out = pd.DataFrame(rows, columns=["name_zh", "province_zh", "year", "code"])
    out.insert(0, "source_row", range(2, len(out) + 2))
    return out


def test_abolished_chaohu_in_2012_is_an_error_naming_file_row_and_year(small_crosswalk):
    rows = frame(("合肥市", "安徽省", 2012, 340100), ("巢湖市", "安徽省", 2012, 341400))
    with pytest.raises(SourceFormatError, match=r"owner__repo/panel\.xlsx.*巢湖市 \(安徽省\), year 2012, "
                                                r"row 3 \(the crosswalk knows it in 2000–2010 only\)"):
        crosswalk.harmonise(rows, where=WHERE)


def test_merged_laiwu_in_2020_is_an_error(small_crosswalk):
    with pytest.raises(SourceFormatError, match=r"莱芜市 \(山东省\), year 2020, row 2"):
        crosswalk.harmonise(frame(("莱芜市", "山东省", 2020, None)), where=WHERE, code=None)


def test_code_of_an_abolished_unit_does_not_match_either(small_crosswalk):
    """The code rule is time-aware too: an unknown spelling with 巢湖's code in 2012."""
    with pytest.raises(SourceFormatError, match=r"year 2012, row 2"):
        crosswalk.harmonise(frame(("巢湖地级市", "安徽省", 2012, 341400)), where=WHERE)


def test_names_inside_their_years_and_renamed_units_still_match(small_crosswalk):
    out = crosswalk.harmonise(frame(("巢湖市", "安徽省", 2010, 341400), ("莱芜市", "山东省", 2018, 371200),
                                    ("山南市", "西藏自治区", 2005, 542200)), where=WHERE)
    assert out["entity_id"].tolist() == ["E1", "E4", "E3"]
    assert out["match_rule"].tolist() == ["name_in_year", "name_in_year", "name_other_year"]
    assert out["city_code"].tolist() == [341400, 371200, 540500]


def test_an_exclusion_rule_leaves_the_row_out_and_lists_it(small_crosswalk):
    small_crosswalk((WHERE, "巢湖市", "安徽省", 2011, 2013, "exclude", None, "abolished 2011", "国函〔2011〕84号", ""))
    out = crosswalk.harmonise(frame(("合肥市", "安徽省", 2012, 340100), ("巢湖市", "安徽省", 2012, 341400)),
                              where=WHERE)
    assert out["name_zh"].tolist() == ["合肥市"]
    assert [(r["source_row"], r["rule_row"]) for r in out.attrs["excluded"]] == [(3, 2)]


def test_a_successor_rule_maps_the_row_to_its_successor(small_crosswalk):
    small_crosswalk((WHERE, "莱芜市", "山东省", 2019, 2020, "successor", "济南市", "merged", "国函〔2018〕163号", ""))
    out = crosswalk.harmonise(frame(("莱芜市", "山东省", 2020, None)), where=WHERE, code=None)
    assert out.loc[0, ["entity_id", "match_rule", "city_code"]].tolist() == ["E5", "successor", 370100]


def test_a_rule_of_another_file_does_not_apply(small_crosswalk):
    small_crosswalk(("owner__repo/other.xlsx", "巢湖市", "安徽省", 2011, 2013, "exclude", None, "x", "y", ""))
    with pytest.raises(SourceFormatError, match="year 2012"):
        crosswalk.harmonise(frame(("巢湖市", "安徽省", 2012, None)), where=WHERE, code=None)


def test_tables_without_a_year_match_a_name_of_any_year(small_crosswalk):
    members = pd.DataFrame({"name_zh": ["巢湖市"], "province_zh": ["安徽省"], "source_row": [2]})
    out = crosswalk.harmonise(members, where="data/facts/x.csv", code=None, year=None)
    assert out.loc[0, "match_rule"] == "name_any_year"


def test_yearbook_names_are_time_aware(monkeypatch):
    names = {}
    for row in SPANS.itertuples(index=False):
        names.setdefault(row.name, []).append((row.entity_id, row.province_zh, row.start, row.end))
    monkeypatch.setattr(reader, "_names_index", lambda: names)
    monkeypatch.setattr(reader, "_alive", lambda: unit_years.unit_years(SPANS))
    assert reader._match(("巢湖", "安徽省", 2012, 2013, "2-1", 7), names, {}) is None
    assert reader._match(("巢湖", "安徽省", 2010, 2011, "2-1", 7), names, {}) == ("E1", "name_with_shi")
    assert reader._match(("山南市", "西藏自治区", 2005, 2006, "2-1", 7), names, {}) == ("E3", "name_in_year_other_year")
    assert "2000–2010 only" in reader.known_only_in("巢湖", "安徽省", 2012)
    assert reader.known_only_in("巢湖", "安徽省", 2009) == ""


def test_the_committed_rules_are_cited_and_well_formed():
    table = unit_years.rules()
    assert set(table["rule"]) <= set(unit_years.RULE_KINDS)
    assert table["source"].str.len().gt(10).all() and table["reason"].str.len().gt(20).all()
    assert (table["first_year"] <= table["last_year"]).all()
