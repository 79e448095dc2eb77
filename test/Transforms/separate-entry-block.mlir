// RUN: hypatia-opt %s --hypatia-separate-entry-block --allow-unregistered-dialect | FileCheck %s

// The entry block keeps the arguments and a branch; the operations move to
// the next block.
// CHECK-LABEL: func.func @used
// CHECK-NEXT: cf.br ^[[BODY:.*]]
// CHECK-NEXT: ^[[BODY]]:
// CHECK-NEXT: "test.use"(%arg0)
// CHECK-NEXT: return
func.func @used(%x: memref<4xf32>) {
  "test.use"(%x) : (memref<4xf32>) -> ()
  return
}

// Functions whose arguments have no uses, and declarations, stay as they are.
// CHECK-LABEL: func.func @unused
// CHECK-NOT: cf.br
// CHECK: return
func.func @unused(%x: memref<4xf32>) {
  return
}
// CHECK-LABEL: func.func private @declared
func.func private @declared(memref<4xf32>)
