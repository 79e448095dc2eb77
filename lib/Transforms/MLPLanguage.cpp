//===- MLPLanguage.cpp - Hypatia ops as an e-graph language -----*- C++ -*-===//

#include "hypatia/Transforms/MLPLanguage.h"

#include "llvm/Support/ErrorHandling.h"

#include <algorithm>

using namespace hypatia;
using namespace hypatia::eqsat;
using mlir::ShapedType;

MLPSymbols::MLPSymbols(SymbolTable &table)
    : leaf(table.intern("leaf")), noBias(table.intern("no_bias")),
      linear(table.intern("linear")),
      fusedLinearRelu(table.intern("fused_linear_relu")),
      fusedLinearGelu(table.intern("fused_linear_gelu")),
      fusedLinearGeluTanh(table.intern("fused_linear_gelu_tanh")),
      fusedLinearSilu(table.intern("fused_linear_silu")),
      relu(table.intern("relu")), gelu(table.intern("gelu")),
      geluTanh(table.intern("gelu_tanh")), silu(table.intern("silu")),
      dropout(table.intern("dropout")), fusedMLP(table.intern("fused_mlp")) {}

std::optional<Activation> MLPSymbols::getLayerActivation(Symbol op) const {
  if (op == linear)
    return Activation::none;
  if (op == fusedLinearRelu)
    return Activation::relu;
  if (op == fusedLinearGelu)
    return Activation::gelu_erf;
  if (op == fusedLinearGeluTanh)
    return Activation::gelu_tanh;
  if (op == fusedLinearSilu)
    return Activation::silu;
  return std::nullopt;
}

Symbol MLPSymbols::getLayerSymbol(Activation activation) const {
  switch (activation) {
  case Activation::none:
    return linear;
  case Activation::relu:
    return fusedLinearRelu;
  case Activation::gelu_erf:
    return fusedLinearGelu;
  case Activation::gelu_tanh:
    return fusedLinearGeluTanh;
  case Activation::silu:
    return fusedLinearSilu;
  }
  llvm_unreachable("unknown activation");
}

std::optional<Activation>
MLPSymbols::getElementwiseActivation(Symbol op) const {
  if (op == relu)
    return Activation::relu;
  if (op == gelu)
    return Activation::gelu_erf;
  if (op == geluTanh)
    return Activation::gelu_tanh;
  if (op == silu)
    return Activation::silu;
  return std::nullopt;
}

Symbol MLPSymbols::getElementwiseSymbol(Activation activation) const {
  switch (activation) {
  case Activation::relu:
    return relu;
  case Activation::gelu_erf:
    return gelu;
  case Activation::gelu_tanh:
    return geluTanh;
  case Activation::silu:
    return silu;
  case Activation::none:
    break;
  }
  llvm_unreachable("no elementwise op for this activation");
}

uint64_t hypatia::encodeActivations(llvm::ArrayRef<Activation> activations) {
  uint64_t payload = 0;
  for (auto [index, activation] : llvm::enumerate(activations))
    payload |= uint64_t(activation) << (4 * index);
  return payload;
}

llvm::SmallVector<Activation> hypatia::decodeActivations(uint64_t payload,
                                                         unsigned numLayers) {
  llvm::SmallVector<Activation> activations;
  for (unsigned i = 0; i < numLayers; ++i)
    activations.push_back(Activation((payload >> (4 * i)) & 0xf));
  return activations;
}

//===----------------------------------------------------------------------===//
// Shape analysis
//===----------------------------------------------------------------------===//

/// The facts of a layer's output: the input's element type and batch
/// dimensions, then the weight's out_features.
static ClassData layerOutput(const ClassData &input, const ClassData &weight) {
  ClassData facts(input.begin(), input.end() - 1);
  facts.push_back(weight[1]);
  return facts;
}

ClassData ShapeAnalysis::make(const EGraph &egraph, const ENode &node) {
  auto facts = [&](unsigned child) -> const ClassData & {
    return egraph.getData(node.children[child]);
  };
  if (node.op == symbols.leaf)
    return leaves[node.payload];
  if (node.op == symbols.noBias)
    return {};
  if (symbols.getLayerActivation(node.op))
    return layerOutput(facts(0), facts(1));
  if (node.op == symbols.fusedMLP)
    return layerOutput(facts(0), facts(node.children.size() - 2));
  // Elementwise ops and dropout keep their input's shape.
  return facts(0);
}

bool ShapeAnalysis::merge(ClassData &into, const ClassData &from) {
  if (into.empty()) {
    into = from;
    return true;
  }
  return from.empty() || into == from;
}

//===----------------------------------------------------------------------===//
// Rules
//===----------------------------------------------------------------------===//

/// The (weight, bias) pairs of a layer or fused_mlp node, in order.
static void appendLayers(const ENode &node,
                         llvm::SmallVectorImpl<ClassId> &layers) {
  layers.append(node.children.begin() + 1, node.children.end());
}

std::vector<Rewrite> hypatia::buildMLPRules(SymbolTable &table,
                                            const MLPSymbols &symbols,
                                            const FusionLimits &limits) {
  std::vector<Rewrite> rules;
  auto add = [&](llvm::StringRef name, llvm::StringRef rule) {
    auto rewrite = Rewrite::parse(name, rule, table);
    if (!rewrite)
      llvm::report_fatal_error(llvm::Twine("hypatia: bad built-in rule: ") +
                               toString(rewrite.takeError()));
    rules.push_back(std::move(*rewrite));
  };
  add("fuse-linear-relu",
      "(relu (linear ?x ?w ?b)) => (fused_linear_relu ?x ?w ?b)");
  add("fuse-linear-gelu",
      "(gelu (linear ?x ?w ?b)) => (fused_linear_gelu ?x ?w ?b)");
  add("fuse-linear-gelu-tanh",
      "(gelu_tanh (linear ?x ?w ?b)) => (fused_linear_gelu_tanh ?x ?w ?b)");
  add("fuse-linear-silu",
      "(silu (linear ?x ?w ?b)) => (fused_linear_silu ?x ?w ?b)");
  add("relu-idempotent", "(relu (relu ?x)) => (relu ?x)");
  add("relu-after-fused-relu",
      "(relu (fused_linear_relu ?x ?w ?b)) => (fused_linear_relu ?x ?w ?b)");
  add("dropout-is-identity", "(dropout ?x) => ?x");

  if (limits.fusedMLPMaxWidth <= 0 || limits.fusedMLPMaxLayers < 2)
    return rules;

  // A weight [N, K] fits a fused kernel's activation tile when N and K do.
  auto fits = [limits](const EGraph &egraph, ClassId weight) {
    const ClassData &facts = egraph.getData(weight);
    return facts.size() == 3 && facts[1] <= limits.fusedMLPMaxWidth &&
           facts[2] <= limits.fusedMLPMaxWidth;
  };
  // Bytes of the weights and biases of the layers of `children` (a layer or
  // fused_mlp node's children from index 1: weight, bias, weight, bias...).
  auto parameterBytes = [](const EGraph &egraph,
                           llvm::ArrayRef<ClassId> layers) {
    int64_t bytes = 0;
    for (ClassId id : layers) {
      const ClassData &facts = egraph.getData(id);
      if (facts.empty())
        continue;
      int64_t elements = 1;
      for (int64_t dim : llvm::ArrayRef<int64_t>(facts).drop_front())
        elements *= dim;
      bytes += elements *
               (ElementTypeCode(facts[0]) == ElementTypeCode::F32 ? 4 : 2);
    }
    return bytes;
  };

  // A layer applied to a layer or to a fused_mlp: a longer fused_mlp.
  for (Activation outer :
       {Activation::none, Activation::relu, Activation::gelu_erf,
        Activation::gelu_tanh, Activation::silu}) {
    Symbol outerSymbol = symbols.getLayerSymbol(outer);
    std::string name = ("chain-" + table.getName(outerSymbol)).str();
    std::string searcher =
        ("(" + table.getName(outerSymbol) + " ?h ?w ?b)").str();
    auto applier = [&symbols, fits, parameterBytes, limits, outer](
                       EGraph &egraph,
                       const Match &match) -> llvm::SmallVector<ClassId, 2> {
      ClassId hidden = match.substitution[0];
      ClassId weight = match.substitution[1], bias = match.substitution[2];
      llvm::SmallVector<ClassId, 2> results;
      if (!fits(egraph, weight))
        return results;
      bool hasBias = egraph.getData(bias).size() > 0;
      // By index: adding nodes may reallocate the class's node list, so each
      // producer is copied, and only the ones that can be extended.
      for (size_t i = 0; i < egraph.getClass(hidden).nodes.size(); ++i) {
        const ENode &candidate = egraph.getClass(hidden).nodes[i];
        if (candidate.op != symbols.fusedMLP &&
            !symbols.getLayerActivation(candidate.op))
          continue;
        ENode producer = candidate;
        llvm::SmallVector<Activation> activations;
        if (std::optional<Activation> inner =
                symbols.getLayerActivation(producer.op)) {
          if (!fits(egraph, producer.children[1]))
            continue;
          activations.push_back(*inner);
        } else if (producer.op == symbols.fusedMLP) {
          unsigned numLayers = (producer.children.size() - 1) / 2;
          if (numLayers >= limits.fusedMLPMaxLayers)
            continue;
          activations = decodeActivations(producer.payload, numLayers);
        } else {
          continue;
        }
        // fused_mlp has a bias on every layer or on none.
        if ((egraph.getData(producer.children[2]).size() > 0) != hasBias)
          continue;
        llvm::ArrayRef<ClassId> producerLayers =
            llvm::ArrayRef<ClassId>(producer.children).drop_front();
        if (parameterBytes(egraph, producerLayers) +
                parameterBytes(egraph, {weight, bias}) >
            limits.fusedMLPMaxWeightBytes)
          continue;
        activations.push_back(outer);
        ENode chain;
        chain.op = symbols.fusedMLP;
        chain.payload = encodeActivations(activations);
        chain.children.push_back(producer.children[0]);
        appendLayers(producer, chain.children);
        chain.children.push_back(weight);
        chain.children.push_back(bias);
        results.push_back(egraph.add(std::move(chain)));
      }
      return results;
    };
    auto rewrite = Rewrite::withApplier(name, searcher, table, applier);
    if (!rewrite)
      llvm::report_fatal_error(toString(rewrite.takeError()).c_str());
    rules.push_back(std::move(*rewrite));
  }

  // An activation after a fused_mlp whose last layer has none: into it.
  for (Activation activation : {Activation::relu, Activation::gelu_erf,
                                Activation::gelu_tanh, Activation::silu}) {
    Symbol symbol = symbols.getElementwiseSymbol(activation);
    std::string name = ("activation-into-mlp-" + table.getName(symbol)).str();
    std::string searcher = ("(" + table.getName(symbol) + " ?h)").str();
    auto applier = [&symbols, activation](
                       EGraph &egraph,
                       const Match &match) -> llvm::SmallVector<ClassId, 2> {
      llvm::SmallVector<ClassId, 2> results;
      std::vector<ENode> producers =
          egraph.getClass(match.substitution[0]).nodes;
      for (const ENode &producer : producers) {
        if (producer.op != symbols.fusedMLP)
          continue;
        unsigned numLayers = (producer.children.size() - 1) / 2;
        llvm::SmallVector<Activation> activations =
            decodeActivations(producer.payload, numLayers);
        if (activations.back() != Activation::none)
          continue;
        activations.back() = activation;
        ENode fused = producer;
        fused.payload = encodeActivations(activations);
        results.push_back(egraph.add(std::move(fused)));
      }
      return results;
    };
    auto rewrite = Rewrite::withApplier(name, searcher, table, applier);
    if (!rewrite)
      llvm::report_fatal_error(toString(rewrite.takeError()).c_str());
    rules.push_back(std::move(*rewrite));
  }
  return rules;
}

//===----------------------------------------------------------------------===//
// Cost model
//===----------------------------------------------------------------------===//

Cost RooflineCostModel::getNodeCost(const EGraph &egraph,
                                    const ENode &node) const {
  if (node.op == symbols.leaf || node.op == symbols.noBias)
    return {0, 0};
  if (node.op == symbols.dropout)
    return {0, 1};

  const ClassData &input = egraph.getData(node.children[0]);
  auto code = ElementTypeCode(input[0]);
  double elementBytes = code == ElementTypeCode::F32 ? 4 : 2;
  double peak = code == ElementTypeCode::F32   ? target.peakFlopsF32
                : code == ElementTypeCode::F16 ? target.peakFlopsF16
                                               : target.peakFlopsBF16;
  // Rows: the product of the batch dimensions.
  double rows = 1;
  for (int64_t dim : llvm::ArrayRef<int64_t>(input).drop_front().drop_back())
    rows *= ShapedType::isDynamic(dim) ? target.batchSize : dim;
  double inFeatures = input.back();

  auto kernel = [&](double flops, double bytes) -> Cost {
    double seconds = std::max(flops / peak, bytes / target.bytesPerSecond);
    return {seconds + target.launchSeconds, 1};
  };

  if (symbols.getElementwiseActivation(node.op))
    return kernel(0, 2 * rows * inFeatures * elementBytes);

  // Layers: one kernel per linear or fused_linear_*, one for a whole
  // fused_mlp (its hidden activations never go to memory).
  double flops = 0;
  double bytes = rows * inFeatures * elementBytes;
  double features = inFeatures;
  for (unsigned i = 1; i + 1 < node.children.size(); i += 2) {
    const ClassData &weight = egraph.getData(node.children[i]);
    double outFeatures = weight[1];
    flops += 2 * rows * outFeatures * features;
    bytes += outFeatures * features * elementBytes;
    if (!egraph.getData(node.children[i + 1]).empty())
      bytes += outFeatures * elementBytes;
    features = outFeatures;
  }
  bytes += rows * features * elementBytes;
  return kernel(flops, bytes);
}
