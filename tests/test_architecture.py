"""The package's layers, enforced: imports point only downward, there is no import cycle, no
module reaches into another's private names, and the tests mirror the package."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import networkx as nx
import pytest

import cityclusters
from cityclusters.paths import repo_root

PACKAGE = Path(cityclusters.__file__).parent
LAYERS = ("data", "models", "indicators", "analysis", "figures", "publishing")


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def test_import_contract_holds_with_no_exceptions_listed():
    config = tomllib.loads((repo_root() / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = config["contracts"]
    assert {c["type"] for c in contracts} == {"layers", "forbidden"}
    assert not any("ignore_imports" in c or "unmatched_ignore_imports_alerting" in c for c in contracts)
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    assert [layer.removeprefix("cityclusters.") for layer in layers[:6]] == list(reversed(LAYERS))
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([command, "--no-cache"], cwd=repo_root(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_import_cycle_between_modules():
    import grimp

    graph = grimp.build_graph("cityclusters")
    edges = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            # a package's __init__ is not an import of its parent by its children
            if not module.startswith(imported + "."):
                edges.add_edge(module, imported)
    cycles = list(nx.simple_cycles(edges))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_no_module_imports_a_private_name_of_another():
    offenders = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and (node.module.startswith("cityclusters") or node.level):
                offenders += [f"{name}: from {node.module} import {a.name}" for a in node.names
                              if a.name.startswith("_") and a.name != "__version__"]
            if isinstance(node, ast.Import):
                offenders += [f"{name}: import {a.name}" for a in node.names
                              if any(part.startswith("_") for part in a.name.split(".")[1:])]
    assert not offenders, offenders


def test_private_modules_are_gone():
    private = [n for n in modules() if any(p.startswith("_") and p != "__main__" for p in n.split("."))]
    assert not private, private


def test_no_relative_imports():
    """Absolute imports only: a module's dependencies read the same wherever it moves."""
    relative = [f"{name}:{node.lineno}" for name, path in modules().items()
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.ImportFrom) and node.level]
    assert not relative, relative


@pytest.mark.parametrize("layer", LAYERS)
def test_tests_mirror_the_package(layer):
    assert (repo_root() / "tests" / layer / "__init__.py").is_file()
    assert list((repo_root() / "tests" / layer).glob("test_*.py")), f"tests/{layer} has no tests"


def test_every_chapter_topic_has_an_analysis_module_and_the_readme_maps_it():
    from cityclusters.publishing.chapter_specs import CHAPTER_SPECS

    readme = (repo_root() / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    for chapter in CHAPTER_SPECS:
        assert f"`{chapter}`" in section, chapter
    analysis = sorted(p.stem for p in (PACKAGE / "analysis").glob("*.py") if p.stem != "__init__")
    for module in analysis:
        assert f"analysis/{module}" in section or f"analysis.{module}" in section, module


def test_one_coordination_index_scores_the_book():
    """Only the index module scores cities: no chapter (notebook or analysis module) calls the
    first edition's pool-by-pool ``score_pipeline``, so a city-year has one D in the book."""
    callers = [p.name for p in [*(PACKAGE / "analysis").glob("*.py"), *(repo_root() / "notebooks").glob("*.md")]
               if p.stem != "coordination" and "score_pipeline(" in p.read_text(encoding="utf-8")]
    assert not callers, callers
