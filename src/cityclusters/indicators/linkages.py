"""Linkages between the cities of a cluster: distances, gravity, shares and network measures.

The gravity "linkage" is a modelled potential interaction, not an observed flow; only its
relative values (which pairs, which cities are more strongly tied) carry meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from cityclusters.checks import (
    as_frame,
    as_series,
    preview_labels,
    require_columns,
    require_finite,
    require_nonempty,
    require_positive,
    require_positive_totals,
    require_same_index,
    require_unique_index,
)
from cityclusters.errors import MethodInputError

#: IUGG mean Earth radius R1 = (2a + b)/3 of the GRS 80 ellipsoid, in km (Moritz 2000).
MEAN_EARTH_RADIUS_KM = 6371.0088
#: Relative tolerance for symmetry checks (distances read from files carry rounding).
SYMMETRY_RTOL = 1e-9


# ----------------------------------------------------------------------------- distances
def great_circle_distance(lon_lat: pd.DataFrame, lon: str = "lon", lat: str = "lat",
                          radius_km: float = MEAN_EARTH_RADIUS_KM) -> pd.DataFrame:
    """Great-circle (haversine) distance between every pair of cities, in km.

    For points :math:`(\\lambda_i, \\varphi_i)` in radians,

    .. math::

        D_{ij} = 2R \\arcsin \\sqrt{\\sin^2\\frac{\\varphi_j-\\varphi_i}{2}
                 + \\cos\\varphi_i \\cos\\varphi_j \\sin^2\\frac{\\lambda_j-\\lambda_i}{2}} ,

    with :math:`R` = 6371.0088 km, the mean radius of the GRS 80 ellipsoid. On the sphere the
    error against the ellipsoidal (WGS 84) geodesic is at most about 0.5 %.

    Parameters
    ----------
    lon_lat : pandas.DataFrame
        One row per city (index = city), longitude and latitude in decimal degrees
        (WGS 84 / EPSG:4326).
    lon, lat : str
        Column names of longitude and latitude.
    radius_km : float
        Sphere radius in km.

    Returns
    -------
    pandas.DataFrame
        Symmetric n × n matrix in km, rows and columns labelled by city, zero diagonal.

    Raises
    ------
    MethodInputError
        Missing columns, missing or out-of-range coordinates, duplicated cities, fewer than
        two cities or a non-positive radius.

    Notes
    -----
    Source: the haversine form of the great-circle distance (standard spherical
    trigonometry); mean Earth radius R1 = 6 371 008.7714 m of the Geodetic Reference System
    1980, Moritz (2000), "Geodetic Reference System 1980", *Journal of Geodesy* 74(1):
    128–133 (IAG Geodesist's Handbook).

    Examples
    --------
    One degree of longitude on the equator is 2πR/360 = 111.1951 km; Beijing–Shanghai
    (city-centre points) is 1067.3 km.

    >>> import pandas as pd
    >>> from cityclusters.indicators.linkages import great_circle_distance
    >>> points = pd.DataFrame({"lon": [0.0, 1.0], "lat": [0.0, 0.0]}, index=["P", "Q"])
    >>> round(float(great_circle_distance(points).loc["P", "Q"]), 4)
    111.1951
    >>> cities = pd.DataFrame({"lon": [116.4074, 121.4737], "lat": [39.9042, 31.2304]},
    ...                       index=["Beijing", "Shanghai"])
    >>> round(float(great_circle_distance(cities).loc["Beijing", "Shanghai"]), 1)
    1067.3
    """
    if not isinstance(lon_lat, pd.DataFrame):
        raise MethodInputError("lon_lat: expected a DataFrame with longitude and latitude columns")
    require_columns(lon_lat, [lon, lat], "lon_lat")
    coords = as_frame(lon_lat[[lon, lat]], "lon_lat")
    require_unique_index(coords, "lon_lat")
    require_nonempty(coords, "lon_lat", minimum=2, what="cities")
    require_finite(coords, "lon_lat")
    if not np.isfinite(radius_km) or radius_km <= 0:
        raise MethodInputError(f"radius_km={radius_km!r} must be a positive number")
    bad_lon = coords.index[(coords[lon] < -180) | (coords[lon] > 180)]
    bad_lat = coords.index[(coords[lat] < -90) | (coords[lat] > 90)]
    if len(bad_lon) or len(bad_lat):
        raise MethodInputError(
            f"lon_lat: coordinates out of range (longitude in [-180, 180], latitude in "
            f"[-90, 90] degrees) at {preview_labels(bad_lon.union(bad_lat))}; are columns swapped?"
        )
    lam = np.radians(coords[lon].to_numpy())
    phi = np.radians(coords[lat].to_numpy())
    d_phi = phi[None, :] - phi[:, None]
    d_lam = lam[None, :] - lam[:, None]
    h = np.sin(d_phi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(d_lam / 2) ** 2
    # rounding can push h a hair outside [0, 1] for antipodal or identical points
    distance = 2 * radius_km * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    distance = (distance + distance.T) / 2
    np.fill_diagonal(distance, 0.0)
    return pd.DataFrame(distance, index=coords.index.copy(), columns=coords.index.copy())


def _square_matrix(matrix, name: str, minimum: int = 2,
                   ignore_diagonal: bool = False) -> pd.DataFrame:
    """Validate a labelled square matrix (same labels on rows and columns, finite).

    With ``ignore_diagonal`` the diagonal is set to 0 before the checks (a travel-time
    matrix may hold NaN or an intra-city time there)."""
    if not isinstance(matrix, pd.DataFrame):
        raise MethodInputError(f"{name}: expected a square DataFrame labelled by city on both axes")
    frame = as_frame(matrix, name)
    if frame.shape[0] != frame.shape[1]:
        raise MethodInputError(f"{name}: must be square, got {frame.shape[0]} rows × {frame.shape[1]} columns")
    require_unique_index(frame, name)
    if frame.columns.duplicated().any():
        raise MethodInputError(f"{name}: duplicated column label(s) {preview_labels(frame.columns[frame.columns.duplicated()])}")
    rows_only = frame.index.difference(frame.columns)
    cols_only = frame.columns.difference(frame.index)
    if len(rows_only) or len(cols_only):
        raise MethodInputError(
            f"{name}: row and column labels differ: only in rows {preview_labels(rows_only) or 'none'}; "
            f"only in columns {preview_labels(cols_only) or 'none'}"
        )
    require_nonempty(frame, name, minimum=minimum, what="cities")
    frame = frame.loc[:, frame.index]
    if ignore_diagonal:
        frame = frame.copy()
        values = frame.to_numpy(copy=True)
        np.fill_diagonal(values, 0.0)
        frame = pd.DataFrame(values, index=frame.index, columns=frame.columns)
    require_finite(frame, name)
    return frame


def _require_symmetric(frame: pd.DataFrame, name: str) -> None:
    values = frame.to_numpy()
    scale = np.abs(values).max() if values.size else 0.0
    gap = np.abs(values - values.T)
    if (gap > SYMMETRY_RTOL * max(scale, 1e-300)).any():
        i, j = np.unravel_index(np.argmax(gap), gap.shape)
        raise MethodInputError(
            f"{name}: must be symmetric, but entry ({frame.index[i]!r}, {frame.columns[j]!r}) = "
            f"{values[i, j]:.6g} differs from ({frame.index[j]!r}, {frame.columns[i]!r}) = "
            f"{values[j, i]:.6g}"
        )


def _off_diagonal(frame: pd.DataFrame) -> np.ndarray:
    return ~np.eye(len(frame), dtype=bool)


# ----------------------------------------------------------------------------- gravity
def gravity_matrix(population, gdp, distance: pd.DataFrame, k: float = 1.0,
                   decay: float = 2.0) -> pd.DataFrame:
    """Modified gravity model of the economic linkage between every pair of cities.

    .. math::

        R_{ij} = k \\, \\frac{\\sqrt{P_i G_i}\\, \\sqrt{P_j G_j}}{D_{ij}^{\\,b}},
        \\qquad R_{ii} = 0 ,

    where :math:`P` is population, :math:`G` GDP, :math:`D` the distance (or travel time) and
    :math:`b` the distance-decay exponent (``decay``; 2 in the Newtonian analogy).

    Parameters
    ----------
    population : pandas.Series
        Population by city (万人), all positive.
    gdp : pandas.Series
        GDP by city (亿元), all positive, same cities as ``population``.
    distance : pandas.DataFrame
        Symmetric matrix labelled by city on both axes: great-circle km (see
        :func:`great_circle_distance`), road km, or travel time (minutes or hours). Its unit
        is whatever is passed; the diagonal is ignored (may be NaN); off-diagonal entries
        must be finite and > 0.
    k : float
        Positive constant (scales all R alike; 1 by default).
    decay : float
        Distance-decay exponent b ≥ 0.

    Returns
    -------
    pandas.DataFrame
        Symmetric n × n matrix of R in arbitrary units (万人·亿元 / unit(D)^b with the inputs
        above), labelled in the order of ``population``, with zero diagonal. Only relative
        values are meaningful: changing the unit of D rescales every R by the same factor.

    Raises
    ------
    MethodInputError
        Missing, zero or negative population/GDP; mismatched cities between population,
        GDP and distance; a non-square or asymmetric distance matrix; zero, negative or
        missing distance off the diagonal; fewer than two cities; invalid ``k`` or ``decay``.

    Notes
    -----
    Source: gravity form of spatial interaction, Zipf (1946), "The P1P2/D hypothesis: on the
    intercity movement of persons", *American Sociological Review* 11(6): 677–686; applied
    to Chinese city systems by 顾朝林 & 庞海峰 (2008), 《地理研究》 27(1): 1–12. The
    "modified" mass √(P·G) combining population and GDP is the form common in Chinese
    urban-linkage studies; its first use is unverified.

    Examples
    --------
    Masses √(4·9) = 6 and √(1·4) = 2, distance 10 km, b = 2: R = 6·2/10² = 0.12.

    >>> import pandas as pd
    >>> from cityclusters.indicators.linkages import gravity_matrix
    >>> population = pd.Series({"A": 4.0, "B": 1.0})
    >>> gdp = pd.Series({"A": 9.0, "B": 4.0})
    >>> distance = pd.DataFrame([[0.0, 10.0], [10.0, 0.0]], index=["A", "B"], columns=["A", "B"])
    >>> gravity_matrix(population, gdp, distance).round(4)
          A     B
    A  0.00  0.12
    B  0.12  0.00
    """
    pop = as_series(population, "population")
    out = as_series(gdp, "gdp")
    for series, name in ((pop, "population"), (out, "gdp")):
        require_unique_index(series, name)
        require_positive(series, name, why="a city's mass √(population·GDP) must be positive")
    require_same_index(pop, out, "population", "gdp")
    require_nonempty(pop, "population", minimum=2, what="cities")
    dist = _square_matrix(distance, "distance", ignore_diagonal=True)
    require_same_index(pop, dist, "population", "distance")
    dist = dist.loc[pop.index, pop.index]
    _require_symmetric(dist, "distance")
    off = _off_diagonal(dist)
    values = dist.to_numpy()
    if (values[off] <= 0).any():
        i, j = np.argwhere((values <= 0) & off)[0]
        raise MethodInputError(
            f"distance: zero or negative distance between different cities "
            f"({dist.index[i]!r}, {dist.columns[j]!r}) = {values[i, j]:.6g}; the linkage would be "
            "infinite. Check for duplicated coordinates"
        )
    if not np.isfinite(k) or k <= 0:
        raise MethodInputError(f"k={k!r} must be a positive number")
    if not np.isfinite(decay) or decay < 0:
        raise MethodInputError(f"decay={decay!r} must be a non-negative number")

    mass = np.sqrt(pop.to_numpy() * out.reindex(pop.index).to_numpy())
    with np.errstate(divide="ignore"):
        linkage = k * np.outer(mass, mass) / np.where(off, values, 1.0) ** decay
    np.fill_diagonal(linkage, 0.0)
    return pd.DataFrame(linkage, index=pop.index.copy(), columns=pop.index.copy())


def _linkage_matrix(gravity, name: str = "gravity") -> pd.DataFrame:
    """Validate a linkage matrix: square, labelled, finite, non-negative, zero diagonal."""
    frame = _square_matrix(gravity, name)
    values = frame.to_numpy()
    if (values < 0).any():
        raise MethodInputError(f"{name}: negative linkage value(s); linkages must be ≥ 0")
    diagonal = np.diag(values)
    if (diagonal != 0).any():
        raise MethodInputError(
            f"{name}: diagonal must be zero (a city's linkage with itself is not defined); "
            f"non-zero at {preview_labels(frame.index[diagonal != 0])}"
        )
    return frame


def membership_shares(gravity: pd.DataFrame) -> pd.DataFrame:
    """Share of each city's total linkage that goes to each other city (row shares).

    .. math:: F_{ij} = \\frac{R_{ij}}{\\sum_{j' \\ne i} R_{ij'}}, \\qquad \\sum_j F_{ij} = 1 .

    Read row-wise: :math:`F_{ij}` says how much of city *i*'s linkage is with city *j*
    (its "economic membership degree", 经济隶属度, towards *j*). Unit-free, in [0, 1].

    Parameters
    ----------
    gravity : pandas.DataFrame
        Linkage matrix from :func:`gravity_matrix` (square, non-negative, zero diagonal).

    Returns
    -------
    pandas.DataFrame
        Same labels; every row sums to 1. Not symmetric.

    Raises
    ------
    MethodInputError
        Invalid matrix, or a city whose linkages are all zero (its shares are undefined).

    Notes
    -----
    Source: row normalisation of the gravity matrix as used for 经济隶属度 in Chinese
    urban-linkage studies (attribution unverified).

    Examples
    --------
    City a's linkages 2 (to b) and 1 (to c) give shares 2/3 and 1/3.

    >>> import pandas as pd
    >>> from cityclusters.indicators.linkages import membership_shares
    >>> r = pd.DataFrame([[0.0, 2.0, 1.0], [2.0, 0.0, 1.0], [1.0, 1.0, 0.0]],
    ...                  index=list("abc"), columns=list("abc"))
    >>> membership_shares(r).round(4)
            a       b       c
    a  0.0000  0.6667  0.3333
    b  0.6667  0.0000  0.3333
    c  0.5000  0.5000  0.0000
    """
    frame = _linkage_matrix(gravity)
    totals = frame.sum(axis=1)
    require_positive_totals(totals, "gravity", "city(ies)", "have no linkage with any other city")
    return frame.div(totals, axis=0)


def linkage_totals(gravity: pd.DataFrame) -> pd.DataFrame:
    """Total linkage of each city and its share of the cluster total.

    .. math::

        R_i = \\sum_{j \\ne i} R_{ij}, \\qquad s_i = \\frac{R_i}{\\sum_k R_k} .

    :math:`R_i` is in the (arbitrary) unit of the gravity matrix; :math:`s_i` is unit-free
    and sums to 1. Each pair enters the grand total twice (once for each city), so
    :math:`s_i` is a city's share of all linkage endpoints.

    Parameters
    ----------
    gravity : pandas.DataFrame
        Linkage matrix from :func:`gravity_matrix`.

    Returns
    -------
    pandas.DataFrame
        Columns ``total_linkage`` and ``share``, indexed by city, sorted as the input.

    Raises
    ------
    MethodInputError
        Invalid matrix, or a matrix of zeros (shares undefined).

    Notes
    -----
    Source: node strength (weighted degree) of a valued network, Wasserman & Faust (1994),
    *Social Network Analysis: Methods and Applications*, Cambridge University Press.

    Examples
    --------
    Totals 3, 3, 2 out of 8 endpoints:

    >>> import pandas as pd
    >>> from cityclusters.indicators.linkages import linkage_totals
    >>> r = pd.DataFrame([[0.0, 2.0, 1.0], [2.0, 0.0, 1.0], [1.0, 1.0, 0.0]],
    ...                  index=list("abc"), columns=list("abc"))
    >>> linkage_totals(r)
       total_linkage  share
    a            3.0  0.375
    b            3.0  0.375
    c            2.0  0.250
    """
    frame = _linkage_matrix(gravity)
    totals = frame.sum(axis=1)
    grand = totals.sum()
    if grand <= 0:
        raise MethodInputError("gravity: all linkages are zero, so shares are undefined")
    return pd.DataFrame({"total_linkage": totals, "share": totals / grand})


# ----------------------------------------------------------------------------- network
@dataclass(frozen=True)
class NetworkSummary:
    """Network description of a linkage matrix (see :func:`network_summary`).

    Attributes
    ----------
    graph_level : dict
        ``n_nodes``, ``n_possible_ties``, ``n_ties`` (kept after the threshold),
        ``binary_density``, ``weighted_density`` (mean linkage over all pairs, unit of R),
        ``threshold`` (the cut-off used, None if none), ``threshold_rule``,
        ``n_components``, ``main_core_k``.
    nodes : pandas.DataFrame
        Per city: ``degree``, ``degree_centrality``, ``strength``, ``strength_share``,
        ``betweenness``, ``closeness``, ``core_number``, ``in_main_core``.
    network : networkx.Graph
        Undirected graph of the kept ties; edge attributes ``weight`` (= R) and
        ``length`` (= 1/R).
    """

    graph_level: dict
    nodes: pd.DataFrame
    network: nx.Graph = field(repr=False)


def network_summary(gravity: pd.DataFrame, threshold: float | None = None,
                    quantile: float | None = None) -> NetworkSummary:
    """Density, centralities and a core–periphery proxy of the linkage network.

    A tie *i*–*j* is kept when :math:`R_{ij} > 0` and :math:`R_{ij} \\ge \\tau`, with
    :math:`\\tau` = ``threshold`` (in the unit of R) or the ``quantile`` of the
    :math:`n(n-1)/2` pair values (numpy's linear interpolation). Then

    .. math::

        \\Delta_{bin} = \\frac{L}{n(n-1)/2}, \\qquad
        \\Delta_{w} = \\frac{\\sum_{i<j} R_{ij}}{n(n-1)/2},

    with :math:`L` the number of kept ties. A gravity matrix is complete (every pair has
    :math:`R_{ij} > 0`), so without a threshold the binary density is 1 and says nothing;
    pass ``threshold`` or ``quantile`` to make it meaningful. The weighted density (mean
    tie value) uses all pairs and does not depend on the threshold.

    Per city: ``degree`` = number of kept ties, ``degree_centrality`` = degree/(n − 1);
    ``strength`` = :math:`\\sum_j R_{ij}` over all pairs and ``strength_share`` its share;
    ``betweenness`` (normalised, Freeman/Brandes; in [0, 1], 1 for the centre of a star) and
    ``closeness`` (Wasserman–Faust form for disconnected graphs) on the kept ties with
    shortest-path length :math:`1/R_{ij}`, so strong ties are "short"; ``core_number`` is
    the k-core index of the binary kept-tie graph and ``in_main_core`` marks the cities of
    the highest (main) core — a simple core–periphery proxy.

    Parameters
    ----------
    gravity : pandas.DataFrame
        Symmetric linkage matrix (square, non-negative, zero diagonal), e.g. from
        :func:`gravity_matrix`.
    threshold : float, optional
        Absolute cut-off in the unit of R; ties with R ≥ threshold are kept.
    quantile : float, optional
        Cut-off as a quantile in [0, 1] of the pair values (e.g. 0.5 keeps the stronger
        half). Give at most one of ``threshold`` and ``quantile``.

    Returns
    -------
    NetworkSummary

    Raises
    ------
    MethodInputError
        Invalid or asymmetric matrix, fewer than two cities, both or invalid thresholds.

    Notes
    -----
    Sources: density and centralities, Wasserman & Faust (1994), *Social Network Analysis*,
    Cambridge University Press; betweenness, Freeman (1977), *Sociometry* 40(1): 35–41,
    computed with Brandes (2001), *Journal of Mathematical Sociology* 25(2): 163–177; k-cores,
    Seidman (1983), *Social Networks* 5(3): 269–287. Implementation: networkx
    (``betweenness_centrality``, ``closeness_centrality``, ``core_number``).

    Examples
    --------
    A star: a is tied to b, c and d, which are not tied to each other. Three of six possible
    ties give a binary density of 0.5; every shortest path between two leaves runs through a,
    so its betweenness is 1.

    >>> import pandas as pd
    >>> from cityclusters.indicators.linkages import network_summary
    >>> star = pd.DataFrame(0.0, index=list("abcd"), columns=list("abcd"))
    >>> star.loc["a", ["b", "c", "d"]] = 1.0
    >>> star.loc[["b", "c", "d"], "a"] = 1.0
    >>> summary = network_summary(star)
    >>> summary.graph_level["binary_density"]
    0.5
    >>> summary.nodes[["degree", "betweenness"]]
       degree  betweenness
    a       3          1.0
    b       1          0.0
    c       1          0.0
    d       1          0.0
    """
    frame = _linkage_matrix(gravity)
    _require_symmetric(frame, "gravity")
    if threshold is not None and quantile is not None:
        raise MethodInputError("give either threshold or quantile, not both")
    n = len(frame)
    values = frame.to_numpy()
    upper = values[np.triu_indices(n, k=1)]
    pairs = len(upper)

    if threshold is not None:
        if not np.isfinite(threshold) or threshold < 0:
            raise MethodInputError(f"threshold={threshold!r} must be a non-negative number")
        cutoff, rule = float(threshold), "absolute"
    elif quantile is not None:
        if not np.isfinite(quantile) or not 0 <= quantile <= 1:
            raise MethodInputError(f"quantile={quantile!r} must be between 0 and 1")
        cutoff, rule = float(np.quantile(upper, quantile)), f"quantile {quantile:g}"
    else:
        cutoff, rule = None, "none (all positive ties)"

    network = nx.Graph()
    network.add_nodes_from(frame.index)
    labels = list(frame.index)
    for i, j in zip(*np.triu_indices(n, k=1)):
        r = values[i, j]
        if r > 0 and (cutoff is None or r >= cutoff):
            network.add_edge(labels[i], labels[j], weight=float(r), length=1.0 / float(r))

    ties = network.number_of_edges()
    strength = pd.Series(values.sum(axis=1), index=frame.index)
    total_strength = strength.sum()
    degree = pd.Series(dict(network.degree()), dtype=int).reindex(frame.index)
    betweenness = nx.betweenness_centrality(network, weight="length", normalized=True)
    closeness = nx.closeness_centrality(network, distance="length", wf_improved=True)
    core = pd.Series(nx.core_number(network), dtype=int).reindex(frame.index)
    main_k = int(core.max())

    nodes = pd.DataFrame({
        "degree": degree,
        "degree_centrality": degree / (n - 1),
        "strength": strength,
        # an all-zero matrix has no strength to share out; report zeros, not NaN
        "strength_share": strength / total_strength if total_strength > 0 else 0.0 * strength,
        "betweenness": pd.Series(betweenness).reindex(frame.index),
        "closeness": pd.Series(closeness).reindex(frame.index),
        "core_number": core,
        "in_main_core": (core == main_k) & (main_k > 0),
    })
    graph_level = {
        "n_nodes": n,
        "n_possible_ties": pairs,
        "n_ties": ties,
        "binary_density": ties / pairs,
        "weighted_density": float(upper.sum() / pairs),
        "threshold": cutoff,
        "threshold_rule": rule,
        "n_components": nx.number_connected_components(network),
        "main_core_k": main_k,
    }
    return NetworkSummary(graph_level=graph_level, nodes=nodes, network=network)


# ----------------------------------------------------------------------------- timetables
def fastest_direct_times(stops: pd.DataFrame, key: str = "city_code") -> pd.DataFrame:
    """Fastest scheduled time between every pair of stops served by one train (no transfers).

    For a train stopping at a before b, the in-vehicle time is
    :math:`t_{ab} = \\text{arrival}_b - \\text{departure}_a` (minutes); the pair's time is the
    minimum over trains and over both directions, :math:`T_{ab} = \\min(t_{ab}, t_{ba})`. Two
    stops of one train in the same place (``key``) are skipped. Transfers are not considered:
    a pair that no single train serves has no time.

    Parameters
    ----------
    stops : pandas.DataFrame
        One row per stop: ``train``, ``stop`` (order), ``key``, ``arrival_min``,
        ``departure_min`` (NaN at the first arrival and last departure).

    Returns
    -------
    pandas.DataFrame
        ``a``, ``b`` (a < b), ``minutes``, ``hours``, ``train`` (the fastest train), ``n_trains``
        (trains serving the pair directly).

    >>> stops = pd.DataFrame({"train": ["G1"] * 3 + ["D2"] * 2, "stop": [1, 2, 3, 1, 2],
    ...     "city_code": [1, 2, 3, 3, 1], "arrival_min": [None, 60, 150, None, 200],
    ...     "departure_min": [0, 65, None, 0, None]})
    >>> fastest_direct_times(stops)[["a", "b", "minutes", "train", "n_trains"]].values.tolist()
    [[1, 2, 60.0, 'G1', 1], [1, 3, 150.0, 'G1', 2], [2, 3, 85.0, 'G1', 1]]
    """
    require_columns(stops, ["train", "stop", key, "arrival_min", "departure_min"], "stops")
    rows = []
    for train, group in stops.sort_values(["train", "stop"]).groupby("train", sort=False):
        places = group[key].to_numpy()
        arrive = group["arrival_min"].to_numpy(dtype=float)
        depart = group["departure_min"].to_numpy(dtype=float)
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                if places[i] == places[j] or np.isnan(depart[i]) or np.isnan(arrive[j]):
                    continue
                a, b = sorted((places[i], places[j]))
                rows.append((a, b, arrive[j] - depart[i], train))
    pairs = pd.DataFrame(rows, columns=["a", "b", "minutes", "train"])
    if pairs.empty:
        raise MethodInputError("stops: no train serves two different places")
    if (pairs["minutes"] <= 0).any():
        bad = pairs[pairs["minutes"] <= 0].iloc[0]
        raise MethodInputError(f"stops: train {bad['train']} takes {bad['minutes']} minutes from {bad['a']} to {bad['b']}")
    n_trains = pairs.groupby(["a", "b"])["train"].nunique().rename("n_trains")
    best = pairs.sort_values(["a", "b", "minutes", "train"]).drop_duplicates(["a", "b"]).set_index(["a", "b"])
    out = best.join(n_trains).reset_index()
    out["hours"] = out["minutes"] / 60.0
    return out[["a", "b", "minutes", "hours", "train", "n_trains"]]
