"""How the YRD coordination mechanism grew (chapter 08): committee cohorts, the plan timeline,
what joining cities looked like, and a price-based proxy for Middle Yangtze integration.

Everything here works on the typed tables of :mod:`cityclusters.data.tables`:

- :func:`tables.yrd_committee_members` — the 41 members of the YRD Urban Economic
  Coordination Committee (长江三角洲城市经济协调会) with their cohort (year of joining);
- :func:`tables.events` — dated, cited events (committee founding and enlargements, plan
  approvals, HSR openings);
- :func:`tables.city_year` — the city–year panel (GDP per head, GDP deflators).

Functions
---------
- :func:`validate_members` — refuse a malformed membership table, naming row and column;
- :func:`cumulative_membership` — members by year (the step chart);
- :func:`cohort_table` — one row per cohort: size, running total, cities, meeting;
- :func:`meeting_ordinals` — the number of the mayors' meeting at which each cohort joined;
- :func:`members_in_year` — which cities were members in a given year;
- :func:`plan_coverage` — how many of a cluster plan's cities were committee members;
- :func:`joining_gdp_per_capita` / :func:`cohort_relative_summary` / :func:`cohort_trend` —
  GDP per head of each member relative to the founders' mean, when it joined;
- :func:`timeline_events` — the dated events of chosen clusters in a window;
- :func:`annual_border_gap` / :func:`period_means` — yearly Engel–Rogers border term on
  absolute annual changes of relative GDP deflators inside one cluster (a *proxy* for market
  integration, not a measure of cooperation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from cityclusters.errors import MethodInputError
from cityclusters.indicators import market
from cityclusters.models.panel import ols_regression

#: Event ``cluster_id`` values (``data/facts/events.csv`` uses ``yrd`` for the whole delta)
#: that belong to each cluster id of :data:`cityclusters.config.CLUSTERS`.
EVENT_CLUSTERS: dict[str, tuple[str, ...]] = {
    "chengyu": ("chengyu",),
    "qianzhong": ("qianzhong",),
    "chengyugui": ("chengyu", "qianzhong", "chengyugui"),
    "yrd26": ("yrd",),
    "yrd41": ("yrd",),
    "middle_yangtze": ("middle_yangtze",),
    "jingjinji": ("jingjinji",),
}

#: Event types drawn on the timeline, in the order of its rows.
TIMELINE_TYPES = ("plan_approval", "plan_issued", "hsr_opening")

_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MethodInputError(f"{name}: missing column(s) {missing}; has {list(frame.columns)}")


def validate_members(members: pd.DataFrame, name: str = "yrd_committee_members") -> pd.DataFrame:
    """Check a membership table and return it with an integer ``cohort`` column.

    Requires ``city_code``, ``name_zh`` and ``cohort`` (year of joining); refuses a missing or
    non-integer cohort and a city listed twice, naming the row(s) and column.

    Raises
    ------
    MethodInputError
        Naming the table (``name``), the row labels and the column.
    """
    _require(members, ["city_code", "name_zh", "cohort"], name)
    out = members.copy()
    cohort = pd.to_numeric(out["cohort"], errors="coerce")
    bad = out.index[cohort.isna() | (cohort != cohort.round())]
    if len(bad):
        raise MethodInputError(f"{name}: column 'cohort' must be an integer year; rows "
                               f"{list(bad)} hold {out.loc[bad, 'cohort'].tolist()}")
    missing = out.index[out["city_code"].isna()]
    if len(missing):
        raise MethodInputError(f"{name}: column 'city_code' is missing at rows {list(missing)}")
    dup = out.index[out["city_code"].duplicated(keep=False)]
    if len(dup):
        raise MethodInputError(f"{name}: column 'city_code' lists a city twice at rows "
                               f"{list(dup)} ({out.loc[dup, 'name_zh'].tolist()})")
    out["cohort"] = cohort.astype(int)
    return out


def cumulative_membership(members: pd.DataFrame, first_year: int | None = None,
                          last_year: int | None = None) -> pd.DataFrame:
    """Members of the committee in every year, counted at the end of the year.

    .. math:: N_t = \\#\\{i : \\text{cohort}_i \\le t\\}

    Parameters
    ----------
    members : DataFrame
        ``city_code``, ``name_zh``, ``cohort`` (see :func:`validate_members`).
    first_year, last_year : int, optional
        Range of years (default: first to last cohort).

    Returns
    -------
    DataFrame
        ``year``, ``joined`` (cities admitted that year), ``members`` (running total).
    """
    members = validate_members(members)
    first = int(members["cohort"].min()) if first_year is None else int(first_year)
    last = int(members["cohort"].max()) if last_year is None else int(last_year)
    if last < first:
        raise MethodInputError(f"cumulative_membership: last_year {last} < first_year {first}")
    years = np.arange(first, last + 1)
    joined = members.groupby("cohort").size().reindex(years, fill_value=0)
    before = int((members["cohort"] < first).sum())
    return pd.DataFrame({"year": years, "joined": joined.to_numpy(),
                         "members": before + joined.cumsum().to_numpy()})


def cohort_table(members: pd.DataFrame) -> pd.DataFrame:
    """One row per cohort: ``cohort``, ``joined``, ``members`` (running total), ``cities_zh``
    (short names joined by "、") and ``meeting_zh`` (when the table has it)."""
    members = validate_members(members)
    from cityclusters.data.names import short_name

    rows = []
    total = 0
    for cohort, part in members.sort_values(["cohort", "city_code"]).groupby("cohort"):
        total += len(part)
        row = {"cohort": int(cohort), "joined": len(part), "members": total,
               "cities_zh": "、".join(short_name(n) for n in part["name_zh"])}
        if "meeting_zh" in part:
            row["meeting_zh"] = part["meeting_zh"].iloc[0]
        rows.append(row)
    return pd.DataFrame(rows)


def chinese_ordinal(text: str) -> int | None:
    """The meeting number in a text such as "第十三次市长联席会议" (13) or "首次会议" (1).

    Handles 第N次 with N from 一 to 九十九 written in Chinese numerals (十, 十三, 二十, 二十一)
    or Arabic digits; returns None when the text names no number.
    """
    if not isinstance(text, str):
        return None
    if "首次" in text:
        return 1
    match = re.search(r"第([一二三四五六七八九十\d]+)次", text)
    if not match:
        return None
    word = match.group(1)
    if word.isdigit():
        return int(word)
    if "十" in word:
        tens, _, units = word.partition("十")
        return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)
    return _DIGITS[word]


def meeting_ordinals(members: pd.DataFrame) -> pd.DataFrame:
    """The number of the meeting at which each cohort joined, parsed from ``meeting_zh``.

    Returns ``cohort`` and ``meeting`` (int; cohorts whose text names no meeting are left out,
    e.g. the 1992 precursor forum).
    """
    _require(members, ["cohort", "meeting_zh"], "yrd_committee_members")
    table = members.drop_duplicates("cohort")[["cohort", "meeting_zh"]].copy()
    table["meeting"] = table["meeting_zh"].map(chinese_ordinal)
    table = table.dropna(subset=["meeting"])
    return table.assign(cohort=table["cohort"].astype(int), meeting=table["meeting"].astype(int))[
        ["cohort", "meeting"]].sort_values("cohort").reset_index(drop=True)


def members_in_year(members: pd.DataFrame, year: int) -> set:
    """City codes that were committee members at the end of ``year``."""
    members = validate_members(members)
    return set(members.loc[members["cohort"] <= year, "city_code"])


def plan_coverage(members: pd.DataFrame, plan_members: pd.DataFrame, years: Iterable[int]) -> pd.DataFrame:
    """How many of each cluster plan's cities were committee members, year by year.

    Parameters
    ----------
    members : DataFrame
        Committee members (``city_code``, ``name_zh``, ``cohort``).
    plan_members : DataFrame
        ``cluster_id``, ``city_code`` (e.g. :func:`cityclusters.data.tables.clusters`, filtered).

    Returns
    -------
    DataFrame
        ``cluster_id``, ``year``, ``plan_cities``, ``in_committee``, ``share``.
    """
    _require(plan_members, ["cluster_id", "city_code"], "plan_members")
    rows = []
    for year in years:
        inside = members_in_year(members, year)
        for cluster, part in plan_members.groupby("cluster_id", sort=False):
            codes = set(part["city_code"])
            rows.append({"cluster_id": cluster, "year": int(year), "plan_cities": len(codes),
                         "in_committee": len(codes & inside),
                         "share": len(codes & inside) / len(codes)})
    return pd.DataFrame(rows)


def joining_gdp_per_capita(members: pd.DataFrame, panel: pd.DataFrame, first_year: int,
                           last_year: int, at_year: int | None = None) -> pd.DataFrame:
    """GDP per head of every member relative to the founders' mean, in the year it joined.

    .. math:: r_i = y_{i,\\tau_i} \\Big/ \\frac{1}{|F|}\\sum_{f \\in F} y_{f,\\tau_i},
       \\qquad \\tau_i = \\max(\\text{cohort}_i, \\text{first\\_year})

    with y the GDP per head (元 per resident, current prices; both in the same year, so prices
    cancel) and F the founders (the earliest cohort) observed in year τ_i. A cohort that joined
    before ``first_year`` (the panel starts in 2000) is measured in ``first_year`` and flagged
    ``measured_later``; a cohort that joined after ``last_year`` is not measured (``reason``).
    With ``at_year`` every member is measured in that one year instead.

    Parameters
    ----------
    members : DataFrame
        ``city_code``, ``name_zh``, ``cohort``.
    panel : DataFrame
        ``city_code``, ``year``, ``gdp_per_capita`` (:func:`cityclusters.data.tables.city_year`).

    Returns
    -------
    DataFrame
        One row per member: ``city_code``, ``name_zh``, ``cohort``, ``measure_year``,
        ``measured_later``, ``gdp_per_capita``, ``founders_mean``, ``n_founders``
        (founders with a value that year), ``relative``, ``reason`` (why ``relative`` is
        missing, else empty).
    """
    members = validate_members(members)
    _require(panel, ["city_code", "year", "gdp_per_capita"], "panel")
    founders = set(members.loc[members["cohort"] == members["cohort"].min(), "city_code"])
    value = panel.dropna(subset=["gdp_per_capita"]).set_index(["city_code", "year"])["gdp_per_capita"]
    if value.index.duplicated().any():
        dup = value.index[value.index.duplicated()].tolist()[:5]
        raise MethodInputError(f"panel: (city_code, year) not unique, e.g. {dup}")
    rows = []
    for row in members.itertuples():
        if at_year is not None:
            year = int(at_year)
        elif row.cohort > last_year:
            year = None
        else:
            year = max(int(row.cohort), int(first_year))
        out = {"city_code": row.city_code, "name_zh": row.name_zh, "cohort": int(row.cohort),
               "measure_year": year, "measured_later": year is not None and year > row.cohort,
               "gdp_per_capita": np.nan, "founders_mean": np.nan, "n_founders": 0,
               "relative": np.nan, "reason": ""}
        if year is None:
            out["reason"] = f"joined after {last_year}"
            rows.append(out)
            continue
        base = [value[(f, year)] for f in founders if (f, year) in value.index]
        out["n_founders"] = len(base)
        out["founders_mean"] = float(np.mean(base)) if base else np.nan
        if (row.city_code, year) in value.index:
            out["gdp_per_capita"] = float(value[(row.city_code, year)])
        else:
            out["reason"] = f"no GDP per head in {year}"
        if not base:
            out["reason"] = f"no founder has GDP per head in {year}"
        out["relative"] = out["gdp_per_capita"] / out["founders_mean"] if base else np.nan
        rows.append(out)
    table = pd.DataFrame(rows)
    table["measure_year"] = table["measure_year"].astype("Int64")
    return table


def cohort_relative_summary(joined: pd.DataFrame) -> pd.DataFrame:
    """Per cohort: ``cohort``, ``measure_year``, ``joined``, ``measured`` (cities with a value),
    ``mean_relative``, ``median_relative``, ``min_relative``, ``max_relative`` (from
    :func:`joining_gdp_per_capita`)."""
    _require(joined, ["cohort", "measure_year", "relative"], "joined")
    out = joined.groupby("cohort").agg(
        measure_year=("measure_year", "first"), joined=("relative", "size"),
        measured=("relative", "count"), mean_relative=("relative", "mean"),
        median_relative=("relative", "median"), min_relative=("relative", "min"),
        max_relative=("relative", "max"))
    return out.reset_index()


def cohort_trend(summary: pd.DataFrame, column: str = "mean_relative") -> dict:
    """Did later cohorts join poorer? Compare consecutive measured cohorts.

    Returns ``n_steps`` (pairs of consecutive cohorts with a value), ``n_down`` (steps where
    ``column`` fell), ``monotone`` (every step fell), ``spearman`` (rank correlation of cohort
    year and ``column``; NaN with fewer than three cohorts), ``first`` / ``last`` (the value of
    the first and last measured cohort) and their cohorts.
    """
    _require(summary, ["cohort", column], "summary")
    s = summary.dropna(subset=[column]).sort_values("cohort")
    diffs = np.diff(s[column].to_numpy())
    rho = s["cohort"].corr(s[column], method="spearman") if len(s) >= 3 else np.nan
    return {"n_steps": len(diffs), "n_down": int((diffs < 0).sum()),
            "monotone": bool(len(diffs) > 0 and (diffs < 0).all()), "spearman": float(rho),
            "first": float(s[column].iloc[0]) if len(s) else np.nan,
            "last": float(s[column].iloc[-1]) if len(s) else np.nan,
            "first_cohort": int(s["cohort"].iloc[0]) if len(s) else None,
            "last_cohort": int(s["cohort"].iloc[-1]) if len(s) else None}


def timeline_events(events: pd.DataFrame, clusters: Sequence[str], first_year: int, last_year: int,
                    plan_members: pd.DataFrame | None = None,
                    types: Sequence[str] = TIMELINE_TYPES) -> pd.DataFrame:
    """Dated events of the chosen clusters within ``first_year``–``last_year``.

    An event belongs to a cluster if its ``cluster_id`` is one of :data:`EVENT_CLUSTERS` of a
    chosen cluster or, for events without a cluster (e.g. an HSR line across several
    clusters), if one of its ``cities_zh`` is a member of a chosen cluster in
    ``plan_members`` (``cluster_id``, ``name_zh``).

    Returns the events (all columns) sorted by date, restricted to ``types``.
    """
    _require(events, ["event_id", "event_type", "date", "year", "cluster_id", "cities_zh"], "events")
    unknown = [c for c in clusters if c not in EVENT_CLUSTERS]
    if unknown:
        raise MethodInputError(f"timeline_events: unknown cluster id(s) {unknown}; valid: "
                               f"{list(EVENT_CLUSTERS)}")
    ids = {e for c in clusters for e in EVENT_CLUSTERS[c]}
    names: set = set()
    if plan_members is not None:
        _require(plan_members, ["cluster_id", "name_zh"], "plan_members")
        names = set(plan_members.loc[plan_members["cluster_id"].isin(clusters), "name_zh"])
    def belongs(row) -> bool:
        if isinstance(row.cluster_id, str) and row.cluster_id:
            return row.cluster_id in ids
        cities = str(row.cities_zh).split(";") if isinstance(row.cities_zh, str) else []
        return bool(names.intersection(cities))
    keep = events[events["event_type"].isin(types) & events["year"].between(first_year, last_year)]
    keep = keep[[belongs(r) for r in keep.itertuples()]] if len(keep) else keep
    return keep.sort_values(["date", "event_id"]).reset_index(drop=True)


def decimal_year(date: str) -> float:
    """"2016-05-22" → 2016.39 (mid-day of the date), "2016-06" → mid-month, "1992" → 1992.5."""
    parts = str(date).split("-")
    year = int(parts[0])
    if len(parts) == 1:
        return year + 0.5
    month = int(parts[1])
    if len(parts) == 2:
        return year + (month - 0.5) / 12
    stamp = pd.Timestamp(year=year, month=month, day=int(parts[2]))
    days = 366 if stamp.is_leap_year else 365
    return year + (stamp.day_of_year - 0.5) / days


def annual_border_gap(panel: pd.DataFrame, cities: pd.DataFrame, first_year: int,
                      last_year: int) -> pd.DataFrame:
    """Yearly border term on absolute annual relative-price changes inside one set of cities.

    For every pair (i, j) and year t (both observed in t−1 and t):

    .. math:: a_{ij,t} = |\\Delta \\ln(P_{it}/P_{jt})|, \\qquad
       a_{ij,t} = \\alpha_t + \\beta_t \\ln d_{ij} + \\gamma_t B_{ij} + u_{ij,t}

    with P the city GDP deflator, d the great-circle distance (km) and B = 1 for a pair in two
    provinces; γ_t is estimated year by year by OLS with dyadic-robust standard errors and
    t(G−1) inference (:func:`cityclusters.models.panel.ols_regression` with ``dyadic``, the
    estimator of :func:`cityclusters.indicators.market.border_effect_regression`, called
    directly because only γ is needed: that function's distance equivalent exp(γ/β) overflows
    in years when β is close to zero). γ_t > 0: prices of cities in different provinces moved apart more than
    those of equally distant cities in one province that year. This is the one-year analogue
    of the Engel–Rogers volatility regression; it is a *proxy* for market integration and
    says nothing directly about cooperation between governments.

    Parameters
    ----------
    panel : DataFrame
        ``city_code``, ``province_zh``, ``year``, ``gdp_deflator`` for the cities of one set.
    cities : DataFrame
        ``city_code``, ``lon``, ``lat``.

    Returns
    -------
    DataFrame
        ``year``, ``n_cities``, ``n_pairs``, ``n_cross``, ``mean_within``, ``mean_cross``
        (mean a of within- and cross-province pairs, log points as a fraction), ``gamma``,
        ``gamma_ci_low``, ``gamma_ci_high``. Years without both kinds of pair get NaN.
    """
    import warnings

    _require(panel, ["city_code", "province_zh", "year", "gdp_deflator"], "panel")
    _require(cities, ["city_code", "lon", "lat"], "cities")
    data = panel[panel["year"].between(first_year - 1, last_year)].dropna(subset=["gdp_deflator"])
    coords = cities.drop_duplicates("city_code").set_index("city_code")[["lon", "lat"]]
    members = data.drop_duplicates("city_code")[["city_code", "province_zh"]]
    no_xy = [c for c in members["city_code"] if c not in coords.index or coords.loc[c].isna().any()]
    if no_xy:
        raise MethodInputError(f"cities: no lon/lat for city_code {no_xy}")
    pairs = market.city_pairs(members.join(coords, on="city_code"), province="province_zh")
    logp = np.log(data.pivot(index="year", columns="city_code", values="gdp_deflator"))
    rows = []
    for year in range(first_year, last_year + 1):
        if year not in logp.index or year - 1 not in logp.index:
            continue
        change = logp.loc[year] - logp.loc[year - 1]
        part = pairs.assign(abs_change=(change.reindex(pairs["city_i"]).to_numpy()
                                        - change.reindex(pairs["city_j"]).to_numpy()))
        part["abs_change"] = part["abs_change"].abs()
        part = part.dropna(subset=["abs_change"])
        n_cross = int(part["cross_province"].sum())
        row = {"year": year, "n_cities": len(set(part["city_i"]) | set(part["city_j"])),
               "n_pairs": len(part), "n_cross": n_cross,
               "mean_within": part.loc[part["cross_province"] == 0, "abs_change"].mean(),
               "mean_cross": part.loc[part["cross_province"] == 1, "abs_change"].mean(),
               "gamma": np.nan, "gamma_ci_low": np.nan, "gamma_ci_high": np.nan}
        if 0 < n_cross < len(part):
            part = part.assign(ln_distance=np.log(part["distance_km"].astype(float)),
                               cross_province=part["cross_province"].astype(float))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = ols_regression(part.reset_index(drop=True), "abs_change",
                                     ["ln_distance", "cross_province"],
                                     dyadic=("city_i", "city_j"))
            g = fit.coefficient("cross_province")
            row.update(gamma=g["estimate"], gamma_ci_low=g["ci_low"], gamma_ci_high=g["ci_high"])
        rows.append(row)
    return pd.DataFrame(rows, columns=["year", "n_cities", "n_pairs", "n_cross", "mean_within",
                                       "mean_cross", "gamma", "gamma_ci_low", "gamma_ci_high"])


def period_means(series: pd.DataFrame, periods: Mapping[str, tuple[int, int]],
                 column: str = "gamma") -> pd.DataFrame:
    """Mean of ``column`` over the years of each period (label → (first, last) year),
    with the number of years that had a value (``years``); periods with none get NaN."""
    _require(series, ["year", column], "series")
    rows = []
    for label, (first, last) in periods.items():
        part = series.loc[series["year"].between(first, last), column].dropna()
        rows.append({"period": label, "first": first, "last": last, "years": len(part),
                     "mean": float(part.mean()) if len(part) else np.nan})
    return pd.DataFrame(rows)


def validate_map_year(map_year: int, members: pd.DataFrame, last_allowed: int) -> None:
    """MAP_YEAR must be an integer between the first cohort and ``last_allowed``."""
    first = int(pd.to_numeric(members["cohort"]).min())
    if isinstance(map_year, bool) or not isinstance(map_year, (int, np.integer)) \
            or not first <= map_year <= last_allowed:
        raise ValueError(f"MAP_YEAR must be an integer year between {first} (the first cohort) "
                         f"and {last_allowed}; got {map_year!r}")
