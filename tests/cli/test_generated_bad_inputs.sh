#!/usr/bin/env bash
# Every bad scenario that tests/bad_inputs/generate.py makes from scenarios/*.toml must be
# rejected as bad input:
#   - exit code 2,
#   - a message that starts with <file>:<line>:<column>: and names the mutated key,
#   - no results file and no other file left in the working directory.
#
# Usage: bash test_generated_bad_inputs.sh <path-to-clvsim> <source-dir> [manifest filter regex]
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 <path-to-clvsim> <source-dir> [filter]" >&2
  exit 2
fi
clvsim=$1
source_dir=$2
filter=${3:-}
case $clvsim in /*) ;; *) clvsim=$PWD/$clvsim ;; esac

root=$(mktemp -d "${TMPDIR:-/tmp}/clvsim-generated-bad.XXXXXX")
trap 'rm -rf "$root"' EXIT
cases=$root/cases
/usr/bin/python3 "$source_dir/tests/bad_inputs/generate.py" "$source_dir" "$cases" > /dev/null || {
  echo "FAIL: the generator failed" >&2
  exit 1
}

run_limit=()
if command -v timeout > /dev/null; then run_limit=(timeout 60); fi

# One case: prints "ok <name>" or "FAIL <name>: <problems> | <first line of stderr>".
check_case() {
  local name=$1 command=$2 key=$3
  local work=$root/work/${name%.toml} logs=$root/logs/${name%.toml}
  mkdir -p "$work" "$logs"
  local status=0 size=(-r 2)
  [ "$command" != sensitivity ] || size=(--samples 8)
  (cd "$work" && "${run_limit[@]}" "$clvsim" "$command" "$cases/$name" -o "$work/out.h5" "${size[@]}" -q) \
    > "$logs/stdout" 2> "$logs/stderr" || status=$?
  local problems=""
  [ "$status" -eq 2 ] || problems+="exit code $status, expected 2; "
  local first
  first=$(grep -m1 "error" "$logs/stderr")
  case $first in
    *"$name:"[0-9]*:[0-9]*": "*) ;;
    *) problems+="no $name:line:column; " ;;
  esac
  grep -qF -- "$key" "$logs/stderr" || problems+="does not name '$key'; "
  local left
  left=$(find "$work" -mindepth 1 -print | sed "s|^$work/||" | tr '\n' ' ')
  [ -z "$left" ] || problems+="files left behind: $left; "
  if [ -z "$problems" ]; then
    echo "ok   $name"
  else
    echo "FAIL $name: $problems| $(head -c 300 "$logs/stderr" | tr '\n' ' ')"
  fi
}
export -f check_case
export root cases clvsim
export -a run_limit 2> /dev/null || true
export RUN_LIMIT="${run_limit[*]}"

results=$root/results.txt
while IFS=$'\t' read -r name command key; do
  if [ -n "$filter" ] && ! [[ $name =~ $filter ]]; then continue; fi
  printf '%s\0%s\0%s\0' "$name" "$command" "$key"
done < "$cases/manifest.tsv" |
  xargs -0 -n 3 -P "${CLVSIM_TEST_JOBS:-2}" bash -c 'run_limit=($RUN_LIMIT); check_case "$@"' _ > "$results"

total=$(grep -c "" "$results")
failed=$(grep -c "^FAIL" "$results")
grep "^FAIL" "$results" | head -n 60
echo "generated bad inputs: $((total - failed)) of $total rejected cleanly"
[ "$total" -ge 300 ] || { echo "FAIL: only $total cases (at least 300 expected)"; exit 1; }
[ "$failed" -eq 0 ]
