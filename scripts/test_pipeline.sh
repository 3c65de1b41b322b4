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
# The first two run beside the build at the lowest priority (their own scheduling group at
# nice 19: Linux shares the CPU between sessions first, so nice alone would not do), so the
# build keeps both cores while it can use them and the tests take what it leaves: Sphinx and
# LaTeX are single-threaded for minutes. Each phase prints the time it starts, so a CI log
# shows where the minutes go. Exits non-zero when the build or any test fails; the background
# sessions' reports are printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
MAKE_QUIET="make --no-print-directory"
PYTEST_ARGS=(-n auto --dist loadfile -p no:cacheprovider)
phase() { echo "[$(date +%T)] make test: $*"; }
mkdir -p _build/tests
sessions=()

# in the background, in its own session at the lowest priority; its log in _build/tests/NAME.log
background_tests() {
  local name=$1 markers=$2
  rm -f "_build/tests/$name.pid"
  setsid -w bash -c 'echo $$ > "$0.pid"; echo 19 > /proc/self/autogroup 2>/dev/null || true
                     exec nice -n 19 "$@" > "$0.log" 2>&1' \
    "_build/tests/$name" "$BIN/python" -m pytest -m "$markers" "${PYTEST_ARGS[@]}" --durations=10 &
  sessions+=("$name:$!")
}

stop_background() {
  local entry
  for entry in "${sessions[@]}"; do
    [ -f "_build/tests/${entry%%:*}.pid" ] && kill -- "-$(cat "_build/tests/${entry%%:*}.pid")" 2>/dev/null
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
