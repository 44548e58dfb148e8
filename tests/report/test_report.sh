#!/usr/bin/env bash
# A report of one kind of results file, opened in headless Chromium: every chart must render.
#
# Usage: bash test_report.sh <path-to-clvsim> <source-dir> <run|variants|sweep|sensitivity|bad-input>
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 <path-to-clvsim> <source-dir> <kind>" >&2
  exit 2
fi
clvsim=$1
src=$2
kind=$3
case $clvsim in /*) ;; *) clvsim=$PWD/$clvsim ;; esac
case $src in /*) ;; *) src=$PWD/$src ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/clvsim-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Small replication counts: the test is about rendering, not precision.
case $kind in
  run)
    "$clvsim" run "$src/scenarios/saas.toml" -r 40 -q -o results.h5
    min_charts=8
    sheets=(Summary Yearly "Per period") ;;
  variants)
    "$clvsim" run "$src/scenarios/saas_variants.toml" -r 40 -q -o results.h5
    /usr/bin/python3 "$src/tests/report/check_waterfall.py" "$src" results.h5
    min_charts=15
    sheets=(Summary Yearly "Per period" "Side by side" Comparison "Comparison by year") ;;
  sweep)
    "$clvsim" sweep "$src/scenarios/saas_sweep.toml" -r 3 -q -o results.h5
    min_charts=6
    sheets=(Sweep) ;;
  sensitivity)
    "$clvsim" sensitivity "$src/scenarios/saas_sweep.toml" --samples 16 -q -o results.h5
    min_charts=2
    sheets=(Tornado Sobol) ;;
  bad-input)
    # Bad input: exit code 2, a message naming the file, nothing written.
    echo "not HDF5" > broken.h5
    for input in missing.h5 broken.h5; do
      set +e
      "$clvsim" report "$input" -o out.html 2> err.txt
      code=$?
      set -e
      [ $code -eq 2 ] || fail "clvsim report $input exited with $code, expected 2"
      grep -q "$input" err.txt || fail "the error for $input does not name it: $(cat err.txt)"
      [ ! -e out.html ] || fail "clvsim report $input left out.html behind"
    done
    "$clvsim" run "$src/scenarios/saas.toml" -r 5 -q -o results.h5
    echo keep > out.html
    set +e
    "$clvsim" report results.h5 -o out.html 2> err.txt
    code=$?
    set -e
    [ $code -eq 2 ] || fail "overwriting an existing report without --force exited with $code, expected 2"
    [ "$(cat out.html)" = keep ] || fail "an existing report was overwritten without --force"
    leftovers=$(ls -A | grep -v -x -e results.h5 -e out.html -e broken.h5 -e err.txt || true)
    [ -z "$leftovers" ] || fail "files left behind: $leftovers"
    echo "ok: bad input rejected with exit code 2, nothing written"
    exit 0 ;;
  *) fail "unknown kind $kind" ;;
esac

"$clvsim" report results.h5 -o report.html --xlsx report.xlsx > /dev/null
[ -s report.html ] || fail "no report written"
/usr/bin/python3 "$src/tests/report/check_workbook.py" report.xlsx results.h5 "${sheets[@]}"

chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || fail "chromium is not installed (tools/install-deps.sh installs it)"
browser=("$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
         --user-data-dir="$tmp/profile" --window-size=1200,1600)
timeout 120 "${browser[@]}" --dump-dom "file://$tmp/report.html" > dom.html 2> /dev/null
timeout 120 "${browser[@]}" --screenshot="$tmp/screenshot.png" "file://$tmp/report.html" > /dev/null 2>&1
[ -s screenshot.png ] || fail "chromium wrote no screenshot"
/usr/bin/python3 "$src/tests/report/check_report.py" report.html dom.html screenshot.png "$min_charts"
