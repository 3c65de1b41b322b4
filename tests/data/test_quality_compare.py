"""Quality flags, coverage and comparisons, against hand-computed examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.data.compare import (
    disagreement_by,
    source_agreement,
    table1_comparison,
)
from cityclusters.data.quality import (
    coverage,
    flag_sector_sum,
    flag_yoy_outliers,
    list_outliers,
    yoy_change,
)


def small_panel() -> pd.DataFrame:
    # city 1: 100 → 160 (+60 %, flagged) → 150; city 2: 2000 and 2002 only (no consecutive year)
    return pd.DataFrame(
        {
            "city_code": [1, 1, 1, 2, 2],
            "name_zh": ["甲", "甲", "甲", "乙", "乙"],
            "name_pinyin": ["Jia", "Jia", "Jia", "Yi", "Yi"],
            "year": [2000, 2001, 2002, 2000, 2002],
            "gdp": [100.0, 160.0, 150.0, 10.0, 30.0],
            "population": [50.0, 51.0, 52.0, np.nan, 5.0],
            "va_primary": [10.0, 10.0, 10.0, 1.0, 3.0],
            "va_secondary": [40.0, 70.0, 60.0, 4.0, 12.0],
            "va_tertiary": [50.0, 80.0, 80.0, 5.0, 15.0],
        }
    )


def test_yoy_change_needs_consecutive_years():
    change = yoy_change(small_panel(), "gdp")
    assert change.tolist()[:3] == pytest.approx([np.nan, 0.6, 150 / 160 - 1], nan_ok=True)
    assert np.isnan(change.iloc[4])  # 2000 → 2002 is not a year-on-year change


def test_flags_and_listing():
    flagged = flag_yoy_outliers(small_panel())
    assert flagged["flag_gdp_yoy"].tolist() == [False, True, False, False, False]
    assert flagged["flagged"].sum() == 1  # va_secondary 40 → 70 is +75 % in the same row
    listing = list_outliers(flagged)
    assert set(listing["variable"]) == {"gdp", "va_secondary", "va_tertiary"}
    row = listing[listing["variable"] == "gdp"].iloc[0]
    assert (row["previous"], row["value"], row["change"]) == (100.0, 160.0, pytest.approx(0.6))


def test_sector_sum_gap():
    panel = small_panel()
    panel.loc[2, "gdp"] = 140.0  # sectors sum to 150: gap 150/140 − 1 = 7.1 %
    out = flag_sector_sum(panel)
    assert out.loc[2, "sector_sum_gap"] == pytest.approx(150 / 140 - 1)
    assert out["flag_sector_sum"].tolist() == [False, False, True, False, False]


def test_coverage_counts_absent_rows_as_missing():
    members = pd.DataFrame({"cluster_id": ["a", "a"], "city_code": [1, 2]})
    table = coverage(small_panel(), members, ["gdp", "population"], (2000, 2002))
    row = table.iloc[0]
    # 2 cities × 3 years = 6 city-years; city 2 has no row for 2001 (gdp missing 1/6)
    # population: city 2 missing in 2000 and 2001 → 2/6
    assert (row["cities"], row["years"], row["city_years"]) == (2, 3, 6)
    assert row["gdp"] == pytest.approx(1 / 6)
    assert row["population"] == pytest.approx(2 / 6)


def test_source_agreement_and_tolerance():
    panel = small_panel()
    other = panel[["city_code", "year", "gdp"]].copy()
    other.loc[1, "gdp"] = 160.0 * 1.004  # within 0.5 %
    other.loc[2, "gdp"] = 150.0 * 1.02  # outside
    other = other.drop(index=4)  # one city-year only in the panel
    matched = source_agreement(panel, other, tolerance=0.005)
    assert len(matched) == 4
    assert matched["within"].tolist() == [True, True, False, True]
    assert matched.loc[2, "relative_difference"] == pytest.approx(0.02)
    by = disagreement_by(matched, pd.DataFrame({"city_code": [1, 2], "province": ["P", "Q"]}), "province")
    assert by.iloc[0]["province"] == "P" and by.iloc[0]["disagreeing"] == 1
    assert by.iloc[0]["share_of_disagreements"] == 1.0


def test_table1_comparison_units():
    table1 = pd.DataFrame(
        {
            "indicator_id": ["gdp", "share_secondary_tertiary", "patents"],
            "indicator_zh": ["GDP", "第二三产业占比", "专利授权量"],
            "indicator_en": ["GDP", "share", "patents"],
            "unit": ["亿元", "%", "件"],
            "chongqing": [100.0, 90.0, 5.0],
            "chengdu": [200.0, 95.0, 6.0],
            "guiyang": [50.0, 96.0, 7.0],
        }
    )
    panel = pd.DataFrame(
        {
            "city_code": [500100, 510100, 520100],
            "year": [2019] * 3,
            "gdp": [101.0, 200.0, 50.0],
            "share_secondary": [0.40, 0.30, 0.36],
            "share_tertiary": [0.50, 0.65, 0.60],
        }
    )
    out = table1_comparison(table1, panel).set_index(["indicator_id", "city"])
    assert out.loc[("gdp", "chongqing"), "difference"] == pytest.approx(1.0)
    assert out.loc[("gdp", "chongqing"), "relative_difference"] == pytest.approx(0.01)
    assert out.loc[("share_secondary_tertiary", "chengdu"), "computed"] == pytest.approx(95.0)
    assert np.isnan(out.loc[("patents", "guiyang"), "computed"])
