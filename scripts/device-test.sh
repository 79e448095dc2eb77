#!/usr/bin/env bash
# On the GPU machine (see device-pack.sh): unpacks the build and LLVM's test
# tools at the paths the build was configured with, NumPy beside them, and
# runs the lit suites, the GPU tests included. Extra arguments go to lit
# (e.g. --filter GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
mkdir -p /work
[[ -e /work/main ]] || ln -s "$here" /work/main
tar -C / -xJf .device/llvm.tar.xz
tar -C "$here" -xJf .device/build.tar.xz
python3 -c "import numpy" 2>/dev/null ||
  python3 -m zipfile -e .device/numpy-*.whl /opt/hypatia-deps/python
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
/usr/lib/llvm-22/bin/lit -sv build/test build/test/Unit "$@"
