#!/usr/bin/env bash
# Regenerates the dialect and pass reference from the .td files into docs/.
# test/docs/up-to-date.mlir fails when the committed copies are stale.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HYPATIA_BUILD_DIR:-$root/build}
ninja -C "$build" mlir-doc
mkdir -p "$root/docs/Dialects" "$root/docs/Passes"
cp "$build/docs/Dialects/HypatiaDialect.md" "$root/docs/Dialects/HypatiaDialect.md"
cp "$build/docs/Passes/HypatiaConversionPasses.md" "$root/docs/Passes/HypatiaConversionPasses.md"
cp "$build/docs/Passes/HypatiaTransformsPasses.md" "$root/docs/Passes/HypatiaTransformsPasses.md"
echo "docs/ updated from $build/docs"
