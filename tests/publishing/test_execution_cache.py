"""Parallel execution into myst-nb's cache, and executed notebooks that keep their outputs
(issue 17, probe 4), reproduced on a miniature Jupyter Book with the book's Sphinx extension."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cityclusters.publishing import downloads, execution_cache

CONFIG = """\
title: miniature
execute:
  execute_notebooks: cache
  cache: _build/.jupyter_cache
  timeout: 120
repository:
  url: https://github.com/example/miniature-book
  branch: main
sphinx:
  extra_extensions:
    - cityclusters.publishing.sphinx_ext
"""
TOC = """\
format: jb-book
root: intro
chapters:
  - file: notebooks/one
  - file: notebooks/two
"""
PAGE = """\
---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
---
# Page {name}

{prose}

```{{code-cell}} python3
from myst_nb import glue
glue("value_{name}", 42, display=False)
print("printed by {name}")
```

The value is {{glue:text}}`value_{name}`.
"""


def _write_book(root: Path, prose: str = "Some prose.") -> None:
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(CONFIG, encoding="utf-8")
    (root / "_toc.yml").write_text(TOC, encoding="utf-8")
    (root / "intro.md").write_text("# Introduction\n", encoding="utf-8")
    for name in ("one", "two"):
        (root / "notebooks" / f"{name}.md").write_text(PAGE.format(name=name, prose=prose),
                                                         encoding="utf-8")


def _build(root: Path) -> str:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run([str(jupyter_book), "build", str(root), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _notebook(root: Path, name: str) -> dict:
    return json.loads((root / "_build/jupyter_execute/notebooks" / f"{name}.ipynb").read_text("utf-8"))


def _outputs(root: Path, name: str) -> list:
    """Outputs of the page's own code cells (the download's setup cell left out)."""
    return [cell.get("outputs") for cell in _notebook(root, name)["cells"]
            if cell["cell_type"] == "code" and downloads.SETUP_TAG not in cell["metadata"].get("tags", [])]


@pytest.mark.slow
def test_chapters_run_in_parallel_and_keep_their_outputs_after_a_prose_edit(tmp_path):
    _write_book(tmp_path)
    log = _build(tmp_path)
    assert "executing 2 notebook(s) in" in log
    assert log.count("Using cached notebook") == 2  # myst-nb found both pre-executed pages
    fresh = {name: _outputs(tmp_path, name) for name in ("one", "two")}
    assert fresh["one"] == [[{"name": "stdout", "output_type": "stream", "text": ["printed by one\n"]}]]
    assert "The value is <span class=\"pasted-text\">42" in \
        (tmp_path / "_build/html/notebooks/one.html").read_text("utf-8")

    # probe 4: a prose-only edit; the outputs now come from the cache and must still be written
    _write_book(tmp_path, prose="Edited prose, same code.")
    log = _build(tmp_path)
    assert "notebook(s) in" not in log and "Executing notebook" not in log  # nothing ran again
    assert {name: _outputs(tmp_path, name) for name in ("one", "two")} == fresh

    # issue 16: the download shows the values, not glue markup, and sets itself up elsewhere
    cells = _notebook(tmp_path, "one")["cells"]
    prose = "".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    assert "{glue" not in prose and "The value is 42." in prose
    setup = [cell for cell in cells if downloads.SETUP_TAG in cell["metadata"].get("tags", [])]
    assert len(setup) == 1 and "github.com/example/miniature-book" in "".join(setup[0]["source"])
    assert cells.index(setup[0]) == 1  # after the title, before the page's code


def test_jobs_come_from_the_environment_and_bad_values_name_the_variable(monkeypatch):
    monkeypatch.setenv(execution_cache.JOBS_VARIABLE, "1")
    assert execution_cache.execution_jobs() == 1
    monkeypatch.setenv(execution_cache.JOBS_VARIABLE, "two")
    with pytest.raises(ValueError, match="CITYCLUSTERS_EXECUTION_JOBS"):
        execution_cache.execution_jobs()
    monkeypatch.delenv(execution_cache.JOBS_VARIABLE)
    assert execution_cache.execution_jobs() >= 1


class _EmptyCache:
    def match_cache_notebook(self, notebook):
        raise KeyError("no match")


def test_pages_built_from_the_chapters_and_excluded_pages_are_left_to_myst_nb(tmp_path):
    from myst_nb.core.config import NbParserConfig
    from myst_parser.config.main import MdParserConfig

    _write_book(tmp_path)
    docs = [("notebooks/one", tmp_path / "notebooks/one.md"), ("notebooks/two", tmp_path / "notebooks/two.md"),
            ("intro", tmp_path / "intro.md")]
    pending = execution_cache.pending_notebooks(
        _EmptyCache(), docs, MdParserConfig(), NbParserConfig(execution_excludepatterns=("notebooks/two",)),
        skip=("notebooks/one",))
    assert pending == []
    pending = execution_cache.pending_notebooks(_EmptyCache(), docs, MdParserConfig(), NbParserConfig())
    assert [item.docname for item in pending] == ["notebooks/one", "notebooks/two"]  # intro: not a notebook


def test_every_process_and_kernel_computes_with_one_thread_unless_the_user_chose():
    """Importing the package sets the numerical libraries' threads to 1 (a user's value is kept),
    so a kernel computes alike in a serial build, a parallel build and a rerun."""
    from cityclusters import THREAD_VARIABLES

    script = "import cityclusters, os; print([os.environ[v] for v in cityclusters.THREAD_VARIABLES])"
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(["1"] * len(THREAD_VARIABLES))
    out = subprocess.run([sys.executable, "-c", script], env={**env, "OMP_NUM_THREADS": "3"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().startswith("['3', '1'")
