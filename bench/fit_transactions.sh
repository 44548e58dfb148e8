#!/usr/bin/env bash
# Time and peak memory of `clvsim fit --transactions` on a synthetic log of ROWS rows (default
# 10^7): streamed reading, BG/BB and gamma-gamma fits, outputs. One core.
# Usage: bench/fit_transactions.sh BUILD_DIR [ROWS]
set -euo pipefail
build=${1:-build}
rows=${2:-10000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/bench/fit_generate_log" "$tmp/log.csv" "$rows"
ls -l "$tmp/log.csv" | awk '{ printf "log file: %.0f MB\n", $5 / 1e6 }'
OMP_NUM_THREADS=1 /usr/bin/time -f "wall %e s, peak RSS %M kB" \
  "$build/clvsim" fit --transactions "$tmp/log.csv" --period week --calibration-end 2021-01-01 \
  -o "$tmp/fitted.toml" -q
