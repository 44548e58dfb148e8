#!/usr/bin/env bash
# The speed-up of a sweep from 1 to 2 MPI ranks (one thread per rank), measured in one run on
# scenarios/saas_sweep.toml (an 8 x 8 grid: 64 points). Also checks that both files are equal.
# Usage: bench/mpi_sweep.sh [build-dir]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMP_NUM_THREADS=1
time_of() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'; }
t1=$(time_of mpirun -np 1 "$build/clvsim" sweep "$src/scenarios/saas_sweep.toml" -o "$tmp/np1.h5" -q)
t2=$(time_of mpirun -np 2 "$build/clvsim" sweep "$src/scenarios/saas_sweep.toml" -o "$tmp/np2.h5" -q)
/usr/bin/python3 "$src/tools/h5_equal.py" "$tmp/np1.h5" "$tmp/np2.h5"
printf 'saas_sweep (64 points): 1 rank %.2f s, 2 ranks %.2f s, speed-up %.2fx\n' "$t1" "$t2" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print a / b }')"
