"""The clusters and the data (chapter 1): membership overview, panel coverage, flagged jumps,
paper 000's Table 1 recomputed, the verdicts tested there, and the comparison of the G-P GDP
series with CSMAR.

Every function takes frames of :mod:`cityclusters.data.tables` (or small hand-made frames
with the same columns) and returns plain values for the prose (``name → value``, the glue
names of chapter 1), DataFrames for the tables and :class:`~cityclusters.analysis.verdicts.Verdict`
objects for the claims. Units: GDP in 亿元 (current prices), population in 万人, shares 0–1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from cityclusters import config
from cityclusters.analysis.verdicts import Verdict
from cityclusters.analysis.wording import n_noun
from cityclusters.data import compare, quality
from cityclusters.data.facts import date_bounds
from cityclusters.data.sources.yearbook import harmonise

#: Variables of the coverage table.
COVERAGE_VARIABLES = ["gdp", "va_secondary", "share_tertiary", "population", "gdp_per_capita", "real_gdp"]
#: Decimals of Table 1 of paper 000 by unit, as printed in the paper.
TABLE1_DECIMALS = {"万人": 2, "%": 1, "亿元": 2, "元": 0, "件": 0, "条": 0}
#: The three core cities of Table 1 (column of the table → Chinese name), in the paper's order.
TABLE1_CITIES = {"chongqing": "重庆", "chengdu": "成都", "guiyang": "贵阳"}
#: The other source reports under this share of the panel's GDP: a unit error.
GROSS_RATIO = 0.10
#: A "large" disagreement between the two GDP sources: |relative difference| above 10 %.
LARGE = 0.10
#: Tolerances of the exercise on the source comparison (relative GDP difference).
TIGHT_TOLERANCE = 0.001
LOOSE_TOLERANCE = 0.02


# ----------------------------------------------------------------------------- clusters
def cluster_overview(plans: pd.DataFrame, members: pd.DataFrame,
                     clusters: Sequence[str]) -> tuple[pd.DataFrame, dict]:
    """The clusters' plans and member counts, and the counts for the prose.

    ``plans`` as :func:`cityclusters.data.tables.cluster_plans`, ``members`` as
    :func:`cityclusters.data.tables.clusters`. Returns the table (one row per chosen cluster:
    name, plan, its approval and its issue, prefecture-level members, of which partial) and
    ``n_clusters_shown`` (rows of the table), ``n_member_rows`` (distinct member units of the
    chosen clusters) and ``clusters_shown_hold`` (the sentence's subject and verb, "The 5
    clusters of this chapter hold" or "The cluster of this chapter holds"). The approval column shows approvals only (the State Council's 批复 or the
    Politburo's review: date, body, document number); the issue of the plan text (印发) is the
    next column; "–" where the sources give none.
    """
    chosen = members[members["cluster_id"].isin(clusters)]
    counts = members.groupby("cluster_id").agg(cities=("city_code", "nunique"), partial=("partial", "sum"))
    overview = plans[plans["cluster_id"].isin(clusters)].merge(counts, left_on="cluster_id", right_index=True)
    overview = overview.assign(
        cluster=overview["name_zh"] + " " + overview["name_en"],
        approved=[_plan_act(row, "approved_date", "approved_by", "approval_document_no") for _, row in overview.iterrows()],
        issued=[_plan_act(row, "issued_date", "issued_by", "issue_document_no") for _, row in overview.iterrows()],
    )[["cluster", "plan_zh", "approved", "issued", "cities", "partial"]]
    values = {"n_clusters_shown": len(overview), "n_member_rows": int(chosen["city_code"].nunique()),
              "clusters_shown_hold": ("The cluster of this chapter holds" if len(overview) == 1
                                      else f"The {n_noun(len(overview), 'cluster')} of this chapter hold")}
    table = overview.rename(columns={"cluster": "Cluster 城市群", "plan_zh": "Plan 规划",
                                     "approved": APPROVED_COLUMN, "issued": ISSUED_COLUMN,
                                     "cities": "Prefecture-level members", "partial": "of which partial"})
    return table, values


#: The overview's two date columns: approvals only, then the issue of the plan text.
APPROVED_COLUMN = "Approved 批复/审议"
ISSUED_COLUMN = "Issued 印发"


def _plan_act(row, date: str, body: str, number: str) -> str:
    """"2015-03-26 国务院 国函〔2015〕62号": date, body and document number of one act, the
    parts the sources give; "–" when the date is not known."""
    if pd.isna(row[date]):
        return "–"
    return " ".join(str(row[c]) for c in (date, body, number) if pd.notna(row[c]))


def county_level_members(plans: pd.DataFrame) -> dict[str, list[str]]:
    """Cluster id → the county-level cities a plan names besides prefecture-level units
    (column ``county_level_members_zh``, ';'-separated), for the map."""
    return {row.cluster_id: row.county_level_members_zh.split(";")
            for row in plans.dropna(subset=["county_level_members_zh"]).itertuples()}


# ----------------------------------------------------------------------------- panel
def panel_summary(panel: pd.DataFrame, chosen: pd.DataFrame, first_year: int, last_year: int) -> dict:
    """Size of the city-year panel and its interpolated population.

    Returns ``n_units``, ``n_city_years``, ``panel_first_year``, ``panel_last_year``,
    ``n_renamed_rows`` (rows where the source used another name than today's) and
    ``share_pop_interpolated`` (0–1: share of the chosen clusters' city-years in
    [first_year, last_year] with an interpolated population).
    """
    in_years = panel[panel["year"].between(first_year, last_year)]
    chosen_panel = in_years[in_years["city_code"].isin(chosen["city_code"])]
    return {
        "n_units": int(panel["city_code"].nunique()),
        "n_city_years": len(panel),
        "panel_first_year": int(panel["year"].min()),
        "panel_last_year": int(panel["year"].max()),
        "n_renamed_rows": int((panel["name_zh_source"] != panel["name_zh"]).sum()),
        "share_pop_interpolated": float(chosen_panel["population_interpolated"].mean()),
    }


def coverage_summary(panel: pd.DataFrame, chosen: pd.DataFrame, first_year: int, last_year: int,
                     variables: Sequence[str] = COVERAGE_VARIABLES) -> tuple[pd.DataFrame, dict]:
    """Share of city-years with no value, per cluster and variable
    (:func:`cityclusters.data.quality.coverage`, full member × year grid), and the cluster
    that misses most population.

    Returns the table (cluster short name, cities, years, city-years, one share 0–1 per
    variable) and ``cov_first``, ``cov_last``, ``worst_pop_cluster`` (short name) and
    ``worst_pop_share`` (0–1).
    """
    variables = list(variables)
    cov = quality.coverage(panel, chosen, variables, (first_year, last_year))
    worst = cov.set_index("cluster_id")["population"]
    values = {"cov_first": first_year, "cov_last": last_year,
              "worst_pop_cluster": config.CLUSTERS[worst.idxmax()][1],
              "worst_pop_share": float(worst.max())}
    shown = cov.assign(cluster=cov["cluster_id"].map(lambda c: config.CLUSTERS[c][1])).drop(columns="cluster_id")
    return shown[["cluster", "cities", "years", "city_years", *variables]], values


def errata_table(errata: pd.DataFrame) -> pd.DataFrame:
    """The removed source errata (city, year, GDP in the source in 亿元, reason), from
    :func:`cityclusters.data.tables.source_errata`."""
    return (errata.assign(city=errata["name_zh"], value=errata["source_gdp"])[["city", "year", "value", "reason"]]
            .rename(columns={"value": "GDP in source (亿元)"}))


def jump_summary(jumps: pd.DataFrame, chosen: pd.DataFrame, first_year: int,
                 last_year: int) -> tuple[pd.DataFrame, dict]:
    """The flagged year-on-year jumps (:func:`cityclusters.data.tables.city_year_outliers`)
    in the chosen clusters' cities and years.

    Returns those jumps (all variables; columns of the outlier list) and ``n_jumps`` (whole
    panel), ``n_jumps_chosen``, ``n_jump_cities_chosen`` and ``jumps_chosen_phrase`` ("40 of
    them in 12 cities of this chapter's clusters", "1 of them in 1 city of …", "none of them in
    …").
    """
    in_chosen = jumps[jumps["city_code"].isin(chosen["city_code"]) & jumps["year"].between(first_year, last_year)]
    values = {"n_jumps": len(jumps), "n_jumps_chosen": len(in_chosen),
              "n_jump_cities_chosen": int(in_chosen["city_code"].nunique())}
    where = "this chapter's cluster" if chosen["cluster_id"].nunique() == 1 else "this chapter's clusters"
    values["jumps_chosen_phrase"] = (
        f"none of them in {where}" if not len(in_chosen)
        else f"{len(in_chosen):,} of them in {n_noun(values['n_jump_cities_chosen'], 'city')} of {where}")
    return in_chosen, values


# ----------------------------------------------------------------------------- Table 1 of paper 000
def table1_display(table1: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    """Table 1 of paper 000 beside the panel's values: one row per indicator ("名称 (unit)"),
    two text columns per core city ("重庆 paper", "重庆 panel", …), rounded as the paper
    prints the unit (:data:`TABLE1_DECIMALS`); "–" where the panel has no such variable.
    ``comparison`` comes from :func:`cityclusters.data.compare.table1_comparison`."""
    rows = []
    for ind in table1["indicator_id"]:
        sub = comparison[comparison["indicator_id"] == ind].set_index("city")
        unit = sub["unit"].iloc[0]
        row = {"indicator": f"{sub['indicator_zh'].iloc[0]} ({unit})"}
        for city, label in TABLE1_CITIES.items():
            for kind, column in [("paper", "paper"), ("panel", "computed")]:
                value = sub.at[city, column]
                row[f"{label} {kind}"] = "–" if pd.isna(value) else f"{value:,.{TABLE1_DECIMALS[unit]}f}"
        rows.append(row)
    return pd.DataFrame(rows)


def table1_values(table1: pd.DataFrame, comparison: pd.DataFrame) -> dict:
    """The numbers of the Table 1 discussion.

    ``t1_gdp_maxdiff`` (亿元) and ``t1_share_maxdiff`` (percentage points): largest absolute
    difference panel − paper over the three cities; ``t1_pop_rel_cq|cd|gy`` and
    ``t1_pc_rel_cd``: relative difference (0–1) of population and GDP per head;
    ``t1_implied_pop_cd`` (万人): the population implied by the paper's own GDP × 10⁴ / GDP
    per head for Chengdu; ``t1_printed_pop_cd`` and ``t1_panel_pop_cd`` (万人);
    ``t1_n_indicators`` and ``t1_n_computable`` (indicators the panel can compute).
    """
    by = comparison.set_index(["indicator_id", "city"])
    pop_rel = by.loc["population", "relative_difference"]
    pc_rel = by.loc["gdp_per_capita", "relative_difference"]
    t1i = table1.set_index("indicator_id")
    cities = list(TABLE1_CITIES)
    implied = t1i.loc["gdp", cities] * 1e4 / t1i.loc["gdp_per_capita", cities]
    return {
        "t1_gdp_maxdiff": float(by.loc["gdp", "difference"].abs().max()),
        "t1_share_maxdiff": float(by.loc["share_secondary_tertiary", "difference"].abs().max()),
        "t1_pop_rel_cq": float(pop_rel["chongqing"]),
        "t1_pop_rel_cd": float(pop_rel["chengdu"]),
        "t1_pop_rel_gy": float(pop_rel["guiyang"]),
        "t1_pc_rel_cd": float(pc_rel["chengdu"]),
        "t1_implied_pop_cd": float(implied["chengdu"]),
        "t1_printed_pop_cd": float(t1i.loc["population", "chengdu"]),
        "t1_panel_pop_cd": float(by.loc[("population", "chengdu"), "computed"]),
        "t1_n_indicators": len(table1),
        "t1_n_computable": int(comparison.dropna(subset=["computed"])["indicator_id"].nunique()),
    }


# ----------------------------------------------------------------------------- verdicts
def ranking_verdict(comparison: pd.DataFrame) -> tuple[Verdict, str, bool]:
    """Claim p000_pc_gdp_ranking: the 2019 order of GDP per head of the three core cities.

    Supported if the panel (census-revised population) gives the paper's order, else partly
    supported. Returns the verdict, the claim in our words ("GDP per head in 2019 ranks
    成都 > …", the paper's order) and whether the order holds."""
    pc = comparison.set_index(["indicator_id", "city"]).xs("gdp_per_capita")
    rank_paper = " > ".join(TABLE1_CITIES[c] for c in pc["paper"].sort_values(ascending=False).index)
    rank_panel = " > ".join(TABLE1_CITIES[c] for c in pc["computed"].sort_values(ascending=False).index)
    holds = rank_paper == rank_panel
    verdict = Verdict(
        "p000_pc_gdp_ranking",
        "supported" if holds else
        "partly supported: holds with first-release population; the order changes with census-revised population",
        f"panel (census-revised population): {rank_panel}",
        rule="fact_check",
        would_change="a vintage of population or GDP in which the order of the three cores differs from the paper's",
    )
    return verdict, "GDP per head in 2019 ranks " + rank_paper, holds


def core_population_verdict(comparison: pd.DataFrame) -> tuple[Verdict, str]:
    """Claim p000_core_population: the order of the three cores by 2019 resident population.
    The paper prints the first release, which the census revision superseded; the claim is the
    order, so it is supported when the order is the same in both vintages and partly supported
    when it holds in the first release only (fact-check rule). Evidence: the panel's revised
    figures (万人, rounded). Returns the verdict and the claim in our words."""
    pop = comparison.set_index(["indicator_id", "city"]).xs("population")
    order_paper = list(pop["paper"].loc[list(TABLE1_CITIES)].sort_values(ascending=False).index)
    order_panel = list(pop["computed"].loc[list(TABLE1_CITIES)].sort_values(ascending=False).index)
    order = " > ".join(TABLE1_CITIES[c] for c in order_paper)
    verdict = Verdict(
        "p000_core_population",
        (f"supported: the order {order} holds in the first release the paper prints and in the "
         "census-revised figures" if order_paper == order_panel else
         "partly supported: the paper's order holds in the first release only; the census revision changes it"),
        "panel: " + ", ".join(f"{TABLE1_CITIES[c]} {pop.at[c, 'computed']:,.0f}" for c in TABLE1_CITIES)
        + " 万人 (revised after the 2020 census)",
        rule="fact_check",
        would_change="a vintage of population in which the order of the three cores differs",
    )
    claim = ("2019 resident population "
             + ", ".join(f"{TABLE1_CITIES[c]} {pop.at[c, 'paper']:,.0f}" for c in TABLE1_CITIES) + " 万人")
    return verdict, claim


def chengyu_coverage_verdict(members: pd.DataFrame) -> tuple[Verdict, str]:
    """Claim p001_cy_coverage: the Chengdu–Chongqing cluster covers 11 Sichuan cities and all
    of Chongqing (500100). Supported if the 2016 plan's members have 11 units in 四川省 and
    Chongqing is not partial, else not supported."""
    chengyu = members[members["cluster_id"] == "chengyu"]
    n_sichuan = int((chengyu["province_zh"] == "四川省").sum())
    cq_partial = bool(chengyu.loc[chengyu["city_code"] == 500100, "partial"].iloc[0])
    verdict = Verdict(
        "p001_cy_coverage",
        "supported" if (n_sichuan == 11 and not cq_partial) else "not supported: the 2016 plan differs",
        f"2016 plan: {n_sichuan} Sichuan cities; Chongqing {'only in part' if cq_partial else 'whole'}",
        rule="fact_check", would_change="a plan text listing 11 Sichuan cities and the whole of Chongqing")
    return verdict, "the Chengdu–Chongqing cluster covers 11 Sichuan cities and all of Chongqing"


#: Paper 002's regional split of its ten clusters (三): region (NBS, English) → clusters.
TEN_CLUSTERS_SPLIT = {"east": 5, "north-east": 1, "centre": 2, "west": 2}
#: The rules that assign a cluster spanning several regions to one: the region of the majority
#: of its provinces; of its member units (clusters known only by name: of their provinces); of
#: the provinces of its later national plan where it has one (else as the first rule).
REGION_RULES = ("majority of provinces", "majority of member units", "provinces of the later national plan")


def _majority(regions: Sequence[str]) -> str | None:
    """The region most items belong to, or None on a tie."""
    counts = pd.Series(list(regions)).value_counts()
    return None if len(counts) > 1 and counts.iloc[0] == counts.iloc[1] else counts.index[0]


def cluster_regions(ten: pd.DataFrame, members: pd.DataFrame, regions: pd.DataFrame,
                    plans: pd.DataFrame) -> pd.DataFrame:
    """Each of paper 002's ten clusters with its provinces and its region under each of
    :data:`REGION_RULES` (None: a tie).

    ``ten`` as :func:`cityclusters.data.tables.paper002_ten_clusters`; ``members`` one row per
    member unit (``cluster_id``, ``province_zh``) of the clusters the book delimits, including
    the ``prd`` benchmark; ``regions`` as :func:`cityclusters.data.tables.nbs_regions`;
    ``plans`` as ``cluster_plans(include_other=True)`` (for ``plan_cluster_id``). Provinces
    come from the member lists where ``cluster_id`` is set, else from ``provinces_zh``.
    Returns name_zh, provinces (list), source ("member list" / "name"), one column per rule,
    ``spans`` (the regions of its provinces, e.g. "east 3, centre 1"), ``spans_units`` (of its
    member units; empty for clusters known by name) and ``spans_plan`` (of its later national
    plan's provinces; empty without one)."""
    region = regions.set_index("province_zh")["region_en"]
    plan_provinces = plans.set_index("cluster_id")["provinces_zh"]
    rows = []
    for _, row in ten.iterrows():
        if pd.notna(row["cluster_id"]):
            units = members.loc[members["cluster_id"] == row["cluster_id"], "province_zh"]
            if units.empty:
                raise ValueError(f"cluster_regions: no member rows for cluster {row['cluster_id']!r}")
            provinces, source = list(dict.fromkeys(units)), "member list"
        else:
            units = pd.Series(row["provinces_zh"].split(";"))
            provinces, source = list(units), "name"
        unknown = [p for p in provinces if p not in region.index]
        if unknown:
            raise ValueError(f"cluster_regions: {row['name_zh']}: provinces {unknown} are not in the NBS classification")
        by_province = _majority([region[p] for p in provinces])
        plan = row.get("plan_cluster_id")
        if pd.notna(plan) and (plan not in plan_provinces.index or pd.isna(plan_provinces[plan])):
            raise ValueError(f"cluster_regions: {row['name_zh']}: its later plan {plan!r} is not in the plans "
                             "(or has no provinces)")
        later = (plan_provinces[plan].split(";") if pd.notna(plan) else provinces)
        rows.append({"name_zh": row["name_zh"], "provinces": provinces, "source": source,
                     REGION_RULES[0]: by_province,
                     REGION_RULES[1]: _majority([region[p] for p in units]),
                     REGION_RULES[2]: _majority([region[p] for p in later]),
                     "spans": _spans([region[p] for p in provinces]),
                     "spans_units": _spans([region[p] for p in units]) if source == "member list" else "",
                     "spans_plan": _spans([region[p] for p in later]) if pd.notna(plan) else ""})
    return pd.DataFrame(rows)


def _spans(regions: Sequence[str]) -> str:
    """"east 3, centre 1": how many items lie in each region, most first."""
    return ", ".join(f"{r} {n}" for r, n in pd.Series(list(regions)).value_counts().items())


def _split(assigned: pd.Series) -> dict[str, int]:
    """Clusters per region (in the order of :data:`TEN_CLUSTERS_SPLIT`, then undecided)."""
    counts = {r: int((assigned == r).sum()) for r in TEN_CLUSTERS_SPLIT}
    if assigned.isna().any():
        counts["undecided (tie)"] = int(assigned.isna().sum())
    return counts


def _split_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {r}" for r, n in counts.items())


def ten_clusters_verdict(ten: pd.DataFrame, members: pd.DataFrame, regions: pd.DataFrame,
                         plans: pd.DataFrame) -> tuple[Verdict, str, dict]:
    """Claim p002_ten_clusters_regions: the ten clusters split 5 east, 1 north-east, 2 centre,
    2 west (NBS four regions).

    Each cluster gets a region under each of :data:`REGION_RULES` (:func:`cluster_regions`).
    Supported if every rule gives the claimed split, partly supported if only some do (the
    answer depends on the rule), not supported if none does. Returns the verdict, the claim in
    our words and the prose values: ``ten_split_<rule index>`` (the split, text),
    ``ten_n_rules_hold`` and ``ten_n_rules``, ``ten_spanning`` (the clusters whose provinces
    lie in more than one region, or "none") and ``ten_n_by_name`` (clusters placed by the
    provinces of their name)."""
    table = cluster_regions(ten, members, regions, plans)
    splits = {rule: _split(table[rule]) for rule in REGION_RULES}
    holds = {rule: splits[rule] == TEN_CLUSTERS_SPLIT for rule in REGION_RULES}
    spanning = table[table["spans"].str.contains(",")]
    where = "; ".join(f"{r.name_zh} (provinces {r.spans}" + (f"; member units {r.spans_units}" if r.spans_units else "")
                      + ")" for r in spanning.itertuples()) or "none"
    planned = table[table["spans_plan"] != ""]
    split_text = _split_text(splits[REGION_RULES[0]])
    if all(holds.values()):
        verdict = f"supported: {split_text} under each of the {len(REGION_RULES)} rules for clusters spanning regions"
    elif any(holds.values()):
        verdict = ("partly supported: the split depends on the rule for clusters spanning regions; "
                   + "; ".join(f"{_split_text(splits[r])} by {r}" for r in REGION_RULES))
    else:
        verdict = "not supported: " + "; ".join(f"{_split_text(splits[r])} by {r}" for r in REGION_RULES)
    evidence = ("NBS four regions (2011) of each cluster's provinces, by the majority of its provinces: "
                + ", ".join(f"{name} {region if pd.notna(region) else 'tie'}" for name, region in zip(table["name_zh"], table[REGION_RULES[0]]))
                + f"; provinces from the member lists for {int((table['source'] == 'member list').sum())} clusters "
                + f"and from the name for {int((table['source'] == 'name').sum())}; spanning regions: {where}"
                + ("; later national plans: " + "; ".join(f"{r.name_zh} (provinces {r.spans_plan})"
                                                          for r in planned.itertuples()) if len(planned) else ""))
    values = {f"ten_split_{k}": _split_text(splits[rule]) for k, rule in enumerate(REGION_RULES)}
    values.update({"ten_n_rules_hold": sum(holds.values()), "ten_n_rules": len(REGION_RULES),
                   "ten_spanning": where, "ten_n_by_name": int((table["source"] == "name").sum())})
    return Verdict("p002_ten_clusters_regions", verdict, evidence,
        rule="fact_check",
        would_change="another reading of the NBS four regions for the clusters that span two of them"), \
        "the ten clusters split 5 east, 1 north-east, 2 centre, 2 west", values


#: Paper 002's count of national cluster plans and the month it refers to (至2018年2月).
SEVEN_PLANS_CLAIMED = 7
SEVEN_PLANS_MONTH = (2018, 2)
#: The readings of "had been issued by February 2018": which act (approval by the State
#: Council, or issue of the plan text) and whether February counts (through its last day) or
#: not (before its first day).
PLAN_COUNT_READINGS = (("approved", "through"), ("approved", "before"), ("issued", "through"), ("issued", "before"))


def national_plan_counts(plans: pd.DataFrame, year: int = SEVEN_PLANS_MONTH[0],
                         month: int = SEVEN_PLANS_MONTH[1]) -> pd.DataFrame:
    """The national city-cluster plans (``approved_by`` 国务院) counted under each of
    :data:`PLAN_COUNT_READINGS` for the month ``year``-``month``.

    A plan counts when the last day its date can mean (:func:`cityclusters.data.facts.date_bounds`:
    a month-precision date spans the month) is on or before the cut-off; it is undetermined
    when its date is missing or straddles the cut-off. Returns one row per reading: act,
    reading, cutoff (date), n (plans counted), undetermined, names (plan names counted)."""
    national = plans[plans["approved_by"] == "国务院"]
    first = dt.date(year, month, 1)
    last = date_bounds(f"{year:04d}-{month:02d}", "month")[1]
    rows = []
    for act, reading in PLAN_COUNT_READINGS:
        cutoff = last if reading == "through" else first - dt.timedelta(days=1)
        counted, undetermined = [], []
        for _, row in national.iterrows():
            if pd.isna(row[f"{act}_date"]):
                undetermined.append(row["name_zh"])
                continue
            earliest, latest = date_bounds(row[f"{act}_date"], row[f"{act}_date_precision"])
            if latest <= cutoff:
                counted.append(row["name_zh"])
            elif earliest <= cutoff:
                undetermined.append(row["name_zh"])
        rows.append({"act": act, "reading": reading, "cutoff": cutoff, "n": len(counted),
                     "undetermined": len(undetermined), "names": counted})
    return pd.DataFrame(rows)


def _reading_text(row, count: bool = True) -> str:
    """"9 approved by the State Council by 2018-02-28" (``count=False``: without the number)."""
    act = "approved by the State Council" if row["act"] == "approved" else "issued (印发)"
    when = (f"by {row['cutoff']:%Y-%m-%d}" if row["reading"] == "through"
            else f"before {row['cutoff'] + dt.timedelta(days=1):%Y-%m-%d}")
    extra = f" (+{row['undetermined']} undetermined)" if row["undetermined"] else ""
    return f"{row['n']}{extra} {act} {when}" if count else f"{act} {when}"


def seven_plans_verdict(plans: pd.DataFrame, claimed: int = SEVEN_PLANS_CLAIMED) -> tuple[Verdict, str, dict]:
    """Claim p002_seven_plans: seven national city-cluster plans had been issued by February
    2018 (paper 002, 三).

    ``plans`` as ``cluster_plans(include_other=True)``: every plan approved by the State
    Council, in or outside the book. The count depends on two choices the claim leaves open
    (:data:`PLAN_COUNT_READINGS`): approval or issue, and whether February counts. Supported if
    every reading gives ``claimed`` (no plan undetermined), partly supported if some readings
    do (or could, with undetermined dates), not supported if none can. Returns the verdict, the
    claim in our words and the prose values ``plans_<act>_<reading>`` (counts),
    ``plans_n_national`` and ``plans_readings_hold`` (readings that give the claimed count)."""
    counts = national_plan_counts(plans)
    exact = (counts["n"] == claimed) & (counts["undetermined"] == 0)
    possible = (counts["n"] <= claimed) & (claimed <= counts["n"] + counts["undetermined"])
    rows = [row for _, row in counts.iterrows()]
    if exact.all():
        verdict = f"supported: {claimed} under every reading ({', '.join(_reading_text(r, False) for r in rows)})"
    elif possible.any():
        holding = " or ".join(_reading_text(r, False) for r, ok in zip(rows, possible) if ok)
        others = "; ".join(_reading_text(r) for r, ok in zip(rows, possible) if not ok)
        verdict = f"partly supported: {claimed} only when counting plans {holding}; by the other readings {others}"
    else:
        verdict = "not supported: the cited list gives " + "; ".join(_reading_text(r) for r in rows)
    last = counts["cutoff"].max()
    national = plans[plans["approved_by"] == "国务院"].sort_values("approved_date", kind="stable")
    national = national[[date_bounds(d, p)[0] <= last for d, p in
                         zip(national["approved_date"], national["approved_date_precision"])]]
    evidence = (f"{len(national)} city-cluster plans approved by the State Council by {last:%Y-%m-%d} "
                "(data/facts/cluster_plans.csv, approval date): "
                + ", ".join(f"{r.name_zh} {r.approved_date}" for r in national.itertuples())
                + "; paper 002's own list (its Table 3) is not in our copy of the text")
    values = {f"plans_{r.act}_{r.reading}": int(r.n) for r in counts.itertuples()}
    values.update({"plans_n_national": len(national), "plans_readings_hold": int(exact.sum())})
    return Verdict("p002_seven_plans", verdict, evidence,
        rule="fact_check",
        would_change="paper 002's own list of plans (its Table 3, not in our copy) or another reading of which acts count as national plans"), \
        "seven national cluster plans had been issued by February 2018", values


def chapter_verdicts(comparison: pd.DataFrame, members: pd.DataFrame, plans: pd.DataFrame,
                     ten: pd.DataFrame, regions: pd.DataFrame) -> tuple[list[tuple[Verdict, str]], dict]:
    """The five verdicts of chapter 1 in the order of its table, each with the claim in our
    words, and the prose values: ``verdict_ranking_holds`` ("holds" / "does not hold") and
    those of :func:`ten_clusters_verdict` and :func:`seven_plans_verdict`.

    ``members``: member units (cluster_id, city_code, province_zh, partial) of the book's
    clusters and of the ``prd`` benchmark; ``plans``: ``cluster_plans(include_other=True)``;
    ``regions``: :func:`cityclusters.data.tables.nbs_regions`."""
    ranking, ranking_claim, holds = ranking_verdict(comparison)
    ten_verdict, ten_claim, ten_values = ten_clusters_verdict(ten, members, regions, plans)
    plans_verdict, plans_claim, plans_values = seven_plans_verdict(plans)
    verdicts = [(ranking, ranking_claim), core_population_verdict(comparison),
                chengyu_coverage_verdict(members), (ten_verdict, ten_claim), (plans_verdict, plans_claim)]
    return verdicts, {"verdict_ranking_holds": "holds" if holds else "does not hold", **ten_values, **plans_values}


# ----------------------------------------------------------------------------- two sources
def source_comparison(panel: pd.DataFrame, other: pd.DataFrame, chosen: pd.DataFrame,
                      first_year: int, last_year: int, tolerance: float) -> tuple[pd.DataFrame, pd.Series, dict]:
    """City GDP of the panel against another source (CSMAR,
    :func:`cityclusters.data.tables.csmar_city_gdp`) over their common years from
    ``first_year`` to min(``last_year``, the other source's last year).

    Matching and agreement (|other / panel − 1| ≤ ``tolerance``) by
    :func:`cityclusters.data.compare.source_agreement`. Returns the matched city-years, the
    share agreeing by year (0–1) and the numbers of the prose: counts and shares overall, by
    year, in the chosen clusters and at the exercise's tolerances (:data:`TIGHT_TOLERANCE`,
    :data:`LOOSE_TOLERANCE`); the province with most disagreements and its share; the share of
    city-years whose GDP differs from the sum of its sectors (``flag_sector_sum``) there and
    elsewhere; gross unit errors (other < :data:`GROSS_RATIO` × panel) and large differences
    (> :data:`LARGE`).
    """
    overlap_last = min(last_year, int(other["year"].max()))
    matched = compare.source_agreement(
        panel[panel["year"].between(first_year, overlap_last)],
        other[other["year"].between(first_year, overlap_last)],
        tolerance=tolerance,
    )
    values = {
        "agree_n": len(matched),
        "agree_share": float(matched["within"].mean()),
        "agree_tol": tolerance,
        "agree_first": first_year,
        "agree_last": overlap_last,
        "agree_median_abs": float(matched["relative_difference"].abs().median()),
    }
    by_year = matched.groupby("year")["within"].mean()
    values.update({
        "agree_worst_year": int(by_year.idxmin()),
        "agree_worst_share": float(by_year.min()),
        "agree_share_2019": float(by_year.get(2019, float("nan"))),
        "agree_unmatched_csmar": len(other.attrs["unmatched"]),
    })
    by_province = compare.disagreement_by(matched, panel, "province_zh")
    top = by_province.iloc[0]
    disagreeing = matched[~matched["within"]]
    in_top = panel["province_zh"] == top["province_zh"]
    window = panel["year"].between(first_year, overlap_last)
    gross = matched[matched["value_other"] < GROSS_RATIO * matched["value_panel"]]
    in_chosen = matched[matched["city_code"].isin(chosen["city_code"])]
    large = matched[matched["relative_difference"].abs() > LARGE]
    values.update({
        "agree_top_province": top["province_zh"],
        "agree_top_province_share": float(top["share_of_disagreements"]),
        "agree_n_disagree": int(by_province["disagreeing"].sum()),
        "agree_median_disagree": float(disagreeing["relative_difference"].abs().median()),
        "sum_tol": quality.SECTOR_SUM_TOLERANCE,
        "sum_gap_top": float(panel.loc[in_top & window, "flag_sector_sum"].mean()),
        "sum_gap_rest": float(panel.loc[~in_top & window, "flag_sector_sum"].mean()),
        "gross_ratio": GROSS_RATIO,
        "agree_n_gross": len(gross),
        "agree_gross_desc": ", ".join(sorted(set(gross["name_zh"] + " " + gross["year"].astype(str))))[:200] or "none",
        "agree_share_chosen": float(in_chosen["within"].mean()),
        "agree_n_chosen": len(in_chosen),
        "agree_share_tight": float((matched["relative_difference"].abs() <= TIGHT_TOLERANCE).mean()),
        "agree_share_loose": float((matched["relative_difference"].abs() <= LOOSE_TOLERANCE).mean()),
        "large_threshold": LARGE,
        "agree_n_large": len(large),
    })
    return matched, by_year, values


# ----------------------------------------------------------------------------- yearbook
#: A variable "covers" a cluster-year when at least this share of its member cities has a value.
YEARBOOK_COVERED = 0.9


def yearbook_coverage(yearbook: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Share (0–1) of each cluster's member cities with a value, per variable and data year.

    ``yearbook``: first releases (:func:`cityclusters.data.tables.city_year_yearbook`);
    ``chosen``: cluster members (``cluster_id``, ``city_code``). A city counts when its value
    is printed and readable (``cell_status == "ok"``) in the variable's scope
    (:func:`cityclusters.data.sources.yearbook.harmonise.one_scope`). Missing years of a
    variable are zero, not absent.
    """
    values = harmonise.one_scope(yearbook)
    values = values[values["value"].notna()][["variable", "year", "city_code"]].drop_duplicates()
    members = chosen[["cluster_id", "city_code"]]
    size = members.groupby("cluster_id").size()
    hits = members.merge(values, on="city_code").groupby(["variable", "cluster_id", "year"]).size()
    years = range(int(yearbook["year"].min()), int(yearbook["year"].max()) + 1)
    grid = pd.MultiIndex.from_product([sorted(yearbook["variable"].unique()), list(size.index), years],
                                      names=["variable", "cluster_id", "year"])
    cities = size.reindex(grid.get_level_values("cluster_id")).to_numpy()
    share = hits.reindex(grid, fill_value=0) / cities
    return share.rename("share").reset_index().assign(cities=cities)


def yearbook_catalogue(yearbook: pd.DataFrame, variables: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Per variable: subsystem, names, unit, scope used, data years printed, the number of
    years in which the chosen clusters' cities together are covered (≥
    :data:`YEARBOOK_COVERED` of them have a value) and the breaks."""
    values = harmonise.one_scope(yearbook)
    printed = values[values["value"].notna()].groupby("variable")["year"].agg(["min", "max"])
    scope = values.groupby("variable")["scope"].agg(lambda s: "/".join(sorted(set(s), reverse=True)))
    pooled = coverage.assign(hits=coverage["share"] * coverage["cities"]).groupby(["variable", "year"])[["hits", "cities"]].sum()
    n_covered = (pooled["hits"] / pooled["cities"] >= YEARBOOK_COVERED).groupby("variable").sum()
    table = variables.set_index("variable")
    out = pd.DataFrame({
        "subsystem": table["subsystem"],
        "variable": table["name_en"] + " " + table["name_zh"],
        "unit": table["unit"],
        "scope": scope.reindex(table.index),
        "years printed": printed["min"].astype("Int64").astype(str) + "–" + printed["max"].astype("Int64").astype(str),
        f"years ≥{YEARBOOK_COVERED:.0%} of cities": n_covered.reindex(table.index).fillna(0).astype(int),
        "breaks": table["breaks"],
    })
    return out.reset_index(drop=True).sort_values(["subsystem", "variable"], kind="stable").reset_index(drop=True)


def yearbook_unit_changes(mappings: dict[str, pd.DataFrame], variables: pd.DataFrame) -> pd.DataFrame:
    """The printed units of each variable by edition range, where they change: what the data
    step converts (``mappings``: variable → its mapping rows)."""
    unit = variables.set_index("variable")["unit"]
    rows = []
    for variable, frame in mappings.items():
        by_edition = {e: r.unit_values for r in frame[frame["lag"] == 1].itertuples()
                      for e in range(r.edition_first, r.edition_last + 1)}
        runs: list[list] = []
        for edition in sorted(by_edition):
            if runs and runs[-1][2] == by_edition[edition] and runs[-1][1] == edition - 1:
                runs[-1][1] = edition
            else:
                runs.append([edition, edition, by_edition[edition]])
        if len({run[2] for run in runs}) < 2:
            continue
        rows += [{"variable": variable, "editions": f"{first}–{last}" if first != last else str(first),
                  "unit of the values": printed, "converted to": unit[variable]} for first, last, printed in runs]
    return pd.DataFrame(rows, columns=["variable", "editions", "unit of the values", "converted to"])


def yearbook_quality(yearbook: pd.DataFrame, corrections: pd.DataFrame, breaks: pd.DataFrame,
                     jumps: pd.DataFrame) -> dict:
    """Counts for the prose: rows, variables, editions, cities, cells by status, values flagged
    as a power of ten off, name corrections, shared breaks and single-city jumps."""
    status = yearbook["cell_status"].value_counts()
    return {
        "yb_rows": len(yearbook), "yb_variables": yearbook["variable"].nunique(),
        "yb_editions": yearbook["edition"].nunique(), "yb_first_edition": int(yearbook["edition"].min()),
        "yb_last_edition": int(yearbook["edition"].max()), "yb_cities": yearbook["city_code"].nunique(),
        "yb_ok": int(status.get("ok", 0)), "yb_no_data": int(status.get("no_data", 0)),
        "yb_garbled": int(status.get("garbled", 0)), "yb_negative": int(status.get("negative", 0)),
        "yb_flagged": int((yearbook["flag_power_of_ten"] != 0).sum()),
        "yb_name_corrections": len(corrections), "yb_shared_breaks": len(breaks),
        "yb_single_jumps": len(jumps),
    }
