// Deeply nested input never overflows the stack. hypatia-opt parses and
// prints it (its driver runs on a thread with a 1 GiB stack); the tools and
// the C API, which take programs from users, refuse nesting beyond 512
// brackets with a located error.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "d = 4000; open('%t/modules.mlir', 'w').write('module {\n' * d + '}\n' * d)"
// RUN: %python -c "t = 'i32'; exec('for _ in range(16000): t = \'tuple<\' + t + \'>\''); open('%t/tuple.mlir', 'w').write('func.func private @f(%%x: ' + t + ')\n')"
// RUN: %python -c "open('%t/array.mlir', 'w').write('func.func @f(%%x: tensor<4xf32>) -> tensor<4xf32> {\n  %%0 = hypatia.relu %%x {foo = ' + '[' * 7000 + ']' * 7000 + '} : tensor<4xf32>\n  return %%0 : tensor<4xf32>\n}\n')"
// RUN: hypatia-opt %t/modules.mlir | FileCheck %s --check-prefix=MODULES
// RUN: hypatia-opt %t/tuple.mlir | FileCheck %s --check-prefix=TUPLE
// RUN: hypatia-opt %t/array.mlir | FileCheck %s --check-prefix=ARRAY
// RUN: not hypatia-compile %t/modules.mlir -o %t/model.so 2>&1 | FileCheck %s --check-prefix=DEEP-MODULES
// RUN: not hypatia-run %t/array.mlir -e f 2>&1 | FileCheck %s --check-prefix=DEEP-ARRAY
// MODULES-COUNT-4: module {
// TUPLE: func.func private @f(tuple<tuple<tuple<
// ARRAY: hypatia.relu %{{.*}} {foo = {{\[\[\[}}
// DEEP-MODULES: modules.mlir:513:8: error: nesting deeper than 512 levels of brackets: refusing to parse
// DEEP-ARRAY: array.mlir:2:541: error: nesting deeper than 512 levels of brackets: refusing to parse
