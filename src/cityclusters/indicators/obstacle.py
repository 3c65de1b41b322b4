"""Obstacle degree (障碍度模型): which indicators hold a unit's composite score down.

For a unit i with normalised indicators x'_ij in [0, 1] and indicator weights w_j (the
factor contribution; in a two-level index, the indicator weight times its subsystem's
weight), the deviation I_ij = 1 − x'_ij is how far the indicator is from the best value and

    O_ij = w_j I_ij / Σ_j w_j I_ij

is the share of the unit's total weighted shortfall due to indicator j (Σ_j O_ij = 1). A
subsystem's obstacle degree is the sum of its indicators' O_ij.

Source: the obstacle-degree (障碍度) model of the Chinese regional-evaluation literature, as
used e.g. by Zheng Jing, Yu Hao & Huang Senwei (2017), 基于DPSIR-TOPSIS模型的福建省生态环境
承载力评价及障碍因素研究, 环境科学学报 37(11): 4391–4398.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cityclusters.checks import as_frame, require_choice, require_positive, require_unit_interval
from cityclusters.errors import MethodInputError
from cityclusters.indicators.weights import aligned_weights

AT_IDEAL = ("raise", "zero")


def obstacle_degree(normalised: pd.DataFrame, weights, at_ideal: str = "raise") -> pd.DataFrame:
    """Obstacle degree O_ij of every indicator for every row (shares summing to 1 per row).

    Parameters
    ----------
    normalised : DataFrame
        Normalised indicators in [0, 1] (rows × indicators), oriented so 1 is best.
    weights : Series or mapping
        Indicator weights covering every column, summing to 1.
    at_ideal : {"raise", "zero"}
        A row at the best value on every weighted indicator has no shortfall, so O is 0/0.
        ``"raise"`` refuses such rows (naming them); ``"zero"`` returns 0 for all their
        indicators, so that row sums are 0 instead of 1 there.

    Returns
    -------
    DataFrame of the same shape, values in [0, 1] (fractions, not per cent).

    Examples
    --------
    City A's weighted gaps are 0.6·0.5 = 0.3, 0.3·1 = 0.3 and 0.1·0 = 0 (total 0.6), so its
    obstacle degrees are 0.5, 0.5 and 0; city B's are 0, 0.15 and 0.1 (total 0.25).

    >>> import pandas as pd
    >>> from cityclusters.indicators.obstacle import obstacle_degree
    >>> x = pd.DataFrame({"gdp_pc": [0.5, 1.0], "green": [0.0, 0.5], "doctors": [1.0, 0.0]},
    ...                  index=pd.Index(["A", "B"], name="city"))
    >>> weights = {"gdp_pc": 0.6, "green": 0.3, "doctors": 0.1}
    >>> obstacle_degree(x, weights).round(4)  # doctest: +NORMALIZE_WHITESPACE
          gdp_pc  green  doctors
    city
    A        0.5    0.5      0.0
    B        0.0    0.6      0.4
    """
    require_choice(at_ideal, AT_IDEAL, "at_ideal")
    frame = as_frame(normalised, "normalised")
    require_unit_interval(frame, "normalised")
    weights = aligned_weights(frame, weights)
    weighted_gap = (1.0 - frame) * weights
    total = weighted_gap.sum(axis=1)
    ideal = total.index[total <= 0]
    if len(ideal) and at_ideal == "raise":
        raise MethodInputError(
            f"normalised: row(s) {list(ideal[:5])} are at the best value on every weighted "
            "indicator, so their obstacle shares are 0/0; pass at_ideal='zero' to report 0")
    shares = weighted_gap.div(total.where(total > 0, 1.0), axis=0)
    shares.loc[total <= 0] = 0.0
    return shares


def two_level_obstacle_degree(normalised: pd.DataFrame, within: Mapping[str, float],
                              subsystem_of: Mapping[str, str]) -> pd.DataFrame:
    """Obstacle degrees in a two-level index with equal subsystem weights and missing values.

    In the index of :mod:`cityclusters.indicators.multiverse` the score of subsystem s in row
    i is U_is = Σ_{j∈s, observed} w_j x'_ij / Σ_{j∈s, observed} w_j (weights ``within`` sum to
    1 inside each subsystem; a missing indicator's weight goes to the observed ones) and the
    k subsystems count equally. The factor contribution of indicator j in row i is therefore
    w_ij = w_j / (k · Σ_{l∈s(j), observed} w_l), and the obstacle degree is that of
    :func:`obstacle_degree` with these row-specific weights: O_ij = w_ij (1 − x'_ij) /
    Σ_j w_ij (1 − x'_ij), NaN where x'_ij is missing. Summed over a subsystem it equals
    (1 − U_is) / Σ_t (1 − U_it): a subsystem's share of the shortfall of its score from 1.
    With no missing value and no subsystem structure beyond equal weights this is
    :func:`obstacle_degree` with weights w_j / k (tested).

    Rows with no shortfall (every observed x' = 1) or with a subsystem entirely missing are
    refused (they have no defined index).

    Examples
    --------
    Subsystem "eco" has two indicators weighted ¾ and ¼, "soc" one; city B lacks ``wage``, so
    ``gdp`` carries all of eco's weight there. City A: U = (¾·0.2 + ¼·1, 0.5) = (0.4, 0.5),
    shortfalls 0.6 and 0.5 (eco's split 0.6 : 0.0 between gdp and wage).

    >>> import numpy as np
    >>> import pandas as pd
    >>> from cityclusters.indicators.obstacle import two_level_obstacle_degree
    >>> x = pd.DataFrame({"gdp": [0.2, 0.6], "wage": [1.0, np.nan], "doctors": [0.5, 0.8]},
    ...                  index=pd.Index(["A", "B"], name="city"))
    >>> o = two_level_obstacle_degree(x, {"gdp": 0.75, "wage": 0.25, "doctors": 1.0},
    ...                               {"gdp": "eco", "wage": "eco", "doctors": "soc"})
    >>> o.round(4)  # doctest: +NORMALIZE_WHITESPACE
             gdp  wage  doctors
    city
    A     0.5455   0.0   0.4545
    B     0.6667   NaN   0.3333
    """
    frame = as_frame(normalised, "normalised")
    missing = [c for c in frame.columns if c not in subsystem_of or c not in within]
    if missing:
        raise MethodInputError(f"within/subsystem_of: no weight or subsystem for indicator(s) {missing}")
    observed = frame.notna()
    values = frame.to_numpy()
    if ((values[observed.to_numpy()] < 0) | (values[observed.to_numpy()] > 1)).any():
        raise MethodInputError("normalised: observed values outside [0, 1]; expected normalised scores")
    weight = pd.Series({c: float(within[c]) for c in frame.columns})
    require_positive(weight, "within", why="weights must be non-negative", strict=False)
    group = pd.Series({c: subsystem_of[c] for c in frame.columns})
    k = group.nunique()
    observed_weight = observed.mul(weight, axis=1)
    per_subsystem = observed_weight.T.groupby(group, sort=False).sum().T
    empty = per_subsystem.index[(per_subsystem <= 0).any(axis=1)]
    if len(empty):
        raise MethodInputError(f"normalised: row(s) {list(empty[:5])} have a subsystem with no observed, "
                               "weighted indicator, so they have no index and no obstacle degrees")
    denominator = per_subsystem[group.to_numpy()].set_axis(frame.columns, axis=1)
    factor = observed_weight / (k * denominator)
    gap = (1.0 - frame) * factor
    total = gap.sum(axis=1)
    ideal = total.index[total <= 0]
    if len(ideal):
        raise MethodInputError(f"normalised: row(s) {list(ideal[:5])} are at the best value on every weighted "
                               "indicator, so their obstacle shares are 0/0")
    return gap.div(total, axis=0)


def subsystem_obstacle(obstacles: pd.DataFrame, subsystem_of: Mapping[str, str]) -> pd.DataFrame:
    """Obstacle degree of each subsystem: the sum of its indicators' obstacle degrees.

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.indicators.obstacle import subsystem_obstacle
    >>> o = pd.DataFrame({"gdp_pc": [0.5, 0.0], "green": [0.5, 0.6], "doctors": [0.0, 0.4]},
    ...                  index=["A", "B"])
    >>> subsystem_obstacle(o, {"gdp_pc": "economy", "green": "society", "doctors": "society"})
       economy  society
    A      0.5      0.5
    B      0.0      1.0
    """
    frame = as_frame(obstacles, "obstacles")
    missing = [c for c in frame.columns if c not in subsystem_of]
    if missing:
        raise MethodInputError(f"subsystem_of: no subsystem for indicator(s) {missing}")
    order = list(dict.fromkeys(subsystem_of[c] for c in frame.columns))
    grouped = frame.T.groupby(lambda c: subsystem_of[c], sort=False).sum().T
    return grouped[order]


def top_obstacles(obstacles: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` largest obstacles of each row, long format: row keys, rank, indicator, degree.

    Examples
    --------
    Ties are broken by indicator name (``gdp_pc`` before ``green`` for city A).

    >>> import pandas as pd
    >>> from cityclusters.indicators.obstacle import top_obstacles
    >>> o = pd.DataFrame({"gdp_pc": [0.5, 0.0], "green": [0.5, 0.6], "doctors": [0.0, 0.4]},
    ...                  index=pd.Index(["A", "B"], name="city"))
    >>> top_obstacles(o, n=1)
      city  rank indicator  obstacle_degree
    0    A     1    gdp_pc              0.5
    1    B     1     green              0.6
    """
    frame = as_frame(obstacles, "obstacles")
    if not 1 <= n <= frame.shape[1]:
        raise MethodInputError(f"n={n} must lie between 1 and the {frame.shape[1]} indicators")
    long = frame.stack().rename("obstacle_degree").reset_index()
    row_keys = list(long.columns[:-2])
    long = long.rename(columns={long.columns[-2]: "indicator"})
    long = long.sort_values(row_keys + ["obstacle_degree", "indicator"],
                            ascending=[True] * len(row_keys) + [False, True], kind="mergesort")
    long["rank"] = long.groupby(row_keys, sort=False).cumcount() + 1
    return long.loc[long["rank"] <= n, row_keys + ["rank", "indicator", "obstacle_degree"]]\
        .reset_index(drop=True)
