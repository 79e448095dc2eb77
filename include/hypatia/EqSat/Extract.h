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
// The exact extractor (branch and bound, for small e-graphs) is the check.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_EQSAT_EXTRACT_H
#define HYPATIA_EQSAT_EXTRACT_H

#include "hypatia/EqSat/EGraph.h"

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
  virtual Cost getNodeCost(const EGraph &egraph, const ENode &node) const = 0;
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

/// The optimal selection by branch and bound, or nullopt when more than
/// `maxClasses` classes are reachable from the roots.
std::optional<Selection> extractExact(const EGraph &egraph,
                                      llvm::ArrayRef<ClassId> roots,
                                      const CostModel &model,
                                      size_t maxClasses = 24);

} // namespace hypatia::eqsat

#endif // HYPATIA_EQSAT_EXTRACT_H
