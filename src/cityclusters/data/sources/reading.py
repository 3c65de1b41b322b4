"""Reading a registered raw file with its expected columns checked."""

from __future__ import annotations

import csv
import datetime as dt
import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from cityclusters.data.fetch import fetch
from cityclusters.errors import SourceFormatError


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
    header is not as expected (e.g. a renamed column), and naming the file and row when a CSV
    is cut short (see :func:`refuse_cut_csv`).
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
            refuse_cut_csv(path, where, read_kwargs.get("sep", ","))
    except SourceFormatError:
        raise
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
            f"{where}, header row: missing column(s) {missing}; found {list(frame.columns)[:20]}."
        )
    frame = frame[list(columns)].rename(columns=dict(columns))
    frame.insert(0, "source_row", frame.index + 2)
    frame.attrs["source_columns"] = {ours: theirs for theirs, ours in columns.items()}
    return frame


def refuse_cut_csv(path: Path, where: str, sep: str = ",") -> None:
    """Refuse a CSV that breaks off inside its last row (a truncated copy of the file).

    pandas fills the missing trailing cells of a short last row with NaN, so a file cut after
    a complete field would be read as if those values were missing in the source. A file cut
    short does not end with a line break; only then is it parsed again (``csv`` module) to
    compare the number of fields of its last row with the header. Raises
    :class:`SourceFormatError` naming ``where`` and the row. (A file cut exactly at a line
    break cannot be told from a shorter file here: the SHA-256 check of :func:`fetch` is what
    refuses it.)
    """
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        if handle.tell() == 0:
            return
        handle.seek(-1, 2)
        if handle.read(1) in (b"\n", b"\r"):
            return
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # boundary polygons (WKT) exceed the default 128 KB
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            records = csv.reader(handle, delimiter=sep)
            header = next(records, [])
            row, last = 1, header
            for last in records:
                row += 1
    finally:
        csv.field_size_limit(limit)
    if len(last) < len(header):
        raise SourceFormatError(
            f"{where}: row {row} (the last) has {len(last)} of the header's {len(header)} "
            f"columns and the file ends without a line break: the file is cut short "
            f"(truncated). Fetch it again."
        )


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


def whole_numbers(frame: pd.DataFrame, column: str, where: str, what: str = "a whole number") -> pd.DataFrame:
    """Make ``column`` integers. A cell must be an integer, a number with no fraction
    (``2019.0``) or digits as text (``"2019"``); anything else (``"2019年"``, ``2019.5``, an
    Excel date cell, true/false, an empty cell) is a :class:`SourceFormatError` naming
    ``where``, the row (``source_row``), the column (with its header in the source when
    :func:`read_checked` recorded it) and the value, never truncated or dropped."""
    values = frame[column]
    if pd.api.types.is_integer_dtype(values) and not pd.api.types.is_bool_dtype(values):
        frame[column] = values.astype(int)
        return frame
    whole = [_whole(value) for value in values]
    bad = [i for i, value in enumerate(whole) if value is None]
    if bad:
        first = frame.iloc[bad[0]]
        value = first[column]
        value = value.item() if isinstance(value, np.generic) else value
        header = frame.attrs.get("source_columns", {}).get(column)
        label = f"'{header}' ({column})" if header and header != column else f"'{column}'"
        row = f"row {int(first['source_row'])}" if "source_row" in frame else f"index {frame.index[bad[0]]}"
        raise SourceFormatError(
            f"{where}: column {label} at {row}: {value!r} ({_describe(value)}) is not {what}"
            f" ({len(bad)} such cell(s)).")
    frame[column] = pd.Series(whole, index=frame.index, dtype=int)
    return frame


def _whole(value) -> int | None:
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if np.isfinite(value) and float(value).is_integer() else None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.0+)?\s*", value):
        return int(float(value))
    return None


def _describe(value) -> str:
    if isinstance(value, dt.date | np.datetime64 | pd.Timestamp):
        return "a date cell"
    if isinstance(value, bool | np.bool_):
        return "true/false"
    if isinstance(value, float | np.floating):
        return "empty" if np.isnan(value) else "a number with a fraction"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def finish_panel(frame: pd.DataFrame, where: str, keys: list[str], numeric: list[str],
                 strip: tuple[str, ...] = ()) -> pd.DataFrame:
    """The common end of a panel reader: drop footer rows (no key), convert ``numeric`` columns
    (naming the row and column of a bad cell), make ``year`` and ``code`` integers and strip
    the text columns in ``strip``."""
    frame = drop_footer_rows(frame, keys, where)
    frame = to_number(frame, numeric, where)
    frame = whole_numbers(frame, "year", where, "a year")
    if "code" in frame:
        frame = whole_numbers(frame, "code", where, "a city code")
    for column in strip:
        frame[column] = frame[column].astype(str).str.strip()
    return frame.reset_index(drop=True)


def describe_duplicates(frame: pd.DataFrame, duplicated: pd.Series, name: str | None = None,
                        limit: int = 5) -> str:
    """The (city_code, year) keys of the ``duplicated`` rows of ``frame`` with their source rows,
    e.g. ``成都市 (city_code 510100), year 2019: rows [4, 16]`` (the name from column ``name``),
    for error messages that must name the city, the year and the rows."""
    parts = []
    for (code, year), group in frame.loc[duplicated].groupby(["city_code", "year"], sort=True):
        label = f"city_code {int(code)}"
        if name is not None and name in group and isinstance(group[name].iloc[0], str):
            label = f"{group[name].iloc[0]} ({label})"
        parts.append(f"{label}, year {int(year)}: rows {[int(r) for r in group['source_row']]}")
    more = f"; and {len(parts) - limit} more" if len(parts) > limit else ""
    return "; ".join(parts[:limit]) + more


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
        raise SourceFormatError(f"{where}: two rows for one city and year after matching: "
                                f"{describe_duplicates(out, dup, 'name_zh')}.")
    out.attrs["unmatched"] = unmatched
    return out
