#!/usr/bin/env bash
# `make test` once the environment and the tables are ready: build the book (HTML, then the PDF
# and the student edition side by side, then the site artifacts) and run every test.
#
# The fast tests (`-m "not slow"`: no built book needed) start at once, beside the build, at
# low priority (nice 15): the build keeps both cores while it can use them, and the fast tests
# take what it leaves (Sphinx and LaTeX are single-threaded for minutes). The slow tests start
# when the book is built; the fast ones go on beside them until done. Each phase prints the
# time it starts, so a CI log shows where the minutes go. Exits non-zero when the build or
# any test fails; the fast tests' report is printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
MAKE_QUIET="make --no-print-directory"
FAST_LOG=_build/fast-tests.log
phase() { echo "[$(date +%T)] make test: $*"; }

mkdir -p _build
phase "fast tests, in the background"
nice -n 15 "$BIN/python" -m pytest -m "not slow" -n auto --dist loadfile --durations=10 \
  -p no:cacheprovider > "$FAST_LOG" 2>&1 &
fast=$!
# a stopped or failed build stops the fast tests too
trap 'kill "$fast" 2>/dev/null; wait "$fast" 2>/dev/null' INT TERM

build_failed() {
  phase "build failed: $1"
  kill "$fast" 2>/dev/null
  wait "$fast" 2>/dev/null
  exit 1
}

phase HTML
$MAKE_QUIET html-after-tables || build_failed HTML
phase PDF and student edition
$MAKE_QUIET -j 2 pdf-after-html student-after-html || build_failed "PDF or student edition"
phase site artifacts
"$BIN/python" scripts/site_artifacts.py || build_failed "site artifacts"
phase "slow tests (the fast ones go on beside them)"
"$BIN/python" -m pytest -m slow -n auto --dist loadfile --durations=25
slow_status=$?
wait "$fast"
fast_status=$?
phase "fast tests: report"
cat "$FAST_LOG"
phase "done (slow tests exit $slow_status, fast tests exit $fast_status)"
[ "$slow_status" -eq 0 ] && [ "$fast_status" -eq 0 ]
