//===- MLPShapeAnalysis.h - Shapes of the MLP language's classes -*- C++
//-*-===//
//
// Per class, {element type code, dim0, dim1, ...} (ShapedType::kDynamic for
// `?`; empty for no_bias). Layers get their result shapes from the dialect
// (getLinearLayerResultShape), so the e-graph and the ops agree by
// construction.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_TRANSFORMS_MLPSHAPEANALYSIS_H
#define HYPATIA_TRANSFORMS_MLPSHAPEANALYSIS_H

#include "hypatia/Transforms/MLPLanguage.h"

namespace hypatia {

class MLPShapeAnalysis : public eqsat::Analysis {
public:
  /// `leaves[i]` holds the facts of the leaf with payload i; it may grow
  /// while the e-graph is built.
  MLPShapeAnalysis(const MLPLanguage &language,
                   const std::vector<eqsat::ClassData> &leaves)
      : language(language), leaves(leaves) {}
  eqsat::ClassData make(const eqsat::EGraph &egraph,
                        eqsat::ENodeRef node) override;
  bool merge(eqsat::ClassData &into, const eqsat::ClassData &from) override;

private:
  const MLPLanguage &language;
  const std::vector<eqsat::ClassData> &leaves;
};

} // namespace hypatia

#endif // HYPATIA_TRANSFORMS_MLPSHAPEANALYSIS_H
