#!/usr/bin/env bash
# Build the libFuzzer harnesses with clang in a build dir of its own and fuzz the scenario reader
# for a while (default 60 s), starting from the example scenarios and the bad-input fixtures, then
# the readers of tables (parameter draws, the records `fit` reads) for half as long. Fails when a
# fuzzer finds a crash, a sanitizer report, a broken contract or a leak. The build type is Debug
# (at -O1, set by CLVSIM_BUILD_FUZZ) so clvsim's contract checks are on.
#
# The fuzzer's seed is fixed (CLVSIM_FUZZ_SEED, default 1), so a test run explores the same inputs
# in the same order and a failure can be replayed; a longer search uses other seeds.
#
# Usage: bash fuzz/smoke.sh <source-dir> <build-dir> [seconds]
set -euo pipefail
src=$1
build=$2
seconds=${3:-60}
cxx=${CLVSIM_FUZZ_CXX:-clang++}
cc=${CLVSIM_FUZZ_CC:-clang}

launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_C_COMPILER="$cc" -DCLVSIM_BUILD_FUZZ=ON -DCLVSIM_BUILD_TESTS=OFF -DCLVSIM_BUILD_BENCH=OFF \
  -DCLVSIM_USE_OPENMP=OFF -DCLVSIM_USE_MPI=OFF "${launcher[@]}" > "$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
nice cmake --build "$build" --target fuzz_scenario fuzz_tables -j "${CLVSIM_FUZZ_JOBS:-2}" \
  > "$build.build.log" 2>&1 || { tail -n 50 "$build.build.log"; exit 1; }

cd "$build"
# fuzz_one <harness> <seconds> <libFuzzer options and seed dirs...>: new inputs go to a scratch
# corpus of the harness's own; the seeds are read only.
fuzz_one() {
  local harness=$1 time=$2
  shift 2
  local corpus=$build/corpus/$harness artifacts=$build/artifacts/$harness status=0
  mkdir -p "$corpus" "$artifacts"
  nice "./fuzz/$harness" -seed="${CLVSIM_FUZZ_SEED:-1}" -max_total_time="$time" -max_len=8192 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$corpus" "$@" > "$harness.log" 2>&1 || status=$?
  grep -E "^(stat::|#[0-9]+ +DONE)" "$harness.log" | sed "s/^/$harness: /" || true
  if [ "$status" -ne 0 ]; then
    grep -B5 -A40 -E "ERROR|runtime error|deadly signal|Timeout|out-of-memory" "$harness.log" |
      head -n 120
    echo "FAIL: $harness found a problem (exit $status); inputs in $artifacts"
    exit 1
  fi
  echo "ok: $harness, no crash in $time s"
}
fuzz_one fuzz_scenario "$seconds" -dict="$src/fuzz/scenario.dict" "$src/scenarios" \
  "$src/tests/data/bad"
fuzz_one fuzz_tables $(((seconds + 1) / 2)) "$src/fuzz/tables" "$src/tests/data/bad/draws"
