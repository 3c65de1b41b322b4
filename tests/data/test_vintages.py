"""GDP and population vintages: the one-vintage rule (synthetic) and what each source carries
(with the data mirror)."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from cityclusters.data import vintages
from cityclusters.data.vintages import require_one_vintage, series, vintage_report
from cityclusters.errors import CityClustersError, MethodInputError, VintageMixError
from tests.conftest import requires_mirror

BEIJING, TIANJIN = 110100, 120100


def frame(vintage_ids, concept="not applicable") -> pd.DataFrame:
    n = len(vintage_ids)
    return pd.DataFrame({"city_code": [BEIJING] * n, "year": range(2016, 2016 + n), "variable": "gdp",
                         "value": [100.0 + i for i in range(n)], "vintage": vintage_ids,
                         "population_concept": concept})


# ----------------------------------------------------------------------------- the rule
def test_rule_accepts_a_clean_frame_and_returns_it():
    clean = frame(["yearbook_first_release"] * 3)
    assert require_one_vintage(clean) is clean
    assert require_one_vintage(clean.iloc[0:0]) is not None  # empty: nothing mixed


def test_rule_rejects_a_mixed_frame_naming_vintages_and_rows():
    mixed = frame(["yearbook_first_release", "gp", "gp", "csmar"])
    with pytest.raises(VintageMixError) as info:
        require_one_vintage(mixed)
    message = str(info.value)
    assert "3 vintages" in message
    for name in ("yearbook_first_release", "gp", "csmar"):
        assert name in message
    assert "gp (2 rows)" in message and "2017" in message and "101.0" in message  # first rows shown
    assert info.value.vintages == ["csmar", "gp", "yearbook_first_release"]
    assert isinstance(info.value, MethodInputError)
    assert isinstance(info.value, CityClustersError) and isinstance(info.value, ValueError)


def test_rule_counts_a_missing_vintage_as_a_vintage():
    with pytest.raises(VintageMixError, match="<missing>"):
        require_one_vintage(frame(["gp", None]))


def test_rule_rejects_mixed_population_concepts_and_other_columns():
    mixed = frame(["gp", "gp"]).assign(population_concept=["resident 常住", "registered 户籍"])
    with pytest.raises(VintageMixError, match="population concepts"):
        require_one_vintage(mixed)
    assert require_one_vintage(mixed, concept_column=None) is mixed
    other = frame(["a", "a"]).assign(release=["first", "second"])
    with pytest.raises(VintageMixError, match="'release'"):
        require_one_vintage(other, column="release")
    with pytest.raises(MethodInputError, match="no column 'edition'"):
        require_one_vintage(other, column="edition")


def test_examples_without_data_run():
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in finder.find(vintages, "cityclusters.data.vintages"):
        runner.run(test, out=report.append)
    assert runner.summarize(verbose=False).failed == 0, "".join(report)


@pytest.mark.parametrize("kwargs, parameter", [
    ({"variable": "gdp_pc", "vintage": "gp"}, "variable"),
    ({"variable": "gdp", "vintage": "gp_2019"}, "vintage"),
    ({"variable": "gdp", "vintage": "census_2020"}, "has no 'gdp'"),
    ({"variable": "population", "vintage": "gp", "scope": "市区"}, "scope"),
    ({"variable": "population", "vintage": "gp", "scope": "市辖区"}, "yearbook vintages only"),
])
def test_series_refuses_bad_parameters_before_reading_data(kwargs, parameter):
    with pytest.raises(MethodInputError, match=parameter):
        series(**kwargs)


def test_report_on_a_synthetic_frame():
    rows = []
    for year in range(2005, 2011):  # city 1: smooth, revised to the census; city 2: breaks in 2010
        rows += [(1, year, "gp", 100.0 * 1.01 ** (year - 2005)),
                 (2, year, "gp", 50.0 * 1.01 ** (year - 2005) * (0.9 if year == 2010 else 1.0))]
    rows += [(1, 2010, "census_2010", 100.0 * 1.01 ** 5), (2, 2010, "census_2010", 45.0 * 1.01 ** 5)]
    data = pd.DataFrame(rows, columns=["city_code", "year", "vintage", "value"]).assign(
        variable="population", province_zh="A")
    report = vintage_report(data).set_index(["test", "reference"])
    census = report.loc[("equal", "census_2010")]
    assert (census["n_cities"], census["n_hits"], census["share"]) == (2, 2, 1.0)
    broken = report.loc[("break", "census_year")]
    assert broken["year"] == 2010 and broken["n_hits"] == 1 and broken["share"] == 0.5
    assert broken["inferred"] == "break"
    assert broken["median_difference"] == pytest.approx(-0.10536 / 2, abs=1e-4)  # median of 0 and ln 0.9
    with pytest.raises(MethodInputError, match="lacks column"):
        vintage_report(data.drop(columns="vintage"))


# ----------------------------------------------------------------------------- with the data
@pytest.fixture(scope="module")
def report():
    return vintage_report()


@pytest.mark.slow
@requires_mirror
def test_vintages_frame_is_tidy_and_each_vintage_has_one_concept():
    data = vintages.gdp_population_vintages()
    assert list(data.columns) == vintages.COLUMNS
    assert not data.duplicated(["city_code", "year", "variable", "vintage"]).any()
    assert set(data["vintage"]) == set(vintages.VINTAGES)
    assert data["value"].ge(0).all()  # 三沙 prints 0 万人 registered population in some editions
    assert data.loc[data["variable"] == "gdp", "value"].gt(0).all()
    concepts = data.groupby(["variable", "vintage"])["population_concept"].nunique()
    assert (concepts == 1).all()
    assert set(data.loc[data["variable"] == "gdp", "population_concept"]) == {"not applicable"}
    assert set(data.loc[data["vintage"] == "csmar", "population_concept"]) <= {"registered 户籍", "not applicable"}
    assert data.loc[data["vintage"] == "yearbook_second_release", "year"].eq(1999).all()
    with pytest.raises(VintageMixError):  # all GDP vintages together are not one series
        require_one_vintage(data[data["variable"] == "gdp"])


@pytest.mark.slow
@requires_mirror
def test_worked_example_of_series_runs_with_the_data():
    source = vintages.series.__doc__.replace("# doctest: +SKIP", "")
    test = doctest.DocTestParser().get_doctest(source, {}, "series", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 5 and result.failed == 0, "".join(report)


@pytest.mark.slow
@requires_mirror
def test_series_is_one_vintage_with_its_unit():
    first, gp = series("gdp", "yearbook_first_release"), series("gdp", "gp")
    assert first[(BEIJING, 2018)] == pytest.approx(30319.98, abs=0.01)
    assert gp[(BEIJING, 2018)] == pytest.approx(33106.0, abs=0.01)
    assert first[(BEIJING, 2019)] == pytest.approx(gp[(BEIJING, 2019)], rel=0.005)
    assert gp.attrs["vintage"] == "gp" and gp.attrs["unit"] == "亿元"
    assert gp.index.is_unique and list(gp.index.names) == ["city_code", "year"]
    urban = series("population", "yearbook_first_release", scope="市辖区")
    whole = series("population", "yearbook_first_release")
    assert urban.attrs["population_concept"] == "registered 户籍" and urban.attrs["scope"] == "市辖区"
    both = pd.concat([urban, whole], axis=1, keys=["urban", "whole"]).dropna()
    assert (both["urban"] <= both["whole"] * 1.001).mean() > 0.98  # districts are part of the city


@pytest.mark.slow
@requires_mirror
def test_report_finds_beijing_gp_gdp_back_revised(report):
    rows = report[(report["source"] == "gp") & (report["variable"] == "gdp") & (report["test"] == "equal")
                  & (report["reference"] == "yearbook_first_release") & (report["province_zh"] == "北京市")]
    before = rows[rows["year"] <= 2018]
    assert (before["inferred"] == "differs").mean() > 0.9  # back-revised in (almost) every year
    assert before["median_difference"].gt(0).all()          # revised upwards
    assert (rows.loc[rows["year"] >= 2019, "inferred"] == "equal").all()


@pytest.mark.slow
@requires_mirror
def test_report_finds_tianjin_population_census_revised_but_not_its_gdp(report):
    tianjin = report[(report["source"] == "gp") & (report["province_zh"] == "天津市")].set_index(
        ["variable", "test", "reference", "year"])
    assert tianjin.loc[("gdp", "equal", "yearbook_first_release", 2018), "inferred"] == "equal"  # pre-census 2018
    assert tianjin.loc[("population", "equal", "census_2020", 2020), "inferred"] == "equal"
    assert tianjin.loc[("population", "break", "census_year", 2020), "inferred"] == "no break"
    # the registered count and G-P's resident population are different concepts
    assert tianjin.loc[("population", "equal", "yearbook_first_release", 2019), "inferred"] == "differs"


@pytest.mark.slow
@requires_mirror
def test_agreement_shares_are_shares_and_show_the_expected_pattern(report):
    assert report["share"].between(0, 1).all()
    assert (report["n_hits"] <= report["n_cities"]).all() and report["n_cities"].gt(0).all()
    shares = vintages.agreement_by_year(report)
    assert ((shares >= 0) & (shares <= 1) | shares.isna()).all().all()
    gp_first = shares["gdp: gp = yearbook_first_release"]
    assert gp_first.loc[2000:2018].dropna().between(0.7, 0.99).all()  # mostly first releases, not all
    assert gp_first.loc[2019:2023].min() > 0.95
    assert shares.loc[2010, "population: gp = census_2010"] > 0.85            # resident, census-anchored
    assert shares.loc[2010, "population: yearbook_first_release = census_2010"] < 0.1  # registered
    assert shares.loc[2015, "population: csmar = yearbook_first_release"] > 0.6  # CSMAR: registered
    long = vintages.agreement_by_year(report, wide=False)
    assert set(long.columns) == {"source", "variable", "test", "reference", "year", "n_cities", "n_hits", "share"}


@pytest.mark.slow
@requires_mirror
def test_revised_cells_lists_the_municipalities(report):
    cells = vintages.revised_cells("gp", "gdp", report=report).set_index("province_zh")
    for province in ("北京市", "上海市", "重庆市", "天津市"):
        assert province in cells.index
    assert cells.loc["天津市", "years_differs"] == "2000–2015"
    with pytest.raises(MethodInputError, match="COMPARISONS"):
        vintages.revised_cells("gp", "gdp", "census_2010")
