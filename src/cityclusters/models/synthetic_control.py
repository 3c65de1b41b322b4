"""Synthetic control for one treated unit (or one treated group's mean), with placebo-in-space
inference (Abadie, Diamond & Hainmueller 2010).

The weights fit the treated unit's pre-treatment outcome path only (no other predictors, equal
weight for every pre-treatment year); the reference library ``pysyncon`` with the same
(custom, equal) predictor weights gives the same fit (tested).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from cityclusters.errors import MethodInputError


def synthetic_weights(treated_pre: np.ndarray, donors_pre: np.ndarray) -> np.ndarray:
    r"""Donor weights of a synthetic control.

    PROBLEM::

        w* = argmin_w ‖x₁ − X₀ w‖²   s.t.  w_j ≥ 0,  Σ_j w_j = 1

    with x₁ the treated unit's T₀ pre-treatment outcomes and X₀ (T₀ × J) the donors'. Solved as
    non-negative least squares with the adding-up constraint appended as a heavily weighted
    row (K·1'w = K, K = 10⁴·(1 + max |X|)), then rescaled to sum to one; the constraint holds
    to ~1e-8 and the fit equals that of a quadratic-programming solver (tested against
    ``pysyncon``).

    SOURCE: Abadie, Diamond & Hainmueller (2010), *Journal of the American Statistical
    Association* 105(490): 493–505; Abadie (2021), *Journal of Economic Literature* 59(2):
    391–425.

    Examples
    --------
    The treated path is exactly halfway between two donors; a third donor is far off:

    >>> import numpy as np
    >>> x0 = np.array([[0.0, 2.0, 9.0], [1.0, 3.0, 9.0], [2.0, 2.0, 9.0]])
    >>> synthetic_weights(np.array([1.0, 2.0, 2.0]), x0).round(6).tolist()
    [0.5, 0.5, 0.0]
    """
    x1 = np.asarray(treated_pre, dtype=float)
    x0 = np.asarray(donors_pre, dtype=float)
    if x0.ndim != 2 or x1.shape != (x0.shape[0],):
        raise MethodInputError(f"donors_pre must be T0 × J and treated_pre of length T0; got "
                               f"{x0.shape} and {x1.shape}")
    if not (np.isfinite(x0).all() and np.isfinite(x1).all()):
        raise MethodInputError("synthetic_weights: missing or infinite outcomes")
    if x0.shape[1] == 0:
        raise MethodInputError("donors_pre: no donor")
    k = 1e4 * (1.0 + float(np.abs(np.c_[x0, x1]).max()))
    w, _ = nnls(np.vstack([x0, np.full((1, x0.shape[1]), k)]), np.r_[x1, k], maxiter=50 * x0.shape[1])
    return w / w.sum()


def synthetic_control(wide: pd.DataFrame, treated: Sequence, donors: Sequence,
                      first_treated: int) -> dict:
    """Synthetic control of the mean outcome of ``treated`` (rows of ``wide``, units × periods)
    from ``donors``, treatment from period ``first_treated`` on.

    Returns ``weights`` (Series by donor), ``gap`` (Series by period: treated − synthetic),
    ``pre_rmspe`` and ``post_rmspe`` (root mean squared gap before / from ``first_treated``),
    ``ratio`` (post/pre RMSPE, the placebo test statistic), ``att`` (mean post-period gap),
    ``n_pre``, ``n_post``. Units of the outcome.

    Examples
    --------
    The treated path is halfway between donors a and b before 2003, then 2 above them:

    >>> import pandas as pd
    >>> wide = pd.DataFrame({2000: [0.0, 2, 9, 1], 2001: [1.0, 3, 9, 2], 2002: [2.0, 2, 9, 2],
    ...                      2003: [1.0, 1, 1, 3]}, index=["a", "b", "c", "t"])
    >>> fit = synthetic_control(wide, ["t"], ["a", "b", "c"], 2003)
    >>> fit["weights"].round(6).tolist(), round(fit["att"], 6), round(fit["pre_rmspe"], 6)
    ([0.5, 0.5, 0.0], 2.0, 0.0)
    """
    periods = np.asarray(wide.columns)
    pre, post = periods < first_treated, periods >= first_treated
    if pre.sum() < 2 or post.sum() < 1:
        raise MethodInputError(f"first_treated={first_treated}: need at least 2 pre-treatment "
                               "periods and one treated period in the panel")
    missing = [u for u in list(treated) + list(donors) if u not in wide.index]
    if missing:
        raise MethodInputError(f"wide: no row for unit(s) {missing[:5]}")
    if set(treated) & set(donors):
        raise MethodInputError("a treated unit cannot be its own donor")
    y1 = wide.loc[list(treated)].to_numpy(dtype=float).mean(axis=0)
    y0 = wide.loc[list(donors)].to_numpy(dtype=float)
    w = synthetic_weights(y1[pre], y0[:, pre].T)
    gap = y1 - w @ y0
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[post] ** 2)))
    return {"weights": pd.Series(w, index=list(donors)), "gap": pd.Series(gap, index=periods),
            "pre_rmspe": pre_rmspe, "post_rmspe": post_rmspe,
            "ratio": post_rmspe / pre_rmspe if pre_rmspe > 0 else np.inf,
            "att": float(gap[post].mean()), "n_pre": int(pre.sum()), "n_post": int(post.sum())}


def placebo_in_space(wide: pd.DataFrame, treated: Sequence, donors: Sequence,
                     first_treated: int, n_groups: int = 199, seed: int = 0) -> dict:
    """Placebo-in-space inference for :func:`synthetic_control`.

    One treated unit: every donor in turn is treated as if it had been treated at
    ``first_treated``, with the other donors as its pool. A treated group of k units (its mean
    path is the treated series): ``n_groups`` seeded random groups of k donors play the treated
    group, with the other donors as the pool (a mean of k units is smoother than one unit, so
    single-unit placebos would not be comparable).

    Two statistics, each ranked among the placebos, p = (1 + #{placebos at least as extreme})
    / (1 + number of placebos):

    * ``p_ratio``: post/pre RMSPE ratio (Abadie, Diamond & Hainmueller 2010, section 2.4;
      guards against placebos that fit badly before treatment). Not informative when the
      pre-period fits are (near) exact, as with two or three pre-treatment years.
    * ``p_att``: |mean post-period gap| (the effect itself).

    Valid as tests of no effect when the treated unit (group) was as likely as any donor
    (group) to be treated. With J placebos the smallest attainable p is 1/(J + 1).

    Returns ``fit`` (of the treated), ``placebos`` (DataFrame units, pre_rmspe, post_rmspe,
    ratio, att), ``p_ratio``, ``p_att``, ``n_placebos``.

    Examples
    --------
    The treated city jumps by 5 in 2003; no donor moves by more than 1, so its gap is the most
    extreme of the four and p = 1/4, the smallest three placebos allow:

    >>> import pandas as pd
    >>> wide = pd.DataFrame({2000: [0.0, 2, 1, 1], 2001: [1.0, 3, 2, 2], 2002: [2.0, 2, 2, 2],
    ...                      2003: [2.0, 2, 3, 7]}, index=["a", "b", "c", "t"])
    >>> res = placebo_in_space(wide, ["t"], ["a", "b", "c"], 2003)
    >>> round(res["fit"]["att"], 6), res["p_att"], res["n_placebos"]
    (5.0, 0.25, 3)
    """
    fit = synthetic_control(wide, treated, donors, first_treated)
    donors = list(donors)
    k = len(list(treated))
    if k == 1:
        groups = [[d] for d in donors]
    else:
        if k >= len(donors):
            raise MethodInputError(f"treated: {k} units but only {len(donors)} donors; a placebo "
                                   "group needs donors left over for its pool")
        rng = np.random.default_rng(seed)
        groups = [list(rng.choice(donors, size=k, replace=False)) for _ in range(n_groups)]
    rows = []
    for group in groups:
        others = [o for o in donors if o not in set(group)]
        p = synthetic_control(wide, group, others, first_treated)
        rows.append({"units": tuple(group), "pre_rmspe": p["pre_rmspe"],
                     "post_rmspe": p["post_rmspe"], "ratio": p["ratio"], "att": p["att"]})
    placebos = pd.DataFrame(rows)
    n = len(placebos)
    p_ratio = (1 + int((placebos["ratio"] >= fit["ratio"]).sum())) / (1 + n)
    p_att = (1 + int((placebos["att"].abs() >= abs(fit["att"])).sum())) / (1 + n)
    return {"fit": fit, "placebos": placebos, "p_ratio": p_ratio, "p_att": p_att,
            "n_placebos": n}
