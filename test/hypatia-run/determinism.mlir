// Random inputs depend only on the seed: the same seed prints the same values,
// another seed others; --print shows every element in row-major nesting.
// RUN: hypatia-run %s -e identity --seed 5 --print > %t.a
// RUN: hypatia-run %s -e identity --seed 5 --print > %t.b
// RUN: hypatia-run %s -e identity --seed 6 --print > %t.c
// RUN: diff %t.a %t.b
// RUN: not diff %t.a %t.c
// RUN: FileCheck %s < %t.a
// RUN: hypatia-run %s -e identity | FileCheck %s --check-prefix=SUMMARY

// CHECK: result 0: tensor<2x3x2xf32>
// CHECK-NEXT: {{^\[\[\[-?[0-9.e+-]+, -?[0-9.e+-]+\],$}}
// CHECK-NEXT: {{^  \[-?[0-9.e+-]+, -?[0-9.e+-]+\],$}}
// CHECK-NEXT: {{^  \[-?[0-9.e+-]+, -?[0-9.e+-]+\]\],$}}
// CHECK-NEXT: {{^ \[\[-?[0-9.e+-]+, -?[0-9.e+-]+\],$}}
// SUMMARY: result 0: tensor<2x3x2xf32>
// SUMMARY-NEXT: sum {{.*}} l2 {{.*}} min {{.*}} max

func.func @identity(%x: tensor<2x3x2xf32>) -> tensor<2x3x2xf32> {
  %0 = hypatia.dropout %x {probability = 0.0 : f64} : tensor<2x3x2xf32>
  return %0 : tensor<2x3x2xf32>
}
