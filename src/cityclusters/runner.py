"""Execute a chapter with other parameters (papermill) and read back its glued values.

Chapters are MyST notebooks (``notebooks/NN_topic.md``); papermill needs ``.ipynb``, so the
chapter is converted with jupytext first. The run happens in the ``notebooks/`` folder so
relative paths behave as in the book build.
"""

from __future__ import annotations

import json
from pathlib import Path

from .paths import repo_root


def run_chapter(chapter: str, output: Path, parameters: dict | None = None, timeout: int = 600) -> Path:
    """Execute ``notebooks/<chapter>.md`` with ``parameters`` into the notebook ``output``."""
    import jupytext
    import papermill

    source = repo_root() / "notebooks" / f"{chapter}.md"
    if not source.is_file():
        available = sorted(p.stem for p in (repo_root() / "notebooks").glob("*.md"))
        raise FileNotFoundError(f"no chapter {chapter!r}; available: {available}")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    staged = output.with_suffix(".input.ipynb")
    jupytext.write(jupytext.read(source), staged)
    try:
        papermill.execute_notebook(
            str(staged), str(output), parameters=parameters or {}, cwd=str(source.parent),
            progress_bar=False, execution_timeout=timeout, log_output=False,
        )
    finally:
        staged.unlink(missing_ok=True)
    return output


def glued_values(notebook: Path) -> dict[str, str]:
    """The ``glue`` values of an executed notebook, as their plain-text representation."""
    values = {}
    for cell in json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                data = output.get("data", {})
                text = data.get(f"{record['mime_prefix']}text/plain")
                if text is not None:
                    values[record["name"]] = text
    return values
