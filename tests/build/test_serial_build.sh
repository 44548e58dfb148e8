#!/usr/bin/env bash
# The build without MPI and without OpenMP: it compiles, runs, and gives the same datasets, bit
# for bit, as the parallel build (the seams in parallel.hpp and communicator.hpp change how work
# is shared, never what is computed).
# Usage: test_serial_build.sh <source-dir> <work-dir> <parallel clvsim>
set -u
src=$1
work=$2/serial-build
parallel=$3
equal="/usr/bin/python3 $src/tools/h5_equal.py"
mkdir -p "$work"
cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=Release -DCLVSIM_USE_MPI=OFF -DCLVSIM_USE_OPENMP=OFF \
  -DCLVSIM_BUILD_TESTS=OFF -DCLVSIM_BUILD_BENCH=OFF >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work" --target clvsim -j "$(nproc)" >"$work/build.log" 2>&1 || { tail -50 "$work/build.log"; exit 1; }
serial=$work/clvsim
source "$(dirname "$0")/../common.sh"
cd "$tmp"
cat >sweep.toml <<TOML
extends = "$src/scenarios/saas.toml"
[sweep]
design = "sobol"
points = 6
replications = 10
[sweep.parameters]
"segments.*.churn_multiplier" = { min = 0.7, max = 1.1 }
TOML
check "$serial" run "$src/scenarios/saas_variants.toml" -r 30 -o serial.h5 -q
check "$parallel" run "$src/scenarios/saas_variants.toml" -r 30 -o parallel.h5 -t 2 -q
check $equal serial.h5 parallel.h5
check "$serial" sweep sweep.toml -o s1.h5 -q
check "$parallel" sweep sweep.toml -o s2.h5 -t 2 -q
check $equal s1.h5 s2.h5
finish "serial build"
