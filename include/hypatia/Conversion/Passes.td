//===- Passes.td - Hypatia conversion passes ---------------*- tablegen -*-===//

#ifndef HYPATIA_CONVERSION_PASSES_TD
#define HYPATIA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def HypatiaToLinalg : Pass<"hypatia-to-linalg"> {
  let summary = "Lower hypatia ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Rewrites every hypatia op into linalg on tensors:

    - A linear layer (`linear`, `fused_linear_*`) becomes a `linalg.matmul`
      whose indexing maps read the weight transposed (`[N, K]`, as PyTorch
      stores it), accumulating in `f32`, followed by one `linalg.generic`
      epilogue that adds the bias, applies the activation and rounds to the
      result element type. Inputs with several batch dimensions are collapsed
      to `[M, K]` around the matmul and expanded back after it.
    - `fused_mlp` becomes its chain of layers.
    - `relu`, `gelu`, `silu` become elementwise `linalg.generic` ops evaluated
      in `f32`.
    - `dropout` is the identity at inference and disappears.

    With `compute-f32-in-f64`, f32 ops accumulate and evaluate in f64 and
    round once: the CPU pipeline uses it so that its results can serve as a
    reference (a K = 4096 dot product accumulated sequentially in f32 is off
    by about 1e-6 relative; in f64 the only error is the final rounding).

    Example:

    ```mlir
    %y = hypatia.fused_linear_relu %x, %w, %b
        : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<?x32xf32>
    ```

    becomes a `linalg.fill` of zeros, a `linalg.matmul` with indexing maps
    `(m, n, k) -> (m, k)`, `(m, n, k) -> (n, k)`, `(m, n, k) -> (m, n)`, and a
    `linalg.generic` computing `max(acc + bias, 0)`.
  }];
  let options = [
    Option<"computeF32InF64", "compute-f32-in-f64", "bool", /*default=*/"false",
           "Accumulate f32 matrix products and evaluate f32 epilogues and "
           "activations in f64, rounding once to f32 (the CPU reference path "
           "does; f16/bf16 always compute in f32)">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def LinalgToCublas : Pass<"linalg-to-cublas", "mlir::ModuleOp"> {
  let summary = "Turn linear layers (matmul and epilogue, on buffers) into "
                "cuBLASLt calls of Hypatia's runtime";
  let description = [{
    Runs after bufferization, on what hypatia-to-linalg made of a linear layer:
    a zero `linalg.fill` of an accumulator, a `linalg.matmul` whose indexing
    maps read the weight transposed, and the `linalg.generic` epilogue tagged
    with `hypatia.epilogue_activation` (and `hypatia.epilogue_bias`). They
    become one call of the runtime's `hypatia_linear_<dtype>[_nobias]`
    (`hypatiaLinear` on memref descriptors), with the bias and a ReLU or tanh
    GELU in cuBLASLt's epilogue; the accumulator disappears.

    cuBLASLt cannot apply erf-GELU or SiLU in its epilogue, and its tanh-GELU
    is an approximation (up to 2.5e-5 relative per element in f32, measured
    on an H100), fused for f16/bf16 only: for the others the call
    computes `x @ w^T + b`, rounded to the element type as PyTorch's unfused
    `F.linear` does, into a temporary buffer, and an elementwise
    `linalg.generic` (a GPU kernel, later) applies the activation.

    Matmuls of any other form are left alone.

    Example: `linalg.fill`, `linalg.matmul` and an epilogue tagged
    `#hypatia.activation<relu>` with a bias on `memref<?x32xbf16>` become

    ```mlir
    func.call @hypatia_linear_bf16(%x, %w, %b, %y, %c1_i32, %c0_i32)
        : (memref<?x?xbf16>, memref<?x?xbf16>, memref<?xbf16>, memref<?x?xbf16>, i32, i32) -> ()
    ```

    The last operand says whether f32 GEMMs may use TF32 tensor cores
    (`allow-tf32`; off by default, as in PyTorch: TF32 keeps 10 mantissa
    bits of the inputs, about 1e-3 relative error).
  }];
  let options = [
    Option<"allowTF32", "allow-tf32", "bool", /*default=*/"false",
           "Let f32 GEMMs round their inputs to TF32 on tensor cores">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::func::FuncDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::memref::MemRefDialect",
  ];
}

def HostBuffersToDevice : Pass<"host-buffers-to-device", "mlir::ModuleOp"> {
  let summary = "Allocate, free and copy the buffers of host functions on the "
                "GPU";
  let description = [{
    On the CUDA path every buffer a host function allocates is read and
    written only on the GPU (by cuBLASLt calls and outlined kernels), so
    `memref.alloc`, `memref.dealloc` and `memref.copy` outside `gpu.module`s
    become `gpu.alloc`, `gpu.dealloc` and `gpu.memcpy`. Hypatia's runtime
    implements those stream-ordered on the caller's stream.

    Example:

    ```mlir
    %t = memref.alloc(%m) : memref<?x16xbf16>
    ```

    becomes (the asynchronous form, which gpu-to-llvm lowers)

    ```mlir
    %0 = gpu.wait async
    %t, %1 = gpu.alloc async [%0] (%m) : memref<?x16xbf16>
    gpu.wait [%1]
    ```
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

#endif // HYPATIA_CONVERSION_PASSES_TD
