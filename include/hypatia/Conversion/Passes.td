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

def HypatiaToLibraryCalls : Pass<"hypatia-to-library-calls"> {
  let summary = "Turn linear layers into calls of the target's GEMM library, "
                "on tensors";
  let description = [{
    Each linear layer (`linear`, `fused_linear_*`, and each layer of a
    `fused_mlp`, which has no kernel of its own on this path) becomes one
    `hypatia.library_linear` on `[M, K]` (batch dimensions collapsed around
    it) into a `tensor.empty`, with the bias and the activation in the
    library's epilogue where the enclosing `#hypatia.target` says its GEMM
    library applies it (cuBLASLt: ReLU; tanh-GELU in f16/bf16). Any other
    activation follows as the elementwise hypatia op, computed from the
    GEMM's result rounded to the element type, as PyTorch's unfused
    `F.linear` then activation does; `hypatia-to-linalg` makes it a kernel.

    Example (CUDA target, f32): `hypatia.fused_linear_silu %x, %w, %b` becomes

    ```mlir
    %e = tensor.empty(%m) : tensor<?x32xf32>
    %y = hypatia.library_linear %x, %w, %b into %e {epilogue = #hypatia.activation<none>}
        : tensor<?x64xf32>, tensor<32x64xf32>, tensor<32xf32> into tensor<?x32xf32> -> tensor<?x32xf32>
    %z = hypatia.silu %y : tensor<?x32xf32>
    ```
  }];
  let options = [
    Option<"allowTF32", "allow-tf32", "bool", /*default=*/"false",
           "Let f32 GEMMs round their inputs to TF32 on tensor cores (about "
           "1e-3 relative error; off as in PyTorch)">,
  ];
  let dependentDialects = [
    "::hypatia::HypatiaDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def LowerLibraryCalls : Pass<"hypatia-lower-library-calls", "mlir::ModuleOp"> {
  let summary = "Turn library calls on buffers into calls of Hypatia's runtime";
  let description = [{
    Runs after bufferization: each `hypatia.library_linear` on buffers becomes
    a call of the runtime's `hypatia_linear_<dtype>[_nobias]`
    (`hypatiaLinear` on memref descriptors: one cuBLASLt GEMM with the bias
    and the epilogue activation fused), passing the activation's code from
    `Vocabulary.h` and whether TF32 is allowed. A call still on tensors, or
    on a buffer that is not dense and row-major, is an error.

    Example:

    ```mlir
    hypatia.library_linear %x, %w, %b into %y {epilogue = #hypatia.activation<relu>}
        : memref<?x64xbf16>, memref<32x64xbf16>, memref<32xbf16> into memref<?x32xbf16>
    ```

    becomes

    ```mlir
    func.call @hypatia_linear_bf16(%x, %w, %b, %y, %c1_i32, %c0_i32)
        : (memref<?x?xbf16>, memref<?x?xbf16>, memref<?xbf16>, memref<?x?xbf16>, i32, i32) -> ()
    ```
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::func::FuncDialect",
    "mlir::memref::MemRefDialect",
  ];
}

def MLPKernelToGPU : Pass<"hypatia-mlp-kernel-to-gpu", "mlir::func::FuncOp"> {
  let summary = "hypatia.mlp_kernel on device buffers as one tensor-core "
                "kernel for the whole MLP";
  let description = [{
    Each `hypatia.mlp_kernel` on buffers becomes one `gpu.launch`, a
    persistent grid of at most one block per multiprocessor (the target's
    `multiprocessors`). A block stages every layer's weights and its biases
    (in f32) in dynamic shared memory once, its loads in batches of 32
    registers per thread in flight together; then its warps stride over row
    tiles and carry them through all layers in registers: the activation in
    f32 and rounding of pairs by one `cvt.rn` (ReLU is the `.relu` of that
    instruction); one layer's accumulators (f32, starting at the bias) are
    the next layer's A fragments without leaving registers. Only the input
    and the result touch global memory. Rows past the batch are read clamped
    to the last row and never stored. The products take one of two forms:

    - warpgroup MMA, where every chip of the target is `sm_90a`, the input is
      read in vectors or staged (below) and the chain does at least 0.9x the target's ridge
      (peak FLOPs over bandwidth) per byte of input and result: blocks of
      four warpgroups (two where a layer is wider than 64), each carrying 64
      rows; weights staged as K-major core matrices (8 rows x 8 elements,
      128 contiguous bytes; no swizzling), ordered for the async proxy by
      `fence.proxy.async`; per layer one inline PTX block loads the bias
      pairs into the accumulators, issues `wgmma.mma_async` m64nNk16 per
      16-column k-tile (A: the activations in registers; B: a shared-memory
      descriptor) and waits for them; the next tile's input (16 registers'
      worth) is loaded while a tile computes.
    - `nvvm.mma.sync` m16n8k16 elsewhere: blocks of 8 warps, each striding
      over warp tiles of 16, 32 or 64 rows (1, 2 or 4 m-tiles, as many as
      keep the widest layer's accumulators within 64 registers); weights
      (rows padded by 16 bytes) read by `nvgpu.ldmatrix` (x4: two n-tiles of
      a k-tile); the input of the tile one or two strides ahead (about 32
      registers' worth) loaded while a tile computes.

    Every width is computed padded to a multiple of 16 (zeros in the staged
    weights and biases; input columns past the width read as zero, result
    columns past it not written), so first and last layers of any width
    (`3 -> 64`, `64 -> 1`) take the same path. A thread reads 4 or 8
    contiguous columns of an input row at once (8 or 16 bytes) and writes 4
    or 8 of a result row: the first layer's input columns and the last
    layer's output columns are permuted in the staged weights to make the
    columns of a thread's fragments contiguous (a layer's sum over k does not
    depend on its order). Rows whose width holds no whole vector (`63`,
    `17`, `3`) are staged through shared memory instead: each warp copies
    its tiles' input rows, one contiguous span, by `cp.async` in 16-byte
    pieces (zero-filled past the batch; the next tiles' copies in flight
    while these compute) and its lanes read their elements from there;
    results go to shared memory and out in 16-byte pieces. The host launches
    that kernel where the input's and result's rows start at multiples of
    those vectors (staged: are contiguous and start at a multiple of 16
    bytes), else a copy of it that moves elements (PyTorch views may start
    at any element).

    Example: the narrow MLP `64 -> 64 x 8 -> 16` in bf16 stages 78 KiB per
    block; built for sm_90a it runs 36 `wgmma` m64n64k16 and m64n16k16 per
    64 rows, for other chips 528 `mma.sync` and 132 `ldmatrix` per 32 rows.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::gpu::GPUDialect",
    "mlir::LLVM::LLVMDialect",
    "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect",
    "mlir::nvgpu::NVGPUDialect",
    "mlir::NVVM::NVVMDialect",
    "mlir::scf::SCFDialect",
    "mlir::vector::VectorDialect",
  ];
}

def ElementwiseToGPU : Pass<"hypatia-elementwise-to-gpu", "mlir::func::FuncOp"> {
  let summary = "Elementwise linalg.generic ops on device buffers as "
                "bandwidth-bound GPU kernels";
  let description = [{
    Each elementwise `linalg.generic` on dense buffers of one shape
    (identity indexing maps, all loops parallel) becomes a `gpu.launch` over
    the flattened buffers: one thread per 16-byte vector of the widest
    operand (4 f32 or 8 bf16/f16 elements; a conversion from f32 to bf16
    reads 16 bytes and writes 8), `vector.load`/`store` aligned to each
    buffer's vector, 256 threads per block, as many blocks as vectors need,
    and the elements past the last whole vector one per thread. When a buffer
    is not aligned to its vectors (a view with an offset), every element goes
    one per thread. Whatever else is left to the generic loop mapping.

    Example: a SiLU over `memref<?x3072xbf16>` becomes one launch of
    `ceil(n * 3072 / 8 / 256)` blocks, each thread loading and storing one
    `vector<8xbf16>`.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::gpu::GPUDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
    "mlir::vector::VectorDialect",
  ];
}

def GpuModuleToFatbin : Pass<"hypatia-gpu-module-to-fatbin", "mlir::ModuleOp"> {
  let summary = "Compile each gpu.module for every chip of the target into one "
                "fatbin";
  let description = [{
    Replaces each `gpu.module` (already in the NVVM dialect) with a
    `gpu.binary` holding one fatbin: a cubin for every chip the enclosing
    `#hypatia.target` lists (by default sm_80, sm_86, sm_89 and sm_90) and
    the PTX of the newest, which the driver compiles for chips newer than
    all of them. The CUDA driver picks the image for the device at load
    time. ptxas and fatbinary come from the CUDA toolkit Hypatia was built
    with.
  }];
  let dependentDialects = [
    "mlir::gpu::GPUDialect",
    "mlir::NVVM::NVVMDialect",
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
    implements those stream-ordered on the caller's stream. Buffers of
    `index` stay on the host: they hold the shapes `memref.reshape` reads
    there.

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
