"""CSMAR China Regional Economy exports (eileenCHEN-9/PhD_2022_2025; commercial, no licence).

Used only for cross-source validation and derived results; rows are never republished.
Field dictionary ``CRE_Gdpct[DES][csv].txt``: Gdpct01 GDP (亿元); Gdpct02–04 sector shares
(%); GDP_PerCapita (元). ``CRE_Eplwagct``: Eect01 year-end total population (万人, registered).
"""

from __future__ import annotations

from cityclusters.data.sources.reading import drop_footer_rows, read_checked, to_number, whole_numbers

GDP = "eileenCHEN-9__PhD_2022_2025/data/raw_data/statistics/CRE_Gdpct.csv"
POPULATION = "eileenCHEN-9__PhD_2022_2025/data/raw_data/statistics/CRE_Eplwagct.csv"


def read_csmar_gdp():
    """City GDP (亿元), sector shares (%), GDP per capita (元) by city code and year, 1990–2021."""
    frame = read_checked(
        GDP,
        {
            "Sgnyea": "year",
            "Ctnm_id": "code",
            "Ctnm_en": "name_en",
            "Prvcnm_id": "province_code",
            "Gdpct01": "gdp",
            "Gdpct02": "share_primary_pct",
            "Gdpct03": "share_secondary_pct",
            "Gdpct04": "share_tertiary_pct",
            "GDP_PerCapita": "gdp_per_capita",
        },
        dtype={"Ctnm_id": str, "Prvcnm_id": str},
    )
    frame = drop_footer_rows(frame, ["year", "code"], GDP)
    frame = to_number(frame, ["gdp", "share_primary_pct", "share_secondary_pct", "share_tertiary_pct", "gdp_per_capita"], GDP)
    frame = whole_numbers(whole_numbers(frame, "year", GDP, "a year"), "code", GDP, "a city code")
    frame["name_en"] = frame["name_en"].str.strip()
    return frame.reset_index(drop=True)


def read_csmar_population():
    """City year-end total population (Eect01, 万人; registered) by city code and year."""
    frame = read_checked(POPULATION, {"Sgnyea": "year", "Ctnm_id": "code", "Eect01": "population"},
                         dtype={"Ctnm_id": str})
    frame = drop_footer_rows(frame, ["year", "code"], POPULATION)
    frame = to_number(frame, ["population"], POPULATION)
    frame = whole_numbers(whole_numbers(frame, "year", POPULATION, "a year"), "code", POPULATION, "a city code")
    return frame.reset_index(drop=True)
