"""Poisson pseudo-maximum likelihood (PPML) with high-dimensional fixed effects, for gravity
equations of flows.

Model: E[y_ij | x] = exp(α_i + γ_j + x_ij'β), y ≥ 0 (zeros allowed), estimated by the
Poisson score equations Σ (y − μ) [x, d] = 0 (Santos Silva & Tenreyro 2006, *The log of
gravity*, REStat 88(4): 641–658). The fixed effects are partialled out inside each
iteratively reweighted least-squares step by alternating weighted demeaning (the method of
Correia, Guimarães & Zylkin 2020, *Fast Poisson estimation with high-dimensional fixed
effects*, Stata Journal 20(1): 95–115; our implementation). At the solution the
coefficients equal a Poisson GLM with dummy variables for every effect (tested against
statsmodels).

Covariance: the sandwich B⁻¹ M B⁻¹ with B = X̃'WX̃ (X̃ = X with the fixed effects partialled
out under the weights W = diag μ) and M = Σ_g s_g s_g', s_g = X̃_g'(y_g − μ_g), the score of
cluster g; by the Frisch–Waugh–Lovell argument this is the β block of the full sandwich. One
clustering variable: small-sample factor G/(G − 1). Two (origin and destination, Cameron,
Gelbach & Miller 2011, JBES 29(2): 238–249): V = V_o + V_d − V_od, V_od clustered on their
intersection, each with its own G/(G − 1); if V is not positive definite its negative
eigenvalues are set to zero (their eigen-decomposition fix).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cityclusters.errors import MethodInputError


@dataclass(frozen=True)
class PPMLResult:
    """Estimates (``params``), covariance (``cov``), standard errors, the fitted means
    (``mu``, aligned with the rows kept), the rows dropped because a fixed-effect group has no
    positive outcome (``dropped``: their count; their effect would be −∞) and iteration facts."""

    params: pd.Series
    cov: pd.DataFrame
    mu: np.ndarray
    n_obs: int
    dropped: int
    n_clusters: dict = field(default_factory=dict)
    iterations: int = 0
    converged: bool = True

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index)

    def interval(self, term: str, level: float = 0.95) -> tuple[float, float]:
        """Normal (Wald) interval of ``term``."""
        z = stats.norm.ppf(0.5 + level / 2)
        b, se = float(self.params[term]), float(self.std_errors[term])
        return b - z * se, b + z * se


def _demean(values: np.ndarray, groups: list[np.ndarray], weights: np.ndarray, tol: float = 1e-10,
            max_iter: int = 10000) -> np.ndarray:
    """Weighted residuals of ``values`` (n × k) on the dummies of ``groups`` (alternating
    projections: subtract each group's weighted mean in turn until nothing changes)."""
    out = values.copy()
    sizes = [np.bincount(g, weights=weights) for g in groups]
    for _ in range(max_iter):
        change = 0.0
        for g, size in zip(groups, sizes):
            means = np.stack([np.bincount(g, weights=weights * out[:, c]) for c in range(out.shape[1])], axis=1)
            means = means / np.where(size > 0, size, 1.0)[:, None]
            out -= means[g]
            change = max(change, float(np.abs(means).max(initial=0.0)))
        if change < tol or len(groups) == 1:
            break
    return out


def _codes(values) -> np.ndarray:
    return pd.factorize(pd.Series(values), sort=True)[0]


def ppml(y, X: pd.DataFrame, fixed_effects: pd.DataFrame | None = None, cluster: pd.DataFrame | None = None,
         tol: float = 1e-10, max_iter: int = 200) -> PPMLResult:
    """Fit E[y | X, FE] = exp(FE + Xβ) by Poisson pseudo-maximum likelihood.

    Parameters
    ----------
    y : array-like, ≥ 0
    X : pandas.DataFrame
        Regressors (no constant when ``fixed_effects`` are given; a constant is added when
        there are none).
    fixed_effects : pandas.DataFrame, optional
        One column per effect (e.g. origin, destination); each distinct value gets a dummy.
    cluster : pandas.DataFrame, optional
        One or two columns of cluster labels (see the module docstring); None gives the
        heteroskedasticity-robust sandwich (every row its own cluster, factor n/(n − 1)).

    Rows in a fixed-effect group whose outcomes are all zero are dropped first (their effect is
    −∞ and they carry no information on β); ``dropped`` counts them.

    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame({"x": rng.normal(size=400)})
    >>> y = rng.poisson(np.exp(0.5 + 0.3 * x["x"]))
    >>> round(float(ppml(y, x).params["x"]), 2)
    0.23
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or len(y) != len(X):
        raise MethodInputError(f"ppml: y has {len(y)} values, X {len(X)} rows")
    if not np.all(np.isfinite(y)) or (y < 0).any():
        raise MethodInputError("ppml: y must be finite and non-negative")
    if not np.all(np.isfinite(X.to_numpy(dtype=float))):
        raise MethodInputError("ppml: X has missing or infinite values")
    X = X.reset_index(drop=True).astype(float)
    keep = np.ones(len(y), dtype=bool)
    if fixed_effects is not None:
        fixed_effects = fixed_effects.reset_index(drop=True)
        changed = True
        while changed:  # dropping rows can empty another group
            changed = False
            for column in fixed_effects.columns:
                totals = pd.Series(y[keep]).groupby(fixed_effects.loc[keep, column].to_numpy()).transform("sum").to_numpy()
                zero = np.zeros(len(y), dtype=bool)
                zero[np.flatnonzero(keep)[totals <= 0]] = True
                if zero.any():
                    keep &= ~zero
                    changed = True
    else:
        X = X.assign(const=1.0)
    names = list(X.columns)
    yk, Xk = y[keep], X.to_numpy()[keep]
    groups = [] if fixed_effects is None else [_codes(fixed_effects.loc[keep, c]) for c in fixed_effects.columns]
    if len(yk) <= Xk.shape[1]:
        raise MethodInputError("ppml: fewer observations than regressors")

    mu = np.full(len(yk), yk.mean()) * 0.5 + yk * 0.5
    mu = np.maximum(mu, 1e-8 * max(yk.mean(), 1e-300))
    eta = np.log(mu)
    deviance, converged, iteration = np.inf, False, 0
    beta = np.zeros(Xk.shape[1])
    for iteration in range(1, max_iter + 1):
        z = eta + (yk - mu) / mu
        stacked = np.column_stack([z, Xk])
        resid = _demean(stacked, groups, mu) if groups else stacked
        zt, Xt = resid[:, 0], resid[:, 1:]
        sw = np.sqrt(mu)
        beta, *_ = np.linalg.lstsq(Xt * sw[:, None], zt * sw, rcond=None)
        eta = z - (zt - Xt @ beta)
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(yk > 0, yk * np.log(yk / mu), 0.0) - (yk - mu)
        new_deviance = 2 * float(terms.sum())
        if abs(new_deviance - deviance) / max(abs(new_deviance), 0.1) < tol:
            deviance, converged = new_deviance, True
            break
        deviance = new_deviance
    # covariance at the solution
    Xt = (_demean(Xk.copy(), groups, mu) if groups else Xk)
    bread = np.linalg.inv(Xt.T @ (Xt * mu[:, None]))
    scores = Xt * (yk - mu)[:, None]
    n_clusters = {}
    if cluster is None:
        meat = scores.T @ scores * len(yk) / (len(yk) - 1)
    else:
        cluster = cluster.reset_index(drop=True).loc[keep]
        if cluster.shape[1] not in (1, 2):
            raise MethodInputError("ppml: cluster takes one or two columns")
        labels = [cluster[c].astype(str).to_numpy() for c in cluster.columns]
        parts = [(labels[0], 1.0)] if len(labels) == 1 else [
            (labels[0], 1.0), (labels[1], 1.0), (np.char.add(np.char.add(labels[0], "|"), labels[1]), -1.0)]
        meat = np.zeros((Xk.shape[1], Xk.shape[1]))
        for label, sign in parts:
            codes = _codes(label)
            g = codes.max() + 1
            summed = np.zeros((g, Xk.shape[1]))
            np.add.at(summed, codes, scores)
            meat += sign * (g / (g - 1)) * summed.T @ summed
        for column, label in zip(cluster.columns, labels):
            n_clusters[column] = int(len(set(label)))
    cov = bread @ meat @ bread
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    if values.min() < 0:
        cov = vectors @ np.diag(np.clip(values, 0, None)) @ vectors.T
    return PPMLResult(params=pd.Series(beta, index=names), cov=pd.DataFrame(cov, index=names, columns=names),
                      mu=mu, n_obs=int(keep.sum()), dropped=int((~keep).sum()), n_clusters=n_clusters,
                      iterations=iteration, converged=converged)


def ratio_interval(result: PPMLResult, numerator: str, denominator: str, level: float = 0.95) -> dict:
    """g = b_num / b_den with its delta-method standard error and the interval of exp(g).

    Var(g) = ∇g' V ∇g with ∇g = (1/b_den, −b_num/b_den²) (delta method). For a border
    coefficient δ and a distance elasticity β < 0, exp(δ/β) is the border's distance
    equivalent: a cross-border pair has the expected flow of a same-province pair exp(δ/β)
    times as far apart (ln flow = … + β ln d + δ ⇒ β ln d' = β ln d + δ).

    >>> r = PPMLResult(params=pd.Series({"b": -0.5, "d": -1.0}),
    ...                cov=pd.DataFrame([[0.01, 0.0], [0.0, 0.0025]], index=["b", "d"], columns=["b", "d"]),
    ...                mu=np.array([]), n_obs=0, dropped=0)
    >>> out = ratio_interval(r, "b", "d")
    >>> round(out["ratio"], 3), round(out["se"], 4), round(out["exp_ratio"], 3)
    (0.5, 0.1031, 1.649)
    """
    b_num, b_den = float(result.params[numerator]), float(result.params[denominator])
    if b_den == 0:
        raise MethodInputError(f"ratio_interval: the coefficient of {denominator!r} is zero")
    gradient = np.array([1 / b_den, -b_num / b_den ** 2])
    cov = result.cov.loc[[numerator, denominator], [numerator, denominator]].to_numpy()
    se = float(np.sqrt(gradient @ cov @ gradient))
    z = stats.norm.ppf(0.5 + level / 2)
    g = b_num / b_den
    return {"ratio": g, "se": se, "low": g - z * se, "high": g + z * se, "exp_ratio": float(np.exp(g)),
            "exp_low": float(np.exp(g - z * se)), "exp_high": float(np.exp(g + z * se))}


def fit_terms(result: PPMLResult, terms: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """Tidy rows ``term``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high`` for ``terms``
    (normal intervals, :meth:`PPMLResult.interval`).

    >>> r = PPMLResult(params=pd.Series({"b": -1.0}), cov=pd.DataFrame([[0.04]], index=["b"], columns=["b"]),
    ...                mu=np.array([]), n_obs=0, dropped=0)
    >>> fit_terms(r, ["b"]).round(3).values.tolist()
    [['b', -1.0, 0.2, -1.392, -0.608]]
    """
    rows = []
    for term in terms:
        low, high = result.interval(term, level)
        rows.append({"term": term, "estimate": float(result.params[term]),
                     "std_error": float(result.std_errors[term]), "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)
