#!/usr/bin/env bash
# clvsim fit end to end: the published fits through the command, the three outputs, a fragment
# that extends a base, and bad input (exit 2, file:line, nothing left behind).
# Usage: test_fit.sh <clvsim> <source-dir>   (reference data: $CLVSIM_SHARED_DATA_DIR, by default
# <source-dir>/../shared/data)
set -u
clvsim=$1
src=$2
data=${CLVSIM_SHARED_DATA_DIR:-$src/../shared/data}
source "$src/tests/common.sh"
cd "$tmp"
for f in fader_hardie_2007_retention.csv donations_1995_cohort.csv cdnow_sample_transactions.txt; do
  [ -f "$data/$f" ] || { echo "reference data $data/$f is missing"; exit 1; }
done

# The estimate of a parameter in the report's first table that names it.
estimate() { awk -v p="$2" '$1 == p { print $2; exit }' "$1"; }
near() { awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= tol) }'; }

# Fader & Hardie (2007): cohort table in percent of 1,000, years 1-7 calibration.
check "$clvsim" fit --cohorts "$data/fader_hardie_2007_retention.csv" --cohort-size 1000 \
  --calibration-periods 7 --period year -o fh.toml >fh.out 2>&1
check test -s fh.toml -a -s fh.draws.csv -a -s fh.fit.h5
check grep -q '^\[segments.high_end\]' fh.toml
check grep -q 'churn_sbg = { alpha = 0.668' fh.toml
check grep -q '^segments.regular.churn_sbg.alpha,segments.regular.churn_sbg.beta' fh.draws.csv
check test "$(wc -l <fh.draws.csv)" -eq 1001
check grep -q 'holdout' fh.out
/usr/bin/python3 - <<'PY' || { fail=$((fail + 1)); echo "FAIL: fit report HDF5"; }
import h5py
f = h5py.File("fh.fit.h5", "r")
g = f["fits/1"]
names = [n.decode() if isinstance(n, bytes) else n for n in g["parameter"][:]]
assert names == ["alpha", "beta"], names
assert abs(g["estimate"][0] - 0.668) < 5e-4 and abs(g["estimate"][1] - 3.806) < 5e-4
assert abs(g.attrs["log_likelihood"] + 1611.2) < 0.05
assert f["holdout/0/forecast"].shape == (12,)
PY

# Fader, Hardie & Shang (2010): the donations RF summary.
check "$clvsim" fit --rf-summary "$data/donations_1995_cohort.csv" --period year -o don.toml >don.out 2>&1
check near "$(estimate don.out alpha)" 1.204 0.00055  # published precision plus the report's rounding
check near "$(estimate don.out delta)" 2.783 0.00055
check grep -q 'order_model = "bernoulli"' don.toml

# Fader, Hardie & Lee (2005): CDNOW, weeks 1-39.
check "$clvsim" fit --transactions "$data/cdnow_sample_transactions.txt" --layout cdnow --period week \
  --calibration-end 1997-10-01 -o cd.toml >cd.out 2>&1
check near "$(awk '/gamma-gamma/ { s = 1 } s && $1 == "p" { print $2; exit }' cd.out)" 6.25 0.005
check near "$(awk '/gamma-gamma/ { s = 1 } s && $1 == "q" { print $2; exit }' cd.out)" 3.74 0.005

# Subscriptions into a fragment that extends a base scenario.
cat >subs.csv <<'CSV'
customer_id,start,end,plan
a1,2023-01-05,2023-03-10,basic
a2,2023-01-09,,basic
a3,2023-02-01,2023-02-20,basic
a4,2023-02-11,,basic
a5,2023-03-01,2023-09-01,basic
a6,2023-03-15,,basic
a7,2023-04-02,2023-05-01,basic
a8,2023-04-20,,basic
CSV
# The output directory does not exist: bad input, nothing written.
"$clvsim" fit --subscriptions subs.csv --segment-column plan --base "$src/scenarios/saas.toml" \
  --as-of 2023-12-31 -o sub/fitted.toml -q 2>/dev/null
check test $? -eq 2
mkdir sub
check "$clvsim" fit --subscriptions subs.csv --segment-column plan --base "$src/scenarios/saas.toml" \
  --as-of 2023-12-31 -o sub/fitted.toml -q
check grep -q '^extends = "../' sub/fitted.toml
check grep -q '^\[segments.basic\]' sub/fitted.toml
check grep -q "^# the data.s customers at the start of the forecast, by tenure: \\[" sub/fitted.toml
# The fragment runs: expected-value mode and a small Monte Carlo with the draws.
check "$clvsim" run sub/fitted.toml --expected >/dev/null
check "$clvsim" run sub/fitted.toml -r 20 -o sub/fitted.h5 -q
# A complete scenario from the subscriptions alone runs too (active base by tenure, fixed orders).
check "$clvsim" fit --subscriptions subs.csv --as-of 2023-12-31 --order-value 49 --horizon 12 -o alone.toml -q
check grep -q '^initial_customers = \[' alone.toml
check "$clvsim" run alone.toml -r 20 -o alone.h5 -q

# Bad input: exit 2, file:line and what is accepted, no output left behind.
bad() {  # bad NAME PATTERN -- clvsim fit arguments...
  local name=$1 pattern=$2
  shift 3
  "$clvsim" fit "$@" -o "bad_$name.toml" >out.txt 2>err.txt
  local code=$?
  if [ "$code" -ne 2 ]; then fail=$((fail + 1)); echo "FAIL: $name: exit $code, expected 2"; cat err.txt; return; fi
  if ! grep -q -- "$pattern" err.txt; then fail=$((fail + 1)); echo "FAIL: $name: message lacks '$pattern':"; cat err.txt; return; fi
  if ls bad_"$name".* >/dev/null 2>&1; then fail=$((fail + 1)); echo "FAIL: $name: output left behind"; return; fi
  pass=$((pass + 1))
}
# Funnel events and channel history into a complete scenario. Stage "lead": fresh periods give
# 1 advance, 1 drop, 2 stays; nurtured periods 1 advance, 0 drops, 3 stays. Posterior means with
# a uniform prior: (1 + 1) / (3 + 4) = 2/7 for both advances, (1 + 1) / 7 and 1/7 for the drops.
cat >events.csv <<'CSV'
lead_id,stage,date
L1,lead,2024-01-01
L2,lead,2024-01-01
L3,lead,2024-01-01
L4,lead,2024-01-01
L1,mql,2024-01-10
L2,lost,2024-01-20
L3,mql,2024-03-05
L1,customer,2024-01-15
CSV
cat >spend.csv <<'CSV'
period,channel,spend,leads
1,paid,1000,20
2,paid,3000,40
CSV
check "$clvsim" fit --funnel events.csv --stages lead,mql --channels spend.csv --as-of 2024-04-01 -o fun.toml -q
check grep -q '^advance = 0.2857142857' fun.toml
check grep -q '^nurtured_advance = 0.2857142857' fun.toml
check grep -q '^nurtured_drop = 0.1428571429' fun.toml
check grep -q '^cost_per_lead = 66.66666667' fun.toml
check grep -q '^funnel.lead.advance,funnel.lead.drop' fun.draws.csv
printf 'lead_id,stage,date\nL1,lead,2024-01-01\nL1,sql,2024-02-01\n' >skip.csv
bad skipped_stage "skip.csv:3:4: stage = 'sql' does not follow lead (the next stage (mql) or lost)" -- --funnel skip.csv

printf 'customer_id,date,amount\nc1,2024-01-05,10\nc1,2024-13-05,10\n' >baddate.csv
bad date "baddate.csv:3:4: date = '2024-13-05' is not a date (a date written YYYY-MM-DD" -- --transactions baddate.csv
printf 'customer_id,date,amount\nc1,2024-01-05,10\nc1,2024-02-05,-3\n' >neg.csv
bad negative_amount "neg.csv:3:15: amount = '-3' is negative" -- --transactions neg.csv
printf 'customer_id,date,amount\nc1,2024-01-05,10\nc1,2024-02-05,\n' >missing.csv
bad missing_amount "missing.csv:3:.*amount = '' is missing" -- --transactions missing.csv
printf 'customer_id,date,amount\nc1,2024-01-05,10\nc1,2024-01-01,5\n' >before.csv
bad before_first "before.csv:3:4: date = '2024-01-01' is before this customer's first transaction on 2024-01-05" -- --transactions before.csv
printf 'customer_id,start,end\ns1,2024-03-01,2024-02-01\n' >endstart.csv
bad end_before_start "endstart.csv:2:15: end = '2024-02-01' is before the start 2024-03-01" -- --subscriptions endstart.csv
printf 'customer_id,start,end\ns1,2024-01-01,\ns2,2024-01-01,\ns1,2024-02-01,\n' >dup.csv
bad duplicate_id "dup.csv:4:1: customer_id = 's1' is a duplicate subscription id (first on line 2)" -- --subscriptions dup.csv
: >empty.csv
bad empty_file "empty.csv: empty file" -- --subscriptions empty.csv
printf 'customer_id,day,amount\nc1,2024-01-05,10\n' >nocol.csv
bad missing_column "nocol.csv:1: no column 'date' (the header has: customer_id, day, amount).*--date-column" -- --transactions nocol.csv
bad no_data "needs data" --
bad bad_period "is not a period" -- --cohorts "$data/fader_hardie_2007_retention.csv" --period fortnight

# A refused overwrite changes nothing.
before=$(md5sum fh.toml)
"$clvsim" fit --cohorts "$data/fader_hardie_2007_retention.csv" -o fh.toml >/dev/null 2>err.txt
check test $? -eq 2
check grep -q "already exists" err.txt
check test "$(md5sum fh.toml)" = "$before"

finish test_fit
