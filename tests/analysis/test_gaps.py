"""Chapter 3 assembly functions (cityclusters.analysis.gaps), with hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import gaps
from cityclusters.errors import MethodInputError
from tests.conftest import requires_mirror


def _panel(rows):
    """rows: (cluster_id, city_code, year, gdp, population, real_gdp)."""
    frame = pd.DataFrame(rows, columns=["cluster_id", "city_code", "year", "gdp", "population",
                                        "real_gdp"])
    frame["name_zh"] = frame["city_code"].map(lambda c: f"城{c}市")
    frame["name_pinyin"] = frame["city_code"].map(lambda c: f"Cheng{c}")
    frame["province_zh"] = "省"
    frame["gdp_per_capita"] = frame["gdp"] / frame["population"] * 1e4
    return frame


def test_real_per_capita_units():
    # 10 亿元 at 2000 prices over 50 万人 = 1e9 / 5e5 = 2,000 元 per resident
    out = gaps.add_real_per_capita(pd.DataFrame({"real_gdp": [10.0, np.nan], "population": [50.0, 10.0]}))
    assert out[gaps.REAL_PC].iloc[0] == pytest.approx(2000.0)
    assert np.isnan(out[gaps.REAL_PC].iloc[1])


def test_real_per_capita_refuses_zero_population_naming_the_row():
    frame = pd.DataFrame({"city_code": [1], "name_zh": ["甲市"], "year": [2005], "real_gdp": [1.0],
                          "population": [0.0]})
    with pytest.raises(MethodInputError, match=r"population.*甲市.*2005"):
        gaps.add_real_per_capita(frame)


def test_disjoint_clusters_prefers_smaller_clusters():
    members = pd.DataFrame({"cluster_id": ["big"] * 3 + ["a"] * 2 + ["b"] * 1 + ["other"] * 1,
                            "city_code": [1, 2, 3, 1, 2, 3, 9]})
    kept, dropped = gaps.disjoint_clusters(["big", "a", "b", "other"], members)
    assert kept == ["a", "b", "other"]
    assert dropped == {"big": "b"}  # b (1 city) is kept first, then a, so big clashes with b


def test_balanced_sample_shortens_window_instead_of_dropping():
    rows = []
    for city in (1, 2, 3):
        for year in range(2000, 2006):
            real = np.nan if (city == 2 and year == 2005) else 10.0 + year - 2000
            rows.append(("c", city, year, 10.0, 5.0, real))
    rows += [("c", 4, y, 10.0, np.nan, 10.0) for y in range(2000, 2006)]  # never any population
    panel = gaps.add_real_per_capita(_panel(rows))
    sample = gaps.balanced_sample(panel, gaps.REAL_PC, 2000, 2005)
    assert (sample.first, sample.last) == (2000, 2004)
    assert sorted(sample.panel["city_code"].unique()) == [1, 2, 3]
    assert sample.excluded["city_code"].tolist() == [4]
    assert "2000" in sample.excluded["reason"].iloc[0]


def test_balanced_sample_drops_gap_city_when_window_too_short():
    rows = [("c", city, year, 10.0, 5.0, np.nan if (city == 2 and year == 2001) else 10.0)
            for city in (1, 2, 3) for year in range(2000, 2006)]
    sample = gaps.balanced_sample(gaps.add_real_per_capita(_panel(rows)), gaps.REAL_PC, 2000, 2005)
    assert (sample.first, sample.last) == (2000, 2005)
    assert sample.excluded["city_code"].tolist() == [2]
    assert sample.excluded["reason"].iloc[0].endswith("2001")


def test_per_capita_coverage_counts_city_years():
    rows = [("c", 1, 2000, 10, 5, 10), ("c", 1, 2001, 10, 5, 10),
            ("c", 2, 2000, 10, np.nan, 10), ("c", 2, 2001, 10, np.nan, 10)]
    cov = gaps.per_capita_coverage(gaps.add_real_per_capita(_panel(rows)), gaps.REAL_PC, 2000, 2001)
    row = cov.iloc[0]
    assert (row["cities"], row["city_years"], row["observed"]) == (2, 4, 0.5)
    assert row["never_observed"] == "城2"


def test_between_cluster_decomposition_hand_example():
    # two clusters, one city each per year: GDP 3 and 1, population 1 and 1 →
    # s = (0.75, 0.25), p = (0.5, 0.5): T = 0.75 ln 1.5 + 0.25 ln 0.5, all of it between
    rows = [("a", 1, 2000, 3.0, 1.0, 1.0), ("a", 3, 2000, 3.0, 1.0, 1.0),
            ("b", 2, 2000, 1.0, 1.0, 1.0), ("b", 4, 2000, 1.0, 1.0, 1.0)]
    summary, contributions = gaps.between_cluster_decomposition(_panel(rows))
    expected = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    assert summary.loc[0, "total"] == pytest.approx(expected)
    assert summary.loc[0, "between"] == pytest.approx(expected)
    assert summary.loc[0, "within"] == pytest.approx(0.0, abs=1e-12)
    assert summary.loc[0, "between_share"] == pytest.approx(1.0)
    assert contributions["income_share"].tolist() == pytest.approx([0.75, 0.25])


def test_between_cluster_decomposition_refuses_overlap():
    rows = [("a", 1, 2000, 3.0, 1.0, 1.0), ("b", 1, 2000, 3.0, 1.0, 1.0), ("b", 2, 2000, 1.0, 1.0, 1.0)]
    with pytest.raises(MethodInputError, match="more than one cluster"):
        gaps.between_cluster_decomposition(_panel(rows))


def test_inequality_within_clusters_hand_example():
    # per capita 2 and 1 (元 × 1e4), equal population: CV = 0.5/1.5, Gini = 1/6
    rows = [("a", 1, 2000, 2.0, 1.0, 1.0), ("a", 2, 2000, 1.0, 1.0, 1.0)]
    out = gaps.inequality_within_clusters(_panel(rows))
    assert out.loc[0, "cv"] == pytest.approx(1 / 3)
    assert out.loc[0, "gini"] == pytest.approx(1 / 6)
    assert out.loc[0, "between_weighted_share"] == 0.0  # one province


def test_growth_by_city_and_convergence_table():
    rows = []
    # three cities; poorer ones grow faster: 100→400, 200→400·... over 2000–2004
    levels = {1: (100.0, 400.0), 2: (200.0, 500.0), 3: (400.0, 600.0)}
    for city, (y0, y4) in levels.items():
        for k, year in enumerate(range(2000, 2005)):
            value = y0 * (y4 / y0) ** (k / 4)
            rows.append(("c", city, year, 1.0, 1.0, value / 1e4))
    panel = gaps.add_real_per_capita(_panel(rows))
    growth = gaps.growth_by_city(panel, gaps.REAL_PC, 2000, 2004)
    assert growth.set_index("city_code").at[1, "growth"] == pytest.approx(math.log(4) / 4)
    table = gaps.convergence_table(panel, gaps.REAL_PC, 2000, 2004)
    assert set(table["measure"]) == {"sigma_sd_log", "sigma_cv", "beta_absolute", "beta_conditional"}
    b = table.set_index("measure").at["beta_absolute", "estimate"]
    x = np.log([100.0, 200.0, 400.0])
    g = np.log([4.0, 2.5, 1.5]) / 4
    assert b == pytest.approx(np.polyfit(x, g, 1)[0])
    assert table.set_index("measure").at["sigma_sd_log", "estimate"] < 0
    # three cities (< MIN_CITIES): b by the wild bootstrap with all 6^3 Webb vectors, not read
    row = table.set_index("measure").loc["beta_absolute"]
    assert row["inference"].startswith("wild cluster bootstrap (WCR, Webb weights, all 216 weight vectors")
    assert not row["testable"] and row["ci_low"] <= b <= row["ci_high"]
    assert table.set_index("measure").at["sigma_sd_log", "inference"] == "Newey–West errors with 2 lags and t(3)"


def test_convergence_table_bootstraps_the_estimates_of_the_indicators():
    """The wild bootstrap is run on the same regressions: its estimates equal beta_convergence's
    and panel_beta_convergence's b; intervals hold b; with few cities (< FEW_CLUSTERS) the
    inference is the bootstrap."""
    from cityclusters.indicators.convergence import beta_convergence, panel_beta_convergence
    from cityclusters.models.wild_bootstrap import wild_bootstrap_fe, wild_bootstrap_ols

    rng = np.random.default_rng(4)
    rows = []
    for city in range(1, 13):
        level = rng.uniform(1, 3)
        for year in range(2000, 2013):
            rows.append(("c", city, year, 1.0, 1.0, float(np.exp(level)) / 1e4))
            level += 0.08 - 0.02 * level + rng.normal(scale=0.03)
    panel = gaps.add_real_per_capita(_panel(rows))
    table = gaps.convergence_table(panel, gaps.REAL_PC, 2000, 2012).set_index("measure")
    cross = gaps.growth_by_city(panel, gaps.REAL_PC, 2000, 2012)
    wild = wild_bootstrap_ols(cross, "growth", "log_initial", "log_initial")
    assert wild.estimate == pytest.approx(beta_convergence(panel, gaps.REAL_PC, 2000, 2012).statistics["b"])
    assert table.at["beta_absolute", "p_value"] == pytest.approx(wild.p_value)
    growth = gaps._conditional_growth_panel(panel, gaps.REAL_PC)
    fe = wild_bootstrap_fe(growth, "growth", ["log_initial"], "log_initial", unit="city_code", time="year")
    assert fe.estimate == pytest.approx(panel_beta_convergence(panel, gaps.REAL_PC).statistics["b"], rel=1e-8)
    for measure in ("beta_absolute", "beta_conditional"):
        r = table.loc[measure]
        assert r["ci_low"] < r["estimate"] < r["ci_high"] and r["testable"]
        assert r["inference"].startswith("wild cluster bootstrap (WCR, Webb weights, 9,999 draws")


def test_regional_per_capita_sums_before_dividing():
    frame = pd.DataFrame({"city_code": [1, 2, 3], "name_zh": ["甲", "乙", "丙"], "year": 2010,
                          "gdp": [10.0, 30.0, 8.0], "population": [10.0, 10.0, 4.0]})
    out = gaps.regional_per_capita(frame, {"hebei": [1, 2], "beijing": [3]})
    # (10 + 30) 亿元 / 20 万人 = 20,000 元; not the mean of 10,000 and 30,000 weighted otherwise
    assert out.loc[0, "hebei"] == pytest.approx(20000.0)
    assert out.loc[0, "beijing"] == pytest.approx(20000.0)
    assert out.loc[0, "n_hebei"] == 2


def test_regional_per_capita_names_missing_city():
    frame = pd.DataFrame({"city_code": [1, 2], "name_zh": ["甲", "乙"], "year": 2010,
                          "gdp": [10.0, 30.0], "population": [10.0, np.nan]})
    with pytest.raises(MethodInputError, match=r"hebei.*2 \(乙\).*2010"):
        gaps.regional_per_capita(frame, {"hebei": [1, 2]})


def test_years_in_band_and_format_years():
    series = pd.Series([0.37, 0.39, 0.41, 0.45, 0.40], index=[2010, 2011, 2012, 2013, 2016])
    years = gaps.years_in_band(series, 0.38, 0.42)
    assert years == [2011, 2012, 2016]
    assert gaps.format_years(years) == "2011–2012, 2016"
    assert gaps.format_years([]) == "none"
    with pytest.raises(MethodInputError):
        gaps.years_in_band(series, 0.5, 0.4)


def test_linear_trend_hand_example():
    frame = pd.DataFrame({"year": range(2000, 2005), "r": [0.30, 0.32, 0.34, 0.36, 0.38]})
    trend = gaps.linear_trend(frame, "r", 2000, 2004)
    assert trend["slope"] == pytest.approx(0.02)
    assert trend["change"] == pytest.approx(0.08)
    frame.loc[2, "r"] = np.nan
    with pytest.raises(MethodInputError, match="2002"):
        gaps.linear_trend(frame, "r", 2000, 2004)


def test_chained_per_capita_joined_to_cluster_panel():
    # city 1 in two clusters; the published level jumps +50 % in 2002 (a revision), the
    # official index says +5 %: the chained series follows the index
    full = pd.DataFrame({"city_code": [1, 1, 1], "year": [2000, 2001, 2002],
                         "gdp_index": [108.0, 110.0, 105.0], "population": [100.0] * 3,
                         "real_gdp": [10.0, 11.0, 16.5]})
    rows = [(c, 1, y, 10.0, 100.0, r) for c in ("a", "b") for y, r in zip((2000, 2001, 2002), (10.0, 11.0, 16.5))]
    out = gaps.add_chained_per_capita(gaps.add_real_per_capita(_panel(rows)), full, 2000)
    assert len(out) == 6
    last = out[(out["year"] == 2002)]
    assert last[gaps.CHAINED_PC].tolist() == pytest.approx([1155.0, 1155.0])
    assert last[gaps.REAL_PC].tolist() == pytest.approx([1650.0, 1650.0])
    assert not out["pop_break"].any()
    # σ and β on the chained column: growth over 2000–2002 = ln(1.1 × 1.05) / 2
    growth = gaps.growth_by_city(out[out["cluster_id"] == "a"], gaps.CHAINED_PC, 2000, 2002)
    assert growth["growth"].iloc[0] == pytest.approx(math.log(1.10 * 1.05) / 2)


def test_chained_per_capita_bad_input_names_column_city_year():
    full = pd.DataFrame({"city_code": [1, 1], "year": [2000, 2001], "gdp_index": [108.0, -1.0],
                         "population": [100.0, 100.0], "real_gdp": [10.0, 11.0]})
    rows = [("a", 1, 2000, 10.0, 100.0, 10.0)]
    with pytest.raises(MethodInputError, match=r"gdp_index.*city_code 1, year 2001"):
        gaps.add_chained_per_capita(_panel(rows), full, 2000)
    with pytest.raises(MethodInputError, match="gdp_index"):
        gaps.add_chained_per_capita(_panel(rows), full.drop(columns="gdp_index"), 2000)


def test_flag_vintage_and_within_table_carry_the_flag():
    frame = gaps.flag_vintage(pd.DataFrame({"year": [2018, 2019, 2020]}))
    assert frame["revised_vintage"].tolist() == [False, True, True]
    rows = [("a", c, y, g, 10.0, g) for y in (2018, 2019) for c, g in ((1, 10.0), (2, 20.0))]
    within = gaps.inequality_within_clusters(_panel(rows))
    assert within.set_index("year")["revised_vintage"].to_dict() == {2018: False, 2019: True}


@pytest.mark.slow
@requires_mirror
def test_chapter_03_reruns_for_other_clusters_and_years(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("03_development_gaps", tmp_path / "03.ipynb",
                         {"CLUSTERS": ["yrd26", "jingjinji"], "FIRST_YEAR": 2010, "NEAR": 0.03},
                         render_figures=False)
    values = glued_values(output)
    assert values["conv_first"] == "2010" and values["first_year"] == "2010"
    assert values["n_excluded"] == "0"
    assert values["near"] == "0.03"
    assert "Middle Yangtze" not in values["clusters_text"]
    assert values["verdict__p000_guiyang_gdp_ratio"].strip("'\"").startswith("supported")
    assert values["revised_from"] == "2019"
    assert float(values["lev_anhui"]) > float(values["idx_anhui"])  # the 2019 level jump


def test_urbanisation_rates_sum_persons_before_dividing():
    from cityclusters.analysis.gaps import urbanisation_rates
    from cityclusters.errors import MethodInputError

    census = pd.DataFrame({"name_zh": ["甲", "乙", "丙"], "source_row": [2, 3, 4],
                           "province_zh": ["四川省", "四川省", "贵州省"],
                           "pop_2020_persons": [100.0, 300.0, 100.0],
                           "pop_urban_2020_persons": [80.0, 120.0, 30.0]})
    rates = urbanisation_rates(census, {"sc": ["四川省"], "gz": ["贵州省"], "all": []})["rate"]
    # Sichuan: (80 + 120) / (100 + 300) = 0.5, not the mean of 0.8 and 0.4 (0.6)
    assert rates["sc"] == pytest.approx(0.5) and rates["gz"] == pytest.approx(0.3)
    assert rates["all"] == pytest.approx(230 / 500)
    census.loc[1, "pop_urban_2020_persons"] = None  # left out and reported
    table = urbanisation_rates(census, {"sc": ["四川省"]})
    assert table.at["sc", "rate"] == pytest.approx(0.8)
    assert table.at["sc", "n_missing"] == 1 and table.at["sc", "missing"] == "乙"
    census.loc[0, "pop_urban_2020_persons"] = 120.0  # more urban residents than residents
    with pytest.raises(MethodInputError, match=r"甲 \(row 2\) has more urban residents"):
        urbanisation_rates(census, {"sc": ["四川省"]})
    with pytest.raises(MethodInputError, match="no census unit"):
        urbanisation_rates(census, {"x": ["西藏自治区"]})


# ---------------------------------------------------------------------------------------------
# chapter 3: prose values, tables and verdicts
# ---------------------------------------------------------------------------------------------

def test_names_text_joins_english_names():
    assert gaps.names_text(["jingjinji"]) == "Beijing–Tianjin–Hebei"
    assert gaps.names_text(["chengyu", "qianzhong", "jingjinji"]).endswith(" and Beijing–Tianjin–Hebei")
    assert gaps.names_text(["chengyu", "jingjinji"]).count(",") == 0


def _within(values, years=(2017, 2018, 2019, 2020)):
    """values: cluster → list of weighted Theil per year."""
    rows = []
    for cluster, series in values.items():
        for year, t in zip(years, series):
            rows.append({"cluster_id": cluster, "year": year, "n_units": 3, "theil_weighted": t,
                         "between_weighted_share": 0.25, "cv": 0.1, "cv_weighted": 0.1, "gini": 0.1})
    return pd.DataFrame(rows)


def test_theil_values_fell_rose_and_revision_step():
    within = _within({"jingjinji": [0.20, 0.21, 0.30, 0.31], "chengyu": [0.10, 0.10, 0.09, 0.08]})
    values = gaps.theil_values(within, revised_from=2019)
    assert values["theil_first"] == 2017 and values["theil_last"] == 2020
    assert values["theil_fell_text"] == "Chengdu–Chongqing"
    assert values["theil_n_fell"] == 1
    assert values["theil_rose_text"].startswith("It rose in Beijing–Tianjin–Hebei (+55%)")
    assert values["theil_top_value"] == pytest.approx(0.31)
    assert values["theil_low_value"] == pytest.approx(0.31 / 0.08)
    # the 2019 step of +43 % in Beijing–Tianjin–Hebei is the largest
    assert "Beijing–Tianjin–Hebei, +43% in 2019" in values["theil_step_sentence"]
    short = gaps.theil_values(within[within["year"] >= 2019], revised_from=2019)
    assert short["theil_step_sentence"] == "the window does not include both 2018 and 2019."
    assert short["theil_rose_text"].startswith("It rose in Beijing–Tianjin–Hebei")
    none_rose = gaps.theil_values(_within({"chengyu": [0.1, 0.09, 0.08, 0.07]}), revised_from=2019)
    assert none_rose["theil_rose_text"] == ""  # one cluster: "fell in Chengdu–Chongqing" says it all
    assert none_rose["theil_top_intro"] == "the gap in" and "times that of" not in none_rose["theil_top_detail"]
    assert none_rose["theil_step_sentence"].startswith("the step in Chengdu–Chongqing is ")
    assert values["theil_top_intro"] == "the largest gap is in"
    assert values["theil_top_detail"].startswith("(population-weighted Theil 0.310, 3.9 times that of Chengdu–Chongqing")
    table = gaps.theil_table(within)
    assert table["Theil (w)"].tolist() == pytest.approx([0.31, 0.08])


def _results(rows, n_units=12):
    """rows: (cluster, measure, estimate, p_value, half_life); the interval is estimate ± 0.01
    when p < 0.05 (excludes zero for |estimate| > 0.01), else estimate ± 1."""
    return pd.DataFrame([{"cluster_id": c, "measure": m, "estimate": e, "std_error": 0.01, "p_value": p,
                          "ci_low": e - (0.005 if p < 0.05 else 1.0), "ci_high": e + (0.005 if p < 0.05 else 1.0),
                          "inference": ("Newey–West errors with 2 lags and t(22)" if m.startswith("sigma") else
                                        "wild cluster bootstrap (WCR, Webb weights, 9,999 draws, seed 1, 12 clusters)"),
                          "testable": n_units >= 10,
                          "speed": np.nan if np.isnan(h) else math.log(2) / h, "speed_se": 0.01,
                          "half_life": h, "half_life_se": 1.0, "n_units": n_units, "n_obs": 20}
                         for c, m, e, p, h in rows])


def test_beta_values_branches():
    nan = float("nan")
    results = _results([
        ("jingjinji", "sigma_sd_log", -0.01, 0.01, nan), ("chengyu", "sigma_sd_log", 0.01, 0.01, nan),
        ("jingjinji", "beta_absolute", -0.02, 0.01, 30.0), ("chengyu", "beta_absolute", -0.01, 0.5, 60.0),
        ("jingjinji", "beta_conditional", -0.1, 0.01, 7.0), ("chengyu", "beta_conditional", -0.1, 0.2, 8.0)])
    levels = _results([("jingjinji", "beta_conditional", -0.2, 0.01, 3.0),
                       ("chengyu", "beta_conditional", -0.2, 0.01, 4.0)])
    values = gaps.beta_values(results, levels)
    assert values["beta_sig_text"] == "Beijing–Tianjin–Hebei"
    assert values["beta_not_sentence"] == "In Chengdu–Chongqing the interval of b holds zero: inconclusive."
    assert values["beta_few_sentence"] == ""
    assert "wild restricted bootstrap" in values["beta_inference_sentence"]
    assert values["beta_half_range"] == "30 years (Beijing–Tianjin–Hebei)"  # only where b < 0 is read
    assert values["n_cond_sig"] == 1 and values["lev_cond_n_sig"] == 2
    assert values["cond_half_range"] == "7–8 years"
    assert "shorter than the absolute one in Beijing–Tianjin–Hebei" in values["cond_faster_sentence"]
    assert values["lev_vs_index_sentence"].startswith("The fast conditional convergence")
    # no interval below zero: the other wordings
    def widen(frame):
        return frame.assign(p_value=0.5, ci_low=frame["estimate"] - 1, ci_high=frame["estimate"] + 1)
    values = gaps.beta_values(widen(results), widen(levels))
    assert values["beta_sig_text"] == "neither cluster"
    assert values["cond_faster_sentence"].startswith("Once growth is measured consistently")
    assert values["lev_vs_index_sentence"].startswith("In this window the two measures")
    one = gaps.beta_values(results.assign(half_life=[nan, nan, 30.0, nan, nan, nan]), levels)
    assert one["beta_half_range"] == "30 years (Beijing–Tianjin–Hebei)"
    assert one["cond_half_range"] == "undefined"
    table = gaps.convergence_summary_table(results)
    assert table.loc[0, "β absolute b [95 %]"] == "-0.020 [-0.025, -0.015]"
    assert table.loc[0, "σ trend sd ln y ×100 [95 %]"] == "-1.00 [-1.50, -0.50]"
    # fewer than MIN_CITIES cities: nothing is read, the sentence says so
    few = gaps.beta_values(_results([(c, m, e, p, h) for c, m, e, p, h in [
        ("qianzhong", "sigma_sd_log", -0.01, 0.01, nan), ("qianzhong", "beta_absolute", -0.02, 0.01, 30.0),
        ("qianzhong", "beta_conditional", -0.1, 0.01, 7.0)]], n_units=4), levels)
    assert few["beta_sig_text"] == "no cluster" and few["n_cond_sig"] == 0
    assert few["cond_half_note"] == "half-life 7 years"
    assert few["lev_vs_index_counts"].startswith("lies below zero in the one cluster, with a half-life of")
    assert few["beta_few_sentence"].startswith("Central Guizhou (Qianzhong) (4 cities) is not read in either regression")


def test_exercise_says_when_jingjinji_is_not_chosen():
    panel = pd.DataFrame({"city_code": [gaps.GUIYANG, gaps.CHENGDU, gaps.CHONGQING], "year": 2014,
                          "gdp_per_capita": [1.0, 2.0, 3.0], "name_zh": ["贵阳市", "成都市", "重庆市"],
                          "name_pinyin": ["Guiyang", "Chengdu", "Chongqing"]})
    values = gaps.exercise_values(["chengyu"], pd.DataFrame(), None, panel, 2014)
    assert values["ex_jjj_b_sentence"].startswith("is not estimated in this run")
    assert "nan" not in values["ex_jjj_b_sentence"]


def test_sigma_words_reads_the_hac_interval():
    table = pd.DataFrame({"ci_low": [-0.02, 0.001, -0.01], "ci_high": [-0.01, 0.003, 0.01],
                          "testable": [True, True, True]}, index=["jingjinji", "chengyu", "yrd26"])
    w = gaps.sigma_words(table)
    assert w["sigma_conv_text"] == "Beijing–Tianjin–Hebei"
    assert w["sigma_div_sentence"] == ("It lies above zero (the dispersion rose) in Chengdu–Chongqing. "
                                       "In Yangtze River Delta (26) it holds zero: the trend is inconclusive.")


def _trend(slope, p, first, last):
    """A trend whose 95 % interval is slope ± 0.002 when p < 0.05, else slope ± 0.02."""
    half = 0.002 if p < 0.05 else 0.02
    return {"slope": slope, "slope_se": 0.001, "p_value": p, "change": slope * (last - first),
            "ci_low": slope - half, "ci_high": slope + half, "testable": last - first + 1 >= 10,
            "first": first, "last": last, "n_years": last - first + 1}


def _hebei(near_bj, near_tj, tj_pre=None, bj_pre=None, bj_post=None, bj_clean=None, hb_rev=()):
    ratios = pd.DataFrame({"to_beijing": [0.41, 0.40, 0.35], "to_tianjin": [0.39, 0.38, 0.45]},
                          index=pd.Index([2012, 2014, 2020], name="year"))
    return gaps.HebeiEvidence(values={}, ratios=ratios, near_bj=list(near_bj), near_tj=list(near_tj),
                              in_paper=2014, peak=2012, tj_pre=tj_pre, bj_pre=bj_pre, bj_post=bj_post,
                              bj_clean=bj_clean, hb_rev=list(hb_rev))


def test_hebei_ratio_verdict_each_branch():
    v = gaps.hebei_ratio_verdict(_hebei([2012, 2014], [2012, 2014]), 2014, 2000, 2023, 0.02)
    assert v.category == "supported" and "2012, 2014" in v.verdict
    assert "÷ Beijing: 40.0% in 2014, 35.0% in 2020; ÷ Tianjin 38.0% in 2014" in v.evidence
    assert "within ±2 points" in v.evidence
    v = gaps.hebei_ratio_verdict(_hebei([2005], [2005]), 2014, 2000, 2023, 0.02)
    assert v.verdict == "partly supported: both ratios near the printed values only in 2005"
    v = gaps.hebei_ratio_verdict(_hebei([2014], []), 2014, 2000, 2023, 0.02)
    assert v.verdict.startswith("partly supported: only one of the two ratios")
    v = gaps.hebei_ratio_verdict(_hebei([], []), 2014, 2000, 2023, 0.02)
    assert v.verdict == "not supported: neither ratio is near the printed value in 2000–2023"


def test_jjj_convergence_verdict_each_branch():
    flat, up, down = _trend(0.001, 0.5, 2000, 2014), _trend(0.01, 0.01, 2000, 2014), _trend(-0.01, 0.01, 2000, 2014)
    v = gaps.jjj_convergence_verdict(_hebei([], []), 2014)
    assert v.category == "not testable with our data" and v.rule == "not_testable"
    v = gaps.jjj_convergence_verdict(_hebei([], [], tj_pre=flat, bj_pre=flat), 2014)
    assert v.verdict == ("inconclusive: up to 2014 the interval of every tested ratio's trend holds both zero "
                         "and a narrowing")  # a null is not support
    assert "÷ Tianjin 2000–2014 +0.10 pp/yr [-1.90, 2.10]" in v.evidence and "peak ÷ Beijing 41.0% in 2012" in v.evidence
    v = gaps.jjj_convergence_verdict(_hebei([], [], tj_pre=down, bj_pre=down), 2014)
    assert v.verdict == "supported: up to 2014 the gap to Tianjin and to Beijing widened (interval below zero)"
    v = gaps.jjj_convergence_verdict(_hebei([], [], tj_pre=up, bj_pre=up), 2014)
    assert v.verdict == "not supported: up to 2014 the gap to Tianjin and to Beijing narrowed (interval above zero)"
    v = gaps.jjj_convergence_verdict(_hebei([], [], tj_pre=down, bj_pre=up), 2014)
    assert v.verdict == "partly supported: up to 2014 the gap to Tianjin widened but the gap to Beijing narrowed"
    assert v.rule == "descriptive_measure" and "first-release GDP" in v.change
    v = gaps.jjj_convergence_verdict(_hebei([], [], tj_pre=flat, bj_pre=up), 2014)
    assert "the gap to Tianjin has an interval holding zero" in v.verdict
    # a 5-year trend is not tested
    short = _trend(0.01, 0.01, 2010, 2014)
    v = gaps.jjj_convergence_verdict(_hebei([], [], tj_pre=short, bj_pre=short), 2014)
    assert v.category == "not testable with our data"
    # after the paper's year the ratio to Beijing fell (interval below zero), also before Hebei's revision
    post, clean = _trend(-0.01, 0.01, 2014, 2023), _trend(-0.01, 0.01, 2012, 2021)
    v = gaps.jjj_convergence_verdict(_hebei([], [], tj_pre=down, bj_pre=down, bj_post=post,
                                            bj_clean=clean, hb_rev=[2022]), 2014)
    assert v.verdict.endswith("; after 2014 the gap to Beijing widened (also in 2012–2021, before Hebei's 2022 revision)")
    v = gaps.jjj_convergence_verdict(_hebei([], [], tj_pre=down, bj_pre=down, bj_post=post,
                                            bj_clean=_trend(-0.01, 0.01, 2014, 2018), hb_rev=[2019]), 2014)
    assert v.verdict.endswith("(too few years before Hebei's 2019 revision to test it there)")
    v = gaps.jjj_convergence_verdict(_hebei([], [], tj_pre=down, bj_pre=down, bj_post=post,
                                            bj_clean=_trend(-0.01, 0.3, 2012, 2021), hb_rev=[2022]), 2014)
    assert v.verdict.endswith("(not clearly before Hebei's 2022 revision)")


def test_trend_words():
    words = gaps.trend_words("Beijing", _trend(-0.005, 0.2, 2000, 2010))
    assert words == ("in 2000–2010 the ratio to Beijing fell by 0.50 percentage points a year (95 % HAC "
                     "interval [-2.50, 1.50]), -5.0 points in all")
    assert "(5 years, too few for a trend test)" in gaps.trend_words("Beijing", _trend(-0.005, 0.2, 2014, 2018))


def test_every_verdict_names_its_rule():
    from cityclusters.analysis.verdicts import RULES

    verdicts = [gaps.guiyang_ratio_verdict(0.2, 0.15, 2019),
                gaps.hebei_ratio_verdict(_hebei([2014], [2014]), 2014, 2000, 2023, 0.02),
                gaps.jjj_convergence_verdict(_hebei([], [], tj_pre=_trend(-0.01, 0.01, 2000, 2014)), 2014),
                gaps.pc_below_national_verdict({"四川省": 50.0, "重庆市": 90.0, "贵州省": 40.0, "all": 100.0}, 2019),
                gaps.urbanisation_below_national_verdict({"四川省": 0.5, "重庆市": 0.7, "贵州省": 0.5, "all": 0.6}, 2019),
                gaps.income_below_national_verdict()]
    assert all(v.rule in RULES and v.would_change for v in verdicts)
    assert verdicts[0].would_change.endswith("(the margins to the stated bounds)")


def test_cyg_verdicts_each_branch():
    v = gaps.guiyang_ratio_verdict(0.2, 0.15, 2019)
    assert v.category == "supported"
    assert v.evidence == ("2019: Guiyang's GDP = 20.0% of Chengdu's (< 25 %: yes) and 15.0% of "
                          "Chongqing's (< 20 %: yes)")
    v = gaps.guiyang_ratio_verdict(0.2, 0.25, 2019)
    assert v.category == "not supported" and "(< 20 %: no)" in v.evidence
    prov = {"四川省": 50.0, "重庆市": 90.0, "贵州省": 40.0, "all": 100.0}
    v = gaps.pc_below_national_verdict(prov, 2019)
    assert v.verdict == "supported" and "Sichuan 50%, Chongqing 90%, Guizhou 40%" in v.evidence
    v = gaps.pc_below_national_verdict({**prov, "重庆市": 110.0}, 2019)
    assert v.verdict == "partly supported: not all three are below"
    urban = {"四川省": 0.5, "重庆市": 0.7, "贵州省": 0.5, "all": 0.6}
    v = gaps.urbanisation_below_national_verdict(urban, 2019)
    assert v.verdict == "partly supported: Sichuan, Guizhou below; Chongqing above"
    assert v.evidence.endswith("all prefecture-level units with both counts 60.0%")
    v = gaps.urbanisation_below_national_verdict({**urban, "重庆市": 0.55}, 2019)
    assert v.verdict == "supported"
    assert gaps.income_below_national_verdict().category == "not testable with our data"


def test_middle_collapse_row_and_jjj_sentence_without_jingjinji():
    evidence = gaps.CygEvidence(values={}, gy_cd=0.2, gy_cq=0.15, provinces=pd.Series(dtype=float),
                                urban=pd.Series(dtype=float), n_noncore=14, n_noncore_below=14,
                                noncore_best_ratio=0.7, noncore_to_cores=0.456)
    row = gaps.middle_collapse_row(evidence, 2019)
    assert row["evidence"] == ("2019: 14 of 14 other cities below the poorer core; best 70% of it; "
                               "all others together 46% of the cores")
    assert row["verdict"] == "see chapter 4"
    assert gaps.jjj_theil_sentence(["chengyu"], pd.DataFrame(), pd.DataFrame()).startswith("(The city-level")


def test_between_report_single_cluster_has_no_decomposition():
    members = pd.DataFrame({"cluster_id": ["chengyu", "chengyu", "chengyugui", "chengyugui"],
                            "city_code": [1, 2, 1, 2]})
    rows = [("chengyu", 1, 2000, 2.0, 1.0, 1.0), ("chengyu", 2, 2000, 1.0, 1.0, 1.0)]
    values, between, contributions = gaps.between_report(_panel(rows), ["chengyu", "chengyugui"], members,
                                                         2000, 2000)
    assert between is None and contributions is None
    assert values["between_sentence"].startswith("With a single cluster")
    assert values["disjoint_text"] == "Chengdu–Chongqing"
    assert values["overlap_text"].startswith("; Chengdu–Chongqing–Guiyang is left out because it shares cities with")


def test_hebei_ratio_verdict_rests_on_the_papers_vintage_when_given():
    """Paper 003 printed first-release figures (issue 15): with them the verdict reads the
    paper's own year, whatever the mixed-vintage panel says."""
    first_release = {"year": 2014, "edition": 2015, "to_beijing": 0.408, "to_tianjin": 0.364}
    v = gaps.hebei_ratio_verdict(_hebei([], []), 2014, 2000, 2023, 0.02, first_release)
    assert v.verdict == ("supported: with first-release GDP (yearbook edition 2015) for all three, 2014: "
                         "40.8% of Beijing's and 36.4% of Tianjin's, both within ±2 points of the printed values")
    assert "first-release GDP (2014): 40.8% and 36.4%" in v.evidence
    v = gaps.hebei_ratio_verdict(_hebei([], []), 2014, 2000, 2023, 0.02, {**first_release, "to_tianjin": 0.33})
    assert v.category == "partly supported"
    v = gaps.hebei_ratio_verdict(_hebei([2014], [2014]), 2014, 2000, 2023, 0.02,
                                 {**first_release, "to_beijing": 0.30, "to_tianjin": 0.30})
    assert v.category == "not supported"


def test_first_release_ratios_name_a_missing_city():
    yb = pd.DataFrame({"city_code": [110100, 120100], "year": 2014, "edition": 2015, "scope": "全市",
                       "variable": "gdp", "value": [200.0, 150.0]})
    panel = pd.DataFrame({"city_code": [110100, 120100, 130100], "year": 2014, "population": [20.0, 15.0, 10.0]})
    with pytest.raises(MethodInputError, match=r"edition 2015.*\[130100\]"):
        gaps.first_release_ratios(yb, panel, 2014, [130100])
