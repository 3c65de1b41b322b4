"""Chapter 06 assembly: sector tables, structure trends, orderings, province sums, pairs, border."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import industry_market as im
from cityclusters.errors import MethodInputError
from tests.conftest import requires_mirror


def _panel():
    # two cities, two years; shares chosen for hand computation
    return pd.DataFrame({
        "cluster_id": ["c"] * 4,
        "city_code": [1, 2, 1, 2],
        "year": [2000, 2000, 2001, 2001],
        "va_primary": [10.0, 5.0, 10.0, 10.0],
        "va_secondary": [50.0, 40.0, 50.0, 50.0],
        "va_tertiary": [40.0, 55.0, 40.0, 40.0],
    })


def test_structure_trends_by_hand():
    out = im.structure_trends(_panel()).set_index("year")
    # 2000: (0.1, 0.5, 0.4) vs (0.05, 0.4, 0.55)
    s = (0.1 * 0.05 + 0.5 * 0.4 + 0.4 * 0.55) / math.sqrt((0.01 + 0.25 + 0.16) * (0.0025 + 0.16 + 0.3025))
    assert out.at[2000, "mean_similarity"] == pytest.approx(s)
    assert out.at[2000, "mean_krugman"] == pytest.approx(0.30)
    assert out.at[2001, "mean_similarity"] == pytest.approx(1.0)
    assert out.at[2001, "mean_krugman"] == pytest.approx(0.0)
    assert out.at[2000, "n_units"] == 2 and out.at[2000, "n_missing"] == 0


def test_structure_trends_reports_missing_units():
    panel = _panel()
    extra = pd.DataFrame({"cluster_id": ["c"], "city_code": [3], "year": [2000], "va_primary": [np.nan],
                          "va_secondary": [1.0], "va_tertiary": [1.0]})
    out = im.structure_trends(pd.concat([panel, extra], ignore_index=True)).set_index("year")
    assert out.at[2000, "n_units"] == 2 and out.at[2000, "n_missing"] == 1


def test_sector_levels_errors_name_column_and_rows():
    panel = _panel()
    panel.loc[1, "va_secondary"] = -1.0
    with pytest.raises(MethodInputError, match="va_secondary.*rows \\[1\\]"):
        im.sector_levels(panel, 2000)
    with pytest.raises(MethodInputError, match="missing column"):
        im.sector_levels(panel.drop(columns="va_tertiary"), 2000)
    dup = pd.concat([_panel(), _panel().iloc[[0]]])
    with pytest.raises(MethodInputError, match="more than once in year 2000"):
        im.sector_levels(dup, 2000)


def test_trend_per_decade():
    out = im.trend_per_decade([2000, 2001, 2002, 2003], [1.0, 1.1, 1.2, 1.3])
    assert out["trend"] == pytest.approx(1.0) and out["n"] == 4
    with pytest.raises(MethodInputError, match="at least 3"):
        im.trend_per_decade([2000, 2001], [1.0, 2.0])


def test_structure_order_codes_and_ties():
    shares = pd.DataFrame({"va_primary": [5, 10, 1], "va_secondary": [40, 50, 1],
                           "va_tertiary": [55, 40, 1]}, index=["a", "b", "tie"])
    assert im.structure_order(shares).tolist() == ["3-2-1", "2-3-1", "3-2-1"]
    shares.loc["a", "va_primary"] = np.nan
    with pytest.raises(MethodInputError, match="missing sector value at rows \\['a'\\]"):
        im.structure_order(shares)


def test_core_vs_regional():
    out = im.core_vs_regional(_panel(), 2000, cores=[2])
    assert out.at[2, "core"] and out.at[2, "order"] == "3-2-1"
    assert out.at[1, "order"] == "2-3-1"
    assert out.at[1, "share_secondary"] == pytest.approx(0.5)
    with pytest.raises(MethodInputError, match="core unit"):
        im.core_vs_regional(_panel(), 2000, cores=[9])


def test_province_sector_shares_sums_prefectures():
    panel = _panel().assign(province_zh=["P", "P", "P", "Q"])
    out = im.province_sector_shares(panel).set_index(["province", "year"])
    # 2000, P: primary 15, secondary 90, tertiary 95 of 200
    assert out.loc[("P", 2000), "share_primary"] == pytest.approx(0.075)
    assert out.loc[("P", 2000), "share_tertiary"] == pytest.approx(0.475)
    assert out.loc[("P", 2000), "n_units"] == 2
    with pytest.raises(MethodInputError, match="province\\(s\\) \\['R'\\] not found"):
        im.province_sector_shares(panel, ["R"])
    struct = im.province_structure(out.reset_index()[lambda f: f["year"] == 2001].reset_index(drop=True))
    assert struct.iloc[0]["mean_krugman"] == pytest.approx(0.0)


def test_split_year_validation_and_windows():
    w = im.period_windows(2000, 2023, 2012)
    assert w == {"2000–2023": (2000, 2023), "2000–2011": (2000, 2011), "2012–2023": (2011, 2023)}
    with pytest.raises(ValueError, match="SPLIT_YEAR must leave at least 3"):
        im.validate_split_year(2000, 2023, 2022)
    with pytest.raises(ValueError, match="integer"):
        im.validate_split_year(2000, 2023, "2012")


def _price_panel():
    years = list(range(2000, 2005))
    p = {1: [1.0, 1.1, 1.2, 1.3, 1.4], 2: [1.0, 1.1, 1.2, 1.3, 1.4], 3: [1.0, 1.2, 1.2, 1.5, 1.5]}
    rows = [{"cluster_id": "c", "city_code": c, "province_zh": "A" if c < 3 else "B", "year": y,
             "gdp_deflator": v} for c, vals in p.items() for y, v in zip(years, vals)]
    return pd.DataFrame(rows)


def test_deflator_pair_volatility_by_hand():
    cities = pd.DataFrame({"city_code": [1, 2, 3], "lon": [104.0, 104.5, 106.5], "lat": [30.0, 30.0, 29.5]})
    pairs, left = im.deflator_pair_volatility(_price_panel(), cities, {"all": (2000, 2004)})
    assert left.empty
    one = pairs.set_index(["city_i", "city_j"])
    assert one.at[(1, 2), "volatility"] == pytest.approx(0.0)
    assert one.at[(1, 2), "cross_province"] == 0 and one.at[(1, 3), "cross_province"] == 1
    d1 = np.diff(np.log([1.0, 1.1, 1.2, 1.3, 1.4]))
    d3 = np.diff(np.log([1.0, 1.2, 1.2, 1.5, 1.5]))
    assert one.at[(1, 3), "volatility"] == pytest.approx(np.std(d1 - d3, ddof=1))
    assert one.at[(1, 3), "n_changes"] == 4


def test_deflator_pair_volatility_reports_short_cities_and_missing_coordinates():
    panel = _price_panel()
    panel.loc[(panel["city_code"] == 3) & (panel["year"] != 2002), "gdp_deflator"] = np.nan
    cities = pd.DataFrame({"city_code": [1, 2, 3], "lon": [104.0, 104.5, 106.5], "lat": [30.0, 30.0, 29.5]})
    pairs, left = im.deflator_pair_volatility(panel, cities, {"all": (2000, 2004)})
    assert left["city_code"].tolist() == [3] and len(pairs) == 1
    with pytest.raises(MethodInputError, match="no lon/lat for city_code \\[2\\]"):
        im.deflator_pair_volatility(_price_panel(), cities[cities["city_code"] != 2], {"all": (2000, 2004)})


def test_border_effects_recovers_a_planted_border():
    rng = np.random.default_rng(0)
    n = 12
    lon = rng.uniform(100, 110, n)
    prov = np.where(np.arange(n) < 6, "A", "B")
    rows = []
    for i in range(n):
        for j in range(i + 1, n):
            d = 111 * abs(lon[i] - lon[j]) + 10
            cross = int(prov[i] != prov[j])
            rows.append({"cluster_id": "c", "period": "all", "city_i": i, "city_j": j, "distance_km": d,
                         "cross_province": cross,
                         "volatility": 0.01 * np.log(d) + 0.02 * cross + rng.normal(0, 0.001)})
    out = im.border_effects(pd.DataFrame(rows)).iloc[0]
    assert out["beta"] == pytest.approx(0.01, abs=0.002)
    assert out["gamma"] == pytest.approx(0.02, abs=0.002)
    assert out["border_km"] == pytest.approx(math.exp(out["gamma"] / out["beta"]))
    assert out["n_cities"] == n and out["n_cross"] == 36


def test_border_effects_without_border_variation():
    pairs = pd.DataFrame({"cluster_id": "c", "period": "all", "city_i": [1, 1, 2], "city_j": [2, 3, 3],
                          "distance_km": [10.0, 20.0, 30.0], "cross_province": 0,
                          "volatility": [0.01, 0.02, 0.03]})
    out = im.border_effects(pairs).iloc[0]
    assert out["note"].startswith("no border variation") and np.isnan(out["gamma"])


def test_format_border_km():
    assert im.format_border_km(120.4, 35.2, 410.0) == "120 [35, 410]"
    assert im.format_border_km(np.nan, np.nan, np.nan) == "–"
    assert im.format_border_km(50.0, 1.0, 2e6) == "50 [1, > 100,000]"
    assert im.format_border_km(50.0, np.nan, np.nan) == "50 [no CI]"


@pytest.mark.slow
@requires_mirror
def test_chapter_06_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("06_industry_and_market", tmp_path / "06.ipynb",
                         {"CLUSTERS": ["middle_yangtze"], "FIRST_YEAR": 2005, "LAST_YEAR": 2020,
                          "SPLIT_YEAR": 2013})
    values = glued_values(output)
    assert values["n_clusters"] == "1"
    assert values["first_year"] == "2005" and values["last_year"] == "2020"
    assert values["before_period"] == "'2005–2012'" and values["after_period"] == "'2013–2020'"
    assert values["heat_cluster"].startswith("'长江中游城市群")
    assert values["verdict__p000_biomed_duplication"].startswith("'not testable")
    assert "not among this run's clusters" in values["evidence__p003_segmentation_halved"]


@pytest.mark.slow
@requires_mirror
def test_chapter_06_refuses_a_bad_split_year(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    from cityclusters.publishing.runner import run_chapter

    with pytest.raises(PapermillExecutionError, match="SPLIT_YEAR must leave"):
        run_chapter("06_industry_and_market", tmp_path / "bad.ipynb", {"SPLIT_YEAR": 2001})
