#!/usr/bin/env bash
# The build without MPI and without OpenMP: it compiles, runs, and gives the same datasets, bit
# for bit, as the parallel build (the seams in parallel.hpp and communicator.hpp change how work
# is shared, never what is computed). It is also the build without the Python module
# (CLVSIM_BUILD_PYTHON=OFF), which must configure and build as well.
# Usage: test_serial_build.sh <source-dir> <work-dir> <parallel clvsim>
set -u
src=$1
work=$2/serial-build
parallel=$3
equal="/usr/bin/python3 $src/tools/h5_equal.py"
mkdir -p "$work"
cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=Release -DCLVSIM_USE_MPI=OFF -DCLVSIM_USE_OPENMP=OFF \
  -DCLVSIM_BUILD_TESTS=OFF -DCLVSIM_BUILD_BENCH=OFF -DCLVSIM_BUILD_PYTHON=OFF >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
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
# Started by an MPI launcher, the serial build refuses instead of running one full copy per
# process, all writing the same file; one process alone still runs.
OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=1 "$serial" run -r 5 -o launched.h5 -q >out.txt 2>err.txt
check test $? -eq 2
check grep -q "built without MPI" err.txt
check test ! -e launched.h5
PMI_SIZE=1 "$serial" run -r 5 -o alone.h5 -q 2>/dev/null
check test -s alone.h5
if command -v mpirun >/dev/null; then
  mpirun --allow-run-as-root --oversubscribe -np 2 "$serial" run -r 5 -o mpirun.h5 -q >out.txt 2>err.txt
  check test $? -ne 0
  check grep -q "built without MPI" err.txt
  check test ! -e mpirun.h5
fi
finish "serial build"
