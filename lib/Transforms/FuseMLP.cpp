//===- FuseMLP.cpp - Fuse MLP layers by equality saturation -----*- C++ -*-===//
//
// Each block's hypatia ops become an e-graph; values from anywhere else are
// opaque leaves. After saturation the cheapest program is extracted and the
// block rebuilt: every new op goes right after the last definition among its
// operands, so it is dominated by them, and precedes every user of the value
// it replaces (that value's op came after the same operands).
//
//===----------------------------------------------------------------------===//

#include "hypatia/Transforms/Passes.h"

#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"
#include "hypatia/EqSat/Export.h"
#include "hypatia/EqSat/Extract.h"
#include "hypatia/EqSat/Runner.h"
#include "hypatia/Transforms/MLPCostModel.h"
#include "hypatia/Transforms/MLPRules.h"
#include "hypatia/Transforms/MLPShapeAnalysis.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/ToolOutputFile.h"

namespace hypatia {
#define GEN_PASS_DEF_FUSEMLP
#include "hypatia/Transforms/Passes.h.inc"
} // namespace hypatia

using namespace mlir;
using namespace hypatia;
using namespace hypatia::eqsat;

static ClassData getFacts(RankedTensorType type) {
  ClassData facts = {int64_t(*getElementType(type.getElementType()))};
  llvm::append_range(facts, type.getShape());
  return facts;
}

namespace {

/// One block's hypatia ops as an e-graph, and the way back.
class BlockRewriter {
public:
  BlockRewriter(Block &block, const TargetInfo &target, int64_t batchSize);

  /// Builds the e-graph of the block's hypatia ops; false if it has none.
  bool build();

  struct Outcome {
    RunReport report;
    Cost before, after;
    bool rewritten = false;
    /// Which extractor chose the program, and why that one.
    std::string extractor;
  };
  /// Saturates, extracts and, if the extraction is cheaper, rebuilds. With
  /// `dump`, writes the e-graph, its costs and both programs there first.
  Outcome run(const RunnerLimits &runnerLimits, const BackoffOptions &backoff,
              bool exact, llvm::json::OStream *dump);

private:
  ClassId getClass(Value value);
  ClassId addNode(ENode node, Location location);
  void addOp(Operation *op);
  Selection getInputSelection() const;
  void rebuild(const Selection &selection);

  Block &block;
  TargetInfo target;
  int64_t batchSize;

  EGraph egraph;
  MLPLanguage language;
  const MLPSymbols &symbols;
  std::vector<ClassData> leafFacts;
  std::vector<Value> leaves;
  std::vector<Operation *> ops;
  llvm::DenseSet<Operation *> opSet;
  llvm::DenseMap<Value, ClassId> valueClasses;
  /// The node each leaf and original op added, in creation order.
  std::vector<std::pair<ENode, ClassId>> originalNodes;
  std::vector<std::pair<ClassId, Location>> classLocations;
  /// Values used outside the rewritten ops, and their classes.
  std::vector<std::pair<Value, ClassId>> rootValues;
};

} // namespace

BlockRewriter::BlockRewriter(Block &block, const TargetInfo &target,
                             int64_t batchSize)
    : block(block), target(target), batchSize(batchSize),
      language(egraph.getSymbols()), symbols(language.symbols) {
  egraph.setAnalysis(std::make_unique<MLPShapeAnalysis>(language, leafFacts));
}

ClassId BlockRewriter::addNode(ENode node, Location location) {
  ClassId id = egraph.add(node);
  originalNodes.emplace_back(std::move(node), id);
  classLocations.emplace_back(id, location);
  return id;
}

ClassId BlockRewriter::getClass(Value value) {
  if (auto it = valueClasses.find(value); it != valueClasses.end())
    return it->second;
  // Not produced by a hypatia op of this block: an opaque leaf.
  ENode leaf;
  leaf.op = symbols.leaf;
  leaf.payload = leaves.size();
  leaves.push_back(value);
  leafFacts.push_back(getFacts(cast<RankedTensorType>(value.getType())));
  ClassId id = addNode(leaf, value.getLoc());
  valueClasses[value] = id;
  return id;
}

void BlockRewriter::addOp(Operation *op) {
  ENode node;
  auto addBias = [&](Value bias) {
    if (bias) {
      node.children.push_back(getClass(bias));
      return;
    }
    ENode none;
    none.op = symbols.noBias;
    node.children.push_back(addNode(none, op->getLoc()));
  };
  if (auto layer = dyn_cast<LinearLayerOpInterface>(op)) {
    node.op = symbols.getLayerSymbol(layer.getActivationKind());
    node.children = {getClass(layer.getInput()), getClass(layer.getWeight())};
    addBias(layer.getBias());
  } else if (auto mlp = dyn_cast<FusedMLPOp>(op)) {
    node.op = symbols.fusedMLP;
    SmallVector<Activation> activations;
    node.children.push_back(getClass(mlp.getInput()));
    for (unsigned i = 0; i < mlp.getNumLayers(); ++i) {
      node.children.push_back(getClass(mlp.getWeights()[i]));
      addBias(mlp.getBiasOfLayer(i));
      activations.push_back(mlp.getActivationOfLayer(i));
    }
    node.payload = language.activationLists.intern(activations);
  } else if (auto activation = dyn_cast<ElementwiseActivationOpInterface>(op)) {
    node.op = symbols.getElementwiseSymbol(activation.getActivationKind());
    node.children = {getClass(activation.getInput())};
  } else if (auto gated = dyn_cast<GatedLinearOp>(op)) {
    node.op = symbols.gatedLinear;
    node.payload = static_cast<uint64_t>(gated.getActivation());
    node.children = {getClass(gated.getInput()),
                     getClass(gated.getGateWeight())};
    addBias(gated.getGateBias());
    node.children.push_back(getClass(gated.getUpWeight()));
    addBias(gated.getUpBias());
  } else if (auto mul = dyn_cast<MulOp>(op)) {
    node.op = symbols.mul;
    node.children = {getClass(mul.getLhs()), getClass(mul.getRhs())};
  } else {
    auto dropout = cast<DropoutOp>(op);
    node.op = symbols.dropout;
    node.payload =
        llvm::bit_cast<uint64_t>(dropout.getProbability().convertToDouble());
    node.children = {getClass(dropout.getInput())};
  }
  valueClasses[op->getResult(0)] = addNode(std::move(node), op->getLoc());
}

/// Whether `op` is one of the ops the e-graph language describes (the
/// rest, such as library calls of a later stage, stay as they are and their
/// results are leaves).
static bool isLanguageOp(Operation *op) {
  return isa<LinearLayerOpInterface, FusedMLPOp, GatedLinearOp,
             ElementwiseActivationOpInterface, MulOp, DropoutOp>(op);
}

bool BlockRewriter::build() {
  for (Operation &op : block)
    if (isLanguageOp(&op))
      ops.push_back(&op);
  if (ops.empty())
    return false;
  opSet.insert(ops.begin(), ops.end());
  for (Operation *op : ops)
    addOp(op);

  // Roots: results used by anything but the ops being rewritten.
  for (Operation *op : ops) {
    Value result = op->getResult(0);
    if (llvm::any_of(result.getUsers(),
                     [&](Operation *user) { return !opSet.contains(user); }))
      rootValues.emplace_back(result, valueClasses[result]);
  }
  return true;
}

Selection BlockRewriter::getInputSelection() const {
  // Per class, the earliest original node: its children's earliest nodes
  // were created before it, so the selection is acyclic.
  Selection selection;
  selection.choice.assign(egraph.getClassIds().back() + 1, -1);
  for (const auto &[node, id] : originalNodes) {
    ClassId canonical = egraph.find(id);
    if (selection.choice[canonical] >= 0)
      continue;
    ENode canonicalNode = egraph.canonicalize(node);
    NodeRange nodes = egraph.getNodes(canonical);
    auto it = llvm::lower_bound(nodes, ENodeRef(canonicalNode));
    assert(it != nodes.end() && *it == canonicalNode && "original node lost");
    selection.choice[canonical] = it - nodes.begin();
  }
  return selection;
}

/// The remark's words for what the default extraction ran.
static std::string describe(const ExtractionSummary &summary) {
  constexpr const char *kProven = "greedy, proven optimal by branch and bound";
  constexpr const char *kImproved = "branch and bound (cheaper than greedy)";
  constexpr const char *kWindows =
      "greedy, then windows re-decided by branch and bound (cheaper)";
  constexpr const char *kGreedy = "greedy (too large for branch and bound)";
  if (summary.getNumRegions() == 1)
    return summary.provenOptimal       ? kProven
           : summary.improvedByExact   ? kImproved
           : summary.improvedByWindows ? kWindows
                                       : kGreedy;
  std::string text =
      "per region (" + std::to_string(summary.getNumRegions()) + "):";
  const char *separator = " ";
  for (auto [count, what] : {std::pair{summary.provenOptimal, kProven},
                             std::pair{summary.improvedByExact, kImproved},
                             std::pair{summary.improvedByWindows, kWindows},
                             std::pair{summary.greedyOnly, kGreedy}}) {
    if (!count)
      continue;
    text += separator + std::to_string(count) + " " + what;
    separator = "; ";
  }
  return text;
}

BlockRewriter::Outcome BlockRewriter::run(const RunnerLimits &runnerLimits,
                                          const BackoffOptions &backoff,
                                          bool exact,
                                          llvm::json::OStream *dump) {
  Outcome outcome;
  // max-seconds bounds saturation and extraction together.
  Deadline deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(runnerLimits.maxSeconds));
  std::vector<Rewrite> rules =
      buildMLPRules(egraph.getSymbols(), language, target);
  outcome.report = runEqualitySaturation(egraph, rules, runnerLimits, backoff);

  SmallVector<ClassId> roots;
  for (auto &[value, id] : rootValues)
    roots.push_back(egraph.find(id));
  MLPCostModel model(language, target, batchSize);
  Selection input = getInputSelection();
  // The input program is a valid selection by construction.
  outcome.before = *getDagCost(egraph, roots, input, model);

  std::optional<Selection> selection;
  if (exact) {
    // extraction=exact: branch and bound alone, up to what it proves in a
    // few seconds on small blocks.
    ExactLimits limits{/*maxClasses=*/24, /*maxSteps=*/10000000, deadline};
    ExactStop stop;
    selection = extractExact(egraph, roots, model, limits, nullptr, &stop);
    outcome.extractor =
        selection ? "exact"
        : stop == ExactStop::Classes
            ? "greedy (exact: more than " + std::to_string(limits.maxClasses) +
                  " e-classes reachable)"
            : "greedy (exact: stopped by its step or time limit)";
    if (!selection)
      selection = extractGreedy(egraph, roots, model, &input, deadline);
  } else {
    // The default: greedy, then branch and bound seeded with its result on
    // regions small enough for it to finish (greedy missed the optimum on 3
    // of 2000 random small e-graphs, by up to 14%; see EqSatTest), and on
    // larger regions (or where it runs out of steps) windows of 16 program
    // classes re-decided exactly. Branch and bound prunes with a lower bound
    // on the classes still to decide: with it, all 100 random DAGs of up to
    // 48 layers of bench/extraction_quality.py (up to 117 classes) are
    // solved to the optimum (9 of the 43 of 48 layers were 3.8-25.9% above
    // it without the bound). A million steps take about 50 ms.
    ExactLimits limits{/*maxClasses=*/128, /*maxSteps=*/1000000, deadline};
    limits.maxWindowedClasses = 256;
    ExtractionSummary summary;
    selection = extract(egraph, roots, model, &input, limits, summary);
    outcome.extractor = describe(summary);
  }
  std::optional<Cost> after = getDagCost(egraph, roots, *selection, model);
  outcome.after = after ? *after : Cost::infinity();
  bool cheaper = outcome.after < outcome.before;
  if (dump)
    writeEGraphJSON(*dump, egraph, roots, model, input,
                    cheaper ? *selection : input);
  if (!cheaper) {
    outcome.after = outcome.before;
    return outcome;
  }
  rebuild(*selection);
  outcome.rewritten = true;
  return outcome;
}

void BlockRewriter::rebuild(const Selection &selection) {
  MLIRContext *context = block.getParent()->getContext();
  OpBuilder builder(context);
  llvm::DenseMap<ClassId, Location> locations;
  for (auto &[id, location] : classLocations)
    locations.try_emplace(egraph.find(id), location);

  llvm::DenseMap<ClassId, Value> emitted;
  // Where new ops go, without Operation::isBeforeInBlock (which renumbers
  // the block after a few insertions at one spot: quadratic on long
  // programs). A new op goes after the latest definition among its operands,
  // at the end of the new ops already placed after the same original op;
  // (original op, insertion number) then orders them as the block does.
  struct Position {
    int64_t original; // index of the original op it follows; -1: the start
    int64_t inserted; // 0 for the original op itself
  };
  SmallVector<Operation *> originals;
  llvm::DenseMap<Operation *, Position> positions;
  for (Operation &op : block) {
    positions[&op] = {static_cast<int64_t>(originals.size()), 0};
    originals.push_back(&op);
  }
  llvm::DenseMap<int64_t, Operation *> lastPlaced;
  int64_t insertions = 0;
  // Emits class `root` and what it needs, children first (iteratively: a
  // 10000-layer chain must not exhaust the stack).
  auto emit = [&](ClassId root) {
    std::vector<std::pair<ClassId, bool>> stack = {{egraph.find(root), false}};
    while (!stack.empty()) {
      auto [id, childrenDone] = stack.back();
      stack.pop_back();
      if (emitted.count(id))
        continue;
      ENodeRef node = egraph.getNodes(id)[selection[id]];
      if (node.op == symbols.leaf) {
        emitted[id] = leaves[node.payload];
        continue;
      }
      if (node.op == symbols.noBias) {
        emitted[id] = Value();
        continue;
      }
      if (!childrenDone) {
        stack.push_back({id, true});
        for (ClassId child : llvm::reverse(node.children))
          stack.push_back({egraph.find(child), false});
        continue;
      }
      SmallVector<Value> operands;
      for (ClassId child : node.children)
        operands.push_back(emitted.lookup(egraph.find(child)));

      // After the last definition among the operands in this block.
      Position latest = {-1, 0};
      for (Value operand : operands) {
        Operation *definition = operand ? operand.getDefiningOp() : nullptr;
        if (!definition || definition->getBlock() != &block)
          continue;
        Position position = positions.lookup(definition);
        if (position.original > latest.original ||
            (position.original == latest.original &&
             position.inserted > latest.inserted))
          latest = position;
      }
      Operation *anchor = lastPlaced.lookup(latest.original);
      if (!anchor && latest.original >= 0)
        anchor = originals[latest.original];
      if (anchor)
        builder.setInsertionPointAfter(anchor);
      else
        builder.setInsertionPointToStart(&block);

      auto location = locations.find(id);
      Location loc = location != locations.end() ? location->second
                                                 : UnknownLoc::get(context);
      Value input = operands[0];
      Value result;
      if (std::optional<Activation> activation =
              symbols.getLayerActivation(node.op)) {
        result = createLinearLayer(builder, loc, *activation, input,
                                   operands[1], operands[2])
                     ->getResult(0);
      } else if (node.op == symbols.fusedMLP) {
        SmallVector<Value> weights, biases;
        for (unsigned i = 0, e = MLPLanguage::getNumLayers(node); i < e; ++i) {
          weights.push_back(operands[1 + 2 * i]);
          if (Value bias = operands[2 + 2 * i])
            biases.push_back(bias);
        }
        result = createFusedMLP(builder, loc, input, weights, biases,
                                language.activationLists.get(node.payload));
      } else if (node.op == symbols.gatedLinear) {
        result = createGatedLinear(
            builder, loc, static_cast<Activation>(node.payload), input,
            operands[1], operands[2], operands[3], operands[4]);
      } else if (node.op == symbols.mul) {
        result = MulOp::create(builder, loc, input, operands[1]);
      } else if (node.op == symbols.dropout) {
        result = DropoutOp::create(
            builder, loc, input,
            builder.getF64FloatAttr(llvm::bit_cast<double>(node.payload)));
      } else {
        std::optional<Activation> activation =
            symbols.getElementwiseActivation(node.op);
        assert(activation && "unknown e-graph operator");
        result = createElementwiseActivation(builder, loc, *activation, input)
                     ->getResult(0);
      }
      emitted[id] = result;
      lastPlaced[latest.original] = &*std::prev(builder.getInsertionPoint());
      positions[result.getDefiningOp()] = {latest.original, ++insertions};
    }
    return emitted.lookup(egraph.find(root));
  };

  for (auto &[value, id] : rootValues) {
    Value replacement = emit(id);
    value.replaceUsesWithIf(replacement, [&](OpOperand &use) {
      return !opSet.contains(use.getOwner());
    });
  }
  for (Operation *op : llvm::reverse(ops)) {
    op->dropAllUses();
    op->erase();
  }
}

namespace {

struct FuseMLPPass : public hypatia::impl::FuseMLPBase<FuseMLPPass> {
  using FuseMLPBase::FuseMLPBase;

  void runOnOperation() override {
    RunnerLimits runnerLimits;
    runnerLimits.maxNodes = maxNodes;
    runnerLimits.maxIterations = maxIterations;
    runnerLimits.maxSeconds = maxSeconds;
    BackoffOptions backoff;
    backoff.matchLimit = ruleMatchLimit;

    Operation *root = getOperation();
    if (extraction != "greedy" && extraction != "exact") {
      root->emitError() << "fuse-mlp: unknown extraction '" << extraction
                        << "': expected greedy or exact";
      return signalPassFailure();
    }
    if (batchSize < 1 || maxNodes < 1 || maxIterations < 1 ||
        ruleMatchLimit < 1 || !(maxSeconds > 0)) {
      root->emitError()
          << "fuse-mlp: invalid options: batch-size, max-nodes, "
             "max-iterations, rule-match-limit and max-seconds must be "
             "positive";
      return signalPassFailure();
    }
    // The target's figures come from the enclosing #hypatia.target (the CUDA
    // defaults without one), never from pass options: one description of the
    // machine serves fusion and lowering alike.
    TargetInfo target = TargetInfo::getFor(root);

    // dump-egraph: a JSON array with one object per block.
    std::unique_ptr<llvm::ToolOutputFile> dumpFile;
    std::optional<llvm::json::OStream> dump;
    if (!dumpEGraph.empty()) {
      std::error_code error;
      dumpFile = std::make_unique<llvm::ToolOutputFile>(dumpEGraph, error,
                                                        llvm::sys::fs::OF_Text);
      if (error) {
        root->emitError() << "fuse-mlp: cannot write '" << dumpEGraph
                          << "': " << error.message();
        return signalPassFailure();
      }
      dump.emplace(dumpFile->os(), /*IndentSize=*/1);
      dump->arrayBegin();
    }

    // Blocks are collected first: rewriting one must not disturb the walk.
    SmallVector<Block *> blocks;
    root->walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks) {
      BlockRewriter rewriter(*block, target, batchSize);
      if (!rewriter.build())
        continue;
      BlockRewriter::Outcome outcome =
          rewriter.run(runnerLimits, backoff, extraction == "exact",
                       dump ? &*dump : nullptr);
      numENodes += outcome.report.nodes;
      numEClasses += outcome.report.classes;
      numIterations += outcome.report.iterations;
      switch (outcome.report.stopReason) {
      case StopReason::Saturated:
        ++numSaturated;
        break;
      case StopReason::IterationLimit:
        ++numIterationLimit;
        break;
      case StopReason::NodeLimit:
        ++numNodeLimit;
        break;
      case StopReason::TimeLimit:
        ++numTimeLimit;
        break;
      case StopReason::AnalysisConflict:
        block->getParentOp()->emitError()
            << "fuse-mlp: a rewrite rule equated values of different shapes "
               "(a bug in Hypatia's rules); the block was left unchanged";
        return signalPassFailure();
      }
      if (report) {
        std::string text;
        llvm::raw_string_ostream os(text);
        os << "fuse-mlp: " << outcome.report.nodes << " e-nodes, "
           << outcome.report.classes << " e-classes, "
           << outcome.report.iterations << " iterations, stopped: "
           << stringifyStopReason(outcome.report.stopReason)
           << "; estimated cost "
           << llvm::format("%.3f us (%.0f kernels) -> %.3f us (%.0f kernels)",
                           outcome.before.seconds * 1e6, outcome.before.ops,
                           outcome.after.seconds * 1e6, outcome.after.ops)
           << (outcome.rewritten ? "" : ", unchanged") << "; extraction "
           << outcome.extractor;
        emitRemark(block->getParentOp()->getLoc()) << text;
      }
      costBeforeNs += uint64_t(outcome.before.seconds * 1e9 + 0.5);
      costAfterNs += uint64_t(outcome.after.seconds * 1e9 + 0.5);
      numBlocksRewritten += outcome.rewritten;
    }
    if (dump) {
      dump->arrayEnd();
      dumpFile->os() << "\n";
      dumpFile->keep();
    }
  }
};

} // namespace
