"""The pure parts of scripts/bench.py (no builds): report, safe edits, cell finder, memory."""

from __future__ import annotations

import hashlib
import importlib.util
import sys

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_script_is_executable_with_a_python_shebang():
    assert SCRIPT.read_text(encoding="utf-8").startswith("#!/usr/bin/env python3\n")
    assert SCRIPT.stat().st_mode & 0o111


def test_report_shows_met_missed_failed_and_information_rows(bench, tmp_path):
    R, F = bench.Result, bench.Failure
    results = [
        R("2", "no-change rebuild", seconds=9.5, peak_mb=310, max_seconds=15),
        R("3", "prose edit", seconds=41.2, max_seconds=30, note="a target of ours"),
        R("6", "chapter 01", seconds=30.0, peak_mb=2500, max_seconds=60, max_mb=2048),
        R("8", "speed-up", speedup=1.82, min_speedup=1.7),
        R("7", "one rerun", seconds=12.0),
        R("5", "pdf", seconds=3.0, max_seconds=180,
          failure=F("jupyter-book build . --builder pdflatex", 2, "\n".join(f"line {i}" for i in range(30)))),
    ]
    assert [r.met() for r in results] == ["yes", "no", "no", "yes", "info", "failed"]
    assert results[2].misses() == ["memory 2500 MB > 2048 MB"]
    header = {"Date": "2024-01-01", "nproc": "2"}
    md = bench.render_markdown(results, header)
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert rows[0] == "| Step | What | Seconds | Peak MB | Target | Met | Note |"
    assert rows[1] == "| 2 | no-change rebuild | 9.5 | 310 | ≤ 15 s | yes |  |"
    assert "| 3 | prose edit | 41.2 | — | ≤ 30 s | no | a target of ours; missed: time 41.2 s > 30 s |" in rows
    assert "≤ 60 s, ≤ 2048 MB | no |" in rows[3]
    assert "| 1.82× speed-up |" in rows[4] and "≥ 1.7× | yes" in rows[4]
    assert "| info |" in rows[5]
    assert "| failed | exit code 2 (details below) |" in rows[6]
    assert "- **nproc:** 2" in md
    assert "Targets met: 2; missed: 2; failed steps: 1; information only: 1." in md
    # the failure section quotes the command and the last 20 lines only
    assert "Command: `jupyter-book build . --builder pdflatex`" in md and "Exit code: 2" in md
    assert "line 29" in md and "line 10" in md and "line 9\n" not in md

    csv_path, md_path = bench.write_report(results, header, tmp_path / "out")
    import pandas as pd

    table = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert list(table["met"]) == ["yes", "no", "no", "yes", "info", "failed"]
    assert table.loc[5, "exit_code"] == "2" and table.loc[5, "output_tail"].endswith("line 29")
    assert md_path.read_text(encoding="utf-8") == md


def test_edited_file_restores_bytes_even_when_the_body_raises(bench, tmp_path):
    path = tmp_path / "page.md"
    original = "# 成都 (Chengdu)\r\nno final newline".encode("utf-8")
    path.write_bytes(original)
    with pytest.raises(KeyError):
        with bench.edited_file(path, bench.append_blank_line):
            assert path.read_bytes() == original + b"\n"
            raise KeyError("boom")
    assert path.read_bytes() == original
    with bench.edited_file(path, lambda data: data.replace(b"Chengdu", b"X")):
        assert b"X" in path.read_bytes()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == hashlib.sha256(original).hexdigest()


def test_edited_file_refuses_an_edit_that_changes_nothing(bench, tmp_path):
    path = tmp_path / "page.md"
    path.write_bytes(b"text\n")
    with pytest.raises(ValueError, match="changes nothing"):
        with bench.edited_file(path, lambda data: data):
            pass
    assert path.read_bytes() == b"text\n"


MYST = """\
---
jupytext:
  text_representation:
    format_name: myst
---

# A chapter

```{code-cell} ipython3
:tags: [remove-cell]

import os
```

```{code-cell} ipython3
:tags: [parameters]

CLUSTERS = ["chengyu"]
```

Some prose with a fence inside a note:

````{note}
```python
not a cell
```
````

```{code-cell} ipython3
---
tags: [remove-cell]
---
import numpy as np
x = 1
```

```{code-cell} ipython3
y = 2
```
"""


def test_code_edit_goes_into_the_first_code_cell_after_the_parameters_cell(bench):
    lines = MYST.splitlines()
    at = bench.first_code_cell_after_parameters(MYST)
    assert lines[at] == "import numpy as np"
    edited = bench.insert_code_comment(MYST.encode()).decode()
    assert edited.splitlines()[at:at + 2] == ["# bench edit", "import numpy as np"]
    assert edited.replace("# bench edit\n", "", 1) == MYST


def test_code_edit_with_colon_options_and_no_options(bench):
    text = MYST.replace("---\ntags: [remove-cell]\n---\n", ":tags: [remove-cell]\n\n")
    assert text.splitlines()[bench.first_code_cell_after_parameters(text)] == "import numpy as np"
    text = MYST.replace("---\ntags: [remove-cell]\n---\n", "")
    assert text.splitlines()[bench.first_code_cell_after_parameters(text)] == "import numpy as np"
    yaml_params = MYST.replace(":tags: [parameters]\n\n", "---\ntags:\n- parameters\n---\n")
    assert yaml_params.splitlines()[bench.first_code_cell_after_parameters(yaml_params)] == "import numpy as np"


def test_code_edit_errors_without_a_parameters_cell_or_a_cell_after_it(bench):
    with pytest.raises(ValueError, match="no code cell tagged 'parameters'"):
        bench.first_code_cell_after_parameters(MYST.replace("[parameters]", "[remove-input]"))
    head = MYST.split("Some prose")[0]
    with pytest.raises(ValueError, match="no code cell after the parameters cell"):
        bench.first_code_cell_after_parameters(head)


def test_code_edit_on_the_real_chapter_12(bench):
    text = (REPO / bench.CODE_CHAPTER).read_text(encoding="utf-8")
    lines = text.splitlines()
    at = bench.first_code_cell_after_parameters(text)
    fence = max(i for i in range(at) if lines[i].startswith("```{code-cell}"))
    assert any("parameters" in line for line in lines[fence - 15:fence])
    assert lines[at].strip() and not lines[at].startswith(":")


def test_peak_rss_of_a_process_tree(bench):
    run = bench.run_measured([sys.executable, "-c",
                              "x = bytearray(200_000_000); import time; time.sleep(1)"])
    assert run.ok and run.exit_code == 0
    assert run.peak_tree_mb >= 150
    assert max(run.peak_process_mb.values()) >= 150


def test_peak_rss_counts_grandchildren_and_the_rusage_wrapper_sees_them(bench, tmp_path):
    child = "x = bytearray(200_000_000); import time; time.sleep(1)"
    parent = f"import subprocess, sys; subprocess.call([sys.executable, '-c', {child!r}])"
    run = bench.run_measured(bench.with_maxrss([sys.executable, "-c", parent]), tmp_path / "log.txt")
    assert run.ok
    assert run.peak_tree_mb >= 150
    assert bench.parse_maxrss_mb(run.output) >= 150


def test_failed_command_keeps_its_exit_code_and_last_lines(bench, tmp_path):
    code = "import sys\nfor i in range(40): print('out', i)\nsys.exit(3)"
    run = bench.run_measured([sys.executable, "-c", code], tmp_path / "fail.log")
    failure = run.failure()
    assert failure.exit_code == 3
    assert failure.tail.splitlines() == [f"out {i}" for i in range(20, 40)]


def test_timeout_stops_the_whole_group(bench):
    run = bench.run_measured([sys.executable, "-c", "import time; time.sleep(30)"], timeout=1, interval=0.2)
    assert run.exit_code == "timeout" and run.seconds < 15


def test_rerun_time_split_and_chapter_selection(bench):
    out = ("executed _rerun/03_development_gaps--middle_yangtze--2005-2019/notebooks/"
           "03_development_gaps.ipynb in 12.3 s\n"
           "rendered _rerun/03_development_gaps--middle_yangtze--2005-2019/_build/html/index.html in 4.0 s\n")
    assert bench.split_times(out) == "executed 12.3 s, rendered 4.0 s"
    assert bench.split_times("nothing timed") == ""
    every = bench.chapters()
    assert every and not any(c.startswith("99_") for c in every)
    assert bench.chapters("01,12") == [c for c in every if c[:2] in {"01", "12"}]
    with pytest.raises(SystemExit):
        bench.chapters("77")


def test_options(bench):
    assert bench.parse_args([]).steps == list(bench.STEPS)
    assert bench.parse_args(["--only", "3,2"]).steps == ["2", "3"]
    assert bench.parse_args(["--skip-clean"]).steps == ["2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]
    with pytest.raises(SystemExit):
        bench.parse_args(["--only", "12"])


def test_execution_wall_time_is_read_from_the_build_log(bench):
    log = "executing 13 notebook(s) in 2 parallel kernel(s)\nparallel execution: 140.2 s wall, 13 cached\n"
    assert bench.execution_wall_seconds(log) == 140.2
    assert bench.execution_wall_seconds("no execution step") is None


class FakeRuns:
    """Stands in for run_measured: records the commands and answers with made-up runs."""

    def __init__(self, bench, seconds, codes=None, check=None):
        self.bench, self.seconds, self.codes, self.check = bench, seconds, codes or {}, check
        self.commands = []

    def __call__(self, command, log=None, **kwargs):
        text = " ".join(command)
        self.commands.append(text)
        if self.check:
            self.check(text)
        key = next((k for k in self.seconds if k in text), None)
        code = next((c for k, c in self.codes.items() if k in text), 0)
        return self.bench.Run(text, code, self.seconds.get(key, 1.0), 100.0, {}, None,
                              "some output\nfailed here" if code else "ok")


def make_bench(bench, tmp_path, argv=()):
    return bench.Bench(tmp_path / "out", bench.parse_args(list(argv)))


def test_edit_step_builds_with_the_edit_then_restores_and_rebuilds(bench, tmp_path, monkeypatch):
    page = tmp_path / "papers.md"
    page.write_bytes(b"# Papers\n")
    seen = []
    fake = FakeRuns(bench, {"make html": 12.0}, check=lambda text: seen.append(page.read_bytes()))
    monkeypatch.setattr(bench, "run_measured", fake)
    b = make_bench(bench, tmp_path)
    b._edit_and_build("3", page, bench.append_blank_line, 30, "prose edit")
    assert seen == [b"# Papers\n\n", b"# Papers\n"]  # built edited, then rebuilt restored
    assert page.read_bytes() == b"# Papers\n"
    (result,) = b.results
    assert result.met() == "yes" and result.seconds == 12.0 and "restored (SHA-256 checked)" in result.note


def test_edit_step_restores_when_the_build_is_interrupted(bench, tmp_path, monkeypatch):
    page = tmp_path / "papers.md"
    page.write_bytes(b"# Papers\n")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, "run_measured", interrupted)
    with pytest.raises(KeyboardInterrupt):
        make_bench(bench, tmp_path)._edit_and_build("3", page, bench.append_blank_line, 30, "")
    assert page.read_bytes() == b"# Papers\n"


def test_step8_speedup_pairs_and_serial_estimate(bench, tmp_path, monkeypatch):
    fake = FakeRuns(bench, {"--jobs 1": 100.0, "--jobs 2": 55.0})
    monkeypatch.setattr(bench, "run_measured", fake)
    monkeypatch.setattr(bench, "no_render_flag", lambda: [])
    b = make_bench(bench, tmp_path)
    b.results.append(bench.Result("6", "chapter 01_clusters_and_data", seconds=20.0))
    b.results.append(bench.Result("6", "chapter 09_committee_did", seconds=40.0))
    b.step8()
    assert all("--clusters chengyu,yrd26" in c and "render" not in c for c in fake.commands)
    assert "--chapters 01_clusters_and_data,03_" in fake.commands[0] and ",12_pathways " in fake.commands[0]
    assert b.results[2].name == "rerun-all --jobs 1 (12 pairs)"  # 6 chapters × 2 clusters
    speed = b.results[4]
    assert speed.speedup == pytest.approx(100 / 55) and speed.met() == "yes"
    per_chapter, how = bench.full_rerun_pairs()
    assert set(per_chapter) == set(bench.chapters())
    full = b.results[5]
    others = sum(n for c, n in per_chapter.items() if c not in {"01_clusters_and_data", "09_committee_did"})
    expected = 20.0 * per_chapter["01_clusters_and_data"] + 40.0 * per_chapter["09_committee_did"] + 30.0 * others
    assert full.seconds == pytest.approx(expected)
    assert f"{sum(per_chapter.values())} (chapter, cluster) pairs" in full.note and full.met() == "info"


def test_full_rerun_size_follows_the_chapter_rules(bench):
    chapter_specs = pytest.importorskip("cityclusters.publishing.chapter_specs")
    per_chapter, how = bench.full_rerun_pairs()
    for chapter, n in per_chapter.items():
        assert n == len(chapter_specs.CHAPTER_SPECS[chapter].clusters)
    assert "CHAPTER_SPECS" in how


def test_failed_steps_are_reported_and_give_exit_code_1(bench, tmp_path, monkeypatch):
    fake = FakeRuns(bench, {"--jobs 1": 100.0, "--jobs 2": 55.0}, codes={"--jobs 2": 2, "make rerun": 2})
    monkeypatch.setattr(bench, "run_measured", fake)
    monkeypatch.setattr(bench, "machine_header", lambda options: {"Options": options})
    monkeypatch.setattr(bench, "no_render_flag", lambda: [])
    monkeypatch.chdir(tmp_path)  # main() moves to the repository; put the test's folder back after
    out = tmp_path / "report"
    code = bench.main(["--only", "7,8", "--out", str(out)])
    assert code == 1
    md = (out / "bench.md").read_text(encoding="utf-8")
    assert "make rerun CHAPTER=03_development_gaps CLUSTER=middle_yangtze YEARS=2005-2019" in fake.commands[0]
    assert "## Failures" in md and "failed here" in md
    assert "| 8 | rerun-all speed-up (--jobs 1 time / --jobs 2 time) | — | — | ≥ 1.7× | failed |" in md
    assert not (REPO / "bench" / "latest.md").exists() or "--only" not in (REPO / "bench" / "latest.md").read_text(encoding="utf-8")


def test_step6_failure_quotes_the_chapter_command_without_the_wrapper(bench, tmp_path, monkeypatch):
    def failed_chapter(command, log=None, **kwargs):
        output = "\n".join(f"trace {i}" for i in range(25)) + "\nBENCH_MAXRSS_KB 307200\n"
        return bench.Run(" ".join(command), 1, 3.0, 400.0, {"python -m ipykernel_launcher -f": 290.0}, log, output)

    monkeypatch.setattr(bench, "run_measured", failed_chapter)
    b = make_bench(bench, tmp_path, ["--only", "6", "--chapters", "01"])
    b.step6()
    (result,) = b.results
    assert result.name == "chapter 01_clusters_and_data" and result.met() == "failed"
    assert result.peak_mb == pytest.approx(300.0)  # the larger of getrusage (300) and polled (290)
    assert result.failure.command.endswith("run-chapter 01_clusters_and_data --out "
                                           f"{tmp_path / 'out' / 'nb' / '01_clusters_and_data.ipynb'}")
    assert result.failure.tail.splitlines() == [f"trace {i}" for i in range(5, 25)]


def test_machine_speed_reports_the_seconds_of_a_fixed_loop(bench):
    seconds, rest = bench.machine_speed(1000).split(" s for ")
    assert float(seconds) >= 0 and rest == "a pure-Python loop of 1,000 iterations"
