//===- MLPCostModel.h - What extraction minimizes ---------------*- C++ -*-===//

#ifndef HYPATIA_TRANSFORMS_MLPCOSTMODEL_H
#define HYPATIA_TRANSFORMS_MLPCOSTMODEL_H

#include "hypatia/Dialect/Hypatia/IR/Target.h"
#include "hypatia/EqSat/Extract.h"
#include "hypatia/Transforms/MLPLanguage.h"

namespace hypatia {

/// A roofline over the target: each kernel costs
/// max(flops / peak, bytes / bandwidth) + launch, with dynamic batch
/// dimensions counted as `batchSize`. A layer whose activation the target's
/// GEMM library cannot apply in its epilogue costs what it will run as: the
/// GEMM (with its bias) and an elementwise kernel that reads and writes the
/// result once more. A fused_mlp is one kernel (its hidden activations never
/// go to memory). Leaves and no_bias cost nothing; dropout is free (it lowers
/// to nothing) but counts as an op, so that it never wins a tie against its
/// input.
class MLPCostModel : public eqsat::CostModel {
public:
  MLPCostModel(const MLPLanguage &language, TargetInfo target,
               int64_t batchSize)
      : language(language), target(std::move(target)), batchSize(batchSize) {}
  eqsat::Cost getNodeCost(const eqsat::EGraph &egraph,
                          eqsat::ENodeRef node) const override;

private:
  const MLPLanguage &language;
  TargetInfo target;
  int64_t batchSize;
};

} // namespace hypatia

#endif // HYPATIA_TRANSFORMS_MLPCOSTMODEL_H
