"""The tidy table of observed inter-city flows (Baidu Qianxi), its defects, its coverage and a
cross-check of the two crawls.

:func:`build_flow_tables` reads every registered daily file of both sources
(:mod:`cityclusters.data.sources.flows`) and returns four tables:

``flows``        one row per (source, direction, date, origin, destination) of two
                 prefecture-level cities: ``origin_code``, ``destination_code`` (crosswalk
                 ``city_code``), ``date``, ``share`` (fraction of the *focal* city's total
                 move-in (``direction`` = in, focal = destination) or move-out (out, focal =
                 origin) that goes to or comes from the partner: Baidu's percentage / 100),
                 ``volume`` (share × the focal city's daily Baidu scale index, in index units;
                 2021 only, NaN for the 2020 matrices, which carry no index), ``source``
                 (``baidu_2021`` | ``eeid_2020``), ``direction``, ``rank`` (the partner's
                 place in the focal list, 1 = largest);
``flow_defects`` every row of the files that is not a flow between two prefecture-level
                 cities of the crosswalk, and every name that needed harmonising, with the
                 file, the name, the number of rows, the share of the focal city's flows
                 involved and what was done (never a silent drop);
``flow_coverage`` one row per focal city, date and direction: the number of partners listed,
                 the focal city's scale index (2021: recovered by
                 :func:`~cityclusters.data.sources.flows.share_quantum`) and ``coverage``, the
                 share of its flows that its top-100 list covers (2021: Σ num / index; 2020:
                 the row sum of the matrix / 100);
``flow_cross_check`` agreement checks: the two lists that report the same flow in 2021
                 (origin's out-list vs destination's in-list, same day: Spearman rank
                 correlation and median ratio of volumes), and the 2020 baseline against 2021
                 (per focal city, Spearman correlation of partner shares over the partners
                 both list). The two crawls share no day in the mirror (2021-04 vs 2020-01),
                 so the second check compares two periods of the same measurement, not two
                 measurements of one day.

Known defects and what happens to them (``defect`` column of ``flow_defects``):

* ``copy_of_other_unit``: a focal list of a unit that no longer existed (莱芜, merged into
  济南 in 2019) identical, partner by partner, to another focal list of the same file:
  excluded (it would double 济南's flows). A list of a non-existent unit that is *not* a copy
  is an error.
* ``mixed_units``: a focal list that names a partner more than once (三亚 in 2021: two
  stacked lists, each partner twice at two scales, one of them listing 三亚 itself): the
  units cannot be told apart, excluded.
* ``province_row``: a province-level focal unit (浙江 on some 2021 days; 27 province rows in
  the 2020 matrices): excluded.
* ``focal_not_prefecture`` / ``partner_not_prefecture``: county-level units directly under a
  province (Hainan, Hubei, Henan, Xinjiang), Hong Kong, Macau: not cities of the crosswalk,
  excluded from ``flows``; as partners their share stays in the focal city's total (shares are
  of the focal city's total flows, not of the listed partners).
* ``empty_abolished_unit``: the 2020 matrices' 巢湖市 (abolished 2011), an empty row and
  column: excluded.
* ``outdated_name``: a name the crosswalk knows under its current name (毕节地区 → 毕节市):
  harmonised, kept.
* ``self_flow``: a focal city listed as its own partner after harmonisation: excluded.
* ``zero_share``: a listed partner whose share rounds to 0.00 %: kept with share 0.
* ``index_ambiguous``: a 2021 list whose scale index cannot be recovered uniquely
  (:func:`~cityclusters.data.sources.flows.scale_index`): kept with shares of the listed
  partners (upper bounds) and volumes as printed; coverage unknown.
* ``top100_truncation``: one row per source and direction summarising ``flow_coverage``: the
  flows beyond each city's 100th partner are not in the files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cityclusters.data.sources import flows as src
from cityclusters.errors import SourceFormatError

FLOW_COLUMNS = ["origin_code", "destination_code", "date", "share", "volume", "source", "direction", "rank"]
DEFECT_COLUMNS = ["source", "key", "date", "direction", "defect", "name", "unit_name", "role", "n_rows",
                  "share_of_focal_flows", "action", "note"]
COVERAGE_COLUMNS = ["source", "direction", "date", "focal_code", "n_partners", "index", "coverage"]
#: The 2020 baseline: 1–9 January, before the Spring Festival travel season (春运) began on
#: 10 January 2020 (Ministry of Transport, 2020年春运 1月10日–2月18日); 武汉 was locked down on
#: 23 January.
BASELINE_2020 = ("2020-01-01", "2020-01-09")

_ACTIONS = {
    "copy_of_other_unit": "excluded (duplicate list)",
    "mixed_units": "excluded (units cannot be separated)",
    "province_row": "excluded (not a city)",
    "focal_not_prefecture": "excluded (not a prefecture-level city)",
    "partner_not_prefecture": "excluded from flows; share kept in the focal city's total",
    "partner_province": "excluded (not a city)",
    "empty_abolished_unit": "excluded (empty row and column)",
    "outdated_name": "harmonised to the current name",
    "self_flow": "excluded",
    "zero_share": "kept with share 0",
    "index_ambiguous": "kept; shares of the listed partners (upper bounds)",
}


def _defect(defects: list, *, source, key, date, direction, defect, name, unit_name=None, role="focal",
            n_rows, share=np.nan, note="") -> None:
    defects.append({"source": source, "key": key, "date": date, "direction": direction, "defect": defect,
                    "name": name, "unit_name": unit_name, "role": role, "n_rows": int(n_rows),
                    "share_of_focal_flows": float(share), "action": _ACTIONS[defect], "note": note})


def _name_table(names: pd.DataFrame, where: str, column: str, rows: pd.DataFrame) -> None:
    unknown = names[names["rule"] == "unknown"]["name"].tolist()
    if unknown:
        bad = rows[rows[column].isin(unknown)]
        raise SourceFormatError(f"{where}: {len(bad)} row(s) name a unit that is neither a prefecture of the "
                                f"crosswalk, a province nor a census unit (column '{column}'): {unknown[:10]}, "
                                f"rows {bad['source_row'].tolist()[:10]}. Add an alias or fix the name.")


def harmonise_day(raw: pd.DataFrame, names: pd.DataFrame, *, source: str, key: str, date, direction: str,
                  matrix: bool = False) -> tuple[pd.DataFrame, list, pd.DataFrame]:
    """One daily file's rows (``focal``, ``partner``, ``num`` (2021) or ``share_pct``
    (2020), ``source_row``) → its tidy flows, its defect records and its coverage rows.

    ``names`` is :func:`cityclusters.data.sources.flows.match_flow_names` of every name in
    the file (``name``, ``rule``, ``city_code``, ``unit_name``, ``outdated``). Errors name
    ``key`` and the rows: an unknown name; a list of a unit that did not exist that day which
    is not a copy of another list; two rows on one (origin, destination) after harmonising.
    """
    defects: list = []
    common = {"source": source, "key": key, "date": date, "direction": direction}
    focal_col = "city_id_name" if not matrix else "first column (row unit)"
    partner_col = "city_name" if not matrix else "header (column unit)"
    by_name = names.set_index("name")
    # pandas deep-copies a frame's attrs into every result derived from it: the matrix's unit
    # list is read once and dropped (that copying was a fifth of the flow tables' build time)
    units = raw.attrs.get("units", [])
    raw = raw.copy(deep=False)
    raw.attrs = {}
    for column, label in (("focal", focal_col), ("partner", partner_col)):
        # isin over the distinct names: string isin walks its argument in Python
        _name_table(names[names["name"].isin(raw[column].unique())], key, column, raw)
    rows = raw.copy()
    rows["focal_rule"] = rows["focal"].map(by_name["rule"])
    rows["partner_rule"] = rows["partner"].map(by_name["rule"])
    excluded_focal = pd.Series(False, index=rows.index)

    # lists that name a partner twice: units mixed in one list (三亚 2021)
    twice = rows.duplicated(["focal", "partner"], keep=False)
    for focal in rows.loc[twice, "focal"].unique():
        group = rows["focal"] == focal
        self_listed = bool((rows.loc[group, "partner"] == focal).any())
        _defect(defects, **common, defect="mixed_units", name=focal, unit_name=by_name.at[focal, "unit_name"],
                n_rows=group.sum(), note=f"{int(twice[group].sum())} rows repeat a partner"
                + ("; the list names the focal unit itself" if self_listed else ""))
        excluded_focal |= group

    # units that did not exist that day: a copy of another list is excluded, anything else is an error
    value = "num" if not matrix else "share_pct"
    sums = rows.groupby("focal")[value].agg(["size", "sum"])
    for focal in rows.loc[rows["focal_rule"] == "out_of_years", "focal"].unique():
        group = rows["focal"] == focal
        mine = rows.loc[group, ["partner", value]].sort_values("partner").reset_index(drop=True)
        twins = []
        candidates = sums.index[(sums["size"] == sums.at[focal, "size"])
                                & np.isclose(sums["sum"], sums.at[focal, "sum"], rtol=1e-12, atol=0)]
        for other in candidates.drop(focal):
            theirs = rows.loc[rows["focal"] == other, ["partner", value]].sort_values("partner").reset_index(drop=True)
            if theirs["partner"].equals(mine["partner"]) and np.allclose(theirs[value], mine[value], rtol=1e-12, atol=0):
                twins.append(other)
        if not twins:
            raise SourceFormatError(f"{key}: rows {rows.loc[group, 'source_row'].tolist()[:5]} list flows of "
                                    f"{focal!r} (column '{focal_col}'), a unit that did not exist on {date:%Y-%m-%d}, "
                                    "and the list is not a copy of another unit's list.")
        _defect(defects, **common, defect="copy_of_other_unit", name=focal, unit_name=by_name.at[focal, "unit_name"],
                n_rows=group.sum(), note=f"identical to the list of {twins[0]}")
        excluded_focal |= group
    for focal in rows.loc[(rows["focal_rule"] == "province") & ~excluded_focal, "focal"].unique():
        group = rows["focal"] == focal
        _defect(defects, **common, defect="province_row", name=focal, unit_name=by_name.at[focal, "unit_name"],
                n_rows=group.sum())
        excluded_focal |= group
    for focal in rows.loc[(rows["focal_rule"] == "not_prefecture") & ~excluded_focal, "focal"].unique():
        group = rows["focal"] == focal
        _defect(defects, **common, defect="focal_not_prefecture", name=focal,
                unit_name=by_name.at[focal, "unit_name"], n_rows=group.sum())
        excluded_focal |= group
    if matrix:
        for unit in units:
            if unit in by_name.index and by_name.at[unit, "rule"] == "out_of_years":
                if (raw["focal"] == unit).any() or (raw["partner"] == unit).any():
                    bad = raw[(raw["focal"] == unit) | (raw["partner"] == unit)]
                    raise SourceFormatError(f"{key}: row {int(bad['source_row'].iloc[0])}, column "
                                            f"'{bad['source_column'].iloc[0]}': a flow of {unit!r}, a unit that "
                                            f"did not exist on {date:%Y-%m-%d}.")
                _defect(defects, **common, defect="empty_abolished_unit", name=unit,
                        unit_name=by_name.at[unit, "unit_name"], n_rows=0)
    rows = rows[~excluded_focal].copy()

    # shares of the focal city's total flows, its index and the coverage of its list
    if matrix:
        rows["share"] = rows["share_pct"] / 100.0
        rows["volume"] = np.nan
        index = pd.Series(np.nan, index=pd.Index(rows["focal"].unique()))
    else:
        rows["volume"] = rows["num"]
        index = {}
        for focal, values in rows.groupby("focal", sort=False)["num"]:
            try:
                value, _, determined = src.scale_index(values.to_numpy())
            except ValueError as exc:
                raise SourceFormatError(f"{key}: column 'num' of {focal!r} (rows {rows.loc[values.index, 'source_row'].min()}"
                                        f"–{rows.loc[values.index, 'source_row'].max()}): {exc}.") from exc
            index[focal] = value
            if not determined:
                _defect(defects, **common, defect="index_ambiguous", name=focal,
                        unit_name=by_name.at[focal, "unit_name"], n_rows=len(values),
                        note="the 0.01 % quantum is ambiguous (the list's common divisor gives a coverage "
                             "≤ 50 %): shares are of the listed partners (upper bounds), coverage unknown")
        index = pd.Series(index, dtype=float)
        determined = pd.Series({f: not any(d["defect"] == "index_ambiguous" and d["name"] == f for d in defects)
                                for f in index.index})
        rows["share"] = rows["num"] / rows["focal"].map(index)
    totals = rows.groupby("focal", sort=False)["share"].agg(["size", "sum"])
    coverage = pd.DataFrame({"focal": totals.index, "n_partners": totals["size"].to_numpy(),
                             "index": index.reindex(totals.index).to_numpy(), "coverage": totals["sum"].to_numpy()})
    if not matrix:
        unknown = ~determined.reindex(totals.index).fillna(True).to_numpy(bool)
        coverage.loc[unknown, ["index", "coverage"]] = np.nan
    rows["rank"] = rows.groupby("focal")["share"].rank(method="first", ascending=False).astype(int)

    # partners that are not prefecture-level cities
    for rule, defect in (("not_prefecture", "partner_not_prefecture"), ("province", "partner_province")):
        hit = rows["partner_rule"] == rule
        for partner, group in rows[hit].groupby("partner"):
            _defect(defects, **common, defect=defect, name=partner, unit_name=by_name.at[partner, "unit_name"],
                    role="partner", n_rows=len(group), share=group["share"].sum() / max(group["focal"].nunique(), 1),
                    note=f"listed by {group['focal'].nunique()} focal cit(ies); mean share per listing city")
    rows = rows[rows["partner_rule"].isin(["name_in_year", "name_other_year"])].copy()
    if (rows["partner_rule"] == "out_of_years").any():  # pragma: no cover - excluded above
        raise AssertionError
    counts = pd.concat([rows["focal"], rows["partner"]]).value_counts()
    for name, n in counts.items():
        if by_name.at[name, "outdated"]:
            _defect(defects, **common, defect="outdated_name", name=name, unit_name=by_name.at[name, "unit_name"],
                    role="focal or partner", n_rows=n)
    rows["focal_code"] = rows["focal"].map(by_name["city_code"]).astype(int)
    rows["partner_code"] = rows["partner"].map(by_name["city_code"]).astype(int)
    self_flow = rows["focal_code"] == rows["partner_code"]
    for focal, group in rows[self_flow].groupby("focal"):
        _defect(defects, **common, defect="self_flow", name=focal, unit_name=by_name.at[focal, "unit_name"],
                n_rows=len(group), share=group["share"].sum())
    rows = rows[~self_flow]
    zero = rows["share"] == 0
    if zero.any():
        _defect(defects, **common, defect="zero_share", name=f"{int(zero.sum())} listing(s)", role="partner",
                n_rows=int(zero.sum()), note="; ".join(f"{a}–{b}" for a, b in rows.loc[zero, ["focal", "partner"]].head(5).to_numpy()))
    dup = rows.duplicated(["focal_code", "partner_code"], keep=False)
    if dup.any():
        bad = rows[dup]
        raise SourceFormatError(f"{key}: rows {bad['source_row'].tolist()[:6]} give one (focal, partner) pair "
                                f"twice after harmonising names (columns '{focal_col}', '{partner_col}').")
    if direction == "out":
        origin, destination = rows["focal_code"], rows["partner_code"]
    else:
        origin, destination = rows["partner_code"], rows["focal_code"]
    flows = pd.DataFrame({"origin_code": origin.to_numpy(), "destination_code": destination.to_numpy(),
                          "date": date, "share": rows["share"].to_numpy(float), "volume": rows["volume"].to_numpy(float),
                          "source": source, "direction": direction, "rank": rows["rank"].to_numpy()})
    cov = coverage
    cov.insert(0, "focal_code", cov["focal"].map(by_name["city_code"]).astype(int))
    cov = cov.drop(columns="focal").assign(source=source, direction=direction, date=date)[COVERAGE_COLUMNS]
    return flows, defects, cov


def _read_source(source: str) -> tuple[list, pd.DataFrame]:
    keys = src.day_keys(source)
    raws = []
    for item in keys.itertuples():
        if source == src.SOURCE_2021:
            raws.append(src.read_baidu_day(item.key))
        else:
            raws.append(src.read_eeid_day(item.key))
    return raws, keys


def build_flow_tables() -> dict[str, pd.DataFrame]:
    """``flows``, ``flow_defects``, ``flow_coverage`` and ``flow_cross_check`` (see the module
    docstring), from every registered daily file of both crawls."""
    flows, defects, coverage = [], [], []
    for source, year in ((src.SOURCE_2021, 2021), (src.SOURCE_2020, 2020)):
        raws, keys = _read_source(source)
        everything = set()
        for raw in raws:
            # the distinct names of each file (iterating every row's name took seconds)
            everything |= set(raw["focal"].unique()) | set(raw["partner"].unique()) | set(raw.attrs.get("units", []))
        names = src.match_flow_names(sorted(everything), year)
        for raw, item in zip(raws, keys.itertuples()):
            f, d, c = harmonise_day(raw, names, source=source, key=item.key, date=item.date,
                                    direction=item.direction, matrix=source == src.SOURCE_2020)
            flows.append(f)
            defects.extend(d)
            coverage.append(c)
    flow_table = pd.concat(flows, ignore_index=True)
    for column in ("source", "direction"):
        flow_table[column] = flow_table[column].astype("category")
    for column in ("origin_code", "destination_code", "rank"):
        flow_table[column] = flow_table[column].astype("int32")
    flow_table = flow_table.sort_values(["source", "direction", "date", "origin_code", "destination_code"]).reset_index(drop=True)
    coverage_table = pd.concat(coverage, ignore_index=True)
    defect_table = pd.DataFrame(defects, columns=DEFECT_COLUMNS)
    defect_table = pd.concat([defect_table, truncation_defects(coverage_table)], ignore_index=True)
    return {"flows": flow_table, "flow_defects": defect_table, "flow_coverage": coverage_table,
            "flow_cross_check": cross_check(flow_table)}


def truncation_defects(coverage: pd.DataFrame) -> pd.DataFrame:
    """One ``top100_truncation`` row per source and direction: the share of flows the top-100
    lists cover (median and 5th percentile over focal city-days, in ``note``; the median share
    missing in ``share_of_focal_flows``)."""
    rows = []
    for (source, direction), group in coverage.groupby(["source", "direction"], observed=True):
        cov = group["coverage"].dropna()
        rows.append({"source": source, "key": "", "date": pd.NaT, "direction": direction,
                     "defect": "top100_truncation", "name": "every focal city", "unit_name": None,
                     "role": "partner", "n_rows": int(len(group)), "share_of_focal_flows": float(1 - cov.median()),
                     "action": "reported (flows beyond the 100th partner are not in the files)",
                     "note": f"top-100 lists cover a median {cov.median():.1%} of a city's flows "
                             f"(5th percentile {cov.quantile(0.05):.1%}, minimum {cov.min():.1%}) "
                             f"over {len(group)} city-days"})
    return pd.DataFrame(rows, columns=DEFECT_COLUMNS)


def cross_check(flows: pd.DataFrame) -> pd.DataFrame:
    """The agreement checks of the module docstring, one row per check, direction and focal
    city (``focal_code`` 0 = all pairs pooled): ``check``, ``direction``, ``focal_code``,
    ``n_pairs``, ``spearman`` (rank correlation), ``median_ratio`` (in-list / out-list volume;
    NaN for the period check)."""
    rows = []
    new = flows[flows["source"] == src.SOURCE_2021]
    out = new[new["direction"] == "out"].set_index(["date", "origin_code", "destination_code"])["volume"]
    inn = new[new["direction"] == "in"].set_index(["date", "origin_code", "destination_code"])["volume"]
    both = pd.concat([out.rename("out"), inn.rename("in")], axis=1, join="inner")
    both = both[(both["out"] > 0) & (both["in"] > 0)]
    rows.append({"check": "2021 in-list vs out-list volume, same pair and day", "direction": "both",
                 "focal_code": 0, "n_pairs": len(both),
                 "spearman": float(stats.spearmanr(both["out"], both["in"]).statistic),
                 "median_ratio": float((both["in"] / both["out"]).median())})
    old = flows[(flows["source"] == src.SOURCE_2020)
                & flows["date"].between(pd.Timestamp(BASELINE_2020[0]), pd.Timestamp(BASELINE_2020[1]))]
    for direction in src.DIRECTIONS:
        focal, partner = ("origin_code", "destination_code") if direction == "out" else ("destination_code", "origin_code")
        a = old[old["direction"] == direction].groupby([focal, partner])["share"].mean()
        b = new[new["direction"] == direction].groupby([focal, partner])["share"].mean()
        pair = pd.concat([a.rename("y2020"), b.rename("y2021")], axis=1, join="inner")
        rows.append({"check": "2020 baseline vs 2021 shares, same focal city and partner", "direction": direction,
                     "focal_code": 0, "n_pairs": len(pair),
                     "spearman": float(stats.spearmanr(pair["y2020"], pair["y2021"]).statistic), "median_ratio": np.nan})
        for code, group in pair.groupby(level=0):
            if len(group) >= 10:
                rows.append({"check": "2020 baseline vs 2021 shares, same focal city and partner",
                             "direction": direction, "focal_code": int(code), "n_pairs": len(group),
                             "spearman": float(stats.spearmanr(group["y2020"], group["y2021"]).statistic),
                             "median_ratio": np.nan})
    return pd.DataFrame(rows)
