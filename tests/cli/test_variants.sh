#!/usr/bin/env bash
# Variants end to end: one invocation runs the base and every variant, the results file holds one
# group per variant and the paired deltas, and the deltas are exactly variant - base.
# Usage: test_variants.sh <clvsim> <source-dir>
set -u
clvsim=$1
src=$2
py=/usr/bin/python3
source "$(dirname "$0")/../common.sh"
cd "$tmp"

"$clvsim" run "$src/scenarios/saas_variants.toml" -r 40 -o v.h5 --csv >out.txt 2>err.txt
check test $? -eq 0
check grep -q "Variants against the base" out.txt
check grep -q "retention_plus_5" out.txt
check grep -q "annual retention" out.txt
check test -s v_comparison.csv
check grep -q "^retention_plus_5,profit,1," v_comparison.csv

"$py" - v.h5 <<'PY' >py.txt 2>&1
import sys
import h5py
import numpy as np
f = h5py.File(sys.argv[1], "r")
names = list(f["variants"].keys())
assert names == ["retention_plus_5", "budget_to_retention", "referral_off"], names
for v in names:
    base = f["totals/npv"][:]
    var = f[f"variants/{v}/totals/npv"][:]
    delta = f[f"comparison/{v}/totals/npv/delta"][:]
    assert np.array_equal(delta, var - base), v
    s = f[f"comparison/{v}/summary"]
    i = [n.decode() if isinstance(n, bytes) else n for n in s["name"][:]].index("npv")
    assert abs(s["delta_mean"][i] - delta.mean()) <= 1e-9 * abs(delta.mean()) + 1e-9, v
    assert f[f"comparison/{v}/by_year/profit/delta_mean"].shape == (3,), v
    assert f[f"comparison/{v}/metrics/revenue/delta_quantiles"].shape == (5, 36), v
print("ok")
PY
check grep -q "^ok$" py.txt || cat py.txt

# An override that matches no parameter is bad input: exit 2, no file.
cat >bad.toml <<TOML
extends = "$src/scenarios/saas.toml"
[variants.typo]
scale = { "segments.basic.chrun" = 0.9 }
TOML
"$clvsim" run bad.toml -r 5 -o bad.h5 >out.txt 2>err.txt
check test $? -eq 2
check grep -q "bad.toml:3:" err.txt
check grep -q "did you mean 'segments.basic.churn'" err.txt
check test ! -e bad.h5

finish "cli variants"
