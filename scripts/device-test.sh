#!/usr/bin/env bash
# On the GPU machine (see device-pack.sh): unpacks the build and LLVM's test
# tools at the paths the build was configured with, NumPy beside them, and
# runs the lit suites, the GPU tests included, then the Python package's
# pytest suite (from the source tree, with the build's libraries; pytest from
# the wheels in .device/wheels when the machine lacks it). The machine's NumPy
# serves the float64 references. Extra arguments go
# to lit (e.g. --filter GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
mkdir -p /work
[[ -e /work/main ]] || ln -s "$here" /work/main
tar -C / -xJf .device/llvm.tar.xz
tar -C / -xJf .device/dnnl.tar.xz
tar -C "$here" -xJf .device/build.tar.xz
python3 -c "import numpy" 2>/dev/null ||
  { echo "device-test: the GPU machine has no NumPy" >&2; exit 1; }
export PYTHONPATH=/opt/hypatia-deps/python${PYTHONPATH:+:$PYTHONPATH}
# The configured Python (a pyenv shim on the build machine) is this one here:
# a script, not a symlink, so that a virtual environment's python still finds
# its pyvenv.cfg.
python=$(grep -o 'python_executable = "[^"]*"' build/test/lit.site.cfg.py | cut -d'"' -f2)
if [[ ! -x "$python" ]]; then
  mkdir -p "$(dirname "$python")"
  printf '#!/bin/sh\nexec %s "$@"\n' "$(command -v python3)" > "$python"
  chmod +x "$python"
fi
export LD_LIBRARY_PATH=/opt/hypatia-deps/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
export LIBRARY_PATH=/opt/hypatia-deps/lib${LIBRARY_PATH:+:$LIBRARY_PATH}
status=0
/usr/lib/llvm-22/bin/lit -sv build/test build/test/Unit "$@" || status=1

if ! python3 -c "import pytest" 2>/dev/null; then
  for wheel in .device/wheels/*.whl; do
    python3 -m zipfile -e "$wheel" /opt/hypatia-deps/python
  done
fi
# Models are linked by the machine's C compiler (no clang-22 here).
HYPATIA_LIBRARY_DIR="$here/build/lib" HYPATIA_LINKER=cc \
  PYTHONPATH="$here/python:$PYTHONPATH" \
  python3 -m pytest -q -p no:cacheprovider python/tests || status=1
exit $status
