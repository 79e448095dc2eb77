// A model compiled at build time by hypatia-opt --hypatia-cuda-pipeline for
// the GPU tests: a bf16 MLP whose layers take every route of the CUDA path.
// - fused_linear_relu with bias: one cuBLASLt call, ReLU+bias in its epilogue;
// - fused_linear_silu: cuBLASLt GEMM+bias, then an NVVM kernel for SiLU;
// - linear without bias, then gelu (erf): a GEMM, then an NVVM kernel over
//   300 columns (two blocks of up to 256 threads per row).
func.func @mlp(%x: tensor<?x64xbf16>, %w1: tensor<96x64xbf16>, %b1: tensor<96xbf16>,
               %w2: tensor<48x96xbf16>, %b2: tensor<48xbf16>,
               %w3: tensor<300x48xbf16>) -> tensor<?x300xbf16>
    attributes {llvm.emit_c_interface} {
  %0 = hypatia.fused_linear_relu %x, %w1, %b1
      : (tensor<?x64xbf16>, tensor<96x64xbf16>, tensor<96xbf16>) -> tensor<?x96xbf16>
  %1 = hypatia.fused_linear_silu %0, %w2, %b2
      : (tensor<?x96xbf16>, tensor<48x96xbf16>, tensor<48xbf16>) -> tensor<?x48xbf16>
  %2 = hypatia.linear %1, %w3 : (tensor<?x48xbf16>, tensor<300x48xbf16>) -> tensor<?x300xbf16>
  %3 = hypatia.gelu %2 : tensor<?x300xbf16>
  return %3 : tensor<?x300xbf16>
}
