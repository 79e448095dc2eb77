// RUN: hypatia-opt %s --hypatia-to-linalg --hypatia-fuse-elementwise --split-input-file | FileCheck %s
// A small bound splits a chain into several generics:
// RUN: hypatia-opt %s --hypatia-to-linalg --hypatia-fuse-elementwise=max-body-ops=4 --split-input-file | FileCheck %s --check-prefix=BOUND
// RUN: not hypatia-opt %s --hypatia-fuse-elementwise=max-body-ops=0 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: hypatia-fuse-elementwise: max-body-ops must be positive

// A gated MLP's SiLU and product: one generic, which still rounds the SiLU
// to bf16 before the product (as the ops one by one).
// CHECK-LABEL: func.func @gate
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.mulf
// CHECK: linalg.yield
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @gate(%g: tensor<4x8xbf16>, %u: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  %a = hypatia.silu %g : tensor<4x8xbf16>
  %h = hypatia.mul %a, %u : tensor<4x8xbf16>
  return %h : tensor<4x8xbf16>
}

// -----

// Ten ReLUs (a maximumf and a yield each): one generic within the default
// bound of 64 body ops; with a bound of 4, several of at most two ReLUs.
// CHECK-LABEL: func.func @chain
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
// BOUND-LABEL: func.func @chain
// BOUND: linalg.generic
// BOUND-NEXT: ^bb0
// BOUND-NEXT: arith.maximumf
// BOUND-NEXT: arith.maximumf
// BOUND-NEXT: linalg.yield
// BOUND: linalg.generic
func.func @chain(%x: tensor<16xf32>) -> tensor<16xf32> {
  %0 = hypatia.relu %x : tensor<16xf32>
  %1 = hypatia.relu %0 : tensor<16xf32>
  %2 = hypatia.relu %1 : tensor<16xf32>
  %3 = hypatia.relu %2 : tensor<16xf32>
  %4 = hypatia.relu %3 : tensor<16xf32>
  %5 = hypatia.relu %4 : tensor<16xf32>
  %6 = hypatia.relu %5 : tensor<16xf32>
  %7 = hypatia.relu %6 : tensor<16xf32>
  %8 = hypatia.relu %7 : tensor<16xf32>
  %9 = hypatia.relu %8 : tensor<16xf32>
  return %9 : tensor<16xf32>
}

// -----

// A value read twice is not fused into either reader (it would be computed
// twice).
// CHECK-LABEL: func.func @shared
// CHECK-COUNT-3: linalg.generic
func.func @shared(%x: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>) {
  %0 = hypatia.gelu %x : tensor<16xf32>
  %1 = hypatia.relu %0 : tensor<16xf32>
  %2 = hypatia.silu %0 : tensor<16xf32>
  return %1, %2 : tensor<16xf32>, tensor<16xf32>
}
