"""Spatial weights, spatial lag and global Moran's I for the cities of a cluster.

Geometries are city polygons in lon/lat (WGS 84, EPSG:4326), as in
:func:`cityclusters.data.tables.cities`. Weights are libpysal ``W`` objects, row-standardised by
default; contiguity weights can leave *islands* (units with no neighbour, e.g. the cities
of Hainan), which are never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# esda and libpysal are imported where they are used: importing them takes about two seconds
# (numba, scikit-learn), which every chapter kernel that imports the coordination module would
# otherwise pay although only chapter 2 computes Moran's I.
if TYPE_CHECKING:
    from libpysal.weights import W

from cityclusters.checks import (
    as_series,
    preview_labels,
    require_choice,
    require_finite,
    require_nonempty,
    require_same_index,
    require_unique_index,
)
from cityclusters.errors import MethodInputError
from cityclusters.indicators.linkages import MEAN_EARTH_RADIUS_KM, great_circle_distance

WEIGHT_KINDS = ("queen", "rook", "knn")
TRANSFORMS = ("r", "b", "d", "v")
ISLAND_RULES = ("raise", "knn_fallback", "keep")
#: Default seed of the permutation test, so that p_sim is reproducible.
DEFAULT_SEED = 12345


def _as_geoframe(geometries, geometry: str) -> gpd.GeoDataFrame:
    """A GeoDataFrame from a GeoDataFrame or a DataFrame whose ``geometry`` column holds
    shapely objects or WKT strings (assumed lon/lat, EPSG:4326, when no CRS is given)."""
    if not isinstance(geometries, pd.DataFrame):
        raise MethodInputError("geometries: expected a GeoDataFrame or a DataFrame with a geometry column")
    if geometry not in geometries.columns:
        raise MethodInputError(f"geometries: no column {geometry!r} with the city geometries")
    column = geometries[geometry]
    if isinstance(geometries, gpd.GeoDataFrame) and isinstance(column, gpd.GeoSeries):
        frame = geometries.set_geometry(geometry)
        return frame if frame.crs is not None else frame.set_crs(4326)
    parsed = []
    for label, value in column.items():
        if isinstance(value, str):
            try:
                value = shapely.from_wkt(value)
            except shapely.errors.GEOSException as exc:
                raise MethodInputError(f"geometries: invalid WKT for {label!r} ({exc})") from exc
        elif value is not None and not isinstance(value, shapely.Geometry) and not pd.isna(value):
            raise MethodInputError(f"geometries: {label!r} holds {type(value).__name__}, "
                                   "not a geometry or WKT string")
        parsed.append(value if isinstance(value, shapely.Geometry) else None)
    frame = pd.DataFrame(geometries).drop(columns=[geometry])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(parsed, index=frame.index), crs=4326)


def _with_ids(frame: gpd.GeoDataFrame, ids) -> gpd.GeoDataFrame:
    if ids is None:
        labelled = frame
    elif isinstance(ids, str):
        if ids not in frame.columns:
            raise MethodInputError(f"ids={ids!r} is not a column of geometries")
        labelled = frame.set_index(ids)
    else:
        labels = pd.Index(list(ids))
        if len(labels) != len(frame):
            raise MethodInputError(f"ids: {len(labels)} labels for {len(frame)} geometries")
        labelled = frame.set_axis(labels, axis=0)
    if labelled.index.hasnans:
        raise MethodInputError("geometries: missing id label(s)")
    require_unique_index(labelled, "geometries (ids)")
    return labelled


def _lon_lat(frame: gpd.GeoDataFrame, lon: str, lat: str) -> pd.DataFrame:
    """City points: the lon/lat columns when present, else geometry centroids."""
    if lon in frame.columns and lat in frame.columns:
        points = frame[[lon, lat]].astype(float).rename(columns={lon: "lon", lat: "lat"})
        require_finite(points, f"geometries[{lon!r}, {lat!r}]")
        return points
    _require_geometries(frame)
    # centroids in an equal-area projection, then back to lon/lat: avoids the planar-degree bias
    centroids = frame.geometry.to_crs("+proj=cea +datum=WGS84").centroid.to_crs(4326)
    return pd.DataFrame({"lon": centroids.x, "lat": centroids.y}, index=frame.index)


def _require_geometries(frame: gpd.GeoDataFrame) -> None:
    missing = frame.index[frame.geometry.isna() | frame.geometry.is_empty]
    if len(missing):
        raise MethodInputError(
            f"geometries: missing or empty geometry for {preview_labels(missing)} (e.g. units abolished "
            "before the boundary year); drop them first"
        )


def spatial_weights(geometries, kind: str = "queen", k: int = 4, ids=None,
                    transform: str = "r", islands: str = "raise", geometry: str = "geometry",
                    lon: str = "lon", lat: str = "lat") -> W:
    """Spatial weights matrix W of a set of cities (libpysal).

    Contiguity: :math:`w_{ij} = 1` if polygons *i* and *j* share a boundary point
    (``"queen"``) or a boundary segment (``"rook"``), else 0. k nearest neighbours
    (``"knn"``): :math:`w_{ij} = 1` for the *k* cities with the smallest great-circle
    distance between city points (the ``lon``/``lat`` columns if present, else polygon
    centroids), on a sphere of radius 6371.0088 km. The matrix is then transformed:
    ``"r"`` row-standardised, :math:`w_{ij}/\\sum_j w_{ij}` (default); ``"b"`` binary;
    ``"d"`` doubly standardised; ``"v"`` variance stabilising. Unit-free.

    Islands — cities with no contiguous neighbour — are handled by ``islands``:
    ``"raise"`` (default) refuses them, naming them; ``"knn_fallback"`` links each island to
    its single nearest city (great-circle distance between city points), in both
    directions so that W stays symmetric, and records the links in the returned object's
    ``fallback_links`` (dict island → neighbour); ``"keep"`` returns W with the islands
    listed in ``W.islands`` (:func:`morans_i` and :func:`spatial_lag` then refuse it).

    Parameters
    ----------
    geometries : geopandas.GeoDataFrame or pandas.DataFrame
        One row per city. A DataFrame's ``geometry`` column may hold WKT strings; without a
        CRS, coordinates are taken as lon/lat degrees (EPSG:4326). For ``kind="knn"`` a
        DataFrame with only ``lon``/``lat`` columns is enough.
    kind : {"queen", "rook", "knn"}
    k : int
        Number of neighbours for ``kind="knn"`` (1 ≤ k < n).
    ids : None, str or sequence
        Labels of the units: the index (None), a column name, or a sequence.
    transform : {"r", "b", "d", "v"}
    islands : {"raise", "knn_fallback", "keep"}
        Only for contiguity weights.
    geometry, lon, lat : str
        Column names.

    Returns
    -------
    libpysal.weights.W
        ``id_order`` follows the rows of ``geometries``; attribute ``fallback_links`` is a
        dict (empty unless ``islands="knn_fallback"`` added links).

    Raises
    ------
    MethodInputError
        Unknown option, fewer than 2 cities, missing geometry or coordinates, duplicated ids,
        invalid ``k``, or islands with ``islands="raise"``.

    Notes
    -----
    Sources: contiguity and k-nearest-neighbour weights and their standardisation, Cliff &
    Ord (1981), *Spatial Processes: Models and Applications*, Pion; Anselin (1988), *Spatial
    Econometrics: Methods and Models*, Kluwer. Implementation: libpysal (Rey & Anselin 2007,
    PySAL) ``Queen``/``Rook.from_dataframe`` and ``KNN`` with ``radius`` (arc distance).

    Examples
    --------
    Three cities on the equator at longitudes 0, 1 and 3: with k = 1, a and b are each
    other's nearest neighbour and c's is b.

    >>> import pandas as pd
    >>> from cityclusters.indicators.spatial import spatial_weights
    >>> points = pd.DataFrame({"lon": [0.0, 1.0, 3.0], "lat": [0.0, 0.0, 0.0]},
    ...                       index=["a", "b", "c"])
    >>> w = spatial_weights(points, kind="knn", k=1)
    >>> w.neighbors, w.transform
    ({'a': ['b'], 'b': ['a'], 'c': ['b']}, 'R')
    """
    require_choice(kind, WEIGHT_KINDS, "kind")
    require_choice(transform, TRANSFORMS, "transform")
    require_choice(islands, ISLAND_RULES, "islands")
    if (kind == "knn" and isinstance(geometries, pd.DataFrame) and geometry not in geometries.columns
            and {lon, lat} <= set(geometries.columns)):
        # k nearest neighbours need only the city points
        geometries = geometries.assign(**{geometry: None})
    frame = _with_ids(_as_geoframe(geometries, geometry), ids)
    require_nonempty(frame, "geometries", minimum=2, what="cities")
    id_order = frame.index.tolist()

    if kind == "knn":
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < len(frame):
            raise MethodInputError(f"k={k!r} must be an integer between 1 and n − 1 = {len(frame) - 1}")
        from libpysal.weights import KNN, W

        points = _lon_lat(frame, lon, lat)
        # positional ids, relabelled below, so labels keep their Python types
        knn = KNN(points[["lon", "lat"]].to_numpy(), k=int(k), radius=MEAN_EARTH_RADIUS_KM)
        neighbours = {id_order[i]: [id_order[j] for j in knn.neighbors[i]] for i in range(len(id_order))}
        weights = W(neighbours, id_order=id_order, silence_warnings=True)
        weights.fallback_links = {}
        weights.transform = transform
        return weights

    from libpysal.weights import Queen, Rook, W

    _require_geometries(frame)
    builder = Queen if kind == "queen" else Rook
    contiguity = builder.from_dataframe(frame, use_index=True, silence_warnings=True)
    neighbours = {unit: list(contiguity.neighbors[unit]) for unit in id_order}
    lonely = [unit for unit in id_order if not neighbours[unit]]
    fallback: dict = {}
    if lonely and islands == "raise":
        raise MethodInputError(
            f"geometries: {len(lonely)} island(s) with no {kind} neighbour: {preview_labels(lonely)}; "
            "use islands='knn_fallback' to link each to its nearest city, islands='keep' to "
            "keep them, or kind='knn'"
        )
    if lonely and islands == "knn_fallback":
        distance = great_circle_distance(_lon_lat(frame, lon, lat))
        for unit in lonely:
            row = distance.loc[unit].to_numpy(copy=True)
            row[id_order.index(unit)] = np.inf
            nearest = id_order[int(np.argmin(row))]  # positional, keeps the label's own type
            fallback[unit] = nearest
            neighbours[unit].append(nearest)
            if unit not in neighbours[nearest]:
                neighbours[nearest].append(unit)
    weights = W(neighbours, id_order=id_order, silence_warnings=True)
    weights.fallback_links = fallback
    weights.transform = transform
    return weights


def _aligned_values(values, weights, name: str = "values") -> pd.Series:
    """Values as a float Series in the order of ``weights.id_order`` (labels must match)."""
    from libpysal.weights import W

    if not isinstance(weights, W):
        raise MethodInputError("weights: expected a libpysal.weights.W (see spatial_weights)")
    series = as_series(values, name)
    require_unique_index(series, name)
    require_finite(series, name)
    reference = pd.Series(0.0, index=pd.Index(weights.id_order))
    require_same_index(series, reference, name, "weights (ids)")
    if weights.islands:
        raise MethodInputError(
            f"weights: island(s) {preview_labels(weights.islands)} have no neighbour, so their spatial "
            "lag is undefined; build weights with islands='knn_fallback' or kind='knn'"
        )
    return series.reindex(reference.index)


@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I with its inference (see :func:`morans_i`).

    Attributes
    ----------
    I : float
        Moran's I.
    expected_I : float
        E[I] = −1/(n − 1) under no spatial autocorrelation.
    z_norm, p_norm : float
        z-score and p-value under the normality assumption (two-sided if ``two_tailed``).
    p_sim : float or None
        Pseudo p-value of the permutation test, (M + 1)/(permutations + 1) with M the number
        of permuted I at least as extreme (one-sided in the direction of the observed I);
        None when ``permutations == 0``.
    permutations : int
    seed : int or None
    n : int
    transform : str
        The weights transformation used ("R" row-standardised, "B" binary, ...).
    """

    I: float  # noqa: E741 - the statistic's conventional name
    expected_I: float
    z_norm: float
    p_norm: float
    p_sim: float | None
    permutations: int
    seed: int | None
    n: int
    transform: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def morans_i(values, weights: W, permutations: int = 999, seed: int | None = DEFAULT_SEED,
             two_tailed: bool = True) -> MoranResult:
    """Global Moran's I of a variable over the cities of a cluster.

    .. math::

        I = \\frac{n}{S_0} \\frac{\\sum_i \\sum_j w_{ij} z_i z_j}{\\sum_i z_i^2},
        \\qquad z_i = y_i - \\bar y,\\quad S_0 = \\sum_i \\sum_j w_{ij},
        \\qquad E[I] = -\\frac{1}{n-1} .

    I > E[I]: similar values cluster in space; I < E[I]: neighbours differ. Unit-free
    (invariant to the unit of ``values``). Inference: the normal approximation and a
    conditional permutation test (values shuffled over the units ``permutations`` times).

    Parameters
    ----------
    values : pandas.Series
        One finite value per city, indexed by the same ids as ``weights`` (any order).
    weights : libpysal.weights.W
        From :func:`spatial_weights`; its current transformation is used and left
        unchanged. Weights with islands are refused.
    permutations : int
        Number of random permutations (0 for none).
    seed : int or None
        Seed of numpy's global random generator for the permutations (esda draws from
        ``np.random``); the generator's previous state is restored afterwards. Same seed →
        same ``p_sim``. None leaves the generator unseeded.
    two_tailed : bool
        Two-sided ``p_norm`` (default).

    Returns
    -------
    MoranResult

    Raises
    ------
    MethodInputError
        Missing values, values not aligned with the weights' ids, fewer than 3 cities,
        constant values, weights with islands, or an invalid ``permutations``.

    Notes
    -----
    Sources: Moran (1950), "Notes on continuous stochastic phenomena", *Biometrika* 37(1/2):
    17–23; moments and permutation inference, Cliff & Ord (1981), *Spatial Processes*, Pion.
    Implementation: ``esda.moran.Moran`` (PySAL).

    Examples
    --------
    Four cities on a path a–b–c–d with binary weights and values 1, 2, 3, 4: z = (−1.5, −0.5,
    0.5, 1.5), Σz² = 5, S₀ = 6, Σ w z_i z_j = 2·(0.75 − 0.25 + 0.75) = 2.5, so
    I = (4/6)·(2.5/5) = 1/3, against E[I] = −1/3.

    >>> import pandas as pd
    >>> from libpysal.weights import W
    >>> from cityclusters.indicators.spatial import morans_i
    >>> path = W({"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]})
    >>> path.transform = "b"
    >>> values = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0})
    >>> result = morans_i(values, path, permutations=0)
    >>> round(result.I, 4), round(result.expected_I, 4), result.p_sim
    (0.3333, -0.3333, None)
    """
    series = _aligned_values(values, weights)
    require_nonempty(series, "values", minimum=3, what="cities")
    if series.nunique() == 1:
        raise MethodInputError("values: all cities have the same value, so Moran's I is undefined (0/0)")
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) or permutations < 0:
        raise MethodInputError(f"permutations={permutations!r} must be a non-negative integer")
    transform = weights.transform
    state = np.random.get_state()
    try:
        if seed is not None:
            np.random.seed(seed)
        # passing the current transform keeps esda from re-standardising the caller's W
        from esda.moran import Moran

        moran = Moran(series.to_numpy(), weights, transformation=transform,
                      permutations=int(permutations), two_tailed=two_tailed)
    finally:
        np.random.set_state(state)
    return MoranResult(
        I=float(moran.I), expected_I=float(moran.EI), z_norm=float(moran.z_norm),
        p_norm=float(moran.p_norm), p_sim=float(moran.p_sim) if permutations else None,
        permutations=int(permutations), seed=seed, n=int(moran.n), transform=str(transform),
    )


def spatial_lag(values, weights: W) -> pd.Series:
    """Spatial lag Wy: the weighted value of each city's neighbours.

    .. math:: [Wy]_i = \\sum_j w_{ij} y_j .

    With row-standardised weights it is the mean of the neighbours' values, in the unit of
    ``values``; with binary weights their sum.

    Parameters
    ----------
    values : pandas.Series
        One finite value per city, indexed by the weights' ids.
    weights : libpysal.weights.W
        Weights without islands (an island's lag would silently be 0).

    Returns
    -------
    pandas.Series
        Indexed and ordered as ``values``, named ``<name>_lag`` (or ``spatial_lag``).

    Raises
    ------
    MethodInputError
        Missing values, misaligned ids, or weights with islands.

    Notes
    -----
    Source: Anselin (1988), *Spatial Econometrics: Methods and Models*, Kluwer.
    Implementation: ``libpysal.weights.lag_spatial``.

    Examples
    --------
    Row-standardised weights on the path a–b–c–d: b's lag is the mean of a and c, (1 + 3)/2.

    >>> import pandas as pd
    >>> from libpysal.weights import W
    >>> from cityclusters.indicators.spatial import spatial_lag
    >>> path = W({"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]})
    >>> path.transform = "r"
    >>> spatial_lag(pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}, name="gdp"), path).tolist()
    [2.0, 2.0, 3.0, 3.0]
    """
    series = _aligned_values(values, weights)
    from libpysal.weights import lag_spatial

    lag = lag_spatial(weights, series.to_numpy())
    name = f"{values.name}_lag" if isinstance(values, pd.Series) and values.name is not None else "spatial_lag"
    original_order = as_series(values, "values").index
    return pd.Series(lag, index=series.index, name=name).reindex(original_order)
