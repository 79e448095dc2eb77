// Functions named like C library symbols, or like the model ABI's own, run
// as written: their code is emitted under Hypatia's names, so none stands in
// for the symbol it is named after (@erf with a GELU inside used to call
// itself as libm's erf; @malloc and @free replaced the allocator). Each is
// checked against float64 NumPy on fresh random inputs.
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-run %s -e erf --seed %seed --output-dir %t/erf
// RUN: %reference %t/erf 'silu(gelu(arg0))' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e exp --seed %seed --output-dir %t/exp
// RUN: %reference %t/exp 'silu(arg0)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e malloc --seed %seed --dynamic-sizes 37 --output-dir %t/malloc
// RUN: %reference %t/malloc 'relu(linear(arg0, arg1))' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e free --seed %seed --dynamic-sizes 37 --output-dir %t/free
// RUN: %reference %t/free 'gelu(linear(arg0, arg1))' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e memcpy --seed %seed --output-dir %t/memcpy
// RUN: %reference %t/memcpy 'arg0 * arg1' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e hypatia_get_model --seed %seed --output-dir %t/get_model
// RUN: %reference %t/get_model 'relu(arg0)' --rtol 1e-6 | FileCheck %s
// A compiled object exports the ABI's symbols, not these names:
// RUN: hypatia-compile %s -o %t/model.so
// RUN: nm -D --defined-only %t/model.so | FileCheck %s --check-prefix=SYMBOLS
// CHECK: PASS
// SYMBOLS-NOT: {{ (erf|exp|malloc|free|memcpy)$}}
// SYMBOLS: hypatia_call_erf
// SYMBOLS-NOT: {{ (erf|exp|malloc|free|memcpy)$}}

func.func @erf(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = hypatia.gelu %x : tensor<8x16xf32>
  %1 = hypatia.silu %0 : tensor<8x16xf32>
  return %1 : tensor<8x16xf32>
}

func.func @exp(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = hypatia.silu %x : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

func.func @malloc(%x: tensor<?x16xf32>, %w: tensor<24x16xf32>) -> tensor<?x24xf32> {
  %0 = hypatia.fused_linear_relu %x, %w : (tensor<?x16xf32>, tensor<24x16xf32>) -> tensor<?x24xf32>
  return %0 : tensor<?x24xf32>
}

func.func @free(%x: tensor<?x16xf32>, %w: tensor<24x16xf32>) -> tensor<?x24xf32> {
  %0 = hypatia.fused_linear_gelu %x, %w : (tensor<?x16xf32>, tensor<24x16xf32>) -> tensor<?x24xf32>
  return %0 : tensor<?x24xf32>
}

func.func @memcpy(%a: tensor<8x16xf32>, %b: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = hypatia.mul %a, %b : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

func.func @hypatia_get_model(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = hypatia.relu %x : tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}
