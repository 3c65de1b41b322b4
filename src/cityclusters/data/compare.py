"""Comparisons of the panel with printed values and with an independent source."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Table 1 indicators the panel can compute, and how (value in the paper's unit).
TABLE1_COMPUTABLE = {
    "population": ("population", 1.0),  # 万人
    "gdp": ("gdp", 1.0),  # 亿元
    "gdp_per_capita": ("gdp_per_capita", 1.0),  # 元
    "share_secondary_tertiary": ("share_nonprimary", 100.0),  # %
}
TABLE1_CITIES = {"chongqing": 500100, "chengdu": 510100, "guiyang": 520100}


def table1_comparison(table1: pd.DataFrame, panel: pd.DataFrame, year: int = 2019) -> pd.DataFrame:
    """Paper 000's Table 1 beside the values computed from the panel, long format.

    One row per (indicator, city): ``paper`` (as printed), ``computed`` (panel, same unit;
    missing when our sources have no such variable), ``difference`` = computed − paper and
    ``relative_difference`` = difference / paper. The share of secondary plus tertiary
    industry is computed as 100 × (share_secondary + share_tertiary).
    """
    data = panel[panel["year"] == year].set_index("city_code")
    data = data.assign(share_nonprimary=data["share_secondary"] + data["share_tertiary"])
    rows = []
    for record in table1.itertuples():
        for city, code in TABLE1_CITIES.items():
            paper = float(getattr(record, city))
            computed = np.nan
            if record.indicator_id in TABLE1_COMPUTABLE and code in data.index:
                column, factor = TABLE1_COMPUTABLE[record.indicator_id]
                computed = float(data.at[code, column]) * factor
            rows.append(
                {
                    "indicator_id": record.indicator_id,
                    "indicator_zh": record.indicator_zh,
                    "indicator_en": record.indicator_en,
                    "unit": record.unit,
                    "city": city,
                    "city_code": code,
                    "paper": paper,
                    "computed": computed,
                }
            )
    out = pd.DataFrame(rows)
    out["difference"] = out["computed"] - out["paper"]
    out["relative_difference"] = out["difference"] / out["paper"]
    return out


def source_agreement(panel: pd.DataFrame, other: pd.DataFrame, column: str = "gdp",
                     tolerance: float = 0.005) -> pd.DataFrame:
    """Match two sources on (city_code, year) and measure how closely ``column`` agrees.

    Returns the matched rows with ``value_panel``, ``value_other``, ``relative_difference``
    = other / panel − 1 and ``within`` (|relative difference| ≤ tolerance). Rows missing in
    either source are not matched (report coverage separately).
    """
    left = panel[["city_code", "name_zh", "name_pinyin", "year", column]].rename(columns={column: "value_panel"})
    right = other[["city_code", "year", column]].rename(columns={column: "value_other"})
    matched = left.merge(right, on=["city_code", "year"], how="inner", validate="one_to_one")
    matched = matched.dropna(subset=["value_panel", "value_other"])
    matched["relative_difference"] = matched["value_other"] / matched["value_panel"] - 1
    matched["within"] = matched["relative_difference"].abs() <= tolerance
    return matched.reset_index(drop=True)


def disagreement_by(matched: pd.DataFrame, labels: pd.DataFrame, by: str) -> pd.DataFrame:
    """Where two sources disagree: per group ``by`` (a column of ``labels``, keyed on
    city_code), the number of matched city-years, of disagreeing ones, and the group's share
    of all disagreements. ``matched`` comes from :func:`source_agreement`."""
    keyed = matched.merge(labels[["city_code", by]].drop_duplicates("city_code"), on="city_code", how="left")
    table = keyed.groupby(by).agg(matched=("within", "size"), disagreeing=("within", lambda w: int((~w).sum())))
    total = table["disagreeing"].sum()
    table["share_of_disagreements"] = table["disagreeing"] / total if total else np.nan
    return table.sort_values("disagreeing", ascending=False).reset_index()
