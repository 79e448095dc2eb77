//===- MLPShapeAnalysis.cpp - Shapes of the MLP language's classes --------===//

#include "hypatia/Transforms/MLPShapeAnalysis.h"

using namespace hypatia;
using namespace hypatia::eqsat;

/// The facts of a layer's output: the input's element type, then the shape
/// the dialect gives a layer of this input and weight.
static ClassData getLayerOutput(const ClassData &input,
                                const ClassData &weight) {
  ClassData facts = {input.front()};
  llvm::append_range(
      facts, getLinearLayerResultShape(llvm::ArrayRef(input).drop_front(),
                                       llvm::ArrayRef(weight).drop_front()));
  return facts;
}

ClassData MLPShapeAnalysis::make(const EGraph &egraph, ENodeRef node) {
  const MLPSymbols &symbols = language.symbols;
  auto facts = [&](unsigned child) -> const ClassData & {
    return egraph.getData(node.children[child]);
  };
  if (node.op == symbols.leaf)
    return leaves[node.payload];
  if (node.op == symbols.noBias)
    return {};
  if (symbols.getLayerActivation(node.op) || node.op == symbols.gatedLinear)
    return getLayerOutput(facts(0), facts(1));
  if (node.op == symbols.fusedMLP) {
    ClassData output = facts(0);
    for (unsigned i = 1; i + 1 < node.children.size(); i += 2)
      output = getLayerOutput(output, facts(i));
    return output;
  }
  // Elementwise ops and dropout keep their input's shape.
  return facts(0);
}

bool MLPShapeAnalysis::merge(ClassData &into, const ClassData &from) {
  if (into.empty()) {
    into = from;
    return true;
  }
  return from.empty() || into == from;
}
