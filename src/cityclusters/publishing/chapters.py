"""The chapters that can be executed with other parameters, and the parameters they take.

Rules, checked before anything runs (no input can run code or read a file outside the book):

- a chapter is a **name** from the chapter list: a ``notebooks/NN_*`` entry of ``_toc.yml``
  that has a spec in :data:`cityclusters.publishing.chapter_specs.CHAPTER_SPECS`. It is never
  read as a path, so ``../x`` or ``/tmp/x`` is an unknown chapter, not a file;
- a parameter **name** is an identifier assigned in the chapter's ``parameters`` cell (its
  defaults, read with :func:`ast.literal_eval`, never executed). papermill writes parameters
  into the notebook as code, so anything else (``__import__("os").system(…);X=1``) is refused;
- a parameter **value** is a JSON literal (string, number, true/false, null, list, object)
  of the type of the default: an integer for an integer default, a number for a float, a
  string for a string, true/false for a boolean, a list for a list (items of the type of the
  default's items), an object for a dict. ``None`` defaults take any JSON literal.
"""

from __future__ import annotations

import ast
import keyword
import re
from functools import lru_cache
from pathlib import Path

from cityclusters.errors import RerunParameterError
from cityclusters.paths import repo_root

_TOC_CHAPTER = re.compile(r"notebooks/(\d\d_[A-Za-z0-9_]+)")


@lru_cache(maxsize=1)
def _toc_chapters() -> tuple[str, ...]:
    import yaml

    toc = yaml.safe_load((repo_root() / "_toc.yml").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            match = _TOC_CHAPTER.fullmatch(str(node.get("file", "")))
            if match:
                found.append(match.group(1))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc)
    return tuple(found)


def chapter_names() -> list[str]:
    """The chapters that can be rerun: ``notebooks/NN_*`` entries of ``_toc.yml`` with a spec."""
    from cityclusters.publishing.chapter_specs import CHAPTER_SPECS

    return sorted(name for name in _toc_chapters() if name in CHAPTER_SPECS)


def chapter_source(chapter: str) -> Path:
    """``notebooks/<chapter>.md`` of a chapter of the list; anything else is refused by name."""
    names = chapter_names()
    if not isinstance(chapter, str) or chapter not in names:
        raise RerunParameterError(f"CHAPTER {chapter!r} is not a chapter; valid: {names}")
    return repo_root() / "notebooks" / f"{chapter}.md"


def chapter_parameters(chapter: str) -> dict:
    """The default values of the chapter's ``parameters`` cell (literal assignments only)."""
    text = chapter_source(chapter).read_text(encoding="utf-8")
    match = re.search(r"```\{code-cell\}[^\n]*\n:tags: \[parameters\]\n(.*?)```", text, re.S)
    if not match:
        raise RerunParameterError(f"notebooks/{chapter}.md has no cell tagged `parameters`")
    values = {}
    for node in ast.parse(match.group(1)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def check_parameters(chapter: str, parameters: dict) -> None:
    """Refuse a parameter the chapter does not have or a value not of its default's type
    (:class:`RerunParameterError` naming the parameter, the value and the expected type)."""
    defaults = chapter_parameters(chapter)
    for name, value in parameters.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise RerunParameterError(f"parameter name {name!r} is not an identifier; chapter "
                                      f"{chapter}'s parameters: {sorted(defaults)}")
        if name not in defaults:
            raise RerunParameterError(f"chapter {chapter} has no parameter(s) {[name]}; its parameters: "
                                      f"{sorted(defaults)}")
        problem = type_problem(value, defaults[name])
        if problem:
            raise RerunParameterError(f"parameter {name}={value!r}: {problem} (chapter {chapter}'s "
                                      f"default is {defaults[name]!r})")


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def type_problem(value, default) -> str | None:
    """Why ``value`` cannot replace ``default`` (see the module's rules), or None."""
    if not _is_json(value):
        return f"{_kind(value)} is not a JSON literal"
    if default is None:
        return None
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, list | tuple):
        if not isinstance(value, list | tuple):
            return f"expected a list, got {_kind(value)}"
        if default:
            for item in value:
                problem = type_problem(item, default[0])
                if problem:
                    return f"list item {item!r}: {problem}"
        return None
    elif isinstance(default, dict):
        ok = isinstance(value, dict)
    else:
        ok = False
    return None if ok else f"expected {_kind(default)}, got {_kind(value)}"


def _is_json(value) -> bool:
    if value is None or isinstance(value, bool | int | str):
        return True
    if isinstance(value, float):
        return value == value and abs(value) != float("inf")
    if isinstance(value, list | tuple):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False
