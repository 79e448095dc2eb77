#!/usr/bin/env bash
# Packs what the GPU machine needs to run the test suite there: it has CUDA,
# Python, torch, NumPy and pytest, but no LLVM/MLIR and no network, so the
# build (stripped) and the LLVM pieces the tests use (libLLVM and the
# libraries it loads, FileCheck, not, count, lit) travel as .device/*.tar.xz
# (together under the 64 MiB a call carries).
#
#   bash scripts/device-pack.sh          # after building, here; then, on the device:
#   bash scripts/device-test.sh          # unpacks and runs lit, GPU tests included
#
# The LLVM archive is made once: they do not change with
# Hypatia's sources. The CPU-only unit test binary stays here (CI runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .device
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

if [[ ! -f .device/llvm.tar.xz ]]; then
  root="$stage/llvm"
  mkdir -p "$root/usr/lib/llvm-22/bin" "$root/usr/lib/llvm-22/utils" "$root/opt/hypatia-deps/lib"
  cp /usr/lib/llvm-22/bin/{FileCheck,not,count,lit} "$root/usr/lib/llvm-22/bin/"
  cp -r /usr/lib/llvm-22/utils/lit "$root/usr/lib/llvm-22/utils/"
  for library in libLLVM.so.22.1 libedit.so.2 libbsd.so.0 libmd.so.0; do
    cp -L "/usr/lib/x86_64-linux-gnu/$library" "$root/opt/hypatia-deps/lib/"
  done
  # libLLVM links Z3 for the static analyzer's constraint solver, which
  # nothing Hypatia runs calls. A library with Z3's soname that defines each
  # Z3 function libLLVM imports (aborting if ever called) satisfies the loader,
  # also for dlopen with RTLD_NOW (ctypes), and saves 23 MB.
  nm -D --undefined-only /usr/lib/x86_64-linux-gnu/libLLVM.so.22.1 |
    awk '$2 ~ /^Z3_/ { print "void " $2 "(void) { __builtin_trap(); }" }' > "$stage/z3.c"
  cc -shared -Wl,-soname,libz3.so.4 -o "$root/opt/hypatia-deps/lib/libz3.so.4" "$stage/z3.c"
  tar -C "$root" -cf - . | xz -T0 -9 > .device/llvm.tar.xz
fi

# oneDNN, which CPU models link (-ldnnl), with the libraries it loads that
# the GPU machine's image may lack (its OpenMP, the OpenCL loader it was
# built against); linking finds it through LIBRARY_PATH, loading through
# LD_LIBRARY_PATH; device-test.sh sets both.
if [[ ! -f .device/dnnl.tar.xz ]]; then
  root="$stage/dnnl/opt/hypatia-deps/lib"
  mkdir -p "$root"
  cp -L /usr/lib/x86_64-linux-gnu/libdnnl.so.2 "$root/"
  ln -s libdnnl.so.2 "$root/libdnnl.so"
  for library in libgomp.so.1 libOpenCL.so.1; do
    cp -L "/usr/lib/x86_64-linux-gnu/$library" "$root/"
  done
  tar -C "$stage/dnnl" -cf - . | xz -T0 -9 > .device/dnnl.tar.xz
fi

mkdir -p "$stage/build"
(cd build && find bin lib unittests test docs -type f \
   \( -perm -u+x -o -name 'libHypatiaRuntime.so' -o -name 'libHypatiaModelABI*.a' \
      -o -name 'lit.site.cfg.py' -o -name '*.md' \) \
   ! -name HypatiaUnitTests ! -path '*/CMakeFiles/*' ! -path '*/Output/*' -print0 |
   xargs -0 cp --parents -t "$stage/build")
find "$stage/build" -type f -perm -u+x ! -name '*.py' -exec strip --strip-unneeded {} + 2>/dev/null || true
tar -C "$stage" -cf - build | xz -T0 -6 > .device/build.tar.xz
ls -la .device
