//===- MLPCostModel.cpp - What extraction minimizes -----------------------===//

#include "hypatia/Transforms/MLPCostModel.h"

#include <algorithm>

using namespace hypatia;
using namespace hypatia::eqsat;
using mlir::ShapedType;

Cost MLPCostModel::getNodeCost(const EGraph &egraph, ENodeRef node) const {
  const MLPSymbols &symbols = language.symbols;
  if (node.op == symbols.leaf || node.op == symbols.noBias)
    return {0, 0};
  if (node.op == symbols.dropout)
    return {0, 1};

  const ClassData &input = egraph.getData(node.children[0]);
  ElementType type = getFactsElementType(input);
  double elementBytes = getElementSize(type);
  // Rows: the product of the batch dimensions.
  double rows = 1;
  for (int64_t dim : llvm::ArrayRef<int64_t>(input).drop_front().drop_back())
    rows *= ShapedType::isDynamic(dim) ? batchSize : dim;
  double inFeatures = input.back();

  // The generated fused_mlp kernel has its own measured throughput; GEMMs
  // run at the library's peak.
  double flopsPerSecond =
      node.op == symbols.fusedMLP && target.fusedMLPTflops > 0
          ? target.fusedMLPTflops * 1e12
          : target.getPeakFlops(type);
  // A fused_mlp kernel takes at least its fixed time (staging the weights,
  // fetching its code), however few its rows.
  double minimumSeconds =
      node.op == symbols.fusedMLP ? target.fusedMLPMinUs * 1e-6 : 0;
  auto kernel = [&](double flops, double bytes) -> Cost {
    double seconds =
        std::max({flops / flopsPerSecond, bytes / target.getBytesPerSecond(),
                  minimumSeconds});
    return {seconds + target.getLaunchSeconds(), 1};
  };
  auto elementwise = [&](double features) {
    return kernel(0, 2 * rows * features * elementBytes);
  };

  if (symbols.getElementwiseActivation(node.op))
    return elementwise(inFeatures);
  // Two tensors read, one written.
  if (node.op == symbols.mul)
    return kernel(0, 3 * rows * inFeatures * elementBytes);

  // Gate and up as one GEMM into [rows, 2N], then one pass reading both
  // halves and writing the product (the activation cannot be the GEMM's
  // epilogue: it applies to one half only).
  if (node.op == symbols.gatedLinear) {
    const ClassData &weight = egraph.getData(node.children[1]);
    double outFeatures = 2.0 * weight[1];
    double bytes = rows * inFeatures * elementBytes +
                   outFeatures * inFeatures * elementBytes +
                   rows * outFeatures * elementBytes;
    if (!egraph.getData(node.children[2]).empty())
      bytes += outFeatures * elementBytes;
    return kernel(2 * rows * outFeatures * inFeatures, bytes) +
           kernel(0, 1.5 * rows * outFeatures * elementBytes);
  }

  // Layers: one GEMM per linear or fused_linear_*, one kernel for a whole
  // fused_mlp (which computes at its padded widths).
  auto computedWidth = [&](int64_t features) -> double {
    return node.op == symbols.fusedMLP
               ? TargetInfo::getFusedMLPPaddedWidth(features)
               : features;
  };
  double flops = 0;
  double bytes = rows * inFeatures * elementBytes;
  double features = inFeatures;
  for (unsigned i = 1; i + 1 < node.children.size(); i += 2) {
    const ClassData &weight = egraph.getData(node.children[i]);
    double outFeatures = weight[1];
    flops += 2 * rows * computedWidth(weight[1]) * computedWidth(weight[2]);
    bytes += outFeatures * features * elementBytes;
    if (!egraph.getData(node.children[i + 1]).empty())
      bytes += outFeatures * elementBytes;
    features = outFeatures;
  }
  bytes += rows * features * elementBytes;
  Cost cost = kernel(flops, bytes);
  if (std::optional<Activation> activation =
          symbols.getLayerActivation(node.op);
      activation && !target.gemmFusesActivation(type, *activation))
    cost += elementwise(features);
  return cost;
}
