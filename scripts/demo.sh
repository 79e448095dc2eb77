#!/usr/bin/env bash
# Hypatia's main job, end to end on the CPU: take an example MLP, fuse it by
# equality saturation, compile it, run it on random inputs and check the result
# (and the unfused program's) against an independent float64 NumPy reference.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HYPATIA_BUILD_DIR:-$root/build}
model=${1:-$root/examples/mlp.mlir}
batch=${HYPATIA_DEMO_BATCH:-64}
seed=${HYPATIA_DEMO_SEED:-$RANDOM}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$root/scripts/setup.sh" > "$work/setup.log" 2>&1 ||
  { cat "$work/setup.log"; exit 1; }
bin=$build/bin

echo "== 1. The model ($model)"
cat "$model"

echo
echo "== 2. Fused by equality saturation (hypatia-opt --fuse-mlp)"
"$bin/hypatia-opt" "$model" --fuse-mlp=report=true -o "$work/fused.mlir" 2>&1 |
  sed "s|^$model|model|"
cat "$work/fused.mlir"

echo
echo "== 3. Compiled for the CPU and run, unfused and fused (batch $batch, seed $seed)"
for variant in unfused fused; do
  input=$model
  [ "$variant" = fused ] && input=$work/fused.mlir
  echo "-- $variant"
  "$bin/hypatia-run" "$input" -e mlp --dynamic-sizes "$batch" --seed "$seed" \
    --output-dir "$work/$variant"
done
echo "first rows of the fused result:"
python3 -c "import numpy as np, sys; np.set_printoptions(precision=4, suppress=True, linewidth=100); print(np.load(sys.argv[1])[:3])" "$work/fused/result0.npy"

echo
echo "== 4. Checked against float64 NumPy (computed independently)"
for variant in unfused fused; do
  echo "-- $variant"
  python3 "$root/utils/reference.py" "$work/$variant" \
    'linear(relu(linear(arg0, arg1, arg2)), arg3, arg4)' --rtol 1e-6
done
