#!/usr/bin/env python3
"""Build and run-time benchmarks of the book, written to a report (``make bench``).

Run from the repository root (``make bench`` runs ``.venv/bin/python scripts/bench.py``). The
steps and their targets (a 2-core machine) are:

1. clean build: remove ``_build``, ``data/raw`` and ``data/processed``, then ``make html``
   (data step, every chapter executed, HTML) -- target <= 360 s; the peak resident memory of
   the whole process tree is recorded for information;
2. no-change rebuild: ``make html`` again -- <= 15 s;
3. rebuild after editing one prose page (a blank line appended to ``book/papers.md``) -- <= 30 s,
   a target of ours;
4. rebuild after editing one chapter's code (a comment line at the top of the first code cell
   after the parameters cell of ``notebooks/12_pathways.md``) -- <= 60 s;
5. the PDF after the HTML: ``make pdf-after-html`` (``jupyter-book build . --builder pdflatex``
   with the Makefile's LaTeX options) timed alone -- <= 180 s;
6. every chapter executed alone with papermill (``python -m cityclusters run-chapter``): wall
   time <= 60 s and peak memory of the kernel <= 2048 MB each;
7. one rerun with other parameters (``make rerun``) -- information;
8. ``rerun-all`` on a subset, not rendered, ``--jobs 1`` against ``--jobs 2`` -- speed-up
   >= 1.7x; with the size of the full ``rerun-all`` and its serial time estimated from step 6;
9. the City Statistical Yearbook table (``city_year_yearbook``): cold, from the archives in the
   raw cache (extraction of all editions, parsing, checks, the processed store written) --
   <= 60 s; warm, read back from the processed store in a fresh process -- <= 2 s;
10. the multiverse of the coordination index (``cityclusters.indicators.multiverse.bench``):
   1,000 specifications over 7,500 city-years × 20 indicators -- <= 60 s;
11. the execution step of a clean ``jupyter-book build`` (every notebook except the pages built
   from the chapters, executed into the jupyter-cache before Sphinx reads them:
   ``cityclusters.publishing.execution_cache``), with ``CITYCLUSTERS_EXECUTION_JOBS=1`` and then
   ``=2``, side by side, after the processed tables are built (untimed, so that neither run
   rebuilds a store); the wall time each build logs for its execution step -- speed-up >= 1.7x.

Every edited file is restored byte for byte in a ``finally`` block and checked with SHA-256.
A step that fails is recorded (command, exit code, last 20 lines of output) and the script goes
on; the exit code is 1 when a step failed, 0 otherwise (a missed target is not a failure: the
report shows the measured number next to the target).

Memory: "peak RSS of the tree" is the largest sum, over the polls (every 0.5 s, with psutil), of
the resident set sizes of a process and all its descendants; "peak RSS of the kernel" is
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` read by a wrapper process after the chapter
run (the largest resident set of any waited-for descendant, on Linux in KiB), cross-checked with
the largest polled resident set of the ``ipykernel`` process.

Options: ``--only 6`` or ``--only 2,3`` runs some steps, ``--skip-clean`` leaves out step 1,
``--chapters`` restricts step 6, ``--rerun-chapters``/``--rerun-clusters`` set step 8's subset,
``--out DIR`` (default ``_build/bench``) holds ``bench.csv``, ``bench.md``, the logs and step
6's executed notebooks. A run of all steps also copies the report to ``bench/latest.md``
(``--no-copy`` to skip).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import hashlib
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import psutil

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MB = 1024 * 1024
POLL_SECONDS = 0.5
TAIL_LINES = 20
COMMAND_TIMEOUT = 3600  # seconds; a command still running after this is stopped and failed

#: Step number -> short name, in running order.
STEPS = {
    "1": "clean build (make html)",
    "2": "no-change rebuild (make html)",
    "3": "rebuild after editing a prose page",
    "4": "rebuild after editing a chapter's code",
    "5": "PDF after HTML (pdflatex builder only)",
    "6": "each chapter executed alone (papermill)",
    "7": "one rerun (make rerun)",
    "8": "rerun-all, --jobs 1 vs --jobs 2",
    "9": "yearbook table, cold and warm",
    "10": "multiverse, 1,000 specifications",
    "11": "book execution, 1 kernel vs 2 parallel kernels",
}
PROSE_PAGE = "book/papers.md"
CODE_CHAPTER = "notebooks/12_pathways.md"
CODE_EDIT_LINE = "# bench edit"
RERUN = {"chapter": "03_development_gaps", "cluster": "middle_yangtze", "years": "2005-2019"}
RERUN_ALL_CHAPTERS = "01,03,04,06,10,12"
RERUN_ALL_CLUSTERS = "chengyu,yrd26"
CSV_COLUMNS = ["step", "name", "seconds", "peak_mb", "speedup", "max_seconds", "max_mb",
               "min_speedup", "met", "note", "command", "exit_code", "output_tail"]


# ----------------------------------------------------------------------------------------------
# Results and the report
# ----------------------------------------------------------------------------------------------
@dataclass
class Failure:
    """A command that did not succeed: what ran, its exit code and the end of its output."""

    command: str
    exit_code: int | str
    tail: str


@dataclass
class Result:
    """One row of the report: a measurement, its targets (``None`` = information only)."""

    step: str
    name: str
    seconds: float | None = None
    peak_mb: float | None = None
    speedup: float | None = None
    max_seconds: float | None = None
    max_mb: float | None = None
    min_speedup: float | None = None
    note: str = ""
    failure: Failure | None = None

    def misses(self) -> list[str]:
        """The targets this measurement misses, in words (empty when all are met)."""
        out = []
        if self.max_seconds is not None and self.seconds is not None and self.seconds > self.max_seconds:
            out.append(f"time {self.seconds:.1f} s > {self.max_seconds:g} s")
        if self.max_mb is not None and self.peak_mb is not None and self.peak_mb > self.max_mb:
            out.append(f"memory {self.peak_mb:.0f} MB > {self.max_mb:g} MB")
        if self.min_speedup is not None and self.speedup is not None and self.speedup < self.min_speedup:
            out.append(f"speed-up {self.speedup:.2f}x < {self.min_speedup:g}x")
        return out

    def has_target(self) -> bool:
        return any(v is not None for v in (self.max_seconds, self.max_mb, self.min_speedup))

    def met(self) -> str:
        """``failed``, ``yes``, ``no`` or ``info`` (no target)."""
        if self.failure is not None:
            return "failed"
        if not self.has_target():
            return "info"
        measured = {"max_seconds": self.seconds, "max_mb": self.peak_mb, "min_speedup": self.speedup}
        if any(getattr(self, key) is not None and value is None for key, value in measured.items()):
            return "no"  # a target without its measurement
        return "no" if self.misses() else "yes"

    def target_text(self) -> str:
        parts = []
        if self.max_seconds is not None:
            parts.append(f"≤ {self.max_seconds:g} s")
        if self.max_mb is not None:
            parts.append(f"≤ {self.max_mb:g} MB")
        if self.min_speedup is not None:
            parts.append(f"≥ {self.min_speedup:g}×")
        return ", ".join(parts) or "—"

    def row(self) -> dict[str, object]:
        """The CSV row."""
        fail = self.failure
        return {
            "step": self.step, "name": self.name,
            "seconds": _num(self.seconds, 1), "peak_mb": _num(self.peak_mb, 0),
            "speedup": _num(self.speedup, 2), "max_seconds": _num(self.max_seconds, 0),
            "max_mb": _num(self.max_mb, 0), "min_speedup": _num(self.min_speedup, 2),
            "met": self.met(), "note": self.note,
            "command": fail.command if fail else "", "exit_code": fail.exit_code if fail else "",
            "output_tail": _last_lines(fail.tail) if fail else "",
        }


def _num(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _last_lines(text: str, n: int = TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(results: Sequence[Result], header: dict[str, str], title: str = "Build and run-time benchmarks") -> str:
    """The Markdown report: a header of facts about the machine, the table, then the failures."""
    lines = [f"# {title}", ""]
    lines += [f"- **{key}:** {value}" for key, value in header.items()]
    lines += ["", "| Step | What | Seconds | Peak MB | Target | Met | Note |",
              "|---|---|---:|---:|---|---|---|"]
    for r in results:
        seconds = _num(r.seconds, 1) or "—"
        if r.speedup is not None:
            seconds = f"{r.speedup:.2f}× speed-up"
        note = "; ".join([r.note] + (["missed: " + ", ".join(r.misses())] if r.misses() else []))
        note = note.strip("; ")
        if r.failure is not None:
            note = f"exit code {r.failure.exit_code} (details below)" + (f"; {note}" if note else "")
        lines.append(f"| {r.step} | {_cell(r.name)} | {seconds} | {_num(r.peak_mb, 0) or '—'} | "
                     f"{r.target_text()} | {r.met()} | {_cell(note)} |")
    failures = [r for r in results if r.failure is not None]
    counts = {m: sum(r.met() == m for r in results) for m in ("yes", "no", "failed", "info")}
    lines += ["", f"Targets met: {counts['yes']}; missed: {counts['no']}; failed steps: "
              f"{counts['failed']}; information only: {counts['info']}."]
    if failures:
        lines += ["", "## Failures", ""]
        for r in failures:
            lines += [f"### Step {r.step}: {r.name}", "",
                      f"Command: `{r.failure.command}`  ", f"Exit code: {r.failure.exit_code}", "",
                      f"Last {TAIL_LINES} lines of output:", "", "```text", _last_lines(r.failure.tail), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_report(results: Sequence[Result], header: dict[str, str], out: Path) -> tuple[Path, Path]:
    """Write ``bench.csv`` and ``bench.md`` into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out / "bench.csv", out / "bench.md"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for r in results:
            writer.writerow(r.row())
    md_path.write_text(render_markdown(results, header), encoding="utf-8")
    return csv_path, md_path


# ----------------------------------------------------------------------------------------------
# Safe edits
# ----------------------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@contextlib.contextmanager
def edited_file(path: Path, transform: Callable[[bytes], bytes]) -> Iterator[Path]:
    """Replace ``path``'s bytes by ``transform(bytes)`` for the ``with`` body, then restore them.

    The original bytes are written back in a ``finally`` block (also when the body raises or is
    interrupted) and the restored file's SHA-256 is compared with the original's; a mismatch
    raises ``RuntimeError`` naming the file. The modification time is left at the restore (so
    that the next build re-reads the restored file).
    """
    path = Path(path)
    original = path.read_bytes()
    digest = hashlib.sha256(original).hexdigest()
    changed = transform(original)
    if changed == original:
        raise ValueError(f"{path}: the edit changes nothing")
    try:
        path.write_bytes(changed)
        yield path
    finally:
        path.write_bytes(original)
        restored = sha256(path)
        if restored != digest:
            raise RuntimeError(f"{path}: restore failed, SHA-256 {restored} != original {digest}")


def append_blank_line(data: bytes) -> bytes:
    """A prose edit that changes no rendered text: one more newline at the end."""
    return data + b"\n"


_FENCE = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")


def first_code_cell_after_parameters(text: str) -> int:
    """Index (0-based line) where the code of the first code cell after the parameters cell starts.

    ``text`` is a MyST notebook. The parameters cell is the ``{code-cell}`` whose options carry
    the ``parameters`` tag (``:tags: [parameters]`` or a ``---`` YAML block). The returned line
    is the first line after the next code cell's options (and the one blank line that may
    follow them), i.e. the first line of its code. Raises ``ValueError`` when there is no
    parameters cell or no code cell after it.
    """
    lines = text.splitlines(keepends=True)
    cells = []  # (fence line, first code line, closing line) of each code cell
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence = match.group(1)
        j = i + 1
        options: list[str] = []
        if j < len(lines) and lines[j].strip() == "---":  # YAML option block
            k = j + 1
            while k < len(lines) and lines[k].strip() != "---":
                options.append(lines[k])
                k += 1
            j = k + 1
        else:
            while j < len(lines) and lines[j].startswith(":"):
                options.append(lines[j])
                j += 1
        if options and j < len(lines) and lines[j].strip() == "":
            j += 1  # the blank line separating options from code
        close = j
        while close < len(lines) and lines[close].rstrip("\n").rstrip() != fence:
            close += 1
        if close >= len(lines):
            raise ValueError(f"code cell opened on line {i + 1} is never closed")
        cells.append((i, j, close, "".join(options)))
        i = close + 1
    for n, (_, _, _, options) in enumerate(cells):
        if re.search(r"\btags\s*:.*\bparameters\b", options) or re.search(r"^\s*-\s*parameters\s*$", options, re.M):
            if n + 1 >= len(cells):
                raise ValueError("no code cell after the parameters cell")
            return cells[n + 1][1]
    raise ValueError("no code cell tagged 'parameters'")


def insert_code_comment(data: bytes, comment: str = CODE_EDIT_LINE) -> bytes:
    """``data`` (a MyST notebook) with ``comment`` as the first code line of the first code cell
    after the parameters cell."""
    text = data.decode("utf-8")
    at = first_code_cell_after_parameters(text)
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    lines.insert(at, comment + newline)
    return "".join(lines).encode("utf-8")


# ----------------------------------------------------------------------------------------------
# Running a command and measuring it
# ----------------------------------------------------------------------------------------------
@dataclass
class Run:
    """What a measured command did."""

    command: str
    exit_code: int | str
    seconds: float
    peak_tree_mb: float
    peak_process_mb: dict[str, float] = field(default_factory=dict)  # largest RSS per command line
    log: Path | None = None
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def tail(self, n: int = TAIL_LINES) -> str:
        return "\n".join(self.output.splitlines()[-n:])

    def failure(self) -> Failure:
        return Failure(self.command, self.exit_code, self.tail())


def tree_rss(root: psutil.Process) -> tuple[int, dict[int, tuple[str, int]]]:
    """Sum of the resident set sizes (bytes) of ``root`` and all its descendants, and each one's."""
    each: dict[int, tuple[str, int]] = {}
    try:
        procs = [root] + root.children(recursive=True)
    except psutil.Error:
        return 0, each
    for proc in procs:
        try:
            rss = proc.memory_info().rss
            name = " ".join(proc.cmdline()[:4]) or proc.name()
        except psutil.Error:
            continue  # the process ended between the listing and the reading
        each[proc.pid] = (name, rss)
    return sum(rss for _, rss in each.values()), each


def run_measured(command: Sequence[str], log: Path | None = None, cwd: Path = REPO,
                 timeout: float = COMMAND_TIMEOUT, interval: float = POLL_SECONDS) -> Run:
    """Run ``command`` (output merged into ``log``), timing it and polling its tree's memory.

    The command runs in its own process group, which is killed if the command outlives
    ``timeout`` (exit code ``"timeout"``) or if this script is interrupted.
    """
    text = " ".join(command)
    if log is None:
        log = Path(os.devnull)
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
    peak = 0
    per_process: dict[str, float] = {}
    start = time.perf_counter()
    with open(log, "wb") as sink:
        proc = subprocess.Popen(list(command), cwd=cwd, stdout=sink, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            root = psutil.Process(proc.pid)
            exit_code: int | str | None = None
            while exit_code is None:
                total, each = tree_rss(root)
                peak = max(peak, total)
                for name, rss in each.values():
                    per_process[name] = max(per_process.get(name, 0.0), rss / MB)
                try:
                    exit_code = proc.wait(timeout=interval)
                except subprocess.TimeoutExpired:
                    if time.perf_counter() - start > timeout:
                        _kill_group(proc)
                        exit_code = "timeout"
        finally:
            if proc.poll() is None:
                _kill_group(proc)
    seconds = time.perf_counter() - start
    output = "" if log == Path(os.devnull) else log.read_text(encoding="utf-8", errors="replace")
    return Run(text, exit_code, seconds, peak / MB, per_process, None if log == Path(os.devnull) else log, output)


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


#: Runs a command and prints, on its last line of standard error, the largest resident set size
#: (KiB) among its waited-for descendants.
MAXRSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "print('BENCH_MAXRSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def with_maxrss(command: Sequence[str]) -> list[str]:
    return [sys.executable, "-c", MAXRSS_WRAPPER, *command]


def parse_maxrss_mb(output: str) -> float | None:
    found = re.findall(r"^BENCH_MAXRSS_KB (\d+)$", output, re.M)
    return int(found[-1]) / 1024 if found else None


# ----------------------------------------------------------------------------------------------
# Facts for the header
# ----------------------------------------------------------------------------------------------
def _capture(command: Sequence[str]) -> str:
    try:
        done = subprocess.run(list(command), cwd=REPO, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    if done.returncode != 0:
        return f"unavailable (exit code {done.returncode}: {done.stderr.strip()[-200:]})"
    return done.stdout.strip()


def machine_speed(iterations: int = 10_000_000) -> str:
    """Seconds one core takes for a fixed pure-Python loop: the speed of the machine at the
    hour of the run. This project's 2-core machine is shared: the same loop took 4.9–5.1 s at
    some hours and 7.4–7.7 s at others (30 M iterations, 2026-12-03), and fresh-machine CI runs
    of the same code took 741, 989 and 983 s. A rough guide only (the 983 s run came between
    loops of 5.6 and 5.8 s): compare timings between runs of a similar speed, several of each."""
    start = time.perf_counter()
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return f"{time.perf_counter() - start:.2f} s for a pure-Python loop of {iterations:,} iterations"


def machine_header(options: str) -> dict[str, str]:
    commit = _capture(["git", "rev-parse", "HEAD"])
    dirty = _capture(["git", "status", "--porcelain", "--untracked-files=no"])
    if dirty and not dirty.startswith("unavailable"):
        commit += " (with uncommitted changes)"
    jb = _capture([str(BIN / "jupyter-book"), "--version"]).splitlines()
    jb_version = next((line.split(":", 1)[1].strip() for line in jb if line.startswith("Jupyter Book")),
                      jb[0] if jb else "unavailable")
    return {
        "Date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "Git commit": commit,
        "nproc": _capture(["nproc"]),
        "Machine speed": machine_speed(),
        "Total RAM": f"{psutil.virtual_memory().total / 1024**3:.1f} GiB",
        "Python": f"{platform.python_version()} ({sys.executable})",
        "Jupyter Book": jb_version,
        "Cache key": _capture([sys.executable, "-m", "cityclusters", "cache-key"]),
        "Options": options,
    }


# ----------------------------------------------------------------------------------------------
# The steps
# ----------------------------------------------------------------------------------------------
def chapters(select: str | None = None) -> list[str]:
    """The chapters ``notebooks/NN_*.md`` (not ``99_*``), or those named / prefixed in ``select``."""
    every = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.md") if not p.stem.startswith("99_"))
    if not select:
        return every
    chosen = []
    for item in (s.strip() for s in select.split(",") if s.strip()):
        found = [c for c in every if c == item or c.startswith(item + "_") or c.startswith(item)]
        if len(found) != 1:
            raise SystemExit(f"--chapters: {item!r} matches {found or 'no chapter'}; chapters are {every}")
        chosen.append(found[0])
    return chosen


class Bench:
    """The steps; each appends its rows to ``self.results`` and never raises on a failed command."""

    def __init__(self, out: Path, args: argparse.Namespace):
        self.out = out
        self.args = args
        self.results: list[Result] = []
        self.logs = out / "logs"
        # read before this run overwrites the report: step 8 falls back on these timings
        self.previous_step6 = previous_step6_times(out / "bench.csv")

    def make(self, target: str, log: str, *extra: str) -> Run:
        return run_measured(["make", target, *extra], self.logs / f"{log}.log")

    def record(self, result: Result) -> Result:
        self.results.append(result)
        status = result.met()
        measured = _num(result.seconds, 1) + " s" if result.seconds is not None else ""
        if result.peak_mb is not None:
            measured += f", {result.peak_mb:.0f} MB"
        if result.speedup is not None:
            measured = f"{result.speedup:.2f}x"
        print(f"  step {result.step}: {result.name}: {measured or '—'} [{status}] {result.note}", flush=True)
        return result

    def from_run(self, step: str, name: str, run: Run, **kwargs) -> Result:
        return self.record(Result(step, name, seconds=run.seconds, failure=None if run.ok else run.failure(), **kwargs))

    # 1 ------------------------------------------------------------------------------------
    def step1(self) -> None:
        start = time.perf_counter()
        for folder in ("_build", "data/raw", "data/processed"):
            shutil.rmtree(REPO / folder, ignore_errors=True)
        removed = time.perf_counter() - start
        run = self.make("html", "1_clean_make_html")
        self.from_run("1", STEPS["1"], run, peak_mb=run.peak_tree_mb, max_seconds=360,
                      note=f"peak RSS = sum over the make process tree (for information); removing "
                           f"_build, data/raw, data/processed took {removed:.1f} s (not counted)")

    # 2 ------------------------------------------------------------------------------------
    def step2(self) -> None:
        run = self.make("html", "2_nochange_make_html")
        self.from_run("2", STEPS["2"], run, peak_mb=run.peak_tree_mb, max_seconds=15)

    # 3 ------------------------------------------------------------------------------------
    def step3(self) -> None:
        self._edit_and_build("3", REPO / PROSE_PAGE, append_blank_line, 30,
                             f"blank line appended to {PROSE_PAGE}; a target of ours")

    # 4 ------------------------------------------------------------------------------------
    def step4(self) -> None:
        self._edit_and_build("4", REPO / CODE_CHAPTER, insert_code_comment, 60,
                             f"'{CODE_EDIT_LINE}' inserted in the first code cell after the "
                             f"parameters cell of {CODE_CHAPTER}")

    def _edit_and_build(self, step: str, path: Path, transform, max_seconds: float, note: str) -> None:
        try:
            with edited_file(path, transform):
                run = self.make("html", f"{step}_edited_make_html")
        except (RuntimeError, ValueError, OSError) as exc:
            self.record(Result(step, STEPS[step], note=note, failure=Failure(f"edit {path}", "edit", str(exc))))
            return
        # the file is back: rebuild once (not counted) so the next step starts from a book that
        # matches the sources again
        settle = self.make("html", f"{step}_restored_make_html")
        note += f"; restored (SHA-256 checked), rebuild after the restore {settle.seconds:.1f} s (not counted)"
        result = self.from_run(step, STEPS[step], run, peak_mb=run.peak_tree_mb, max_seconds=max_seconds, note=note)
        if result.failure is None and not settle.ok:
            result.failure = settle.failure()

    # 5 ------------------------------------------------------------------------------------
    def step5(self) -> None:
        prepare = self.make("html", "5_make_html_before_pdf")
        if not prepare.ok:
            self.record(Result("5", STEPS["5"], note="make html before the PDF failed", failure=prepare.failure()))
            return
        # the Makefile's recipe (its LaTeX options included), as `make pdf` runs it after the HTML
        run = self.make("pdf-after-html", "5_pdflatex")
        self.from_run("5", STEPS["5"], run, peak_mb=run.peak_tree_mb, max_seconds=180,
                      note=f"make html before it {prepare.seconds:.1f} s (not counted)")

    # 6 ------------------------------------------------------------------------------------
    def step6(self) -> None:
        for name in chapters(self.args.chapters):
            output = self.out / "nb" / f"{name}.ipynb"
            command = [sys.executable, "-m", "cityclusters", "run-chapter", name, "--out", str(output)]
            run = run_measured(with_maxrss(command), self.logs / f"6_{name}.log")
            kernel_rusage = parse_maxrss_mb(run.output)
            kernel_polled = max((mb for cmd, mb in run.peak_process_mb.items() if "ipykernel" in cmd), default=None)
            candidates = [v for v in (kernel_rusage, kernel_polled) if v is not None]
            peak = max(candidates) if candidates else None
            note = (f"kernel peak RSS: getrusage {_num(kernel_rusage, 0) or 'n/a'} MB, polled "
                    f"{_num(kernel_polled, 0) or 'n/a'} MB (the larger is reported); whole tree "
                    f"{run.peak_tree_mb:.0f} MB")
            failure = None if run.ok else run.failure()
            if failure is not None:  # drop the wrapper's marker line from the quoted output
                failure.tail = "\n".join(l for l in run.output.splitlines() if not l.startswith("BENCH_MAXRSS_KB"))
                failure.tail = "\n".join(failure.tail.splitlines()[-TAIL_LINES:])
                failure.command = " ".join(command)
            self.record(Result("6", f"chapter {name}", seconds=run.seconds, peak_mb=peak, max_seconds=60,
                               max_mb=2048, note=note, failure=failure))

    # 7 ------------------------------------------------------------------------------------
    def step7(self) -> None:
        r = RERUN
        run = self.make("rerun", "7_make_rerun", f"CHAPTER={r['chapter']}", f"CLUSTER={r['cluster']}",
                        f"YEARS={r['years']}")
        split = split_times(run.output)
        note = f"{r['chapter']} for {r['cluster']}, {r['years']}"
        if split:
            note += "; " + split
        self.from_run("7", STEPS["7"], run, peak_mb=run.peak_tree_mb, note=note)

    # 9 ------------------------------------------------------------------------------------
    def step9(self) -> None:
        from cityclusters.data.store import processed_dir

        build = [sys.executable, "-c", "from cityclusters.data.tables import city_year_yearbook as t; "
                 "print(len(t(first_release=False)))"]
        for path in processed_dir().glob("city_year_yearbook-*"):
            path.unlink()
        for extracted in (REPO / "data" / "raw").rglob("extracted-*"):
            shutil.rmtree(extracted, ignore_errors=True)
        cold = run_measured(build, self.logs / "9_yearbook_cold.log")
        self.from_run("9", "yearbook table, cold (extract 25 archives, parse, check, store)", cold,
                      peak_mb=cold.peak_tree_mb, max_seconds=60)
        warm = run_measured(build, self.logs / "9_yearbook_warm.log")
        self.from_run("9", "yearbook table, warm (read from the processed store)", warm,
                      peak_mb=warm.peak_tree_mb, max_seconds=2)

    # 10 -----------------------------------------------------------------------------------
    def step10(self) -> None:
        command = [sys.executable, "-c", "from cityclusters.indicators.multiverse import bench; print(bench())"]
        run = run_measured(command, self.logs / "10_multiverse.log")
        self.from_run("10", STEPS["10"] + " × 7,500 rows × 20 indicators", run, peak_mb=run.peak_tree_mb,
                      max_seconds=60)

    # 11 -----------------------------------------------------------------------------------
    def step11(self) -> None:
        build = [str(BIN / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]
        walls: dict[int, float | None] = {}
        failed = None
        # the processed tables first, untimed: otherwise the first (serial) build would also
        # rebuild every store the package's fingerprint invalidated, and the two are not alike
        tables = run_measured([sys.executable, "-m", "cityclusters", "tables"], self.logs / "11_tables.log")
        if not tables.ok:
            failed = tables.failure()
        for jobs in (1, 2):
            for folder in (".jupyter_cache", ".doctrees", "jupyter_execute"):  # force every execution
                shutil.rmtree(REPO / "_build" / folder, ignore_errors=True)
            with environment(CITYCLUSTERS_EXECUTION_JOBS=str(jobs)):
                run = run_measured(build, self.logs / f"11_execution_jobs{jobs}.log")
            walls[jobs] = execution_wall_seconds(run.output)
            if not run.ok:
                failed = failed or run.failure()
            self.record(Result("11", f"execution step, {jobs} kernel(s)", seconds=walls[jobs],
                               peak_mb=run.peak_tree_mb, failure=None if run.ok else run.failure(),
                               note=f"whole jupyter-book build {run.seconds:.1f} s (not counted)"))
        speedup = walls[1] / walls[2] if walls[1] and walls[2] else None
        self.record(Result("11", "execution speed-up (1 kernel time / 2 kernels time)", speedup=speedup,
                           min_speedup=1.7, failure=failed,
                           note="" if speedup else "not computed: a build failed or logged no execution step"))

    # 8 ------------------------------------------------------------------------------------
    def step8(self) -> None:
        subset = chapters(self.args.rerun_chapters)
        clusters = [c.strip() for c in self.args.rerun_clusters.split(",") if c.strip()]
        pairs = len(subset) * len(clusters)
        base = [sys.executable, "-m", "cityclusters", "rerun-all", "--chapters", ",".join(subset),
                "--clusters", ",".join(clusters), *no_render_flag()]
        runs = {}
        for jobs in (1, 2):
            run = run_measured(base + ["--jobs", str(jobs)], self.logs / f"8_rerun_all_jobs{jobs}.log")
            runs[jobs] = run
            inner = re.findall(r"([\d.]+) s with \d+ jobs", run.output)
            note = f"chapters {','.join(c[:2] for c in subset)} × clusters {','.join(clusters)}, not rendered"
            if inner:
                note += f"; rerun-all's own wall time {inner[-1]} s"
            self.from_run("8", f"rerun-all --jobs {jobs} ({pairs} pairs)", run, peak_mb=run.peak_tree_mb, note=note)
        speedup = None
        if runs[1].ok and runs[2].ok and runs[2].seconds > 0:
            speedup = runs[1].seconds / runs[2].seconds
        failed = next((run.failure() for run in runs.values() if not run.ok), None)
        self.record(Result("8", "rerun-all speed-up (--jobs 1 time / --jobs 2 time)", speedup=speedup,
                           min_speedup=1.7, failure=failed,
                           note="" if failed is None else "not computed: a run failed"))
        per_chapter, how = full_rerun_pairs()
        total = sum(per_chapter.values())
        estimate, source = self.serial_estimate(per_chapter)
        note = f"{total} (chapter, cluster) pairs ({how})"
        if estimate is not None:
            note += f"; estimated serial time {estimate / 60:.0f} min ({source})"
        else:
            note += "; serial time not estimated (no step 6 timings)"
        self.record(Result("8", "full rerun-all: size and estimated serial time", seconds=estimate, note=note))

    def serial_estimate(self, per_chapter: dict[str, int]) -> tuple[float | None, str]:
        """Sum over chapters of (step 6 time of the chapter × its number of clusters).

        Step 6's times come from this run, else from the previous report; a chapter without a
        time counts at the mean time of the others. Execution only (no rendering); a rerun for
        one cluster is usually quicker than the chapter's default run over several clusters, so
        this is an upper estimate.
        """
        times = {r.name.removeprefix("chapter "): r.seconds for r in self.results
                 if r.step == "6" and r.failure is None and r.seconds}
        source = "step 6 of this run"
        if not times:
            times, source = self.previous_step6, "step 6 of the previous report"
        if not times:
            return None, ""
        mean = sum(times.values()) / len(times)
        estimate = sum(n * times.get(chapter, mean) for chapter, n in per_chapter.items())
        missing = [c[:2] for c in per_chapter if c not in times]
        source += ", each chapter's time × its clusters, execution only"
        if missing:
            source += f"; chapters {','.join(missing)} at the mean {mean:.1f} s"
        return estimate, source


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the commands run inside the block, then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def execution_wall_seconds(output: str) -> float | None:
    """The wall time a build logs for its parallel execution step (``parallel execution: 12.3 s wall``)."""
    from cityclusters.publishing.execution_cache import WALL_TIME_LINE

    found = re.findall(re.escape(WALL_TIME_LINE) + r" ([\d.]+) s wall", output)
    return float(found[-1]) if found else None


def no_render_flag() -> list[str]:
    """``["--no-render"]`` when ``rerun-all`` has that option; [] when not rendering is its default."""
    done = subprocess.run([sys.executable, "-m", "cityclusters", "rerun-all", "--help"], cwd=REPO,
                          capture_output=True, text=True)
    return ["--no-render"] if "--no-render" in done.stdout else []


def split_times(output: str) -> str:
    """The execution / rendering times a rerun prints (``executed … in 12.3 s``), if any."""
    found = []
    for line in output.splitlines():
        match = re.search(r"\b(execut\w*|render\w*).*?\b(\d+(?:\.\d+)?)\s?s\b", line, re.I)
        if match:
            found.append(f"{match.group(1).lower()} {match.group(2)} s")
    return ", ".join(found)


def previous_step6_times(csv_path: Path) -> dict[str, float]:
    """Chapter → seconds of step 6 in an earlier ``bench.csv`` (empty when there is none)."""
    if not csv_path.is_file():
        return {}
    with csv_path.open(encoding="utf-8") as handle:
        return {row["name"].removeprefix("chapter "): float(row["seconds"]) for row in csv.DictReader(handle)
                if row.get("step") == "6" and row.get("met") != "failed" and row.get("seconds")}


def full_rerun_pairs() -> tuple[dict[str, int], str]:
    """Chapter → number of clusters ``rerun-all`` runs it for by default, and how it was counted.

    Counted from ``cityclusters.publishing.chapter_specs.CHAPTER_SPECS`` (the clusters each chapter accepts), else
    every chapter × every cluster of ``cityclusters.config.CLUSTER_IDS``.
    """
    from cityclusters.config import CLUSTER_IDS

    every = chapters()
    try:
        from cityclusters.publishing.chapter_specs import CHAPTER_SPECS
    except ImportError:
        return {c: len(CLUSTER_IDS) for c in every}, f"{len(every)} chapters × {len(CLUSTER_IDS)} clusters"
    counts = {c: len([k for k in CHAPTER_SPECS[c].clusters if k in CLUSTER_IDS]) for c in every if c in CHAPTER_SPECS}
    how = "clusters each chapter accepts, cityclusters.publishing.chapter_specs.CHAPTER_SPECS"
    missing = [c for c in every if c not in CHAPTER_SPECS]
    if missing:
        how += f"; chapters without rules left out: {', '.join(missing)}"
    return counts, how


# ----------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated steps to run, e.g. 6 or 2,3 (default: all)")
    parser.add_argument("--skip-clean", action="store_true", help="leave out step 1 (start from the current build)")
    parser.add_argument("--out", default="_build/bench", help="report folder (default _build/bench)")
    parser.add_argument("--chapters", help="step 6: chapters to execute (names or NN prefixes, comma-separated)")
    parser.add_argument("--rerun-chapters", default=RERUN_ALL_CHAPTERS, help=f"step 8 chapters (default {RERUN_ALL_CHAPTERS})")
    parser.add_argument("--rerun-clusters", default=RERUN_ALL_CLUSTERS, help=f"step 8 clusters (default {RERUN_ALL_CLUSTERS})")
    parser.add_argument("--no-copy", action="store_true", help="do not copy the report to bench/latest.md")
    if argv is None and not sys.argv[1:]:  # `make bench BENCH_ARGS=…`: literal text, split without a shell
        argv = shlex.split(os.environ.get("CITYCLUSTERS_BENCH_ARGS", ""))
    args = parser.parse_args(argv)
    steps = list(STEPS)
    if args.only:
        wanted = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in STEPS]
        if unknown:
            parser.error(f"--only: unknown step(s) {unknown}; steps are {', '.join(STEPS)}")
        steps = [s for s in STEPS if s in wanted]
    if args.skip_clean:
        steps = [s for s in steps if s != "1"]
    args.steps = steps
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(REPO)
    out = (REPO / args.out).resolve()
    bench = Bench(out, args)
    chapters(args.chapters)  # stop early on a bad --chapters
    options = " ".join(sys.argv[1:] if argv is None else argv) or "(none: all steps)"
    header = machine_header(options)
    header["Steps run"] = ", ".join(f"{s} ({STEPS[s]})" for s in args.steps)
    print(f"benchmarks: steps {', '.join(args.steps)}; report in {out}", flush=True)
    try:
        for step in args.steps:
            print(f"step {step}: {STEPS[step]} …", flush=True)
            getattr(bench, f"step{step}")()
            write_report(bench.results, header, out)  # after every step: partial results survive
    finally:
        csv_path, md_path = write_report(bench.results, header, out)
    copied = ""
    if not args.only and not args.chapters and not args.no_copy:
        target = REPO / "bench" / "latest.md"
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(md_path, target)
        copied = f" and {target.relative_to(REPO)}"
    print(f"wrote {csv_path.relative_to(REPO) if csv_path.is_relative_to(REPO) else csv_path}, "
          f"{md_path.relative_to(REPO) if md_path.is_relative_to(REPO) else md_path}{copied}")
    failed = [r for r in bench.results if r.failure is not None]
    if failed:
        print(f"{len(failed)} step(s) failed: " + "; ".join(f"{r.step} {r.name}" for r in failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
