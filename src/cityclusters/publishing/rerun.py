"""Reruns for reviewers: execute a chapter for another cluster or period into its own book.

``make rerun CHAPTER=03_development_gaps CLUSTER=middle_yangtze YEARS=2005-2019`` (or
:func:`rerun` from Python) checks the request against the chapter's rules **before anything
runs**, executes the chapter with papermill (:func:`cityclusters.publishing.runner.run_chapter`) into
``_rerun/<chapter>--<clusters>--<first>-<last>/notebooks/`` and renders that folder as a
small Jupyter Book of its own (``.../_build/html/index.html``) without executing again.

``make rerun-all`` runs every chapter for every cluster it accepts, on all cores
(:func:`rerun_all`), with a progress bar, and writes a summary table of what ran, how long
it took and, for a run that stopped, the chapter's own error message.

The rules of each chapter are its spec (:data:`cityclusters.publishing.chapter_specs.CHAPTER_SPECS`),
the same object its validation cell checks, so a rerun is refused exactly when the chapter
would refuse it, but before a kernel starts. Year parameters that must lie inside the
period (e.g. ``OBSTACLE_YEAR``) follow the requested years.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cityclusters.config import CLUSTER_IDS
from cityclusters.errors import CityClustersError, RerunParameterError
from cityclusters.paths import repo_root
from cityclusters.publishing.chapter_specs import CHAPTER_SPECS
from cityclusters.publishing.chapters import chapter_names, chapter_parameters, check_parameters
from cityclusters.publishing.folder_lock import folder_lock

__all__ = ["chapter_names", "chapter_parameters", "rerun", "rerun_all", "validate_request"]


def parse_years(years: str | Sequence[int] | None) -> tuple[int, int] | None:
    """``"2005-2019"`` (or ``"2019"`` or ``(2005, 2019)``) → (2005, 2019); None stays None."""
    if years is None or years == "":
        return None
    if isinstance(years, str):
        match = re.fullmatch(r"\s*(\d{4})\s*(?:[-–:]\s*(\d{4}))?\s*", years)
        if not match:
            raise RerunParameterError(f"YEARS must look like 2005-2019 (first-last) or 2019; got {years!r}")
        first = int(match.group(1))
        last = int(match.group(2) or first)
    else:
        values = list(years)
        if len(values) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise RerunParameterError(f"YEARS must be two integers (first, last); got {years!r}")
        first, last = values
    if first > last:
        raise RerunParameterError(f"YEARS {first}-{last} is an empty range: the first year must not "
                                  "come after the last")
    return first, last


def parse_clusters(cluster: str | Sequence[str] | None) -> list[str] | None:
    """``"chengyu"`` or ``"chengyu,yrd26"`` or a list → list of ids; None stays None."""
    if cluster is None or cluster == "":
        return None
    items = cluster.split(",") if isinstance(cluster, str) else list(cluster)
    items = [str(c).strip() for c in items if str(c).strip()]
    if not items:
        raise RerunParameterError(f"CLUSTER is empty; valid ids: {list(CLUSTER_IDS)}")
    return items


@dataclass
class RerunRequest:
    """A validated rerun: the chapter and the parameters papermill will inject. ``extra``
    holds the other parameters given (``--param``) whose value differs from the chapter's
    default."""

    chapter: str
    parameters: dict = field(default_factory=dict)
    clusters: list[str] | None = None
    years: tuple[int, int] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def tag(self) -> str:
        """Folder name: ``<chapter>--<clusters joined by +>--<first>-<last>``, then
        ``--NAME=value`` for every other non-default parameter and a hash of them, so that
        reruns with different parameters never share a folder."""
        clusters = "+".join(self.clusters) if self.clusters else "default"
        years = f"{self.years[0]}-{self.years[1]}" if self.years else "default"
        tag = f"{self.chapter}--{clusters}--{years}"
        if self.extra:
            text = json.dumps(self.extra, sort_keys=True, ensure_ascii=False)
            shown = "--".join(f"{name}={_slug(value)}" for name, value in sorted(self.extra.items()))
            tag += f"--{shown[:80]}--{hashlib.sha256(text.encode()).hexdigest()[:8]}"
        return tag


def _slug(value) -> str:
    """A parameter value as folder-name text: JSON with anything but letters, digits and
    ``.+-`` replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", json.dumps(value, ensure_ascii=True)).strip("_") or "_"


def validate_request(chapter: str, cluster=None, years=None, parameters: dict | None = None) -> RerunRequest:
    """Check a rerun request against the chapter's rules; return the parameters to inject.

    Raises :class:`RerunParameterError` naming the parameter and listing the valid values:
    unknown chapter, unknown cluster or one the chapter does not accept, malformed or empty
    year range, years outside what the chapter's data cover, too short a period, or an
    extra parameter the chapter does not have.
    """
    names = chapter_names()
    if chapter not in names:
        raise RerunParameterError(f"CHAPTER {chapter!r} is not a chapter; valid: {names}")
    rules = CHAPTER_SPECS.get(chapter)
    if rules is None:
        raise RerunParameterError(f"CHAPTER {chapter!r} has no spec in "
                                  "cityclusters.publishing.chapter_specs.CHAPTER_SPECS; add one")
    clusters = parse_clusters(cluster)
    span = parse_years(years)
    injected = dict(parameters or {})
    check_parameters(chapter, injected)  # names of the parameters cell, values of its types
    for given, names, option in ((clusters, ("CLUSTERS",), "CLUSTER"),
                                 (span, ("FIRST_YEAR", "LAST_YEAR"), "YEARS")):
        both = [name for name in names if name in injected]
        if given is not None and both:
            raise RerunParameterError(f"{option} and parameter(s) {both} both given: use one of them")
    if clusters is not None:
        unknown = [c for c in clusters if c not in CLUSTER_IDS]
        if unknown:
            raise RerunParameterError(f"CLUSTER {unknown} unknown; valid ids: {list(CLUSTER_IDS)}")
        refused = [c for c in clusters if c not in rules.clusters]
        if refused:
            why = f" ({rules.note})" if rules.note else ""
            raise RerunParameterError(f"CLUSTER {refused}: chapter {chapter} accepts only "
                                      f"{list(rules.clusters)}{why}")
        if len(set(clusters)) != len(clusters):
            raise RerunParameterError(f"CLUSTER lists a cluster twice: {clusters}")
        injected["CLUSTERS"] = clusters
        for name in rules.cluster_list_params:
            injected.setdefault(name, clusters)
    if span is not None:
        first_ok, last_ok = rules.years()
        first, last = span
        if not (first_ok <= first and last <= last_ok):
            raise RerunParameterError(f"YEARS {first}-{last} outside the years chapter {chapter} can "
                                      f"use: {first_ok}-{last_ok}")
        if last - first + 1 < rules.min_years:
            raise RerunParameterError(f"YEARS {first}-{last}: chapter {chapter} needs at least "
                                      f"{rules.min_years} years")
        injected.update(FIRST_YEAR=first, LAST_YEAR=last)
        for name in rules.last_year_params:
            injected.setdefault(name, last)
        for name in rules.year_list_params:
            injected.setdefault(name, [first, last] if last > first else [first])
    known = chapter_parameters(chapter)
    changed = {name: value for name, value in (parameters or {}).items() if known.get(name) != value}
    extra = sorted(set(injected) - set(known))
    if extra:
        raise RerunParameterError(f"chapter {chapter} has no parameter(s) {extra}; its parameters: "
                                  f"{sorted(known)}")
    try:  # the chapter's own validation, before a kernel starts
        rules.check({**known, **injected})
    except ValueError as exc:
        raise RerunParameterError(str(exc)) from None
    return RerunRequest(chapter, injected, clusters, span, changed)


# ----------------------------------------------------------------------------- the output book
def _staging_config(title: str) -> dict:
    import yaml

    config = yaml.safe_load((repo_root() / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = title
    config["execute"] = {"execute_notebooks": "off"}
    config["exclude_patterns"] = ["_build", "**.ipynb_checkpoints"]
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    # links to chapters that are not part of the rerun book render as plain text
    sphinx_config["suppress_warnings"] = [*sphinx_config.get("suppress_warnings", []),
                                          "ref.doc", "ref.ref", "ref.numref", "myst.xref_missing"]
    return config


def _describe_cell(request: RerunRequest) -> dict:
    import nbformat

    from cityclusters.data.cache_key import cache_key

    shown = ", ".join(f"`{k} = {json.dumps(v, ensure_ascii=False)}`" for k, v in request.parameters.items())
    text = (":::{admonition} A rerun with other parameters\n:class: note\n"
            f"This page is chapter `{request.chapter}` executed with {shown or 'its default parameters'} "
            f"(package and data fingerprint `{cache_key()[:12]}`). The numbers differ from the book's; "
            "links to other chapters are not part of this rerun book.\n:::")
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": ["rerun-note"]})


def stage_book(request: RerunRequest, executed: Path, folder: Path) -> Path:
    """Make ``folder`` a one-chapter book around the executed notebook; return its folder."""
    import nbformat
    import yaml

    notebook = nbformat.read(executed, as_version=4)
    for cell in notebook.cells:  # show the parameters used, hide the chapter's defaults
        tags = cell.get("metadata", {}).get("tags", [])
        if "parameters" in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
        elif "injected-parameters" in tags:
            cell.source = "# Parameters of this rerun\n" + cell.source.replace("# Parameters\n", "", 1)
    title_index = next((i for i, c in enumerate(notebook.cells) if c.cell_type == "markdown"
                        and c.source.lstrip().startswith("# ")), 0)
    notebook.cells.insert(title_index + 1, _describe_cell(request))
    nbformat.write(notebook, executed)
    root = repo_root()
    (folder / "book").mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / "book" / "references.bib", folder / "book" / "references.bib")
    for page in ("bibliography.md", "glossary.md"):  # targets of {cite} and {term} roles
        shutil.copy2(root / "book" / page, folder / "book" / page)
    shutil.copytree(root / "_static", folder / "_static", dirs_exist_ok=True)
    clusters = ", ".join(request.clusters) if request.clusters else "default clusters"
    years = "–".join(map(str, request.years)) if request.years else "default years"
    title = f"Rerun: {clusters}, {years}"
    (folder / "_config.yml").write_text(yaml.safe_dump(_staging_config(title), allow_unicode=True,
                                                       sort_keys=False), encoding="utf-8")
    toc = {"format": "jb-book", "root": f"notebooks/{request.chapter}",
           "chapters": [{"file": "book/glossary"}, {"file": "book/bibliography"}]}
    (folder / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    return folder


def render_book(folder: Path) -> Path:
    """Build the staged book's HTML (no execution); return ``_build/html/index.html``."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jupyter_book), "build", str(folder), "--keep-going", "-q"],
                            capture_output=True, text=True)
    index = folder / "_build" / "html" / "index.html"
    if result.returncode != 0 or not index.exists():
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise CityClustersError(f"rendering {folder} failed (exit {result.returncode}):\n{tail}")
    return index


@dataclass
class RerunResult:
    request: RerunRequest
    folder: Path
    notebook: Path
    html: Path | None
    seconds_execute: float
    seconds_render: float


def rerun(chapter: str, cluster=None, years=None, parameters: dict | None = None, *,
          out_root: Path | str | None = None, render: bool = True, timeout: int = 600) -> RerunResult:
    """Validate, execute and (optionally) render one chapter rerun.

    Parameters
    ----------
    chapter : str
        A chapter name such as ``"03_development_gaps"`` (see :func:`chapter_names`).
    cluster : str or list of str, optional
        One cluster id (``"middle_yangtze"``), several (``"chengyu,yrd26"`` or a list), or
        None for the chapter's default clusters. Becomes the chapter's ``CLUSTERS``.
    years : str or (int, int), optional
        ``"2005-2019"``; becomes ``FIRST_YEAR`` and ``LAST_YEAR`` (and moves the chapter's
        in-period year parameters, e.g. ``OBSTACLE_YEAR``, to the last year).
    parameters : dict, optional
        Any other parameter of the chapter's ``parameters`` cell (e.g. ``{"DECAY": 1.5}``).
    out_root : path, optional
        Where rerun books go (default ``_rerun/`` in the repository).
    render : bool
        Build the rerun book's HTML after executing (default True).
    """
    from cityclusters.publishing.runner import run_chapter

    request = validate_request(chapter, cluster, years, parameters)
    out_root = output_root(out_root)
    folder = out_root / request.tag
    with folder_lock(folder):  # a second identical rerun stops here with a clear message
        if folder.exists():
            shutil.rmtree(folder)
        notebook = folder / "notebooks" / f"{chapter}.ipynb"
        start = time.perf_counter()
        run_chapter(chapter, notebook, request.parameters, timeout=timeout)
        executed = time.perf_counter() - start
        stage_book(request, notebook, folder)
        html, rendered = None, 0.0
        if render:
            start = time.perf_counter()
            html = render_book(folder)
            rendered = time.perf_counter() - start
    return RerunResult(request, folder, notebook, html, executed, rendered)


def output_root(out_root: Path | str | None) -> Path:
    """The folder of rerun books (default ``_rerun/``), created; a path that is a file (or
    lies under one) is a :class:`RerunParameterError` naming it."""
    root = Path(out_root) if out_root is not None else repo_root() / "_rerun"
    blocking = next((p for p in (root, *root.parents) if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise RerunParameterError(f"--out-root {str(root)!r}: {str(blocking)!r} is a file, not a folder")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RerunParameterError(f"--out-root {str(root)!r} cannot be created: {exc.strerror}") from None
    return root


# ----------------------------------------------------------------------------- every chapter
def all_requests(chapters: Sequence[str] | None = None, clusters: Sequence[str] | None = None,
                 years=None) -> list[tuple[str, str]]:
    """Every (chapter, cluster) pair a chapter accepts, in chapter order.

    A chapter named in ``chapters`` that accepts none of the requested clusters is a
    :class:`RerunParameterError` (it would run nothing), and so is a request with no pair."""
    named = bool(chapters)
    chapters = list(chapters) if chapters else chapter_names()
    unknown = [c for c in chapters if c not in chapter_names()]
    if unknown:
        raise RerunParameterError(f"CHAPTERS {unknown} unknown; valid: {chapter_names()}")
    wanted = list(clusters) if clusters else list(CLUSTER_IDS)
    bad = [c for c in wanted if c not in CLUSTER_IDS]
    if bad:
        raise RerunParameterError(f"CLUSTERS {bad} unknown; valid ids: {list(CLUSTER_IDS)}")
    pairs = [(ch, cl) for ch in chapters for cl in wanted if cl in CHAPTER_SPECS[ch].clusters]
    idle = [ch for ch in chapters if not any(pair[0] == ch for pair in pairs)]
    if idle and (named or not pairs):
        spec = CHAPTER_SPECS[idle[0]]
        why = f" ({spec.note})" if spec.note else ""
        raise RerunParameterError(f"CLUSTERS {wanted}: chapter {idle[0]} accepts none of them, only "
                                  f"{list(spec.clusters)}{why}; nothing would run")
    for chapter, cluster in pairs:  # validate everything before anything runs
        validate_request(chapter, cluster, years)
    return pairs


def run_one(chapter: str, cluster: str, years, out_root: str, render: bool) -> dict:
    """One run of :func:`rerun_all` as its summary row (a chapter that stops: its message)."""
    start = time.perf_counter()
    row = {"chapter": chapter, "cluster": cluster, "status": "ok", "seconds": 0.0, "error": "",
           "html": ""}
    try:
        result = rerun(chapter, cluster, years, out_root=out_root, render=render)
        row["html"] = str(result.html or "")
    except Exception as exc:  # a chapter that stops: record its own message
        row["status"] = "error"
        ename = getattr(exc, "ename", type(exc).__name__)
        evalue = getattr(exc, "evalue", str(exc))
        row["error"] = f"{ename}: {evalue}".replace("\n", " ")[:400]
    row["seconds"] = round(time.perf_counter() - start, 1)
    return row


def worker_command(chapter: str, cluster: str, years, out_root: str, render: bool) -> list[str]:
    """The command of one worker (:mod:`cityclusters.publishing.rerun_worker`)."""
    request = {"chapter": chapter, "cluster": cluster, "years": years, "out_root": out_root, "render": render}
    return [sys.executable, "-m", "cityclusters.publishing.rerun_worker", json.dumps(request)]


def _row(finished, chapter: str, cluster: str) -> dict:
    """The summary row a worker printed, or a failed row when it died without one."""
    lines = finished.stdout.strip().splitlines()
    try:
        row = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        row = None
    if finished.returncode == 0 and isinstance(row, dict):
        return row
    how = (f"killed by signal {-finished.returncode}" if finished.returncode < 0
           else f"exit code {finished.returncode}")
    return {"chapter": chapter, "cluster": cluster, "status": "error", "seconds": 0.0,
            "error": f"worker died ({how}); its log: {finished.log}", "html": ""}


def check_jobs(jobs) -> int:
    """``jobs`` as a positive number of workers (None: all cores); anything else is a
    :class:`RerunParameterError` naming JOBS."""
    if jobs is None or jobs == "":
        return os.cpu_count() or 1
    try:
        value = int(str(jobs).strip())
    except ValueError:
        raise RerunParameterError(f"JOBS must be a positive whole number of workers; got {jobs!r}") from None
    if value < 1:
        raise RerunParameterError(f"JOBS must be a positive whole number of workers; got {jobs!r}")
    return value


def rerun_all(chapters: Sequence[str] | None = None, clusters: Sequence[str] | None = None,
              years=None, *, jobs: int | None = None, render: bool = False,
              out_root: Path | str | None = None, progress: bool = True) -> pd.DataFrame:
    """Rerun every chapter for every cluster it accepts, ``jobs`` at a time (default: all
    cores). Returns (and writes to ``<out_root>/summary.csv`` and ``summary.md``) one row per
    run: chapter, cluster, status, seconds, error.

    Each run is a worker process (:mod:`cityclusters.publishing.workers`): a worker that dies
    is a failed row and the batch carries on; SIGTERM or SIGINT stops every worker before the
    coordinator ends. The kernels' own messages go to ``<out_root>/logs/<chapter>--<cluster>.log``.
    """
    from tqdm.auto import tqdm

    from cityclusters.publishing.workers import run_all

    jobs = check_jobs(jobs)
    pairs = all_requests(chapters, clusters, years)
    out_root = output_root(out_root)
    bar = tqdm(total=len(pairs), desc=f"rerun-all ({jobs} jobs)", unit="run", disable=not progress,
               file=sys.stderr)
    start = time.perf_counter()
    rows: dict[int, dict] = {}

    def finished(done) -> None:
        chapter, cluster = pairs[done.index]
        rows[done.index] = row = _row(done, chapter, cluster)
        bar.set_postfix_str(f"{chapter[:2]}×{cluster} {row['status']}")
        bar.update()

    commands = [worker_command(ch, cl, years, str(out_root), render) for ch, cl in pairs]
    logs = [out_root / "logs" / f"{ch}--{cl}.log" for ch, cl in pairs]
    try:
        run_all(commands, logs, jobs, on_finish=finished)
    finally:
        bar.close()
    summary = pd.DataFrame([rows[i] for i in sorted(rows)],
                           columns=["chapter", "cluster", "status", "seconds", "error", "html"])
    summary.attrs["wall_seconds"] = round(time.perf_counter() - start, 1)
    summary.attrs["jobs"] = jobs
    summary.attrs["path"] = str(out_root / "summary.md")
    summary.to_csv(out_root / "summary.csv", index=False)
    header = (f"rerun-all: {len(summary)} runs, {int((summary['status'] == 'ok').sum())} ok, "
              f"{jobs} jobs, {summary.attrs['wall_seconds']} s wall\n\n")
    (out_root / "summary.md").write_text(header + summary.to_markdown(index=False) + "\n", encoding="utf-8")
    return summary
