"""Chapter 11: regressors of coordination, the panel assembly and the model set."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import drivers
from cityclusters.models import callaway_santanna as cs_model
from cityclusters.models import panel as panel_model
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
    drivers.validate_driver_parameters(["chengyu"], 2011, 2019, "clean", 1)
    with pytest.raises(ValueError, match="OUTCOME"):
        drivers.validate_driver_parameters(["chengyu"], 2011, 2019, "wealth", 1)
    with pytest.raises(ValueError, match="LAG"):
        drivers.validate_driver_parameters(["chengyu"], 2011, 2019, "growth", 3)
    with pytest.raises(ValueError, match="coordination index's years 2007–2019"):
        drivers.validate_driver_parameters(["chengyu"], 2005, 2019, "growth", 1)
    with pytest.raises(ValueError, match="LAST_YEAR=2020"):
        drivers.validate_driver_parameters(["chengyu"], 2011, 2020, "growth", 1)
    with pytest.raises(ValueError, match="at least 3 years"):
        drivers.validate_driver_parameters(["chengyu"], 2018, 2019, "growth", 1)


# ----------------------------------------------------------------------------- outcomes and mechanical overlap
def _system():
    """A small indicator system: GDP-based industry and market indicators, a clean one."""
    return pd.DataFrame({
        "indicator_id": ["real_gdp_pc", "co2", "loans_gdp", "doctors", "roads"],
        "subsystem_id": ["industry", "ecology", "market", "public", "infra"],
        "short_en": ["Real GDP p.c.", "CO2 intensity", "Loans/GDP", "Doctors", "Roads"],
        "numerator": ["1e4 * gp.real_gdp", "gp.co2_t", "gp.loans_wan", "yearbook.doctors", "gp.road_m2_pc"],
        "denominator": ["gp.population", "1e4 * gp.real_gdp", "1e4 * gp.gdp", "gp.population", np.nan]})


def test_mechanical_overlap_and_clean_subsystems_by_hand():
    system = _system()
    inputs = {"hsr": (), "gap": ("gp.gdp", "gp.real_gdp"), "loans_gdp": ("gp.loans_wan", "gp.gdp")}
    overlap = drivers.mechanical_overlap(system, inputs).set_index("regressor")
    assert overlap.at["hsr", "in_d"] == "no" and overlap.at["hsr", "subsystems"] == []
    assert overlap.at["gap", "same"] == "real_gdp_pc"
    assert overlap.at["gap", "in_d"] == "yes: Real GDP p.c. (industry); shares GDP with CO2 intensity (ecology), Loans/GDP (market)"
    assert overlap.at["loans_gdp", "in_d"] == "yes: Loans/GDP (market)"  # nothing else uses loans or nominal GDP
    # population is not an input: the per-head doctors stay clean
    assert drivers.clean_subsystems(system, inputs) == ["public", "infra"]
    with pytest.raises(MethodInputError, match="every subsystem"):
        drivers.clean_subsystems(system.iloc[:3], inputs)


def test_clean_mean_and_index_years():
    scores = np.array([[0.2, 0.4, 0.9], [0.1, np.nan, 0.5]])
    assert drivers.clean_mean(scores, ["a", "b", "c"], ["a", "c"]).tolist() == pytest.approx([55.0, 30.0])
    assert np.isnan(drivers.clean_mean(scores, ["a", "b", "c"], ["b"])[1])
    assert np.isnan(drivers.clean_mean(scores, ["a", "b", "c"], ["z"])).all()  # a spec that dropped them
    with pytest.raises(ValueError, match="FIRST_YEAR=2006"):
        drivers.check_index_years(2006, 2010)


# ----------------------------------------------------------------------------- many outcomes, staggered HSR
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


def test_fit_uses_the_wild_bootstrap_below_50_cities():
    """12 cities: intervals and p-values by the WCR bootstrap (estimate and CRV1 SE kept), equal to
    wild_bootstrap_fe on the same rows; with 50 cities or more the t(G − 1) result is kept."""
    from cityclusters.models.wild_bootstrap import wild_bootstrap_fe

    toy = _toy_panel()
    res = drivers.fit(toy, "y", ["L1_x"], "toy")
    plain = panel_model.fixed_effects_regression(toy, "y", "L1_x", unit="city_code", time="year")
    row, ref = res.coefficient("L1_x"), plain.coefficient("L1_x")
    assert res.statistics["inference"].startswith("wild cluster bootstrap (WCR, Webb weights, 9,999 draws, seed 20240901, 12 clusters")
    assert row["estimate"] == pytest.approx(ref["estimate"]) and row["std_error"] == pytest.approx(ref["std_error"])
    wild = wild_bootstrap_fe(toy, "y", ["L1_x"], "L1_x", unit="city_code", time="year")
    assert (row["ci_low"], row["ci_high"], row["p_value"]) == pytest.approx((wild.ci_low, wild.ci_high, wild.p_value))
    assert row["ci_low"] != pytest.approx(ref["ci_low"])
    many = RegressionResult("m", plain.coefficients, {**plain.statistics, "n_clusters": 60})
    kept = drivers.with_wild_bootstrap(many, toy, "y")
    assert kept.statistics["inference"] == "clustered by city (CRV1), t(G − 1)"
    assert kept.coefficients.equals(plain.coefficients)
    frame = drivers.coefficient_frame({"toy": res}, ["x"])
    assert frame["inference"].iloc[0].startswith("wild") and frame["n_clusters"].iloc[0] == 12
    assert drivers.inference_words([res]).startswith("With fewer than 50 cities (here 12)")
    assert drivers.inference_words([kept]) == ("With 60 cities (50 or more) the intervals are t(G − 1) intervals from "
                                               "errors clustered by city.")


def test_cluster_table_reads_each_cluster_by_the_claimed_sign():
    by_cluster = {"chengyu": _model({"L1_hsr": (1.0, 0.5, 1.5), "L1_segmentation": (0.1, -0.2, 0.4),
                                     "L1_gap": (-2.0, -3.0, -1.0)}, n_clusters=16,
                                    inference="wild cluster bootstrap (WCR, Webb weights, 9,999 draws, seed 1, 16 clusters)"),
                  "qianzhong": _model({"L1_hsr": (1.0, 0.5, float("inf"))}, n_clusters=4),
                  "yrd26": None}
    table = drivers.cluster_table(by_cluster, {"chengyu": "CY", "qianzhong": "QZ", "yrd26": "YRD"}, 1)
    cy = table.set_index("cluster").loc["CY"]
    assert cy["HSR station (高铁)"] == "1.00 [0.50, 1.50], p = 0.50 (partly supported)"
    assert cy["segmentation (市场分割)"].endswith("(inconclusive)")
    assert cy["gap to richest city (差距)"].endswith("(not supported)")
    assert table.set_index("cluster").loc["QZ", "HSR station (高铁)"] == "1.00 [0.50, ∞], p = 0.50 (not read)"
    assert table.set_index("cluster").loc["YRD", "cities"] == 0


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


def test_within_fits_equals_the_panel_model_column_by_column():
    toy = _toy_panel(seed=3)
    rng = np.random.default_rng(1)
    toy["L1_z"] = rng.normal(size=len(toy))
    ys = np.column_stack([toy["y"], toy["y"] + rng.normal(size=len(toy)), toy["y"].where(toy["year"] > 2010)])
    fits = panel_model.within_fits(toy, ys, ["L1_x", "L1_z"])
    for s in range(ys.shape[1]):
        frame = toy.assign(y_s=ys[:, s])
        res = drivers.fit(frame, "y_s", ["L1_x", "L1_z"], "check")
        for j, term in enumerate(["L1_x", "L1_z"]):
            row = res.coefficient(term)
            assert fits["estimate"][j, s] == pytest.approx(row["estimate"], rel=1e-9)
            assert fits["std_error"][j, s] == pytest.approx(row["std_error"], rel=1e-9)
            # fit's intervals are the wild bootstrap's (12 cities); within_fits keeps t(G − 1) as the
            # fixed-effects regression does
            plain = panel_model.fixed_effects_regression(frame, "y_s", ["L1_x", "L1_z"], unit="city_code",
                                                         time="year", dropna=True).coefficient(term)
            assert fits["ci_low"][j, s] == pytest.approx(plain["ci_low"], rel=1e-9)
        assert fits["n_obs"][s] == res.statistics["n_obs"] and fits["n_clusters"][s] == 12
    with pytest.raises(MethodInputError, match="2-d array"):
        panel_model.within_fits(toy, ys[:5], ["L1_x"])


def _staggered(seed=0, n_never=4):
    """Cities 0-9 open a station in 2012, 2013 or 2014 (or never), effect 2 from the opening."""
    rng = np.random.default_rng(seed)
    first = {c: (2012 + c % 3 if c < 10 - n_never else np.nan) for c in range(10)}
    first[10] = 2008.0  # opened before the panel: always treated
    rows = []
    for c, g in first.items():
        for year in range(2010, 2017):
            treated = not np.isnan(g) and year >= g
            rows.append({"city_code": c, "year": year, "hsr_first_year": g,
                         "y": c + 0.3 * (year - 2010) + 2.0 * treated + rng.normal(scale=0.2)})
    return pd.DataFrame(rows)


def test_hsr_did_panel_counts_and_cohorts():
    raw = _staggered()
    raw.loc[(raw["city_code"] == 9) & (raw["year"] == 2011), "y"] = np.nan  # incomplete: dropped
    data, design = drivers.hsr_did_panel(raw, "y")
    assert design == {"n_cities": 9, "n_always": 1, "n_incomplete": 1, "n_treated": 6, "n_never": 3,
                      "n_cohorts": 3, "cohort_sizes": {2012: 2, 2013: 2, 2014: 2}}
    assert set(data["city_code"]) == set(range(9)) and data["cohort"].isna().sum() == 3 * 7


def test_cs_att_many_equals_the_package_estimator():
    from cityclusters.models.callaway_santanna import callaway_santanna

    raw = _staggered(seed=2)
    data, _ = drivers.hsr_did_panel(raw, "y")
    ref = callaway_santanna(data, "y", "city_code", "year", "cohort", control="not_yet_treated", leads=0,
                            n_boot=199, seed=5).coefficient("att")
    wide = data.pivot(index="city_code", columns="year", values="y")
    cohort = data.groupby("city_code")["cohort"].first().reindex(wide.index).to_numpy()
    cube = np.stack([wide.to_numpy(), wide.to_numpy() * 2], axis=2)
    fit = cs_model.cs_att_many(cube, cohort, list(wide.columns), n_boot=199, seed=5)
    assert fit["estimate"][0] == pytest.approx(ref["estimate"], rel=1e-10)
    assert fit["std_error"][0] == pytest.approx(ref["std_error"], rel=1e-10)
    assert fit["estimate"][1] == pytest.approx(2 * ref["estimate"], rel=1e-10)  # linear in y
    assert ref["estimate"] == pytest.approx(2.0, abs=0.3)


def test_hsr_estimators_and_multiverse_on_a_toy_design():
    raw = _staggered(seed=4)
    data, _ = drivers.hsr_did_panel(raw, "y")
    results = drivers.hsr_estimators(data, n_boot=99, seed=1)
    assert set(results) == {"cs", "sa", "twfe"}
    assert results["cs"].statistics["control"] == "not_yet_treated"
    assert results["sa"].statistics["control"] == "never"
    assert drivers.hsr_estimate(results["twfe"], "twfe", "growth").label == "TWFE DID (comparison) on growth"
    frame = drivers.hsr_event_frame(results["cs"])
    assert frame["event_time"].min() >= -drivers.EVENT_LEADS and 0 in set(frame["event_time"])
    assert drivers.hsr_event_frame(None).empty
    # the effect is 2 everywhere: the claim (+) holds in every column, the opposite in none
    outcomes = np.column_stack([raw["y"], raw["y"] + 1.0, -raw["y"]])
    share, opposite, n = drivers.hsr_multiverse(raw, outcomes, +1, n_boot=99, seed=1)
    assert (share, opposite, n) == (pytest.approx(2 / 3), pytest.approx(1 / 3), 3)


def test_sides_and_support():
    claim, opposite = drivers.sides([0.1, -2.0, -1.0, np.nan], [0.5, -0.1, 1.0, 1.0], -1)
    assert claim == [False, True, False, None] and opposite == [True, False, False, None]
    assert drivers.support_of(claim, opposite) == (pytest.approx(1 / 3), pytest.approx(1 / 3), 3)
    assert drivers.support_of([None, None], [None, None]) is None  # nothing to evaluate


def test_coefficient_multiverse_counts_specifications_on_each_side():
    toy = _toy_panel(seed=5)  # y = 2x + effects + noise
    outcomes = np.column_stack([toy["y"], -toy["y"], toy["y"] * 0 + np.random.default_rng(0).normal(size=len(toy))])
    support = drivers.coefficient_multiverse(toy, outcomes, ["L1_x"], {"L1_x": +1})
    share, opposite, n = support["L1_x"]
    assert n == 3 and share == pytest.approx(1 / 3) and opposite == pytest.approx(1 / 3)


# ----------------------------------------------------------------------------- chapter 11 values and verdicts
def _model(terms: dict, n_clusters=30, name="m", **stats):
    """A hand-made result: term -> (estimate, ci_low, ci_high)."""
    coefs = pd.DataFrame([{"term": t, "estimate": e, "ci_low": lo, "ci_high": hi, "std_error": (hi - lo) / 3.92,
                           "p_value": 0.5} for t, (e, lo, hi) in terms.items()])
    statistics = {"n_obs": 100, "n_units": n_clusters, "n_clusters": n_clusters, "n_dropped": 3,
                  "r2_within": 0.05, **stats}
    return RegressionResult(name, coefs, statistics)


def _est(e, lo, hi, se=0.5, n=50, inference=""):
    return drivers.Estimate("x", e, lo, hi, se, n, inference)


def test_estimate_of_a_bootstrap_interval():
    """A bootstrap interval: the minimum detectable effect uses its half-width / 1.96."""
    est = _est(0.1, -0.5, 0.7, se=0.1, n=20, inference="wild cluster bootstrap (WCR, ...)")
    assert est.bootstrapped and est.interval_se == pytest.approx(1.2 / 3.919927969)
    assert est.text == "x: 0.10 [-0.50, 0.70] (20 cities, wild bootstrap)"
    assert drivers.verdict_for(est, +1).endswith("(minimum detectable effect 0.86)")
    assert _est(0.1, -0.5, 0.7, se=0.1).interval_se == 0.1


def test_verdict_for_every_branch():
    assert drivers.verdict_for(None, +1).startswith("not testable with our data: not estimable")
    assert drivers.verdict_for(_est(1.0, 0.5, 1.5, n=6), +1) == (
        "not testable with our data: its errors rest on 6 cities, fewer than 10")
    assert drivers.verdict_for(_est(1.0, 0.5, 1.5), +1).startswith("partly supported: the estimate has the expected sign")
    assert drivers.verdict_for(_est(-1.0, -1.5, -0.5), -1).startswith("partly supported")
    assert drivers.verdict_for(_est(-1.0, -1.5, -0.5), +1) == (
        "not supported: the estimate has the opposite sign; its interval [-1.50, -0.50] excludes zero and every "
        "effect of the claimed sign")
    assert drivers.verdict_for(_est(1.0, 0.5, 1.5), -1).startswith("not supported: the estimate has the opposite sign")
    # a null is never a refutation: it holds zero and small effects of the claimed sign
    null = drivers.verdict_for(_est(0.1, -0.5, 0.7, se=0.3), +1)
    assert null == ("inconclusive: the interval [-0.50, 0.70] holds both zero and effects of the "
                    "claimed sign (minimum detectable effect 0.84)")


def test_with_multiverse_caps_and_reports_both_shares():
    assert drivers.with_multiverse("partly supported: x", None) == "partly supported: x"
    assert drivers.with_multiverse("supported: x", (0.9, 0.0, 400)) == (
        "partly supported: x; holds in 90% of 400 specifications")
    # an exclusion that holds in only a quarter of the multiverse flips with the index (issue 15)
    assert drivers.with_multiverse("not supported: y", (0.0, 0.25, 400)) == (
        "inconclusive: in the main specification y, but the opposite sign holds in only 25% of 400 "
        "specifications of the index, so the index's choices decide between no effect and an opposite one; "
        "the claim holds in 0% of 400 specifications")
    assert drivers.with_multiverse("not supported: y", (0.0, 0.96, 400)) == (
        "not supported: y; the opposite sign holds in 96% of 400 specifications; the claim holds in 0% of 400 specifications")
    assert drivers.with_multiverse("not testable with our data: z", (0.05, 0.0, 400)).endswith(
        "the claim holds in 5% of 400 specifications")
    assert drivers.with_multiverse("inconclusive: z", (0.05, 0.0, 400)) == (
        "inconclusive: z; the claim holds in 5% of 400 specifications")


def test_claim_verdicts_grades_main_estimates_and_keeps_fiscal_untestable():
    main = {"transport": _est(-0.9, -1.8, -0.1), "segmentation": _est(0.1, -0.2, 0.5, se=0.2),
            "gap": _est(2.5, 0.7, 4.4), "infra_growth": None, "fiscal": None}
    checks = {"transport": [_est(-0.8, -1.8, 0.2), None], "fiscal": [_est(0.2, -0.6, 1.1)]}
    support = {"transport": (0.0, 0.4, 400), "segmentation": (0.0, 0.0, 400), "gap": (0.89, 0.0, 400),
               "infra_growth": None}
    verdicts, values = drivers.claim_verdicts(main, checks, support, {"gap": "on D partly mechanical"}, "2011–2019")
    cats = {v.claim_id: v.category for v, _ in verdicts}
    # transport: opposite sign in the main fit, but in only 40 % of the multiverse → inconclusive
    assert cats == {"p000_transport_constrains_coordination": "inconclusive",
                    "p000_segmentation_constrains_coordination": "inconclusive",
                    "p000_gap_constrains_coordination": "partly supported",
                    "p003_infrastructure_growth": "not testable with our data",
                    "p003_fiscal_system_obstacle": "not testable with our data"}
    first, claim = verdicts[0]
    assert claim == "poor transport and time–space distance constrain coordination"
    assert first.evidence == "x: -0.90 [-1.80, -0.10] (50 cities); x: -0.80 [-1.80, 0.20] (50 cities) (2011–2019)"
    assert values["verdict_transport"].endswith("the opposite sign holds in only 40% of 400 specifications of the "
                                                "index, so the index's choices decide between no effect and an "
                                                "opposite one; the claim holds in 0% of 400 specifications")
    assert values["verdict_gap"].endswith("holds in 89% of 400 specifications")
    assert verdicts[2][0].evidence.endswith("(2011–2019); on D partly mechanical")
    assert values["verdict_infra_growth"] == "not testable with our data: not estimable for these parameters"
    assert "specifications" not in values["verdict_fiscal"]
    rules = {v.claim_id: v.rule for v, _ in verdicts}
    assert rules["p000_transport_constrains_coordination"] == "effect_interval"
    assert rules["p003_fiscal_system_obstacle"] == rules["p003_infrastructure_growth"] == "not_testable"
    seg = verdicts[1][0].would_change
    assert seg == ("an interval of the segmentation coefficient wholly below zero: with these data, a true effect "
                   "of at least 0.56 (the minimum detectable effect, 2.8 SE); it is below zero in 0% of 400 "
                   "specifications of the index")
    assert verdicts[4][0].would_change.startswith("a city-level measure of the fiscal system")
    assert verdicts[0][0].would_change == (
        "an interval of the HSR effect on D that reaches zero (inconclusive) or lies wholly above it (partly "
        "supported), e.g. under another estimator or specification of the index; the claimed sign holds in 0% "
        "and the opposite sign in 40% of 400 specifications")


def test_claim_estimates_pick_the_right_models():
    lag = 1
    base = {"L1_hsr": (0.5, 0.1, 0.9), "L1_segmentation": (-0.2, -0.6, 0.2), "L1_gap": (1.0, 0.4, 1.6)}
    sets = {o: {"Baseline": _model(base, name="Baseline"), "+ controls": None,
                "+ population": _model({**base, "L1_gap": (0.6, -0.2, 1.4), "ln_pop": (-9.0, -15.0, -3.0)}),
                "+ fiscal": _model({"L1_fiscal_gdp": (0.2, -0.1, 0.5)}, name="+ fiscal")}
            for o in drivers.OUTCOMES}
    att = {o: {"cs": _model({"att": (-0.9, -1.8, -0.1)}, n_clusters=59), "sa": None,
               "twfe": _model({"post": (-0.5, -1.5, 0.4)})} for o in drivers.OUTCOMES}
    main, checks, notes = drivers.claim_estimates(att, sets, lag)
    assert main["transport"].label == "Callaway–Sant'Anna on D×100" and main["transport"].n_clusters == 59
    assert main["segmentation"].label.startswith("TWFE (+ population)") and main["gap"].estimate == 0.6
    assert checks["gap"][0].label.startswith("TWFE (Baseline)") and checks["gap"][0].estimate == 1.0
    assert main["infra_growth"].label == "Callaway–Sant'Anna on growth" and main["fiscal"] is None
    assert checks["transport"][0] is None and checks["transport"][1].label == "TWFE DID (comparison) on D×100"
    assert checks["gap"][1].label.endswith("on D×100") and "population" in notes["gap"]
    table = drivers.hsr_table(att)
    assert list(table.columns) == ["Estimator", "Controls and inference", "U_clean×100", "D×100", "growth"]
    assert table.loc[1, "D×100"] == "–" and table.loc[0, "growth"] == "-0.90 [-1.80, -0.10]"


def _models(hsr=(0.5, 0.1, 0.9), seg=(-0.2, -0.6, 0.2), gap=(1.0, 0.4, 1.6), n_clusters=30):
    base = _model({"L1_hsr": hsr, "L1_segmentation": seg, "L1_gap": gap}, n_clusters, "Baseline")
    controls = _model({"L1_hsr": hsr, "L1_fdi_gdp": (0.3, -0.1, 0.7), "L1_loans_gdp": (-0.4, -0.8, -0.1)},
                      n_clusters, "+ controls")
    population = _model({"L1_gap": (0.5, -0.1, 1.1), "ln_pop": (-9.0, -15.0, -3.0)}, n_clusters, "+ population")
    return {"Baseline": base, "+ population": population, "+ controls": controls, "+ fiscal": None}


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
    assert values["b_gap_pop"] == "0.50 [-0.10, 1.10]" and values["b_seg_pop"] == "not estimable"
    assert values["b_pop"] == "-9.00 [-15.00, -3.00]"
    with pytest.raises(ValueError, match="baseline model cannot be estimated"):
        drivers.result_values({"Baseline": None, "+ population": None, "+ controls": None, "+ fiscal": None},
                              sds, raw, "coordination", 1)


def test_comparison_models_and_values():
    sets = {"clean": _models(), "coordination": _models(seg=(0.1, 0.0, 0.2)),
            "growth": {"Baseline": None, "+ controls": None, "+ fiscal": None}}
    models = drivers.comparison_models(sets)
    assert [m.name for m in models] == ["U_clean×100", "D×100"]
    values = drivers.comparison_values(sets, 1)
    assert values["cmp_loans_gdp_clean"] == "-0.40 [-0.80, -0.10]"
    assert values["cmp_segmentation_coordination"] == "not estimable"  # not in the + controls toy model
    assert values["cmp_hsr_growth"] == "not estimable"


def test_robustness_values_count_excluding_intervals():
    coefs = pd.DataFrame({"model": ["Baseline", "Lag 2", "chengyu", "Baseline"],
                          "term": ["hsr", "hsr", "hsr", "gap"],
                          "estimate": [1.0, 0.1, 2.0, 0.0], "ci_low": [0.5, -0.2, 1.0, -1.0],
                          "ci_high": [1.5, 0.4, 3.0, 1.0]})
    values = drivers.robustness_values(coefs, ["Baseline", "Lag 2"])
    assert (values["rob_hsr_excl"], values["rob_hsr_n"]) == (1, 2)  # the cluster model is not counted
    assert (values["rob_gap_excl"], values["rob_gap_n"]) == (0, 1)
    assert (values["rob_segmentation_excl"], values["rob_segmentation_n"]) == (0, 0)
    assert values["rob_excl_text"] == ("the HSR interval excludes zero in 1 of the 2 columns, the segmentation "
                                       "interval in no column (not estimated), and the gap interval in no column")


def test_cluster_notes_and_labels():
    by_cluster = {"chengyu": _model({}, n_clusters=16), "qianzhong": _model({}, n_clusters=6), "yrd26": None}
    labels = {"chengyu": "CY", "qianzhong": "QZ", "yrd26": "YRD"}
    assert drivers.few_city_models(by_cluster) == ["qianzhong"]
    assert drivers.cluster_notes(by_cluster, labels) == {
        "few_clusters": "QZ", "not_estimable_clusters": "YRD", "cluster_min_cities": 6, "cluster_max_cities": 16,
        "cluster_cities_range": "6–16 cities",
        "cluster_inference": "With 6 to 16 cities the intervals are t(G − 1) intervals from errors clustered by city."}
    assert drivers.cluster_notes({"chengyu": by_cluster["chengyu"]}, labels)["few_clusters"] == "none"
    assert drivers.cluster_notes({"chengyu": by_cluster["chengyu"]}, labels)["cluster_cities_range"] == "16 cities"
    labels = drivers.model_labels(["Baseline"], ["chengyu"])
    assert labels["Baseline"] == "Baseline" and labels["chengyu"].endswith(" chengyu")


def test_multiverse_values_and_d_range():
    values = drivers.multiverse_values({"transport": (0.0, 0.39, 400), "gap": None}, {"specs": [1] * 400})
    assert values == {"mv_n": 400, "mv_seed": 0, "mv_transport": "0%", "mv_transport_opposite": "39%",
                      "mv_gap": "none (not estimable)", "mv_gap_opposite": "none"}
    frame = pd.DataFrame({"cluster_id": ["chengyu", "yrd26", "chengyu", "yrd26"], "year": [2018, 2018, 2019, 2019],
                          "D": [0.5, 0.7, 0.58, 0.74]})
    rng = drivers.d_range(frame)
    assert (rng["d_year"], rng["d_low_id"], rng["d_high"]) == (2019, "chengyu", 0.74)


def test_panel_values_and_tables():
    raw = pd.DataFrame({"city_code": [1, 1, 2], "cluster_id": ["chengyu", "chengyu", "qianzhong"],
                        "D": [1.0, np.nan, 2.0], "U_clean": [1.0, np.nan, 2.0], "growth": [1.0, 2.0, np.nan],
                        **{f"L2_{t}": [1.0, 1.0, np.nan] for t in ("hsr", "segmentation", "gap", "fdi_gdp",
                                                                  "loans_gdp", "fiscal_gdp")},
                        "growth_flagged": [True, False, False], "name_zh": ["甲", "乙", "丙"]})
    values = drivers.panel_values(raw, ["chengyu", "qianzhong"], 2012, 2018, "growth", 2)
    assert values["other_lag"] == 1 and values["outcome_unit"] == "percentage points of growth"
    assert (values["n_cities"], values["n_city_years"], values["n_clusters"]) == (2, 3, 2)
    assert values["clusters_phrase"] == "2 clusters"
    assert drivers.panel_values(raw, ["chengyu"], 2012, 2018, "growth", 2)["clusters_phrase"] == "1 cluster"
    assert (values["index_first"], values["index_last"]) == (2007, 2019)
    cov = drivers.coverage_display(raw, 2)
    assert list(cov.columns[:4]) == ["cluster", "city-years", "D", "U_clean"] and cov["cluster"].iloc[-1] == "all"
    assert cov.set_index("cluster").loc["all", "fiscal_gdp"] == pytest.approx(2 / 3)
    data = drivers.data_values(raw, 2, ["中国"])
    assert data["fdi_unmatched_some"] == "中国" and data["d_dropped_cities"] == "乙"
    assert data["fiscal_cov"] == pytest.approx(2 / 3) and data["n_growth_flagged"] == 1
    assert drivers.data_values(raw, 2, [])["fdi_unmatched_some"] == "none"
    assert drivers.lagged_term_labels()["L2_gap"] == "gap to richest city (差距), t−2"
    assert drivers.lagged_term_labels()["ln_pop"] == "ln population, t"


def test_exercise_values_widest_cluster_interval():
    coefs = pd.DataFrame({"model": ["Baseline", "chengyu", "qianzhong"], "term": ["hsr"] * 3,
                          "estimate": [0.0] * 3, "ci_low": [-1.0, -2.0, -5.0], "ci_high": [1.0, 2.0, 5.0]})
    robust = {"Lag 2": _model({"L2_segmentation": (0.1, -0.1, 0.3)}, name="Lag 2")}
    sets = {"coordination": _models(), "growth": _models(hsr=(-0.3, -0.5, -0.1))}
    att = {o: {"cs": _model({"att": (-0.9, -1.8, -0.1)})} for o in ("coordination", "growth")}
    values = drivers.exercise_values(sets, att, robust, coefs, ["chengyu", "qianzhong"], 1,
                                     {"chengyu": "CY", "qianzhong": "QZ"})
    assert values["ex_widest_width"] == 10.0 and values["ex_widest_cluster"] == "QZ"
    assert values["ex_widest_text"] == "spans 10.00"
    unbounded = coefs.assign(ci_high=[1.0, 2.0, float("inf")])
    values_inf = drivers.exercise_values(sets, att, robust, unbounded, ["chengyu", "qianzhong"], 1,
                                         {"chengyu": "CY", "qianzhong": "QZ"})
    assert values_inf["ex_widest_text"] == "is unbounded (no value is rejected)"
    assert values["ex_full_width"] == 2.0
    assert values["ex_seg_other"] == "0.10 [-0.10, 0.30]" and values["ex_n_other"] == 100
    assert values["ex_twfe_growth"] == "-0.30 [-0.50, -0.10]" and values["ex_cs_coordination"] == "-0.90 [-1.80, -0.10]"
    none = drivers.exercise_values(sets, att, {}, coefs[coefs["model"] == "Baseline"], ["chengyu"], 1, {})
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
def test_assembled_panel_shape_lags_and_the_book_s_d():
    from cityclusters.analysis import coordination_index

    panel = drivers.assemble_panel(["qianzhong"], 2012, 2016)
    assert set(panel["year"]) == set(range(2012, 2017))
    assert panel.duplicated(["city_code", "year"]).sum() == 0
    gy = panel[panel["city_code"] == 520100].set_index("year")
    assert gy.at[2013, "L1_gap"] == pytest.approx(gy.at[2012, "gap"])
    assert bool(gy["core"].all())
    assert np.exp(gy.at[2014, "ln_pop"]) > 100  # 贵阳: several million people, in 万人
    index = coordination_index.panel_index().set_index(["city_code", "year"])
    assert gy.at[2015, "D"] == pytest.approx(100 * index.at[(520100, 2015), "D"], rel=1e-12)  # one D
    u = index.loc[(520100, 2015), ["U_public_services", "U_innovation", "U_infrastructure"]].mean()
    assert gy.at[2015, "U_clean"] == pytest.approx(100 * u, rel=1e-12)
    cluster = drivers.cluster_d(panel)
    means = coordination_index.cluster_means(index.reset_index().dropna(subset=["D"]),
                                             drivers.chosen_members(["qianzhong"]))
    expected = means[(means["cluster_id"] == "qianzhong") & (means["year"] == 2016)]["D"].iloc[0]
    assert cluster[cluster["year"] == 2016]["D"].iloc[0] == pytest.approx(expected, rel=1e-12)


@requires_mirror
def test_the_yardstick_s_overlap_with_the_regressors():
    assert drivers.clean_subsystems() == ["public_services", "innovation", "infrastructure"]
    inside = drivers.in_d()
    assert inside["hsr"] == "no" and inside["loans_gdp"].startswith("yes: Loans/GDP (market)")
    assert inside["gap"].startswith("yes: Real GDP p.c. (industry)")
    assert inside["segmentation"].startswith("shares real GDP")
    reg = drivers.regressor_table().set_index("Regressor")
    assert reg.at["fdi_gdp", "in D?"].startswith("yes") and reg.at["hsr", "in D?"] == "no"


@pytest.mark.slow
@requires_mirror
def test_chapter_11_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("11_drivers", tmp_path / "11.ipynb",
                         {"CLUSTERS": ["yrd26", "middle_yangtze"], "FIRST_YEAR": 2012, "LAST_YEAR": 2018,
                          "OUTCOME": "growth", "LAG": 2}, render_figures=False)
    values = glued_values(output)
    assert values["first_year"] == "2012" and values["last_year"] == "2018"
    assert values["lag"] == "2" and values["other_lag"] == "1"
    assert values["n_clusters"] == "2"
    assert "growth" in values["outcome_words"]
    assert values["n_city_years"] == str((26 + 28) * 7)  # YRD-26 and Middle Yangtze members
    assert values["mv_n"] == "400" and int(values["n_boot_valid"]) >= 999


def test_pretrend_counts_read_right_for_none_one_and_all():
    assert [drivers.of_them(k, n) for k, n in ((0, 4), (1, 4), (4, 4), (1, 1), (0, 2), (0, 0))] == [
        "none of the 4", "1 of the 4", "all 4", "the one", "neither", "none (no estimate)"]
