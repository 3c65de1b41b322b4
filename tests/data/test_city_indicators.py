"""The city-level indicator system (data/facts/city_indicator_system.csv) and its panel."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from cityclusters.data import city_indicators as ci
from cityclusters.data.facts import FACT_TABLES, read_fact
from cityclusters.errors import SourceFormatError
from cityclusters.paths import repo_root
from tests.conftest import requires_mirror

MEASURED = ("industry", "public_services", "ecology", "innovation", "market", "infrastructure")


@pytest.fixture(scope="module")
def system():
    return ci.city_indicator_system()


def raw_system() -> pd.DataFrame:
    return read_fact(ci.SYSTEM_FILE)


# ----------------------------------------------------------------------------- the system
def test_schema_is_registered_and_read():
    assert ci.SYSTEM_FILE in FACT_TABLES
    assert list(FACT_TABLES[ci.SYSTEM_FILE].columns) == list(ci.SYSTEM_COLUMNS)
    assert list(raw_system().columns) == list(ci.SYSTEM_COLUMNS)


def test_at_least_three_indicators_per_measured_subsystem(system):
    counts = system["subsystem_id"].value_counts()
    for subsystem in MEASURED:
        assert counts.get(subsystem, 0) >= 3, (subsystem, counts.to_dict())


def test_governance_has_no_row_and_the_note_says_why(system):
    assert "governance" not in set(system["subsystem_id"])
    note = (repo_root() / "data/facts/FACTS_SOURCES.md").read_text(encoding="utf-8")
    assert "Governance stays unmeasured" in note
    assert "city_indicator_system.csv" in note


def test_every_row_has_direction_rationale_and_city_level(system):
    assert system["direction"].isin(["positive", "negative"]).all()
    assert (system["rationale"].str.len() > 40).all()
    assert (system["level"] == "city").all()
    assert system["indicator_id"].is_unique


def test_pollution_indicators_are_negative_and_provision_positive(system):
    direction = system.set_index("indicator_id")["direction"]
    for negative in ("pm25", "so2_intensity", "co2_intensity"):
        assert direction[negative] == "negative"
    for positive in ("doctors_per_10k", "hospital_beds_per_10k", "patents_per_10k", "green_coverage"):
        assert direction[positive] == "positive"


def test_every_formula_uses_known_variables(system):
    known = ci.known_variables()
    for row in system.itertuples():
        used = ci.expression_variables(row.numerator) + ci.expression_variables(row.denominator)
        assert used, row.indicator_id
        assert set(used) <= set(known), (row.indicator_id, set(used) - set(known))


def test_per_capita_indicators_all_use_the_one_resident_population(system):
    """One population series for every per-capita ratio: G-P resident, never the yearbook's
    registered population (whose 2020 and 2023 values are resident counts)."""
    populations = {n for n in ci.known_variables() if n.endswith(("population", "resident_population"))}
    for row in system.itertuples():
        used = ci.expression_variables(row.numerator) + ci.expression_variables(row.denominator)
        assert set(used) & populations <= {"gp.population"}, row.indicator_id
    per_resident = system[system["unit"].str.contains("/人|/万人|/百人") & (system["indicator_id"] != "road_area_pc")]
    assert len(per_resident) >= 10
    for row in per_resident.itertuples():  # road area p.c. is the source's own ratio
        assert "gp.population" in ci.expression_variables(row.denominator), row.indicator_id


def test_citations_are_keys_of_the_bibliography(system):
    bib = (repo_root() / "book/references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    for row in system.itertuples():
        cited = {k.strip() for k in row.citation.split(";")}
        assert cited <= keys, (row.indicator_id, cited - keys)


def test_years_inside_the_panel_and_breaks_are_avoided(system):
    assert (system["first_year"] >= 2000).all() and (system["last_year"] <= 2023).all()
    years = system.set_index("indicator_id")[["first_year", "last_year"]]
    # S&T and education spending start with the 2007 budget reclassification; beds with the
    # hospitals-only definition (data year 2017)
    assert years.loc["st_budget_share", "first_year"] == 2007
    assert years.loc["edu_spend_pc", "first_year"] == 2007
    assert years.loc["hospital_beds_per_10k", "first_year"] == 2017


def _broken(column: str, value: object, line: int = 2) -> pd.DataFrame:
    table = raw_system()
    table.loc[line - 2, column] = value
    return table


@pytest.mark.parametrize("column, value, message", [
    ("direction", "up", "column 'direction'"),
    ("level", "county", "column 'level'"),
    ("numerator", "yearbook.no_such_variable", "unknown variable"),
    ("denominator", "gp.population / 2", "neither a number nor a variable"),
    ("subsystem_id", "culture", "column 'subsystem_id'"),
    ("skewed", "maybe", "column 'skewed'"),
    ("first_year", 1990, "column 'first_year'"),
    ("rationale", np.nan, "column 'rationale': is empty"),
])
def test_a_bad_cell_is_refused_naming_row_and_column(column, value, message):
    with pytest.raises(SourceFormatError, match=re.escape(message)) as info:
        ci.check_city_indicator_system(_broken(column, value, line=3))
    assert "row 3" in str(info.value)


def test_a_province_row_needs_provincial_variables():
    with pytest.raises(SourceFormatError, match="provincial variables only"):
        ci.check_city_indicator_system(_broken("level", "province"))


def test_duplicated_indicator_is_refused():
    table = raw_system()
    table.loc[1, "indicator_id"] = table.loc[0, "indicator_id"]
    with pytest.raises(SourceFormatError, match="duplicated indicator_id"):
        ci.check_city_indicator_system(table)


# ----------------------------------------------------------------------------- formulas
def _rows(system, *ids):
    return system.set_index("indicator_id").loc[list(ids)].reset_index()


def test_worked_example_beds_per_10000_and_fdi_share_of_gdp(system):
    # city A, 2019: 5,000 beds, 100 万人 residents; FDI 10,000 万美元 at 6.8985 元/美元,
    # GDP 500 亿元 → beds per 10,000 = 5000 / 100 = 50;
    # FDI/GDP = 100 × 10,000 × 6.8985 万元 / (500 × 10⁴ 万元) = 1.3797 %
    inputs = pd.DataFrame({
        "city_code": [1, 2], "year": [2019, 2019],
        "yearbook.hospital_beds": [5000.0, np.nan], "gp.population": [100.0, 80.0],
        "yearbook.fdi_actual": [10000.0, 0.0], "gp.exchange_rate": [6.8985, 6.8985],
        "gp.gdp": [500.0, 0.0],
    })
    out = ci.compute_indicators(inputs, _rows(system, "hospital_beds_per_10k", "fdi_gdp"))
    assert out.loc[0, "hospital_beds_per_10k"] == pytest.approx(50.0)
    assert out.loc[0, "fdi_gdp"] == pytest.approx(1.3797)
    assert np.isnan(out.loc[1, "hospital_beds_per_10k"])  # a missing input is never filled
    assert np.isnan(out.loc[1, "fdi_gdp"])  # GDP 0: no ratio (not inf)
    assert list(out.columns[:2]) == ["city_code", "year"]


def test_worked_example_teachers_per_pupil_and_real_retail_sales(system):
    # 2,000 + 3,000 teachers for 30,000 + 40,000 pupils → 100 × 5,000 / 70,000 = 7.142857;
    # retail sales 1,000,000 万元, 200 万人, price level 1.6 → 1e6 / (200 × 1.6) = 3125 元/人
    inputs = pd.DataFrame({
        "city_code": [1, 1], "year": [2019, 2023],
        "yearbook.teachers_primary": [2000.0, 2000.0], "yearbook.teachers_secondary": [3000.0, np.nan],
        "yearbook.students_primary": [30000.0, 30000.0], "yearbook.students_secondary": [40000.0, 40000.0],
        "yearbook.retail_sales": [1e6, 1e6], "gp.population": [200.0, 200.0],
        "price.cpi_level": [1.6, 1.6],
    })
    out = ci.compute_indicators(inputs, _rows(system, "teachers_per_100_pupils", "retail_sales_pc"))
    assert out.loc[0, "teachers_per_100_pupils"] == pytest.approx(100 * 5000 / 70000)
    assert out.loc[0, "retail_sales_pc"] == pytest.approx(3125.0)
    # 2023: a missing term makes the sum missing (and 2023 is after the teachers' last year)
    assert np.isnan(out.loc[1, "teachers_per_100_pupils"])
    assert out.loc[1, "retail_sales_pc"] == pytest.approx(3125.0)


def test_values_outside_an_indicators_years_are_missing(system):
    inputs = pd.DataFrame({"city_code": [1, 1, 1], "year": [2006, 2007, 2024],
                           "yearbook.science_spending": [10.0, 10.0, 10.0],
                           "yearbook.budget_expenditure": [1000.0, 1000.0, 1000.0]})
    out = ci.compute_indicators(inputs, _rows(system, "st_budget_share"))
    assert out["st_budget_share"].isna().tolist() == [True, False, True]
    assert out.loc[1, "st_budget_share"] == pytest.approx(1.0)


def test_the_non_farm_share_uses_a_difference():
    terms = ci.parse_expression("100 - 100 * gp.share_primary")
    frame = pd.DataFrame({"gp.share_primary": [0.1, np.nan]})
    assert terms == [(100.0, ()), (-100.0, ("gp.share_primary",))]
    values = ci.evaluate("100 - 100 * gp.share_primary", frame)
    assert values.iloc[0] == pytest.approx(90.0) and np.isnan(values.iloc[1])


@pytest.mark.parametrize("text", ["gp.gdp / gp.population", "gp.gdp * ", "100", "gp.gdp+gp.population"])
def test_bad_formulas_are_refused(text):
    with pytest.raises(ValueError):
        ci.parse_expression(text)


def test_cpi_chain_never_bridges_a_missing_year():
    cpi = pd.DataFrame({"province_code": [510000] * 3, "year": [2001, 2002, 2004],
                        "cpi": [102.0, 101.0, 103.0]})
    level = ci.cpi_level(cpi).set_index("year")["cpi_level"]
    assert level[2000] == 1.0
    assert level[2002] == pytest.approx(1.02 * 1.01)
    assert level[[2003, 2004, 2023]].isna().all()


def test_coverage_counts_members_without_a_row_as_missing(system):
    panel = pd.DataFrame({"city_code": [1, 1, 2, 2], "year": [2018, 2019, 2018, 2019]})
    for indicator in system["indicator_id"]:
        panel[indicator] = np.nan
    panel.loc[[0, 1, 3], "doctors_per_10k"] = 20.0
    members = pd.DataFrame({"cluster_id": ["a", "a", "a", "b"], "city_code": [1, 2, 3, 1]})
    cov = ci.indicator_coverage(panel, members, system)
    doctors = cov[cov["indicator_id"] == "doctors_per_10k"].set_index(["cluster_id", "year"])
    assert doctors.loc[("a", 2018), "cities"] == 3
    assert doctors.loc[("a", 2018), "with_value"] == 1
    assert doctors.loc[("a", 2019), "share"] == pytest.approx(2 / 3)
    assert doctors.loc[("b", 2019), "share"] == 1.0
    assert len(cov) == 2 * 2 * len(system)


# ----------------------------------------------------------------------------- the real panel
@pytest.fixture(scope="module")
def panel():
    return ci.city_indicator_panel()


@requires_mirror
@pytest.mark.slow
def test_panel_is_one_row_per_city_and_year(panel, system):
    assert not panel.duplicated(["city_code", "year"]).any()
    assert set(panel["year"]) == set(range(2000, 2024))
    assert 290 <= panel.loc[panel["yearbook_city"], "city_code"].nunique() <= 310
    assert list(panel.columns[6:]) == system["indicator_id"].tolist()
    for row in system.itertuples():
        outside = ~panel["year"].between(row.first_year, row.last_year)
        assert panel.loc[outside, row.indicator_id].isna().all(), row.indicator_id


@requires_mirror
@pytest.mark.slow
def test_most_indicators_cover_280_cities_in_2019(panel, system):
    defined = system[(system["first_year"] <= 2019) & (system["last_year"] >= 2019)]["indicator_id"]
    counts = panel.loc[panel["year"] == 2019, list(defined)].notna().sum()
    assert (counts >= 280).mean() >= 2 / 3, counts.sort_values().to_dict()
    assert (counts >= 240).all(), counts.sort_values().to_dict()


@requires_mirror
@pytest.mark.slow
def test_values_are_in_plausible_ranges_in_2019(panel):
    ranges = {
        "hospital_beds_per_10k": (5, 300), "doctors_per_10k": (3, 150),
        "teachers_per_100_pupils": (2, 20), "library_books_pc": (0.01, 10),
        "real_gdp_pc": (3000, 300000), "tertiary_share": (10, 90), "nonagri_share": (30, 100),
        "pm25": (3, 150), "green_coverage": (0, 100), "waste_treatment_rate": (0, 100),
        "sewage_treatment_rate": (0, 100), "st_budget_share": (0, 25), "patents_per_10k": (0, 300),
        "retail_sales_pc": (500, 100000), "avg_wage_real": (5000, 200000), "fdi_gdp": (0, 30),
        "mobile_per_100": (20, 400), "broadband_per_100": (1, 200), "road_area_pc": (1, 100),
        "edu_spend_pc": (100, 10000),
    }
    year = panel[panel["year"] == 2019]
    for column, (low, high) in ranges.items():
        values = year[column].dropna()
        bad = year.loc[values.index[~values.between(low, high)], ["name_zh", column]]
        assert bad.empty, (column, bad.to_dict("records"))


@requires_mirror
@pytest.mark.slow
def test_flagged_or_unusable_yearbook_cells_never_enter(panel):
    from cityclusters.data.tables import city_year_yearbook

    table = city_year_yearbook(["doctors"], scope="全市")
    bad = table[(table["flag_power_of_ten"] != 0) | (table["cell_status"] != "ok")]
    bad = bad[bad["year"].between(2000, 2023)]
    assert len(bad) > 0
    hit = panel.merge(bad[["city_code", "year"]], on=["city_code", "year"])
    assert hit["doctors_per_10k"].isna().all()


@requires_mirror
@pytest.mark.slow
def test_interpolated_population_is_not_a_denominator(panel):
    from cityclusters.data.tables import city_year

    filled = city_year().query("population_interpolated")[["city_code", "year"]]
    hit = panel.merge(filled, on=["city_code", "year"])
    assert len(hit) > 0 and hit["doctors_per_10k"].isna().all() and hit["real_gdp_pc"].isna().all()


@requires_mirror
@pytest.mark.slow
def test_cluster_members_are_covered_in_2019(panel):
    from cityclusters.data.tables import clusters

    members = clusters()
    members = members[members["cluster_id"].isin(["chengyu", "yrd26", "middle_yangtze", "jingjinji"])]
    cov = ci.indicator_coverage(panel, members[["cluster_id", "city_code"]])
    year = cov[(cov["year"] == 2019) & cov["indicator_id"].isin(["doctors_per_10k", "real_gdp_pc"])]
    assert (year["share"] == 1.0).all(), year.to_dict("records")
