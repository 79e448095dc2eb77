#!/usr/bin/env bash
# Runs every test suite of Hypatia after setting up and building it: the lit
# suite (FileCheck tests, CPU integration tests against float64 NumPy, GPU
# tests where a GPU is present), the GoogleTest unit tests (run by lit), and
# the Python package's pytest suite, against the package as `pip install .`
# installs it (into a virtual environment in the build directory), and a
# short fuzzing run under sanitizers (scripts/fuzz.sh, in build-fuzz/;
# $HYPATIA_FUZZ_SECONDS, default 120; 0 skips it), which counts as one test.
# Ends with one line "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HYPATIA_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh" || { echo "0 passed, 1 failed (setup or build)"; exit 1; }

results="$build/test-results.xml"
rm -f "$results"
/usr/lib/llvm-22/bin/lit -sv --xunit-xml-output "$results" \
  "$build/test" "$build/test/Unit"
lit_status=$?

# The Python package, installed the standard way. The virtual environment sees
# the system's site-packages (torch, NumPy, pytest from setup.sh).
python_results="$build/pytest-results.xml"
rm -f "$python_results"
venv="$build/python-venv"
python_status=0
if { [ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"; } &&
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    --config-settings=build-dir="$build" "$root"; then
  # From outside the source tree, so that `import hypatia` is the installed one.
  (cd "$build" && HYPATIA_TEST_INSTALLED=1 "$venv/bin/python" -m pytest -q \
    -p no:cacheprovider --junitxml "$python_results" "$root/python/tests")
  python_status=$?
else
  echo "test: pip install of the Python package failed"
  python_status=1
fi

fuzz_status=0
fuzz_seconds=${HYPATIA_FUZZ_SECONDS:-120}
if [ "$fuzz_seconds" -gt 0 ]; then
  # A fixed seed: CI repeats the same inputs (on a fresh clone's corpus).
  HYPATIA_FUZZ_SEED=${HYPATIA_FUZZ_SEED:-1} bash "$root/scripts/fuzz.sh" "$fuzz_seconds" ||
    fuzz_status=1
fi

python3 - "$lit_status" "$python_status" "$fuzz_status" "$fuzz_seconds" \
  "$results" "$python_results" <<'PY'
import sys
import xml.etree.ElementTree as ET

statuses = [int(sys.argv[1]), int(sys.argv[2])]
fuzz_status, fuzz_seconds = int(sys.argv[3]), int(sys.argv[4])
passed = failed = 0
if fuzz_seconds > 0:
    if fuzz_status:
        failed += 1
    else:
        passed += 1
for path in sys.argv[5:]:
    try:
        for case in ET.parse(path).iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is None:
                passed += 1
    except (OSError, ET.ParseError):
        failed += 1
if any(statuses) and failed == 0:
    failed = 1  # a runner itself failed (e.g. a configuration error)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
