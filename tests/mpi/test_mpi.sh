#!/usr/bin/env bash
# MPI: a sweep and a sensitivity analysis on 2 ranks give the same datasets as on 1 rank.
# Usage: test_mpi.sh <mpiexec> <clvsim> <source-dir>
set -u
mpiexec=$1
clvsim=$2
src=$3
equal="/usr/bin/python3 $src/tools/h5_equal.py"
source "$(dirname "$0")/../common.sh"
cd "$tmp"
# CI runs as root in a container: allow it, allow 2 ranks on any core count, and use shared
# memory without the single-copy mechanism containers often lack.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMP_NUM_THREADS=1

cat >mpi.toml <<TOML
extends = "$src/scenarios/saas.toml"
[scenario]
name = "mpi"
[sweep]
design = "sobol"
points = 10
replications = 12
[sweep.parameters]
"segments.*.churn_multiplier" = { min = 0.7, max = 1.1 }
"retention.spend_per_customer" = { min = 0.0, max = 8.0 }
[sensitivity]
parameters = ["segments.*.churn_multiplier", "retention.spend_per_customer", "channels.paid_search.cost_per_lead"]
samples = 16
TOML
check "$mpiexec" -np 1 "$clvsim" sweep mpi.toml -o r1.h5 -q
check "$mpiexec" -np 2 "$clvsim" sweep mpi.toml -o r2.h5 -q
check $equal r1.h5 r2.h5
check "$clvsim" sweep mpi.toml -o serial.h5 -q
check $equal r1.h5 serial.h5
check "$mpiexec" -np 2 "$clvsim" sensitivity mpi.toml -o s2.h5 -q
check "$clvsim" sensitivity mpi.toml -o s1.h5 -q
check $equal s1.h5 s2.h5
# Bad input under MPI: exit 2 and one report, not one per rank.
"$mpiexec" -np 2 "$clvsim" sweep does_not_exist.toml -o x.h5 >out.txt 2>err.txt
code=$?
check test $code -ne 0
check test "$(grep -c "clvsim: error" err.txt)" -eq 1

finish "mpi"
