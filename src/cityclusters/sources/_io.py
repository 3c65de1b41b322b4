"""Reading a registered raw file with its expected columns checked."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import pandas as pd

from ..errors import SourceFormatError
from ..fetch import fetch


def read_checked(
    key: str,
    columns: Mapping[str, str],
    *,
    sheet: str | None = None,
    dtype: Mapping[str, object] | None = None,
    **read_kwargs,
) -> pd.DataFrame:
    """Read file ``key`` (Excel sheet or CSV), keep and rename ``columns`` (source → ours).

    Adds ``source_row``: the row number a reader would see in a spreadsheet (header = 1).
    Raises :class:`SourceFormatError` naming the file, sheet and missing columns when the
    header is not as expected (e.g. a renamed column).
    """
    path = fetch(key)
    where = f"{key}" + (f", sheet '{sheet}'" if sheet else "")
    try:
        if path.suffix.lower() in {".xlsx", ".xls"}:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl style warnings
                frame = pd.read_excel(path, sheet_name=sheet, dtype=dtype, **read_kwargs)
        else:
            frame = pd.read_csv(path, dtype=dtype, encoding="utf-8-sig", **read_kwargs)
    except ValueError as exc:
        if sheet and "not found" in str(exc):
            raise SourceFormatError(f"{where}: sheet not found ({exc}).") from exc
        raise SourceFormatError(f"{where}: cannot be read: {exc}") from exc
    except Exception as exc:  # zip/xml/parser errors of a truncated or corrupted file
        raise SourceFormatError(f"{where}: cannot be read ({type(exc).__name__}: {exc}).") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceFormatError(
            f"{where}: missing column(s) {missing}; found {list(frame.columns)[:20]}."
        )
    frame = frame[list(columns)].rename(columns=dict(columns))
    frame.insert(0, "source_row", frame.index + 2)
    return frame


def drop_footer_rows(frame: pd.DataFrame, key_columns: list[str], where: str) -> pd.DataFrame:
    """Remove the trailing block of rows whose first key column (the year) is empty.

    Such rows hold notes and adverts under the table. Any other row with an empty key cell
    is an error naming its row and column, so nothing inside the table is dropped silently.
    The number of footer rows removed is kept in ``frame.attrs['footer_rows']``.
    """
    no_year = frame[key_columns[0]].isna().to_numpy()
    # footer = the longest run of year-less rows at the end of the table
    n_footer = 0
    for flag in no_year[::-1]:
        if not flag:
            break
        n_footer += 1
    body = frame.iloc[: len(frame) - n_footer]
    empty = body[key_columns].isna()
    if empty.any(axis=None):
        first_idx = empty.any(axis=1).idxmax()
        missing_cols = [c for c in key_columns if empty.loc[first_idx, c]]
        raise SourceFormatError(
            f"{where}: {int(empty.any(axis=1).sum())} row(s) with an empty key cell, first at "
            f"row {int(body.loc[first_idx, 'source_row'])}, column(s) {missing_cols}."
        )
    out = body.copy()
    out.attrs["footer_rows"] = n_footer
    return out


def to_number(frame: pd.DataFrame, columns: list[str], where: str) -> pd.DataFrame:
    """Convert ``columns`` to float; text that is not a number is an error naming row and column."""
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = frame.loc[bad].iloc[0]
            raise SourceFormatError(
                f"{where}: column '{column}' has non-numeric value {row[column]!r} at row "
                f"{int(row['source_row'])} ({int(bad.sum())} such cells)."
            )
        frame[column] = values.astype(float)
    return frame


def finish_panel(frame: pd.DataFrame, where: str, keys: list[str], numeric: list[str],
                 strip: tuple[str, ...] = ()) -> pd.DataFrame:
    """The common end of a panel reader: drop footer rows (no key), convert ``numeric`` columns
    (naming the row and column of a bad cell), make ``year`` and ``code`` integers and strip
    the text columns in ``strip``."""
    frame = drop_footer_rows(frame, keys, where)
    frame = to_number(frame, numeric, where)
    frame["year"] = frame["year"].astype(int)
    if "code" in frame:
        frame["code"] = frame["code"].astype(int)
    for column in strip:
        frame[column] = frame[column].astype(str).str.strip()
    return frame.reset_index(drop=True)


def assign_city_codes(frame: pd.DataFrame, codes: pd.Series, where: str,
                      unmatched_columns: list[str]) -> pd.DataFrame:
    """Set ``city_code`` from ``codes`` (aligned with ``frame``; NaN where a row matches no
    prefecture-level city), keep the matched rows and list the others, with the columns
    ``unmatched_columns``, in ``attrs['unmatched']`` so a chapter can report them.

    Raises SourceFormatError naming the source rows if two rows fall on one (city_code, year).
    """
    out = frame.copy()
    out["city_code"] = codes
    unmatched = out.loc[out["city_code"].isna(), unmatched_columns].reset_index(drop=True)
    out = out.dropna(subset=["city_code"])
    out["city_code"] = out["city_code"].astype(int)
    dup = out.duplicated(["city_code", "year"], keep=False)
    if dup.any():
        raise SourceFormatError(f"{where}: two rows for one city and year after matching, rows "
                                f"{out.loc[dup, 'source_row'].tolist()[:10]}")
    out.attrs["unmatched"] = unmatched
    return out
