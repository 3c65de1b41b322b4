"""A fingerprint of everything a chapter's output depends on besides its own text.

jupyter-cache re-executes a notebook only when the notebook's code changes; it does not notice
a change to the package (``src/cityclusters``), to the data registry (whose SHA-256 column
pins every raw file), to the typed facts or to the pinned requirements. ``make html`` compares
this fingerprint with the one stored at the last build and, if it differs, forgets the
executed notebooks and Sphinx's environment so that every chapter runs again.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from cityclusters.paths import repo_root

#: Files and folders (relative to the repository) whose content the fingerprint covers.
INPUTS = ("src/cityclusters", "data/registry.tsv", "data/facts", "requirements.txt", "pyproject.toml")
SUFFIXES = {".py", ".tsv", ".csv", ".txt", ".toml", ".md"}


def input_files(root: Path | None = None) -> list[Path]:
    """The files covered by the fingerprint, sorted (caches and compiled files excluded)."""
    root = root or repo_root()
    files = []
    for item in INPUTS:
        path = root / item
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES
                      and "__pycache__" not in p.parts]
    return sorted(files)


def cache_key(root: Path | None = None) -> str:
    """SHA-256 over the relative path and bytes of every input file."""
    root = root or repo_root()
    digest = hashlib.sha256()
    for path in input_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


#: Import statements of each source text parsed so far, keyed by its SHA-256: a process asks for
#: several tables' fingerprints (a chapter reads two or three), and parsing the same modules
#: again for each was most of that time. An edited file has another digest, so it is parsed
#: again (a key by modification time could miss an edit within the clock's resolution).
_IMPORTS_READ: dict[bytes, tuple[tuple[int, str | None, tuple[str, ...]], ...]] = {}


def _imports_of(path: Path) -> tuple[tuple[int, str | None, tuple[str, ...]], ...]:
    """(level, module, names) of every ``import``/``from … import`` statement in ``path``."""
    source = path.read_bytes()
    key = hashlib.sha256(source).digest()
    if key not in _IMPORTS_READ:
        found = []
        for node in ast.walk(ast.parse(source.decode("utf-8"))):
            if isinstance(node, ast.Import):
                found.append((0, None, tuple(alias.name for alias in node.names)))
            elif isinstance(node, ast.ImportFrom):
                found.append((node.level, node.module, tuple(alias.name for alias in node.names)))
        _IMPORTS_READ[key] = tuple(found)
    return _IMPORTS_READ[key]


def module_closure(module: str, root: Path | None = None) -> list[Path]:
    """Source files of ``module`` (e.g. ``"cityclusters.data.tables"``) and of every package module
    it imports, directly or not, found by reading the import statements (so the result does
    not depend on what else a process has imported)."""
    package_dir = (root or repo_root()) / "src"
    seen: dict[str, Path] = {}

    def path_of(name: str) -> Path | None:
        base = package_dir.joinpath(*name.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def visit(name: str) -> None:
        path = path_of(name)
        if path is None or name in seen:
            return
        seen[name] = path
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for level, module_name, names in _imports_of(path):
            if module_name is None and level == 0:  # import a, b
                targets = list(names)
            else:
                if level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - level + 1])
                    stem = f"{base}.{module_name}" if module_name else base
                else:
                    stem = module_name or ""
                targets = [stem] + [f"{stem}.{name}" for name in names]
            for target in targets:
                if target.startswith("cityclusters"):
                    # the parent packages' __init__ files run on import too
                    parts = target.split(".")
                    for k in range(1, len(parts) + 1):
                        visit(".".join(parts[:k]))

    visit(module)
    return sorted(seen.values())


def table_cache_key(root: Path | None = None, module: str = "cityclusters.data.tables") -> str:
    """Fingerprint of what the tables built by ``module`` depend on: its source and that of the
    package modules it imports, the data registry (raw files' SHA-256), the typed facts and
    the pinned requirements. Editing a module it does not import does not change it."""
    root = root or repo_root()
    files = module_closure(module, root)
    for item in INPUTS[1:]:
        path = root / item
        files += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()
                                                     and p.suffix in SUFFIXES) if path.is_dir() else []
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
