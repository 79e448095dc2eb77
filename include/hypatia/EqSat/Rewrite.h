//===- Rewrite.h - Patterns and rewrite rules over an e-graph ---*- C++ -*-===//
//
// Patterns are s-expressions: `(relu (linear ?x ?w ?b))`, where `?x` is a
// variable and `(op child...)` an operator applied to sub-patterns; a bare
// word is a nullary operator. A rule is `lhs => rhs` (an s-expression on each
// side, rhs variables bound by lhs), or a searcher pattern with an applier
// written in C++ for what an s-expression cannot say (variadic operators).
// Either may carry a condition on the match.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_EQSAT_REWRITE_H
#define HYPATIA_EQSAT_REWRITE_H

#include "hypatia/EqSat/EGraph.h"

#include "llvm/Support/Error.h"

#include <functional>

namespace hypatia::eqsat {

/// A pattern over e-nodes. Payloads are not matched: operators that carry
/// attributes are told apart by their symbol or checked by a condition.
class Pattern {
public:
  struct Node {
    /// A variable (index into the variable names) or an operator.
    bool isVariable = false;
    unsigned variable = 0;
    Symbol op = 0;
    llvm::SmallVector<unsigned, 4> children;
  };

  /// Parses an s-expression, interning its operators in `symbols`.
  static llvm::Expected<Pattern> parse(llvm::StringRef text,
                                       SymbolTable &symbols);

  llvm::ArrayRef<Node> getNodes() const { return nodes; }
  unsigned getRoot() const { return root; }
  llvm::ArrayRef<std::string> getVariableNames() const { return variables; }
  /// The index of variable `name` (without `?`), if the pattern has it.
  std::optional<unsigned> getVariable(llvm::StringRef name) const;
  std::string toString(const SymbolTable &symbols) const;

private:
  friend class PatternParser;
  std::vector<Node> nodes;
  unsigned root = 0;
  std::vector<std::string> variables;
};

/// What a match binds: one class per pattern variable.
using Substitution = llvm::SmallVector<ClassId, 4>;

struct Match {
  ClassId root;
  Substitution substitution;
};

/// Every match of `pattern` in `egraph`, in increasing order of root class
/// (deterministic). Stops after `limit` matches.
std::vector<Match> search(const EGraph &egraph, const Pattern &pattern,
                          size_t limit = SIZE_MAX);

/// Adds the instance of `pattern` under `substitution`; returns its class.
ClassId instantiate(EGraph &egraph, const Pattern &pattern,
                    const Substitution &substitution);

/// A rewrite rule.
struct Rewrite {
  using Condition = std::function<bool(const EGraph &, const Match &)>;
  /// Adds what the match is equal to and returns those classes (to be
  /// merged with the match's root).
  using Applier =
      std::function<llvm::SmallVector<ClassId, 2>(EGraph &, const Match &)>;

  std::string name;
  Pattern searcher;
  Applier applier;
  Condition condition;
  /// Whether the applier reads more than the substitution (the nodes of the
  /// bound classes): then a match applied before is applied again when one of
  /// its classes changed. Results of `lhs => rhs` rules depend only on the
  /// substitution, so such a match is never applied twice.
  bool readsClassContents = false;

  /// `lhs => rhs`, e.g. `(relu (relu ?x)) => (relu ?x)`. Every variable of
  /// the right side must appear on the left.
  static llvm::Expected<Rewrite> parse(llvm::StringRef name,
                                       llvm::StringRef rule,
                                       SymbolTable &symbols,
                                       Condition condition = nullptr);
  /// A searcher pattern with a C++ applier.
  static llvm::Expected<Rewrite> withApplier(llvm::StringRef name,
                                             llvm::StringRef searcher,
                                             SymbolTable &symbols,
                                             Applier applier,
                                             Condition condition = nullptr);
};

} // namespace hypatia::eqsat

#endif // HYPATIA_EQSAT_REWRITE_H
