#!/usr/bin/env bash
# Peak resident memory and time of `clvsim run` on the default scenario against the number of
# replications (default: 10^4, 10^5, 10^6), measured with /usr/bin/time -v. Memory should grow
# only by the per-replication horizon totals (14 doubles per replication).
#
# Usage: bench/peak_memory.sh [build dir] [replications...]   (threads: OMP_NUM_THREADS or all)
set -euo pipefail
build=${1:-build}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10000 100000 1000000)
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package: time)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-14s %14s %12s %12s %16s\n' replications "peak RSS (MB)" "wall (s)" "user (s)" "MB above totals"
for r in "${counts[@]}"; do
  /usr/bin/time -v "$build/clvsim" run -q -r "$r" -o "$out/run.h5" --force 2>"$out/time.txt" >/dev/null
  rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/time.txt")
  wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$out/time.txt")
  user=$(awk -F: '/User time/ {gsub(/ /, "", $2); print $2}' "$out/time.txt")
  awk -v r="$r" -v kb="$rss_kb" -v wall="$wall" -v user="$user" 'BEGIN {
    mb = kb / 1024; totals = r * 14 * 8 / 1048576;
    printf "%-14d %14.1f %12s %12s %16.1f\n", r, mb, wall, user, mb - totals }'
done
