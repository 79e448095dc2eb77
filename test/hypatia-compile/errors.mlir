// Bad input and bad options: a message with a location where there is one,
// and a non-zero exit.
// RUN: not hypatia-compile %s -o %t.so 2>&1 | FileCheck %s
// RUN: not hypatia-compile %s -o %t.so --target=tpu 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not hypatia-compile %s -o %t.so --allow-tf32 2>&1 | FileCheck %s --check-prefix=TF32
// RUN: not hypatia-compile %s -o %t.so --chip=sm_90 2>&1 | FileCheck %s --check-prefix=CHIP-CPU
// RUN: not hypatia-compile %s -o %t.ptx --emit=ptx 2>&1 | FileCheck %s --check-prefix=PTX-CPU
// RUN: not hypatia-compile %s -o %t.so --emit=obj 2>&1 | FileCheck %s --check-prefix=EMIT
// RUN: not hypatia-compile %S/model-abi.mlir -o %t.so --target=cuda --chip=sm_61 2>&1 | FileCheck %s --check-prefix=OLD-CHIP
// RUN: not hypatia-compile %hypatia_src/examples/mlp.mlir -o %t.so --linker=/nonexistent/cc 2>&1 | FileCheck %s --check-prefix=LINKER
// RUN: not hypatia-compile %S/../Dialect/Hypatia/invalid.mlir -o %t.so 2>&1 | FileCheck %s --check-prefix=INVALID
// Host CPUs LLVM does not know and full disks are errors, not LLVM fatal
// errors:
// RUN: not hypatia-compile %hypatia_src/examples/mlp.mlir -o %t.so --host-cpu=bogus 2>&1 | FileCheck %s --check-prefix=HOST-CPU
// RUN: not hypatia-compile %hypatia_src/examples/mlp.mlir -o /dev/full --emit=llvm 2>&1 | FileCheck %s --check-prefix=FULL
// RUN: not hypatia-compile %hypatia_src/examples/mlp.mlir -o /dev/full 2>&1 | FileCheck %s --check-prefix=FULL-SO
// HOST-CPU: error: unknown host CPU 'bogus' for {{.*}} (try native or x86-64-v3)
// HOST-CPU-NOT: LLVM ERROR
// FULL: error: cannot write /dev/full: No space left on device
// FULL-SO: error: linking /dev/full failed
// FULL-SO-NOT: LLVM ERROR
// The source is never overwritten (also when named another way):
// RUN: rm -rf %t.d && mkdir -p %t.d && cp %hypatia_src/examples/mlp.mlir %t.d/mlp.mlir
// RUN: ln -s %t.d/mlp.mlir %t.d/link.mlir
// RUN: not hypatia-compile %t.d/mlp.mlir -o %t.d/mlp.mlir 2>&1 | FileCheck %s --check-prefix=SELF
// RUN: not hypatia-compile %t.d/mlp.mlir -o %t.d/link.mlir 2>&1 | FileCheck %s --check-prefix=SELF
// RUN: diff %hypatia_src/examples/mlp.mlir %t.d/mlp.mlir
// SELF: error: -o {{.*}} is the input file: refusing to overwrite it

// TARGET: error: unknown target 'tpu': expected cpu or cuda
// TF32: error: --allow-tf32 applies to --target=cuda only
// CHIP-CPU: error: --chip applies to --target=cuda only
// PTX-CPU: error: --emit=ptx applies to --target=cuda only
// EMIT: error: unknown --emit=obj: expected so, llvm or ptx
// OLD-CHIP: error: hypatia-attach-target: chip "sm_61" is not a CUDA chip CUDA 13 builds for ("sm_75" or newer, "sm_90a" for wgmma)
// LINKER: error: cannot find the linker driver '/nonexistent/cc'
// INVALID: invalid.mlir:{{[0-9]+}}:{{[0-9]+}}: error:

// A dynamic result size that no input gives: callers could not allocate it.
// CHECK: errors.mlir:[[@LINE+5]]:3: error: dynamic size 0 of result 0 of @unknown_size is not the size of an input
func.func @unknown_size(%x: tensor<4x8xf32>, %n: tensor<1xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %dim = arith.constant 3 : index
  %e = tensor.empty(%dim) : tensor<?x8xf32>
  return %e : tensor<?x8xf32>
}
