"""The prefecture panel of maswiebe/meritocratic_promotion (``data/prefecture.dta``, Stata).

Compiled from CEIC by the authors of the repository; first-release GDP vintage. The book uses
local general budget revenue and GDP only, for derived ratios (chapter 11). The four
municipalities are not in the file; revenue stops in 2017.
"""

from __future__ import annotations

import pandas as pd

from cityclusters.data.fetch import fetch
from cityclusters.data.sources.reading import to_number, whole_numbers
from cityclusters.errors import SourceFormatError

PREFECTURE = "maswiebe__meritocratic_promotion/data/prefecture.dta"
#: Stata variable → our column.
COLUMNS = {"year": "year", "prefid": "prefid", "revenue": "revenue", "gdp": "gdp"}


def read_prefecture() -> pd.DataFrame:
    """Local general budget revenue (万元) and GDP (亿元) by prefecture code (``prefid``, the
    6-digit administrative code) and year, 1991–2019.

    Columns ``source_row, year, prefid, revenue, gdp``; ``source_row`` is the observation
    number in the Stata file (first observation = 1). Observations without a year or code are
    left out (their number is in ``attrs['no_key_rows']``). Raises
    :class:`SourceFormatError` naming the file when it cannot be read or a variable is missing,
    and the row and column of a non-numeric cell (revenue and GDP keep the file's
    numeric types; GDP is float32).
    """
    path = fetch(PREFECTURE)
    try:
        raw = pd.read_stata(path, convert_categoricals=False)
    except Exception as exc:  # a truncated or corrupted file
        raise SourceFormatError(f"{PREFECTURE}: cannot be read ({type(exc).__name__}: {exc}).") from exc
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise SourceFormatError(f"{PREFECTURE}, variable list: missing column(s) {missing}; "
                                f"found {list(raw.columns)[:20]}.")
    frame = raw[list(COLUMNS)].rename(columns=COLUMNS)
    frame.insert(0, "source_row", frame.index + 1)
    keyed = frame.dropna(subset=["prefid", "year"])
    for column in ("revenue", "gdp"):
        # Stata stores numbers typed; GDP is float32 and kept so (the ratios are computed on it)
        if not pd.api.types.is_numeric_dtype(keyed[column]):
            to_number(keyed.copy(), [column], PREFECTURE)  # raises naming the first bad cell
            raise SourceFormatError(f"{PREFECTURE}: column '{column}' is stored as text "
                                    f"({keyed[column].dtype}), not as numbers.")
    frame = keyed.copy()
    frame = whole_numbers(whole_numbers(frame, "year", PREFECTURE, "a year"), "prefid", PREFECTURE, "a prefecture id")
    frame.attrs["no_key_rows"] = len(raw) - len(keyed)
    return frame.reset_index(drop=True)
