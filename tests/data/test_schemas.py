"""Schemas: good fixtures pass; each kind of bad table fails with table, column, rows and keys."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from cityclusters.data.schemas import validate
from cityclusters.errors import TableValidationError


def city_year_fixture() -> pd.DataFrame:
    """Three city-years typed for the test (values of the order of the real ones)."""
    frame = pd.DataFrame(
        {
            "city_code": [510100, 510100, 520100],
            "entity_id": ["CNUR-000240", "CNUR-000240", "CNUR-000259"],
            "name_zh": ["成都市", "成都市", "贵阳市"],
            "name_pinyin": ["Chengdu", "Chengdu", "Guiyang"],
            "province_zh": ["四川省", "四川省", "贵州省"],
            "year": [2018, 2019, 2019],
            "gdp": [15342.8, 17012.65, 4039.6],
            "va_primary": [522.6, 612.18, 161.34],
            "va_secondary": [6516.2, 5244.62, 1495.41],
            "va_tertiary": [8304.0, 11155.85, 2382.85],
            "share_primary": [0.034, 0.036, 0.040],
            "share_secondary": [0.425, 0.308, 0.370],
            "share_tertiary": [0.541, 0.656, 0.590],
            "population": [1981.3, 2040.9, 594.62],
            "population_interpolated": [False, False, False],
            "erratum": [False, False, False],
            "gdp_per_capita": [77440.0, 83358.6, 67935.8],
            "gdp_deflator": [1.83, 1.87, 1.87],
            "real_gdp": [8384.0, 9116.8, 2157.9],
        }
    )
    return frame


def failing(frame, table):
    with pytest.raises(TableValidationError) as info:
        validate(frame, table)
    return info.value


def test_good_city_year_passes():
    frame = city_year_fixture()
    assert validate(frame, "city_year") is frame


def test_duplicate_city_year_is_named():
    frame = city_year_fixture()
    frame.loc[1, "year"] = 2018
    error = failing(frame, "city_year")
    message = str(error)
    assert error.table == "city_year" and "table 'city_year'" in message
    assert "city_code=510100, year=2018" in message


def test_negative_gdp_is_named():
    frame = city_year_fixture()
    frame.loc[2, "gdp"] = -5.0
    message = str(failing(frame, "city_year"))
    assert "column 'gdp'" in message and "city_code=520100, year=2019" in message and "-5.0" in message


def test_share_outside_unit_interval():
    frame = city_year_fixture()
    frame.loc[0, "share_tertiary"] = 54.1  # a percentage where a fraction belongs
    message = str(failing(frame, "city_year"))
    assert "column 'share_tertiary'" in message and "city_code=510100, year=2018" in message


@pytest.mark.parametrize(
    "column, factor",
    [("gdp", 1e4), ("population", 1e4), ("gdp_per_capita", 1e-4)],
    ids=["gdp in 万元 instead of 亿元", "population in persons instead of 万人", "per capita in 万元"],
)
def test_wrong_unit_magnitude(column, factor):
    frame = city_year_fixture()
    frame[column] = frame[column] * factor
    error = failing(frame, "city_year")
    assert f"column '{column}'" in str(error)
    assert error.failures.loc[error.failures["column"] == column, "n_rows"].iloc[0] == 3


def test_missing_gdp_needs_an_erratum():
    frame = city_year_fixture()
    frame.loc[0, "gdp"] = float("nan")
    assert "gdp_missing_only_by_erratum" in str(failing(frame, "city_year"))
    frame.loc[0, "erratum"] = True
    validate(frame, "city_year")


def test_unknown_province_and_bad_code():
    frame = city_year_fixture()
    frame.loc[0, "province_zh"] = "四川"
    frame.loc[1, "city_code"] = 51010  # five digits
    message = str(failing(frame, "city_year"))
    assert "column 'province_zh'" in message and "column 'city_code'" in message


def clusters_fixture() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster_id": ["chengyu", "chengyu", "qianzhong"],
            "city_code": [500100, 510100, 520100],
            "name_zh": ["重庆市", "成都市", "贵阳市"],
            "province_zh": ["重庆市", "四川省", "贵州省"],
            "partial": [True, False, False],
        }
    )


def test_clusters_schema():
    validate(clusters_fixture(), "clusters")
    bad = clusters_fixture()
    bad.loc[2, "cluster_id"] = "pearl_river"
    assert "column 'cluster_id'" in str(failing(bad, "clusters"))
    dup = pd.concat([clusters_fixture(), clusters_fixture().iloc[[0]]], ignore_index=True)
    assert "cluster_id=chengyu, city_code=500100" in str(failing(dup, "clusters"))


def test_cities_schema():
    frame = gpd.GeoDataFrame(
        {
            "city_code": [510100],
            "entity_id": ["CNUR-000240"],
            "name_zh": ["成都市"],
            "name_short_zh": ["成都"],
            "name_pinyin": ["Chengdu"],
            "province_zh": ["四川省"],
            "lon": [104.07],
            "lat": [30.67],
            "pop_census_2010": [1404.8],
            "pop_census_2020": [2093.8],
        },
        geometry=[box(103, 30, 105, 31)],
        crs="EPSG:4326",
    )
    validate(frame, "cities")
    frame.loc[0, "lat"] = 104.07  # lon and lat swapped
    assert "column 'lat'" in str(failing(frame, "cities"))
    frame.loc[0, "lat"] = 30.67
    frame.loc[0, "pop_census_2020"] = 20938000.0  # persons instead of 万人
    assert "column 'pop_census_2020'" in str(failing(frame, "cities"))


def test_table1_and_events_schema():
    table1 = pd.DataFrame(
        {"indicator_id": ["gdp"], "unit": ["亿元"], "chongqing": [23605.77], "chengdu": [17012.65],
         "guiyang": [4039.6], "year": [2019], "source": ["Liu & Deng (2021), Table 1"]}
    )
    validate(table1, "paper000_table1")
    table1.loc[0, "year"] = 2020
    assert "column 'year'" in str(failing(table1, "paper000_table1"))
    events = pd.DataFrame(
        {"event_id": ["hsr"], "event_type": ["hsr_opening"], "date": ["2015-12-26"], "year": [2015],
         "cluster_id": ["chengyu"], "source": ["news report"]}
    )
    validate(events, "events")
    events.loc[0, "cluster_id"] = "pearl_river"
    assert "column 'cluster_id'" in str(failing(events, "events"))
    events.loc[0, "cluster_id"] = "chengyu"
    events.loc[0, "date"] = "26/12/2015"
    assert "column 'date'" in str(failing(events, "events"))
