#!/usr/bin/env bash
# Peak resident memory and time of `clvsim run` on the default scenario against the number of
# replications (default: 10^4, 10^5, 10^6), measured with /usr/bin/time -v. Memory should not grow
# with the replications: per-period statistics are streamed, and the per-replication values
# (totals, yearly values) wait in an unlinked file until they are copied into the .h5
# (docs/results.md, "How the per-replication values reach the file"). The last column is what
# holding them in memory would cost (8 bytes each; 33 per replication for the default scenario).
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
printf '%-14s %14s %12s %12s %18s\n' replications "peak RSS (MB)" "wall (s)" "user (s)" "values kept (MB)"
for r in "${counts[@]}"; do
  /usr/bin/time -v "$build/clvsim" run -q -r "$r" -o "$out/run.h5" --force 2>"$out/time.txt" >/dev/null
  rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/time.txt")
  wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$out/time.txt")
  user=$(awk -F: '/User time/ {gsub(/ /, "", $2); print $2}' "$out/time.txt")
  awk -v r="$r" -v kb="$rss_kb" -v wall="$wall" -v user="$user" 'BEGIN {
    mb = kb / 1024; kept = r * 33 * 8 / 1048576;
    printf "%-14d %14.1f %12s %12s %18.1f\n", r, mb, wall, user, kept }'
done
