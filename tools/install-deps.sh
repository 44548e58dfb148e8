#!/usr/bin/env bash
# Install the Debian packages clvsim needs to build, test and read its results, if missing.
set -euo pipefail

packages=(
  g++ cmake make pkg-config git
  libeigen3-dev libtomlplusplus-dev libhdf5-dev librandom123-dev libcli11-dev libboost-dev catch2 libnlopt-dev
  libopenmpi-dev openmpi-bin
  python3-numpy python3-h5py python3-pandas python3-matplotlib python3-xlsxwriter
  python3-dev pybind11-dev python3-pybind11 python3-pytest
  chromium
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
