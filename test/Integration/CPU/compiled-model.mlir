// A model built by hypatia-compile for the CPU (fused by --fuse-mlp, results
// in caller-allocated buffers), called through its C ABI from Python with
// NaN-poisoned results, against a float64 NumPy reference; batch 0 included.
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-compile %s -o %t/model.so
// RUN: %run-model %t/model.so -e mlp --seed %seed --dynamic-sizes 33 --output-dir %t/mlp | FileCheck %s --check-prefix=SHAPE
// RUN: %reference %t/mlp 'linear(relu(linear(arg0, arg1, arg2)), arg3, arg4)' --rtol 1e-6 | FileCheck %s
// RUN: %run-model %t/model.so -e activations --seed %seed --dynamic-sizes 5 --output-dir %t/activations
// RUN: %reference %t/activations 'silu(gelu(linear(arg0, arg1)))' --rtol 1e-6 | FileCheck %s
// RUN: %run-model %t/model.so -e half --seed %seed --dynamic-sizes 7 --output-dir %t/half
// RUN: %reference %t/half 'relu(linear(arg0, arg1, arg2))' --rtol 1e-2 | FileCheck %s
// RUN: %run-model %t/model.so -e mlp --seed %seed --dynamic-sizes 0 | FileCheck %s --check-prefix=EMPTY

// SHAPE: result 0: f32[33, 10]
// EMPTY: result 0: f32[0, 10]
// CHECK: PASS

func.func @mlp(%x: tensor<?x96xf32>, %w1: tensor<128x96xf32>, %b1: tensor<128xf32>,
               %w2: tensor<10x128xf32>, %b2: tensor<10xf32>) -> tensor<?x10xf32> {
  %h = hypatia.linear %x, %w1, %b1
      : (tensor<?x96xf32>, tensor<128x96xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  %a = hypatia.relu %h : tensor<?x128xf32>
  %y = hypatia.linear %a, %w2, %b2
      : (tensor<?x128xf32>, tensor<10x128xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

func.func @activations(%x: tensor<3x?x64xf32>, %w: tensor<48x64xf32>) -> tensor<3x?x48xf32> {
  %h = hypatia.linear %x, %w : (tensor<3x?x64xf32>, tensor<48x64xf32>) -> tensor<3x?x48xf32>
  %g = hypatia.gelu %h : tensor<3x?x48xf32>
  %s = hypatia.silu %g : tensor<3x?x48xf32>
  return %s : tensor<3x?x48xf32>
}

func.func @half(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<32xf16>) -> tensor<?x32xf16> {
  %h = hypatia.fused_linear_relu %x, %w, %b
      : (tensor<?x64xf16>, tensor<32x64xf16>, tensor<32xf16>) -> tensor<?x32xf16>
  return %h : tensor<?x32xf16>
}
