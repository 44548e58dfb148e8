#!/usr/bin/env bash
# One command: install what is missing, build, and run the whole test suite.
# Extra arguments go to ctest (e.g. -L unit, -R sbg).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure -j "$jobs" "$@"
