//===- EGraph.h - An e-graph with deferred rebuilding -----------*- C++ -*-===//
//
// The core of Hypatia's equality saturation, independent of MLIR: e-nodes
// (an operator, an integer payload for attributes, child e-classes),
// hash-consing, union-find, deferred rebuilding that restores congruence once
// per iteration (as in egg), and an analysis hook carrying per-class facts.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_EQSAT_EGRAPH_H
#define HYPATIA_EQSAT_EGRAPH_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace hypatia::eqsat {

/// Identifies an e-class. Ids are dense; `find` gives the canonical one.
using ClassId = uint32_t;

/// An interned operator name.
using Symbol = uint32_t;

/// Interns operator names, so that e-nodes compare operators as integers.
class SymbolTable {
public:
  Symbol intern(llvm::StringRef name);
  /// The symbol of `name`, if it was interned.
  std::optional<Symbol> lookup(llvm::StringRef name) const;
  llvm::StringRef getName(Symbol symbol) const { return names[symbol]; }

private:
  llvm::StringMap<Symbol> ids;
  std::vector<std::string> names;
};

/// An operator applied to child e-classes. `payload` carries what the
/// operator needs beyond its children (a leaf's index, an attribute's
/// encoding); nodes with different payloads are different nodes.
struct ENode {
  Symbol op = 0;
  uint64_t payload = 0;
  llvm::SmallVector<ClassId, 4> children;

  bool operator==(const ENode &other) const {
    return op == other.op && payload == other.payload &&
           children == other.children;
  }
  bool operator<(const ENode &other) const;
};

struct ENodeHash {
  size_t operator()(const ENode &node) const {
    return llvm::hash_combine(
        node.op, node.payload,
        llvm::hash_combine_range(node.children.begin(), node.children.end()));
  }
};

/// Facts an analysis keeps per e-class; their meaning is the analysis's own
/// (Hypatia's shape analysis stores an element type and the dimensions).
using ClassData = llvm::SmallVector<int64_t, 6>;

class EGraph;

/// An e-class analysis (egg's `Analysis`): computes the facts of a node from
/// its children's facts, and merges the facts of two classes being united.
class Analysis {
public:
  virtual ~Analysis();
  virtual ClassData make(const EGraph &egraph, const ENode &node) = 0;
  /// Merges `from` into `into`. Returns false if the facts contradict each
  /// other (two values proven equal that cannot be: a wrong rewrite rule).
  virtual bool merge(ClassData &into, const ClassData &from) = 0;
};

struct EClass {
  ClassId id;
  /// Canonical after a rebuild: sorted, without duplicates.
  std::vector<ENode> nodes;
  /// Nodes that have this class as a child: their index in the e-graph's
  /// node arena, and the class they are in.
  std::vector<std::pair<uint32_t, ClassId>> parents;
  ClassData data;
};

class EGraph {
public:
  explicit EGraph(std::unique_ptr<Analysis> analysis = nullptr);

  /// Sets the analysis of an empty e-graph (one whose facts depend on
  /// symbols interned in this e-graph's table is made after the e-graph).
  void setAnalysis(std::unique_ptr<Analysis> newAnalysis);

  SymbolTable &getSymbols() { return symbols; }
  const SymbolTable &getSymbols() const { return symbols; }

  /// Adds `node` (its children are canonicalized) and returns its class: an
  /// existing one if an equal node is already present (hash-consing).
  ClassId add(ENode node);
  /// The class of `node` if the e-graph holds it.
  std::optional<ClassId> lookup(ENode node) const;
  /// The canonical id of `id`'s class.
  ClassId find(ClassId id) const;
  /// Unites two classes; congruence is restored by the next `rebuild`.
  /// Returns true if they were different classes.
  bool merge(ClassId a, ClassId b);
  /// Restores the invariants after merges: congruence closure, canonical
  /// hash-cons and node lists, analysis facts.
  void rebuild();
  /// True when merges happened since the last rebuild.
  bool needsRebuild() const { return !pending.empty(); }
  /// Set when an analysis merge found contradicting facts.
  bool hasAnalysisConflict() const { return analysisConflict; }

  const EClass &getClass(ClassId id) const { return *classes[find(id)]; }
  const ClassData &getData(ClassId id) const { return getClass(id).data; }
  /// Canonical class ids, in increasing order.
  std::vector<ClassId> getClassIds() const;
  size_t getNumClasses() const { return numClasses; }
  size_t getNumNodes() const { return hashcons.size(); }
  /// Canonicalizes the children of `node`.
  ENode canonicalize(ENode node) const;

  /// A clock that advances at every change of a class (made, merged with
  /// another, or its facts changed); each class records the time of its last
  /// change. A rule applied at time t to classes unchanged since would add
  /// nothing new (the runner skips it).
  uint64_t getClock() const { return clock; }
  uint64_t getLastChange(ClassId id) const { return lastChange[find(id)]; }

private:
  ClassId makeSet();
  void repair(ClassId id);

  SymbolTable symbols;
  std::unique_ptr<Analysis> analysis;
  mutable std::vector<ClassId> unionFind;
  /// Every node added, once, in the form it was last canonicalized in; parent
  /// lists refer to it (a node is the parent of each of its children).
  std::vector<ENode> arena;
  std::vector<std::unique_ptr<EClass>> classes;
  std::unordered_map<ENode, ClassId, ENodeHash> hashcons;
  std::vector<ClassId> pending;
  std::vector<ClassId> analysisPending;
  size_t numClasses = 0;
  bool analysisConflict = false;
  uint64_t clock = 0;
  std::vector<uint64_t> lastChange;
};

} // namespace hypatia::eqsat

#endif // HYPATIA_EQSAT_EGRAPH_H
