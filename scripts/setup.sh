#!/usr/bin/env bash
# Sets up Hypatia on Debian 12: installs what is missing (LLVM/MLIR 22 and the
# build tools from Debian's packages, NumPy from PyPI for the reference checks),
# then configures (once) and builds (incrementally) into $HYPATIA_BUILD_DIR
# (default: build/). Quick when everything is already there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HYPATIA_BUILD_DIR:-$root/build}

packages=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  cmake ninja-build libgtest-dev libzstd-dev zlib1g-dev libedit-dev
  libxml2-dev python3
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
fi

python=$(command -v python3)
if ! "$python" -c "import numpy" 2>/dev/null; then
  echo "setup: installing numpy for $python"
  "$python" -m pip install -q numpy 2>/dev/null ||
    { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-numpy; }
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DPython3_EXECUTABLE="$python"
fi
# Everything (the GPU tests too, where the CUDA toolkit is: building them
# compiles a model through the CUDA pipeline), and the generated docs.
ninja -C "$build" all mlir-doc
