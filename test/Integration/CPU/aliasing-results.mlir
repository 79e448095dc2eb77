// Results that are the same value (returned twice, or an input returned
// through dropout, the identity) are each written into their own buffer:
// LLVM 22's buffer-results-to-out-params crashed on them before
// --hypatia-distinct-results (llvm/llvm-project#219492).
// RUN: rm -rf %t
// RUN: hypatia-run %s -e alias --seed %seed --dynamic-sizes 6 --output-dir %t
// RUN: %reference %t 'arg0' 'relu(arg0)' 'relu(arg0)' 'arg0' --rtol 0 | FileCheck %s
// RUN: hypatia-compile %s -o %t/alias.so
// CHECK: result 0: relative error {{.*}} ok
// CHECK: result 1: relative error {{.*}} ok
// CHECK: result 2: relative error {{.*}} ok
// CHECK: result 3: relative error {{.*}} ok
// CHECK-NEXT: PASS
func.func @alias(%x: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>) {
  %d = hypatia.dropout %x {probability = 0.5 : f64} : tensor<?x3xf32>
  %r = hypatia.relu %x : tensor<?x3xf32>
  return %d, %r, %r, %x : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>
}
