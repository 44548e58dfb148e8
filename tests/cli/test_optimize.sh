#!/usr/bin/env bash
# clvsim optimize end to end: the same results file for 1 and 2 threads, and bad input (unknown
# path, bad bounds, an infeasible budget) is exit 2 with file:line:column and no output file.
# Usage: test_optimize.sh <clvsim> <source-dir>
set -u
clvsim=$1
src=$2
equal="/usr/bin/python3 $src/tools/h5_equal.py"
source "$(dirname "$0")/../common.sh"
cd "$tmp"

cat >small.toml <<TOML
extends = "$src/scenarios/saas_optimize.toml"
[scenario]
name = "small"
[simulation]
horizon = 12
[optimize]
replications = 16
evaluation_replications = 32
starts = 1
frontier = [0.9, 1.1]
TOML
check "$clvsim" optimize small.toml -o t1.h5 -t 1 -q
check "$clvsim" optimize small.toml -o t2.h5 -t 2 -q
check $equal t1.h5 t2.h5
check /usr/bin/python3 - t1.h5 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f.attrs["kind"] == "optimize"
a = f["budgets/coefficients"][0]
plan, today = f["variables/plan"][:], f["variables/today"][:]
bound = f["budgets/bound"][0]
assert abs(a @ plan - bound) <= 1e-9 * bound, (a @ plan, bound)
assert abs(a @ today - bound) <= 1e-9 * bound
assert np.all(plan >= f["variables/min"][:]) and np.all(plan <= f["variables/max"][:])
assert f["frontier/plans"].shape == (2, 3)
assert f["evaluation/statistics"].shape == (2, 9)
PY

bad() {  # bad NAME EXPECTED-LOCATION EXPECTED-TEXT, with the scenario's [optimize] additions on stdin
  { echo "extends = \"$src/scenarios/saas.toml\""; cat; } >"$1.toml"
  "$clvsim" optimize "$1.toml" -o "$1.h5" -q >out.txt 2>err.txt
  check test $? -eq 2
  check grep -q "$1.toml:$2" err.txt
  check grep -q "$3" err.txt
  check test ! -e "$1.h5"
}
bad unknown_path 3:31 "did you mean 'channels.paid_search.spend'" <<'TOML'
[optimize.variables]
"channels.paid_serch.spend" = { min = 0, max = 1 }
TOML
bad bad_bounds 3:49 "min <= max" <<'TOML'
[optimize.variables]
"channels.paid_search.spend" = { min = 9, max = 1 }
TOML
bad infeasible 4:1 "cannot be met" <<'TOML'
[optimize.variables]
"channels.paid_search.spend" = { min = 0, max = 1000 }
[optimize.budgets.total]
terms = { "channels.paid_search.spend" = 1 }
equals = 5000
TOML
finish test_optimize
