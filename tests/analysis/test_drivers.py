"""Chapter 11: regressors of coordination, the panel assembly and the model set."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import drivers
from cityclusters.errors import MethodInputError, SourceFormatError
from cityclusters.models.results import RegressionResult
from tests.conftest import requires_mirror


# ----------------------------------------------------------------------------- small units
def test_hsr_variables_dummy_and_years_since():
    first = pd.Series({1: 2012.0, 2: np.nan}, name="hsr_first_year")
    out = drivers.hsr_variables(first, [2011, 2012, 2014]).set_index(["city_code", "year"])
    assert out.loc[(1, 2011)].tolist() == [0, 0]
    assert out.loc[(1, 2012)].tolist() == [1, 1]  # opening year counts as year 1
    assert out.loc[(1, 2014)].tolist() == [1, 3]
    assert out.loc[(2, 2014)].tolist() == [0, 0]  # never


def test_gap_to_richest_by_hand():
    frame = pd.DataFrame({"cluster_id": ["a", "a", "a", "b"], "year": [2015] * 4,
                          "gdp_per_capita": [100.0, 50.0, np.nan, 10.0]})
    gap = drivers.gap_to_richest(frame)
    assert gap.iloc[0] == 0.0
    assert gap.iloc[1] == pytest.approx(math.log(0.5))
    assert np.isnan(gap.iloc[2])
    assert gap.iloc[3] == 0.0  # alone in its cluster


def test_add_lags_matches_years_not_rows():
    frame = pd.DataFrame({"city_code": [1, 1, 1], "year": [2010, 2011, 2013], "x": [1.0, 2.0, 4.0]})
    out = drivers.add_lags(frame, ["x"], [1, 2]).set_index("year")
    assert out.at[2011, "L1_x"] == 1.0
    assert np.isnan(out.at[2013, "L1_x"])  # 2012 absent: no lag, not the 2011 value
    assert out.at[2013, "L2_x"] == 2.0


def test_add_lags_refuses_duplicates():
    frame = pd.DataFrame({"city_code": [1, 1], "year": [2010, 2010], "x": [1.0, 2.0]})
    with pytest.raises(MethodInputError, match="duplicated"):
        drivers.add_lags(frame, ["x"], [1])


def test_standardise_and_constant_column():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0]})
    out, sds = drivers.standardise(frame, ["a"])
    assert out["a"].tolist() == pytest.approx([-1.0, 0.0, 1.0])
    assert sds["a"] == pytest.approx(1.0)
    with pytest.raises(MethodInputError, match="'b'"):
        drivers.standardise(frame, ["b"])


def test_unit_conversions_by_hand():
    # 100 million USD at 6.5 yuan/USD = 6.5 亿元; GDP 650 亿元 -> 1 %
    assert drivers.fdi_share(pd.Series([100.0]), pd.Series([6.5]), pd.Series([650.0])).iloc[0] == pytest.approx(1.0)
    # revenue 650,000 万元 = 65 亿元 on GDP 650 亿元 = 10 %
    assert drivers.fiscal_ratio(pd.Series([650000.0]), pd.Series([650.0])).iloc[0] == pytest.approx(10.0)
    assert np.isnan(drivers.fiscal_ratio(pd.Series([1.0]), pd.Series([0.0])).iloc[0])


def test_segmentation_two_cities_by_hand():
    # relative log price changes of A vs B: 0.01, -0.01, 0.03 -> sample sd = 0.02 -> 2 % per year
    ln_a = np.cumsum([0.0, 0.01, -0.01, 0.03])
    frame = pd.DataFrame({"cluster_id": "c", "city_code": [1] * 4 + [2] * 4,
                          "year": list(range(2010, 2014)) * 2,
                          "gdp_deflator": list(np.exp(ln_a)) + [1.0] * 4})
    out = drivers.segmentation_panel(frame, [2013, 2014], window=4)
    assert len(out) == 2  # 2014 has no complete window
    assert out["segmentation"].tolist() == pytest.approx([2.0, 2.0])
    assert out["n_partners"].tolist() == [1, 1]


def test_segmentation_window_and_columns_checked():
    frame = pd.DataFrame({"cluster_id": ["c"], "city_code": [1], "year": [2010]})
    with pytest.raises(MethodInputError, match="gdp_deflator"):
        drivers.segmentation_panel(frame, [2010])
    with pytest.raises(MethodInputError, match="window"):
        drivers.segmentation_panel(frame.assign(gdp_deflator=1.0), [2010], window=2)


def test_match_names_strips_zero_width_and_flags_duplicates():
    frame = pd.DataFrame({"source_row": [2, 3, 4], "year": [2015, 2015, 2015],
                          "name_short_zh": ["成都\u200b", "火星", "成都"]})
    with pytest.raises(SourceFormatError, match=r"rows \[2, 4\]"):
        drivers.match_names(frame, "name_short_zh", {"成都": 510100}, "FDI file")
    out = drivers.match_names(frame.iloc[:2], "name_short_zh", {"成都": 510100}, "FDI file")
    assert out["city_code"].tolist() == [510100]
    assert out.attrs["unmatched"] == ["火星"]


def test_reading_and_describe():
    assert drivers.reading(0.1, 0.5) == "positive"
    assert drivers.reading(-0.5, -0.1) == "negative"
    assert drivers.reading(-0.1, 0.5) == "indistinguishable from zero"
    assert drivers.describe(1.234, -0.5, 3.0) == "1.23 [-0.50, 3.00]"


def test_validate_driver_parameters():
    drivers.validate_driver_parameters(["chengyu"], 2011, 2019, "growth", 2)
    with pytest.raises(ValueError, match="OUTCOME"):
        drivers.validate_driver_parameters(["chengyu"], 2011, 2019, "wealth", 1)
    with pytest.raises(ValueError, match="LAG"):
        drivers.validate_driver_parameters(["chengyu"], 2011, 2019, "growth", 3)
    with pytest.raises(ValueError, match="indicator system covers"):
        drivers.validate_driver_parameters(["chengyu"], 2005, 2019, "growth", 1)


def _toy_panel(seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for city in range(12):
        for year in range(2010, 2018):
            x = rng.normal()
            rows.append({"city_code": city, "year": year, "core": city == 0, "cluster_id": "a" if city < 6 else "b",
                         "L1_x": x, "L1_const": 1.0 if city % 2 else 0.0,
                         "y": 2.0 * x + city * 0.5 + year * 0.1 + rng.normal(scale=0.1)})
    return pd.DataFrame(rows)


def test_fit_recovers_slope_and_leaves_out_absorbed_regressor():
    toy = _toy_panel()
    res = drivers.fit(toy, "y", ["L1_x", "L1_const"], "toy")
    assert res.coefficient("L1_x")["estimate"] == pytest.approx(2.0, abs=0.05)
    assert res.statistics["left_out"] == ["L1_const"]  # constant within every city
    assert drivers.fit(toy, "y", ["L1_const"], "none") is None


def test_two_way_demean_removes_effects():
    toy = _toy_panel()
    toy["fe_only"] = toy["city_code"] * 0.5 + toy["year"] * 0.1
    r = drivers.two_way_demean(toy, "fe_only")
    assert float(r.abs().max()) < 1e-8


def test_coefficient_frame_strips_lag_prefix():
    toy = _toy_panel()
    res = drivers.fit(toy, "y", ["L1_x"], "toy")
    frame = drivers.coefficient_frame({"toy": res, "missing": None}, ["x"])
    assert frame["term"].tolist() == ["x"] and frame["model"].tolist() == ["toy"]


# ----------------------------------------------------------------------------- chapter 11 values and verdicts
def _model(terms: dict, n_clusters=30, name="m", **stats):
    """A hand-made result: term -> (estimate, ci_low, ci_high)."""
    coefs = pd.DataFrame([{"term": t, "estimate": e, "ci_low": lo, "ci_high": hi, "p_value": 0.5}
                          for t, (e, lo, hi) in terms.items()])
    statistics = {"n_obs": 100, "n_units": n_clusters, "n_clusters": n_clusters, "n_dropped": 3,
                  "r2_within": 0.05, **stats}
    return RegressionResult(name, coefs, statistics)


def test_verdict_for_every_branch():
    assert drivers.verdict_for(None, +1).startswith("not testable with our data: not estimable")
    few = _model({}, n_clusters=6)
    assert drivers.verdict_for((1.0, 0.5, 1.5), +1, few) == "not testable with our data: fewer than 10 cities in this run"
    big = _model({})
    assert drivers.verdict_for((1.0, 0.5, 1.5), +1, big).startswith("partly supported: the association has the expected sign")
    assert drivers.verdict_for((-1.0, -1.5, -0.5), -1, big).startswith("partly supported")
    assert drivers.verdict_for((-1.0, -1.5, -0.5), +1, big) == "not supported: the association has the opposite sign"
    assert drivers.verdict_for((1.0, 0.5, 1.5), -1, big) == "not supported: the association has the opposite sign"
    assert drivers.verdict_for((0.1, -0.5, 0.7), +1, big) == "not supported: no association detected (the interval includes zero)"


def _models(hsr=(0.5, 0.1, 0.9), seg=(-0.2, -0.6, 0.2), gap=(1.0, 0.4, 1.6), n_clusters=30):
    base = _model({"L1_hsr": hsr, "L1_segmentation": seg, "L1_gap": gap}, n_clusters, "Baseline")
    controls = _model({"L1_hsr": hsr, "L1_fdi_gdp": (0.3, -0.1, 0.7), "L1_loans_gdp": (-0.4, -0.8, -0.1)},
                      n_clusters, "+ controls")
    return {"Baseline": base, "+ controls": controls, "+ fiscal": None}


def test_claim_verdicts_and_evidence():
    coord = _models()
    growth = _models(hsr=(-0.3, -0.5, -0.1))
    verdicts, values = drivers.claim_verdicts(coord, growth, 1, 2011, 2019, 5)
    cats = {v.claim_id: v.category for v, _ in verdicts}
    assert cats == {"p000_transport_constrains_coordination": "partly supported",
                    "p000_segmentation_constrains_coordination": "not supported",
                    "p000_gap_constrains_coordination": "partly supported",
                    "p003_infrastructure_growth": "not supported",
                    "p003_fiscal_system_obstacle": "not testable with our data"}
    first, claim = verdicts[0]
    assert claim == "poor transport and time–space distance constrain coordination"
    assert first.evidence == "baseline, D×100, HSR station (高铁) lagged 1: 0.50 [0.10, 0.90] (2011–2019, 5 clusters)"
    assert verdicts[2][0].evidence.endswith("; partly mechanical (GDP per head is in D)")
    assert verdicts[4][0].evidence.endswith("revenue/GDP proxy: model not estimable")
    assert values["verdict_infra_growth"] == "not supported: the association has the opposite sign"
    assert values["verdict_segmentation"].startswith("not supported: no association")


def test_result_values_and_not_estimable():
    raw = pd.DataFrame({"D": [40.0, 50.0, 60.0]})
    sds = pd.Series({"L1_segmentation": 0.8, "L1_gap": 0.3})
    values = drivers.result_values(_models(), sds, raw, "coordination", 1)
    assert values["b_hsr"] == "0.50 [0.10, 0.90]" and values["b_hsr_reading"] == "positive"
    assert values["b_loans_gdp_reading"] == "negative"
    assert values["b_fiscal_gdp"] == "not estimable" and values["b_fiscal_gdp_reading"] == "not estimable"
    assert values["b_seg_text"] == "-0.20 [-0.60, 0.20] — indistinguishable from zero"
    assert values["n_units_fiscal"] == 0 and values["n_obs_base"] == 100
    assert np.isnan(values["sd_fdi"]) and values["sd_seg"] == 0.8
    assert values["mean_y"] == 50.0 and values["sd_y"] == 10.0
    with pytest.raises(ValueError, match="baseline model cannot be estimated"):
        drivers.result_values({"Baseline": None, "+ controls": None, "+ fiscal": None}, sds, raw, "coordination", 1)


def test_robustness_values_count_excluding_intervals():
    coefs = pd.DataFrame({"model": ["Baseline", "Lag 2", "chengyu", "Baseline"],
                          "term": ["hsr", "hsr", "hsr", "gap"],
                          "estimate": [1.0, 0.1, 2.0, 0.0], "ci_low": [0.5, -0.2, 1.0, -1.0],
                          "ci_high": [1.5, 0.4, 3.0, 1.0]})
    values = drivers.robustness_values(coefs, ["Baseline", "Lag 2"], "growth")
    assert (values["rob_hsr_excl"], values["rob_hsr_n"]) == (1, 2)  # the cluster model is not counted
    assert (values["rob_gap_excl"], values["rob_gap_n"]) == (0, 1)
    assert (values["rob_segmentation_excl"], values["rob_segmentation_n"]) == (0, 0)
    assert values["rob_extra"] == ""
    assert drivers.robustness_values(coefs, ["Baseline"], "coordination")["rob_extra"].startswith("; the last two")


def test_cluster_notes_and_labels():
    by_cluster = {"chengyu": _model({}, n_clusters=16), "qianzhong": _model({}, n_clusters=6), "yrd26": None}
    labels = {"chengyu": "CY", "qianzhong": "QZ", "yrd26": "YRD"}
    assert drivers.cluster_notes(by_cluster, labels) == {"few_clusters": "QZ", "not_estimable_clusters": "YRD"}
    assert drivers.cluster_notes({"chengyu": by_cluster["chengyu"]}, labels) == {
        "few_clusters": "none", "not_estimable_clusters": "none"}
    labels = drivers.model_labels(["Baseline"], ["chengyu"])
    assert labels["Baseline"] == "Baseline" and labels["chengyu"].endswith(" chengyu")


def test_event_values_both_branches():
    raw = pd.DataFrame({"city_code": [1, 1, 2, 2, 3, 3], "year": [2011, 2012] * 3,
                        "hsr_first_year": [2012.0, 2012.0, 2008.0, 2008.0, np.nan, np.nan]})
    profile = pd.DataFrame({"event_time": [-1, 0, 1], "mean": [-0.2, 0.1, 0.3],
                            "ci_low": [-0.5, 0.05, -0.1], "ci_high": [0.1, 0.2, 0.7], "n": [5, 5, 5]})
    values = drivers.event_values(raw, profile)
    assert values["n_event_cities"] == 1  # only city 1 opens inside 2012..2012
    assert values["event_text"] == "averages -0.20 in the years before and 0.20 from the opening on"
    assert values["event_excl"] == 1 and values["event_n"] == 3
    empty = drivers.event_values(raw, profile.iloc[:0])
    assert empty["event_text"].startswith("cannot be shown") and empty["event_n"] == 0 and "event_pre" not in empty


def test_panel_values_and_tables():
    raw = pd.DataFrame({"city_code": [1, 1, 2], "cluster_id": ["chengyu", "chengyu", "qianzhong"],
                        "D": [1.0, np.nan, 2.0], "growth": [1.0, 2.0, np.nan],
                        **{f"L2_{t}": [1.0, 1.0, np.nan] for t in ("hsr", "segmentation", "gap", "fdi_gdp",
                                                                  "loans_gdp", "fiscal_gdp")},
                        "growth_flagged": [True, False, False], "name_zh": ["甲", "乙", "丙"]})
    values = drivers.panel_values(raw, ["chengyu", "qianzhong"], 2012, 2018, "growth", 2)
    assert values["other_lag"] == 1 and values["outcome_unit"] == "percentage points of growth"
    assert (values["n_cities"], values["n_city_years"], values["n_clusters"]) == (2, 3, 2)
    cov = drivers.coverage_display(raw, 2)
    assert list(cov.columns[:3]) == ["cluster", "city-years", "D"] and cov["cluster"].iloc[-1] == "all"
    assert cov.set_index("cluster").loc["all", "fiscal_gdp"] == pytest.approx(2 / 3)
    data = drivers.data_values(raw, 2, ["中国"])
    assert data["fdi_unmatched_some"] == "中国" and data["d_dropped_cities"] == "乙"
    assert data["fiscal_cov"] == pytest.approx(2 / 3) and data["n_growth_flagged"] == 1
    assert drivers.data_values(raw, 2, [])["fdi_unmatched_some"] == "none"
    reg = drivers.regressor_table().set_index("Regressor")
    assert reg.at["loans_gdp", "in D?"].startswith("yes") and reg.at["hsr", "in D?"] == "no"
    assert drivers.lagged_term_labels()["L2_gap"] == "gap to richest city (差距), t−2"


def test_exercise_values_widest_cluster_interval():
    coefs = pd.DataFrame({"model": ["Baseline", "chengyu", "qianzhong"], "term": ["hsr"] * 3,
                          "estimate": [0.0] * 3, "ci_low": [-1.0, -2.0, -5.0], "ci_high": [1.0, 2.0, 5.0]})
    raw = pd.DataFrame({"cluster_id": ["chengyu", "chengyu", "qianzhong"], "city_code": [1, 2, 3]})
    robust = {"Lag 2": _model({"L2_segmentation": (0.1, -0.1, 0.3)}, name="Lag 2")}
    values = drivers.exercise_values(_models(), _models(hsr=(-0.3, -0.5, -0.1)), robust, coefs,
                                     ["chengyu", "qianzhong"], raw, 1, {"chengyu": "CY", "qianzhong": "QZ"})
    assert values["ex_widest_width"] == 10.0 and values["ex_widest_cluster"] == "QZ"
    assert values["ex_full_width"] == 2.0
    assert values["ex_seg_other"] == "0.10 [-0.10, 0.30]" and values["ex_n_other"] == 100
    assert values["ex_hsr_growth"] == "-0.30 [-0.50, -0.10]"
    assert (values["ex_min_cities"], values["ex_max_cities"]) == (1, 2)
    none = drivers.exercise_values(_models(), _models(), {}, coefs[coefs["model"] == "Baseline"], ["chengyu"],
                                   raw, 1, {})
    assert none["ex_widest_cluster"] == "no cluster estimable" and none["ex_seg_other"] == "not estimable"
    assert none["ex_n_other"] == 0


# ----------------------------------------------------------------------------- real data
@requires_mirror
def test_fdi_and_fiscal_readers_on_real_files():
    fdi = drivers.read_city_fdi()
    assert fdi.attrs["unmatched"] == ["中国"]  # the national total row
    cd = fdi[(fdi["city_code"] == 510100) & (fdi["year"] == 2019)]["fdi_musd"].iloc[0]
    assert cd == pytest.approx(13169.0)
    fiscal = drivers.read_prefecture_fiscal()
    assert 500100 not in set(fiscal["city_code"])  # municipalities absent
    row = fiscal[(fiscal["city_code"] == 510100) & (fiscal["year"] == 2015)].iloc[0]
    assert row["fiscal_gdp"] == pytest.approx(11576393.0 / (10801.163086 * 1e4) * 100, rel=1e-6)
    assert drivers.read_exchange_rate()[2019] == pytest.approx(6.8985)


@requires_mirror
def test_assembled_panel_shape_and_lags():
    panel = drivers.assemble_panel(["qianzhong"], 2012, 2016)
    assert set(panel["year"]) == set(range(2012, 2017))
    assert panel.duplicated(["city_code", "year"]).sum() == 0
    gy = panel[panel["city_code"] == 520100].set_index("year")
    assert gy.at[2013, "L1_gap"] == pytest.approx(gy.at[2012, "gap"])
    assert bool(gy["core"].all())
    assert panel["D"].between(0, 100).all() or panel["D"].isna().any()


@pytest.mark.slow
@requires_mirror
def test_chapter_11_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("11_drivers", tmp_path / "11.ipynb",
                         {"CLUSTERS": ["yrd26", "middle_yangtze"], "FIRST_YEAR": 2012, "LAST_YEAR": 2018,
                          "OUTCOME": "growth", "LAG": 2})
    values = glued_values(output)
    assert values["first_year"] == "2012" and values["last_year"] == "2018"
    assert values["lag"] == "2" and values["other_lag"] == "1"
    assert values["n_clusters"] == "2"
    assert values["outcome_words"].startswith("'growth") or "growth" in values["outcome_words"]
    assert values["n_city_years"] == str((26 + 28) * 7)  # YRD-26 and Middle Yangtze members


@pytest.mark.slow
@requires_mirror
def test_chapter_11_refuses_bad_outcome(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    from cityclusters.publishing.runner import run_chapter

    with pytest.raises(PapermillExecutionError, match="OUTCOME must be one of"):
        run_chapter("11_drivers", tmp_path / "bad.ipynb", {"OUTCOME": "wealth"})
