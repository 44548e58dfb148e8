#!/usr/bin/env bash
# One command on a fresh Debian machine: install what is missing, build, and run the default
# scenario (a subscription business), printing its forecast summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
./build/clvsim run --force "$@"
