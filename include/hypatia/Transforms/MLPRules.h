//===- MLPRules.h - The rewrite rules of --fuse-mlp -------------*- C++ -*-===//

#ifndef HYPATIA_TRANSFORMS_MLPRULES_H
#define HYPATIA_TRANSFORMS_MLPRULES_H

#include "hypatia/Dialect/Hypatia/IR/Target.h"
#include "hypatia/EqSat/Rewrite.h"
#include "hypatia/Transforms/MLPLanguage.h"

namespace hypatia {

/// The rewrite rules of --fuse-mlp: activations into linear layers, and, where
/// `target` has a fused_mlp kernel, chains of layers into fused_mlp nodes
/// that fit it (the chain's weights and biases in shared memory, its widest
/// layer on chip, at most its layer count). `language` must outlive the
/// rules.
std::vector<eqsat::Rewrite> buildMLPRules(eqsat::SymbolTable &table,
                                          MLPLanguage &language,
                                          const TargetInfo &target);

} // namespace hypatia

#endif // HYPATIA_TRANSFORMS_MLPRULES_H
