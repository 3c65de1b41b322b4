"""No command-line or make input can run code or reach a file outside the book.

Vectors: make variables with $$(…), a backtick, a double quote or $(shell …); a ``--param``
name that is code; a ``../`` or absolute chapter path; a value of the wrong type. Each must
stop with a clear message before anything runs, and create nothing."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from cityclusters.errors import RerunParameterError
from cityclusters.paths import repo_root
from cityclusters.publishing import chapters
from cityclusters.publishing.cli import main
from cityclusters.publishing.runner import run_chapter

ROOT = repo_root()
needs_make = pytest.mark.skipif(shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "python").exists(),
                                reason="needs make and the project's .venv")


def make(*arguments: str, dry: bool = False) -> subprocess.CompletedProcess:
    """``make`` in the repository with this checkout's package first on the path (the venv
    stamp is taken as up to date: these tests must never install anything)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = ["make", "-s", "-o", ".venv/.installed", *(["-n"] if dry else []), *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)


# ----------------------------------------------------------------------------- make variables
@needs_make
@pytest.mark.parametrize(
    ("target", "assignment", "named"),
    [
        ("rerun", "CLUSTER=$$(touch {marker})chengyu", "CLUSTER"),
        ("rerun", "CLUSTER=`touch {marker}`chengyu", "CLUSTER"),
        ("rerun", 'CHAPTER=03_development_gaps"; touch {marker}; echo "', "CHAPTER"),
        ("rerun", "YEARS=$(shell touch {marker})", "YEARS"),
        ("rerun-all", "JOBS=1; touch {marker}", "JOBS"),
        ("rerun-all", "CHAPTERS=$$(touch {marker})", "CHAPTERS"),
        ("rerun-all", "CLUSTERS=`touch {marker}`", "CLUSTERS"),
    ],
)
def test_a_hostile_make_variable_runs_nothing_and_is_named(tmp_path, target, assignment, named):
    marker = tmp_path / "pwned"
    extra = ["CHAPTER=03_development_gaps"] if target == "rerun" and not assignment.startswith("CHAPTER") else []
    result = make(target, *extra, assignment.format(marker=marker))
    assert not marker.exists(), "a make variable ran a command"
    assert result.returncode != 0
    assert f"error: {named}" in result.stderr, result.stderr


@needs_make
@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("NOT_A_PARAMETER=1", "has no parameter(s) ['NOT_A_PARAMETER']"),  # no longer ignored silently
        ("NEAR=abc", "NEAR"),  # a number expected: refused before the chapter runs
        ("NEAR=$$(touch {marker})", "NEAR"),
        ("NEAR=`touch {marker}`", "NEAR"),
    ],
)
def test_chapter_parameters_given_to_make_rerun_are_checked_and_never_run(tmp_path, assignment, message):
    """`make rerun CHAPTER=.. NAME=value` passes NAME as a chapter parameter, read as text from
    MAKEFLAGS (cli.make_parameters): a name the chapter lacks or a value of the wrong type stops
    the rerun before anything executes, and a hostile value is only ever text."""
    marker = tmp_path / "pwned"
    result = make("rerun", "CHAPTER=03_development_gaps", assignment.format(marker=marker))
    assert not marker.exists(), "a make variable ran a command"
    assert result.returncode != 0 and message in result.stderr, result.stderr


@needs_make
@pytest.mark.parametrize("target", ["rerun", "rerun-all", "bench"])
def test_no_recipe_interpolates_a_make_variable(target, tmp_path):
    """`make -n` prints the recipes: the hostile text is in none of them (it reaches the CLI
    through the environment only)."""
    hostile = f"x\"; touch {tmp_path}/pwned; echo `id` $$(id)"
    result = make(target, f"CHAPTER={hostile}", f"CLUSTER={hostile}", f"YEARS={hostile}", f"JOBS={hostile}",
                  f"CHAPTERS={hostile}", f"CLUSTERS={hostile}", f"BENCH_ARGS={hostile}", dry=True)
    assert "pwned" not in result.stdout and "id`" not in result.stdout, result.stdout


# ----------------------------------------------------------------------------- run-chapter
def test_a_parameter_name_that_is_code_is_refused_before_anything_runs(tmp_path, capsys, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setattr("papermill.execute_notebook", lambda *a, **k: pytest.fail("papermill was called"))
    code = f'__import__("os").system("touch {marker}");X'
    assert main(["run-chapter", "03_development_gaps", "--out", str(tmp_path / "x.ipynb"),
                 "--param", f"{code}=1"]) == 1
    assert "is not an identifier" in capsys.readouterr().err
    assert not marker.exists() and not (tmp_path / "x.ipynb").exists()


@pytest.mark.parametrize("chapter", ["../README", "../notebooks/03_development_gaps", "/etc/passwd",
                                     "03_development_gaps/../../README", "03_development_gaps.md"])
def test_a_chapter_is_a_name_of_the_chapter_list_never_a_path(chapter, tmp_path, monkeypatch):
    monkeypatch.setattr("papermill.execute_notebook", lambda *a, **k: pytest.fail("papermill was called"))
    with pytest.raises(RerunParameterError, match=r"is not a chapter; valid: \['01_clusters_and_data'"):
        run_chapter(chapter, tmp_path / "x.ipynb")


def test_the_chapter_list_is_the_toc_s_chapters_with_a_spec():
    from cityclusters.publishing.chapter_specs import CHAPTER_SPECS

    names = chapters.chapter_names()
    assert names == sorted(CHAPTER_SPECS) and len(names) == 12
    assert chapters.chapter_source("05_linkages") == ROOT / "notebooks" / "05_linkages.md"


def test_a_value_of_the_wrong_type_fails_at_once_naming_the_parameter(tmp_path, capsys, monkeypatch):
    # "at once": before any kernel starts (papermill is never called); no time limit, since
    # `make test` runs this beside the book's build
    monkeypatch.setattr("papermill.execute_notebook", lambda *a, **k: pytest.fail("papermill was called"))
    assert main(["run-chapter", "03_development_gaps", "--out", str(tmp_path / "x.ipynb"),
                 "--param", "NEAR=abc"]) == 1
    assert "parameter NEAR='abc': expected a number, got a string" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"FIRST_YEAR": 2010.5}, r"FIRST_YEAR=2010\.5: expected an integer, got a number"),
        ({"FIRST_YEAR": True}, "FIRST_YEAR=True: expected an integer, got true/false"),
        ({"CLUSTERS": "chengyu"}, "CLUSTERS='chengyu': expected a list, got a string"),
        ({"CLUSTERS": [1]}, "list item 1: expected a string, got an integer"),
        ({"NEAR": float("nan")}, "is not a JSON literal"),
        ({"import os": 1}, "is not an identifier"),
        ({"class": 1}, "is not an identifier"),
        ({"DECAY": 1.0}, r"has no parameter\(s\) \['DECAY'\]"),
    ],
)
def test_parameter_types_follow_the_defaults(parameters, message):
    with pytest.raises(RerunParameterError, match=message):
        chapters.check_parameters("03_development_gaps", parameters)


def test_an_integer_is_a_valid_float_and_json_values_pass():
    chapters.check_parameters("03_development_gaps", {"NEAR": 0, "CLUSTERS": ["chengyu"], "CLAIM_YEAR": 2018})


# ----------------------------------------------------------------------------- rerun options
def test_param_clusters_and_cluster_together_are_refused(capsys):
    assert main(["rerun", "--chapter", "03_development_gaps", "--cluster", "chengyu",
                 "--param", 'CLUSTERS=["yrd26"]', "--no-render"]) == 1
    assert "CLUSTER and parameter(s) ['CLUSTERS'] both given" in capsys.readouterr().err


def test_param_years_and_years_together_are_refused():
    from cityclusters.publishing.rerun import validate_request

    with pytest.raises(RerunParameterError, match=r"YEARS and parameter\(s\) \['FIRST_YEAR'\] both given"):
        validate_request("03_development_gaps", None, "2005-2019", {"FIRST_YEAR": 2001})


@pytest.mark.parametrize("jobs", ["-1", "0", "two", "1.5"])
def test_bad_jobs_is_a_clear_error(jobs, capsys):
    assert main(["rerun-all", "--jobs", jobs, "--chapters", "03_development_gaps"]) == 1
    assert f"JOBS must be a positive whole number of workers; got '{jobs}'" in capsys.readouterr().err


def test_out_root_that_is_a_file_is_a_clear_error(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["rerun", "--chapter", "03_development_gaps", "--out-root", str(afile), "--no-render"]) == 1
    assert f"--out-root '{afile}': '{afile}' is a file, not a folder" in capsys.readouterr().err
    assert main(["rerun-all", "--chapters", "03_development_gaps", "--out-root", str(afile / "sub")]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_a_cluster_the_chapter_refuses_is_an_error_not_zero_runs(capsys):
    assert main(["rerun-all", "--chapters", "09_committee_did", "--clusters", "chengyu"]) == 1
    err = capsys.readouterr().err
    assert "chapter 09_committee_did accepts none of them, only ['yrd26', 'yrd41']" in err
    assert "0 runs" not in err


def test_rerun_folder_names_every_non_default_parameter():
    from cityclusters.publishing.rerun import validate_request

    a = validate_request("05_linkages", parameters={"DECAY": 1.5})
    b = validate_request("05_linkages", parameters={"DECAY": 2.5})
    default = validate_request("05_linkages", parameters={"DECAY": 2.0})
    assert a.tag != b.tag and "DECAY=1.5" in a.tag and "DECAY=2.5" in b.tag
    assert default.tag == "05_linkages--default--default"
    odd = validate_request("04_urban_hierarchy", parameters={"CORRIDORS": ["huning"]})
    assert "/" not in odd.tag and " " not in odd.tag and "CORRIDORS=" in odd.tag


@pytest.mark.parametrize("value", ['"; __import__("os").system("id"); "', "x\\", "a\nimport os", "'''\"\"\"",
                                   "`id`$(id)"])
def test_a_hostile_string_value_is_injected_as_a_literal_only(value):
    """A string of the right type passes the checks; papermill writes it as one literal
    assignment, which reads back as the same string (nothing else in the cell)."""
    import ast

    from papermill.translators import translate_parameters

    chapters.check_parameters("04_urban_hierarchy", {"SIZE_MEASURE": value})
    code = translate_parameters("python3", "python", {"SIZE_MEASURE": value}, "Parameters")
    body = ast.parse(code).body
    assert len(body) == 1 and isinstance(body[0], ast.Assign)
    assert ast.literal_eval(body[0].value) == value
