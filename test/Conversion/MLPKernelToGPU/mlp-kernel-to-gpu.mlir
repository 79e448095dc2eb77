// RUN: hypatia-opt %s --hypatia-mlp-kernel-to-gpu --split-input-file --verify-diagnostics | FileCheck %s
// The grid is persistent: at most one block per multiprocessor of the
// target (132 by default, the H200's).
// RUN: hypatia-opt %s --hypatia-attach-target="overrides=multiprocessors=108" --hypatia-mlp-kernel-to-gpu --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=A100
// Built for sm_90a alone, a kernel whose chain is compute-bound (here: with
// a bandwidth of 100 TB/s every chain is) multiplies by warpgroup MMA
// (wgmma): blocks of four warpgroups (512 threads), each 64 rows at a time;
// weights staged as core matrices [N / 8, K / 8, 8, 8], ordered for the
// async proxy (fence.proxy.async) before the barrier; per layer one inline
// PTX block that loads the bias pairs into the accumulators (constant
// offsets from one shared address), issues a wgmma per 16-column k-tile with
// descriptors that are one base plus constants, and waits. Without a bias,
// the first k-tile does not accumulate (scale-d 0). No ldmatrix, no
// mma.sync. The kernel that reads its input element by element keeps
// mma.sync.
// RUN: hypatia-opt %s --hypatia-attach-target="chips=sm_90a overrides=bandwidth_tbps=100" --hypatia-mlp-kernel-to-gpu --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=WGMMA
// With the H200's figures (the default), @two_layers (64 FLOPs per byte of
// input and result, 0.4x the ridge) is bound by memory, far below any chain
// wgmma was measured faster on: mma.sync.
// RUN: hypatia-opt %s --hypatia-attach-target="chips=sm_90a" --hypatia-mlp-kernel-to-gpu --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=MEMORY-BOUND
// MEMORY-BOUND-LABEL: func.func @two_layers
// MEMORY-BOUND-NOT: wgmma
// MEMORY-BOUND: nvvm.mma.sync
// MEMORY-BOUND-NOT: wgmma
// MEMORY-BOUND-LABEL: func.func @f16
// WGMMA-LABEL: func.func @two_layers
// The first tile's input is loaded before the weights are staged, and each
// tile loads the next one's (16 registers: one 64-wide tile ahead).
// WGMMA: gpu.launch blocks({{.*}}) in ({{.*}}) threads({{.*}}) in ({{.*}} = %c512, {{.*}}) dynamic_shared_memory_size
// WGMMA-COUNT-4: vector.load %arg0[{{.*}}] {alignment = 16 : i64} : memref<?x64xbf16>, vector<8xbf16>
// WGMMA: memref.view {{.*}} to memref<8x8x8x8xbf16, #gpu.address_space<workgroup>>
// WGMMA: memref.view {{.*}} to memref<2x8x8x8xbf16, #gpu.address_space<workgroup>>
// WGMMA: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// WGMMA-NEXT: gpu.barrier
// WGMMA: scf.for {{.*}} iter_args({{.*}}) -> (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32) {
// WGMMA: vector.load %arg0[{{.*}}] {alignment = 16 : i64} : memref<?x64xbf16>, vector<8xbf16>
// WGMMA: llvm.inline_asm has_side_effects {{.*}}ld.shared.v2.f32 {$0, $1}, [$49+9216];{{.*}}wgmma.fence.sync.aligned;{{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}descriptor, 1, 1, 1, 0;{{.*}}wgmma.commit_group.sync.aligned;{{.*}}wgmma.wait_group.sync.aligned 0;
// WGMMA-SAME: "=f,{{.*}},r,r,l,r"
// WGMMA-SAME: -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)>
// WGMMA: llvm.inline_asm {{.*}}wgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16
// WGMMA-NOT: nvgpu.ldmatrix
// WGMMA-NOT: nvvm.mma.sync
// WGMMA: } else {
// WGMMA: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c256,
// WGMMA: nvvm.mma.sync
// WGMMA-LABEL: func.func @f16
// WGMMA: llvm.inline_asm has_side_effects {{.*}}"{\0A.reg .b64 descriptor;\0Awgmma.fence.sync.aligned;{{.*}}m64n32k16.f32.f16.f16 {{.*}}descriptor, 0, 1, 1, 0;{{.*}}m64n32k16.f32.f16.f16 {{.*}}descriptor, 1, 1, 1, 0;
// WGMMA-SAME: "=f,{{.*}},r,l"

// A100-LABEL: func.func @two_layers
// A100: %[[SMS:.*]] = arith.constant 108 : index
// A100: arith.minui {{.*}}, %[[SMS]] : index

// Blocks of 8 warps (256 threads) with the weights and f32 biases in
// dynamic shared memory: (64 x (64 + 8) + 16 x (64 + 8)) x 2 + (64 + 16) x 4
// bytes = 11840. Two launches of the kernel: where the input's rows start at
// multiples of 16 bytes and the result's at multiples of 8, one that reads
// the input in 16-byte vectors (8 columns per thread and row: the first
// layer's columns are permuted to make them contiguous) and writes 4
// columns at once; else one that moves elements. Each: staging, a barrier,
// the first tile's input, then a grid-stride loop over warp tiles that loads
// the next tile's input first (carried as iter_args); per warp two 16-row
// tiles (the layers are at most 64 wide): weights read by ldmatrix.x4 (two
// n-tiles of a k-tile), each 4 x 8 + 4 x 2 mma.sync (two layers, k-tiles x
// n-tiles), SiLU in f32 and rounding of pairs, and the last layer's columns
// stored only for rows within the batch.
// CHECK-LABEL: func.func @two_layers
// CHECK: memref.extract_aligned_pointer_as_index %arg0
// CHECK: arith.remui {{.*}}, %c16
// CHECK: memref.extract_aligned_pointer_as_index %arg5
// CHECK: arith.remui {{.*}}, %c8
// CHECK: scf.if
// CHECK: %[[SMS:.*]] = arith.constant 132 : index
// CHECK: arith.minui {{.*}}, %[[SMS]] : index
// CHECK: %[[SHARED:.*]] = arith.constant 11840 : i32
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}) threads({{.*}}) in ({{.*}} = %c256, {{.*}}) dynamic_shared_memory_size %[[SHARED]]
// CHECK: gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: vector.load %arg0[{{.*}}] {alignment = 16 : i64} : memref<?x64xbf16>, vector<8xbf16>
// CHECK: memref.view {{.*}} to memref<64x72xbf16, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<64xf32, #gpu.address_space<workgroup>>
// CHECK: gpu.barrier
// CHECK: scf.for {{.*}} iter_args
// CHECK: vector.load %arg0
// CHECK: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<64x72xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK-COUNT-64: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>
// CHECK: math.exp
// CHECK: nvvm.convert.f32x2.to.bf16x2 {{.*}} {rnd = #nvvm.fp_rnd_mode<rn>} : vector<2xbf16>
// CHECK-COUNT-16: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.if
// CHECK: vector.store {{.*}} {alignment = 8 : i64} : memref<?x16xbf16>, vector<4xbf16>
// CHECK: scf.yield
// CHECK: } else {
// CHECK: gpu.launch
// CHECK: vector.load %arg0[{{.*}}] {alignment = 2 : i64} : memref<?x64xbf16>, vector<8xbf16>
// CHECK-COUNT-80: nvvm.mma.sync
// CHECK: vector.store {{.*}} {alignment = 2 : i64} : memref<?x16xbf16>, vector<4xbf16>
func.func @two_layers(%x: memref<?x64xbf16>, %w1: memref<64x64xbf16>, %w2: memref<16x64xbf16>,
                      %b1: memref<64xbf16>, %b2: memref<16xbf16>, %y: memref<?x16xbf16>) {
  hypatia.mlp_kernel %x, weights(%w1, %w2) biases(%b1, %b2) into %y activations [silu, none]
      : memref<?x64xbf16>, weights(memref<64x64xbf16>, memref<16x64xbf16>) biases(memref<64xbf16>, memref<16xbf16>) into memref<?x16xbf16>
  return
}

// -----

// f16 operands go to mma.sync as vector<2xf16> pairs; ReLU is part of the
// rounding (cvt.rn.relu.f16x2.f32); no bias: accumulators start at zero.
// CHECK-LABEL: func.func @f16
// CHECK-NOT: memref<32xf32
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NOT: math.exp
// CHECK: nvvm.convert.f32x2.to.f16x2 {{.*}} {relu = true, rnd = #nvvm.fp_rnd_mode<rn>} : vector<2xf16>
func.func @f16(%x: memref<?x32xf16>, %w1: memref<32x32xf16>, %w2: memref<16x32xf16>, %y: memref<?x16xf16>) {
  hypatia.mlp_kernel %x, weights(%w1, %w2) into %y activations [relu, relu]
      : memref<?x32xf16>, weights(memref<32x32xf16>, memref<16x32xf16>) into memref<?x16xf16>
  return
}

// -----

// Widths that are not multiples of 16 (3 -> 64 -> 1, a NeRF-style MLP) are
// computed padded to them: the weights are staged as [64, 16 + 8] and
// [16, 64 + 8] with zeros past the real ones, and only the result's column 0
// is written. Neither width holds whole vectors, so where both buffers'
// rows are contiguous and start at multiples of 16 bytes, the rows are
// staged: each warp
// copies its two tiles' input rows (32 x 3 elements) to shared memory by
// cp.async in 16-byte pieces (zero-filled past the batch), its lanes read
// their elements from there once the copies are complete (bar.warp.sync),
// and the next tiles' copies are issued before this tile computes; results
// go to shared memory at padded width (32 x 16 per warp) and out in 16-byte
// pieces (element by element at the end of the batch). Shared memory:
// weights and biases 5696 bytes, staged input 8 x 192, staged results
// 8 x 1024 = 15424. Else the kernel that moves elements (loads clamped into
// the row, then selected).
// CHECK-LABEL: func.func @ragged
// CHECK: memref.extract_strided_metadata %arg0
// CHECK: arith.cmpi eq, %{{.*}}, %c3
// CHECK: memref.extract_strided_metadata %arg5
// CHECK: arith.cmpi eq, %{{.*}}, %c1
// CHECK: scf.if
// CHECK: gpu.launch {{.*}} dynamic_shared_memory_size %c15424_i32
// CHECK: memref.view {{.*}} to memref<96xbf16, #gpu.address_space<workgroup>>
// CHECK: memref.reinterpret_cast {{.*}} to memref<?xbf16, strided<[1], offset: ?>>
// CHECK: memref.view {{.*}} to memref<32x16xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1} : memref<?xbf16, strided<[1], offset: ?>> to memref<96xbf16, #gpu.address_space<workgroup>>
// CHECK: nvvm.cp.async.commit.group
// CHECK: memref.view {{.*}} to memref<64x24xbf16, #gpu.address_space<workgroup>>
// CHECK: vector.store {{.*}} : memref<64x24xbf16, #gpu.address_space<workgroup>>, vector<1xbf16>
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: arith.constant -1 : i32
// CHECK-NEXT: nvvm.bar.warp.sync
// CHECK: memref.load {{.*}} : memref<96xbf16, #gpu.address_space<workgroup>>
// CHECK: nvvm.bar.warp.sync
// CHECK: nvgpu.device_async_copy
// CHECK: nvvm.cp.async.commit.group
// CHECK-COUNT-32: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: vector.store {{.*}} : memref<32x16xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK: nvvm.bar.warp.sync
// CHECK: memref.load {{.*}} : memref<32x16xbf16, #gpu.address_space<workgroup>>
// CHECK: vector.store {{.*}} {alignment = 16 : i64} : memref<?xbf16, strided<[1], offset: ?>>, vector<8xbf16>
// CHECK: } else {
// CHECK: memref.store {{.*}} : memref<?xbf16, strided<[1], offset: ?>>
// CHECK: nvvm.bar.warp.sync
// CHECK: } else {
// CHECK: gpu.launch {{.*}} dynamic_shared_memory_size %c5696_i32
// CHECK-NOT: cp.async
// CHECK: memref.load %arg0
// CHECK: arith.select
// CHECK: scf.for
// CHECK-COUNT-32: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.if
// CHECK: memref.store {{.*}} : memref<?x1xbf16>
func.func @ragged(%x: memref<?x3xbf16>, %w1: memref<64x3xbf16>, %w2: memref<1x64xbf16>,
                  %b1: memref<64xbf16>, %b2: memref<1xbf16>, %y: memref<?x1xbf16>) {
  hypatia.mlp_kernel %x, weights(%w1, %w2) biases(%b1, %b2) into %y activations [relu, none]
      : memref<?x3xbf16>, weights(memref<64x3xbf16>, memref<1x64xbf16>) biases(memref<64xbf16>, memref<1xbf16>) into memref<?x1xbf16>
  return
}

// -----

func.func @on_tensors(%x: tensor<8x32xf16>, %w1: tensor<32x32xf16>, %w2: tensor<16x32xf16>, %y: tensor<8x16xf16>) -> tensor<8x16xf16> {
  // expected-error @+1 {{is still on tensors: run it after bufferization}}
  %0 = hypatia.mlp_kernel %x, weights(%w1, %w2) into %y activations [relu, relu]
      : tensor<8x32xf16>, weights(tensor<32x32xf16>, tensor<16x32xf16>) into tensor<8x16xf16> -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}
