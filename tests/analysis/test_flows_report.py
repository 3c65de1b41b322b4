"""Chapter 5's observed-flow reports and verdicts: strongest observed links, the decay check,
the border verdicts of several clusters, the timetable summary, and the timetable and flow
evidence in the verdicts of chapters 4 and 5."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import flows as af
from cityclusters.analysis import hierarchy as us
from cityclusters.analysis import linkages as rn
from cityclusters.analysis.verdicts import interval_verdict


def test_observed_links_sum_both_directions_and_ignore_outsiders():
    pairs = pd.DataFrame({"origin": [1, 2, 1, 3, 1], "destination": [2, 1, 3, 1, 9],
                          "volume": [3.0, 1.0, 1.0, 0.5, 50.0]})
    links = af.observed_links(pairs, [1, 2, 3], n=2)
    assert links[["code_a", "code_b"]].values.tolist() == [[1, 2], [1, 3]]
    assert links["linkage"].tolist() == [4.0, 1.5]
    assert links["relative"].tolist() == [1.0, 0.375]


def test_distance_decay_bins_follow_a_true_power_law():
    rng = np.random.default_rng(3)
    xy = {c: rng.uniform(0, 2000, 2) for c in range(1, 41)}
    mass = {c: rng.uniform(0.5, 2.0) for c in xy}
    rows = []
    for a in xy:
        for b in xy:
            if a != b:
                km = float(np.hypot(*(xy[a] - xy[b]))) + 30
                rows.append({"origin": a, "destination": b, "km": km, "ln_km": np.log(km),
                             "volume": 1e4 * mass[a] * mass[b] * km ** -2.0})
    summary, curve = af.distance_decay(pd.DataFrame(rows))
    assert summary["beta"] == pytest.approx(-2.0, abs=1e-6)
    assert np.allclose(curve["observed"], (curve["km_mid"] / 100) ** -2.0, rtol=0.15)
    values = af.decay_values(summary, 2.0)
    assert values["fl_decay_word"] == "close to it" and values["fl_double"] == pytest.approx(0.25)
    assert af.decay_values(summary, 1.0)["fl_decay_word"] == "steeper"
    one = af.decay_values(summary, 2.0, pd.DataFrame({"beta_ln_km": [-1.5]}))["fl_beta_cluster_sentence"]
    assert "flatter (β = -1.50 in the border model below)" in one
    two = af.decay_values(summary, 2.0, pd.DataFrame({"beta_ln_km": [-1.5, -2.5]}))["fl_beta_cluster_sentence"]
    assert "sometimes flatter and sometimes steeper (β between -2.50 and -1.50" in two
    assert af.decay_values(summary, 2.0)["fl_beta_cluster_sentence"] == ""


def border_row(cluster_id, low, high, spec="fixed_effects"):
    se = (high - low) / 3.92
    return {"cluster_id": cluster_id, "specification": spec, "n_pairs": 100, "border": (low + high) / 2,
            "border_low": low, "border_high": high, "flow_ratio": np.exp((low + high) / 2), "distance_equivalent": 2.0,
            "equivalent_low": 1.5, "equivalent_high": 2.5, "mde": 2.8 * se,
            "verdict": interval_verdict(low, high, se, -1, "border effects that reduce flows")}


def test_border_claim_verdicts_count_the_clusters():
    border = pd.DataFrame([border_row("yrd41", -1.2, -0.8), border_row("middle_yangtze", -2.2, -1.5),
                           border_row("jingjinji", -0.3, 0.6, "masses"), border_row("chengyugui", -1.9, -0.3)])
    verdicts = {v.claim_id: v for v in af.border_claim_verdicts(border)}
    assert verdicts["p000_admin_border_barrier"].category == "partly supported"
    assert "Chengdu–Chongqing–Guiyang" in verdicts["p000_admin_border_barrier"].evidence
    several = verdicts["p003_admin_division_blocks_flows"]
    assert several.verdict.startswith("partly supported: flows fall at provincial borders in 2 of 3 clusters")
    assert "Beijing–Tianjin–Hebei" in several.verdict and "population masses" in several.evidence
    none = pd.DataFrame([border_row(c, -0.3, 0.6) for c in ("yrd41", "middle_yangtze", "jingjinji")])
    out = af.border_claim_verdicts(none, {"p003_admin_division_blocks_flows": ("yrd41", "middle_yangtze", "jingjinji")})
    assert out[0].category == "inconclusive" and "minimum detectable effect" in out[0].verdict
    above = pd.DataFrame([border_row(c, 0.2, 0.6) for c in ("yrd41", "jingjinji")])
    out = af.border_claim_verdicts(above, {"p003_admin_division_blocks_flows": ("yrd41", "jingjinji")})
    assert out[0].category == "not supported"


def test_a_border_effect_that_the_january_2020_lens_does_not_confirm_is_inconclusive():
    border = pd.DataFrame([border_row("chengyugui", -1.9, -0.3), border_row("middle_yangtze", -2.2, -1.5)])
    lens = pd.DataFrame([border_row("chengyugui", -1.0, 0.2), border_row("middle_yangtze", -2.0, -1.2)])
    verdicts = {v.claim_id: v for v in af.border_claim_verdicts(border, lens=lens)}
    flipped = verdicts["p000_admin_border_barrier"]
    assert flipped.category == "inconclusive" and "depends on the window" in flipped.verdict
    assert "January 2020 lens δ" in flipped.evidence
    assert verdicts["p004_mid_yangtze_local_protection"].category == "partly supported"  # both windows agree
    checked = af.lens_checked(border, None)
    assert checked["lens_border"].isna().all() and (checked["verdict"] == border["verdict"]).all()


def test_border_frame_refuses_an_unknown_lens():
    with pytest.raises(ValueError, match="lens must be one of"):
        af.border_frame(None, pd.DataFrame({"cluster_id": [], "city_code": []}), None, lens="2019")


def test_timetable_report_words_and_counts():
    rows = []
    for cluster_id, before, after in (("yrd41", -0.3, 0.1), ("chengyu", -0.02, 0.4)):
        for version, bias, med in (("before", before, 0.3 if cluster_id == "yrd41" else 0.1),
                                   ("multiplicative", 0.0, 0.2), ("speed_factors", after, 0.15 if cluster_id == "yrd41" else 0.5)):
            rows.append({"cluster_id": cluster_id, "version": version, "fold": "f", "fitted": "x", "n_train": 10,
                         "n": 20 if cluster_id == "yrd41" else 5, "bias": bias, "median_abs_pct": med,
                         "p90_abs_pct": 0.6, "rmse_log": 0.3})
    pairs = pd.DataFrame({"a": [1, 1], "b": [2, 3]})
    values, table = af.timetable_report(pairs, pd.DataFrame(rows), ["chengyu", "yrd41", "jingjinji"])
    assert values["tt_n_better"] == 1 and values["tt_n_clusters"] == 2 and values["tt_n_pairs"] == 2
    assert values["tt_better_phrase"] == "1 of the 2 clusters"
    assert values["tt_pattern"] == "too fast in Yangtze River Delta (41); about right (within 10%) in Chengdu–Chongqing"
    assert values["tt_conclusion"].startswith("A national correction does not fix a regional error")
    assert len(table) == 6


TIMETABLE = {"成都–重庆": 1.03, "重庆–贵阳": 2.02, "成都–贵阳": 3.07, "成都–宜宾": 1.33, "重庆–宜宾": 3.18,
             "成都–泸州": float("nan")}


def test_hsr_3h_verdict_with_the_timetable():
    assert rn.hsr_3h_verdict(1.58, 2.0, 2.98, 3.7, TIMETABLE).verdict == "supported"
    slow = dict(TIMETABLE, **{"成都–贵阳": 3.5})
    assert rn.hsr_3h_verdict(1.58, 2.0, 2.98, 3.7, slow).category == "partly supported"
    assert rn.hsr_3h_verdict(1.58, 2.0, 3.2, 3.7, slow).category == "not supported"
    assert "timetable: 1.03 h, 2.02 h and 3.07 h" in rn.hsr_3h_verdict(1.58, 2.0, 2.98, 3.7, TIMETABLE).evidence


def test_travel_time_targets_verdict_with_the_timetable():
    v = rn.travel_time_targets_verdict(1.58, {"重庆–宜宾": 1.8, "成都–宜宾": 1.8, "成都–泸州": 2.5}, TIMETABLE)
    assert v.verdict.startswith("partly supported: by 2020 the core link is about one hour (1.03 h) and 1 of 2")
    assert "no direct train 成都–泸州" in v.evidence


def test_wuhan_primacy_verdict_with_flows():
    weak = {"share": 0.57, "others_median": 0.68, "n_others": 10, "changsha": 0.59, "nanchang": 0.65,
            "outside_province": 0.06, "changsha_outside": 0.08, "nanchang_outside": 0.06}
    v = us.wuhan_primacy_verdict({"gdp": 2.1, "population": 1.5}, {"gdp": 3.0, "population": 2.5}, "长沙", 2, 5, 2020, weak)
    assert v.verdict.startswith("supported: high primacy and a weak pull")
    assert "57% of Wuhan's trips" in v.evidence
    v = us.wuhan_primacy_verdict({"gdp": 1.1, "population": 1.5}, {"gdp": 1.9, "population": 2.0}, "长沙", 3, 5, 2020, weak)
    assert v.verdict.startswith("partly supported: primacy high only among Hubei's members, a weak pull")
    strong = dict(weak, share=0.75)
    v = us.wuhan_primacy_verdict({"gdp": 1.1, "population": 1.5}, {"gdp": 1.9, "population": 1.2}, "长沙", 3, 5, 2020, strong)
    assert v.category == "not supported"


def test_naive_border_ratio_by_hand():
    cities = pd.DataFrame({"city_code": [1, 2, 3], "province_zh": ["甲", "甲", "乙"],
                           "lon": [110.0, 111.0, 113.0], "lat": [30.0, 30.0, 30.0]})
    pairs = pd.DataFrame({"origin": [1, 2, 1, 2], "destination": [2, 1, 3, 3], "volume": [6.0, 4.0, 1.0, 3.0]})
    out = af.naive_border_ratio(pairs, cities, [1, 2, 3])
    assert out["ratio"] == pytest.approx(((1.0 + 3.0) / 2) / 10.0)  # cross pairs 1–3, 2–3; same pair 1–2
    assert out["n_cross"] == 2 and out["n_same"] == 1 and out["km_cross"] > out["km_same"]
    with pytest.raises(ValueError, match="at least two provinces"):
        af.naive_border_ratio(pairs, cities.assign(province_zh="甲"), [1, 2, 3])


def test_border_exercise_words_follow_the_numbers():
    naive = {"ratio": 0.2, "km_cross": 300.0, "km_same": 150.0}
    values = af.border_exercise_values(naive, {"flow_ratio": 0.5})
    assert values["ex3_compare"] == "smaller than" and values["ex3_reason"].startswith("Cross-province pairs are farther")
    values = af.border_exercise_values({**naive, "ratio": 0.9, "km_cross": 100.0}, {"flow_ratio": 0.5})
    assert values["ex3_compare"] == "larger than" and "not farther apart" in values["ex3_reason"]
