// f16 and bf16 on the CPU: inputs rounded to the element type, matrix
// products accumulated in f32, one rounding per layer output. Checked against
// float64 on the same (rounded) inputs with the reduced-precision tolerance.
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-run %s -e bf16_layer --seed %seed --dynamic-sizes 40 --output-dir %t/bf16_layer
// RUN: %reference %t/bf16_layer 'relu(linear(arg0, arg1, arg2))' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run %s -e f16_layer --seed %seed --dynamic-sizes 40 --output-dir %t/f16_layer
// RUN: %reference %t/f16_layer 'gelu(linear(arg0, arg1, arg2))' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run %s -e bf16_mlp --seed %seed --dynamic-sizes 3 --output-dir %t/bf16_mlp
// RUN: %reference %t/bf16_mlp 'mlp(arg0, [(arg1, arg3, "silu"), (arg2, arg4, "none")])' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run %s -e f16_activations --seed %seed --dynamic-sizes 40 --output-dir %t/f16_act
// RUN: %reference %t/f16_act 'silu(gelu(relu(arg0), approximate="tanh"))' --rtol 1e-2 | FileCheck %s

// CHECK: result 0: relative error {{.*}} ok
// CHECK-NEXT: PASS

func.func @bf16_layer(%x: tensor<?x200xbf16>, %w: tensor<72x200xbf16>, %b: tensor<72xbf16>) -> tensor<?x72xbf16> {
  %0 = hypatia.fused_linear_relu %x, %w, %b : (tensor<?x200xbf16>, tensor<72x200xbf16>, tensor<72xbf16>) -> tensor<?x72xbf16>
  return %0 : tensor<?x72xbf16>
}

func.func @f16_layer(%x: tensor<?x200xf16>, %w: tensor<72x200xf16>, %b: tensor<72xf16>) -> tensor<?x72xf16> {
  %0 = hypatia.linear %x, %w, %b : (tensor<?x200xf16>, tensor<72x200xf16>, tensor<72xf16>) -> tensor<?x72xf16>
  %1 = hypatia.gelu %0 : tensor<?x72xf16>
  return %1 : tensor<?x72xf16>
}

func.func @bf16_mlp(%x: tensor<4x?x96xbf16>, %w1: tensor<128x96xbf16>, %w2: tensor<16x128xbf16>,
                    %b1: tensor<128xbf16>, %b2: tensor<16xbf16>) -> tensor<4x?x16xbf16> {
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) biases(%b1, %b2) activations [silu, none]
      : (tensor<4x?x96xbf16>, tensor<128x96xbf16>, tensor<16x128xbf16>, tensor<128xbf16>, tensor<16xbf16>) -> tensor<4x?x16xbf16>
  return %0 : tensor<4x?x16xbf16>
}

func.func @f16_activations(%x: tensor<?x33xf16>) -> tensor<?x33xf16> {
  %0 = hypatia.relu %x : tensor<?x33xf16>
  %1 = hypatia.gelu %0 {approximate = #hypatia.gelu_approximation<tanh>} : tensor<?x33xf16>
  %2 = hypatia.silu %1 : tensor<?x33xf16>
  return %2 : tensor<?x33xf16>
}
