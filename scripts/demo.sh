#!/usr/bin/env bash
# Hypatia's main job, end to end on the CPU: take an example MLP, lower it,
# compile it, run it on random inputs and check the result against an
# independent float64 NumPy reference.
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
echo "== 2. Lowered to linalg (hypatia-opt --hypatia-to-linalg): ops by kind"
"$bin/hypatia-opt" --hypatia-to-linalg "$model" |
  grep -oE '^ *(%[^ ]+ = )?[a-z_]+\.[a-z_]+' | sed -E 's/.*= //; s/^ *//' |
  sort | uniq -c | sort -rn

echo
echo "== 3. Compiled for the CPU and run (batch $batch, seed $seed)"
"$bin/hypatia-run" "$model" -e mlp --dynamic-sizes "$batch" --seed "$seed" \
  --output-dir "$work/run"
echo "first rows of the result:"
python3 -c "import numpy as np, sys; np.set_printoptions(precision=4, suppress=True, linewidth=100); print(np.load(sys.argv[1])[:3])" "$work/run/result0.npy"

echo
echo "== 4. Checked against float64 NumPy (computed independently)"
python3 "$root/utils/reference.py" "$work/run" \
  'linear(relu(linear(arg0, arg1, arg2)), arg3, arg4)' --rtol 1e-6
