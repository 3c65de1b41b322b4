"""Chapter 9, inference with few treated cities: randomisation inference over joining dates,
the donut control group, Rambachan–Roth bounds and synthetic controls, on simulated panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import committee_did as cd
from cityclusters.errors import MethodInputError
from cityclusters.models.callaway_santanna import callaway_santanna, cs_att_assignments

YEARS = list(range(2001, 2013))


def simulate(effect: float = 0.0, seed: int = 0, cohorts=(2005, 2008), n_per_cohort: int = 5,
             n_controls: int = 20, noise: float = 1.0) -> pd.DataFrame:
    """Exchangeable cities: unit and year effects, iid noise; ``effect`` added from joining."""
    rng = np.random.default_rng(seed)
    cohort = np.r_[np.repeat(np.asarray(cohorts, float), n_per_cohort), np.full(n_controls, np.nan)]
    n = len(cohort)
    alpha, lam = rng.normal(size=n), rng.normal(size=len(YEARS))
    rows = []
    for i in range(n):
        for k, t in enumerate(YEARS):
            treated = np.isfinite(cohort[i]) and t >= cohort[i]
            rows.append({"city_code": i, "year": t, "cohort": cohort[i],
                         "province_zh": "安徽省" if np.isfinite(cohort[i]) else "江西省",
                         "y": alpha[i] + lam[k] + effect * treated + noise * rng.normal()})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- randomisation inference

def test_cs_att_assignments_equals_callaway_santanna_for_every_assignment():
    data = simulate(effect=0.7, seed=3, cohorts=(2004, 2007, 2011))
    wide = data.pivot(index="city_code", columns="year", values="y")
    base = data.groupby("city_code")["cohort"].first().to_numpy()
    rng = np.random.default_rng(1)
    assignments = [base] + [rng.permutation(base) for _ in range(4)]
    # no never-treated city: after 2011 there are no controls, those cells are skipped
    assignments.append(np.where(np.isnan(base), 2011.0, base))
    fast = cs_att_assignments(wide.to_numpy(), np.vstack(assignments), YEARS)
    for a, value in zip(assignments, fast):
        frame = data.assign(cohort=data["city_code"].map(dict(enumerate(a))))
        slow = callaway_santanna(frame, "y", "city_code", "year", "cohort",
                                 control="not_yet_treated", n_boot=2, seed=0)
        assert value == pytest.approx(slow.coefficient("att")["estimate"], abs=1e-10)


def test_randomisation_p_values_are_uniform_under_the_null():
    p = np.array([cd.randomisation_inference(simulate(seed=s), n_perm=99, seed=s)["p_value"]
                  for s in range(200)])
    # exact test: P(p ≤ α) ≤ α; the empirical rates stay within binomial noise of α
    for alpha in (0.1, 0.25, 0.5):
        assert abs((p <= alpha).mean() - alpha) < 3 * np.sqrt(alpha * (1 - alpha) / 200)
    from scipy import stats
    assert stats.kstest(p, "uniform").pvalue > 0.001


def test_randomisation_detects_a_large_effect_and_its_interval_covers_it():
    data = simulate(effect=3.0, seed=5, noise=0.5)
    for pool in cd.RI_POOLS:
        ri = cd.randomisation_inference(data, n_perm=199, seed=2, pool=pool)
        assert ri["p_value"] == pytest.approx(1 / 200)
        assert ri["p_upper"] == pytest.approx(1 / 200)
        assert ri["ri_low"] < 3.0 < ri["ri_high"] and ri["ri_low"] > 0
        assert len(ri["draws"]) == 199
    # 10 members in two cohorts of 5 allow only C(10, 5) = 252 distinct date assignments
    assert cd.randomisation_inference(data, n_perm=199, seed=2)["n_distinct"] <= 252
    assert cd.randomisation_inference(data, n_perm=19, seed=2)["n_pool"] == 10
    assert cd.randomisation_inference(data, n_perm=19, seed=2, pool="all")["n_pool"] == 30
    # the statistic is the Callaway–Sant'Anna ATT; seeded, so reproducible
    cs = callaway_santanna(data, "y", "city_code", "year", "cohort", n_boot=2, seed=0)
    a, b = (cd.randomisation_inference(data, n_perm=49, seed=9) for _ in range(2))
    assert a["estimate"] == pytest.approx(cs.coefficient("att")["estimate"], abs=1e-10)
    assert np.array_equal(a["draws"], b["draws"])


def test_randomisation_inference_refuses_bad_input():
    data = simulate()
    with pytest.raises(MethodInputError, match="pool="):
        cd.randomisation_inference(data, pool="controls")
    with pytest.raises(MethodInputError, match="n_perm="):
        cd.randomisation_inference(data, n_perm=5)
    with pytest.raises(MethodInputError, match="balanced"):
        cd.randomisation_inference(data.iloc[1:])
    with pytest.raises(MethodInputError, match="no treated"):
        cd.randomisation_inference(data.assign(cohort=np.nan))


# ---------------------------------------------------------------- donut control group

def _grid_cities():
    """Squares of 1°: members 1, 2 in a row; control 3 touches member 2; control 4 begins 2°
    east of member 2 (≈ 190 km at 30.5° N); control 5 is far away."""
    import geopandas as gpd
    from shapely.geometry import box

    boxes = {1: box(110, 30, 111, 31), 2: box(111, 30, 112, 31), 3: box(112, 30, 113, 31),
             4: box(114, 30, 115, 31), 5: box(120, 40, 121, 41)}
    return gpd.GeoDataFrame({"city_code": list(boxes), "name_zh": list("甲乙丙丁戊"),
                             "province_zh": ["安徽省"] * 2 + ["江西省"] * 3},
                            geometry=list(boxes.values()), crs="EPSG:4326")


def test_adjacent_controls_by_shared_boundary_and_distance():
    cities = _grid_cities()
    adj = cd.adjacent_controls(cities, [1, 2], [3, 4, 5]).set_index("city_code")
    assert adj.at[3, "distance_km"] == pytest.approx(0.0, abs=1e-6) and adj.at[3, "adjacent"]
    # 2° of longitude at 30.5° N ≈ 2 × 96 km between member 2 and control 4
    assert 175 < adj.at[4, "distance_km"] < 205 and not adj.at[4, "adjacent"]
    assert not adj.at[5, "adjacent"]
    wide = cd.adjacent_controls(cities, [1, 2], [3, 4, 5], distance_km=210).set_index("city_code")
    assert wide["adjacent"].tolist() == [True, True, False]
    with pytest.raises(MethodInputError, match="no row"):
        cd.adjacent_controls(cities, [1, 2], [9])
    with pytest.raises(MethodInputError, match="non-negative"):
        cd.adjacent_controls(cities, [1, 2], [3], distance_km=-1)


def test_donut_panel_and_robustness_row():
    data = simulate(effect=1.0, seed=2, noise=0.3)
    adjacent = pd.DataFrame({"city_code": [10, 11, 12], "adjacent": [True, True, False]})
    donut = cd.donut_panel(data, adjacent)
    assert set(data["city_code"]) - set(donut["city_code"]) == {10, 11}
    table = cd.robustness_table(data, None, [], n_boot=29, seed=1, end_year=2020,
                                shifts=(), donuts=[(0.0, adjacent)])
    row = table.set_index("specification").loc[cd.donut_label(0.0)]
    assert row["cities"] == data["city_code"].nunique() - 2
    assert row["note"] == "2 of 3 outside controls dropped"
    assert row["estimate"] == pytest.approx(1.0, abs=0.3)
    assert cd.donut_label(100) == "donut: no control within 100 km of a member"
    # members (treated or not yet treated) are never dropped
    assert cd.donut_panel(data, pd.DataFrame({"city_code": [0], "adjacent": [True]})).equals(data)


# ---------------------------------------------------------------- verdict over designs

def _designs(*intervals):
    names = ["main", "randomisation", "donut", "Rambachan–Roth"]
    return pd.DataFrame([{"design": n, "estimate": (lo + hi) / 2, "ci_low": lo, "ci_high": hi,
                          "std_error": 0.45, "inference": "x"} for n, (lo, hi) in zip(names, intervals)])


def test_enlargement_verdict_is_no_better_than_the_weakest_design():
    up = cd.enlargement_verdict(_designs((0.3, 2.1), (0.2, 2.4), (0.1, 2.0)), "growth", "pp", 2001, 2023, 20)
    assert up.verdict.startswith("partly supported: the estimate has the expected sign")
    assert up.verdict.endswith("the same in all 3 designs")
    assert up.rule == "effect_interval" and "ATT above about 0.88 pp" in up.would_change
    assert up.evidence.startswith("main: +1.20 [+0.30, +2.10] (x); randomisation:")
    assert up.evidence.endswith("pp, 2001–2023, 20 treated cities")
    # one design holding zero caps the verdict at inconclusive, naming who disagrees
    flip = cd.enlargement_verdict(_designs((0.3, 2.1), (-0.2, 2.4)), "growth", "pp", 2001, 2023, 20)
    assert flip.verdict == ("inconclusive: the designs disagree (partly supported under main; "
                            "inconclusive under randomisation) (minimum detectable effect 1.26)")
    null = cd.enlargement_verdict(_designs((-0.94, 0.72), (-1.8, 0.6)), "growth", "pp", 2001, 2023, 25)
    assert null.verdict == ("inconclusive: the interval [-0.94, 0.72] holds both zero and gains in growth "
                            "(minimum detectable effect 1.26); the same in all 2 designs")
    down = cd.enlargement_verdict(_designs((-1.7, -0.3), (-2.0, -0.1)), "growth", "pp", 2001, 2023, 20)
    assert down.verdict.startswith("not supported: the estimate has the opposite sign")
    with pytest.raises(MethodInputError, match="designs"):
        cd.enlargement_verdict(_designs((0, 1))[["design"]], "growth", "pp", 2001, 2023, 20)


# ---------------------------------------------------------------- chapter assembly

def test_synthetic_control_table_sensitivity_and_designs():
    data = simulate(effect=0.0, seed=4, cohorts=(2004, 2008), n_per_cohort=1, n_controls=20)
    data = pd.concat([data, simulate(effect=0.0, seed=5, cohorts=(2008,), n_per_cohort=3,
                                     n_controls=0).assign(city_code=lambda f: f["city_code"] + 100)])
    table, values = cd.synthetic_control_table(data, n_groups=49, seed=1)
    assert table["cohort"].tolist() == [2004, 2008]
    assert table["cities"].tolist() == [1, 4] and table["placebos"].tolist() == [20, 49]
    assert table["pre_years"].tolist() == [3, 7]
    assert values["sc_single_cohort"] == 2004 and values["sc_single_placebos"] == 20
    assert values["sc_overall"] == pytest.approx((table["att"] * table["cities"]).sum() / 5)
    assert 0 < values["sc_min_p"] <= 1 and values["sc_n_donors"] == 20
    assert values["sc_p10_phrase"] in ("neither cohort has", "1 of the 2 cohorts have", "both cohorts have")

    res = cd.run_estimators(data, leads=3, lags=3, n_boot=49, seed=1)
    rr, rr_values = cd.sensitivity_table(res["cs"])
    assert rr["mbar"].tolist() == list(cd.RR_MBAR)
    assert rr_values["rr_10_ci_lo"] == rr.loc[2, "ci_low"] and rr_values["rr_n_post"] == 4
    assert rr_values["rr_breakdown"] >= 0
    _, estimates = cd.estimate_values(res)
    ri = cd.randomisation_inference(data, n_perm=49, seed=1)
    adjacent = pd.DataFrame({"city_code": [10, 11], "adjacent": [True, False]})
    donut = cd.donut_estimate(data, adjacent, n_boot=49, seed=1)
    assert donut["n_dropped"] == 1 and donut["cities"] == data["city_code"].nunique() - 1
    designs = cd.inference_designs(estimates, ri, donut, rr, n_boot=49)
    assert len(designs) == 4 and designs.loc[0, "estimate"] == estimates["att_cs"]
    assert designs.loc[1, "estimate"] == pytest.approx(estimates["att_cs"], abs=1e-10)
    assert designs.loc[3, "ci_low"] == rr_values["rr_10_ci_lo"]
    v = cd.inference_values(ri, cd.randomisation_inference(data, n_perm=49, seed=1, pool="all"),
                            donut, donut)
    assert v["ri_n_pool"] == 5 and v["ri_all_n_pool"] == 25
    assert v["donut_excl0_word"] in ("excludes", "includes")
    verdict = cd.enlargement_verdict(designs, "y", "units", 2001, 2012, 6)
    assert verdict.category in ("inconclusive", "partly supported", "not supported")


def test_synthetic_control_table_without_donors_is_empty():
    table, values = cd.synthetic_control_table(simulate(n_controls=1))
    assert table.empty and np.isnan(values["sc_overall"]) and values["sc_n_donors"] == 1
    assert values["sc_p10_phrase"] == "no cohort has"


def test_inference_sentences():
    e = {"att_cs_lo": -0.9, "att_cs_hi": 0.7}
    v = {"ri_p": 0.02, "ri_centre": 0.3, "donut_lo": 0.1, "donut_hi": 0.8, "donut_n_dropped": 15, "rr_breakdown": 0.8,
         "sc_single_cohort": 2003, "sc_single_pre_years": 2, "sc_single_pre_rmspe": 0.0,
         "sc_single_att": -0.95, "sc_single_p_att": 0.54, "sc_single_placebos": 64,
         "sc_single_p_ratio": 0.5}
    out = cd.inference_sentences(v, e)
    assert out["ri_sentence"].startswith("Only 2.0% of the assignments") and "is rejected" in out["ri_sentence"]
    assert out["donut_sentence"].startswith("Its interval disagrees")
    assert "up to 0.80 times" in out["rr_sentence"]
    assert out["sc_sentence"].startswith("The one-city cohort of 2003 needs a word of its own. With only 2 years")
    assert out["sc_sentence"].endswith("not distinguishable from what happens to a city that did not join.")
    v |= {"sc_single_pre_rmspe": 0.4, "sc_single_p_att": 0.03}
    out = cd.inference_sentences(v, e)
    assert "own. Its pre-period fit has an RMSPE of 0.40" in out["sc_sentence"]
    assert out["sc_sentence"].endswith("in the tail of what happens to cities that did not join.")
    assert cd.inference_sentences(v | {"sc_single_cohort": np.nan}, e)["sc_sentence"].startswith("No cohort")
    assert cd.inference_sentences(v | {"sc_n_donors": 0}, e)["sc_sentence"].startswith("No synthetic")
