// Bad requests get a clear message and exit code 1, never a crash.
// RUN: rm -rf %t && mkdir -p %t
// RUN: not hypatia-run %s -e missing 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not hypatia-run %s -e layer 2>&1 | FileCheck %s --check-prefix=NO-SIZES
// RUN: not hypatia-run %s -e layer --dynamic-sizes 2,3 2>&1 | FileCheck %s --check-prefix=SIZE-COUNT
// RUN: not hypatia-run %s -e fixed --dynamic-sizes 4 2>&1 | FileCheck %s --check-prefix=NO-DYNAMIC
// RUN: not hypatia-run %s -e scalar 2>&1 | FileCheck %s --check-prefix=SCALAR
// RUN: not hypatia-run %s -e layer --inputs %t/nothing.npy 2>&1 | FileCheck %s --check-prefix=INPUT-COUNT
// RUN: not hypatia-run %s -e fixed --inputs %t/nothing.npy 2>&1 | FileCheck %s --check-prefix=NO-FILE
// RUN: %python -c "import numpy as np; np.save('%t/wrong.npy', np.ones((3, 5), np.float32))"
// RUN: not hypatia-run %s -e fixed --inputs %t/wrong.npy 2>&1 | FileCheck %s --check-prefix=WRONG-SHAPE
// RUN: not hypatia-run %s -e fixed --inputs %t/wrong.npy --dynamic-sizes 3 2>&1 | FileCheck %s --check-prefix=BOTH
// RUN: not hypatia-run %s -e fixed --chip=sm_90a 2>&1 | FileCheck %s --check-prefix=CHIP-CPU
// CHIP-CPU: error: --chip applies to --target=cuda only
// Sizes whose byte count would wrap or exceed the host tensor limit (a .npy
// header claiming 2^62 + 4 rows with 4 of data, --dynamic-sizes, a static
// type) are refused, never allocated:
// RUN: %python -c "import numpy as np, struct; h = \"{'descr': '<f4', 'fortran_order': False, 'shape': (%%d, 784), }\" %% (2**62 + 4); h += ' ' * (63 - (10 + len(h)) %% 64) + '\n'; open('%t/huge.npy', 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + np.zeros((4, 784), np.float32).tobytes())"
// RUN: not hypatia-run %S/Inputs/huge.mlir -e layer --inputs %t/huge.npy 2>&1 | FileCheck %s --check-prefix=HUGE-NPY
// RUN: not hypatia-run %S/Inputs/huge.mlir -e layer --dynamic-sizes=4611686018427387904 2>&1 | FileCheck %s --check-prefix=HUGE-SIZE
// RUN: not hypatia-run %S/Inputs/huge.mlir -e big 2>&1 | FileCheck %s --check-prefix=HUGE-TYPE
// HUGE-NPY: error: {{.*}}huge.npy: a tensor of shape [4611686018427387908, 784] would hold more than the limit of 1099511627776 bytes
// HUGE-SIZE: error: @layer: input 0: a tensor of shape [4611686018427387904, 784] would hold more than the limit
// HUGE-TYPE: error: @big: input 0: a tensor of shape [4611686018427387904, 784] would hold more than the limit
// --output-dir never overwrites the inputs it was given (a float64 input
// would become its float32 copy):
// RUN: %python -c "import numpy as np; np.save('%t/input0.npy', np.ones((2, 3)))"
// RUN: not hypatia-run %s -e fixed --inputs %t/input0.npy --output-dir %t 2>&1 | FileCheck %s --check-prefix=OVERWRITE
// RUN: %python -c "import numpy as np; assert np.load('%t/input0.npy').dtype == np.float64"
// OVERWRITE: error: --output-dir {{.*}} would overwrite the input file {{.*}}input0.npy: choose another directory
// RUN: %python -c "open('%t/bad.mlir', 'w').write('func.func @f(%%x: tensor<2x3xf32>) -> tensor<2x3xf32> {\n  %%0 = hypatia.relu %%x : tensor<2x4xf32>\n  return %%0 : tensor<2x3xf32>\n}\n')"
// RUN: not hypatia-run %t/bad.mlir -e f 2>&1 | FileCheck %s --check-prefix=PARSE
// RUN: hypatia-run %t/bad.mlir -e f > /dev/null 2>&1 || echo "exit code $?" | FileCheck %s --check-prefix=EXIT-CODE

// MISSING: error: no function @missing in {{.*}}errors.mlir; it has @layer, @fixed, @scalar
// NO-SIZES: error: @layer: the function has 1 dynamic dimension(s): give their sizes (one for all, or one each in argument order) with --dynamic-sizes
// SIZE-COUNT: error: @layer: the function has 1 dynamic dimensions, but 2 sizes were given
// NO-DYNAMIC: error: @fixed: the function has no dynamic dimensions, but 1 sizes were given
// INPUT-COUNT: error: @layer takes 2 inputs, but 1 files were given
// NO-FILE: error: {{.*}}nothing.npy: cannot read:
// WRONG-SHAPE: error: fixed: input 0: expected shape [2, 3], got [3, 5]
// BOTH: error: --dynamic-sizes and --inputs exclude each other
// PARSE: bad.mlir:2:21: error: use of value '%x' expects different type than prior uses: 'tensor<2x4xf32>' vs 'tensor<2x3xf32>'
// EXIT-CODE: exit code 1

func.func @layer(%x: tensor<?x4xf32>, %w: tensor<2x4xf32>) -> tensor<?x2xf32> {
  %0 = hypatia.linear %x, %w : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

func.func @fixed(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = hypatia.relu %x : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// SCALAR: errors.mlir:[[@LINE+2]]:1: error: argument 1 of @scalar has type 'f32': only ranked tensors of f32, f16 or bf16 can be passed in and out
// SCALAR-NOT: see current operation
func.func @scalar(%x: tensor<2x3xf32>, %s: f32) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
