#!/usr/bin/env bash
# Files are never lost: options never swallow the scenario, no output overwrites an input, a
# full disk is one clear error with nothing left behind, the outputs of a run appear together,
# temporaries of killed runs are cleaned up, non-regular scenario files are refused, and sweeps
# tell a running sweep from an interrupted one and refuse work done for another scenario.
# Usage: test_files.sh <clvsim> <source-dir>
set -u
clvsim=$1
src=$2
source "$(dirname "$0")/../common.sh"
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
# Output, errors and exit code of the last command, kept outside the directories under test.
out=$tmp/out.txt err=$tmp/err.txt
run() { "$@" >"$out" 2>"$err"; echo $? >"$tmp/code.txt"; }
code() { test "$(cat "$tmp/code.txt")" -eq "$1"; }
no_temporaries() { test -z "$(find . -name '*.tmp.*')"; }

# --- --csv never takes the next word: the scenario stays an input, untouched. ---
"$clvsim" init my.toml >/dev/null
before=$(md5sum my.toml)
run "$clvsim" run --csv my.toml --force -r 5 -o a.h5 -q
check code 0
check test "$(md5sum my.toml)" = "$before"
check test -s a.csv
check grep -q "^scenario,metric" a.csv
run "$clvsim" run my.toml --csv=b.csv -r 5 -o b.h5 -q
check code 0
check test -s b.csv
# A CSV path written as a separate word is taken for the scenario: say how to write it.
run "$clvsim" run --csv out.csv -r 5 -o c.h5 -q
check code 2
check grep -q -- "--csv=out.csv" "$err"
# No output may be an input of the run: the scenario, its extends base, or another output.
printf 'extends = "my.toml"\n[simulation]\nhorizon = 12\n' >child.toml
before_child=$(md5sum child.toml)
for args in "my.toml --csv=my.toml" "my.toml -o my.toml" "child.toml --csv=my.toml" "child.toml -o child.toml" \
  "my.toml -o d.h5 --csv=d.h5"; do
  run "$clvsim" run $args -r 5 -q --force
  check code 2
  check grep -Eq "is an input of this run|named twice" "$err"
done
check test "$(md5sum my.toml)" = "$before"
check test "$(md5sum child.toml)" = "$before_child"
check test ! -e d.h5
# Without a scenario file the run says it uses the embedded default, even with -q.
run "$clvsim" run -r 5 -o e.h5 -q
check code 0
check grep -q "embedded default scenario" "$err"

# --- Scenario files that are not regular files, or too big, are refused. ---
mkfifo fifo.toml
for path in /dev/zero fifo.toml . ; do
  run timeout 20 "$clvsim" run "$path" -r 5 -o f.h5 -q
  check code 2
  check grep -q "cannot read scenario file" "$err"
done
truncate -s 17M huge.toml
run "$clvsim" run huge.toml -r 5 -o f.h5 -q
check code 2
check grep -q "16 MiB" "$err"
printf 'extends = "/dev/zero"\n' >zero_base.toml
run timeout 20 "$clvsim" run zero_base.toml -r 5 -o f.h5 -q
check code 2
check grep -q "not a regular file" "$err"
check test ! -e f.h5

# --- A full disk: one message, exit 1, nothing left. ulimit -f makes writes past the limit fail
# with EFBIG (SIGXFSZ ignored), as ENOSPC does on a full disk. ---
full() { (ulimit -f "$1"; trap '' XFSZ; shift; "$@") >"$out" 2>"$err"; echo $? >"$tmp/code.txt"; }
mkdir full && cd full
full 64 "$clvsim" run -r 20 -o run.h5 -q
check code 1
check test "$(grep -c . "$err")" -eq 2  # the default-scenario note and one error
check grep -Eq "cannot write run.h5 \(File too large\)|run.h5: cannot create HDF5 file \(File too large\)" "$err"
check test -z "$(ls)"
# The per-replication values of a long run wait on disk beside the output: a full disk there ends
# the run the same way, during the run.
full 64 "$clvsim" run -r 2000 -o run.h5 -q
check code 1
check test "$(grep -c . "$err")" -eq 2
check grep -q "cannot write run.h5 (File too large, while keeping the per-replication values" "$err"
check test -z "$(ls -A)"
sweep_toml() {  # sweep_toml FILE [extra scenario line]
  cat >"$1" <<TOML
extends = "$src/scenarios/saas.toml"
[sweep]
design = "grid"
replications = 4
[sweep.parameters]
"segments.*.churn_multiplier" = { values = [0.8, 1.0] }
TOML
}
sweep_toml ../sw.toml
full 40 "$clvsim" sweep ../sw.toml -o sw.h5 -q
check code 1
check test "$(grep -c . "$err")" -eq 1
check grep -Eq "cannot write sw.h5|sw.h5: cannot create HDF5 file" "$err"
check test ! -e sw.h5
check no_temporaries
rm -f sw.h5.partial.*
full 8 "$clvsim" sensitivity ../sw.toml --no-sobol -o sens.h5 -q
check code 1
check test "$(grep -c . "$err")" -eq 1
check grep -Eq "cannot write sens.h5|sens.h5: cannot create HDF5 file" "$err"
check test -z "$(ls)"
cd ..

# --- The outputs of a run are committed together: the CSV (larger than the .h5 for a long
# horizon) fails, and the .h5 is not left behind either. ---
printf 'extends = "my.toml"\n[simulation]\nhorizon = 600\n' >long.toml
mkdir together && cd together
full 6200 "$clvsim" run ../long.toml -r 5 -o long.h5 --csv -q  # .h5 about 5.4 MB, CSV 7.2 MB
check code 1
check grep -q "cannot write long.csv" "$err"
check test -z "$(ls)"
# The .h5 itself failing once its data are complete (the final flush): the same clean exit.
full 1100 "$clvsim" run ../long.toml -r 5 -o long.h5 -q
check code 1
check test "$(grep -c . "$err")" -eq 1
check grep -q "cannot write long.h5 (File too large)" "$err"
check test -z "$(ls)"
cd ..

# --- Temporaries of a process killed during its final write are removed by the next write to
# the same path; those of live processes and of other hosts are kept. ---
host=$(hostname | tr -c 'A-Za-z0-9_\n-' '_')
sh -c 'exit 0' & dead=$!
wait $dead
touch "g.h5.tmp.$host.$dead.0" "g.h5.tmp.$host.$$.0" "g.h5.tmp.other-node.$dead.0"
run "$clvsim" run my.toml -r 5 -o g.h5 -q
check code 0
check test ! -e "g.h5.tmp.$host.$dead.0"
check test -e "g.h5.tmp.$host.$$.0"
check test -e "g.h5.tmp.other-node.$dead.0"
rm -f g.h5.tmp.*
# A real kill -9 while the file is being written: the next run cleans up after it.
for attempt in 1 2 3 4 5; do
  "$clvsim" run long.toml -r 400 -o k.h5 --csv -q --force >/dev/null 2>&1 &
  pid=$!
  while kill -0 $pid 2>/dev/null && [ -z "$(find . -maxdepth 1 -name "k.*.tmp.*")" ]; do sleep 0.01; done
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  [ -n "$(find . -maxdepth 1 -name 'k.*.tmp.*')" ] && break
done
check test -n "$(find . -maxdepth 1 -name 'k.*.tmp.*')"
run "$clvsim" run long.toml -r 5 -o k.h5 --csv -q --force
check code 0
check test -z "$(find . -maxdepth 1 -name 'k.*.tmp.*')"

# --- merge of a file that is not HDF5 is bad input; its output may not be one of its shards. ---
echo "not hdf5" >text.h5
run "$clvsim" merge text.h5 -o m.h5
check code 2
check grep -q "is not an HDF5 file" "$err"

# --- A sweep still running is not "interrupted"; one really interrupted still resumes. ---
sweep_toml big.toml
sed -i 's/replications = 4/replications = 3000/' big.toml
"$clvsim" sweep big.toml -o run.h5 -q -t 1 >/dev/null 2>&1 &
pid=$!
while [ ! -e run.h5.partial.0 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done
run "$clvsim" sweep big.toml -o run.h5 -q
check code 2
check grep -q "another clvsim process is still running this sweep" "$err"
run "$clvsim" sweep big.toml -o run.h5 -q --resume
check code 2
check grep -q "still running" "$err"
run "$clvsim" sweep big.toml -o run.h5 -q --force
check code 2
check grep -q "still running" "$err"
kill -9 $pid
wait $pid 2>/dev/null
run "$clvsim" sweep big.toml -o run.h5 -q
check code 2
check grep -q "interrupted sweep" "$err"
sed -i 's/replications = 3000/replications = 4/' big.toml
run "$clvsim" sweep big.toml -o run.h5 -q --resume
check code 2
check grep -q "belongs to a different sweep" "$err"

# --- Shards and merge are tied to the scenario's content (the Slurm scripts, run by hand). ---
mkdir slurm && cd slurm
mkdir results
sweep_toml s.toml
fp1=$("$clvsim" sweep s.toml --fingerprint)
check test "${#fp1}" -eq 16
array() {
  for i in 0 1; do
    SLURM_ARRAY_TASK_COUNT=2 SLURM_ARRAY_TASK_ID=$i CLVSIM=$clvsim bash "$src/tools/slurm/sweep_array.sbatch" s.toml \
      >/dev/null 2>&1 || return 1
  done
}
check array
check test -e "results/shards/s.$fp1.shard0of2.h5"
check env CLVSIM="$clvsim" bash "$src/tools/slurm/merge.sbatch" s.toml
check test -s results/s.sweep.h5
first=$(md5sum results/s.sweep.h5)
# The scenario changes: new shards are computed (the old ones are not "already complete"),
# and the merge replaces the old merged file instead of failing because it exists.
echo '[simulation]' >>s.toml
echo 'horizon = 24' >>s.toml
fp2=$("$clvsim" sweep s.toml --fingerprint)
check test "$fp1" != "$fp2"
check array
check test -e "results/shards/s.$fp2.shard1of2.h5"
check env CLVSIM="$clvsim" bash "$src/tools/slurm/merge.sbatch" s.toml
check test "$(md5sum results/s.sweep.h5)" != "$first"
# Shards of the old content are refused when merged against the current scenario.
run "$clvsim" merge results/shards/s.$fp1.shard0of2.h5 results/shards/s.$fp1.shard1of2.h5 --scenario s.toml -o old.h5
check code 2
check grep -q "another version of the scenario" "$err"
check test ! -e old.h5
# A base it extends changing changes the fingerprint too.
printf 'extends = "base.toml"\n' >child.toml
cp s.toml base.toml
fpa=$("$clvsim" sweep child.toml --fingerprint)
echo '[scenario]' >>base.toml
echo 'currency = "EUR"' >>base.toml
fpb=$("$clvsim" sweep child.toml --fingerprint)
check test "$fpa" != "$fpb"
cd ..

check no_temporaries
finish "cli files"
