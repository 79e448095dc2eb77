// RUN: hypatia-opt %s --hypatia-mlp-kernel-to-gpu --split-input-file --verify-diagnostics | FileCheck %s

// One launch of blocks of 8 warps (256 threads) with the weights and biases
// in dynamic shared memory: (64 x (64 + 8) + 64 + 16 x (64 + 8) + 16) x 2
// bytes = 11680. Staging, a barrier, then per warp two 16-row tiles (the
// layers are at most 64 wide), each 4 x 8 + 4 x 2 mma.sync (two layers,
// k-tiles x n-tiles), and the last layer's pairs stored only for rows within
// the batch.
// CHECK-LABEL: func.func @two_layers
// CHECK: %[[SHARED:.*]] = arith.constant 11680 : i32
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}) threads({{.*}}) in ({{.*}} = %c256, {{.*}}) dynamic_shared_memory_size %[[SHARED]]
// CHECK: gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<64x72xbf16, #gpu.address_space<workgroup>>
// CHECK: gpu.barrier
// CHECK-COUNT-64: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>
// CHECK: math.exp
// CHECK-COUNT-16: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.if
// CHECK: vector.store {{.*}} : memref<?x16xbf16>, vector<2xbf16>
func.func @two_layers(%x: memref<?x64xbf16>, %w1: memref<64x64xbf16>, %w2: memref<16x64xbf16>,
                      %b1: memref<64xbf16>, %b2: memref<16xbf16>, %y: memref<?x16xbf16>) {
  hypatia.mlp_kernel %x, weights(%w1, %w2) biases(%b1, %b2) into %y activations [silu, none]
      : memref<?x64xbf16>, weights(memref<64x64xbf16>, memref<16x64xbf16>) biases(memref<64xbf16>, memref<16xbf16>) into memref<?x16xbf16>
  return
}

// -----

// f16 operands go to mma.sync as vector<2xf16> pairs.
// CHECK-LABEL: func.func @f16
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
func.func @f16(%x: memref<?x32xf16>, %w1: memref<32x32xf16>, %w2: memref<16x32xf16>, %y: memref<?x16xf16>) {
  hypatia.mlp_kernel %x, weights(%w1, %w2) into %y activations [relu, relu]
      : memref<?x32xf16>, weights(memref<32x32xf16>, memref<16x32xf16>) into memref<?x16xf16>
  return
}

// -----

func.func @on_tensors(%x: tensor<8x32xf16>, %w1: tensor<32x32xf16>, %w2: tensor<16x32xf16>, %y: tensor<8x16xf16>) -> tensor<8x16xf16> {
  // expected-error @+1 {{is still on tensors: run it after bufferization}}
  %0 = hypatia.mlp_kernel %x, weights(%w1, %w2) into %y activations [relu, relu]
      : tensor<8x32xf16>, weights(tensor<32x32xf16>, tensor<16x32xf16>) into tensor<8x16xf16> -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}
