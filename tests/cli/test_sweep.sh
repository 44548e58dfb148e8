#!/usr/bin/env bash
# clvsim sweep end to end: the same results for 1 and 2 threads, for shards merged, and after a
# run killed with SIGKILL and resumed; an interrupted run never leaves a file that looks complete.
# Usage: test_sweep.sh <clvsim> <source-dir>
set -u
clvsim=$1
src=$2
equal="/usr/bin/python3 $src/tools/h5_equal.py"
source "$(dirname "$0")/../common.sh"
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
sweep_file() {  # sweep_file NAME POINTS REPLICATIONS
  cat >"$1.toml" <<TOML
extends = "$src/scenarios/saas.toml"
[scenario]
name = "$1"
[sweep]
design = "latin_hypercube"
points = $2
replications = $3
[sweep.parameters]
"segments.*.churn_multiplier" = { min = 0.7, max = 1.1 }
"retention.spend_per_customer" = { min = 0.0, max = 8.0 }
"channels.paid_search.spend" = { min = 0.5, max = 1.5, op = "scale" }
TOML
}

sweep_file small 12 16
check "$clvsim" sweep small.toml -o t1.h5 -t 1 -q
check "$clvsim" sweep small.toml -o t2.h5 -t 2 -q
check $equal t1.h5 t2.h5

# Shards of a job array, merged, equal the single run.
for i in 0 1 2; do check "$clvsim" sweep small.toml --shard $i/3 -o s$i.h5 -q; done
check "$clvsim" merge s0.h5 s1.h5 s2.h5 -o merged.h5
check $equal t1.h5 merged.h5
"$clvsim" merge s0.h5 s2.h5 -o partial.h5 >out.txt 2>err.txt
check test $? -eq 2
check grep -q "missing" err.txt
check test ! -e partial.h5
"$clvsim" sweep small.toml --shard 3/3 -o bad.h5 >out.txt 2>err.txt
check test $? -eq 2

# Kill -9 in the middle, then resume: the same file as an uninterrupted run.
sweep_file long 40 60
check "$clvsim" sweep long.toml -o full.h5 -t 1 -q
"$clvsim" sweep long.toml -o resumed.h5 -t 1 -q &
pid=$!
record=$(( 8 + 8 * 112 + 8 ))
for _ in $(seq 1 600); do
  size=$(stat -c %s resumed.h5.partial.0 2>/dev/null || echo 0)
  [ "$size" -ge $(( 24 + 3 * record )) ] && break
  sleep 0.02
done
kill -9 $pid
wait $pid 2>/dev/null
check test ! -e resumed.h5                 # no file that looks complete
check test -e resumed.h5.partial.0         # the journal of what was done
"$clvsim" sweep long.toml -o resumed.h5 -q >out.txt 2>err.txt
check test $? -eq 2                         # refuses to start over silently
check grep -q -- "--resume" err.txt
check "$clvsim" sweep long.toml -o resumed.h5 -t 2 --resume -q
check test ! -e resumed.h5.partial.0
check $equal full.h5 resumed.h5

# A journal from another sweep is not resumed.
sweep_file other 40 61
"$clvsim" sweep long.toml -o x.h5 -q -r 2 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -e x.h5.partial.0 ] && break; sleep 0.01; done
kill -9 $pid; wait $pid 2>/dev/null
if [ -e x.h5.partial.0 ] && [ ! -e x.h5 ]; then
  "$clvsim" sweep other.toml -o x.h5 --resume -q >out.txt 2>err.txt
  check test $? -eq 2
  check grep -q "different sweep" err.txt
fi

finish "cli sweep"
