"""Executing the book twice gives the same glued values and tables (slow: runs every chapter)."""

from __future__ import annotations

import json
import os

import pytest

from cityclusters.paths import repo_root
from cityclusters.publishing import determinism
from cityclusters.publishing.rerun import chapter_names
from tests.conftest import requires_mirror

BUILT = repo_root() / "_build" / "jupyter_execute" / "notebooks"


def _notebook(path, glue: dict, tables: list[str]):
    outputs = [{"output_type": "display_data", "metadata": {"scrapbook": {"name": k, "mime_prefix": "p/"}},
                "data": {"p/text/plain": v}} for k, v in glue.items()]
    outputs += [{"output_type": "display_data", "metadata": {}, "data": {"text/markdown": t}} for t in tables]
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": outputs}]}))


def test_comparison_finds_changed_values_missing_values_and_tables(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    _notebook(a / "01_x.ipynb", {"n": "36", "share": "0.5123"}, ["|a|\n|1|"])
    _notebook(b / "01_x.ipynb", {"n": "36", "share": "0.5124", "new": "1"}, ["|a|\n|2|"])
    problems = determinism.compare_chapter(a, b, "01_x")
    assert problems == ["01_x: glue 'new' only in one run",
                        "01_x: glue 'share' differs: '0.5123' vs '0.5124'", "01_x: table 1 differs"]
    _notebook(b / "01_x.ipynb", {"n": "36", "share": "0.5123"}, ["|a|\n|1|"])
    assert determinism.compare_chapter(a, b, "01_x") == []


@pytest.mark.slow
@requires_mirror
@pytest.mark.book
@pytest.mark.skipif(not BUILT.is_dir(), reason="book not built: run `make book`")
def test_a_second_execution_reproduces_every_glued_value_and_table(tmp_path):
    chapters = chapter_names()
    # numbers only: the build rendered every figure; this run compares glued values and tables
    determinism.execute_chapters(chapters, tmp_path, jobs=os.cpu_count() or 2, render_figures=False)
    problems = [p for chapter in chapters for p in determinism.compare_chapter(BUILT, tmp_path, chapter)]
    assert not problems, "\n".join(problems[:30])
