r"""Wild cluster restricted (WCR) bootstrap for one coefficient of a linear regression.

Inference with few clusters: cluster-robust t-tests over-reject when the clusters are few or
unequal, and the wild cluster bootstrap with the null imposed (WCR, "WCR-C" in MacKinnon,
Nielsen & Webb 2023) is the recommended repair; with fewer than about a dozen clusters the
two-point (Rademacher) weights allow too few distinct draws and Webb's six-point weights are
used instead.

Model and test (one coefficient β_j of y = Xβ + u, clusters g = 1, …, G)::

    t = (β̂_j − β₀) / se(β̂_j),  se² = f · Σ_g (a' X_g' û_g)²    (CRV1, a = row j of (X'X)⁻¹,
                                                               f = G/(G−1)·(n−1)/(n−k))
    restricted fit: β̃ minimises ‖y − Xβ‖² subject to β_j = β₀; residuals ũ
    bootstrap sample b:  y*_b = Xβ̃ + ũ ∘ v*_{g(i),b},   v* i.i.d. over clusters,
        Webb:       v ∈ {±√(1/2), ±1, ±√(3/2)}, each with probability 1/6
        Rademacher: v ∈ {−1, +1}, each with probability 1/2
    t*_b = (β̂*_j − β₀) / se*(β̂*_j)     (the same CRV1 formula on the bootstrap sample)
    symmetric p-value  p(β₀) = (1/B) Σ_b 1(|t*_b| ≥ |t|)

The factor f cancels between t and t*, so p(β₀) does not depend on how the fixed effects are
counted in k. Ties (|t*_b| = |t| up to a relative 10⁻⁹) count as exceedances: a weight vector
that is constant across clusters reproduces ±t exactly, so under full enumeration the
p-value is that of an exact randomisation test over the weight vectors (conservative by the
share of such vectors: 6/6^G for Webb, 2/2^G for Rademacher).

When the number of distinct weight vectors (6^G or 2^G) is at most the requested ``draws``,
all of them are used once (full enumeration: deterministic, no seed); otherwise ``draws``
vectors are drawn with the given ``seed``.

Computation ("fast and wild", Roodman et al. 2019): with s_g = a'X_g'ũ_g and
C_hg = 1(h = g)·s_g − (X_h'X_h a)'(X'X)⁻¹X_g'ũ_g, the bootstrap numerator is Σ_g v_g s_g and
the bootstrap variance f·Σ_h (Σ_g C_hg v_g)², so each draw costs O(G²), not a regression.
ũ is linear in β₀, so s and C are too, and p(β₀) for any β₀ costs O(B): the confidence
interval is found by test inversion, {β₀ : p(β₀) > 1 − level}, its two ends by bisection
(a bound is ±inf when no β₀ within 10⁶ standard errors of β̂ is rejected).

Fixed effects: pass them as dummy columns of X, or demean within units first (exact by
Frisch–Waugh–Lovell); demeaning is valid for the bootstrap only when the units are nested in
the clusters, because the weights are constant within a cluster
(:func:`wild_bootstrap_fe` demeans by the clustering unit and keeps the period effects as
dummies, the design of :func:`cityclusters.models.panel.within_fits`).

Sources: Cameron, Gelbach & Miller (2008), Bootstrap-based improvements for inference with
clustered errors, *Review of Economics and Statistics* 90(3): 414–427; Webb (2023),
Reworking wild bootstrap-based inference for clustered errors, *Canadian Journal of
Economics* 56(3): 839–858; MacKinnon, Nielsen & Webb (2023), Cluster-robust inference: a
guide to empirical practice, *Journal of Econometrics* 232(2): 272–299; Roodman, MacKinnon,
Nielsen & Webb (2019), Fast and wild: bootstrap inference in Stata using boottest, *Stata
Journal* 19(1): 4–60. Checked against the ``wildboottest`` package
(tests/models/test_wild_bootstrap.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cityclusters.checks import require_columns, require_frame
from cityclusters.errors import MethodInputError
from cityclusters.models.panel import within_design

__all__ = ["WEIGHTS", "DRAWS", "SEED", "FEW_CLUSTERS", "WildBootstrapResult", "weight_matrix", "wild_cluster_bootstrap",
           "wild_bootstrap_ols", "wild_bootstrap_fe"]

#: The weight distributions: name → support (equally likely values).
WEIGHTS = {
    "webb": np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)]),
    "rademacher": np.array([-1.0, 1.0]),
}
#: Default number of bootstrap draws (full enumeration when there are fewer weight vectors).
DRAWS = 9999
#: Default seed of the draws.
SEED = 20240901
#: Below this many clusters the book uses the wild cluster bootstrap instead of t(G − 1)
#: intervals from CRV1 errors: MacKinnon, Nielsen & Webb (2023, section 6) find cluster-robust
#: t-tests unreliable with fewer than about 50 clusters, or with unequal ones, and recommend
#: the WCR bootstrap there.
FEW_CLUSTERS = 50
#: Relative tolerance under which |t*| and |t| count as tied.
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class WildBootstrapResult:
    """The WCR bootstrap of one coefficient: ``estimate`` and its CRV1 ``std_error``,
    ``t_stat`` and ``p_value`` for the null ``null``, the interval [``ci_low``, ``ci_high``]
    at ``level`` by test inversion (±inf where unbounded), ``n_clusters``, ``n_draws`` (the
    number of weight vectors used), ``enumerated`` (all weight vectors used once), ``weights``
    and ``seed`` (None under full enumeration)."""

    term: str
    estimate: float
    std_error: float
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float
    level: float
    null: float
    n_clusters: int
    n_draws: int
    enumerated: bool
    weights: str
    seed: int | None

    @property
    def method(self) -> str:
        """The inference in words, e.g. "wild cluster bootstrap (WCR, Webb weights, all 1,296
        weight vectors of 4 clusters)"."""
        how = (f"all {self.n_draws:,} weight vectors of {self.n_clusters} clusters" if self.enumerated else
               f"{self.n_draws:,} draws, seed {self.seed}, {self.n_clusters} clusters")
        return f"wild cluster bootstrap (WCR, {self.weights.capitalize()} weights, {how})"


def weight_matrix(n_clusters: int, draws: int = DRAWS, weights: str = "webb",
                  seed: int | None = SEED) -> tuple[np.ndarray, bool]:
    """The bootstrap weights, one row per weight vector (rows × ``n_clusters``), and whether
    they are the full enumeration.

    All |support|^G vectors (each once) when that number is at most ``draws``; else ``draws``
    rows drawn with ``seed``.

    >>> v, full = weight_matrix(2, draws=99)
    >>> v.shape, full
    ((36, 2), True)
    >>> weight_matrix(5, draws=999, weights="rademacher")[0].shape
    (32, 5)
    >>> v, full = weight_matrix(8, draws=999)
    >>> v.shape, full, sorted(set(np.round(v.ravel() ** 2, 6).tolist()))
    ((999, 8), False, [0.5, 1.0, 1.5])
    """
    if weights not in WEIGHTS:
        raise MethodInputError(f"weights={weights!r} is not valid; choose one of {list(WEIGHTS)}")
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise MethodInputError(f"draws={draws!r} must be a positive whole number")
    if n_clusters < 2:
        raise MethodInputError(f"clusters: need at least 2 clusters, got {n_clusters}")
    support = WEIGHTS[weights]
    if len(support) ** n_clusters <= draws:
        return np.array(list(itertools.product(support, repeat=n_clusters))), True
    rng = np.random.default_rng(seed)
    return support[rng.integers(0, len(support), size=(int(draws), n_clusters))], False


def _cluster_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.zeros((n_groups,) + values.shape[1:])
    np.add.at(out, codes, values)
    return out


def wild_cluster_bootstrap(x, y, clusters, term: int | str = 0, null: float = 0.0,
                           draws: int = DRAWS, weights: str = "webb", seed: int | None = SEED,
                           level: float = 0.95, names: Sequence[str] | None = None,
                           interval: bool = True) -> WildBootstrapResult:
    """WCR bootstrap test of β_term = ``null`` and its test-inversion interval (module docstring).

    Parameters
    ----------
    x : array (n × k) or DataFrame
        Design matrix with every regressor (a constant and fixed-effect dummies included, or
        the data demeaned within units nested in the clusters).
    y : array (n)
        Outcome.
    clusters : array (n)
        Cluster label of each row (each row its own label: the heteroskedasticity-robust wild
        bootstrap, CRV1 = HC1).
    term : int or str
        Column of ``x`` tested (a name needs ``names`` or a DataFrame ``x``).
    null : float
        β₀ of the reported p-value.
    draws, weights, seed
        :func:`weight_matrix`.
    level : float
        Confidence level of the interval.
    interval : bool
        Compute the interval (False: ``ci_low``/``ci_high`` NaN).

    Examples
    --------
    Six clusters of three rows; all 46,656 Webb vectors are used with ``draws`` = 50,000:

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> g = np.repeat(np.arange(6), 3)
    >>> x = np.column_stack([np.ones(18), rng.normal(size=18)])
    >>> y = 1 + 0.5 * x[:, 1] + rng.normal(size=18)
    >>> r = wild_cluster_bootstrap(x, y, g, term=1, draws=50_000)
    >>> r.enumerated, r.n_draws, r.ci_low < r.estimate < r.ci_high, 0 < r.p_value <= 1
    (True, 46656, True, True)
    """
    if isinstance(x, pd.DataFrame):
        names = list(x.columns) if names is None else list(names)
        x = x.to_numpy(dtype=float)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    if x.ndim != 2 or len(x) != len(y):
        raise MethodInputError(f"x: need an n × k matrix with n = len(y) = {len(y)}, got shape {x.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise MethodInputError("x, y: missing or infinite values; drop those rows first")
    codes, labels = pd.factorize(pd.Series(np.asarray(clusters)), sort=True)
    if len(codes) != len(y) or (codes < 0).any():
        raise MethodInputError("clusters: need one (non-missing) label per row of x")
    if isinstance(term, str):
        if names is None or term not in names:
            raise MethodInputError(f"term={term!r}: not among the columns {list(names or [])}")
        j = list(names).index(term)
    else:
        j = int(term)
        if not 0 <= j < x.shape[1]:
            raise MethodInputError(f"term={term!r}: x has {x.shape[1]} columns")
    if not 0 < level < 1:
        raise MethodInputError(f"level={level!r} must lie between 0 and 1")
    n, k = x.shape
    n_groups = len(labels)
    if n <= k or np.linalg.matrix_rank(x) < k:
        raise MethodInputError(f"x: {n} rows and {k} columns of rank {np.linalg.matrix_rank(x)}; the "
                               "coefficients are not identified")
    v, enumerated = weight_matrix(n_groups, draws, weights, seed)

    xtx_inv = np.linalg.inv(x.T @ x)
    a = xtx_inv[j]
    beta = xtx_inv @ (x.T @ y)
    resid = y - x @ beta
    factor = n_groups / (n_groups - 1) * (n - 1) / (n - k)
    score = _cluster_sums((x @ a) * resid, codes, n_groups)          # a'X_g'û_g
    se = float(np.sqrt(factor * (score ** 2).sum()))

    # restricted residuals ũ(β₀) = M_r (y − β₀ x_j) = u0 − β₀ u1
    others = np.delete(x, j, axis=1)
    if others.shape[1]:
        proj = np.linalg.lstsq(others, np.column_stack([y, x[:, j]]), rcond=None)[0]
        u0, u1 = (np.column_stack([y, x[:, j]]) - others @ proj).T
    else:
        u0, u1 = y.copy(), x[:, j].copy()
    w0 = _cluster_sums(x * u0[:, None], codes, n_groups)              # X_g'ũ_g, G × k
    w1 = _cluster_sums(x * u1[:, None], codes, n_groups)
    q = _cluster_sums(x * (x @ a)[:, None], codes, n_groups)          # X_h'X_h a, G × k
    s0, s1 = w0 @ a, w1 @ a
    c0 = np.diag(s0) - q @ xtx_inv @ w0.T
    c1 = np.diag(s1) - q @ xtx_inv @ w1.T
    n0, n1 = v @ s0, v @ s1
    d0, d1 = v @ c0.T, v @ c1.T
    a0, a1, a2 = (d0 * d0).sum(axis=1), (d0 * d1).sum(axis=1), (d1 * d1).sum(axis=1)

    def p_value(b0: float) -> float:
        t = (beta[j] - b0) / se
        numer = n0 - b0 * n1
        var = factor * np.maximum(a0 - 2 * b0 * a1 + b0 * b0 * a2, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = np.abs(numer / np.sqrt(var))
        return float(np.mean(np.nan_to_num(t_star, nan=0.0) >= abs(t) * (1 - TIE_TOLERANCE)))

    alpha = 1 - level
    low = high = float("nan")
    if interval and se > 0:
        low, high = (_bound(p_value, float(beta[j]), se, alpha, side) for side in (-1, 1))
    return WildBootstrapResult(
        term=str(names[j]) if names is not None else str(j), estimate=float(beta[j]), std_error=se,
        t_stat=float((beta[j] - null) / se) if se > 0 else float("nan"), p_value=p_value(null),
        ci_low=low, ci_high=high, level=level, null=float(null), n_clusters=n_groups, n_draws=len(v),
        enumerated=enumerated, weights=weights, seed=None if enumerated else seed)


def _bound(p_value, estimate: float, se: float, alpha: float, side: int, reach: float = 1e6) -> float:
    """The end of {β₀ : p(β₀) > alpha} on ``side`` of the estimate: step out by doubling
    multiples of ``se`` until a rejected β₀ is found, then bisect to 10⁻⁸·se."""
    inside, step = estimate, se
    while step <= reach * se:
        out = estimate + side * step
        if p_value(out) <= alpha:
            break
        inside, step = out, 2 * step
    else:
        return side * float("inf")
    for _ in range(200):
        if abs(out - inside) <= 1e-8 * se:
            break
        mid = (inside + out) / 2
        if p_value(mid) > alpha:
            inside = mid
        else:
            out = mid
    return float((inside + out) / 2)


def wild_bootstrap_ols(data: pd.DataFrame, dependent: str, regressors, term: str, cluster: str | None = None,
                       add_constant: bool = True, **options) -> WildBootstrapResult:
    """WCR bootstrap of ``term`` in the OLS of :func:`cityclusters.models.panel.ols_regression`
    (same design: the regressors and a constant named ``const``). ``cluster`` names the
    cluster column; None gives every row its own cluster (the wild bootstrap for HC1 errors).
    Rows with a missing value are refused. ``options`` go to :func:`wild_cluster_bootstrap`.

    Examples
    --------
    Four rows on a line y = 1 + 2x: the slope is 2 with zero residuals, so the CRV1 (= HC1)
    error is 0 and all 6^4 = 1,296 Webb vectors are used.

    >>> import pandas as pd
    >>> data = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 3.0, 5.0, 7.0]})
    >>> r = wild_bootstrap_ols(data, "y", "x", "x", interval=False)
    >>> round(r.estimate, 6), round(r.std_error, 6), r.n_draws, r.enumerated
    (2.0, 0.0, 1296, True)
    """
    data = require_frame(data)
    regressors = [regressors] if isinstance(regressors, str) else list(regressors)
    require_columns(data, [dependent, *regressors, *([cluster] if cluster else [])], "data")
    x = data[regressors].astype(float)
    if add_constant:
        x.insert(0, "const", 1.0)
    groups = data[cluster].to_numpy() if cluster else np.arange(len(data))
    return wild_cluster_bootstrap(x, data[dependent].to_numpy(dtype=float), groups, term=term, **options)


def wild_bootstrap_fe(data: pd.DataFrame, dependent: str, regressors, term: str, unit: str, time: str,
                      **options) -> WildBootstrapResult:
    """WCR bootstrap of ``term`` in the two-way fixed-effects regression of
    :func:`cityclusters.models.panel.fixed_effects_regression` (unit and period effects,
    errors clustered by ``unit``): the regressors and period dummies demeaned within units
    (the design of :func:`cityclusters.models.panel.within_fits`; the unit effects are nested
    in the clusters, so demeaning commutes with the cluster weights). Rows with a missing
    value in the outcome or a regressor are dropped. The estimate equals the within
    estimator's; the standard error is CRV1 with k counting the regressors and period dummies
    only (p-value and interval do not depend on that count). ``options`` go to
    :func:`wild_cluster_bootstrap`.

    Examples
    --------
    y = 2x + α_i + λ_t without noise in a 3 × 3 panel (the example of
    :func:`cityclusters.models.panel.fixed_effects_regression`): the within estimate is 2, and 3
    clusters give 6^3 = 216 weight vectors.

    >>> import pandas as pd
    >>> data = pd.DataFrame({"city": list("AAABBBCCC"), "year": [2000, 2001, 2002] * 3,
    ...                      "x": [0.0, 1.0, 3.0, 2.0, 2.0, 0.0, 1.0, 4.0, 2.0]})
    >>> data["y"] = (2 * data["x"] + data["city"].map({"A": 1.0, "B": 0.0, "C": 2.0})
    ...              + data["year"].map({2000: 0.0, 2001: 0.5, 2002: 2.0}))
    >>> r = wild_bootstrap_fe(data, "y", ["x"], "x", unit="city", time="year", interval=False)
    >>> round(r.estimate, 6), r.n_clusters, r.n_draws
    (2.0, 3, 216)
    """
    data = require_frame(data)
    regressors = [regressors] if isinstance(regressors, str) else list(regressors)
    require_columns(data, [dependent, *regressors, unit, time], "data")
    frame = data.dropna(subset=[dependent, *regressors])
    if frame[unit].nunique() < 2:
        raise MethodInputError(f"data: need at least 2 units ({unit}) for the wild cluster bootstrap")
    units = frame[unit].to_numpy()
    xd, y_dm, _, _, periods = within_design(units, frame[time].to_numpy(), frame[regressors].to_numpy(dtype=float),
                                            frame[dependent].to_numpy(dtype=float))
    demeaned = pd.DataFrame(xd, columns=[*regressors, *(f"_t_{p}" for p in periods[1:])])
    # period dummies absorbed by the unit effects (all zero after demeaning) are dropped
    keep = [c for c in demeaned.columns if c in regressors or np.abs(demeaned[c]).max() > 1e-12]
    return wild_cluster_bootstrap(demeaned[keep], y_dm, units, term=term, **options)
