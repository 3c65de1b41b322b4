"""The data step: obtain each raw file with its SHA-256 checked (pooch).

Every file is identified by its registry key ``<source>/<path>``. :func:`fetch` returns the
path of a verified copy in the cache (``data/raw/<key>``):

* a cached copy whose hash matches is used as is;
* otherwise, when a mirror exists (``CITYCLUSTERS_MIRROR`` or ``../shared/data``), the file
  is copied from ``<mirror>/<key>`` and pooch checks its hash before it enters the cache;
* otherwise it is downloaded from its origin URL (the raw file at the pinned commit) and
  checked the same way.

A hash mismatch, a file missing from the mirror or an unreachable origin raises
:class:`~cityclusters.errors.DataFetchError` naming the file, the expected hash and what to do.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import warnings
from pathlib import Path

with warnings.catch_warnings():
    # pooch imports tqdm.auto, which warns inside Jupyter kernels without ipywidgets; the data
    # step shows no progress bars, so the warning would only clutter the book's pages
    warnings.filterwarnings("ignore", message="IProgress not found")
    import pooch

from cityclusters.data.provenance import record
from cityclusters.data.registry import load_registry, path_problem
from cityclusters.errors import DataFetchError
from cityclusters.paths import MIRROR_ENV, cache_dir, mirror_dir

pooch.get_logger().setLevel(logging.WARNING)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class MirrorCopy:
    """A pooch downloader that copies a file from the local mirror instead of the network."""

    def __init__(self, source: Path):
        self.source = source

    def __call__(self, url, output_file, pooch_instance, check_only=False):  # noqa: ARG002
        if check_only:
            return self.source.is_file()
        if hasattr(output_file, "write"):
            with open(self.source, "rb") as handle:
                shutil.copyfileobj(handle, output_file)
        else:
            shutil.copyfile(self.source, output_file)
        return None


def inside(folder: Path, key: str, what: str) -> Path:
    """``folder / key``, refused (:class:`DataFetchError`) unless it lies inside ``folder``:
    the data step never reads or writes outside the cache (``data/raw``) and the mirror."""
    problem = path_problem(key)
    target = (Path(folder) / key).resolve()
    if problem or not target.is_relative_to(Path(folder).resolve()):
        raise DataFetchError(f"Data file key {key!r} {problem or 'leads outside the folder'}: refusing "
                             f"to use a path outside the {what} {folder}.")
    return Path(folder) / key


def fetch(key: str, registry=None) -> Path:
    """Return the local path of the raw file ``key``, fetched and verified if needed.

    ``registry`` defaults to the committed ``data/registry.tsv`` (tests pass their own).
    """
    registry = load_registry() if registry is None else registry
    if key not in registry.index:
        close = [k for k in registry.index if key.split("/")[-1] in k][:3]
        raise DataFetchError(
            f"'{key}' is not in the registry data/registry.tsv"
            + (f"; did you mean {close}?" if close else ".")
        )
    entry = registry.loc[key]
    expected = entry["sha256"]
    target = inside(cache_dir(), key, "cache")
    record(key)
    if target.is_file() and sha256_of(target) == expected:
        return target
    mirror = mirror_dir()
    if mirror is not None:
        source = inside(mirror, key, "mirror")
        if not source.is_file():
            raise DataFetchError(
                f"Data file '{key}' (expected SHA-256 {expected}) is missing from the mirror "
                f"{mirror}. Restore it from {entry['origin_url']}, or unset {MIRROR_ENV} / "
                "move the mirror away to download it from its origin."
            )
        downloader, where = MirrorCopy(source), f"mirror copy {source}"
    else:
        downloader, where = None, f"origin {entry['origin_url']}"
    try:
        path = pooch.retrieve(
            url=entry["origin_url"],
            known_hash=f"sha256:{expected}",
            fname=target.name,
            path=target.parent,
            downloader=downloader,
            progressbar=False,
        )
    except ValueError as exc:  # pooch: hash mismatch
        actual = sha256_of(source) if mirror is not None else "unknown"
        raise DataFetchError(
            f"Data file '{key}': SHA-256 mismatch for the {where} (expected {expected}, "
            f"got {actual}). The copy is corrupted or a different version: replace it with "
            f"the file at {entry['origin_url']} (commit {entry['commit']}). Nothing was cached."
        ) from exc
    except Exception as exc:  # network errors (requests) or I/O errors
        raise DataFetchError(
            f"Data file '{key}' (expected SHA-256 {expected}) could not be obtained from the "
            f"{where}: {type(exc).__name__}: {exc}. Without network access, point "
            f"{MIRROR_ENV} at a directory holding a copy of the data mirror."
        ) from exc
    return Path(path)


def fetch_all(keys: list[str] | None = None, report=print, registry=None) -> dict[str, Path]:
    """Fetch every registered file (or ``keys``); report one line per file."""
    registry = load_registry() if registry is None else registry
    keys = list(registry.index) if keys is None else keys
    paths = {}
    mirror = mirror_dir()
    report(f"data step: {len(keys)} files, from {'mirror ' + str(mirror) if mirror else 'origin URLs'}")
    for key in keys:
        paths[key] = fetch(key, registry)
        report(f"  ok  {registry.loc[key, 'sha256'][:12]}  {key}")
    return paths
