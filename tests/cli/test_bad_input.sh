#!/usr/bin/env bash
# Every scenario in tests/data/bad/ must be rejected as bad input:
#   - exit code 2 (InputError),
#   - a message on stderr that names the file,
#   - nothing written: no results file and no other file in the working directory.
#
# Usage: bash test_bad_input.sh <path-to-clvsim> <source-dir>
set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 <path-to-clvsim> <source-dir>" >&2
  exit 2
fi
clvsim=$1
source_dir=$2
bad_dir=$source_dir/tests/data/bad

if [ ! -x "$clvsim" ]; then
  echo "FAIL: '$clvsim' is not an executable" >&2
  exit 1
fi
case $clvsim in /*) ;; *) clvsim=$PWD/$clvsim ;; esac
case $bad_dir in /*) ;; *) bad_dir=$PWD/$bad_dir ;; esac

shopt -s nullglob
files=("$bad_dir"/*.toml)
if [ ${#files[@]} -eq 0 ]; then
  echo "FAIL: no bad-input scenarios in $bad_dir" >&2
  exit 1
fi

# A run that hangs on bad input is a failure too.
run_limit=()
if command -v timeout > /dev/null; then run_limit=(timeout 60); fi

root=$(mktemp -d "${TMPDIR:-/tmp}/clvsim-bad-input.XXXXXX")
trap 'rm -rf "$root"' EXIT

passed=0
failed=0
for file in "${files[@]}"; do
  name=$(basename "$file")
  tmp=$root/${name%.toml}
  logs=$root/${name%.toml}.logs  # outside $tmp, so $tmp stays empty unless clvsim writes to it
  mkdir "$tmp" "$logs"
  status=0
  (cd "$tmp" && "${run_limit[@]}" "$clvsim" run "$file" -o "$tmp/out.h5" --replications 2) \
    > "$logs/stdout" 2> "$logs/stderr" || status=$?

  problems=()
  [ "$status" -eq 2 ] || problems+=("exit code $status, expected 2")
  grep -qF -- "$name" "$logs/stderr" || problems+=("stderr does not name the file")
  [ ! -e "$tmp/out.h5" ] || problems+=("out.h5 was written")
  left=$(find "$tmp" -mindepth 1 -print | sed "s|^$tmp/||" | tr '\n' ' ')
  [ -z "$left" ] || problems+=("files left in the working directory: $left")

  if [ ${#problems[@]} -eq 0 ]; then
    passed=$((passed + 1))
    echo "ok   $name: $(head -n 1 "$logs/stderr")"
  else
    failed=$((failed + 1))
    echo "FAIL $name: $(IFS=';'; echo "${problems[*]}")"
    echo "     what is wrong: $(head -n 1 "$file")"
    sed 's/^/     stderr: /' "$logs/stderr" | head -n 5
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
