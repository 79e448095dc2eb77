#!/usr/bin/env bash
# Builds the fuzzing harness (fuzz/hypatia-fuzz.cpp: libFuzzer over parse,
# verify, fuse and lower, in-process) in a build directory of its own, with
# all of Hypatia under AddressSanitizer and UndefinedBehaviorSanitizer, and
# runs it:
#
#   bash scripts/fuzz.sh [SECONDS] [WORKERS]    # default 120 s, 1 worker
#
# $HYPATIA_FUZZ_SEED fixes libFuzzer's random seed (default 0: a new one per
# run); with a fixed seed and a fresh corpus, a run repeats the same inputs.
#
# Seeds: every test program (test/**/*.mlir, split at `// -----`), once per
# pipeline. Any crash, sanitizer report, hang over 10 s or input over 4 GB of
# memory stops the run; the input is kept under build-fuzz/fuzz-findings and
# the script exits non-zero. The last line says what ran:
# "fuzz: N runs in S s, C coverage points, 0 findings".
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HYPATIA_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${1:-120}
workers=${2:-1}

"$root/scripts/setup.sh" >/dev/null # the packages (libclang-rt-22-dev)
if [ ! -f "$build/build.ninja" ]; then
  # -O1: sanitizers slow the code several times anyway, and the build on a
  # small machine is what takes the time. NDEBUG as Debian's LLVM was built:
  # some of its headers (llvm::Statistic) change layout without it.
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DHYPATIA_ENABLE_FUZZER=ON -DHYPATIA_BUILD_TESTS=OFF >/dev/null
fi
ninja -C "$build" hypatia-fuzz

seeds="$build/fuzz-seeds" corpus="$build/fuzz-corpus" findings="$build/fuzz-findings"
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" "$findings"
python3 - "$root/test" "$seeds" <<'PY'
import pathlib, sys
tests, seeds = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
count = 0
for path in sorted(tests.rglob("*.mlir")):
    for part in path.read_text().split("// -----"):
        if "func.func" not in part:
            continue
        for pipeline in range(5):  # the selector byte: see hypatia-fuzz.cpp
            (seeds / f"{count:05d}").write_bytes(bytes([pipeline]) + part.encode())
            count += 1
print(f"fuzz: {count} seeds from {tests}")
PY

log="$build/fuzz.log"
status=0
# Several workers (-jobs) each write fuzz-N.log in the working directory.
parallel=()
if [ "$workers" -gt 1 ]; then parallel=(-jobs="$workers" -workers="$workers"); fi
rm -f "$build"/fuzz-[0-9]*.log
# Leaks: MLIR's registries and caches live as long as the process; what one
# input leaks is not a finding of this harness (AddressSanitizer still stops
# on any memory error).
(cd "$build" && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$build/bin/hypatia-fuzz" "$corpus" "$seeds" \
    -max_total_time="$seconds" -timeout=10 -max_len=100000 -rss_limit_mb=4096 \
    -seed="${HYPATIA_FUZZ_SEED:-0}" "${parallel[@]}" -print_final_stats=1 \
    -artifact_prefix="$findings/") \
  >"$log" 2>&1 || status=$?
# With workers, the statistics are in their logs (the parent's output
# repeats them).
stats=("$log")
if [ "$workers" -gt 1 ]; then stats=("$build"/fuzz-[0-9]*.log); fi
runs=$(cat "${stats[@]}" | grep -o 'stat::number_of_executed_units: *[0-9]*' |
  awk '{ s += $2 } END { print s + 0 }' || true)
coverage=$(cat "${stats[@]}" | grep -o 'cov: [0-9]*' | awk '$2 > m { m = $2 } END { print m + 0 }' || true)
found=$(find "$findings" -type f | wc -l)
echo "fuzz: $runs runs in $seconds s ($workers worker(s)), ${coverage:-0} coverage points, $found findings (log: $log)"
if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
  tail -40 "$log"
  exit 1
fi
