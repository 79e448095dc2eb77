//===- Target.h - The one description of a compilation target --*- C++ -*-===//
//
// TargetInfo is what #hypatia.target says, with the kind's defaults filled
// in: the chips to build for, the roofline figures the cost model uses, what
// the GEMM library applies in its epilogue, and the limits of generated
// kernels. The defaults live in Target.cpp and nowhere else.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_DIALECT_HYPATIA_IR_TARGET_H
#define HYPATIA_DIALECT_HYPATIA_IR_TARGET_H

#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"

#include <string>

namespace hypatia {

/// The name of the module attribute that holds a #hypatia.target.
constexpr llvm::StringLiteral kTargetAttrName = "hypatia.target";

struct TargetInfo {
  TargetKind kind = TargetKind::cuda;
  /// CUDA chips (`sm_80`, ...) to build device code for, oldest first; PTX of
  /// the last is embedded too, for chips newer than all of them. `sm_90a` is
  /// Hopper's arch-specific target: its code runs on compute capability 9.0
  /// only, and may use warpgroup MMA (wgmma).
  llvm::SmallVector<std::string> chips;

  /// GEMM throughput per element type and memory bandwidth (read plus
  /// written), in TFLOP/s and TB/s, and the cost of one kernel launch in
  /// microseconds.
  double peakF32Tflops = 0, peakF16Tflops = 0, peakBF16Tflops = 0;
  double bandwidthTBps = 0;
  double launchUs = 0;
  /// Streaming multiprocessors: a persistent kernel (one block per
  /// multiprocessor that strides over the work) launches this many blocks.
  int64_t multiprocessors = 0;

  /// What one generated fused_mlp kernel holds: layers up to this width (0:
  /// the target has no fused_mlp kernel), this many layers, this many KiB of
  /// shared memory for weights and biases (getFusedMLPLayerSharedBytes).
  int64_t fusedMLPMaxWidth = 0;
  int64_t fusedMLPMaxLayers = 0;
  int64_t fusedMLPMaxWeightKiB = 0;
  /// The tensor-core throughput the generated fused_mlp kernel reaches
  /// (f16/bf16; mma.sync, or wgmma where hasWarpgroupMMA), in TFLOP/s: what
  /// the cost model charges for its FLOPs instead of the GEMM library's peak
  /// (0: a fused_mlp runs as its chain of GEMMs, at their peak).
  double fusedMLPTflops = 0;
  /// The least time one generated fused_mlp kernel takes, however few its
  /// rows, in microseconds (launch not included): a block stages all the
  /// weights and runs the whole fully unrolled kernel, fetching its code,
  /// once. Below it, a chain of library GEMMs can be faster.
  double fusedMLPMinUs = 0;

  /// The defaults of a kind (CUDA: the H200 measured in ANCHORS.md).
  static TargetInfo getDefault(TargetKind kind);
  /// `attr`'s kind defaults with its overrides applied.
  static TargetInfo get(TargetAttr attr);
  /// The target of the nearest enclosing op (`op` included) that has a
  /// hypatia.target attribute, else the CUDA defaults.
  static TargetInfo getFor(mlir::Operation *op);
  /// Whether the figure `name` of a #hypatia.target is an integer (a limit)
  /// rather than a real number (a rate or a time); std::nullopt where there
  /// is no such figure.
  static std::optional<bool> isIntegerFigure(llvm::StringRef name);

  /// Builds for `names`, with what follows from them: the shared memory a
  /// fused_mlp kernel may take and the tensor-core throughput it reaches.
  void setChips(llvm::ArrayRef<std::string> names);
  /// Whether every chip built for runs warpgroup MMA (all are `sm_90a`): the
  /// generated fused_mlp kernel then issues wgmma instead of mma.sync.
  bool hasWarpgroupMMA() const;

  /// GEMM throughput in FLOP/s for `type`.
  double getPeakFlops(ElementType type) const;
  double getBytesPerSecond() const { return bandwidthTBps * 1e12; }
  double getLaunchSeconds() const { return launchUs * 1e-6; }

  /// Whether the target's GEMM library applies `activation` (and a bias) in
  /// its epilogue for `type`, at the accuracy the dialect promises. On CUDA,
  /// cuBLASLt: ReLU always; tanh-GELU for f16/bf16 only (in f32 its GELU is
  /// off by up to 2.5e-5 relative, measured on an H100); never erf-GELU or
  /// SiLU. On the CPU the lowering evaluates every epilogue in the GEMM's
  /// loop nest.
  bool gemmFusesActivation(ElementType type, Activation activation) const;
  /// Whether linear layers of `type` are calls of the target's GEMM library:
  /// on CUDA cuBLASLt, always; on the CPU oneDNN's matmul, for f32 and bf16
  /// (Debian's oneDNN 2.6 has no f16 matmul on the CPU: f16 layers are loop
  /// nests).
  bool hasGemmLibrary(ElementType type) const;

  /// The width a generated fused_mlp kernel computes a layer of `features`
  /// at: the next multiple of 16 (the k of mma.sync m16n8k16, and two of its
  /// 8-column n-tiles). The padding is zeros in shared memory and registers,
  /// never in the input or result, and its FLOPs are spent.
  static int64_t getFusedMLPPaddedWidth(int64_t features) {
    return (features + 15) / 16 * 16;
  }
  /// The KiB of shared memory for weights and biases a fused_mlp kernel may
  /// take on every one of `chips`: the default fusedMLPMaxWeightKiB (a
  /// target's chips set it, its overrides may lower it).
  static int64_t getFusedMLPWeightBudgetKiB(llvm::ArrayRef<std::string> chips);
  /// The shared memory a generated fused_mlp kernel stages one layer's weight
  /// [out, in] and bias in, at padded widths: each weight row padded by 8
  /// more elements (16 bytes), so that the 8 rows one ldmatrix reads fall in
  /// distinct banks; the bias in f32 (it initialises the accumulators).
  static int64_t getFusedMLPLayerSharedBytes(int64_t outFeatures,
                                             int64_t inFeatures, bool hasBias,
                                             int64_t elementBytes);
  /// Whether a generated fused_mlp kernel computes a layer of weight
  /// [out, in] in `type`: f16 or bf16 (tensor cores; f32 would need TF32),
  /// both sizes positive and, padded, at most fusedMLPMaxWidth.
  bool fusedMLPLayerFits(ElementType type, int64_t outFeatures,
                         int64_t inFeatures) const;
  /// Whether one generated fused_mlp kernel computes the whole chain of
  /// `widths` (the input's features, then each layer's), within the layer,
  /// layer count and shared memory limits.
  bool fusedMLPKernelFits(ElementType type, llvm::ArrayRef<int64_t> widths,
                          bool hasBias) const;
};

/// The hypatia.target attribute of the nearest enclosing op, if any.
TargetAttr findTargetAttr(mlir::Operation *op);

} // namespace hypatia

#endif // HYPATIA_DIALECT_HYPATIA_IR_TARGET_H
