"""The vendor's cross-section sheets: parsing, city identification and the value-based check
against the table form (``cityclusters.data.sources.yearbook.cross_sections``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from cityclusters.data.sources.yearbook import cross_sections as cs
from cityclusters.errors import SourceFormatError
from tests.conftest import requires_mirror

# ---------------------------------------------------------------------------------------------
# Logic on small synthetic frames (no data needed)
# ---------------------------------------------------------------------------------------------


def _synthetic():
    """40 cities, six variables; the sheet's columns hold: A and B shifted by one column
    (A's label over B's values, B's label over C's values, C's label over A's values),
    D and E swapped, F in 万元 where the table form has 亿元, G nowhere, H's column a copy of
    another sheet's column, I under the wrong scope label."""
    rng = np.random.default_rng(0)
    cities = [f"CNUR-{i:06d}" for i in range(40)]
    truth = {v: pd.Series(rng.uniform(100, 10_000, len(cities)).round(), index=cities) for v in "ABCDEFGHI"}
    elsewhere = pd.Series(rng.uniform(100, 10_000, len(cities)).round(), index=cities)
    cross = pd.DataFrame({
        "X1": truth["B"], "X2": truth["C"], "X3": truth["A"],  # shifted by one column
        "P": truth["E"], "Q": truth["D"],  # swapped
        "F1": truth["F"] * 1e4,  # 亿元 printed as 万元
        "H1": elsewhere,  # a copy of another sheet's column
        "I1": truth["I"],  # labelled 市辖区, holds 全市
    })
    cross.loc[cities[0], "X3"] = np.nan  # a missing cell does not count against a column
    columns = pd.DataFrame({
        "column": list(cross.columns),
        "label": ["A", "B", "C", "D", "E", "F", "H", "I"],
        "scope": ["全市"] * 7 + ["市辖区"],
        "scope_source": ["header"] * 8,
        "group": [""] * 8,
    })
    labelled = pd.DataFrame({"variable": list("ABCDEFHI"), "column": list(cross.columns),
                             "scope": ["全市"] * 7 + ["市辖区"]})
    other_sheet = pd.DataFrame({"Z9": elsewhere, "Z8": truth["A"] * 3})
    others = {"edition 1999": (other_sheet, pd.DataFrame({"column": ["Z9", "Z8"], "label": ["z9", "z8"],
                                                          "scope": ["市辖区", "全市"]}))}

    def table(variable, scope):
        return truth[variable] if scope == "全市" and variable in truth else None

    targets = [(v, "全市") for v in "ABCDEFGHI"]
    return cs.judge(2000, targets, table, cross, columns, labelled, others).set_index("variable")


def test_judge_finds_shifted_columns_swaps_units_and_copies():
    out = _synthetic()
    assert out.loc["A", "verdict"] == "shifted" and out.loc["A", "partner"] == "X3"
    assert out.loc["A", "labelled_column"] == "X1" and out.loc["A", "labelled_share"] < 0.05
    assert out.loc["A", "best_share"] == 1.0 and out.loc["A", "best_n"] == 39  # one missing cell
    assert out.loc["B", "verdict"] == "shifted" and out.loc["B", "partner"] == "X1"
    assert out.loc["C", "verdict"] == "shifted" and out.loc["C", "partner"] == "X2"
    assert out.loc["D", "verdict"] == "swapped" and out.loc["D", "partner"] == "E"
    assert out.loc["E", "verdict"] == "swapped" and out.loc["E", "partner"] == "D"
    assert out.loc["F", "verdict"] == "agrees" and out.loc["F", "labelled_factor"] == 1e-4
    assert out.loc["G", "verdict"] == "not in cross-section" and pd.isna(out.loc["G", "labelled_column"])
    assert out.loc["H", "verdict"] == "shifted" and out.loc["H", "partner"] == "edition 1999 column Z9"
    assert "no column of the sheet holds the table's values" in out.loc["H", "note"]
    assert out.loc["I", "verdict"] == "wrong scope" and out.loc["I", "partner"] == "I1"
    assert set(out["verdict"]) <= set(cs.VERDICTS)


def test_agreement_tolerance_and_factors():
    table = pd.Series([100.0, 200.0, 0.0, 50.0], index=list("abcd"))
    cross = pd.DataFrame({"same": [100.4, 200.0, 0.0, 50.0], "off": [101.0, 200.0, 0.0, 50.0],
                          "tenth": [1000.0, 2000.0, 0.0, 500.0]}, index=list("abcd"))
    ag = cs.agreement(table, cross)
    assert ag.loc["same", "share"] == 1.0  # 0.4 % off is within 0.5 %
    assert ag.loc["off", "share"] == 0.75  # 1 % off is not
    assert ag.loc["tenth", "share"] == 1.0 and ag.loc["tenth", "factor"] == 0.1
    assert not ag["eligible"].any()  # four cities are too few to judge


def test_cells_text_raises_garbled_digits_do_not():
    where = ("book.xlsx", "Sheet1", 12, 27, "医院数(个)")
    assert cs._parse(" 1,234 ", where) == (1234.0, 0)
    assert np.isnan(cs._parse("—", where)[0]) and cs._parse("—", where)[1] == 1
    assert cs._parse("2^01", where)[1] == 2 and cs._parse("ioi", where)[1] == 2
    with pytest.raises(SourceFormatError, match=r"book\.xlsx, sheet 'Sheet1', row 12, column AB \('医院数\(个\)'\)"):
        cs._parse("not available", where)


def test_label_map_is_well_formed():
    frame = cs.label_map()
    assert frame["edition_first"].le(frame["edition_last"]).all()
    assert frame["edition_first"].ge(2000).all() and frame["edition_last"].le(2024).all()
    from cityclusters.data.sources.yearbook import mapping

    assert set(frame["variable"]) <= set(mapping.variables()["variable"])
    assert not frame.duplicated(["variable", "edition_first", "label_key", "group_contains"]).any()
    # the docstring shows the map as it is
    listing = "\n".join(line.strip() for line in cs.label_map.__doc__.splitlines() if line.strip().startswith("- "))
    assert listing == cs.render_label_map()


# ---------------------------------------------------------------------------------------------
# The real sheets
# ---------------------------------------------------------------------------------------------


@requires_mirror
def test_all_editions_parse_with_every_name_accounted_for():
    # no time limit here: `make test` runs this beside the book's build (speed goes in `make bench`)
    sections = {e: cs.read_cross_section(e) for e in cs.EDITIONS}
    for edition, section in sections.items():
        cities = section.values["entity_id"].nunique()
        assert 230 <= cities <= 300, (edition, cities)
        assert len(section.columns) >= 120
        assert section.values["entity_id"].notna().all()
        assert set(section.values["cell_status"].unique()) <= {"ok", "no_data", "garbled"}
        assert not section.values.duplicated(["entity_id", "column"]).any()
    unmatched = pd.concat([s.unmatched for s in sections.values()])
    # the misprints of the vendor's sheets (2002 海拉尔 for 呼伦贝尔, 2013 潭州 for 漳州, ...) have
    # reviewed rows in data/facts/yearbook/name_corrections.csv; any new one is listed, not dropped.
    # Listed today: the prefectures printed for years before they existed (2001–2003 editions:
    # 崇左, 中卫), each excluded by a cited rule of data/facts/prefecture_year_rules.csv
    from cityclusters.data.sources import unit_years

    rules = unit_years.rules()
    excluded = {(int(r.source_key[8:12]), r.name_zh, r.first_year) for r in rules.itertuples()
                if r.source_key.endswith("【地级市截面数据】.xlsx")}
    listed = set(zip(unmatched["edition"], unmatched["name_printed"], unmatched["year"]))
    assert listed == excluded, unmatched[["edition", "name_printed", "sheet", "source_row"]]
    assert len(unmatched) == 5


@requires_mirror
def test_known_printed_values():
    """2020 Nanjing: 271 hospitals, 57,455 beds (Nanjing Statistical Yearbook 2021, table 14-16)."""
    values = cs.read_cross_section(2021).values
    nanjing = values[(values["name_zh"] == "南京市") & (values["scope"] == "全市")].set_index("label")["value"]
    assert nanjing["医院数(个)"] == 271 and nanjing["医院床位数(张)"] == 57455
    columns = cs.read_cross_section(2022).columns.set_index("column")
    assert columns.loc["EB", "table"] == "2-32" and columns.loc["EB", "label"] == "移动电话年末用户数(万户)"
    assert columns.loc["AH", "label"] == "科学技术支出" and columns.loc["AH", "scope_source"] == "title"


@requires_mirror
def test_text_in_a_number_cell_names_file_sheet_row_and_column(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    section = cs.read_cross_section(2019)
    row = int(section.values.loc[section.values["name_zh"] == "成都市", "source_row"].iloc[0])
    workbook = openpyxl.load_workbook(section.path)
    workbook[section.sheet][f"GK{row}"] = "见附注"
    copy = tmp_path / section.path.name
    workbook.save(copy)
    pattern = rf"{re.escape(copy.name)}, sheet 'Sheet1', row {row}, column GK \('医院数\(个\)'\): '见附注'"
    with pytest.raises(SourceFormatError, match=pattern):
        cs.parse_cross_section(copy, 2019)


@requires_mirror
def test_check_finds_the_known_problems():  # ≈ 5 s
    out = cs.cross_check(["mobile_users", "broadband_users", "science_spending", "education_spending", "hospitals"],
                         editions=[2005, 2019, 2022]).set_index(["edition", "variable", "scope"]).sort_index()
    mobile = out.loc[(2022, "mobile_users", "全市")]
    assert mobile["verdict"] == "shifted" and mobile["labelled_column"] == "EB"
    assert mobile["partner"] == "edition 2021 column DT" and mobile["labelled_share"] < 0.05
    assert out.loc[(2022, "broadband_users", "全市"), "verdict"] == "shifted"
    science, education = out.loc[(2005, "science_spending", "全市")], out.loc[(2005, "education_spending", "全市")]
    assert science["verdict"] == education["verdict"] == "swapped"
    assert science["partner"] == "education_spending" and education["partner"] == "science_spending"
    assert science["best_column"] == education["labelled_column"] == "EO"
    assert out.loc[(2005, "science_spending", "市辖区"), "verdict"] == "agrees"
    for scope in ("全市", "市辖区"):
        hospitals = out.loc[(2019, "hospitals", scope)]
        assert hospitals["verdict"] == "agrees" and hospitals["labelled_share"] == 1.0
        assert hospitals["labelled_column"] == hospitals["best_column"]
    assert (out.loc[2019, "verdict"] == "agrees").all()


@requires_mirror
@pytest.mark.slow
def test_check_of_every_edition_and_variable():
    """Every disagreement the check finds, so that a new one shows up here. The full check
    (every table-form variable of every edition, about a minute) is the stored table that the
    tables step builds with ``cs.cross_check()`` and the book reads; the check itself is run
    here on a subset (test above)."""
    from cityclusters.data import tables

    out = tables.yearbook_cross_check()
    problems = {(r.edition, r.variable, r.scope): r.verdict for r in out[out["verdict"] != "agrees"].itertuples()}
    finance = ("science_spending", "education_spending", "budget_revenue", "budget_expenditure")
    expected = {
        **{(e, v, "市辖区"): "wrong scope" for e in (2002, 2003) for v in finance},
        (2005, "science_spending", "全市"): "swapped",
        (2005, "education_spending", "全市"): "swapped",
        (2014, "so2_emissions", "全市"): "disagrees",
        (2016, "industrial_wastewater", "全市"): "wrong scope",
        (2016, "so2_emissions", "全市"): "wrong scope",
        (2022, "mobile_users", "全市"): "shifted",
        (2022, "broadband_users", "全市"): "shifted",
    }
    assert problems == expected
    agrees = out[out["verdict"] == "agrees"]
    assert (agrees["labelled_column"] == agrees["best_column"]).all()
    assert len(out) > 1100


def test_docstring_examples():
    import doctest

    result = doctest.testmod(cs, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 3
