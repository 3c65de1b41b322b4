"""Market segmentation: the relative-price method and the border effect.

Two views of how integrated the goods markets of a city cluster are:

* :func:`relative_price_variance` — the relative-price (price-dispersion) segmentation index
  of Parsley & Wei and its Chinese adaptation by 桂琦寒, 陈敏, 陆铭 & 陈钊 (2006) and
  陈敏, 桂琦寒, 陆铭 & 陈钊 (2007), computed from chained retail price indices by good.
* :func:`relative_price_volatility` and :func:`border_effect_regression` — the "how wide is
  the border" design of Engel & Rogers (1996): the volatility of relative prices between
  two cities rises with distance, and a border between them adds volatility; the border
  is worth exp(γ/β) km of distance.

:func:`city_pairs` builds the pair table (great-circle distance, cross-province flag).
Pairs are unordered; a pair table names its members in two columns, by default
``city_i``/``city_j`` (``region_i``/``region_j`` for the price-variance index).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from scipy import stats

from cityclusters.checks import (
    preview_labels,
    require_choice,
    require_columns,
    require_finite,
    require_positive,
)
from cityclusters.errors import MethodInputError
from cityclusters.indicators.linkages import MEAN_EARTH_RADIUS_KM, great_circle_distance
from cityclusters.models.panel import ols_regression
from cityclusters.models.results import RegressionResult

__all__ = [
    "relative_price_variance",
    "relative_price_volatility",
    "border_effect_regression",
    "city_pairs",
]


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------

def _frame(data, argument: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise MethodInputError(f"{argument}: expected a pandas DataFrame, got {type(data).__name__}")
    if data.empty:
        raise MethodInputError(f"{argument}: the table has no rows")
    return data


def _pair_table(pairs, known: pd.Index, pair_columns: tuple[str, str], what: str,
                allow_none: bool = True) -> pd.DataFrame:
    """Normalise ``pairs`` (DataFrame or list of 2-tuples; None = all pairs) and check them."""
    a, b = pair_columns
    if pairs is None:
        if not allow_none:
            raise MethodInputError("pairs: a pair table is required")
        members = sorted(known)
        table = pd.DataFrame(list(itertools.combinations(members, 2)), columns=[a, b])
    elif isinstance(pairs, pd.DataFrame):
        require_columns(pairs, [a, b], "pairs")
        table = pairs.reset_index(drop=True).copy()
    else:
        try:
            table = pd.DataFrame([tuple(p) for p in pairs], columns=[a, b])
        except (TypeError, ValueError) as exc:
            raise MethodInputError(f"pairs: expected a DataFrame with columns {a!r}, {b!r} or a "
                                   f"list of 2-tuples ({exc})") from None
    if table.empty:
        raise MethodInputError("pairs: no pairs given")
    if table[[a, b]].isna().any().any():
        raise MethodInputError(f"pairs: missing member at rows "
                               f"{preview_labels(table.index[table[[a, b]].isna().any(axis=1)])}")
    unknown = sorted(set(table[a]).union(table[b]) - set(known), key=str)
    if unknown:
        raise MethodInputError(f"pairs: {what} {preview_labels(unknown)} named in a pair are not in the "
                               "price data")
    same = table[a] == table[b]
    if same.any():
        raise MethodInputError(f"pairs: a {what} paired with itself at rows {preview_labels(table.index[same])}")
    key = pd.Series([frozenset(p) for p in zip(table[a], table[b])])
    dup = key.duplicated(keep=False)
    if dup.any():
        raise MethodInputError(f"pairs: pair(s) listed twice (in either order): "
                               f"{preview_labels(sorted({tuple(sorted(k, key=str)) for k in key[dup]}))}")
    return table


def _no_duplicates(frame: pd.DataFrame, keys: list[str], argument: str) -> None:
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        combos = frame.loc[dup, keys].drop_duplicates().itertuples(index=False)
        raise MethodInputError(f"{argument}: duplicated {'-'.join(keys)} combination(s) "
                               f"{preview_labels([tuple(c) for c in combos])}")


# ---------------------------------------------------------------------------------------
# relative-price method
# ---------------------------------------------------------------------------------------

def relative_price_variance(prices: pd.DataFrame, region: str = "region", good: str = "good",
                            time: str = "year", pairs=None, value: str = "index",
                            level: str = "region", ddof: int = 1,
                            pair_columns: tuple[str, str] = ("region_i", "region_j")) -> pd.DataFrame:
    r"""Market-segmentation index by the relative-price method (相对价格法).

    FORMULA, for regions i, j, good k and year t, from chained price indices
    (previous year = 100)::

        ΔQ_ijt^k = | ln(P_it^k / P_it−1^k) − ln(P_jt^k / P_jt−1^k) |
                 = | ln(index_it^k / 100) − ln(index_jt^k / 100) |
        q_ijt^k  = ΔQ_ijt^k − mean_{pairs} ΔQ_·t^k          (remove the good–year component)
        V_ijt    = Var_k(q_ijt^k)                              (variance across goods)
        S_it     = mean_{j : (i,j) ∈ pairs} V_ijt              (regional index)

    The subtraction removes the part of |ΔQ| that is common to all pairs for a good in a
    year (good-specific shocks, "a^k"), so that V reflects region-pair-specific price
    movements — the market segmentation between i and j. Larger = more segmented.

    Parameters
    ----------
    prices : DataFrame
        Long table, one row per region, good and year, with the chained index in ``value``
        (previous year = 100; positive). The region × good × year grid must be complete.
    region, good, time, value : str
        Column names.
    pairs : DataFrame with ``pair_columns`` or list of 2-tuples, optional
        Region pairs to compare (the literature uses adjacent provinces); default all
        unordered pairs. At least two pairs (with one pair the de-meaned q is 0).
    level : {"region", "pair"}
        ``"region"`` returns S_it (columns region, time, ``segmentation``, ``n_pairs``);
        ``"pair"`` returns V_ijt (columns of ``pair_columns``, time, ``var_q``, ``n_goods``).
    ddof : int
        Delta degrees of freedom of the variance across goods (1 = sample variance, as
        Stata's ``egen sd`` squared; use 0 for the population variance).

    UNITS: squared log points (dimensionless); often reported ×10⁴.

    SOURCE: Parsley & Wei (1996), *Quarterly Journal of Economics* 111(4):1211–1236 and
    (2001), *Journal of International Economics* 55(1):87–105; 桂琦寒、陈敏、陆铭、陈钊
    (2006)《世界经济》(2):20–30; 陈敏、桂琦寒、陆铭、陈钊 (2007)《经济学(季刊)》7(1):125–150.

    Examples
    --------
    Three regions, two goods, one year; ln(index/100) is 0 except B's good 1 (0.02) and C's
    good 2 (0.04). For good 1, |ΔQ| = (0.02, 0, 0.02) over the pairs AB, AC, BC (mean 1/75)
    and q = (1/150, −1/75, 1/150); for good 2, |ΔQ| = (0, 0.04, 0.04) and
    q = (−2/75, 1/75, 1/75). V_AB = Var(1/150, −2/75) = (1/30)²/2 = 5.5556 × 10⁻⁴, and S_A is
    the mean of V_AB and V_AC.

    >>> import math
    >>> import pandas as pd
    >>> from cityclusters.indicators.market import relative_price_variance
    >>> logs = {("A", "g1"): 0.0, ("A", "g2"): 0.0, ("B", "g1"): 0.02, ("B", "g2"): 0.0,
    ...         ("C", "g1"): 0.0, ("C", "g2"): 0.04}
    >>> prices = pd.DataFrame([{"region": r, "good": g, "year": 2020, "index": 100 * math.exp(x)}
    ...                        for (r, g), x in logs.items()])
    >>> pairs = relative_price_variance(prices, level="pair")
    >>> (pairs["var_q"] * 1e4).round(4).tolist()
    [5.5556, 3.5556, 0.2222]
    >>> (relative_price_variance(prices)["segmentation"] * 1e4).round(4).tolist()
    [4.5556, 2.8889, 1.8889]
    """
    prices = _frame(prices, "prices")
    require_choice(level, ("region", "pair"), "level")
    if not isinstance(ddof, int) or ddof < 0:
        raise MethodInputError(f"ddof={ddof!r}: need a non-negative integer")
    require_columns(prices, [region, good, time, value], "prices")
    for col in (region, good, time):
        if prices[col].isna().any():
            raise MethodInputError(f"prices: column {col!r} is missing at rows "
                                   f"{preview_labels(prices.index[prices[col].isna()])}")
    if not pd.api.types.is_numeric_dtype(prices[value]):
        raise MethodInputError(f"prices: column {value!r} must be numeric")
    require_positive(prices[value], f"prices[{value!r}]",
                     why="the chained index is logged (ln(index/100))")
    _no_duplicates(prices, [region, good, time], "prices")
    regions = pd.Index(sorted(prices[region].unique(), key=str))
    goods = sorted(prices[good].unique(), key=str)
    years = sorted(prices[time].unique())
    if len(goods) < ddof + 1 or len(goods) < 2:
        raise MethodInputError(f"prices: {len(goods)} good(s); the variance across goods needs "
                               "at least two")
    grid = pd.MultiIndex.from_product([regions, goods, years], names=[region, good, time])
    logp = np.log(prices.set_index([region, good, time])[value].astype(float) / 100.0)
    missing = grid.difference(logp.index)
    if len(missing):
        raise MethodInputError(f"prices: the region × good × year grid is incomplete; missing "
                               f"{preview_labels(list(missing))} ({len(missing)} combination(s))")
    table = _pair_table(pairs, regions, pair_columns, "region")
    if len(table) < 2:
        raise MethodInputError("pairs: at least two pairs are needed (with one pair the "
                               "good–year mean equals the pair's own value and q ≡ 0)")

    a, b = pair_columns
    wide = logp.unstack(region)  # rows (good, time), columns region
    dq = np.abs(wide[table[a].to_numpy()].to_numpy() - wide[table[b].to_numpy()].to_numpy())
    # remove the good–year component: mean over pairs of the same (good, year)
    q = dq - dq.mean(axis=1, keepdims=True)
    q = pd.DataFrame(q, index=wide.index, columns=pd.RangeIndex(len(table), name="_pair"))
    var = q.groupby(level=time).var(ddof=ddof)  # rows: years, columns: pairs
    long = var.stack().rename("var_q").reset_index()
    long[a] = table[a].to_numpy()[long["_pair"]]
    long[b] = table[b].to_numpy()[long["_pair"]]
    long["n_goods"] = len(goods)
    pair_level = long[[a, b, time, "var_q", "n_goods"]].sort_values([a, b, time], kind="stable")
    if level == "pair":
        return pair_level.reset_index(drop=True)
    both = pd.concat([pair_level.rename(columns={a: region})[[region, time, "var_q"]],
                      pair_level.rename(columns={b: region})[[region, time, "var_q"]]])
    out = both.groupby([region, time])["var_q"].agg(["mean", "size"]).reset_index()
    return out.rename(columns={"mean": "segmentation", "size": "n_pairs"})


# ---------------------------------------------------------------------------------------
# Engel–Rogers
# ---------------------------------------------------------------------------------------

def relative_price_volatility(deflators: pd.DataFrame, unit: str = "city", time: str = "year",
                              value: str = "deflator", pairs=None,
                              pair_columns: tuple[str, str] = ("city_i", "city_j"),
                              ddof: int = 1) -> pd.DataFrame:
    r"""Volatility of the relative price of each city pair (Engel & Rogers 1996).

    FORMULA::

        V_ij = sd_t [ Δ ln(P_it / P_jt) ] = sd_t [ (ln P_it − ln P_jt) − (ln P_it−1 − ln P_jt−1) ]

    over the consecutive years in which both cities are observed; P are price levels (e.g.
    GDP deflators, 2000 = 1). Engel & Rogers use monthly CPIs by good category; with annual
    aggregate deflators V measures how independently the two cities' price levels move.

    Parameters
    ----------
    deflators : DataFrame
        Long table, one row per city and year, positive ``value``. Each city's years must be
        consecutive (a gap would turn a multi-year change into an annual one).
    pairs : DataFrame with ``pair_columns`` (other columns are kept) or list of 2-tuples,
        optional; default all unordered pairs.
    ddof : int
        Delta degrees of freedom of the standard deviation (1 = sample sd).

    Returns
    -------
    DataFrame
        The pair table plus ``volatility`` (log points per year, as a fraction: 0.01 = 1 %)
        and ``n_changes`` (number of annual changes used, ≥ ddof + 1).

    SOURCE: Engel & Rogers (1996), "How wide is the border?", *American Economic Review*
    86(5):1112–1125.

    Examples
    --------
    A's deflator rises by 2 and then 4 log points against a flat B: sd(0.02, 0.04) = 0.0141.

    >>> import math
    >>> import pandas as pd
    >>> from cityclusters.indicators.market import relative_price_volatility
    >>> deflators = pd.DataFrame({"city": ["A"] * 3 + ["B"] * 3, "year": [2000, 2001, 2002] * 2,
    ...                           "deflator": [1.0, math.exp(0.02), math.exp(0.06), 1.0, 1.0, 1.0]})
    >>> relative_price_volatility(deflators).round(4)
      city_i city_j  volatility  n_changes
    0      A      B      0.0141          2
    """
    deflators = _frame(deflators, "deflators")
    require_columns(deflators, [unit, time, value], "deflators")
    for col in (unit, time):
        if deflators[col].isna().any():
            raise MethodInputError(f"deflators: column {col!r} is missing at rows "
                                   f"{preview_labels(deflators.index[deflators[col].isna()])}")
    if not pd.api.types.is_numeric_dtype(deflators[value]):
        raise MethodInputError(f"deflators: column {value!r} must be numeric")
    if not pd.api.types.is_numeric_dtype(deflators[time]):
        raise MethodInputError(f"deflators: column {time!r} must hold numeric years")
    require_positive(deflators[value], f"deflators[{value!r}]", why="price levels are logged")
    _no_duplicates(deflators, [unit, time], "deflators")
    years = deflators.groupby(unit)[time].agg(lambda s: (s.max() - s.min() + 1) - s.nunique())
    gaps = years.index[years > 0]
    if len(gaps):
        raise MethodInputError(f"deflators: {unit} {preview_labels(gaps)} have gaps in {time}; annual "
                               "changes need consecutive years")
    units = pd.Index(sorted(deflators[unit].unique(), key=str))
    table = _pair_table(pairs, units, pair_columns, unit)
    a, b = pair_columns
    wide = np.log(deflators.pivot(index=time, columns=unit, values=value).sort_index())
    step = np.diff(wide.index.to_numpy())
    rel = wide[table[a].to_numpy()].to_numpy() - wide[table[b].to_numpy()].to_numpy()
    change = np.diff(rel, axis=0)
    change[step != 1, :] = np.nan  # years absent for every city: no annual change across them
    n_changes = np.isfinite(change).sum(axis=0)
    # at least two annual changes (three years), and more than ddof
    short = n_changes < max(2, ddof + 1)
    if short.any():
        bad = [tuple(p) for p in table.loc[short, [a, b]].itertuples(index=False)]
        raise MethodInputError(f"deflators: pair(s) {preview_labels(bad)} have fewer than "
                               f"{max(2, ddof + 1)} annual changes in common (consecutive years "
                               "observed for both cities), too few for a standard deviation")
    out = table.copy()
    out["volatility"] = np.nanstd(change, axis=0, ddof=ddof)
    out["n_changes"] = n_changes
    return out


def city_pairs(cities: pd.DataFrame, city: str = "city_code", province: str = "province",
               lon: str = "lon", lat: str = "lat", group: str | None = None) -> pd.DataFrame:
    r"""All unordered pairs of cities (within each group), with distance and border flag.

    FORMULA: haversine great-circle distance
    d_ij = 2R·arcsin√(sin²(Δφ/2) + cos φ_i cos φ_j sin²(Δλ/2)), R = 6371.0088 km
    (via :func:`cityclusters.indicators.linkages.great_circle_distance`);
    cross_province = 1 if the two cities lie in different provinces.

    Parameters
    ----------
    cities : DataFrame
        One row per city (per group when ``group`` is given), with code, province,
        longitude and latitude (decimal degrees).
    group : str, optional
        Column of the set (e.g. the city cluster) within which pairs are formed; a city may
        belong to several groups. Default: one set of all cities.

    Returns
    -------
    DataFrame
        Columns ``[group,] city_i, city_j, province_i, province_j, distance_km,
        cross_province`` (int 0/1), with city_i < city_j.

    UNITS: km.
    SOURCE: Engel & Rogers (1996) for the use of distance and a border dummy.

    Examples
    --------
    Three cities one degree of longitude apart on the equator, the third in another province:

    >>> import pandas as pd
    >>> from cityclusters.indicators.market import city_pairs
    >>> cities = pd.DataFrame({"city_code": [1, 2, 3], "province": ["X", "X", "Y"],
    ...                        "lon": [0.0, 1.0, 2.0], "lat": [0.0, 0.0, 0.0]})
    >>> city_pairs(cities)[["city_i", "city_j", "distance_km", "cross_province"]].round(1)
       city_i  city_j  distance_km  cross_province
    0       1       2        111.2               0
    1       1       3        222.4               1
    2       2       3        111.2               1
    """
    cities = _frame(cities, "cities")
    cols = [city, province, lon, lat] + ([group] if group else [])
    require_columns(cities, cols, "cities")
    for col in [city, province] + ([group] if group else []):
        if cities[col].isna().any():
            raise MethodInputError(f"cities: column {col!r} is missing at rows "
                                   f"{preview_labels(cities.index[cities[col].isna()])}")
    require_finite(cities[[lon, lat]].astype(float), "cities")
    _no_duplicates(cities, [city] + ([group] if group else []), "cities")
    sets = [(None, cities)] if not group else list(cities.groupby(group, sort=True))
    parts = []
    for label, members in sets:
        members = members.sort_values(city, key=lambda s: s.astype(str)) \
            if members[city].dtype == object else members.sort_values(city)
        if len(members) < 2:
            raise MethodInputError(f"cities: group {label!r} has fewer than two cities")
        coords = members.set_index(city)[[lon, lat]]
        dist = great_circle_distance(coords, lon=lon, lat=lat, radius_km=MEAN_EARTH_RADIUS_KM)
        prov = members.set_index(city)[province]
        codes = list(coords.index)
        i, j = np.triu_indices(len(codes), k=1)
        part = pd.DataFrame({
            "city_i": [codes[k] for k in i], "city_j": [codes[k] for k in j],
            "province_i": prov.to_numpy()[i], "province_j": prov.to_numpy()[j],
            "distance_km": dist.to_numpy()[i, j],
        })
        part["cross_province"] = (part["province_i"] != part["province_j"]).astype(int)
        if group:
            part.insert(0, group, label)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def border_effect_regression(pair_table: pd.DataFrame, volatility: str = "volatility",
                             distance: str = "distance_km", border: str = "cross_province",
                             cluster: str | None = "city", controls=None,
                             pair_fixed_effects: bool = False,
                             pair_columns: tuple[str, str] = ("city_i", "city_j"),
                             dropna: bool = False, name: str | None = None) -> RegressionResult:
    r"""Border effect on relative-price volatility (Engel & Rogers 1996).

    MODEL, one row per city pair::

        V_ij = α + β ln d_ij + γ B_ij + x_ij'θ + Σ_c δ_c D_c,ij + u_ij

    V = relative-price volatility, d = distance (km), B = 1 if the pair crosses a
    (provincial) border; with ``pair_fixed_effects`` D_c,ij = 1 if city c is i or j (Engel &
    Rogers' city dummies; one is dropped because Σ_c D_c = 2 is collinear with α).

    Border as distance: β ln d = γ  ⇒  d* = exp(γ / β) km — "crossing the border adds as
    much volatility as exp(γ/β) km of distance". Reported in ``statistics`` as
    ``border_distance_km`` with a delta-method SE on the log scale
    (se(γ/β)² = g' V g, g = (1/β, −γ/β²)), ``border_distance_se`` = d*·se(γ/β) and an
    interval exp(γ/β ± c·se(γ/β)). If β ≤ 0 the equivalence has no meaning: these are None
    and ``border_distance_note`` says why.

    Standard errors (``cluster``):

    * ``"city"`` (default) — dyadic-robust: errors of any two pairs that share a city may
      be correlated (Aronow, Samii & Assenova 2015; Cameron & Miller 2014), G = number of
      cities, inference t(G − 1). This is the appropriate choice for dyadic data.
    * ``"two_way"`` — two-way clustering by ``city_i`` and by ``city_j`` (Cameron, Gelbach &
      Miller 2011). Misses the correlation between (a, b) and (c, a), since a city appears
      in both roles; kept for comparison.
    * ``"first_city"`` — one-way clustering on ``city_i``; a simplification that ignores
      the shared second member.
    * ``None`` — heteroskedasticity-robust (HC1) only.

    Returns
    -------
    RegressionResult
        Terms ``const``, ``ln_distance``, the border column, the controls (city dummies are
        not reported; ``fixed_effects`` = ("city",) when used).

    UNITS: β, γ in units of the volatility (per log-km, per border); d* in km.

    SOURCE: Engel & Rogers (1996), *American Economic Review* 86(5):1112–1125.

    Examples
    --------
    Volatility built without noise as V = 0.01 + 0.002 ln d + 0.006 B: the border is worth
    exp(0.006/0.002) = e³ = 20.09 km.

    >>> import math
    >>> import pandas as pd
    >>> from cityclusters.indicators.market import border_effect_regression
    >>> pairs = pd.DataFrame({"distance_km": [10.0, 20.0, 40.0, 80.0, 160.0, 320.0],
    ...                       "cross_province": [0, 1, 0, 1, 1, 0]})
    >>> pairs["volatility"] = (0.01 + 0.002 * pairs["distance_km"].map(math.log)
    ...                        + 0.006 * pairs["cross_province"])
    >>> fit = border_effect_regression(pairs, cluster=None)
    >>> fit.coefficients[["term", "estimate"]].round(4)
                 term  estimate
    0           const     0.010
    1     ln_distance     0.002
    2  cross_province     0.006
    >>> round(fit.statistics["border_distance_km"], 2)
    20.09
    """
    pair_table = _frame(pair_table, "pair_table")
    require_choice(cluster, ("city", "two_way", "first_city", None), "cluster")
    controls = [controls] if isinstance(controls, str) else list(controls or [])
    a, b = pair_columns
    needs_members = pair_fixed_effects or cluster is not None
    require_columns(pair_table, [volatility, distance, border, *controls]
                    + ([a, b] if needs_members else []), "pair_table")
    frame = pair_table.copy()
    dist = frame[distance]
    if not pd.api.types.is_numeric_dtype(dist):
        raise MethodInputError(f"pair_table: column {distance!r} must be numeric (km)")
    finite = dist.notna() if dropna else pd.Series(True, index=frame.index)
    require_positive(dist[finite], f"pair_table[{distance!r}]",
                     why="the regression uses ln(distance)")
    values = set(pd.unique(frame[border].dropna().astype(float)))
    if not values <= {0.0, 1.0}:
        raise MethodInputError(f"pair_table: border column {border!r} must be 0/1, found "
                               f"{preview_labels(sorted(values))}")
    frame["ln_distance"] = np.log(dist.astype(float))
    frame[border] = frame[border].astype(float)
    regressors = ["ln_distance", border, *controls]
    dummies: list[str] = []
    if pair_fixed_effects:
        members = sorted(set(frame[a]).union(frame[b]), key=str)
        block = {f"_city_{m}": ((frame[a] == m) | (frame[b] == m)).astype(float)
                 for m in members[1:]}
        dummies = list(block)
        frame = pd.concat([frame, pd.DataFrame(block, index=frame.index)], axis=1)
    kw: dict = {}
    if cluster == "city":
        kw["dyadic"] = (a, b)
    elif cluster == "two_way":
        kw["cluster"] = [a, b]
    elif cluster == "first_city":
        kw["cluster"] = a
    keep = ["const", *regressors]
    fit = ols_regression(frame, volatility, regressors + dummies, name=name or volatility,
                         dropna=dropna, report_terms=keep, **kw)
    coefficients = fit.coefficients
    covariance = fit.covariance
    stats_ = dict(fit.statistics)
    stats_["fixed_effects"] = ("city",) if pair_fixed_effects else ()
    stats_["estimator"] = "OLS border regression (Engel-Rogers)"

    beta = float(fit.coefficient("ln_distance")["estimate"])
    gamma = float(fit.coefficient(border)["estimate"])
    # exp(γ/β) overflows a float when β is tiny: such a distance (> 10^300 km) means nothing
    max_log_km = 700.0
    if beta > 0 and abs(gamma / beta) > max_log_km:
        stats_.update({
            "border_distance_km": None, "border_distance_se": None, "border_distance_ci": None,
            "border_distance_note": (f"γ/β = {gamma / beta:.3g}: the distance slope β = {beta:.3g} is "
                                     "too close to zero for the border to be expressed as a "
                                     "distance"),
        })
    elif beta > 0:
        ratio = gamma / beta
        grad = np.array([1 / beta, -gamma / beta ** 2])  # d(γ/β)/d(γ, β)
        v = covariance.loc[[border, "ln_distance"], [border, "ln_distance"]].to_numpy()
        se_ratio = float(np.sqrt(grad @ v @ grad))
        dof = stats_.get("df_inference")
        crit = stats.t.ppf(0.5 + fit.level / 2, dof) if dof else stats.norm.ppf(0.5 + fit.level / 2)
        km = math.exp(ratio)
        stats_.update({
            "border_distance_km": km,
            "border_distance_se": km * se_ratio,
            "border_distance_ci": (math.exp(max(ratio - crit * se_ratio, -max_log_km)),
                                   math.exp(min(ratio + crit * se_ratio, max_log_km))),
            "border_distance_note": (f"the border adds as much volatility as {km:,.0f} km of "
                                     "distance (exp(γ/β); interval from the delta-method SE "
                                     "of γ/β on the log scale)"),
        })
    else:
        stats_.update({
            "border_distance_km": None, "border_distance_se": None, "border_distance_ci": None,
            "border_distance_note": (f"β_ln_distance = {beta:.4g} ≤ 0: volatility does not rise "
                                     "with distance, so the border cannot be expressed as an "
                                     "equivalent distance"),
        })
    return RegressionResult(fit.name, coefficients, stats_, fit.level, covariance)
