"""Chapter 9 assembly functions (cityclusters.analysis.committee_did), with hand-computed and simulated examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import committee_did as cd
from cityclusters.errors import MethodInputError
from tests.conftest import requires_mirror


def _panel(rows):
    """rows: (city_code, year, gdp_index, population, real_gdp, share_tertiary)."""
    return pd.DataFrame(rows, columns=["city_code", "year", "gdp_index", "population", "real_gdp",
                                       "share_tertiary"])


def test_growth_uses_the_index_minus_population_growth():
    frame = _panel([(1, 2000, 108.0, 100.0, 10.0, 0.4), (1, 2001, 110.0, 102.0, 11.0, 0.41)])
    out = cd.outcome_series(frame, "growth").set_index("year")
    assert math.isnan(out.at[2000, "y"])  # no previous year
    assert out.at[2001, "y"] == pytest.approx(100 * (math.log(1.10) - math.log(1.02)))
    gdp = cd.outcome_series(frame, "gdp_growth").set_index("year")
    assert gdp.at[2000, "y"] == pytest.approx(100 * math.log(1.08))
    levels = cd.outcome_series(frame, "growth_levels").set_index("year")
    assert levels.at[2001, "y"] == pytest.approx(100 * math.log((11 / 102) / (10 / 100)))
    share = cd.outcome_series(frame, "tertiary_share").set_index("year")
    assert share.at[2001, "y"] == pytest.approx(41.0)


def test_gap_year_gives_no_growth():
    # 2002 missing: 2003 growth needs 2002, so it is NaN rather than a two-year change
    frame = _panel([(1, 2001, 110.0, 100.0, 1, 0.4), (1, 2003, 110.0, 110.0, 1, 0.4)])
    out = cd.outcome_series(frame, "growth").set_index("year")
    assert math.isnan(out.at[2003, "y"])


def test_population_break_is_replaced_by_the_city_median_and_flagged():
    # population changes: +1, +2, +50 (break), +3 log points → break replaced by median(1, 2, 3) = 2
    logs = np.cumsum([0, 1, 2, 50, 3]) / 100
    pop = 100 * np.exp(logs)
    frame = _panel([(7, 2000 + i, 100.0, p, 1.0, 0.4) for i, p in enumerate(pop)])
    out = cd.outcome_series(frame, "growth").set_index("year")
    assert out.at[2003, "pop_break"]
    assert out.at[2003, "y"] == pytest.approx(-2.0)
    assert out.at[2002, "y"] == pytest.approx(-2.0) and not out.at[2002, "pop_break"]
    raw = cd.outcome_series(frame, "growth", pop_break=None).set_index("year")
    assert raw.at[2003, "y"] == pytest.approx(-50.0)


def test_non_positive_value_names_city_and_year():
    frame = _panel([(5, 2000, 100.0, 100.0, 1, 0.4), (5, 2001, 0.0, 100.0, 1, 0.4)])
    with pytest.raises(MethodInputError, match=r"gdp_index.*city_code 5, year 2001"):
        cd.outcome_series(frame, "growth")


def test_unknown_outcome_and_missing_column():
    with pytest.raises(MethodInputError, match="outcome="):
        cd.outcome_series(_panel([(1, 2000, 1, 1, 1, 1)]), "gdp_level")
    with pytest.raises(MethodInputError, match="gdp_index"):
        cd.outcome_series(pd.DataFrame({"city_code": [1], "year": [2000]}), "growth")


def _cities():
    return pd.DataFrame({
        "city_code": [1, 2, 3, 4, 5, 6, 7],
        "name_zh": ["甲", "乙", "丙", "丁", "戊", "己", "庚"],
        "province_zh": ["江苏省", "江苏省", "安徽省", "安徽省", "江西省", "广东省", "安徽省"],
    })


def _members():
    return pd.DataFrame({"city_code": [1, 2, 3, 4], "cohort": [1992, 2010, 2019, 2013]})


def test_assign_cohorts_roles():
    roles = cd.assign_cohorts(_cities(), _members(), 2001, 2015, member_pool=[1, 2, 3],
                              control_provinces=["江西省"]).set_index("city_code")
    assert roles.at[1, "role"] == "always treated" and math.isnan(roles.at[1, "cohort"])
    assert roles.at[2, "role"] == "treated" and roles.at[2, "cohort"] == 2010
    assert roles.at[3, "role"] == "joins after window" and math.isnan(roles.at[3, "cohort"])
    assert roles.at[4, "role"] == "outside pool"
    assert roles.at[5, "role"] == "outside control"
    assert roles.at[6, "role"] == "not in sample"
    assert roles.at[7, "role"] == "not a member"
    assert roles["in_sample"].tolist() == [False, True, True, False, True, False, False]
    nxt = cd.assign_cohorts(_cities(), _members(), 2001, 2015, adoption="next_year").set_index("city_code")
    assert nxt.at[2, "cohort"] == 2011


def test_assign_cohorts_refuses_bad_members():
    with pytest.raises(MethodInputError, match="appears twice"):
        cd.assign_cohorts(_cities(), pd.DataFrame({"city_code": [2, 2], "cohort": [2010, 2013]}), 2001, 2015)
    with pytest.raises(MethodInputError, match="column 'cohort'.*city_code 2"):
        cd.assign_cohorts(_cities(), pd.DataFrame({"city_code": [2], "cohort": [10]}), 2001, 2015)
    with pytest.raises(MethodInputError, match="adoption"):
        cd.assign_cohorts(_cities(), _members(), 2001, 2015, adoption="month")


def _sim_panel(effect=2.0, seed=0, missing=None):
    """City-year panel: 12 control cities (江西省) and two cohorts of 4 (2006, 2010)."""
    rng = np.random.default_rng(seed)
    rows, members = [], []
    for c in range(20):
        if c < 12:
            prov, g = "江西省", None
        else:
            prov, g = "安徽省", 2006 if c < 16 else 2010
            members.append((100 + c, g))
        for year in range(2000, 2016):
            rows.append({"city_code": 100 + c, "name_zh": f"城{c}", "province_zh": prov, "year": year,
                         "share_tertiary": 0.3 + 0.01 * c + 0.002 * (year - 2000)
                         + (effect / 100 if g and year >= g else 0) + rng.normal(0, 0.001)})
    panel = pd.DataFrame(rows)
    if missing is not None:
        panel = panel[~((panel["city_code"] == missing[0]) & (panel["year"] == missing[1]))]
    return panel, pd.DataFrame(members, columns=["city_code", "cohort"])


def test_estimation_panel_is_balanced_and_reports_dropped_city():
    panel, members = _sim_panel(missing=(101, 2004))
    data, roles = cd.estimation_panel(panel, members, "tertiary_share", 2001, 2015, ["江西省"])
    assert 101 not in set(data["city_code"])
    row = roles.set_index("city_code").loc[101]
    assert row["n_missing"] == 1 and "dropped: 1 year missing" in row["role"] and not row["used"]
    assert data.groupby("city_code")["year"].count().eq(15).all()
    assert set(data["group"]) == {"control", "cohort 2006", "cohort 2010"}


def test_estimators_recover_a_simulated_effect():
    panel, members = _sim_panel(effect=2.0)
    data, _ = cd.estimation_panel(panel, members, "tertiary_share", 2001, 2015, ["江西省"])
    res = cd.run_estimators(data, leads=3, lags=3, n_boot=49, seed=1)
    for key in ("twfe", "sun_abraham", "cs"):
        term = "post" if key == "twfe" else "att"
        assert res[key].coefficient(term)["estimate"] == pytest.approx(2.0, abs=0.1)
    pre = cd.pretrend_test(res["sun_abraham"])
    assert pre["terms"] == ["rel_-3", "rel_-2"] and pre["p_value"] > 0.01
    frame = cd.event_study_frame(res["sun_abraham"])
    assert frame.loc[frame["event_time"] == -1, "estimate"].iloc[0] == 0.0
    assert cd.as_att(res["twfe"]).coefficients["term"].tolist() == ["att"]
    c = cd.cohort_att(data, 2006, n_boot=49, seed=1)
    assert c["estimate"] == pytest.approx(2.0, abs=0.1) and c["n_treated"] == 4
    # placebo dates on pre-treatment years: no effect
    p = cd.placebo_estimate(data, -2)
    assert p["error"] is None and abs(p["estimate"]) < 0.1


def test_robustness_table_rows_and_unestimable_design():
    panel, members = _sim_panel(effect=2.0)
    data, _ = cd.estimation_panel(panel, members, "tertiary_share", 2001, 2015, ["江西省"])
    table = cd.robustness_table(data, None, ["江西省"], n_boot=29, seed=1, end_year=2012)
    assert len(table) == 5
    assert table["estimate"].iloc[0] == pytest.approx(2.0, abs=0.1)
    assert table.loc[table["specification"].str.startswith("placebo"), "estimate"].abs().max() < 0.1


def test_restrict_years_turns_late_cohorts_into_controls():
    panel, members = _sim_panel()
    data, _ = cd.estimation_panel(panel, members, "tertiary_share", 2001, 2015, ["江西省"])
    cut = cd.restrict_years(data, 2008)
    assert cut["year"].max() == 2008
    assert cut.loc[cut["city_code"] == 116, "cohort"].isna().all()
    assert (cut.loc[cut["city_code"] == 116, "group"] == "control").all()


def test_validate_did_parameters_messages():
    ok = dict(outcome="growth", control_provinces=["江西省"], first_year=2001, last_year=2023,
              leads=5, lags=5, n_boot=99, seed=1)
    cd.validate_did_parameters(**ok)
    with pytest.raises(ValueError, match="OUTCOME"):
        cd.validate_did_parameters(**{**ok, "outcome": "gdp"})
    with pytest.raises(ValueError, match="YRD provinces"):
        cd.validate_did_parameters(**{**ok, "control_provinces": ["安徽省"]})
    with pytest.raises(ValueError, match="unknown province"):
        cd.validate_did_parameters(**ok, known_provinces=["江苏省"])
    with pytest.raises(ValueError, match="2001–2020"):
        cd.validate_did_parameters(**{**ok, "outcome": "night_light"})
    with pytest.raises(ValueError, match="N_BOOT"):
        cd.validate_did_parameters(**{**ok, "n_boot": 5})
    with pytest.raises(ValueError, match="CLUSTERS"):
        cd.validate_did_parameters(**ok, clusters=["chengyu"])


def test_compare_published_sign_and_bad_row():
    published = pd.DataFrame({"study": ["A", "B"], "estimate": [0.5, np.nan],
                              "comparable": ["cohort_2013", None], "sign": ["+", "-"]})
    out = cd.compare_published(published, {"cohort_2013": {"estimate": -0.2, "ci_low": -1.0, "ci_high": 0.6}})
    assert out["same_sign"].tolist() == ["no", "–"]
    assert out["ratio"].iloc[0] == pytest.approx(-0.4)
    assert out["ours"].iloc[0] == "-0.20 [-1.00, 0.60]"
    published.loc[1, "sign"] = "positive"
    with pytest.raises(MethodInputError, match="row 3, column 'sign'"):
        cd.compare_published(published, {})


def test_published_facts_file_is_well_formed():
    from cityclusters.paths import facts_dir

    table = pd.read_csv(facts_dir() / "did_published_estimates.csv")
    assert {"study", "source", "verification", "sign", "comparable"} <= set(table.columns)
    assert table["source"].notna().all() and table["sign"].isin(["+", "-", "?"]).all()


@pytest.mark.slow
@requires_mirror
def test_chapter_09_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter(
        "09_committee_did", tmp_path / "09.ipynb",
        {"CLUSTERS": ["yrd26"], "OUTCOME": "gdp_growth", "CONTROL_PROVINCES": ["江西省", "福建省"],
         "FIRST_YEAR": 2005, "LAST_YEAR": 2019, "N_BOOT": 49, "LEADS": 3, "LAGS": 3},
        render_figures=False,
    )
    values = {k: str(v).strip("'") for k, v in glued_values(output).items()}
    assert values["first_year"] == "2005" and values["last_year"] == "2019"
    assert values["control_provinces"] == "江西省、福建省"
    assert values["cohort_list"] == "2010, 2013, 2018"  # 2003 always treated; no 2019 city in yrd26
    assert values["n_boot"] == "49" and values["leads"] == "3"
    assert "real GDP" in values["outcome_label"]


# ---------------------------------------------------------------------------------------
# chapter assembly: prose values, tables and verdicts
# ---------------------------------------------------------------------------------------

def test_ci_text_and_cohort_roles_table():
    assert cd.ci_text(-0.123, 1.3) == "[-0.12, +1.30]" and cd.ci_text(np.nan, np.nan) == "–"
    members = pd.DataFrame({"city_code": [1, 2, 3], "name_zh": ["上海市", "台州市", "黄山市"],
                            "cohort": [1992, 2003, 2003]})
    roles = pd.DataFrame({"city_code": [1, 2, 3], "role": ["always treated", "treated", "dropped: 1 year missing"]})
    table = cd.cohort_roles_table(members, roles)
    assert table.columns.tolist() == ["joined", "cities (n)", "cities", "in this chapter"]
    assert table.iloc[1].tolist() == [2003, 2, "台州、黄山", "dropped: 1 year missing; treated"]


def _roles():
    return pd.DataFrame({
        "city_code": [1, 2, 3, 4, 5, 6, 7],
        "name_zh": ["甲", "乙", "丙", "丁", "戊", "己", "庚"],
        "cohort": [np.nan, 2010, 2010, 2013, np.nan, np.nan, 2013],
        "role": ["always treated", "treated", "treated", "treated", "outside control", "joins after window",
                 "dropped: 2 years missing"],
        "in_sample": [False, True, True, True, True, True, True],
        "used": [False, True, True, True, True, True, False],
        "n_missing": [0, 0, 0, 0, 0, 0, 2]})


def test_design_values():
    data = pd.DataFrame({"city_code": [2, 2, 5], "name_zh": ["乙", "乙", "戊"], "year": [2011, 2012, 2011],
                         "pop_break": [False, True, True]})
    treated, v = cd.design_values(_roles(), data, 2023)
    assert treated["city_code"].tolist() == [2, 3, 4]
    assert v["n_treated"] == 3 and v["n_cohorts"] == 2 and v["cohort_list"] == "2010, 2013"
    assert v["n_controls_outside"] == 1 and v["n_joins_after"] == 1 and v["n_always"] == 1
    assert v["n_dropped"] == 1 and v["dropped_list"] == "庚 (2)"
    assert v["n_city_years"] == 3 and v["single_cohorts"] == "2013 (丁)"
    assert v["n_pop_breaks"] == 2 and v["pop_break_list"] == "乙 2012、戊 2011"
    assert v["pop_break_threshold"] == cd.POP_BREAK and v["last_cohort"] == 2013
    _, v = cd.design_values(_roles().assign(used=False), data.iloc[:0], 2023)
    assert v["last_cohort"] == 2023 and v["single_cohorts"] == "none" and v["dropped_list"] != "none"


def test_level_trap_values():
    panel = pd.DataFrame({"city_code": [1, 1, 2, 2], "year": [2018, 2019] * 2,
                          "province_zh": ["安徽省", "安徽省", "山东省", "山东省"],
                          "gdp_index": [108.0, 107.0, 106.0, 105.0], "population": [100.0] * 4,
                          "real_gdp": [100.0, 130.0, 100.0, 90.0], "share_tertiary": [0.4] * 4})
    v = cd.level_trap_values(panel)
    assert v["naive_2019_ah"] == pytest.approx(100 * math.log(1.3))
    assert v["naive_2019_sd"] == pytest.approx(100 * math.log(0.9))
    assert v["index_2019_ah"] == pytest.approx(100 * math.log(1.07))
    assert v["index_2019_sd"] == pytest.approx(100 * math.log(1.05))


def test_estimates_event_frames_and_pretrends_on_a_simulated_panel():
    panel, members = _sim_panel(effect=2.0)
    data, _ = cd.estimation_panel(panel, members, "tertiary_share", 2001, 2015, ["江西省"])
    res = cd.run_estimators(data, leads=3, lags=3, n_boot=29, seed=1)
    models, v = cd.estimate_values(res)
    assert [m.coefficients["term"].tolist() for m in models] == [["att"]] * 3
    assert v["att_cs"] == pytest.approx(2.0, abs=0.1) and v["att_sa"] == pytest.approx(2.0, abs=0.1)
    assert v["cs_sign_word"] == "positive" and v["cs_signif_word"] == "excludes" and v["sa_available"] == "is"
    assert v["mde_cs"] == pytest.approx(2.8 * res["cs"].coefficient("att")["std_error"])
    frames = cd.event_study_frames(res)
    assert list(frames) == ["Callaway–Sant'Anna (not yet treated)", "Sun–Abraham (never treated)", "TWFE event study"]
    pre = cd.pretrend_values(res)
    assert pre["pre_q_sa"] == 2 and pre["pre_q_cs"] >= 2
    no_sa = {**res, "sun_abraham": None}
    _, v = cd.estimate_values(no_sa)
    assert v["sa_available"] == "is not (there is no never-treated city)" and math.isnan(v["att_sa"])
    assert list(cd.event_study_frames(no_sa)) == ["Callaway–Sant'Anna (not yet treated)", "TWFE event study"]
    assert math.isnan(cd.pretrend_values(no_sa)["pre_p_sa"])


def test_pretrend_word():
    assert cd.pretrend_word(0.5, 0.2) == "do not reject"
    assert cd.pretrend_word(0.5, np.nan) == "do not reject"
    assert cd.pretrend_word(0.5, 0.05) == "reject or come close to rejecting"
    assert cd.pretrend_word(np.nan, np.nan) == "reject or come close to rejecting"


def test_cohort_estimates_values_and_display():
    panel, members = _sim_panel(effect=2.0)
    data, _ = cd.estimation_panel(panel, members, "tertiary_share", 2001, 2015, ["江西省"])
    rows = cd.cohort_estimates(data, [2010, 2006], n_boot=19, seed=1)
    assert [r["cohort"] for r in rows] == [2006, 2010]
    table = pd.DataFrame(rows)
    v = cd.cohort_values(table, cohorts=(2006, 2013))
    assert v["att_c2006"] == pytest.approx(2.0, abs=0.1) and math.isnan(v["att_c2013"])
    # without never-treated cities the cohort ATT is not estimable
    inside = data[data["cohort"].notna()]
    failed = cd.cohort_estimates(inside, [2006], n_boot=19, seed=1)
    assert failed[0]["n_treated"] == 4 and math.isnan(failed[0]["estimate"])
    assert cd.cohort_estimates(inside, [2006], n_boot=19, seed=1, skip_failed=True) == []
    shown = cd.cohort_display(pd.DataFrame(rows + failed))
    assert shown.columns.tolist() == ["joined", "cities", "post years", "ATT", "95 % CI"]
    assert shown["post years"].tolist()[0] == "2006–2015" and shown["95 % CI"].iloc[-1] == "–"
    loco, lv = cd.leave_one_cohort_out(inside[inside["cohort"] == 2006], n_boot=19, seed=1)
    assert loco.empty and math.isnan(lv["loco_min"]) and math.isnan(lv["loco_max"])


def test_robustness_values_and_displays():
    robust = pd.DataFrame({"specification": ["main: not-yet-treated + outside controls",
                                             "placebo: adoption 2 years earlier (SA)", "sample ends in 2019"],
                           "estimate": [1.0, -0.2, np.nan], "ci_low": [0.5, -1.0, np.nan],
                           "ci_high": [1.5, 0.6, np.nan], "cities": [10, 9, 0], "note": ["", "", "not estimable"]})
    v = cd.robustness_values(robust)
    assert v["rb_pl2_estimate"] == -0.2 and v["rb_pl2_ci_high"] == 0.6
    assert math.isnan(v["rb_pl3_estimate"]) and math.isnan(v["rb_end2019_estimate"])
    assert v["rb_min"] == -0.2 and v["rb_max"] == 1.0 and v["rb_n_excl0"] == 1 and v["rb_n_rows"] == 2
    shown = cd.robustness_display(robust)
    assert shown["95 % CI"].tolist() == ["[+0.50, +1.50]", "[-1.00, +0.60]", "–"]
    loco = pd.DataFrame({"dropped_cohort": [np.nan, 2010.0], "estimate": [1.0, 0.8], "ci_low": [0.1, -0.2],
                         "ci_high": [1.9, 1.8], "n_obs": [300, 250]})
    assert cd.loco_display(loco)["cohort left out"].tolist() == ["none (all cohorts)", "2010"]


def test_other_outcomes_with_too_few_years():
    panel, members = _sim_panel()
    lights = pd.DataFrame({"city_code": [100], "year": [2010], "night_light": [1.0]})
    others, v = cd.other_outcomes(panel, members, 2010, 2012, ["江西省"], [], n_boot=19, seed=1,
                                  night_light=lights)
    assert others["outcome"].tolist() == list(cd.OUTCOMES)
    assert (others["ci"] == "–").all() and others["estimate"].isna().all()
    assert math.isnan(v["oth_growth"]) and v["oth_growth_ci"] == "–"


def _published():
    return pd.DataFrame({"study_id": ["sun_2013_entrants", "wu_county"], "study": ["Sun", "Wu"],
                         "citation_key": ["sun", "wu"], "method": ["SCM", "DID"],
                         "treatment": ["the 2013 entrants", "staggered"], "outcome": ["g", "v"],
                         "estimate": [1.5, np.nan], "unit": ["pp", ""], "comparable": ["cohort_2013", None],
                         "sign": ["+", "+"], "verification": ["summary read", "abstract read"]})


def test_published_comparison_inside_and_outside():
    # issue 15: the sentence is generated from whatever rows the facts file holds (no study id
    # is named in the code); the old pub_2013_* values named one study and are gone
    rows = [{"cohort": 2013, "estimate": 0.8, "ci_low": -0.5, "ci_high": 2.0}]
    shown, v = cd.published_comparison(_published(), rows)
    assert v["pub_n_numeric"] == 1 and v["pub_n_studies"] == 2 and v["pub_n_rows"] == 2
    assert v["pub_comparison_text"].startswith("Sun reports +1.5 pp for the 2013 entrants; our cohort "
                                               "estimate for the 2013 entrants is +0.80 [-0.50, +2.00]")
    assert "lies inside our interval, so the two are not in conflict (and ours alone" in v["pub_comparison_text"]
    assert v["cmp_c2013"] == 0.8
    assert shown["their estimate"].tolist() == ["+1.5 pp (sign +)", "– (sign +)"]
    assert shown.columns.tolist() == ["study", "method", "treatment", "their estimate", "what we read",
                                      "ours (ATT, 95 % CI)", "same sign"]
    assert shown["same sign"].tolist() == ["yes", "–"]
    _, v = cd.published_comparison(_published(), [{"cohort": 2013, "estimate": -0.8, "ci_low": -1.5,
                                                   "ci_high": -0.1}])
    assert v["pub_comparison_text"].endswith("lies outside our interval: the two estimates disagree.")
    _, v = cd.published_comparison(_published(), [{"cohort": 2013, "estimate": 1.2, "ci_low": 0.4,
                                                   "ci_high": 2.0}])
    assert v["pub_comparison_text"].endswith("lies inside our interval, so the two are not in conflict.")
    assert cd.growth_cohort_rows("growth", rows, None, None, 2001, 2023, [], [], 9, 1) is rows


def test_published_comparison_without_a_comparable_row_says_so():
    no_cohort = cd.published_comparison(_published(), [])[1]
    assert math.isnan(no_cohort["cmp_c2013"]) and no_cohort["pub_n_numeric"] == 0
    assert no_cohort["pub_comparison_text"].startswith("No published estimate can be set numerically")
    only_signs = _published().assign(estimate=np.nan)
    rows = [{"cohort": 2013, "estimate": 0.8, "ci_low": -0.5, "ci_high": 2.0}]
    v = cd.published_comparison(only_signs, rows)[1]
    assert v["pub_n_numeric"] == 0 and v["pub_comparison_text"].startswith("No published estimate")
    with pytest.raises(MethodInputError, match="missing column.*verification"):
        cd.published_comparison(_published().drop(columns="verification"), rows)


def test_published_facts_cite_the_bibliography_and_say_what_was_read():
    import re

    from cityclusters.data.facts import read_fact
    from cityclusters.paths import repo_root

    table = read_fact("did_published_estimates.csv")
    bib = (repo_root() / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"^@\w+\{([^,\s]+),", bib, flags=re.M))
    assert set(table["citation_key"]) <= keys, set(table["citation_key"]) - keys
    assert table["verification"].notna().all() and table["source_url"].notna().all()
    # a numerically comparable row needs a number, and our design must estimate its cohort
    numeric = table[table["comparable"].notna() & table["estimate"].notna()]
    assert numeric["comparable"].str.fullmatch(r"cohort_(2003|2010|2013|2018|2019)").all()
    assert {"std_error", "control_group", "sample"} <= set(table.columns)


def test_membership_values_and_enlargement_verdict():
    members = pd.DataFrame({"cohort": [1992, 1992, 2010, 2013, 2019]})
    assert cd.membership_values(members) == {"n_members_first": 2, "n_members_total": 5, "n_members_2013": 4}
    # the verdict over several designs: tests/analysis/test_committee_inference.py
