"""The built book can never disagree with its inputs (issue 17, probes 1–3), reproduced on a
miniature build folder: an interrupted build, the student edition and the site's PDF and images."""

from __future__ import annotations

import pytest

from cityclusters.publishing import build_state


def _built(root, key: str | None = "A") -> None:
    """A finished build from inputs ``key``: executed cache, site with an image and the PDF copy,
    student edition, LaTeX."""
    for relative in ("_build/.jupyter_cache/db", "_build/html/_images/fig.png", "_build/html/_static/book.pdf",
                     "_build/student/_build/html/index.html", "_build/latex/book.pdf",
                     "_build/jupyter_execute/notebooks/01.glue.json"):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("from inputs " + str(key), encoding="utf-8")
    if key is not None:
        (root / build_state.RECORD).write_text(key + "\n", encoding="utf-8")


def test_same_inputs_keep_the_build(tmp_path):
    _built(tmp_path, "A")
    assert build_state.prepare(tmp_path, "A") is False
    assert (tmp_path / "_build/html/_images/fig.png").is_file()
    assert build_state.finish(tmp_path) == "A"


def test_interrupted_build_then_reverted_inputs_still_re_executes(tmp_path):
    # probe 1: a fact changes (A → B), the build is killed after one chapter, the fact is reverted
    _built(tmp_path, "A")
    assert build_state.prepare(tmp_path, "B") is True
    (tmp_path / "_build/.jupyter_cache").mkdir(parents=True)
    (tmp_path / "_build/.jupyter_cache/chapter01").write_text("executed with B", encoding="utf-8")
    # killed: finish() never runs, so no record of any build remains
    assert not (tmp_path / build_state.RECORD).exists()
    assert build_state.prepare(tmp_path, "A") is True  # reverted inputs: cleared again
    assert not (tmp_path / "_build/.jupyter_cache/chapter01").exists()
    assert build_state.finish(tmp_path) == "A"


def test_changed_inputs_clear_the_student_edition_the_pdf_copy_and_old_images(tmp_path):
    # probes 2 and 3: nothing built from the old inputs survives to be published
    _built(tmp_path, "A")
    assert build_state.prepare(tmp_path, "B") is True
    for relative in build_state.STALE_OUTPUTS:
        assert not (tmp_path / relative).exists(), relative
    assert build_state.finish(tmp_path) == "B"
    assert (tmp_path / build_state.RECORD).read_text(encoding="utf-8").strip() == "B"


def test_no_record_means_a_full_build_and_finish_needs_a_prepared_build(tmp_path):
    _built(tmp_path, None)
    assert build_state.prepare(tmp_path, "A") is True
    build_state.finish(tmp_path)
    with pytest.raises(RuntimeError, match="no build was prepared"):
        build_state.finish(tmp_path)
