"""Regression tables: exact layout, stars, rounding, Yes/No rows, blanks, Markdown output."""

from __future__ import annotations

import pandas as pd
import pytest

from cityclusters.errors import MethodInputError
from cityclusters.display import DataTable
from cityclusters.models.regression_table import regression_table, to_markdown
from cityclusters.models.results import RegressionResult


def _result(name, rows, **statistics) -> RegressionResult:
    table = pd.DataFrame(rows, columns=["term", "estimate", "std_error", "p_value"])
    table["t_stat"] = table["estimate"] / table["std_error"]
    table["ci_low"] = table["ci_high"] = 0.0
    return RegressionResult(name, table[["term", "estimate", "std_error", "t_stat", "p_value",
                                         "ci_low", "ci_high"]], statistics)


@pytest.fixture
def models():
    first = _result("A", [("x", 0.12345, 0.05, 0.009),       # p < 0.01  → ***
                          ("z", -0.00004, 0.2, 0.5)],        # rounds to 0.000, not -0.000
                    n_obs=1200, r2_within=0.4567, n_clusters=60,
                    fixed_effects=("city", "year"), cov_type="clustered (city)")
    second = _result("B", [("x", 1.5, 0.9, 0.0999),          # just below 0.1 → *
                           ("w", 2.0, 1.0, 0.05)],           # exactly 0.05 → * (strict <)
                     n_obs=300, r2_within=None, n_clusters=None,
                     fixed_effects=("city",), cov_type="clustered (city)")
    return [first, second]


def test_exact_layout(models):
    table = regression_table(models, term_labels={"x": "HSR", "city": "City"})
    expected = pd.DataFrame(
        [["0.123***", "1.500*"],
         ["(0.050)", "(0.900)"],
         ["0.000", ""],
         ["(0.200)", ""],
         ["", "2.000*"],
         ["", "(1.000)"],
         ["Yes", "Yes"],
         ["Yes", "No"],
         ["1,200", "300"],
         ["0.457", ""],
         ["60", ""]],
        index=pd.Index(["HSR", "", "z", "", "w", "", "City FE", "year FE", "N", "Within R²",
                        "Clusters"], name=""),
        columns=["A", "B"])
    pd.testing.assert_frame_equal(table, expected)


def test_terms_digits_and_star_thresholds(models):
    table = regression_table(models, terms=["x"], digits=2, stars=(0.01,),
                             statistics=("n_obs",), fixed_effects_rows=False)
    assert table.to_dict("list") == {"A": ["0.12*", "(0.05)", "1,200"], "B": ["1.50", "(0.90)", "300"]}
    with pytest.raises(MethodInputError, match=r"\['v'\] appear in none"):
        regression_table(models, terms=["v"])
    with pytest.raises(MethodInputError, match="RegressionResult"):
        regression_table([])


def test_duplicate_names_are_numbered(models):
    table = regression_table([models[0], models[0]])
    assert list(table.columns) == ["A", "A (2)"]


def test_markdown_output_exact(models):
    table = regression_table([models[0]], statistics=("n_obs",))
    out = to_markdown(table, caption="Table 1. Effect of HSR")
    assert isinstance(out, DataTable) and out.frame is table  # the table's data goes with it (its CSV)
    assert out.data == (
        "**Table 1. Effect of HSR**\n"
        "\n"
        "|         |           A |\n"
        "|:--------|------------:|\n"
        "| x       | 0.123\\*\\*\\* |\n"
        "|         |     (0.050) |\n"
        "| z       |       0.000 |\n"
        "|         |     (0.200) |\n"
        "| city FE |         Yes |\n"
        "| year FE |         Yes |\n"
        "| N       |       1,200 |\n"
        "\n"
        "Standard errors in parentheses: clustered (city). "
        "\\* p < 0.1, \\*\\* p < 0.05, \\*\\*\\* p < 0.01.\n"
    )
    custom = to_markdown(table, note="Own note.")
    assert custom.data.endswith("\n\nOwn note.\n")


def test_negative_estimates_use_a_true_minus_sign():
    table = regression_table([_result("A", [("x", -1.918, 0.743, 0.02)], n_obs=10)])
    assert table.iloc[0, 0] == "\u22121.918**"  # U+2212: LaTeX does not break a cell after it
    assert "-" not in table.iloc[0, 0]
