"""The longest test files are collected first (tests/conftest.py: LONGEST_FIRST)."""

from __future__ import annotations

from tests.conftest import LONGEST_FIRST, REPO


def test_every_file_named_longest_first_exists():
    assert all((REPO / path).is_file() for path in LONGEST_FIRST), "a renamed test file"


def test_collection_starts_with_the_longest_files(request):
    order = []
    for item in request.session.items:
        path = item.nodeid.split("::")[0]
        if not order or order[-1] != path:
            order.append(path)
    collected = [path for path in LONGEST_FIRST if path in order]
    assert order[:len(collected)] == collected
