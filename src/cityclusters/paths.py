"""Where things live: repository root, typed facts, the raw-file cache and the data mirror.

Environment variables (all optional):

``CITYCLUSTERS_MIRROR``
    A directory laid out like ``../shared/data`` (``<source>/<path>``). When set it must
    exist; files are copied from it after the SHA-256 check instead of being downloaded.
``CITYCLUSTERS_CACHE``
    Where fetched raw files are kept (default ``data/raw`` in the repository, git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

MIRROR_ENV = "CITYCLUSTERS_MIRROR"
CACHE_ENV = "CITYCLUSTERS_CACHE"


def repo_root() -> Path:
    """The repository checkout that holds ``src/cityclusters`` (editable install)."""
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    return repo_root() / "data"


def facts_dir() -> Path:
    """Typed, cited facts committed with the code (``data/facts``)."""
    return data_dir() / "facts"


def registry_file() -> Path:
    """The committed registry of raw files (generated from the mirror's MANIFEST.tsv)."""
    return data_dir() / "registry.tsv"


def cache_dir() -> Path:
    """Where the data step stores verified raw files (git-ignored)."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser().resolve() if configured else data_dir() / "raw"


def default_mirror() -> Path:
    """The shared mirror expected beside the checkout: ``../shared/data``."""
    return repo_root().parent / "shared" / "data"


def mirror_dir() -> Path | None:
    """The mirror to copy raw files from, or ``None`` to download from their origin.

    ``CITYCLUSTERS_MIRROR`` wins when set (and must exist); otherwise ``../shared/data``
    is used when it exists.
    """
    configured = os.environ.get(MIRROR_ENV)
    if configured:
        path = Path(configured).expanduser().resolve()
        if not path.is_dir():
            raise FileNotFoundError(
                f"{MIRROR_ENV}={configured!r} is not a directory. Point it at a copy of the "
                "data mirror (laid out as <source>/<path>) or unset it to download from origin."
            )
        return path
    fallback = default_mirror()
    return fallback if fallback.is_dir() else None
