//===- Extract.h - Choosing the cheapest program in an e-graph --*- C++ -*-===//
//
// A selection picks one node for each class a program needs. Its cost is the
// DAG cost: every selected class counts once, however many nodes use it, so
// that a value with two users is paid for once (fusing `relu(linear)` must not
// silently pay for the GEMM twice when the linear has another user).
//
// The greedy extractor starts from the cheapest tree (each class's best node
// by tree cost, which is acyclic by construction) and then improves it by
// local moves evaluated exactly under the DAG cost, with reference counts.
// The exact extractor (branch and bound, for small e-graphs) is the check;
// seeded with the greedy result it proves that optimal or finds the optimum,
// which `extract` (what --fuse-mlp runs) does on regions small enough.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_EQSAT_EXTRACT_H
#define HYPATIA_EQSAT_EXTRACT_H

#include "hypatia/EqSat/EGraph.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <chrono>
#include <optional>

namespace hypatia::eqsat {

/// Estimated run time, then the number of operations: programs that are
/// equally fast are told apart by being smaller.
struct Cost {
  double seconds = 0;
  double ops = 0;

  Cost operator+(const Cost &other) const {
    return {seconds + other.seconds, ops + other.ops};
  }
  Cost operator-(const Cost &other) const {
    return {seconds - other.seconds, ops - other.ops};
  }
  Cost &operator+=(const Cost &other) { return *this = *this + other; }
  Cost &operator-=(const Cost &other) { return *this = *this - other; }
  /// Lexicographic, with a relative tolerance on the time so that sums
  /// computed in different orders compare as equal.
  bool operator<(const Cost &other) const;
  bool isInfinite() const;
  static Cost infinity();
};

/// The cost of one node on its own (its children not included).
class CostModel {
public:
  virtual ~CostModel();
  virtual Cost getNodeCost(const EGraph &egraph, ENodeRef node) const = 0;
};

/// For each canonical class id, the index of its selected node in
/// `EClass::nodes`, or -1 where the class is not part of the program.
struct Selection {
  std::vector<int32_t> choice;

  int32_t operator[](ClassId id) const {
    return id < choice.size() ? choice[id] : -1;
  }
};

/// The DAG cost of the program that `selection` gives for `roots`, or
/// nullopt if the selection misses a needed class or contains a cycle.
std::optional<Cost> getDagCost(const EGraph &egraph,
                               llvm::ArrayRef<ClassId> roots,
                               const Selection &selection,
                               const CostModel &model);

/// When extraction must end (the local search stops improving then; what it
/// has is a valid selection).
using Deadline = std::chrono::steady_clock::time_point;

/// Greedy DAG extraction. With `baseline` (typically the input program), the
/// result is never costlier than it.
Selection extractGreedy(const EGraph &egraph, llvm::ArrayRef<ClassId> roots,
                        const CostModel &model,
                        const Selection *baseline = nullptr,
                        std::optional<Deadline> deadline = std::nullopt);

/// Limits of the branch-and-bound search: the classes reachable from the
/// roots, the search steps (one per class decision), and the deadline. Its
/// time is exponential in the classes at worst; the step limit makes it
/// hard.
struct ExactLimits {
  size_t maxClasses = 24;
  size_t maxSteps = 1000000;
  std::optional<Deadline> deadline;
  /// `extract`, on regions beyond `maxClasses` (or where branch and bound
  /// ran out of steps) up to this many classes: windows of `windowClasses`
  /// program classes re-decided exactly, the rest fixed, with what is left
  /// of `maxSteps`.
  size_t maxWindowedClasses = 0;
  size_t windowClasses = 16;
  size_t maxStepsPerWindow = 20000;
};

/// Which limit stopped a branch-and-bound search.
enum class ExactStop { None, Classes, Steps, Deadline };

/// The optimal selection by branch and bound, or nullopt when a limit stops
/// the search before it has proven a selection optimal (`stop` says which;
/// `stepsTaken` how many steps it took). With `incumbent` (a valid
/// selection, e.g. the greedy one) the search prunes against its cost from
/// the start and returns it where nothing is cheaper.
///
/// With `isFree` (and an incumbent), only the classes it accepts, and
/// classes the incumbent does not select, may change their node: the optimum
/// of that neighbourhood of the incumbent. `bestFound`, if given, receives
/// the cheapest selection found, also when a limit stopped the search
/// (the incumbent when nothing was cheaper).
std::optional<Selection>
extractExact(const EGraph &egraph, llvm::ArrayRef<ClassId> roots,
             const CostModel &model, const ExactLimits &limits = {},
             const Selection *incumbent = nullptr, ExactStop *stop = nullptr,
             size_t *stepsTaken = nullptr,
             llvm::function_ref<bool(ClassId)> isFree = nullptr,
             Selection *bestFound = nullptr);

/// What `extract` ran, per connected region of the roots (roots whose
/// programs can share a class are one region).
struct ExtractionSummary {
  /// Regions whose greedy result branch and bound proved optimal.
  unsigned provenOptimal = 0;
  /// Regions where branch and bound found a cheaper program than greedy.
  unsigned improvedByExact = 0;
  /// Regions where windows re-decided exactly improved the program (branch
  /// and bound could not cover the region).
  unsigned improvedByWindows = 0;
  /// Regions out of branch and bound's limits: greedy alone (windows, where
  /// they ran, found nothing cheaper).
  unsigned greedyOnly = 0;

  unsigned getNumRegions() const {
    return provenOptimal + improvedByExact + improvedByWindows + greedyOnly;
  }
};

/// The extraction `--fuse-mlp` runs, region by region: greedy DAG
/// extraction (never costlier than `baseline` on the region), then, within
/// `limits` (the class limit per region, the steps for all regions
/// together), branch and bound seeded with its result, which either proves
/// it optimal or finds the optimum. A region that gains nothing keeps its
/// baseline program without holding the others back.
Selection extract(const EGraph &egraph, llvm::ArrayRef<ClassId> roots,
                  const CostModel &model, const Selection *baseline,
                  const ExactLimits &limits, ExtractionSummary &summary);

} // namespace hypatia::eqsat

#endif // HYPATIA_EQSAT_EXTRACT_H
