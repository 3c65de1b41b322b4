"""Under CITYCLUSTERS_STRICT_SKIPS=1 (CI) a skipped test fails (tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def _run(tmp_path, strict: bool) -> subprocess.CompletedProcess:
    test = tmp_path / "test_skipping.py"
    test.write_text("import pytest\n\ndef test_lost_its_input():\n    pytest.skip('book not built')\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "CITYCLUSTERS_STRICT_SKIPS": "1" if strict else "0"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
                           "--rootdir", str(tmp_path), str(test)],
                          cwd=tmp_path, capture_output=True, text=True, env=env)


def test_a_skip_fails_in_strict_mode_and_names_its_reason(tmp_path):
    strict = _run(tmp_path, strict=True)
    assert strict.returncode == 1, strict.stdout
    assert "skipped where CI builds everything a test needs" in strict.stdout and "book not built" in strict.stdout


def test_a_skip_is_a_skip_otherwise(tmp_path):
    relaxed = _run(tmp_path, strict=False)
    assert relaxed.returncode == 0 and "1 skipped" in relaxed.stdout, relaxed.stdout
