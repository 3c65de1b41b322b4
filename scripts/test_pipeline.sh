#!/usr/bin/env bash
# `make test` once the environment is installed: the tables, the book (HTML; then the PDF and
# the student edition side by side; then the site artifacts) and every test, on both cores.
#
# The tests fall in three sessions by what they need (markers in pyproject.toml):
#   - the fast tests (`not slow`: no real data, no built book) start at once;
#   - the slow tests that need the tables but not the book (`slow and not book`: real-data
#     checks, chapter reruns) start when the tables are built;
#   - the tests of the built book (`book`: the site in Chromium, the PDF, the determinism
#     check) start when the book is built.
# The first two run beside the build (nice 10), so the cores the build leaves idle are used:
# Sphinx and LaTeX are single-threaded for minutes. (Not at the lowest priority in a
# scheduling group of their own: the fast tests then waited for every chapter kernel, since
# Linux shares the CPU between sessions before nice values, and finished last.) Each phase
# prints the time it starts, so a CI log shows where the minutes go. Exits non-zero when the
# build or any test fails; the background sessions' reports are printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
MAKE_QUIET="make --no-print-directory"
PYTEST_ARGS=(-n auto --dist loadfile -p no:cacheprovider)
phase() { echo "[$(date +%T)] make test: $*"; }
mkdir -p _build/tests
sessions=()

# in the background at low priority; its log in _build/tests/NAME.log
background_tests() {
  local name=$1 markers=$2
  nice -n 10 "$BIN/python" -m pytest -m "$markers" "${PYTEST_ARGS[@]}" --durations=10 \
    > "_build/tests/$name.log" 2>&1 &
  sessions+=("$name:$!")
}

stop_background() {
  local entry
  for entry in "${sessions[@]}"; do
    pkill -TERM -P "${entry#*:}" 2>/dev/null  # its xdist workers
    kill "${entry#*:}" 2>/dev/null
  done
  wait 2>/dev/null
}
trap 'stop_background; exit 130' INT TERM

build_failed() {
  phase "build failed: $1"
  stop_background
  exit 1
}

phase "fast tests, in the background"
background_tests fast "not slow"
phase "system packages, data and tables"
$MAKE_QUIET -j 2 sysdeps tables || build_failed "system packages, data or tables"
phase "slow tests that need no built book, in the background"
background_tests data "slow and not book"
phase HTML
$MAKE_QUIET html-after-tables || build_failed HTML
phase PDF and student edition
$MAKE_QUIET -j 2 pdf-after-html student-after-html || build_failed "PDF or student edition"
phase site artifacts
"$BIN/python" scripts/site_artifacts.py || build_failed "site artifacts"
phase "tests of the built book"
"$BIN/python" -m pytest -m book "${PYTEST_ARGS[@]}" --durations=25
status=$?
for entry in "${sessions[@]}"; do
  wait "${entry#*:}"
  session_status=$?
  phase "${entry%%:*} tests (exit $session_status): report"
  cat "_build/tests/${entry%%:*}.log"
  [ "$session_status" -eq 0 ] || status=1
done
phase "done (exit $status)"
exit "$status"
