"""Measures of observed flows inside a city cluster: internal share, the cores' radiation by
distance band and flow centrality.

Inputs are tidy pair tables (``origin``, ``destination`` and a value); shares are fractions of
a city's *total* outflow (Baidu's percentages / 100), so flows to cities outside a focal
city's top-100 list stay in the denominator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cityclusters.checks import require_columns
from cityclusters.errors import MethodInputError


def internal_share(shares: pd.DataFrame, members: Iterable, weights: pd.Series | None = None) -> float:
    """Share of the members' outflows that stay inside the cluster.

    .. math::  I = \\frac{\\sum_{i \\in C} w_i \\sum_{j \\in C, j \\ne i} s_{ij}}{\\sum_{i \\in C} w_i}

    with :math:`s_{ij}` the share of i's total outflow going to j and :math:`w_i` i's outflow
    volume (``weights``; equal weights when None: the mean over member cities). A member
    without any listed flow counts with :math:`\\sum_j s_{ij} = 0` only if it has a weight;
    members absent from ``shares`` and ``weights`` are an error.

    >>> s = pd.DataFrame({"origin": [1, 1, 2, 2], "destination": [2, 9, 1, 9], "share": [0.3, 0.5, 0.6, 0.2]})
    >>> round(internal_share(s, [1, 2]), 3)
    0.45
    >>> round(internal_share(s, [1, 2], pd.Series({1: 3.0, 2: 1.0})), 3)
    0.375
    """
    require_columns(shares, ["origin", "destination", "share"], "shares")
    members = set(members)
    inside = shares[shares["origin"].isin(members) & shares["destination"].isin(members)
                    & (shares["origin"] != shares["destination"])]
    per_city = inside.groupby("origin")["share"].sum()
    known = set(shares["origin"]) | (set(weights.index) if weights is not None else set())
    missing = sorted(members - known)
    if missing:
        raise MethodInputError(f"internal_share: member(s) {missing[:5]} have no outflows and no weight")
    per_city = per_city.reindex(sorted(members), fill_value=0.0)
    if weights is None:
        return float(per_city.mean())
    w = weights.reindex(per_city.index)
    if w.isna().any() or (w < 0).any():
        raise MethodInputError(f"internal_share: missing or negative weights for {w[w.isna() | (w < 0)].index.tolist()[:5]}")
    return float((w * per_city).sum() / w.sum())


def radiation_by_band(shares: pd.DataFrame, core, members: Iterable, distance: pd.Series,
                      bands: Sequence[float] = (0, 100, 200, 300, np.inf)) -> pd.DataFrame:
    """A core city's outflows by distance band: ``to_members`` (share of the core's total
    outflow going to the cluster's other members in the band), ``to_all`` (to any city in the
    band) and ``member_share`` = to_members / to_all; ``n_members`` in the band.

    ``distance``: km from the core, indexed by destination city. Bands are [lo, hi).

    >>> s = pd.DataFrame({"origin": [1, 1, 1], "destination": [2, 3, 4], "share": [0.4, 0.1, 0.2]})
    >>> d = pd.Series({2: 50.0, 3: 150.0, 4: 120.0})
    >>> radiation_by_band(s, 1, [1, 2, 3], d, (0, 100, 200))[["band", "to_members", "to_all"]].values.tolist()
    [['0–100 km', 0.4, 0.4], ['100–200 km', 0.1, 0.30000000000000004]]
    """
    require_columns(shares, ["origin", "destination", "share"], "shares")
    members = set(members) - {core}
    out = shares[(shares["origin"] == core) & (shares["destination"] != core)].copy()
    out["km"] = out["destination"].map(distance)
    if out["km"].isna().any():
        raise MethodInputError(f"radiation_by_band: no distance for destination(s) {out.loc[out['km'].isna(), 'destination'].tolist()[:5]}")
    rows = []
    for lo, hi in zip(bands[:-1], bands[1:]):
        band = out[(out["km"] >= lo) & (out["km"] < hi)]
        to_members = float(band.loc[band["destination"].isin(members), "share"].sum())
        to_all = float(band["share"].sum())
        in_band = [m for m in members if m in distance.index and lo <= distance[m] < hi]
        label = f"{lo:g}–{hi:g} km" if np.isfinite(hi) else f"≥ {lo:g} km"
        rows.append({"band": label, "to_members": to_members, "to_all": to_all,
                     "member_share": to_members / to_all if to_all > 0 else np.nan, "n_members": len(in_band)})
    return pd.DataFrame(rows)


def flow_centrality(volumes: pd.DataFrame, members: Iterable) -> pd.DataFrame:
    """Weighted degree inside the cluster: ``out_degree`` = Σ_{j∈C} F_ij, ``in_degree`` =
    Σ_{j∈C} F_ji (flow volumes, units of ``volume``) and ``share`` = (out + in) / (2 Σ F), the
    city's share of the cluster's internal flows (shares sum to 1).

    >>> v = pd.DataFrame({"origin": [1, 2, 1, 3], "destination": [2, 1, 3, 9], "volume": [3.0, 1.0, 2.0, 5.0]})
    >>> flow_centrality(v, [1, 2, 3])["share"].round(3).tolist()
    [0.5, 0.333, 0.167]
    """
    require_columns(volumes, ["origin", "destination", "volume"], "volumes")
    members = sorted(set(members))
    inside = volumes[volumes["origin"].isin(members) & volumes["destination"].isin(members)
                     & (volumes["origin"] != volumes["destination"])]
    total = float(inside["volume"].sum())
    if total <= 0:
        raise MethodInputError("flow_centrality: no flow between the members")
    out = pd.DataFrame(index=pd.Index(members, name="city_code"))
    out["out_degree"] = inside.groupby("origin")["volume"].sum().reindex(members, fill_value=0.0)
    out["in_degree"] = inside.groupby("destination")["volume"].sum().reindex(members, fill_value=0.0)
    out["share"] = (out["out_degree"] + out["in_degree"]) / (2 * total)
    return out.reset_index()
