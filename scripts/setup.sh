#!/usr/bin/env bash
# Sets up Hypatia on Debian 12: installs what is missing (LLVM/MLIR 22, the
# build tools and oneDNN, which CPU models link, from Debian's packages; NumPy, pytest and torch from PyPI),
# then configures (once) and builds (incrementally) into $HYPATIA_BUILD_DIR
# (default: build/). Quick when everything is already there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HYPATIA_BUILD_DIR:-$root/build}

packages=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  cmake ninja-build libgtest-dev libzstd-dev zlib1g-dev libedit-dev
  libxml2-dev python3 libdnnl-dev libclang-rt-22-dev
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
# NumPy for the reference checks; torch (CPU use; the version the H100 has),
# pytest and mypy (the type hints' test) for the Python package's tests;
# SciPy (its HiGHS solver) for the extraction-quality test;
# scikit-build-core is fetched by `pip install .` itself.
python_packages=()
"$python" -c "import numpy" 2>/dev/null || python_packages+=(numpy)
"$python" -c "import pytest" 2>/dev/null || python_packages+=(pytest)
"$python" -c "import mypy" 2>/dev/null || python_packages+=(mypy)
"$python" -c "import scipy.optimize" 2>/dev/null || python_packages+=(scipy)
"$python" -c "import torch" 2>/dev/null || python_packages+=("torch==2.11.0")
if ((${#python_packages[@]})); then
  echo "setup: installing ${python_packages[*]} for $python"
  "$python" -m pip install -q "${python_packages[@]}"
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DPython3_EXECUTABLE="$python" -DHYPATIA_TEST_PYTHON="$python"
fi
# Everything (the GPU tests too, where the CUDA toolkit is: building them
# compiles a model through the CUDA pipeline), and the generated docs.
ninja -C "$build" all mlir-doc
