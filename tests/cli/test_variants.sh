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
check grep -q "^Annual retention  " out.txt
check test -s v_comparison.csv
check grep -q "^retention_plus_5,npv," v_comparison.csv
check grep -q "^retention_plus_5,profit,1," v_comparison_by_year.csv

# The CSVs are tidy: pandas reads them with whole-number periods and years and numeric statistics,
# no mixed-type column; the comparison's interval is the 5%-95% one of the per-replication deltas.
"$py" - v.h5 <<'PY' >csv.txt 2>&1
import sys
import h5py
import numpy as np
import pandas as pd
per = pd.read_csv("v.csv")
tot = pd.read_csv("v_totals.csv")
cmp = pd.read_csv("v_comparison.csv")
year = pd.read_csv("v_comparison_by_year.csv")
yearly = pd.read_csv("v_yearly.csv")
assert per["period"].dtype == np.int64 and per["period"].min() == 1, per.dtypes
assert year["year"].dtype == np.int64, year.dtypes
assert yearly["year"].dtype == np.int64 and list(yearly["year"].unique()) == [1, 2, 3], yearly.dtypes
assert len(yearly) == 4 * 6 * 3, len(yearly)  # base and 3 variants, 6 metrics, 3 years
for df, text in ((per, ["scenario", "metric"]), (tot, ["scenario", "total"]), (cmp, ["variant", "total"]),
                 (year, ["variant", "metric"]), (yearly, ["scenario", "metric"])):
    for c in df.columns:
        assert (df[c].dtype == object) == (c in text), (c, df[c].dtype)
f = h5py.File(sys.argv[1], "r")
d = f["comparison/retention_plus_5/totals/npv/delta"][:]
row = cmp[(cmp.variant == "retention_plus_5") & (cmp.total == "npv")].iloc[0]
for col, p in (("delta_p05", 0.05), ("delta_p95", 0.95)):
    assert abs(row[col] - np.quantile(d, p)) <= 1e-9 * abs(np.quantile(d, p)), (col, row[col])
npv = f["totals/npv"][:]
assert abs(tot[(tot.scenario == "saas_variants") & (tot.total == "npv")]["p95"].iloc[0]
           - np.quantile(npv, 0.95)) <= 1e-9 * abs(npv.mean())
# The yearly CSV holds the statistics of the file's per-replication yearly values.
for scen, group in (("saas_variants", ""), ("referral_off", "variants/referral_off/")):
    v = f[group + "yearly/profit"][:]
    row = yearly[(yearly.scenario == scen) & (yearly.metric == "profit") & (yearly.year == 2)].iloc[0]
    for col, want in (("mean", v[1].mean()), ("sd", v[1].std(ddof=1)), ("p95", np.quantile(v[1], 0.95))):
        assert abs(row[col] - want) <= 1e-9 * abs(want), (scen, col, row[col], want)
print("ok")
PY
check grep -q "^ok$" csv.txt || cat csv.txt

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
    # Every scenario group holds its yearly values; the paired yearly deltas are theirs.
    for metric in ("revenue", "profit", "discounted_profit", "new_customers", "churned_customers",
                   "active_customers"):
        yb, yv = f[f"yearly/{metric}"][:], f[f"variants/{v}/yearly/{metric}"][:]
        assert yb.shape == yv.shape == (3, 40), (v, metric, yb.shape)
        dm = f[f"comparison/{v}/by_year/{metric}/delta_mean"][:]
        assert np.allclose(dm, (yv - yb).mean(axis=1), rtol=1e-12, atol=1e-9), (v, metric)
        s = f[f"variants/{v}/yearly/summary/{metric}"]
        assert s["quantiles"].shape == (3, 5) and np.allclose(s["mean"][:], yv.mean(axis=1), rtol=1e-12)
    yv = f[f"variants/{v}/yearly/discounted_profit"][:]
    assert np.allclose(yv.sum(axis=0), f[f"variants/{v}/totals/npv"][:], rtol=1e-12), v
    assert np.array_equal(f[f"variants/{v}/yearly/new_customers"][:].sum(axis=0),
                          f[f"variants/{v}/totals/new_customers"][:]), v
    assert f[f"comparison/{v}/summary/delta_interval90"].shape == (len(f[f"comparison/{v}/summary/name"]), 2), v
    assert len(f[f"comparison/{v}/summary/name"]) == len(f["summary/name"]), v
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
check grep -q "did you mean 'churn'? names in segments.basic: churn," err.txt
check test ! -e bad.h5

finish "cli variants"
