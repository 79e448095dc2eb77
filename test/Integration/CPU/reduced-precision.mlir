// f16 and bf16 on the CPU: inputs rounded to the element type, matrix
// products accumulated in f32, one rounding per layer output. Checked against
// float64 on the same (rounded) inputs with the reduced-precision tolerance.
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-run %s -e bf16_layer --seed %seed --dynamic-sizes 40 --output-dir %t/bf16_layer
// RUN: %reference %t/bf16_layer 'relu(linear(arg0, arg1, arg2))' --rtol 1e-2 | FileCheck %s
// bf16 layers are oneDNN bf16 matmuls where the CPU has them (AVX-512), else
// f32 matmuls of the widened operands, rounded once (forced here by capping
// oneDNN at AVX2; its log shows the f32 matmul):
// RUN: env ONEDNN_MAX_CPU_ISA=AVX2 ONEDNN_VERBOSE=1 hypatia-run %s -e bf16_layer --seed %seed --dynamic-sizes 40 --output-dir %t/bf16_widened | FileCheck %s --check-prefix=WIDENED
// RUN: %reference %t/bf16_widened 'relu(linear(arg0, arg1, arg2))' --rtol 1e-2 | FileCheck %s
// WIDENED: exec,cpu,matmul,{{.*}},src_f32::{{.*}},40x200:200x72:40x72
// RUN: hypatia-run %s -e f16_layer --seed %seed --dynamic-sizes 40 --output-dir %t/f16_layer
// RUN: %reference %t/f16_layer 'gelu(linear(arg0, arg1, arg2))' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run %s -e bf16_mlp --seed %seed --dynamic-sizes 3 --output-dir %t/bf16_mlp
// RUN: %reference %t/bf16_mlp 'mlp(arg0, [(arg1, arg3, "silu"), (arg2, arg4, "none")])' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run %s -e f16_activations --seed %seed --dynamic-sizes 40 --output-dir %t/f16_act
// RUN: %reference %t/f16_act 'silu(gelu(relu(arg0), approximate="tanh"))' --rtol 1e-2 | FileCheck %s
// torch.autocast's form: f32 operands converted to bf16, the layers in bf16
// (the reference takes the f32 inputs unrounded).
// RUN: hypatia-run %s -e autocast_bf16 --seed %seed --dynamic-sizes 2,9 --output-dir %t/autocast_bf16
// RUN: %reference %t/autocast_bf16 'linear(gelu(linear(arg0, arg1, arg2)), arg3)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run %s -e widen_f16 --seed %seed --dynamic-sizes 40 --output-dir %t/widen_f16
// RUN: %reference %t/widen_f16 'arg0' --rtol 1e-6 | FileCheck %s

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

func.func @autocast_bf16(%x: tensor<?x?x64xf32>, %w1: tensor<96x64xf32>, %b1: tensor<96xf32>, %w2: tensor<24x96xf32>) -> tensor<?x?x24xbf16> {
  %x16 = hypatia.convert %x : tensor<?x?x64xf32> to tensor<?x?x64xbf16>
  %w16 = hypatia.convert %w1 : tensor<96x64xf32> to tensor<96x64xbf16>
  %b16 = hypatia.convert %b1 : tensor<96xf32> to tensor<96xbf16>
  %h = hypatia.fused_linear_gelu %x16, %w16, %b16 : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96xbf16>) -> tensor<?x?x96xbf16>
  %v16 = hypatia.convert %w2 : tensor<24x96xf32> to tensor<24x96xbf16>
  %y = hypatia.linear %h, %v16 : (tensor<?x?x96xbf16>, tensor<24x96xbf16>) -> tensor<?x?x24xbf16>
  return %y : tensor<?x?x24xbf16>
}

// Widening is exact.
func.func @widen_f16(%x: tensor<?x33xf16>) -> tensor<?x33xf32> {
  %0 = hypatia.convert %x : tensor<?x33xf16> to tensor<?x33xf32>
  return %0 : tensor<?x33xf32>
}
