//===- MLPRules.cpp - The rewrite rules of --fuse-mlp -----------*- C++ -*-===//

#include "hypatia/Transforms/MLPRules.h"

#include "llvm/Support/ErrorHandling.h"

using namespace hypatia;
using namespace hypatia::eqsat;

/// The (weight, bias) pairs of a layer or fused_mlp node, in order.
static void appendLayers(ENodeRef node,
                         llvm::SmallVectorImpl<ClassId> &layers) {
  layers.append(node.children.begin() + 1, node.children.end());
}

std::vector<Rewrite> hypatia::buildMLPRules(SymbolTable &table,
                                            MLPLanguage &language,
                                            const TargetInfo &target) {
  const MLPSymbols &symbols = language.symbols;
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

  // Gate and up projections of one input, multiplied: a gated_linear, whose
  // two products the library-call lowering computes as one GEMM. Both
  // orders of the product; the gate is the layer with the activation. The
  // two weights must have one shape, and the layers a bias each or none.
  for (Activation activation : {Activation::relu, Activation::gelu_erf,
                                Activation::gelu_tanh, Activation::silu}) {
    std::string gate =
        ("(" + table.getName(symbols.getLayerSymbol(activation)) +
         " ?x ?wg ?bg)")
            .str();
    std::string up = "(linear ?x ?wu ?bu)";
    for (bool gateFirst : {true, false}) {
      // Variables are numbered in order of appearance: x, then the first
      // operand's weight and bias, then the second's.
      unsigned gateIndex = gateFirst ? 1 : 3, upIndex = gateFirst ? 3 : 1;
      auto applier = [&language, activation, gateIndex, upIndex](
                         EGraph &egraph,
                         const Match &match) -> llvm::SmallVector<ClassId, 2> {
        const Substitution &bound = match.substitution;
        ClassId gateWeight = bound[gateIndex], gateBias = bound[gateIndex + 1];
        ClassId upWeight = bound[upIndex], upBias = bound[upIndex + 1];
        if (egraph.getData(gateWeight) != egraph.getData(upWeight) ||
            egraph.getData(gateBias).empty() != egraph.getData(upBias).empty())
          return {};
        ENode gated;
        gated.op = language.symbols.gatedLinear;
        gated.payload = static_cast<uint64_t>(activation);
        gated.children = {bound[0], gateWeight, gateBias, upWeight, upBias};
        return {egraph.add(std::move(gated))};
      };
      std::string name =
          ("gate-" + table.getName(symbols.getLayerSymbol(activation)) +
           (gateFirst ? "" : "-commuted"))
              .str();
      std::string searcher =
          "(mul " + (gateFirst ? gate + " " + up : up + " " + gate) + ")";
      auto rewrite = Rewrite::withApplier(name, searcher, table, applier);
      if (!rewrite)
        llvm::report_fatal_error(toString(rewrite.takeError()).c_str());
      rules.push_back(std::move(*rewrite));
    }
  }

  if (target.fusedMLPMaxWidth <= 0 || target.fusedMLPMaxLayers < 2)
    return rules;
  const unsigned maxLayers = target.fusedMLPMaxLayers;
  const int64_t maxWeightBytes = target.fusedMLPMaxWeightKiB * 1024;

  // A weight [N, K] whose layer the target's fused kernel computes.
  auto fits = [target](const EGraph &egraph, ClassId weight) {
    const ClassData &facts = egraph.getData(weight);
    return facts.size() == 3 &&
           target.fusedMLPLayerFits(getFactsElementType(facts), facts[1],
                                    facts[2]);
  };
  // Shared memory the fused kernel needs for the layers of `layers` (a layer
  // or fused_mlp node's children from index 1: weight, bias, weight, bias...).
  auto parameterBytes = [](const EGraph &egraph,
                           llvm::ArrayRef<ClassId> layers) {
    int64_t bytes = 0;
    for (size_t i = 0; i + 1 < layers.size(); i += 2) {
      const ClassData &weight = egraph.getData(layers[i]);
      bytes += TargetInfo::getFusedMLPLayerSharedBytes(
          weight[1], weight[2], !egraph.getData(layers[i + 1]).empty(),
          getElementSize(getFactsElementType(weight)));
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
    auto applier =
        [&language, fits, parameterBytes, maxLayers, maxWeightBytes,
         outer](EGraph &egraph,
                const Match &match) -> llvm::SmallVector<ClassId, 2> {
      ClassId hidden = match.substitution[0];
      ClassId weight = match.substitution[1], bias = match.substitution[2];
      const MLPSymbols &symbols = language.symbols;
      llvm::SmallVector<ClassId, 2> results;
      if (!fits(egraph, weight))
        return results;
      bool hasBias = egraph.getData(bias).size() > 0;
      // By index: adding a node may move the nodes' storage, so a producer
      // is read before anything is added.
      for (size_t i = 0; i < egraph.getNodes(hidden).size(); ++i) {
        ENodeRef producer = egraph.getNodes(hidden)[i];
        llvm::SmallVector<Activation> activations;
        if (std::optional<Activation> inner =
                symbols.getLayerActivation(producer.op)) {
          if (!fits(egraph, producer.children[1]))
            continue;
          activations.push_back(*inner);
        } else if (producer.op == symbols.fusedMLP) {
          if (MLPLanguage::getNumLayers(producer) >= maxLayers)
            continue;
          llvm::append_range(activations,
                             language.activationLists.get(producer.payload));
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
            maxWeightBytes)
          continue;
        activations.push_back(outer);
        ENode chain;
        chain.op = symbols.fusedMLP;
        chain.payload = language.activationLists.intern(activations);
        chain.children.reserve(producer.children.size() + 2);
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
    auto applier = [&language, activation](
                       EGraph &egraph,
                       const Match &match) -> llvm::SmallVector<ClassId, 2> {
      llvm::SmallVector<ClassId, 2> results;
      // Copies: adding a node may move the nodes' storage.
      std::vector<ENode> producers;
      for (ENodeRef producer : egraph.getNodes(match.substitution[0]))
        producers.emplace_back(producer);
      for (const ENode &producer : producers) {
        if (producer.op != language.symbols.fusedMLP)
          continue;
        llvm::SmallVector<Activation> activations(
            language.activationLists.get(producer.payload));
        if (activations.back() != Activation::none)
          continue;
        activations.back() = activation;
        ENode fused = producer;
        fused.payload = language.activationLists.intern(activations);
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
