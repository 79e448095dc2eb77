//===- EqSatTest.cpp - The e-graph engine ---------------------------------===//

#include "hypatia/EqSat/EGraph.h"
#include "hypatia/EqSat/Extract.h"
#include "hypatia/EqSat/Rewrite.h"
#include "hypatia/EqSat/Runner.h"

#include "gtest/gtest.h"

#include <map>
#include <random>
#include <tuple>

using namespace hypatia::eqsat;

namespace {

/// Builds nodes by operator name.
class EGraphTest : public ::testing::Test {
protected:
  ClassId node(llvm::StringRef op, llvm::ArrayRef<ClassId> children = {},
               uint64_t payload = 0) {
    ENode enode;
    enode.op = egraph.getSymbols().intern(op);
    enode.payload = payload;
    enode.children.assign(children.begin(), children.end());
    return egraph.add(std::move(enode));
  }
  Rewrite rule(llvm::StringRef name, llvm::StringRef text) {
    auto rewrite = Rewrite::parse(name, text, egraph.getSymbols());
    EXPECT_TRUE(bool(rewrite)) << llvm::toString(rewrite.takeError());
    return std::move(*rewrite);
  }
  EGraph egraph;
};

TEST_F(EGraphTest, HashConsingSharesEqualNodes) {
  ClassId a = node("a"), b = node("b");
  EXPECT_EQ(node("f", {a, b}), node("f", {a, b}));
  EXPECT_NE(node("f", {a, b}), node("f", {b, a}));
  EXPECT_NE(node("c", {}, 1), node("c", {}, 2));
  EXPECT_EQ(egraph.getNumClasses(), 6u);
}

TEST_F(EGraphTest, RebuildRestoresCongruence) {
  ClassId a = node("a"), b = node("b");
  ClassId fa = node("f", {a}), fb = node("f", {b});
  ClassId gfa = node("g", {fa}), gfb = node("g", {fb});
  EXPECT_NE(egraph.find(gfa), egraph.find(gfb));
  egraph.merge(a, b);
  egraph.rebuild();
  // f(a) = f(b), and then g(f(a)) = g(f(b)), by congruence alone.
  EXPECT_EQ(egraph.find(fa), egraph.find(fb));
  EXPECT_EQ(egraph.find(gfa), egraph.find(gfb));
  EXPECT_EQ(egraph.getNumClasses(), 3u);
  EXPECT_EQ(egraph.getNodes(fa).size(), 1u);
  // The hash-cons sees canonical children.
  EXPECT_EQ(node("g", {fb}), egraph.find(gfa));
}

/// Random terms, random equalities in rounds, each round rebuilt; then the
/// invariants rebuilding promises, checked by brute force: congruence closed
/// (nodes alike after canonicalizing are in one class), each node counted
/// once, class lists sorted, canonical and without repeats.
TEST(EGraphInvariants, HoldAfterRandomMergesAndRebuilds) {
  for (unsigned seed = 0; seed < 200; ++seed) {
    std::mt19937 random(seed);
    EGraph egraph;
    for (int op = 0; op < 3; ++op)
      egraph.getSymbols().intern("op" + std::to_string(op));
    std::vector<ClassId> classes;
    std::vector<ENode> added;
    auto pick = [&] {
      return classes[std::uniform_int_distribution<size_t>(0, classes.size() -
                                                                  1)(random)];
    };
    for (int leaf = 0; leaf < 4; ++leaf) {
      ENode node;
      node.payload = leaf;
      added.push_back(node);
      classes.push_back(egraph.add(node));
    }
    for (int round = 0; round < 4; ++round) {
      for (int i = 0; i < 60; ++i) {
        ENode node;
        node.op = std::uniform_int_distribution<int>(1, 2)(random);
        int arity = std::uniform_int_distribution<int>(1, 3)(random);
        for (int c = 0; c < arity; ++c)
          node.children.push_back(pick());
        added.push_back(node);
        classes.push_back(egraph.add(node));
      }
      int merges = std::uniform_int_distribution<int>(0, 6)(random);
      for (int i = 0; i < merges; ++i)
        egraph.merge(pick(), pick());
      egraph.rebuild();
    }

    std::map<std::tuple<Symbol, uint64_t, std::vector<ClassId>>, ClassId>
        classOf;
    for (auto [node, id] : llvm::zip(added, classes)) {
      ENode canonical = egraph.canonicalize(node);
      auto key =
          std::make_tuple(canonical.op, canonical.payload,
                          std::vector<ClassId>(canonical.children.begin(),
                                               canonical.children.end()));
      auto [it, inserted] = classOf.try_emplace(key, egraph.find(id));
      ASSERT_EQ(it->second, egraph.find(id)) << "seed " << seed;
      ASSERT_EQ(egraph.lookup(canonical), egraph.find(id)) << "seed " << seed;
    }
    EXPECT_EQ(egraph.getNumNodes(), classOf.size()) << "seed " << seed;
    size_t listed = 0;
    for (ClassId id : egraph.getClassIds()) {
      NodeRange nodes = egraph.getNodes(id);
      listed += nodes.size();
      for (size_t i = 0; i < nodes.size(); ++i) {
        for (ClassId child : nodes[i].children)
          EXPECT_EQ(child, egraph.find(child)) << "seed " << seed;
        if (i > 0)
          EXPECT_TRUE(nodes[i - 1] < nodes[i]) << "seed " << seed;
      }
    }
    EXPECT_EQ(listed, classOf.size()) << "seed " << seed;
  }
}

TEST_F(EGraphTest, MatchingRespectsRepeatedVariables) {
  ClassId a = node("a"), b = node("b");
  node("f", {a, a});
  ClassId fab = node("f", {a, b});
  auto pattern = Pattern::parse("(f ?x ?x)", egraph.getSymbols());
  ASSERT_TRUE(bool(pattern));
  EXPECT_EQ(search(egraph, *pattern).size(), 1u);
  egraph.merge(a, b);
  egraph.rebuild();
  std::vector<Match> matches = search(egraph, *pattern);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].root, egraph.find(fab));
  EXPECT_EQ(matches[0].substitution[0], egraph.find(a));
}

TEST_F(EGraphTest, MatchingExploresEveryNodeOfAClass) {
  ClassId x = node("x"), y = node("y");
  ClassId rx = node("relu", {x}), ry = node("relu", {y});
  ClassId lin = node("linear", {x, y});
  egraph.merge(rx, lin);
  node("relu", {rx});
  node("relu", {ry});
  egraph.rebuild();
  auto pattern = Pattern::parse("(relu (linear ?a ?b))", egraph.getSymbols());
  ASSERT_TRUE(bool(pattern));
  EXPECT_EQ(search(egraph, *pattern).size(), 1u);
  auto nested = Pattern::parse("(relu (relu ?a))", egraph.getSymbols());
  EXPECT_EQ(search(egraph, *nested).size(), 2u);
}

TEST_F(EGraphTest, PatternAndRuleErrorsSayWhere) {
  auto unbalanced = Pattern::parse("(f ?x", egraph.getSymbols());
  ASSERT_FALSE(bool(unbalanced));
  EXPECT_NE(llvm::toString(unbalanced.takeError()).find("missing ')'"),
            std::string::npos);
  auto trailing = Pattern::parse("(f ?x))", egraph.getSymbols());
  ASSERT_FALSE(bool(trailing));
  EXPECT_NE(llvm::toString(trailing.takeError()).find("column 7"),
            std::string::npos);
  auto unbound = Rewrite::parse("r", "(f ?x) => (g ?y)", egraph.getSymbols());
  ASSERT_FALSE(bool(unbound));
  EXPECT_NE(llvm::toString(unbound.takeError()).find("?y"), std::string::npos);
  auto noArrow = Rewrite::parse("r", "(f ?x)", egraph.getSymbols());
  ASSERT_FALSE(bool(noArrow));
  llvm::consumeError(noArrow.takeError());
  auto roundTrip =
      Pattern::parse(" ( relu\n(linear ?x ?w ?b) ) ", egraph.getSymbols());
  ASSERT_TRUE(bool(roundTrip));
  EXPECT_EQ(roundTrip->toString(egraph.getSymbols()),
            "(relu (linear ?x ?w ?b))");
}

TEST_F(EGraphTest, RunnerSaturates) {
  ClassId x = node("x");
  ClassId root = node("relu", {node("relu", {node("relu", {x})})});
  std::vector<Rewrite> rules = {
      rule("idempotent", "(relu (relu ?x)) => (relu ?x)")};
  RunReport report = runEqualitySaturation(egraph, rules);
  EXPECT_EQ(report.stopReason, StopReason::Saturated);
  EXPECT_EQ(egraph.find(root), egraph.find(node("relu", {x})));
  EXPECT_GT(report.applied[0], 0u);
}

TEST_F(EGraphTest, ConditionsFilterMatches) {
  ClassId small = node("w", {}, 64), large = node("w", {}, 4096);
  ClassId fusedSmall = node("relu", {node("linear", {small})});
  ClassId fusedLarge = node("relu", {node("linear", {large})});
  // Fuse only layers whose weight payload (a width) is at most 256.
  auto rewrite = Rewrite::parse(
      "fuse-narrow", "(relu (linear ?w)) => (fused ?w)", egraph.getSymbols(),
      [](const EGraph &graph, const Match &match) {
        return graph.getNodes(match.substitution[0])[0].payload <= 256;
      });
  ASSERT_TRUE(bool(rewrite)) << llvm::toString(rewrite.takeError());
  std::vector<Rewrite> rules;
  rules.push_back(std::move(*rewrite));
  RunReport report = runEqualitySaturation(egraph, rules);
  EXPECT_EQ(report.stopReason, StopReason::Saturated);
  EXPECT_EQ(report.applied[0], 1u);
  EXPECT_EQ(egraph.find(fusedSmall), egraph.find(node("fused", {small})));
  auto fusedOp = egraph.getSymbols().lookup("fused");
  for (ENodeRef enode : egraph.getNodes(fusedLarge))
    EXPECT_NE(enode.op, *fusedOp);
}

TEST_F(EGraphTest, RunnerStopsAtTheNodeLimit) {
  node("f", {node("x")});
  std::vector<Rewrite> rules = {rule("grow", "(f ?x) => (f (g ?x))")};
  RunnerLimits limits;
  limits.maxNodes = 50;
  limits.maxIterations = 1000;
  RunReport report = runEqualitySaturation(egraph, rules, limits);
  EXPECT_EQ(report.stopReason, StopReason::NodeLimit);
  EXPECT_LT(report.nodes, 100u);
}

TEST_F(EGraphTest, NodeLimitHoldsWithinOneIteration) {
  // 200 matches in the first iteration, each adding two nodes: the limit is
  // checked as they apply, not after all of them.
  for (int i = 0; i < 200; ++i)
    node("f", {node("x" + std::to_string(i))});
  std::vector<Rewrite> rules = {rule("grow", "(f ?x) => (f (g ?x))")};
  RunnerLimits limits;
  limits.maxNodes = 450;
  RunReport report = runEqualitySaturation(egraph, rules, limits);
  EXPECT_EQ(report.stopReason, StopReason::NodeLimit);
  EXPECT_EQ(report.iterations, 1u);
  EXPECT_LE(report.nodes, 452u);
}

TEST_F(EGraphTest, TimeLimitHoldsWithinOneIteration) {
  for (int i = 0; i < 5000; ++i)
    node("f", {node("x" + std::to_string(i))});
  std::vector<Rewrite> rules = {rule("grow", "(f ?x) => (f (g ?x))")};
  RunnerLimits limits;
  limits.maxSeconds = 1e-9;
  RunReport report = runEqualitySaturation(egraph, rules, limits);
  EXPECT_EQ(report.stopReason, StopReason::TimeLimit);
  // Stopped before the search or within 64 applications of it.
  EXPECT_LE(report.nodes, 10000u + 2 * 64);
}

TEST_F(EGraphTest, RunnerStopsAtTheIterationLimit) {
  node("f", {node("x")});
  std::vector<Rewrite> rules = {rule("grow", "(f ?x) => (f (g ?x))")};
  RunnerLimits limits;
  limits.maxIterations = 4;
  RunReport report = runEqualitySaturation(egraph, rules, limits);
  EXPECT_EQ(report.stopReason, StopReason::IterationLimit);
  EXPECT_EQ(report.iterations, 4u);
}

TEST_F(EGraphTest, BackoffBansARuleThatMatchesTooOften) {
  ClassId x = node("x");
  for (int i = 0; i < 20; ++i)
    node("leaf", {x}, i);
  std::vector<Rewrite> rules = {rule("wrap", "(leaf ?x) => (wrapped ?x)"),
                                rule("quiet", "(x) => (x)")};
  BackoffOptions backoff;
  backoff.matchLimit = 5;
  backoff.banLength = 2;
  RunnerLimits limits;
  limits.maxIterations = 3;
  RunReport report = runEqualitySaturation(egraph, rules, limits, backoff);
  EXPECT_GE(report.bans[0], 1u);
  EXPECT_EQ(report.applied[0], 0u);
  EXPECT_EQ(report.bans[1], 0u);
}

/// Random per-operator costs, fixed per test.
class TableCostModel : public CostModel {
public:
  explicit TableCostModel(std::vector<double> costs)
      : costs(std::move(costs)) {}
  Cost getNodeCost(const EGraph &, ENodeRef node) const override {
    return {costs[node.op], 1};
  }

private:
  std::vector<double> costs;
};

TEST_F(EGraphTest, DagCostCountsSharedClassesOnce) {
  ClassId x = node("x");
  ClassId h = node("expensive", {x});
  ClassId a = node("a", {h}), b = node("b", {h});
  egraph.rebuild();
  TableCostModel model({0, 100, 1, 1});
  Selection selection;
  selection.choice.assign(5, 0);
  std::optional<Cost> cost = getDagCost(egraph, {a, b}, selection, model);
  ASSERT_TRUE(cost);
  EXPECT_EQ(cost->seconds, 102);
  EXPECT_EQ(cost->ops, 4);
}

TEST_F(EGraphTest, DagCostRejectsCycles) {
  ClassId x = node("x");
  ClassId r = node("relu", {x});
  ClassId rr = node("relu", {r});
  egraph.merge(r, rr); // relu(r) = r: the class holds relu(itself).
  egraph.rebuild();
  TableCostModel model({0, 1});
  NodeRange nodes = egraph.getNodes(r);
  ASSERT_EQ(nodes.size(), 2u);
  Selection selection;
  selection.choice.assign(3, 0);
  for (size_t i = 0; i < nodes.size(); ++i)
    if (egraph.find(nodes[i].children[0]) == egraph.find(r))
      selection.choice[egraph.find(r)] = i;
  EXPECT_FALSE(getDagCost(egraph, {r}, selection, model));
  Selection greedy = extractGreedy(egraph, {r}, model);
  std::optional<Cost> cost = getDagCost(egraph, {r}, greedy, model);
  ASSERT_TRUE(cost);
  EXPECT_EQ(cost->seconds, 1);
}

// On random small e-graphs (DAG-shaped programs with random equalities and
// random costs), the greedy extractor finds the exact optimum on nearly all,
// never returns a cycle, and is never worse than the baseline it is given;
// `extract` (greedy, then branch and bound from its result, --fuse-mlp's
// default) finds the optimum on every one; and the search's step limit is
// hard.
TEST_F(EGraphTest, GreedyExtractionMatchesExactOnRandomSmallEGraphs) {
  int optimal = 0, trials = 2000, twoRegions = 0;
  unsigned windowImproved = 0;
  double worstRatio = 1;
  for (int trial = 0; trial < trials; ++trial) {
    std::mt19937 random(trial);
    EGraph graph;
    SymbolTable &symbols = graph.getSymbols();
    std::vector<double> costs;
    for (int op = 0; op < 6; ++op) {
      symbols.intern("op" + std::to_string(op));
      costs.push_back(std::uniform_int_distribution<int>(1, 20)(random));
    }
    std::vector<ClassId> classes;
    std::vector<std::pair<ENode, ClassId>> original;
    for (int leaf = 0; leaf < 2; ++leaf) {
      ENode enode;
      enode.op = 0;
      enode.payload = leaf;
      classes.push_back(graph.add(enode));
      original.emplace_back(enode, classes.back());
    }
    costs[0] = 0;
    int numNodes = std::uniform_int_distribution<int>(4, 14)(random);
    for (int i = 0; i < numNodes; ++i) {
      ENode enode;
      enode.op = std::uniform_int_distribution<int>(1, 5)(random);
      int arity = std::uniform_int_distribution<int>(1, 2)(random);
      for (int c = 0; c < arity; ++c)
        enode.children.push_back(classes[std::uniform_int_distribution<int>(
            0, classes.size() - 1)(random)]);
      classes.push_back(graph.add(enode));
      original.emplace_back(enode, classes.back());
    }
    // Equalities between random non-leaf classes.
    int numMerges = std::uniform_int_distribution<int>(1, 5)(random);
    for (int i = 0; i < numMerges; ++i) {
      std::uniform_int_distribution<int> pick(2, classes.size() - 1);
      graph.merge(classes[pick(random)], classes[pick(random)]);
    }
    graph.rebuild();
    std::vector<ClassId> roots = {graph.find(classes.back()),
                                  graph.find(classes[classes.size() / 2 + 1])};

    TableCostModel model(costs);
    ExactLimits generous;
    generous.maxClasses = 40;
    std::optional<Selection> exact =
        extractExact(graph, roots, model, generous);
    ASSERT_TRUE(exact) << "trial " << trial;
    std::optional<Cost> exactCost = getDagCost(graph, roots, *exact, model);
    ASSERT_TRUE(exactCost);
    Selection greedy = extractGreedy(graph, roots, model);
    std::optional<Cost> greedyCost = getDagCost(graph, roots, greedy, model);
    ASSERT_TRUE(greedyCost) << "trial " << trial << ": cycle or gap";
    // A deadline already past stops the local search at once; what it
    // returns is still a whole, acyclic program.
    Selection cut = extractGreedy(graph, roots, model, nullptr,
                                  std::chrono::steady_clock::now());
    ASSERT_TRUE(getDagCost(graph, roots, cut, model))
        << "trial " << trial << ": cut extraction is not a program";
    ASSERT_FALSE(*greedyCost < *exactCost) << "trial " << trial;
    ExtractionSummary summary;
    Selection best = extract(graph, roots, model, nullptr, generous, summary);
    std::optional<Cost> bestCost = getDagCost(graph, roots, best, model);
    ASSERT_TRUE(bestCost) << "trial " << trial;
    EXPECT_FALSE(*exactCost < *bestCost) << "trial " << trial;
    EXPECT_EQ(summary.greedyOnly, 0u) << "trial " << trial;
    // The two roots share no class in some trials: two regions, extracted
    // apart and still optimal together.
    twoRegions += summary.getNumRegions() == 2;
    // Windows: with every class free, the neighbourhood is everything and
    // its optimum the optimum; with none free (and the incumbent covering
    // the program), the incumbent is all there is.
    Selection found;
    std::optional<Selection> allFree = extractExact(
        graph, roots, model, generous, &greedy, nullptr, nullptr,
        [](ClassId) { return true; }, &found);
    ASSERT_TRUE(allFree) << "trial " << trial;
    EXPECT_FALSE(*exactCost < *getDagCost(graph, roots, *allFree, model))
        << "trial " << trial;
    std::optional<Selection> noneFree =
        extractExact(graph, roots, model, generous, &greedy, nullptr, nullptr,
                     [](ClassId) { return false; });
    ASSERT_TRUE(noneFree) << "trial " << trial;
    EXPECT_EQ(noneFree->choice, greedy.choice) << "trial " << trial;
    // Regions beyond branch and bound's class limit go through windows:
    // a valid program, never costlier than greedy's.
    ExactLimits windowsOnly = generous;
    windowsOnly.maxClasses = 0;
    windowsOnly.maxWindowedClasses = 1000;
    windowsOnly.windowClasses = 3;
    ExtractionSummary windowSummary;
    Selection windowed =
        extract(graph, roots, model, nullptr, windowsOnly, windowSummary);
    std::optional<Cost> windowedCost =
        getDagCost(graph, roots, windowed, model);
    ASSERT_TRUE(windowedCost) << "trial " << trial;
    EXPECT_FALSE(*greedyCost < *windowedCost) << "trial " << trial;
    EXPECT_EQ(windowSummary.provenOptimal + windowSummary.improvedByExact, 0u);
    windowImproved += windowSummary.improvedByWindows;
    // One step is not enough to prove anything.
    ExactLimits oneStep = generous;
    oneStep.maxSteps = 1;
    ExactStop stop;
    EXPECT_FALSE(extractExact(graph, roots, model, oneStep, nullptr, &stop));
    EXPECT_EQ(stop, ExactStop::Steps);
    if (!(*exactCost < *greedyCost))
      ++optimal;
    else
      worstRatio =
          std::max(worstRatio, greedyCost->seconds / exactCost->seconds);
  }
  // Greedy is a heuristic; it must be exact on nearly all of these, and
  // close on the rest.
  EXPECT_GE(optimal, trials * 97 / 100) << "worst ratio " << worstRatio;
  EXPECT_GT(twoRegions, 0);
  EXPECT_LT(worstRatio, 1.5);
  // Greedy is rarely above the optimum here; windows fix some of those.
  EXPECT_GT(windowImproved, 0u);
  std::cout << "greedy optimal on " << optimal << " of " << trials
            << " random e-graphs; worst ratio " << worstRatio << "; "
            << twoRegions << " with two regions\n";
}

} // namespace
