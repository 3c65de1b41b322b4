"""The worked examples in the docstrings run, and every method on the methods page has one.

PySAL's ``inequality`` package is the model: each formula function of
``cityclusters.indicators`` and ``cityclusters.models`` carries a tiny example whose result can
be checked by hand (the docstring says how). ``test_doctests_pass`` runs the examples of every
module of the two packages (and of ``cityclusters.analysis.verdicts``, ``config``, ``data.names``
and the yearbook's ``data.sources.yearbook`` modules) and fails on any failed
example; ``test_every_method_on_the_page_has_an_example`` asserts that each function that
``book/methods.md`` names under ``cityclusters.indicators`` or ``cityclusters.models`` has at
least one example, except those in :data:`WITHOUT_EXAMPLE`.

The same examples run with ``pytest --doctest-modules src/cityclusters/indicators``; the option
flags below match ``doctest_optionflags`` in ``pyproject.toml``.
"""

from __future__ import annotations

import doctest
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
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

#: Functions named on the methods page that may go without an example, with the reason
#: (e.g. an estimator too expensive for a doctest). Keep this list short and justified; an
#: entry that gains an example, or leaves the page, fails ``test_exemptions_are_current``.
WITHOUT_EXAMPLE: dict[str, str] = {}


def module_names() -> list[str]:
    names = []
    for package in (cityclusters.indicators, cityclusters.models):
        names.append(package.__name__)
        names += [f"{package.__name__}.{info.name}" for info in pkgutil.iter_modules(package.__path__)
                  if not info.name.startswith("_")]
    yearbook = [f"cityclusters.data.sources.yearbook.{m}"
                for m in ("archives", "sheets", "mapping", "harmonise", "cross_sections")]
    return sorted(names) + ["cityclusters.analysis.verdicts", "cityclusters.config", "cityclusters.data.names",
                            *yearbook]


def named_on_page() -> list[str]:
    return sorted(set(NAMED.findall(PAGE.read_text(encoding="utf-8"))))


def resolve(dotted: str):
    module_name, attribute = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module_name), attribute)


def example_count(dotted: str) -> int:
    """Examples in the docstring of a function (of a class: in its docstring and methods')."""
    obj = resolve(dotted)
    finder = doctest.DocTestFinder(recurse=inspect.isclass(obj), exclude_empty=False)
    return sum(len(test.examples) for test in finder.find(obj, dotted))


@pytest.mark.parametrize("name", module_names())
def test_doctests_pass(name):
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    report: list[str] = []
    for test in doctest.DocTestFinder().find(module, name):
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in " \
                               f"{name}:\n" + "".join(report)


def test_every_method_on_the_page_has_an_example():
    named = named_on_page()
    assert named, "book/methods.md names no function of cityclusters.indicators or .models"
    missing = [dotted for dotted in named
               if dotted not in WITHOUT_EXAMPLE and example_count(dotted) == 0]
    assert not missing, ("functions on book/methods.md without a doctest example (add a small "
                         f"hand-checkable example, or exempt them with a reason): {missing}")


def test_exemptions_are_current():
    named = set(named_on_page())
    for dotted, reason in WITHOUT_EXAMPLE.items():
        assert dotted in named, f"{dotted} is exempted but not on book/methods.md"
        assert example_count(dotted) == 0, f"{dotted} has an example now; drop its exemption"
        assert len(reason) > 20, f"{dotted}: state why it has no example"
