// The ops of a backward pass on the CPU against float64 on fresh random
// inputs: the products (oneDNN matmuls reading either operand transposed in
// place; loop nests accumulating in f64 under --reference), the activation
// gradients (checked against central differences of the activations, not
// against closed forms) and the bias gradient (a product with a row of ones
// through oneDNN, a reduction under --reference). Empty batches give zeros.
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-run %s -e products --seed %seed --dynamic-sizes 37 --output-dir %t/products
// RUN: %reference %t/products 'arg0 @ arg1' 'arg0.T @ arg2' 'arg3.T @ arg1.T' 'arg2 @ arg1.T' --rtol 1e-5 | FileCheck %s --check-prefixes=CHECK,FOUR
// RUN: hypatia-run %s -e products --seed %seed --dynamic-sizes 37 --reference --output-dir %t/products_ref
// RUN: %reference %t/products_ref 'arg0 @ arg1' 'arg0.T @ arg2' 'arg3.T @ arg1.T' 'arg2 @ arg1.T' --rtol 1e-7 | FileCheck %s --check-prefixes=CHECK,FOUR
// RUN: hypatia-run %s -e products --seed %seed --dynamic-sizes 0 --output-dir %t/products_empty
// RUN: %reference %t/products_empty 'arg0 @ arg1' 'arg0.T @ arg2' 'arg3.T @ arg1.T' 'arg2 @ arg1.T' --rtol 0 | FileCheck %s --check-prefixes=CHECK,FOUR
// RUN: hypatia-run %s -e activation_grads --seed %seed --dynamic-sizes 9 --output-dir %t/act
// RUN: %reference %t/act 'relu_grad(arg0, arg1)' 'gelu_grad(arg0, arg1)' 'gelu_grad(arg0, arg1, "tanh")' 'silu_grad(arg0, arg1)' --rtol 1e-6 | FileCheck %s --check-prefixes=CHECK,FOUR
// RUN: hypatia-run %s -e activation_grads --seed %seed --dynamic-sizes 9 --reference --output-dir %t/act_ref
// RUN: %reference %t/act_ref 'relu_grad(arg0, arg1)' 'gelu_grad(arg0, arg1)' 'gelu_grad(arg0, arg1, "tanh")' 'silu_grad(arg0, arg1)' --rtol 1e-7 | FileCheck %s --check-prefixes=CHECK,FOUR
// RUN: hypatia-run %s -e bias_grad --seed %seed --dynamic-sizes 301 --output-dir %t/bias
// RUN: %reference %t/bias 'arg0.sum(axis=(0, 1))' --rtol 1e-5 | FileCheck %s
// RUN: hypatia-run %s -e bias_grad --seed %seed --dynamic-sizes 301 --reference --output-dir %t/bias_ref
// RUN: %reference %t/bias_ref 'arg0.sum(axis=(0, 1))' --rtol 1e-7 | FileCheck %s
// RUN: hypatia-run %s -e bias_grad --seed %seed --dynamic-sizes 0 --output-dir %t/bias_empty
// RUN: %reference %t/bias_empty 'arg0.sum(axis=(0, 1))' --rtol 0 | FileCheck %s
// RUN: hypatia-run %s -e bf16_grads --seed %seed --dynamic-sizes 53 --output-dir %t/bf16
// RUN: %reference %t/bf16 'arg0.T @ arg1' 'arg0.sum(axis=0)' 'gelu_grad(arg0, arg2)' --rtol 1e-2 | FileCheck %s
// The products are library calls, reading their operands transposed:
// RUN: hypatia-opt %s --hypatia-attach-target=kind=cpu --hypatia-to-library-calls | FileCheck %s --check-prefix=CALLS

// CHECK: result 0: relative error {{.*}} ok
// FOUR: result 3: relative error {{.*}} ok
// CHECK: PASS

// CALLS-LABEL: func.func @products
// CALLS: hypatia.library_linear {{.*}} {epilogue = #hypatia.activation<none>, weight_transposed}
// CALLS: hypatia.library_linear {{.*}} {epilogue = #hypatia.activation<none>, input_transposed, weight_transposed}
// CALLS: hypatia.library_linear {{.*}} {epilogue = #hypatia.activation<none>, input_transposed}
// CALLS: hypatia.library_linear {{.*}} {epilogue = #hypatia.activation<none>}
// CALLS-LABEL: func.func @bias_grad
// CALLS: linalg.fill
// CALLS: hypatia.library_linear {{.*}} {epilogue = #hypatia.activation<none>, weight_transposed} : tensor<1x?xf32>, tensor<?x33xf32> into tensor<1x33xf32>

// dx = dy @ w; dw = dy^T @ x; a^T @ w^T; x @ w^T.
func.func @products(%dy: tensor<?x24xf32>, %w: tensor<24x40xf32>, %x: tensor<?x40xf32>, %a: tensor<40x?xf32>)
    -> (tensor<?x40xf32>, tensor<24x40xf32>, tensor<?x24xf32>, tensor<?x24xf32>) {
  %dx = hypatia.matmul %dy, %w : tensor<?x24xf32>, tensor<24x40xf32> -> tensor<?x40xf32>
  %dw = hypatia.matmul %dy, %x {transpose_lhs} : tensor<?x24xf32>, tensor<?x40xf32> -> tensor<24x40xf32>
  %both = hypatia.matmul %a, %w {transpose_lhs, transpose_rhs} : tensor<40x?xf32>, tensor<24x40xf32> -> tensor<?x24xf32>
  %xwt = hypatia.matmul %x, %w {transpose_rhs} : tensor<?x40xf32>, tensor<24x40xf32> -> tensor<?x24xf32>
  return %dx, %dw, %both, %xwt : tensor<?x40xf32>, tensor<24x40xf32>, tensor<?x24xf32>, tensor<?x24xf32>
}

func.func @activation_grads(%g: tensor<?x7x33xf32>, %x: tensor<?x7x33xf32>)
    -> (tensor<?x7x33xf32>, tensor<?x7x33xf32>, tensor<?x7x33xf32>, tensor<?x7x33xf32>) {
  %relu = hypatia.activation_grad %g, %x {activation = #hypatia.activation<relu>} : tensor<?x7x33xf32>
  %erf = hypatia.activation_grad %g, %x {activation = #hypatia.activation<gelu_erf>} : tensor<?x7x33xf32>
  %tanh = hypatia.activation_grad %g, %x {activation = #hypatia.activation<gelu_tanh>} : tensor<?x7x33xf32>
  %silu = hypatia.activation_grad %g, %x {activation = #hypatia.activation<silu>} : tensor<?x7x33xf32>
  return %relu, %erf, %tanh, %silu : tensor<?x7x33xf32>, tensor<?x7x33xf32>, tensor<?x7x33xf32>, tensor<?x7x33xf32>
}

func.func @bias_grad(%dy: tensor<?x3x33xf32>) -> tensor<33xf32> {
  %db = hypatia.sum_rows %dy : tensor<?x3x33xf32> -> tensor<33xf32>
  return %db : tensor<33xf32>
}

func.func @bf16_grads(%dy: tensor<?x96xbf16>, %x: tensor<?x80xbf16>, %h: tensor<?x96xbf16>)
    -> (tensor<96x80xbf16>, tensor<96xbf16>, tensor<?x96xbf16>) {
  %dw = hypatia.matmul %dy, %x {transpose_lhs} : tensor<?x96xbf16>, tensor<?x80xbf16> -> tensor<96x80xbf16>
  %db = hypatia.sum_rows %dy : tensor<?x96xbf16> -> tensor<96xbf16>
  %dh = hypatia.activation_grad %dy, %h {activation = #hypatia.activation<gelu_erf>} : tensor<?x96xbf16>
  return %dw, %db, %dh : tensor<96x80xbf16>, tensor<96xbf16>, tensor<?x96xbf16>
}
