//===- Runner.cpp - Equality saturation with limits -------------*- C++ -*-===//

#include "hypatia/EqSat/Runner.h"

#include <chrono>
#include <unordered_map>

using namespace hypatia::eqsat;

namespace {
/// A match as a key: its root, then its substitution.
struct MatchKeyHash {
  size_t operator()(const std::vector<ClassId> &key) const {
    return llvm::hash_combine_range(key.begin(), key.end());
  }
};
using AppliedMatches =
    std::unordered_map<std::vector<ClassId>, uint64_t, MatchKeyHash>;
} // namespace

llvm::StringRef hypatia::eqsat::stringifyStopReason(StopReason reason) {
  switch (reason) {
  case StopReason::Saturated:
    return "saturated";
  case StopReason::IterationLimit:
    return "iteration limit";
  case StopReason::NodeLimit:
    return "node limit";
  case StopReason::TimeLimit:
    return "time limit";
  case StopReason::AnalysisConflict:
    return "analysis conflict";
  }
  return "unknown";
}

RunReport hypatia::eqsat::runEqualitySaturation(EGraph &egraph,
                                                llvm::ArrayRef<Rewrite> rules,
                                                const RunnerLimits &limits,
                                                const BackoffOptions &backoff) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };

  RunReport report;
  report.applied.assign(rules.size(), 0);
  report.bans.assign(rules.size(), 0);
  std::vector<unsigned> bannedUntil(rules.size(), 0);
  // Per rule, the matches applied so far and the e-graph's clock when they
  // were last applied: applying one again adds nothing unless one of its
  // classes changed after that (see Rewrite::readsClassContents); a change
  // earlier in the same iteration does not count.
  std::vector<AppliedMatches> applied(rules.size());
  egraph.rebuild();

  auto finish = [&](StopReason reason) {
    report.stopReason = reason;
    report.nodes = egraph.getNumNodes();
    report.classes = egraph.getNumClasses();
    report.seconds = elapsed();
    return report;
  };

  for (unsigned iteration = 0;; ++iteration) {
    if (iteration >= limits.maxIterations)
      return finish(StopReason::IterationLimit);
    // Search every rule first, then apply: matches see one e-graph state.
    // The limits are hard, as egg's: checked between searches and as
    // matches apply, so the e-graph ends at most one application past
    // max-nodes and an iteration stops within a few applications of
    // max-seconds (checked once per iteration, a large one ran far past it).
    std::optional<StopReason> stop;
    std::vector<std::vector<Match>> matchesPerRule(rules.size());
    bool anyBanned = false;
    for (auto [index, rule] : llvm::enumerate(rules)) {
      if (elapsed() > limits.maxSeconds) {
        stop = StopReason::TimeLimit;
        break;
      }
      if (iteration < bannedUntil[index]) {
        anyBanned = true;
        continue;
      }
      size_t threshold = backoff.matchLimit << report.bans[index];
      std::vector<Match> matches = search(egraph, rule.searcher, threshold + 1);
      if (matches.size() > threshold) {
        bannedUntil[index] =
            iteration + (backoff.banLength << report.bans[index]);
        ++report.bans[index];
        anyBanned = true;
        continue;
      }
      matchesPerRule[index] = std::move(matches);
    }

    size_t nodesBefore = egraph.getNumNodes();
    size_t classesBefore = egraph.getNumClasses();
    size_t applications = 0;
    for (auto [index, rule] : llvm::enumerate(rules)) {
      if (stop)
        break;
      for (const Match &match : matchesPerRule[index]) {
        std::vector<ClassId> key = {egraph.find(match.root)};
        for (ClassId id : match.substitution)
          key.push_back(egraph.find(id));
        auto previous = applied[index].find(key);
        if (previous != applied[index].end() &&
            (!rule.readsClassContents ||
             llvm::all_of(llvm::drop_begin(key), [&](ClassId id) {
               return egraph.getLastChange(id) <= previous->second;
             })))
          continue;
        // A match that fails its condition is looked at again next time: the
        // facts it depends on may change.
        if (rule.condition && !rule.condition(egraph, match))
          continue;
        applied[index][key] = egraph.getClock();
        for (ClassId result : rule.applier(egraph, match))
          egraph.merge(match.root, result);
        ++report.applied[index];
        if (egraph.getNumNodes() > limits.maxNodes) {
          stop = StopReason::NodeLimit;
          break;
        }
        // The clock is read every 64 applications: cheap, and often enough.
        if (++applications % 64 == 0 && elapsed() > limits.maxSeconds) {
          stop = StopReason::TimeLimit;
          break;
        }
      }
    }
    egraph.rebuild();
    report.iterations = iteration + 1;

    if (egraph.hasAnalysisConflict())
      return finish(StopReason::AnalysisConflict);
    if (stop)
      return finish(*stop);
    if (egraph.getNumNodes() > limits.maxNodes)
      return finish(StopReason::NodeLimit);
    if (elapsed() > limits.maxSeconds)
      return finish(StopReason::TimeLimit);
    bool changed = egraph.getNumNodes() != nodesBefore ||
                   egraph.getNumClasses() != classesBefore;
    if (!changed && !anyBanned)
      return finish(StopReason::Saturated);
  }
}
