// f32 linear layers of CPU models are oneDNN matmuls (f32 accumulation) with
// bias and activation as post-ops; --reference compiles them as loop nests
// that accumulate in f64, whose results are the float64 ones rounded once.
// Both against float64 on fresh random inputs, a 4096-deep dot product: the
// reference within 1e-7 (norm-wise), BLAS within 1e-5.
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-run %s -e layer --seed %seed --dynamic-sizes 33 --output-dir %t/blas
// RUN: %reference %t/blas 'silu(linear(arg0, arg1, arg2))' --rtol 1e-5 | FileCheck %s
// RUN: hypatia-run %s -e layer --seed %seed --dynamic-sizes 33 --reference --output-dir %t/reference
// RUN: %reference %t/reference 'silu(linear(arg0, arg1, arg2))' --rtol 1e-7 | FileCheck %s
// The library call is there without --reference and not with it:
// RUN: hypatia-compile %s --emit=llvm -o - | FileCheck %s --check-prefix=CALLS
// RUN: hypatia-compile %s --reference --emit=llvm -o - | FileCheck %s --check-prefix=LOOPS
// RUN: not hypatia-compile %s --target=cuda --reference -o %t/x.so 2>&1 | FileCheck %s --check-prefix=CUDA
// CHECK: result 0: relative error {{.*}} ok
// CHECK-NEXT: PASS
// CALLS: call void @_mlir_ciface_hypatia_linear_f32(
// LOOPS-NOT: hypatia_linear_f32
// CUDA: error: --reference applies to --target=cpu only
func.func @layer(%x: tensor<?x4096xf32>, %w: tensor<64x4096xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = hypatia.linear %x, %w, %b : (tensor<?x4096xf32>, tensor<64x4096xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %1 = hypatia.silu %0 : tensor<?x64xf32>
  return %1 : tensor<?x64xf32>
}
