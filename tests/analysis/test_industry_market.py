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
                          "SPLIT_YEAR": 2013}, render_figures=False)
    values = glued_values(output)
    assert values["n_clusters"] == "1"
    assert values["first_year"] == "2005" and values["last_year"] == "2020"
    assert values["before_period"] == "'2005–2012'" and values["after_period"] == "'2013–2020'"
    assert values["heat_cluster"].startswith("'长江中游城市群")
    assert values["verdict__p000_biomed_duplication"].startswith("'not testable")
    assert "not among this run's clusters" in values["evidence__p003_segmentation_halved"]


# ---------------------------------------------------------------------------------------
# chapter assembly: prose values, tables and verdicts
# ---------------------------------------------------------------------------------------

def _trends():
    years = [2000, 2001, 2002, 2003]
    return pd.DataFrame({
        "cluster_id": ["a"] * 4 + ["b"] * 4, "year": years * 2,
        "n_units": [3, 3, 3, 3, 2, 2, 2, 2], "n_missing": [0, 1, 0, 0, 0, 0, 0, 2],
        "mean_similarity": [0.95, 0.96, 0.97, 0.98, 0.99, 0.99, 0.98, 0.97],
        "mean_krugman": [0.40, 0.35, 0.30, 0.25, 0.10, 0.12, 0.14, 0.16],
    })


def test_structure_summary_values_and_table():
    table, values = im.structure_summary(_trends(), ["a", "b"], {"a": "A", "b": "B"})
    assert table["cluster"].tolist() == ["A", "B"]
    assert table.set_index("id").at["a", "K trend / 10 y"] == pytest.approx(-0.5)
    assert table.set_index("id").at["b", "K trend / 10 y"] == pytest.approx(0.2)
    assert values["n_city_years_used"] == 20 and values["n_city_years_missing"] == 3
    assert values["min_mean_similarity"] == pytest.approx(0.95)
    assert values["n_k_fell"] == 1
    assert values["k_fell_phrase"] == "1 of the 2 clusters"
    assert values["k_trend_sentences"].startswith("The steepest trend is in A, where K went from 0.400 to 0.250")
    assert values["fastest_cluster"] == "A" and values["fastest_direction"] == "fell"
    assert values["fastest_k_first"] == pytest.approx(0.40) and values["fastest_k_last"] == pytest.approx(0.25)
    assert values["most_diverse_cluster"] == "A" and values["most_diverse_k"] == pytest.approx(0.25)
    # only rising K: the steepest trend "rose"
    _, rising = im.structure_summary(_trends(), ["b"], {"b": "B"})
    assert rising["fastest_direction"] == "rose" and rising["n_k_fell"] == 0
    assert rising["k_fell_phrase"] == "no cluster" and "steepest" not in rising["k_trend_sentences"]
    shown, formats = im.structure_table_for_display(table, 2000, 2003)
    assert list(shown.columns) == ["cluster", "S 2000", "S 2003", "K 2000", "K 2003", "K trend / 10 y"]
    assert formats["K trend / 10 y"] == "{:+.3f}"


def test_similarity_matrix_summary_orders_and_finds_most_different_pair():
    panel = pd.DataFrame({"city_code": [1, 2, 3], "year": 2000, "va_primary": [10.0, 5.0, np.nan],
                          "va_secondary": [50.0, 40.0, 1.0], "va_tertiary": [40.0, 55.0, 1.0]})
    sim, values = im.similarity_matrix_summary(panel, 2000, lambda c: f"city{c}")
    assert list(sim.index) == [2, 1]  # falling tertiary share
    assert values["heat_n_dropped"] == 1
    assert values["heat_top_pair"] == "city1 – city2"
    assert values["heat_top_k"] == pytest.approx(0.30)
    assert values["heat_top_s"] == pytest.approx(sim.at[1, 2])


def test_first_lasting_tertiary_lead():
    city = pd.DataFrame({"va_secondary": [5, 4, 6, 3, 2], "va_tertiary": [4, 5, 5, 4, 3]},
                        index=[2000, 2001, 2002, 2003, 2004])
    assert im.first_lasting_tertiary_lead(city) == 2003
    city.loc[2004, "va_tertiary"] = 1
    assert im.first_lasting_tertiary_lead(city) is None


def test_core_regional_verdict_branches():
    assert im.core_regional_verdict(True, 6, 8, 2017, "x").verdict == "supported"
    partly = im.core_regional_verdict(True, 5, 8, 2017, "成都 3-2-1, 重庆 3-2-1")
    assert partly.category == "partly supported" and "fewer than three quarters" in partly.verdict
    assert partly.evidence == ("2017: cores 成都 3-2-1, 重庆 3-2-1; 5 of 8 other members 2-3-1 "
                               "(Chongqing as a whole municipality)")
    cores_fail = im.core_regional_verdict(False, 8, 8, 2017, "x")
    assert cores_fail.verdict == "partly supported: not both cores are 3-2-1"


def test_core_regional_claim_on_a_small_cluster():
    rows = []
    for year in (2016, 2017):
        rows += [{"city_code": 1, "year": year, "va_primary": 5.0, "va_secondary": 40.0, "va_tertiary": 55.0},
                 {"city_code": 2, "year": year, "va_primary": 10.0, "va_secondary": 40.0, "va_tertiary": 50.0},
                 {"city_code": 3, "year": year, "va_primary": 10.0, "va_secondary": 50.0, "va_tertiary": 40.0},
                 {"city_code": 4, "year": year, "va_primary": 5.0, "va_secondary": 30.0, "va_tertiary": 65.0}]
    panel = pd.DataFrame(rows)
    short = {1: "甲", 2: "乙", 3: "丙", 4: "丁"}
    _cvr, values, verdict = im.core_regional_claim(panel, short, year=2017, cores=(1, 2))
    assert values["p001_cores_orders"] == "甲 3-2-1, 乙 3-2-1"
    assert values["p001_n_other"] == 2 and values["p001_n_other_231"] == 1
    assert values["p001_other_321"] == "丁"
    assert values["p001_cq_gap"] == pytest.approx(0.10)
    assert values["p001_cross_cd"] == 2016 and values["p001_cross_cq"] == 2016
    assert verdict.verdict.startswith("partly supported: cores are 3-2-1")


def test_beijing_services_branches():
    panel = pd.DataFrame({"city_code": 110100, "year": [2013, 2014, 2015],
                          "va_primary": [1.0, 1.0, 1.0], "va_secondary": [24.0, 21.0, 18.0],
                          "va_tertiary": [75.0, 78.0, 81.0]})
    values, verdict = im.beijing_services(panel)
    assert values["p003_bj_share"] == pytest.approx(0.78) and values["p003_bj_first80"] == 2015
    assert values["p003_bj_last"] == pytest.approx(0.81) and values["p003_bj_last_year"] == 2015
    assert verdict.verdict == "supported"
    assert verdict.evidence == "tertiary share of Beijing's value added 78.0% in 2014; 81.0% in 2015"
    values, verdict = im.beijing_services(panel[panel["year"] < 2015])
    assert values["p003_bj_first80"] == "not within the panel"
    assert im.beijing_services_verdict(0.70, 2014, 0.8, 2020).verdict == "not supported"


def test_primary_share_branches():
    assert im.primary_share_verdict(0.11, 0.12, 2019).verdict == "supported"
    assert im.primary_share_verdict(0.11, 0.09, 2019).verdict == "partly supported: only one province above 10 %"
    assert im.primary_share_verdict(0.08, 0.09, 2019).verdict == "not supported"
    panel = pd.DataFrame({"province_zh": ["四川省", "四川省", "贵州省", "贵州省"], "city_code": [1, 2, 3, 4],
                          "year": 2019, "va_primary": [10.0, 2.0, 15.0, np.nan],
                          "va_secondary": [40.0, 48.0, 35.0, 1.0], "va_tertiary": [50.0, 50.0, 50.0, 1.0]})
    values, verdict = im.primary_share_claim(panel)
    assert values["p000_sc_primary"] == pytest.approx(0.06) and values["p000_gz_primary"] == pytest.approx(0.15)
    assert values["p000_sc_units"] == 2 and values["p000_gz_units"] == 1 and values["p000_missing"] == 1
    assert verdict.category == "partly supported"
    assert verdict.evidence == ("2019, sums of prefecture-level units (our aggregation): Sichuan 6.0%, "
                                "Guizhou 15.0%")


def _three_provinces(converging: bool):
    rows = []
    for k, year in enumerate(range(2018, 2022)):
        gap = (0.2 - 0.05 * k) if converging else (0.05 + 0.05 * k)
        for p, sign in (("湖北省", 1), ("湖南省", -1), ("江西省", 0)):
            rows.append({"province_zh": p, "city_code": hash(p) % 1000, "year": year, "va_primary": 10.0,
                         "va_secondary": 45.0 + 100 * sign * gap / 2, "va_tertiary": 45.0 - 100 * sign * gap / 2})
    return pd.DataFrame(rows)


def test_mid_yangtze_convergence_branches():
    values, verdict = im.mid_yangtze_convergence(_three_provinces(True), 2018, 2021)
    assert values["p004_year"] == 2020 and values["p004_direction"] == "converged"
    assert values["p004_k_claim"] < values["p004_k_first"] and values["p004_k_trend"] < 0
    assert verdict.verdict == "partly supported: three-sector structures converged, branches not observed"
    assert verdict.evidence.startswith(f"mean Krugman index Hubei–Hunan–Jiangxi {values['p004_k_first']:.3f} (2018)")
    values, verdict = im.mid_yangtze_convergence(_three_provinces(False), 2018, 2021)
    assert values["p004_direction"] == "did not converge" and values["p004_missing"] == 0
    assert verdict.category == "not supported"
    assert im.biomed_verdict().category == "not testable with our data"


def _border_estimates():
    return pd.DataFrame({
        "cluster_id": ["yrd41", "yrd41", "chengyu", "chengyu"],
        "period": ["2000–2011", "2012–2023"] * 2,
        "n_pairs": [10, 10, 3, 3], "n_cross": [4, 4, 3, 3],
        "mean_within": [2.0, 1.0, np.nan, np.nan], "mean_cross": [3.0, 1.5, 2.0, 1.0],
        "beta": [0.5, 0.2, np.nan, np.nan], "beta_se": [0.1, 0.2, np.nan, np.nan],
        "gamma": [0.8, 0.3, np.nan, np.nan], "gamma_se": [0.2, np.nan, np.nan, np.nan],
        "gamma_p": [0.01, 0.4, np.nan, np.nan],
        "border_km": [np.exp(1.6), np.exp(1.5), np.nan, np.nan], "border_km_low": [1.0, np.nan, np.nan, np.nan],
        "border_km_high": [50.0, np.nan, np.nan, np.nan],
        "note": ["", "dyadic SE not estimable", "no border variation (all pairs on one side)",
                 "no border variation (all pairs on one side)"],
    })


def _border_pairs():
    return pd.DataFrame({"cluster_id": ["yrd41"] * 4 + ["chengyu"] * 2,
                         "period": ["2000–2011", "2000–2011", "2012–2023", "2012–2023", "2000–2011", "2012–2023"],
                         "volatility": [2.0, 4.0, 1.0, 2.0, 1.0, 1.5]})


def test_border_table_and_estimate_format():
    assert im.format_estimate(0.12, 0.05) == "+0.120 (0.050)"
    assert im.format_estimate(0.12, np.nan) == "+0.120 (–)"
    assert im.format_estimate(np.nan, 0.1) == "–"
    table = im.border_table(_border_estimates(), {"yrd41": "YRD", "chengyu": "CY"})
    assert list(table.columns) == ["cluster", "period", "pairs (cross)", "β ln distance", "γ border",
                                   "border ≈ km [95% CI]"]
    assert table.iloc[0].tolist() == ["YRD", "2000–2011", "10 (4)", "+0.500 (0.100)", "+0.800 (0.200)", "5 [1, 50]"]
    assert table.iloc[1]["γ border"] == "+0.300 (–)" and table.iloc[1]["border ≈ km [95% CI]"] == "4 [no CI]"


def test_period_comparison():
    names = {"yrd41": "YRD", "chengyu": "CY"}
    out = im.period_comparison(_border_estimates(), _border_pairs(), ["chengyu", "yrd41"], "2000–2011",
                               "2012–2023", names)
    assert out["n_vol_fell"] == 1 and out["vol_fell_list"] == "YRD" and out["n_vol_clusters"] == 2
    assert out["vol_fell_listed"] == "1 of the 2 clusters (YRD)" and out["vol_fell_phrase"] == "1 of the 2 clusters"
    assert out["n_gamma_fell"] == 1
    assert out["border_notes"].startswith("YRD 2012–2023: dyadic SE not estimable; CY 2000–2011: no border")
    assert out["chengyu_note"].startswith("In Chengdu–Chongqing")
    out = im.period_comparison(_border_estimates()[:2], _border_pairs()[:4], ["yrd41"], "2000–2011",
                               "2012–2023", names)
    assert out["chengyu_note"] == ""


def test_interpretation_branches():
    data = pd.DataFrame({"cluster_id": ["a", "a", "b", "b"], "city_code": [1, 1, 2, 2], "year": [2000, 2001] * 2,
                         "va_primary": [10.0] * 4, "va_secondary": [50.0, 40.0, 40.0, 45.0],
                         "va_tertiary": [40.0, 50.0, 50.0, 45.0]})
    be = _border_estimates()
    out = im.interpretation(data, be, 2000, 2001, n_k_fell=2, n_clusters=3)
    assert out["n_sec_fell"] == 1
    assert out["sec_fell_phrase"].endswith("clusters")
    assert out["interp_convergence"] == "have mostly become more alike"
    # two regressions with border variation: β/se = 5 (significant) and 1
    assert out["n_beta_sig"] == 1
    assert out["interp_distance"] == "rises with distance in most regressions"
    assert out["interp_border"] == "finds no robust provincial border"
    out = im.interpretation(data, be.assign(beta_se=1.0, gamma_p=0.01), 2000, 2001, n_k_fell=1, n_clusters=3)
    assert out["interp_convergence"] == "have not, on the whole, become more alike"
    assert out["n_beta_sig"] == 0
    assert out["interp_distance"] == "rises significantly with distance in only a minority of regressions"
    assert out["interp_border"] == "finds a positive provincial border in most regressions"


def test_segmentation_verdict_with_and_without_the_yrd():
    names = {"yrd41": "YRD 41", "chengyu": "CY"}
    v = im.segmentation_verdict(_border_estimates(), _border_pairs(), ["chengyu", "yrd41"], "2000–2011",
                                "2012–2023", names)
    assert v.category == "not testable with our data"
    assert v.evidence == ("our data start in 2000. Related (YRD 41, GDP deflators): mean pair volatility 3.00 "
                          "log points in 2000–2011, 1.50 in 2012–2023; border coefficient γ +0.800 and +0.300")
    v = im.segmentation_verdict(_border_estimates(), _border_pairs(), ["chengyu"], "2000–2011", "2012–2023", names)
    assert v.evidence == "our data start in 2000; the YRD is not among this run's clusters"


def test_border_analysis_values():
    rng = np.random.default_rng(1)
    years = list(range(2000, 2010))
    rows = []
    for c in range(1, 7):
        level = 1.0
        for y in years:
            level *= float(np.exp(rng.normal(0.03, 0.02)))
            rows.append({"cluster_id": "c", "city_code": c, "province_zh": "A" if c <= 3 else "B", "year": y,
                         "gdp_deflator": level if not (c == 6 and y != 2004) else np.nan})
    data = pd.DataFrame(rows)
    data.loc[(data["city_code"] == 5) & (data["year"] == 2005), "gdp_deflator"] *= 1.5  # one large jump
    cities = pd.DataFrame({"city_code": range(1, 7), "lon": [100, 101, 102, 103, 104, 105], "lat": 30.0})
    windows, pairs, _be, values = im.border_analysis(data, cities, 2000, 2009, 2005, lambda c: f"city{c}",
                                                    {"c": "C"})
    assert list(windows) == ["2000–2009", "2000–2004", "2005–2009"]
    assert values["full_period"] == "2000–2009" and values["after_period"] == "2005–2009"
    assert values["n_left_out"] == 1 and values["left_out_names"] == "city6"
    assert values["n_deflator_missing"] == 9
    # 5 cities × 9 changes (city 6 has none); the jump in 2005 and the fall back in 2006 are large
    assert values["dl_share_large"] == pytest.approx(2 / 45)
    assert values["dl_threshold"] == 0.15 and values["no_border_clusters"] == "none"
    assert values["n_regressions"] == 3 and len(pairs) == 30
    assert pairs["volatility"].max() > 1  # log points


def test_border_with_city_effects_and_exercise2():
    pairs = pd.DataFrame({"cluster_id": "chengyu", "period": "all", "city_i": [1], "city_j": [2],
                          "distance_km": [10.0], "cross_province": [1], "volatility": [1.0]})
    assert im.border_with_city_effects(pairs, "all", True) == \
        "not computed (Middle Yangtze is not among this run's clusters)"
    ex2 = im.exercise2_values()
    assert ex2["ex2_k"] == pytest.approx(0.30)
    assert ex2["ex2_s"] == pytest.approx(0.425 / math.sqrt(0.42 * 0.465))
