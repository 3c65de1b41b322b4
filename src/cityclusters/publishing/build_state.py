"""Which inputs the built book was made from, so that no published output can disagree with them.

Executed chapters depend on the package, the data registry, the facts and the requirements
(their fingerprint is :func:`cityclusters.data.cache_key.cache_key`), which jupyter-cache
does not watch. ``make html`` therefore calls :func:`prepare` before building and
:func:`finish` after a successful build:

- :func:`prepare` compares the fingerprint with the one recorded by the last *successful*
  build (``_build/.cache_key``). When they differ it deletes the record **first**, then every
  output that could hold a number from the old inputs (:data:`STALE_OUTPUTS`: the execution
  cache, Sphinx's environment, the HTML site with its images and its copy of the PDF, the
  student edition, the LaTeX build, the rendered artifacts), and notes the fingerprint being
  built in ``_build/.cache_key.pending``. A build interrupted after that leaves no record, so
  the next build clears everything again, even if the inputs were changed back meanwhile.
- :func:`finish` moves the pending fingerprint to the record, only once the build succeeded.

The student edition and the PDF are built from the same execution cache after ``make html``,
so they can never carry numbers from other inputs than the site.
"""

from __future__ import annotations

import shutil
from pathlib import Path

#: Outputs (relative to the repository root) that may hold numbers from earlier inputs.
STALE_OUTPUTS = ("_build/.jupyter_cache", "_build/.doctrees", "_build/html", "_build/jupyter_execute",
                 "_build/student", "_build/latex", "_build/artifacts")
RECORD = "_build/.cache_key"
PENDING = "_build/.cache_key.pending"


def prepare(root: Path, key: str) -> bool:
    """Before a build from inputs with fingerprint ``key``: returns True (and clears every
    stale output, the record first) when the last successful build was made from other
    inputs or none is recorded; False when nothing needs clearing."""
    root = Path(root)
    record, pending = root / RECORD, root / PENDING
    pending.parent.mkdir(parents=True, exist_ok=True)
    pending.write_text(key + "\n", encoding="utf-8")
    if record.is_file() and record.read_text(encoding="utf-8").strip() == key:
        return False
    record.unlink(missing_ok=True)  # first: an interrupted build must not leave an old record
    for relative in STALE_OUTPUTS:
        target = root / relative
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    return True


def finish(root: Path) -> str:
    """After a successful build: record the fingerprint :func:`prepare` noted; returns it.
    Refuses (``RuntimeError``) when no build was prepared."""
    root = Path(root)
    pending = root / PENDING
    if not pending.is_file():
        raise RuntimeError(f"{pending}: no build was prepared; run `make html`")
    key = pending.read_text(encoding="utf-8").strip()
    pending.replace(root / RECORD)
    return key
