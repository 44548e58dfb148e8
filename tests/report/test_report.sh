#!/usr/bin/env bash
# A report of one kind of results file, opened in headless Chromium: every chart must render.
#
# Usage: bash test_report.sh <path-to-clvsim> <source-dir> <kind>
#   kind: run, variants, yearly (variants with the yearly/ layout of docs/results.md), sweep,
#         sensitivity, fit, optimize, bad-input, or example:<name> (a run of scenarios/<name>.toml)
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

chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || fail "chromium is not installed (tools/install-deps.sh installs it)"
browser=("$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
         --user-data-dir="$tmp/profile" --window-size=1200,1600)

# browse <stdout file> <chromium arguments...>: headless Chromium, given 120 s. On a loaded
# machine it has been seen to stall past that once in a while; a stalled start is tried again
# once, and a second stall or another failure fails the test with its reason.
browse() {
  local out=$1 status
  shift
  for attempt in 1 2; do
    status=0
    timeout 120 "${browser[@]}" "$@" > "$out" 2> "$tmp/chromium.log" || status=$?
    [ "$status" -eq 124 ] && [ "$attempt" -eq 1 ] && { echo "chromium stalled (120 s): again" >&2; continue; }
    [ "$status" -eq 0 ] || fail "chromium $* exited with $status: $(tail -n 5 "$tmp/chromium.log")"
    return 0
  done
}

# report <results.h5> <min charts> [sheet ...]: the report and workbook of a results file, the
# workbook checked against the file, the report opened in Chromium with every chart rendered.
report() {
  local results=$1 min=$2
  shift 2
  local stem=${results%.h5}
  "$clvsim" report "$results" -o "$stem.html" --xlsx "$stem.xlsx" > /dev/null || fail "clvsim report $results failed"
  [ -s "$stem.html" ] || fail "no report written for $results"
  /usr/bin/python3 "$src/tests/report/check_workbook.py" "$stem.xlsx" "$results" "$@" || exit 1
  browse "$stem.dom.html" --dump-dom "file://$tmp/$stem.html"
  browse /dev/null --screenshot="$tmp/$stem.png" "file://$tmp/$stem.html"
  [ -s "$stem.png" ] || fail "chromium wrote no screenshot of $stem.html"
  /usr/bin/python3 "$src/tests/report/check_report.py" "$stem.html" "$stem.dom.html" "$stem.png" "$min" || exit 1
}

# Small replication counts: the test is about rendering, not precision.
case $kind in
  run)
    "$clvsim" run "$src/scenarios/saas.toml" -r 40 -q -o results.h5
    report results.h5 8 Summary Yearly "Per period"
    /usr/bin/python3 "$src/tests/report/check_yearly.py" results.html results.h5 ;;
  variants)
    "$clvsim" run "$src/scenarios/saas_variants.toml" -r 40 -q -o results.h5
    /usr/bin/python3 "$src/tests/report/check_waterfall.py" "$src" results.h5
    report results.h5 15 Summary Yearly "Per period" "Side by side" Comparison "Comparison by year"
    /usr/bin/python3 "$src/tests/report/check_yearly.py" results.html results.h5 ;;
  yearly)
    # Per-replication yearly totals (docs/results.md): the fixture adds them to files written
    # without them, and leaves files that hold them alone.
    "$clvsim" run "$src/scenarios/saas_variants.toml" -r 40 -q -o results.h5
    /usr/bin/python3 "$src/tests/report/yearly_fixture.py" results.h5
    report results.h5 25 Summary Yearly "Per period" "Comparison by year"
    /usr/bin/python3 "$src/tests/report/check_yearly.py" results.html results.h5
    grep -q 'id="by-year"' results.html || fail "no change-by-year section" ;;
  sweep)
    "$clvsim" sweep "$src/scenarios/saas_sweep.toml" -r 3 -q -o results.h5
    report results.h5 6 Sweep ;;
  sensitivity)
    "$clvsim" sensitivity "$src/scenarios/saas_sweep.toml" --samples 16 -q -o results.h5
    report results.h5 2 Tornado Sobol ;;
  fit)
    data=${CLVSIM_SHARED_DATA_DIR:-$src/../shared/data}
    # Cohort survival with a holdout (Fader & Hardie 2007): two sBG fits, two tracking plots.
    "$clvsim" fit --cohorts "$data/fader_hardie_2007_retention.csv" --cohort-size 1000 --calibration-periods 7 \
      --period year -o cohorts.toml -q
    report cohorts.fit.h5 4 Parameters Tracking
    /usr/bin/python3 "$src/tests/report/check_fit.py" cohorts.fit.html cohorts.fit.h5
    # A transaction log (CDNOW): BG/BB and gamma-gamma, repeat transactions and their cumulative sum.
    "$clvsim" fit --transactions "$data/cdnow_sample_transactions.txt" --layout cdnow --period week \
      --calibration-end 1997-10-01 -o cdnow.toml -q
    report cdnow.fit.h5 4 Parameters Tracking
    /usr/bin/python3 "$src/tests/report/check_fit.py" cdnow.fit.html cdnow.fit.h5
    # A funnel: stage rates with their posterior intervals.
    printf 'lead_id,stage,date\nL1,lead,2024-01-01\nL2,lead,2024-01-01\nL3,lead,2024-01-01\nL4,lead,2024-01-01\nL1,mql,2024-01-10\nL2,lost,2024-01-20\nL3,mql,2024-03-05\nL1,customer,2024-01-15\n' > events.csv
    printf 'period,channel,spend,leads\n1,paid,1000,20\n2,paid,3000,40\n' > spend.csv
    "$clvsim" fit --funnel events.csv --stages lead,mql --channels spend.csv --as-of 2024-04-01 -o funnel.toml -q
    report funnel.fit.h5 1 Parameters
    grep -q 'id="funnel"' funnel.fit.html || fail "the funnel fit's report has no funnel section"
    /usr/bin/python3 "$src/tests/report/check_fit.py" funnel.fit.html funnel.fit.h5 ;;
  optimize)
    "$clvsim" optimize "$src/scenarios/saas_optimize.toml" -r 40 --evaluation-replications 200 -q -o results.h5
    report results.h5 6 Plans Frontier
    /usr/bin/python3 "$src/tests/report/check_optimize.py" results.html results.h5 ;;
  example:*)
    name=${kind#example:}
    [ -f "$src/scenarios/$name.toml" ] || fail "no example scenario $name"
    "$clvsim" run "$src/scenarios/$name.toml" -r 20 -q -o results.h5
    report results.h5 6 Summary Yearly "Per period" ;;
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
echo "ok: $kind"
