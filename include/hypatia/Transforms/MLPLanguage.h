//===- MLPLanguage.h - Hypatia ops as an e-graph language -------*- C++ -*-===//
//
// How hypatia ops appear in the e-graph: one operator per op (and per
// activation of a fused op), a shape analysis, the fusion rules, and the
// roofline cost model that extraction minimizes.
//
// Operators and children:
//   leaf                       payload: index of an opaque value
//   no_bias                    the missing bias of a layer
//   linear, fused_linear_relu, fused_linear_gelu, fused_linear_gelu_tanh,
//   fused_linear_silu          (input, weight, bias | no_bias)
//   relu, gelu, gelu_tanh, silu (input)
//   dropout                    (input); payload: the probability's bits
//   fused_mlp                  (input, w1, b1, ..., wL, bL); payload: the
//                              activations, 4 bits per layer (L <= 16)
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_TRANSFORMS_MLPLANGUAGE_H
#define HYPATIA_TRANSFORMS_MLPLANGUAGE_H

#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"
#include "hypatia/EqSat/Extract.h"
#include "hypatia/EqSat/Rewrite.h"

namespace hypatia {

/// Most layers one fused_mlp e-node can describe (4 payload bits each).
constexpr unsigned kMaxFusedMLPLayers = 16;

struct MLPSymbols {
  explicit MLPSymbols(eqsat::SymbolTable &symbols);

  /// The activation of a layer operator (`linear` is `none`), if `op` is one.
  std::optional<Activation> getLayerActivation(eqsat::Symbol op) const;
  eqsat::Symbol getLayerSymbol(Activation activation) const;
  /// The activation of an elementwise operator, if `op` is one.
  std::optional<Activation> getElementwiseActivation(eqsat::Symbol op) const;
  eqsat::Symbol getElementwiseSymbol(Activation activation) const;

  eqsat::Symbol leaf, noBias, linear, fusedLinearRelu, fusedLinearGelu,
      fusedLinearGeluTanh, fusedLinearSilu, relu, gelu, geluTanh, silu, dropout,
      fusedMLP;
};

/// Encodes per-layer activations into a fused_mlp payload and back.
uint64_t encodeActivations(llvm::ArrayRef<Activation> activations);
llvm::SmallVector<Activation> decodeActivations(uint64_t payload,
                                                unsigned numLayers);

/// Shape facts per class: {element type code, dim0, dim1, ...}, with
/// ShapedType::kDynamic for `?`. Empty for no_bias.
enum class ElementTypeCode : int64_t { F32 = 0, F16 = 1, BF16 = 2 };

class ShapeAnalysis : public eqsat::Analysis {
public:
  /// `leaves[i]` holds the facts of the leaf with payload i; it may grow
  /// while the e-graph is built.
  ShapeAnalysis(const MLPSymbols &symbols,
                const std::vector<eqsat::ClassData> &leaves)
      : symbols(symbols), leaves(leaves) {}
  eqsat::ClassData make(const eqsat::EGraph &egraph,
                        const eqsat::ENode &node) override;
  bool merge(eqsat::ClassData &into, const eqsat::ClassData &from) override;

private:
  const MLPSymbols &symbols;
  const std::vector<eqsat::ClassData> &leaves;
};

/// What one fused_mlp kernel can hold: all of the chain's weights and biases
/// in shared memory, and a tile of activations as wide as its widest layer.
struct FusionLimits {
  int64_t fusedMLPMaxWidth = 256;
  unsigned fusedMLPMaxLayers = 16;
  int64_t fusedMLPMaxWeightBytes = 160 * 1024;
};

/// The rewrite rules of --fuse-mlp.
std::vector<eqsat::Rewrite> buildMLPRules(eqsat::SymbolTable &table,
                                          const MLPSymbols &symbols,
                                          const FusionLimits &limits);

/// A target's roofline figures.
struct TargetDescription {
  double peakFlopsF32 = 51.7e12;
  double peakFlopsF16 = 705e12;
  double peakFlopsBF16 = 705e12;
  double bytesPerSecond = 3.01e12;
  double launchSeconds = 9.8e-6;
  /// The size assumed for dynamic batch dimensions.
  int64_t batchSize = 1024;
};

/// Each kernel costs max(flops / peak, bytes / bandwidth) + launch. Leaves
/// and no_bias cost nothing; dropout is free (it lowers to nothing) but
/// counts as an op, so that it never wins a tie against its input.
class RooflineCostModel : public eqsat::CostModel {
public:
  RooflineCostModel(const MLPSymbols &symbols, TargetDescription target)
      : symbols(symbols), target(target) {}
  eqsat::Cost getNodeCost(const eqsat::EGraph &egraph,
                          const eqsat::ENode &node) const override;

private:
  const MLPSymbols &symbols;
  TargetDescription target;
};

} // namespace hypatia

#endif // HYPATIA_TRANSFORMS_MLPLANGUAGE_H
