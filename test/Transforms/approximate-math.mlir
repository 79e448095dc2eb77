// f32 erf and tanh become arithmetic (polynomial approximations, no calls);
// f64 ones stay math ops for libm.
// RUN: hypatia-opt %s --hypatia-approximate-math | FileCheck %s

// CHECK-LABEL: func.func @f32
// CHECK-NOT: math.erf
// CHECK-NOT: math.tanh
// CHECK: arith.mulf
// CHECK: return
func.func @f32(%x: f32) -> (f32, f32) {
  %0 = math.erf %x : f32
  %1 = math.tanh %x : f32
  return %0, %1 : f32, f32
}

// CHECK-LABEL: func.func @f64
// CHECK: math.erf %{{.*}} : f64
// CHECK: math.tanh %{{.*}} : f64
func.func @f64(%x: f64) -> (f64, f64) {
  %0 = math.erf %x : f64
  %1 = math.tanh %x : f64
  return %0, %1 : f64, f64
}
