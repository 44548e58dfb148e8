#!/usr/bin/env bash
# The clvsim command end to end: every example runs and writes its results, output files are
# never clobbered or left half-written, and the exit codes follow the contract (0, 1, 2).
# Usage: test_run.sh <clvsim> <source-dir>
set -u
clvsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect_code() {  # expect_code CODE DESCRIPTION -- command...
  local want=$1 what=$2
  shift 3
  "$@" >out.txt 2>err.txt
  local got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, expected $want"; cat err.txt; fi
}

# Every example scenario runs and writes a results file.
for s in "$src"/scenarios/*.toml; do
  name=$(basename "$s" .toml)
  expect_code 0 "run $name" -- "$clvsim" run "$s" -r 20 -o "$name.h5" --csv -q
  [ -s "$name.h5" ] && ok || bad "$name.h5 not written"
  [ -s "$name.csv" ] && ok || bad "$name.csv not written"
done

# No file argument: the embedded default scenario, into results/<name>.h5.
expect_code 0 "default scenario" -- "$clvsim" run -r 10
[ -s results/saas.h5 ] && ok || bad "results/saas.h5 not written"
grep -q "NPV" out.txt && grep -q "LTV/CAC" out.txt && grep -q "Payback" out.txt && ok || bad "summary table incomplete"

# An existing file is not overwritten without --force, and is left untouched.
before=$(md5sum results/saas.h5)
expect_code 2 "refuse overwrite" -- "$clvsim" run -r 10
grep -q "already exists" err.txt && ok || bad "no 'already exists' message"
[ "$(md5sum results/saas.h5)" = "$before" ] && ok || bad "existing file was modified"
expect_code 0 "overwrite with --force" -- "$clvsim" run -r 10 --force

# The same seed gives the same results; the summary says so.
expect_code 0 "seeded run A" -- "$clvsim" run -r 30 --seed 5 -o a.h5 -q --csv
expect_code 0 "seeded run B" -- "$clvsim" run -r 30 --seed 5 -o b.h5 -q --csv -t 1
cmp -s a.csv b.csv && ok || bad "same seed, different CSV for 2 threads vs 1"

# init writes the default scenario, which runs.
expect_code 0 "init" -- "$clvsim" init start.toml
expect_code 2 "init refuses to overwrite" -- "$clvsim" init start.toml
expect_code 0 "run the init scenario" -- "$clvsim" run start.toml -r 5 -o start.h5 -q

# Expected-value mode prints the model's expectations and writes nothing.
expect_code 0 "expected" -- "$clvsim" run "$src/scenarios/b2b.toml" --expected -o never.h5
grep -q "cost per entry" out.txt && ok || bad "expected mode output incomplete"
[ ! -e never.h5 ] && ok || bad "--expected wrote a file"

# Usage errors exit 2; help and version exit 0.
expect_code 0 "--help" -- "$clvsim" --help
expect_code 0 "--version" -- "$clvsim" --version
grep -q "clvsim" out.txt && ok || bad "--version prints no version"
expect_code 2 "unknown option" -- "$clvsim" run --no-such-option
expect_code 2 "zero replications" -- "$clvsim" run -r 0 -o z.h5
expect_code 2 "missing scenario file" -- "$clvsim" run does_not_exist.toml -o m.h5
expect_code 2 "missing output directory" -- "$clvsim" run -r 5 -o no/such/dir/x.h5

# No temporary files are left behind by any of the above.
left=$(find . -name '*.tmp*' | wc -l)
[ "$left" -eq 0 ] && ok || bad "temporary files left: $(find . -name '*.tmp*')"

echo "cli run: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
