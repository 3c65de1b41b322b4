"""myst-nb's execution cache, used fully: parallel execution, and executed notebooks with outputs.

**Parallel execution.**

myst-nb (execution mode ``cache``) executes a notebook when Sphinx reads it, so a clean build
runs the book's kernels one after another although the chapters do not depend on each other.
Before Sphinx reads anything (event ``env-before-read-docs``), :func:`execute_into_cache`
runs every notebook that has no cached execution yet in a pool of worker processes, and stores
each executed notebook in the jupyter-cache exactly as myst-nb would (same reader, same
configuration, same working directory, timeout and error policy). When Sphinx then reads the
pages, myst-nb finds every notebook in the cache.

What is *not* executed here: pages that read other pages' outputs (the claims ledger and the
reproducibility page read the executed chapters' glue files, which myst-nb writes while it
reads the chapters), and notebooks matched by myst-nb's ``execution_excludepatterns``. A
notebook that fails here is not cached, so myst-nb executes it again while reading it and
reports the error the usual way: the build fails exactly as it would without this step.

The number of workers is the environment variable ``CITYCLUSTERS_EXECUTION_JOBS`` (default: the
number of cores; ``1`` is serial, the reference for the speed-up measured by ``make bench``).
Every kernel computes with one numerical thread (:data:`cityclusters.THREAD_VARIABLES`), so that
parallel kernels do not oversubscribe the cores and the numbers do not depend on the pool size.

**Executed notebooks keep their outputs.** myst-nb 1.4 writes ``jupyter_execute/<page>.ipynb``
(which the theme publishes as the page's ``.ipynb`` download and Colab target) from the notebook
it *read*; when the outputs come from the cache they live in a merged copy, so after a prose-only
edit the published notebook has no outputs at all. :func:`with_cached_outputs` merges them back
into that file (event ``doctree-read``, right after myst-nb wrote it).
"""

from __future__ import annotations

import fnmatch
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import nbformat

JOBS_VARIABLE = "CITYCLUSTERS_EXECUTION_JOBS"
#: Start of the build-log line that gives the parallel execution's wall time (read by ``make bench``).
WALL_TIME_LINE = "parallel execution:"
#: Seconds each notebook took in earlier builds (relative to the build folder): only the order in
#: which notebooks start depends on it. Kept when the inputs change (times stay good estimates).
TIMINGS_FILE = ".execution_seconds.json"


def execution_jobs(value: str | None = None) -> int:
    """Number of parallel kernels: ``value`` (or ``$CITYCLUSTERS_EXECUTION_JOBS``), else the cores.

    >>> execution_jobs("3")
    3
    >>> execution_jobs("0")
    Traceback (most recent call last):
    ...
    ValueError: CITYCLUSTERS_EXECUTION_JOBS must be a whole number ≥ 1, got '0'
    """
    text = os.environ.get(JOBS_VARIABLE, "") if value is None else value
    if not str(text).strip():
        return max(1, os.cpu_count() or 1)
    try:
        jobs = int(str(text).strip())
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise ValueError(f"{JOBS_VARIABLE} must be a whole number ≥ 1, got {text!r}")
    return jobs


@dataclass(frozen=True)
class PendingNotebook:
    """A notebook read as myst-nb reads it, with no execution in the cache yet."""

    docname: str
    path: Path
    notebook: nbformat.NotebookNode


def read_as_myst_nb(path: Path, md_config, nb_config) -> nbformat.NotebookNode | None:
    """The notebook myst-nb builds from ``path`` (``None`` when the page is not a notebook)."""
    from myst_nb.core.read import create_nb_reader

    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), md_config, nb_config, text)
    return None if reader is None else reader.read(text)


def _excluded(docname: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(docname, pattern) for pattern in patterns)


def pending_notebooks(cache, docs: Iterable[tuple[str, Path]], md_config, nb_config,
                      skip: Iterable[str] = ()) -> list[PendingNotebook]:
    """The notebooks among ``docs`` (docname, source path) whose code has no cached execution."""
    skip = set(skip)
    pending = []
    for docname, path in docs:
        if docname in skip or _excluded(docname, nb_config.execution_excludepatterns):
            continue
        notebook = read_as_myst_nb(Path(path), md_config, nb_config)
        if notebook is None:
            continue
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            pending.append(PendingNotebook(docname, Path(path), notebook))
    return pending


def _execute(notebook_json: str, cwd: str, timeout, allow_errors: bool) -> tuple[str, float, str | None]:
    """Worker: execute one notebook as myst-nb does; return it, its seconds and any traceback."""
    from jupyter_cache.executors.utils import single_nb_execution

    notebook = nbformat.reads(notebook_json, as_version=4)
    result = single_nb_execution(notebook, cwd=cwd, timeout=timeout, allow_errors=allow_errors,
                                 meta_override=True)
    error = result.exc_string or repr(result.err) if result.err is not None else None
    return nbformat.writes(notebook), result.time, error


@dataclass(frozen=True)
class ExecutionReport:
    """What :func:`execute_into_cache` did: seconds per cached notebook, errors per failed one."""

    seconds: dict[str, float]
    errors: dict[str, str]


def longest_first(pending: list[PendingNotebook], past_seconds: dict[str, float] | None = None
                  ) -> list[PendingNotebook]:
    """Start order that shortens the wall time of an uneven batch (longest processing time first).

    A notebook's expected time is its time in an earlier build (``past_seconds``, by docname);
    notebooks never timed go first, longer code first (they may be the longest).

    >>> import nbformat
    >>> def item(name, code):
    ...     return PendingNotebook(name, Path(name), nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]))
    >>> [p.docname for p in longest_first([item("a", "x"), item("b", "xx"), item("c", "y"), item("d", "y")],
    ...                                   {"a": 30.0, "c": 5.0})]
    ['b', 'd', 'a', 'c']
    """
    past_seconds = past_seconds or {}

    def expected(item: PendingNotebook) -> tuple[int, float]:
        if item.docname in past_seconds:
            return (1, -past_seconds[item.docname])
        return (0, -sum(len(cell.source) for cell in item.notebook.cells if cell.cell_type == "code"))

    return sorted(pending, key=expected)


def read_timings(path: Path) -> dict[str, float]:
    """Seconds per docname recorded by earlier builds (empty when none or unreadable)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, (int, float))} if isinstance(data, dict) else {}


def write_timings(path: Path, seconds: dict[str, float]) -> None:
    """Add ``seconds`` to the timings file (a scheduling hint only: never read by a chapter)."""
    merged = {**read_timings(path), **{k: round(v, 1) for k, v in seconds.items()}}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(merged, indent=1, sort_keys=True), encoding="utf-8")


def execute_into_cache(cache, pending: list[PendingNotebook], jobs: int, timeout, allow_errors: bool,
                       log: Callable[[str], None] = lambda message: None,
                       past_seconds: dict[str, float] | None = None) -> ExecutionReport:
    """Execute ``pending`` in ``jobs`` worker processes; cache each success as myst-nb would.

    The order is :func:`longest_first` with the times of an earlier build (``past_seconds``).
    """
    from jupyter_cache.base import CacheBundleIn

    seconds: dict[str, float] = {}
    errors: dict[str, str] = {}
    if not pending:
        return ExecutionReport(seconds, errors)
    order = longest_first(pending, past_seconds)
    context = multiprocessing.get_context("spawn")  # no inherited Sphinx state or threads
    # one numerical thread per kernel (cityclusters.THREAD_VARIABLES, set when the package is imported)
    with ProcessPoolExecutor(max_workers=min(jobs, len(order)), mp_context=context) as pool:
        futures = {pool.submit(_execute, nbformat.writes(item.notebook), str(item.path.parent),
                               timeout, allow_errors): item for item in order}
        for future in as_completed(futures):
            item = futures[future]
            try:
                executed_json, elapsed, error = future.result()
            except Exception as exc:  # a worker that died: myst-nb executes the page again
                errors[item.docname] = f"{type(exc).__name__}: {exc}"
                log(f"{item.docname}: worker failed ({errors[item.docname]}); left to myst-nb")
                continue
            if error is not None:
                errors[item.docname] = error
                log(f"{item.docname}: execution failed; left to myst-nb, which reports it")
                continue
            cache.cache_notebook_bundle(
                CacheBundleIn(nbformat.reads(executed_json, as_version=4), str(item.path),
                              data={"execution_seconds": elapsed}),
                check_validity=False, overwrite=True)
            seconds[item.docname] = elapsed
            log(f"{item.docname}: executed in {elapsed:.1f} s")
    return ExecutionReport(seconds, errors)


def with_cached_outputs(notebook: nbformat.NotebookNode, cache) -> nbformat.NotebookNode:
    """``notebook`` with the outputs of its cached execution (itself when none is cached).

    The code cells are matched by jupyter-cache's hash (code and cell metadata), so a notebook
    whose code changed is left alone (it has just been executed, and carries its outputs). Glue
    outputs are then taken out as myst-nb takes them out of a notebook it has just executed, so
    the result is the same whether the outputs came from the cache or from a fresh execution.
    """
    from myst_nb.ext.glue import extract_glue_data_cell

    try:
        _, merged = cache.merge_match_into_notebook(notebook)
    except KeyError:
        return notebook
    for cell in merged.cells:
        if cell.cell_type == "code":
            extract_glue_data_cell(cell)
    return merged
