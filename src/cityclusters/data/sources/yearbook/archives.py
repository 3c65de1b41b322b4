"""The yearbook's registered RAR5 archives, fetched with their SHA-256 and extracted by bsdtar.

Two archives per edition (2000–2024): the **table form** (one spreadsheet per printed table,
the reliable form) and the vendor's **cross-section** (one wide sheet per edition, used only
after checking it against the table form). Extraction uses ``bsdtar`` (libarchive; Debian
package ``libarchive-tools``) because Python has no maintained RAR5 reader; it is called with an
argument list (no shell) and the result is checked to stay inside the raw area.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from cityclusters.data.fetch import fetch, sha256_of
from cityclusters.data.registry import load_registry
from cityclusters.errors import DataFetchError

SOURCE = "Zeeny-lin__vibe-coding-gis-"
EDITIONS = tuple(range(2000, 2025))
FORMS = ("tables", "cross_section")
_FOLDER = {"tables": "/Excel版本/", "cross_section": "/截面数据版本/"}
_DONE = ".extracted-sha256"


@cache
def archive_key(edition: int, form: str = "tables") -> str:
    """Registry key of the ``form`` archive of ``edition`` (exactly one must exist)."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS[0]}–{EDITIONS[-1]}, got {edition!r}")
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    keys = [
        key for key in load_registry().index
        if key.startswith(SOURCE + "/") and _FOLDER[form] in key and key.endswith(".rar")
        and re.search(rf"中国城市统计年鉴{edition}（", key)
    ]
    if len(keys) != 1:
        raise DataFetchError(f"expected one registered {form} archive of edition {edition}, found {keys}")
    return keys[0]


@cache
def extracted_dir(edition: int, form: str = "tables") -> Path:
    """The folder holding the extracted archive (fetched and extracted once, then reused).

    A marker file records the archive's SHA-256, so a changed archive is extracted again.
    A corrupted archive raises :class:`DataFetchError` naming the file and bsdtar's message.
    """
    key = archive_key(edition, form)
    archive = fetch(key)
    target = archive.parent / f"extracted-{form}-{edition}"
    marker = target / _DONE
    digest = load_registry().loc[key, "sha256"]
    with _extraction_lock(target):  # processes that need it at once extract it once
        if marker.is_file() and marker.read_text(encoding="utf-8").strip() == digest:
            return target
        return extract(archive, target, expected_sha256=digest)


@contextlib.contextmanager
def _extraction_lock(target: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``.<target>.lock`` beside ``target``: a second process waits
    until the first has extracted the archive (the lock ends with the process that holds it)."""
    with open(target.parent / f".{target.name}.lock", "a", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def extract(archive: Path, target: Path, expected_sha256: str | None = None) -> Path:
    """Extract ``archive`` into ``target`` with bsdtar and return ``target``.

    Refuses members that would land outside ``target`` (bsdtar already strips absolute
    paths and ``..``; this is checked again afterwards).
    """
    if shutil.which("bsdtar") is None:
        raise DataFetchError(
            "bsdtar is needed to extract the yearbook's RAR archives: install Debian's "
            "libarchive-tools (scripts/ensure_system_deps.sh does)."
        )
    if expected_sha256 is not None and sha256_of(archive) != expected_sha256:
        raise DataFetchError(f"{archive}: SHA-256 differs from the registry; fetch it again.")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    result = subprocess.run(
        ["bsdtar", "-x", "-f", str(archive), "-C", str(partial)],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise DataFetchError(
            f"{archive}: cannot be extracted (bsdtar exit {result.returncode}: "
            f"{result.stderr.strip()[:300]}). The archive is corrupted or not a RAR file."
        )
    root = partial.resolve()
    for member in partial.rglob("*"):
        if not member.resolve().is_relative_to(root) or member.is_symlink():
            shutil.rmtree(partial, ignore_errors=True)
            raise DataFetchError(f"{archive}: member {member.name!r} points outside the extraction folder.")
    (partial / _DONE).write_text(expected_sha256 or sha256_of(archive), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    partial.replace(target)
    return target


@cache
def prefecture_tables(edition: int) -> dict[str, Path]:
    """The edition's prefecture-level tables (section 地级(及)以上城市), by table number.

    Table numbers are normalised to ``"2-39"`` whatever dash the file name uses (—, －, _).
    """
    root = extracted_dir(edition, "tables")
    tables: dict[str, Path] = {}
    for path in sorted(root.rglob("*.xlsx")):
        if "地级" not in path.parent.name:
            continue
        number = table_number(path.stem)
        if number is None:
            raise DataFetchError(f"{path}: file name does not start with a table number.")
        if number in tables:
            raise DataFetchError(f"edition {edition}: two files for table {number}: {tables[number].name}, {path.name}")
        tables[number] = path
    if not tables:
        raise DataFetchError(f"edition {edition}: no prefecture-level tables under {root}.")
    return tables


_NUMBER = re.compile(r"^\s*(\d+)\s*[-—－_–]+\s*(\d+)")


def table_number(text: str) -> str | None:
    """``"2-39"`` from a file stem or title such as ``"3—29_卫生"`` or ``"2_33_卫生"``.

    >>> table_number("3—29_卫生"), table_number("2_33_卫生"), table_number("卫生")
    ('3-29', '2-33', None)
    """
    match = _NUMBER.match(text)
    return f"{int(match.group(1))}-{int(match.group(2))}" if match else None
