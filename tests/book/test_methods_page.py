"""The methods page names every public method of the package, and every name on it exists.

Every public function of ``cityclusters.indicators`` and ``cityclusters.models`` is on the page with
a docstring; every ``cityclusters.indicators``, ``.models`` or ``.analysis`` name on the page exists
(the page also documents the formulas of the chapter analyses, e.g. the rail network of chapter 5
and the drivers panel of chapter 11). That each of those functions carries a worked example is
checked in ``tests/test_doctests.py``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import cityclusters.indicators
import cityclusters.models
from cityclusters.paths import repo_root

PAGE = repo_root() / "book" / "methods.md"
NAMED = re.compile(r"`(cityclusters\.(?:indicators|models)\.[a-z_]+\.[A-Za-z_]+)`")
ANALYSIS = re.compile(r"`(cityclusters\.analysis\.[a-z_]+\.[A-Za-z_]+)`")


def public_functions() -> set[str]:
    names = set()
    for package in (cityclusters.indicators, cityclusters.models):
        for module_info in pkgutil.iter_modules(package.__path__):
            if module_info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            for name, obj in vars(module).items():
                if name.startswith("_") or not inspect.isfunction(obj):
                    continue
                if obj.__module__ == module.__name__:
                    names.add(f"{module.__name__}.{name}")
    return names


def test_every_name_on_the_page_exists():
    named = set(NAMED.findall(PAGE.read_text(encoding="utf-8")))
    assert named, "the methods page names no functions"
    for dotted in sorted(named):
        module_name, attribute = dotted.rsplit(".", 1)
        module = importlib.import_module(module_name)
        assert hasattr(module, attribute), f"{dotted} is on the methods page but does not exist"


def test_every_analysis_name_on_the_page_exists():
    named = set(ANALYSIS.findall(PAGE.read_text(encoding="utf-8")))
    assert named, "the methods page names no function of cityclusters.analysis"
    missing = []
    for dotted in sorted(named):
        module_name, attribute = dotted.rsplit(".", 1)
        if not hasattr(importlib.import_module(module_name), attribute):
            missing.append(dotted)
    assert not missing, f"on the methods page but not in cityclusters.analysis: {missing}"


def test_every_public_function_is_on_the_page():
    named = set(NAMED.findall(PAGE.read_text(encoding="utf-8")))
    missing = sorted(public_functions() - named)
    assert not missing, f"public functions not listed on book/methods.md: {missing}"


@pytest.mark.parametrize("dotted", sorted(public_functions()))
def test_every_public_function_states_formula_source_or_units(dotted):
    module_name, attribute = dotted.rsplit(".", 1)
    function = getattr(importlib.import_module(module_name), attribute)
    doc = inspect.getdoc(function) or ""
    assert len(doc) > 40, f"{dotted} needs a docstring stating what it computes"
