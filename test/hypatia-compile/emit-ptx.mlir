// --emit=ptx writes the device code of every kernel, for the newest chip of
// the target, so that anyone can read the instructions the fused_mlp kernel
// runs: ldmatrix for the weights, bf16 mma.sync with f32 accumulators, ReLU in
// the rounding. Needs the toolkit (libdevice), not a GPU.
// REQUIRES: cuda-toolkit
// RUN: hypatia-compile %s --target=cuda --emit=ptx -o - | FileCheck %s
// RUN: hypatia-compile %s --target=cuda --chip=sm_80 --emit=ptx -o - | FileCheck %s --check-prefix=SM80

// CHECK: // gpu.module @{{.*}} for sm_90
// CHECK: .target sm_90
// CHECK: .visible .entry
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK: cvt.rn.relu.bf16x2.f32
// SM80: // gpu.module @{{.*}} for sm_80
// SM80: .target sm_80
func.func @mlp(%x: tensor<?x32xbf16>, %w0: tensor<64x32xbf16>, %b0: tensor<64xbf16>,
               %w1: tensor<16x64xbf16>, %b1: tensor<16xbf16>) -> tensor<?x16xbf16> {
  %y = hypatia.fused_mlp %x, weights(%w0, %w1) biases(%b0, %b1) activations [relu, none]
      : (tensor<?x32xbf16>, tensor<64x32xbf16>, tensor<16x64xbf16>, tensor<64xbf16>, tensor<16xbf16>)
      -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}
