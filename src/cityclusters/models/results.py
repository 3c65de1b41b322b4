"""A tidy, library-independent container for regression results.

The book prints models from statsmodels and linearmodels side by side; converting both to
one shape keeps the tables consistent. ``coefficients`` has the columns of
:data:`COEFFICIENT_COLUMNS`; ``statistics`` holds the model-level facts a regression table
reports (N, R², fixed effects, covariance type, number of clusters).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

COEFFICIENT_COLUMNS = ["term", "estimate", "std_error", "t_stat", "p_value", "ci_low", "ci_high"]


@dataclass(frozen=True)
class RegressionResult:
    """One fitted model in tidy form.

    Attributes
    ----------
    name : str
        Short label used as the column header of a regression table.
    coefficients : pandas.DataFrame
        Columns ``term, estimate, std_error, t_stat, p_value, ci_low, ci_high``; the
        confidence interval is at ``level`` (default 95 %).
    statistics : dict
        ``n_obs`` (int), ``r2`` (float or None), ``r2_within`` (float or None),
        ``fixed_effects`` (tuple of str, e.g. ``("city", "year")``), ``cov_type`` (str),
        ``n_clusters`` (int or None), ``dependent`` (str) and anything model-specific.
    level : float
        Confidence level of ``ci_low``/``ci_high``.
    covariance : pandas.DataFrame or None
        Estimated covariance matrix of the reported terms (index and columns are the terms),
        when the estimator provides one; used by :meth:`wald_test`. Optional, so that a
        result built by hand needs only a name and a coefficient table.
    """

    name: str
    coefficients: pd.DataFrame
    statistics: dict = field(default_factory=dict)
    level: float = 0.95
    covariance: pd.DataFrame | None = None

    def coefficient(self, term: str) -> pd.Series:
        """The row of ``term`` (raises KeyError listing the available terms)."""
        rows = self.coefficients.loc[self.coefficients["term"] == term]
        if rows.empty:
            raise KeyError(f"term {term!r} not in model {self.name!r}; terms: "
                           f"{list(self.coefficients['term'])}")
        return rows.iloc[0]

    def wald_test(self, terms, dof: float | None = None) -> dict:
        """Joint test that the coefficients of ``terms`` are all zero.

        W = b' V⁻¹ b with b the estimates and V their covariance (from :attr:`covariance`);
        under the null W ~ χ²(q) with q = len(terms). With ``dof`` the F form W/q ~ F(q, dof)
        is used instead (e.g. dof = clusters − 1). Returns ``statistic``, ``df``, ``p_value``
        and ``distribution``. Raises ValueError without a covariance, KeyError for an
        unknown term.

        Examples
        --------
        b = (1, 2) with V = diag(1, 4): W = 1²/1 + 2²/4 = 2, and P(χ²₂ > 2) = e⁻¹ = 0.3679.

        >>> import pandas as pd
        >>> from cityclusters.models.results import RegressionResult, tidy_coefficients
        >>> b, se = pd.Series({"a": 1.0, "c": 2.0}), pd.Series({"a": 1.0, "c": 2.0})
        >>> fit = RegressionResult("m", tidy_coefficients(b, se),
        ...                        covariance=pd.DataFrame([[1.0, 0.0], [0.0, 4.0]],
        ...                                                index=["a", "c"], columns=["a", "c"]))
        >>> test = fit.wald_test(["a", "c"])
        >>> round(test["statistic"], 4), test["df"], round(test["p_value"], 4)
        (2.0, 2, 0.3679)
        """
        if self.covariance is None:
            raise ValueError(f"model {self.name!r} carries no covariance matrix")
        terms = [terms] if isinstance(terms, str) else list(terms)
        missing = [t for t in terms if t not in self.covariance.index]
        if missing:
            raise KeyError(f"terms {missing} not in the covariance of model {self.name!r}")
        b = np.array([self.coefficient(t)["estimate"] for t in terms], dtype=float)
        v = self.covariance.loc[terms, terms].to_numpy(dtype=float)
        # pinv: a singular V (e.g. a term that is a linear combination of others) still
        # gives the test of the estimable part instead of an error
        statistic = float(b @ np.linalg.pinv(v) @ b)
        q = len(terms)
        if dof is None:
            return {"statistic": statistic, "df": q, "p_value": float(stats.chi2.sf(statistic, q)),
                    "distribution": "chi2"}
        f = statistic / q
        return {"statistic": f, "df": (q, dof), "p_value": float(stats.f.sf(f, q, dof)),
                "distribution": "F"}


def tidy_coefficients(estimates: pd.Series, std_errors: pd.Series, dof: float | None = None,
                      level: float = 0.95) -> pd.DataFrame:
    """Build the coefficient table from estimates and standard errors.

    t = b / se; p and the interval use Student's t with ``dof`` degrees of freedom, or the
    normal distribution when ``dof`` is None (as linearmodels does for clustered errors).

    Examples
    --------
    b = 2, se = 1 and no degrees of freedom (normal): t = 2, p = 2(1 − Φ(2)) = 0.0455,
    interval 2 ± 1.96.

    >>> import pandas as pd
    >>> from cityclusters.models.results import tidy_coefficients
    >>> tidy_coefficients(pd.Series({"x": 2.0}), pd.Series({"x": 1.0})).round(4)
      term  estimate  std_error  t_stat  p_value  ci_low  ci_high
    0    x       2.0        1.0     2.0   0.0455    0.04     3.96
    """
    estimates = pd.Series(estimates, dtype=float)
    std_errors = pd.Series(std_errors, dtype=float).reindex(estimates.index)
    t_stat = estimates / std_errors
    dist = stats.norm if dof is None else stats.t(dof)
    p_value = 2 * dist.sf(np.abs(t_stat))
    crit = dist.ppf(0.5 + level / 2)
    return pd.DataFrame({
        "term": [str(t) for t in estimates.index],
        "estimate": estimates.to_numpy(),
        "std_error": std_errors.to_numpy(),
        "t_stat": t_stat.to_numpy(),
        "p_value": np.asarray(p_value, dtype=float),
        "ci_low": (estimates - crit * std_errors).to_numpy(),
        "ci_high": (estimates + crit * std_errors).to_numpy(),
    })[COEFFICIENT_COLUMNS]
