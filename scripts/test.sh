#!/usr/bin/env bash
# Runs every test suite of Hypatia after setting up and building it: the lit
# suite (FileCheck tests, CPU integration tests against float64 NumPy, GPU
# tests where a GPU is present) and the GoogleTest unit tests (run by lit).
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

python3 - "$results" "$lit_status" <<'PY'
import sys
import xml.etree.ElementTree as ET

path, status = sys.argv[1], int(sys.argv[2])
passed = failed = 0
try:
    for case in ET.parse(path).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is None:
            passed += 1
except (OSError, ET.ParseError):
    failed += 1
if status != 0 and failed == 0:
    failed = 1  # lit itself failed (e.g. a configuration error)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
