#!/usr/bin/env bash
# Command-line forms: integers in exponent form, unknown commands with a suggestion, tables and
# the progress bar within the terminal's width, expected-value columns always separated.
# Usage: test_options.sh <clvsim> <source-dir>
set -u
clvsim=$1
src=$2
source "$(dirname "$0")/../common.sh"
cd "$tmp"
out=$tmp/out.txt err=$tmp/err.txt
run() { "$@" >"$out" 2>"$err"; echo $? >"$tmp/code.txt"; }
code() { test "$(cat "$tmp/code.txt")" -eq "$1"; }
"$clvsim" init s.toml >/dev/null

# Integer options accept exponent forms; a fraction is "not an integer", not "out of range".
run "$clvsim" run s.toml -r 1e2 -s 1E3 -t 1e0 -o a.h5 -q
check code 0
check /usr/bin/python3 -c "import h5py,sys; f=h5py.File('a.h5'); sys.exit(not (f.attrs['replications']==100 and f.attrs['seed']==1000))"
run "$clvsim" run s.toml -r 2.5e1 -o b.h5 -q
check code 0
for bad in 2.5 1e-3 ten 1e; do
  run "$clvsim" run s.toml -r "$bad" -o c.h5 -q
  check code 2
  check grep -q "is not an integer" "$err"
done
run "$clvsim" run s.toml -r 1e9 -o c.h5 -q
check code 2
check grep -qi "range" "$err"
check test ! -e c.h5
run "$clvsim" sensitivity s.toml --samples 1e1 --no-sobol -o d.h5 -q
check code 0
run "$clvsim" sensitivity s.toml --samples 0.5e2 -t 1.0 --no-sobol -o e.h5 -q
check code 0

# The sensitivity tables (one at a time and Sobol') fit the terminal, also with long patterns.
for cols in 80 60; do
  COLUMNS=$cols run "$clvsim" sensitivity "$src/scenarios/saas_sweep.toml" --samples 16 -o f$cols.h5
  check code 0
  check grep -q "first order" "$out"
  check awk -v w="$cols" 'length($0) > w { bad = 1 } END { exit bad }' "$out"
done

# Unknown commands get a suggestion and the list of commands.
run "$clvsim" runn s.toml
check code 2
check grep -q "unknown command 'runn' (did you mean 'run'?)" "$err"
run "$clvsim" swep s.toml
check grep -q "did you mean 'sweep'" "$err"
run "$clvsim" frobnicate
check code 2
check grep -q "the commands are run, init, sweep, sensitivity, merge" "$err"

# Expected values of 10^9 customers: every column separated, every line within 80 columns.
printf 'extends = "s.toml"\n[segments.basic]\ninitial_customers = 1000000000\n' >big.toml
run "$clvsim" run big.toml --expected
check code 0
# The per-period rows: a period number, then numbers; each separated by at least two spaces.
check awk 'BEGIN { bad = 0; n = 0 } /^[0-9]+ / { n++; if ($0 ~ /[0-9.][0-9],[0-9]{3},[0-9]{3}\.[0-9][0-9]/) bad = 1 }
  END { exit !(n > 0 && !bad) }' "$out"
check awk '/^[0-9]+ +[0-9]/ { if (split($0, f, /  +/) != NF) bad = 1 } END { exit bad }' "$out"
# Tables (headings with parentheses are free text) stay within the width.
check awk 'NR > 1 && !/\(/ && length($0) > 80 { bad = 1 } END { exit bad }' "$out"
COLUMNS=50 run "$clvsim" run big.toml --expected
check awk 'NR > 1 && !/\(/ && length($0) > 50 { bad = 1 } END { exit bad }' "$out"
check awk '/^[0-9]+ +[0-9]/ { if (split($0, f, /  +/) != NF) bad = 1 } END { exit bad }' "$out"

# The summary fits 80 columns (the default when the width is unknown) and narrower ones.
run "$clvsim" run s.toml -r 20 -o f.h5
check awk 'NR > 1 && /^[A-Z]/ && length($0) > 80 { bad = 1 } END { exit bad }' "$out"
COLUMNS=60 run "$clvsim" run s.toml -r 20 -o g.h5
check grep -q "NPV" "$out"
check grep -q "95%" "$out"
check awk 'NR > 1 && /^[A-Z ]/ && !/^Results/ && length($0) > 60 { bad = 1 } END { exit bad }' "$out"

# The progress bar on a 40-column terminal: redrawn in place with a carriage return, never
# wider than 39 columns, and no ETA before 5% of the work.
if command -v script >/dev/null; then
  script -qfec "stty cols 40; $clvsim run s.toml -r 1500 -o p.h5 >/dev/null" /dev/null >tty.txt
  check grep -q $'\r' tty.txt
  tr '\r' '\n' <tty.txt | grep '\[' >bars.txt
  check test -s bars.txt
  check awk '{ if (length($0) > 39) bad = 1 } END { exit bad }' bars.txt
  check awk '/ETA/ { split($0, a, "%"); n = split(a[1], b, " "); if (b[n] + 0 < 5) bad = 1 } END { exit bad }' bars.txt
  # One line: only carriage returns between redraws, one newline at the end of the bar.
  check test "$(grep -c '\[' tty.txt)" -eq 1
fi

finish "cli options"
