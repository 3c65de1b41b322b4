"""Is the book deterministic? Compare the glued values and tables of two executions.

The book build writes every executed chapter to ``_build/jupyter_execute/notebooks`` (its glue
values to ``<chapter>.glue.json``); :func:`execute_chapters` runs the chapters again with
papermill. :func:`compare_chapter` lists every glued value (its plain-text form, so numbers
to full precision) and every table (Markdown or HTML outputs) that differs between the two.
Figures are compared through their glued text only: PNG bytes depend on the renderer.
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cityclusters.publishing.runner import glued_values, output_text


def glue_texts(path: Path) -> dict[str, str]:
    """Plain-text form of every glue value of an executed chapter (``.glue.json`` or ``.ipynb``)."""
    return glued_values(path)


def table_outputs(notebook: Path) -> list[str]:
    """The Markdown and HTML outputs (tables) of an executed notebook, in order."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    tables = []
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook"):
                continue
            for mime in ("text/markdown", "text/html"):
                text = output_text(output, mime)
                if text is not None:
                    tables.append(text)
    return tables


def compare_chapter(built_dir: Path, other_dir: Path, chapter: str) -> list[str]:
    """Differences between a chapter's execution in ``built_dir`` (a book build's
    ``jupyter_execute/notebooks``) and in ``other_dir`` (papermill notebooks): one line each."""
    built_glue = Path(built_dir) / f"{chapter}.glue.json"
    glue_a = glue_texts(built_glue if built_glue.is_file() else Path(built_dir) / f"{chapter}.ipynb")
    glue_b = glue_texts(Path(other_dir) / f"{chapter}.ipynb")
    problems = [f"{chapter}: glue {name!r} only in one run"
                for name in sorted(set(glue_a) ^ set(glue_b))]
    problems += [f"{chapter}: glue {name!r} differs: {glue_a[name]!r} vs {glue_b[name]!r}"
                 for name in sorted(set(glue_a) & set(glue_b)) if glue_a[name] != glue_b[name]]
    tables_a = table_outputs(Path(built_dir) / f"{chapter}.ipynb")
    tables_b = table_outputs(Path(other_dir) / f"{chapter}.ipynb")
    if len(tables_a) != len(tables_b):
        problems.append(f"{chapter}: {len(tables_a)} vs {len(tables_b)} table outputs")
    problems += [f"{chapter}: table {i + 1} differs" for i, (a, b) in enumerate(zip(tables_a, tables_b))
                 if a != b]
    return problems


def _execute(chapter: str, folder: str, render_figures: bool) -> str:
    from cityclusters.publishing.runner import run_chapter

    run_chapter(chapter, Path(folder) / f"{chapter}.ipynb", render_figures=render_figures)
    return chapter


def execute_chapters(chapters: list[str], folder: Path, jobs: int = 2,
                     render_figures: bool = True) -> Path:
    """Execute ``chapters`` with their default parameters into ``folder``, ``jobs`` at a time.

    ``render_figures=False`` skips rasterising figures
    (:data:`~cityclusters.publishing.notebook.NUMBERS_ONLY_ENV`): enough when only glued values
    and tables are compared."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_execute, chapters, [str(folder)] * len(chapters),
                      [render_figures] * len(chapters)))
    return folder
