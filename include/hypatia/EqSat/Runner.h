//===- Runner.h - Equality saturation with limits ---------------*- C++ -*-===//
//
// Applies rewrite rules until the e-graph saturates or a limit is reached
// (egg's Runner): each iteration searches every rule, applies all matches,
// then rebuilds once. A backoff scheduler bans a rule for a while when it
// matches too often, so that one explosive rule cannot starve the others.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_EQSAT_RUNNER_H
#define HYPATIA_EQSAT_RUNNER_H

#include "hypatia/EqSat/Rewrite.h"

namespace hypatia::eqsat {

struct RunnerLimits {
  size_t maxNodes = 100000;
  unsigned maxIterations = 30;
  /// Wall-clock limit. Reaching it makes the result depend on the machine's
  /// speed; the report says so, and the other limits are deterministic.
  double maxSeconds = 5.0;
};

struct BackoffOptions {
  /// A rule with more matches than this in one iteration is banned...
  /// (egg's 1000 would ban the plain fusion rules on programs of over 1000
  /// layers, whose matches grow only linearly with the program.)
  size_t matchLimit = 100000;
  /// ...for this many iterations; both double each time it is banned again.
  unsigned banLength = 5;
};

enum class StopReason {
  Saturated,
  IterationLimit,
  NodeLimit,
  TimeLimit,
  /// An analysis found two merged classes with contradicting facts.
  AnalysisConflict,
};

llvm::StringRef stringifyStopReason(StopReason reason);

struct RunReport {
  StopReason stopReason = StopReason::Saturated;
  unsigned iterations = 0;
  size_t nodes = 0;
  size_t classes = 0;
  double seconds = 0;
  /// Matches applied per rule, in the order of the rules.
  std::vector<size_t> applied;
  /// Times each rule was banned by the scheduler.
  std::vector<unsigned> bans;
};

RunReport runEqualitySaturation(EGraph &egraph, llvm::ArrayRef<Rewrite> rules,
                                const RunnerLimits &limits = {},
                                const BackoffOptions &backoff = {});

} // namespace hypatia::eqsat

#endif // HYPATIA_EQSAT_RUNNER_H
