// hypatia-opt reports bad input with its location and exits with 1.
// RUN: not hypatia-opt %s 2>&1 | FileCheck %s
// RUN: hypatia-opt %s > /dev/null 2>&1 || echo "exit code $?" | FileCheck %s --check-prefix=EXIT-CODE
// The pipelines run on whole modules: nested under a function they are a
// pipeline error, not an abort.
// RUN: not hypatia-opt %hypatia_src/examples/mlp.mlir --pass-pipeline='builtin.module(func.func(hypatia-cpu-pipeline))' 2>&1 | FileCheck %s --check-prefix=NESTED-CPU
// RUN: not hypatia-opt %hypatia_src/examples/mlp.mlir --pass-pipeline='builtin.module(func.func(hypatia-cuda-pipeline))' 2>&1 | FileCheck %s --check-prefix=NESTED-CUDA
// NESTED-CPU: error: hypatia-cpu-pipeline runs on a whole builtin.module, not nested under 'func.func'
// NESTED-CUDA: error: hypatia-cuda-pipeline runs on a whole builtin.module, not nested under 'func.func'

// CHECK: errors.mlir:[[@LINE+4]]:8: error: 'hypatia.linear' op weight [16, 8] does not match input features 4 (input [2, 4]): expected weight [16, 4]
// EXIT-CODE: exit code 1

func.func @f(%x: tensor<2x4xf32>, %w: tensor<16x8xf32>) -> tensor<2x16xf32> {
  %0 = hypatia.linear %x, %w : (tensor<2x4xf32>, tensor<16x8xf32>) -> tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}
