"""Vintage-consistent growth (cityclusters.indicators.growth): hand-computed examples and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cityclusters.errors import MethodInputError
from cityclusters.indicators import growth
from tests.conftest import requires_mirror


def _panel(rows):
    """rows: (city_code, year, gdp_index, population, real_gdp)."""
    return pd.DataFrame(rows, columns=["city_code", "year", "gdp_index", "population", "real_gdp"])


def _toy():
    # one city, three years; population constant; the level jumps by +50 % in 2002 (a
    # "revision") while the official index says +5 %
    return _panel([(1, 2000, 108.0, 100.0, 10.0), (1, 2001, 110.0, 100.0, 11.0),
                   (1, 2002, 105.0, 100.0, 16.5)])


def test_official_growth_is_log_of_index():
    g = growth.official_real_growth(_toy())
    assert g.iloc[1] == pytest.approx(math.log(1.10))
    assert g.iloc[2] == pytest.approx(math.log(1.05))


def test_chained_levels_follow_the_index_not_the_revised_level():
    out = growth.chained_real_per_capita(_toy(), base_year=2000).set_axis([2000, 2001, 2002])
    # base: 10 亿元 / 100 万人 × 10⁴ = 1000 元; then × 1.10, × 1.05
    assert out.at[2000, "real_pc_chained"] == pytest.approx(1000.0)
    assert out.at[2001, "real_pc_chained"] == pytest.approx(1100.0)
    assert out.at[2002, "real_pc_chained"] == pytest.approx(1155.0)
    assert out.at[2002, "real_pc_published"] == pytest.approx(1650.0)  # the revised level
    assert math.isnan(out.at[2000, "growth"])


def test_chain_runs_backwards_from_a_later_base_year():
    out = growth.chained_real_per_capita(_toy(), base_year=2002).set_axis([2000, 2001, 2002])
    # 1650 in 2002, ÷ 1.05 → 1571.43 in 2001, ÷ 1.10 → 1428.57 in 2000
    assert out.at[2002, "real_pc_chained"] == pytest.approx(1650.0)
    assert out.at[2001, "real_pc_chained"] == pytest.approx(1650.0 / 1.05)
    assert out.at[2000, "real_pc_chained"] == pytest.approx(1650.0 / 1.05 / 1.10)


def test_per_capita_growth_subtracts_population_growth():
    frame = _panel([(1, 2000, 108.0, 100.0, 10.0), (1, 2001, 110.0, 102.0, 11.0)])
    out = growth.per_capita_growth(frame)
    assert math.isnan(out.at[0, "growth"])  # no previous year for population
    assert out.at[1, "growth"] == pytest.approx(math.log(1.10) - math.log(1.02))
    assert out.at[1, "gdp_growth"] == pytest.approx(math.log(1.10))
    assert not out["pop_break"].any()


def test_population_break_replaced_by_city_median_and_chain_uses_it():
    # population changes +0.01, +0.02, +0.50 (break, e.g. a merger), +0.03 → median 0.02
    logs = np.cumsum([0, 0.01, 0.02, 0.50, 0.03])
    frame = _panel([(7, 2000 + i, 110.0, 100 * math.exp(v), 10.0 * math.exp(v)) for i, v in enumerate(logs)])
    pop = growth.population_growth(frame).set_axis(range(2000, 2005))
    assert pop.at[2003, "pop_break"] and not pop.at[2002, "pop_break"]
    assert pop.at[2003, "pop_growth_published"] == pytest.approx(0.50)
    assert pop.at[2003, "pop_growth"] == pytest.approx(0.02)
    assert pop["pop_break"].sum() == 1
    raw = growth.population_growth(frame, pop_break=None).set_axis(range(2000, 2005))
    assert raw.at[2003, "pop_growth"] == pytest.approx(0.50) and not raw["pop_break"].any()
    chain = growth.chained_real_per_capita(frame, 2000).set_axis(range(2000, 2005))
    # base 1000 元; growth ln 1.1 − 0.01, − 0.02, − 0.02 (replaced), − 0.03
    expected = 1000 * math.exp(4 * math.log(1.1) - 0.01 - 0.02 - 0.02 - 0.03)
    assert chain.at[2004, "real_pc_chained"] == pytest.approx(expected)


def test_gap_in_years_or_missing_index_breaks_the_chain():
    frame = _panel([(1, 2000, 110.0, 100.0, 10.0), (1, 2001, np.nan, 100.0, 11.0),
                    (1, 2002, 110.0, 100.0, 12.0), (2, 2000, 110.0, 50.0, 10.0),
                    (2, 2002, 110.0, 50.0, 12.0)])
    out = growth.chained_real_per_capita(frame, 2000)
    assert out.at[0, "real_pc_chained"] == pytest.approx(1000.0)
    assert out[["real_pc_chained"]].iloc[[1, 2]].isna().all().all()  # after the missing index
    assert out.at[3, "real_pc_chained"] == pytest.approx(2000.0)
    assert math.isnan(out.at[4, "real_pc_chained"])  # 2001 row absent: no two-year step
    assert math.isnan(growth.per_capita_growth(frame).at[4, "growth"])


def test_level_growth_and_vintage_gap_show_the_revision():
    toy = _toy()
    levels = growth.level_per_capita_growth(toy)
    assert levels.iloc[2] == pytest.approx(math.log(1.5))
    gap = growth.vintage_gap(toy, threshold=0.05).set_index("year")
    assert gap.at[2002, "median_gap"] == pytest.approx(math.log(1.5) - math.log(1.05))
    assert gap.at[2002, "share_large"] == 1.0 and gap.at[2001, "share_large"] == 0.0


def test_missing_index_column_names_it():
    frame = _toy().drop(columns="gdp_index")
    with pytest.raises(MethodInputError, match="gdp_index"):
        growth.per_capita_growth(frame)
    with pytest.raises(MethodInputError, match="gdp_index"):
        growth.chained_real_per_capita(frame, 2000)


def test_missing_index_value_raises_when_complete_required():
    frame = _toy().assign(name_zh="合肥市")
    frame.loc[1, "gdp_index"] = np.nan
    with pytest.raises(MethodInputError, match=r"'gdp_index' is missing at city_code 1 \(合肥市\), year 2001"):
        growth.official_real_growth(frame, complete=True)
    assert math.isnan(growth.official_real_growth(frame).iloc[1])  # default: NaN


@pytest.mark.parametrize("column, value", [("gdp_index", 0.0), ("population", -3.0), ("real_gdp", 0.0)])
def test_non_positive_value_names_column_city_and_year(column, value):
    frame = _toy()
    frame.loc[2, column] = value
    with pytest.raises(MethodInputError, match=rf"{column}.*city_code 1, year 2002"):
        growth.chained_real_per_capita(frame, 2000)


def test_duplicates_and_bad_base_year():
    frame = pd.concat([_toy(), _toy().iloc[[0]]])
    with pytest.raises(MethodInputError, match="duplicated"):
        growth.per_capita_growth(frame)
    with pytest.raises(MethodInputError, match="base_year=1999"):
        growth.chained_real_per_capita(_toy(), 1999)
    with pytest.raises(MethodInputError, match="base_year"):
        growth.chained_real_per_capita(_toy(), "2000")
    with pytest.raises(MethodInputError, match="pop_break"):
        growth.population_growth(_toy(), pop_break=-0.1)


@requires_mirror
def test_real_panel_2019_break_is_removed():
    from cityclusters.data import tables

    panel = tables.city_year()
    pc = growth.per_capita_growth(panel)
    levels = growth.level_per_capita_growth(panel)
    in_2019 = panel["year"] == 2019
    anhui = in_2019 & (panel["province_zh"] == "安徽省")
    shandong = in_2019 & (panel["province_zh"] == "山东省")
    # levels: Anhui far above, Shandong below; the index: both ordinary positive growth
    assert levels[anhui].median() > 0.12 and levels[shandong].median() < -0.05
    assert 0.03 < pc.loc[anhui, "growth"].median() < 0.10
    assert 0.0 < pc.loc[shandong, "growth"].median() < 0.08
    chain = growth.chained_real_per_capita(panel, 2000)
    tianjin = panel["city_code"] == 120100
    tj = chain.loc[tianjin].set_axis(panel.loc[tianjin, "year"])
    assert tj.at[2019, "real_pc_chained"] > tj.at[2018, "real_pc_chained"]  # no 25 % fall
