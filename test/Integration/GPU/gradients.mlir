// The ops of a backward pass on the GPU, against float64 on fresh random
// inputs: the functions of ../CPU/gradients.mlir through the CUDA pipeline
// (cuBLASLt reading either operand transposed in place, TF32 off; the
// activation gradients as generated elementwise kernels; the bias gradient a
// product with a row of ones). Empty batches give zeros.
// REQUIRES: cuda
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-run --target=cuda %S/../CPU/gradients.mlir -e products --seed %seed --dynamic-sizes 37 --output-dir %t/products
// RUN: %reference %t/products 'arg0 @ arg1' 'arg0.T @ arg2' 'arg3.T @ arg1.T' 'arg2 @ arg1.T' --rtol 1e-5 | FileCheck %s --check-prefixes=CHECK,FOUR
// RUN: hypatia-run --target=cuda %S/../CPU/gradients.mlir -e products --seed %seed --dynamic-sizes 0 --output-dir %t/products_empty
// RUN: %reference %t/products_empty 'arg0 @ arg1' 'arg0.T @ arg2' 'arg3.T @ arg1.T' 'arg2 @ arg1.T' --rtol 0 | FileCheck %s --check-prefixes=CHECK,FOUR
// RUN: hypatia-run --target=cuda %S/../CPU/gradients.mlir -e activation_grads --seed %seed --dynamic-sizes 9 --output-dir %t/act
// RUN: %reference %t/act 'relu_grad(arg0, arg1)' 'gelu_grad(arg0, arg1)' 'gelu_grad(arg0, arg1, "tanh")' 'silu_grad(arg0, arg1)' --rtol 1e-6 | FileCheck %s --check-prefixes=CHECK,FOUR
// RUN: hypatia-run --target=cuda %S/../CPU/gradients.mlir -e bias_grad --seed %seed --dynamic-sizes 301 --output-dir %t/bias
// RUN: %reference %t/bias 'arg0.sum(axis=(0, 1))' --rtol 1e-5 | FileCheck %s
// RUN: hypatia-run --target=cuda %S/../CPU/gradients.mlir -e bias_grad --seed %seed --dynamic-sizes 0 --output-dir %t/bias_empty
// RUN: %reference %t/bias_empty 'arg0.sum(axis=(0, 1))' --rtol 0 | FileCheck %s
// RUN: hypatia-run --target=cuda %S/../CPU/gradients.mlir -e bf16_grads --seed %seed --dynamic-sizes 53 --output-dir %t/bf16
// RUN: %reference %t/bf16 'arg0.T @ arg1' 'arg0.sum(axis=0)' 'gelu_grad(arg0, arg2)' --rtol 1e-2 | FileCheck %s

// CHECK: result 0: relative error {{.*}} ok
// FOUR: result 3: relative error {{.*}} ok
// CHECK: PASS
