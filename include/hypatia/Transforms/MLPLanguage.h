//===- MLPLanguage.h - Hypatia ops as an e-graph language -------*- C++ -*-===//
//
// How hypatia ops appear in the e-graph: one operator per op (and per
// activation of a fused op), and the typed attributes e-nodes carry.
//
// Operators and children:
//   leaf                       payload: index of an opaque value
//   no_bias                    the missing bias of a layer
//   linear, fused_linear_relu, fused_linear_gelu, fused_linear_gelu_tanh,
//   fused_linear_silu          (input, weight, bias | no_bias)
//   relu, gelu, gelu_tanh, silu (input)
//   mul                        (lhs, rhs)
//   gated_linear               (input, gate weight, gate bias | no_bias,
//                              up weight, up bias | no_bias); payload: the
//                              gate's activation
//   dropout                    (input); payload: the probability's bits
//   fused_mlp                  (input, w1, b1, ..., wL, bL); payload: the
//                              layers' activations, interned in
//                              ActivationLists
//
// Per class, the shape analysis (MLPShapeAnalysis.h) keeps the facts
// {element type code, dim0, dim1, ...}, ShapedType::kDynamic for `?`.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_TRANSFORMS_MLPLANGUAGE_H
#define HYPATIA_TRANSFORMS_MLPLANGUAGE_H

#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"
#include "hypatia/EqSat/EGraph.h"

#include <map>

namespace hypatia {

/// The operators of the language, interned in one e-graph's symbol table.
struct MLPSymbols {
  explicit MLPSymbols(eqsat::SymbolTable &symbols);

  /// The activation of a layer operator (`linear` is `none`), if `op` is one.
  std::optional<Activation> getLayerActivation(eqsat::Symbol op) const;
  eqsat::Symbol getLayerSymbol(Activation activation) const;
  /// The activation of an elementwise operator, if `op` is one.
  std::optional<Activation> getElementwiseActivation(eqsat::Symbol op) const;
  eqsat::Symbol getElementwiseSymbol(Activation activation) const;

  eqsat::Symbol leaf, noBias, linear, fusedLinearRelu, fusedLinearGelu,
      fusedLinearGeluTanh, fusedLinearSilu, relu, gelu, geluTanh, silu, mul,
      dropout, fusedMLP, gatedLinear;
};

/// The per-layer activations of fused_mlp e-nodes, interned: a node's payload
/// is the id of its list, so equal chains hash and compare equal. Ids follow
/// first use, which keeps the pass deterministic.
class ActivationLists {
public:
  uint64_t intern(llvm::ArrayRef<Activation> activations);
  llvm::ArrayRef<Activation> get(uint64_t id) const { return lists[id]; }

private:
  std::vector<std::vector<Activation>> lists;
  std::map<std::vector<Activation>, uint64_t> ids;
};

/// What the rules, the analysis, the cost model and the pass share about one
/// e-graph's language.
struct MLPLanguage {
  explicit MLPLanguage(eqsat::SymbolTable &table) : symbols(table) {}

  /// The number of layers of a layer or fused_mlp node (input, then a weight
  /// and a bias per layer).
  static unsigned getNumLayers(eqsat::ENodeRef node) {
    return (node.children.size() - 1) / 2;
  }

  MLPSymbols symbols;
  ActivationLists activationLists;
};

/// The element type in a class's facts.
inline ElementType getFactsElementType(const eqsat::ClassData &facts) {
  return static_cast<ElementType>(facts[0]);
}

} // namespace hypatia

#endif // HYPATIA_TRANSFORMS_MLPLANGUAGE_H
