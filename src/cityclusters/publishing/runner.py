"""Execute a chapter with other parameters (papermill) and read back its glued values.

Chapters are MyST notebooks (``notebooks/NN_topic.md``); papermill needs ``.ipynb``, so the
chapter is converted with jupytext first. The run happens in the ``notebooks/`` folder so
relative paths behave as in the book build.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

from cityclusters.publishing.chapters import chapter_source, check_parameters
from cityclusters.publishing.notebook import NUMBERS_ONLY_ENV


@contextmanager
def _kernel_environment(render_figures: bool):
    """``NUMBERS_ONLY_ENV`` set for the kernels started inside (they copy this process's
    environment) when figures are not rendered; the environment restored afterwards."""
    before = os.environ.get(NUMBERS_ONLY_ENV)
    if not render_figures:
        os.environ[NUMBERS_ONLY_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(NUMBERS_ONLY_ENV, None)
        else:
            os.environ[NUMBERS_ONLY_ENV] = before


def run_chapter(chapter: str, output: Path, parameters: dict | None = None, timeout: int = 600,
                render_figures: bool = True) -> Path:
    """Execute ``notebooks/<chapter>.md`` with ``parameters`` into the notebook ``output``.

    ``chapter`` must be a name of the chapter list and every parameter a name of its
    ``parameters`` cell with a value of the default's type
    (:mod:`cityclusters.publishing.chapters`): checked before a kernel starts, because
    papermill writes parameters into the notebook as code. ``render_figures=False`` builds
    every figure (its data and text are glued) but does not rasterise it
    (:data:`~cityclusters.publishing.notebook.NUMBERS_ONLY_ENV`): for runs that read only
    numbers and tables, such as the determinism check and the chapters' parameter tests.
    """
    import jupytext
    import papermill

    source = chapter_source(chapter)
    parameters = dict(parameters or {})
    check_parameters(chapter, parameters)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    staged = output.with_suffix(".input.ipynb")
    jupytext.write(jupytext.read(source), staged)
    try:
        with _kernel_environment(render_figures):
            papermill.execute_notebook(
                str(staged), str(output), parameters=parameters, cwd=str(source.parent),
                progress_bar=False, execution_timeout=timeout, log_output=False,
            )
    finally:
        staged.unlink(missing_ok=True)
    return output


def glue_outputs(path: Path) -> list[dict]:
    """The glue outputs of an executed chapter: myst-nb's ``<stem>.glue.json`` (name → output;
    myst-nb moves glue outputs out of the notebook it writes) or a papermill ``.ipynb``."""
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    if path.suffix == ".json":
        return list(data.values())
    return [o for cell in data["cells"] for o in cell.get("outputs", [])
            if o.get("metadata", {}).get("scrapbook")]


def output_text(output: dict, mime: str = "text/plain") -> str | None:
    """An output's text of type ``mime`` (papermill prefixes the mime type of glue records)."""
    value = next((v for k, v in output.get("data", {}).items() if k.endswith(mime)), None)
    return "".join(value) if isinstance(value, list) else value


def glued_values(notebook: Path) -> dict[str, str]:
    """The ``glue`` values of an executed chapter (``.ipynb`` or ``.glue.json``), as their
    plain-text representation."""
    values = {}
    for output in glue_outputs(notebook):
        text = output_text(output)
        if text is not None:
            values[output["metadata"]["scrapbook"]["name"]] = text
    return values
