#!/usr/bin/env bash
# A fitted scenario runs: `clvsim fit` on the donations summary (BG/BB), then `clvsim run`.
# Its expected-value mode equals the BG/BB closed form N E[X(n)] at the fitted parameters, its
# Monte Carlo mean lies within 4 standard errors of the expected-value mode, and the joint draws
# widen the spread of the forecast.
# Usage: test_fit_run.sh <clvsim> <source-dir>   (reference data: $CLVSIM_SHARED_DATA_DIR, by
# default <source-dir>/../shared/data)
set -u
clvsim=$1
src=$2
data=${CLVSIM_SHARED_DATA_DIR:-$src/../shared/data}
source "$src/tests/common.sh"
cd "$tmp"
[ -f "$data/donations_1995_cohort.csv" ] || { echo "reference data $data/donations_1995_cohort.csv is missing"; exit 1; }

# order_value 1: revenue counts the orders.
check "$clvsim" fit --rf-summary "$data/donations_1995_cohort.csv" --period year --segment donors \
  --order-value 1 --draws 400 -o don.toml -q
# The same scenario at the point estimates, without the draws.
sed '/^\[parameter_draws\]/,$d' don.toml >point.toml
sed -i 's/^name = "don"/name = "point"/' point.toml

/usr/bin/python3 - "$clvsim" <<'PY' || { fail=$((fail + 1)); echo "FAIL: expected orders differ from the BG/BB closed form"; }
import math, re, subprocess, sys
text = open("point.toml").read()
p = float(re.search(r"^orders_per_period = (\S+)", text, re.M).group(1))
g, d = map(float, re.search(r"^churn_sbg = \{ alpha = (\S+), beta = (\S+) \}", text, re.M).groups())
n = int(re.search(r"^horizon = (\d+)", text, re.M).group(1))
N = float(re.search(r"^initial_customers = (\S+)", text, re.M).group(1))
# E[X(n)] = p delta / (gamma - 1) [1 - G(g + d) G(1 + d + n) / (G(g + d + n) G(1 + d))] (FHS 2010, eq. 7)
ex = p * d / (g - 1) * (1 - math.exp(math.lgamma(g + d) + math.lgamma(1 + d + n) - math.lgamma(g + d + n) - math.lgamma(1 + d)))
out = subprocess.run([sys.argv[1], "run", "point.toml", "--expected"],
                     capture_output=True, text=True, check=True).stdout
rows = [l.split() for l in out.splitlines() if re.match(r"^\s*\d+\s", l)][:n]
revenue = sum(float(r[4].replace(",", "")) for r in rows)
print("expected orders", revenue, "closed form", N * ex)
assert abs(revenue - N * ex) <= 0.05 * n + 1e-9 * N * ex, (revenue, N * ex)
PY

check "$clvsim" run point.toml -r 400 -o point.h5 --csv=point.csv -q
check "$clvsim" run don.toml -r 400 -o don.h5 --csv=don.csv -q
# Monte Carlo mean within 4 standard errors of the expected-value mode (revenue = orders in the last period, order_value 1).
within() { awk -F, '$2 == "revenue" && $3 == "6" { d = $4 - $12; if (d < 0) d = -d; ok = d <= 4 * $6 } END { exit !ok }' "$1"; }
check within point.csv
check within don.csv
# Estimation uncertainty widens the forecast: the spread of total orders grows with the draws.
sd() { awk -F, '$2 == "revenue" && $3 == "6" { print $5 }' "$1"; }
check awk -v a="$(sd don.csv)" -v b="$(sd point.csv)" 'BEGIN { exit !(a > b) }'

finish test_fit_run
