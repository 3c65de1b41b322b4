"""publishing.runner: the environment a chapter's kernel starts with."""

from __future__ import annotations

import os

import pytest

from cityclusters.publishing import runner
from cityclusters.publishing.notebook import NUMBERS_ONLY_ENV


@pytest.mark.parametrize("before", [None, "0"])
def test_numbers_only_is_set_for_the_kernels_inside_and_restored_after(before, monkeypatch):
    if before is None:
        monkeypatch.delenv(NUMBERS_ONLY_ENV, raising=False)
    else:
        monkeypatch.setenv(NUMBERS_ONLY_ENV, before)
    with runner._kernel_environment(render_figures=False):
        assert os.environ[NUMBERS_ONLY_ENV] == "1"
    assert os.environ.get(NUMBERS_ONLY_ENV) == before
    with pytest.raises(RuntimeError), runner._kernel_environment(render_figures=False):
        raise RuntimeError("a failed execution")
    assert os.environ.get(NUMBERS_ONLY_ENV) == before
    with runner._kernel_environment(render_figures=True):
        assert os.environ.get(NUMBERS_ONLY_ENV) == before  # a book-like run renders its figures
