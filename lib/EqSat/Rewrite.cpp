//===- Rewrite.cpp - Patterns and rewrite rules over an e-graph -*- C++ -*-===//

#include "hypatia/EqSat/Rewrite.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace hypatia::eqsat;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

namespace hypatia::eqsat {
/// Recursive-descent parser of s-expressions into a Pattern.
class PatternParser {
public:
  PatternParser(llvm::StringRef text, SymbolTable &symbols)
      : text(text), rest(text), symbols(symbols) {}

  llvm::Expected<Pattern> parse() {
    auto root = parseNode();
    if (!root)
      return root.takeError();
    skipSpace();
    if (!rest.empty())
      return error("unexpected '" + rest.take_front(10) + "' after pattern");
    pattern.root = *root;
    return std::move(pattern);
  }

private:
  void skipSpace() { rest = rest.ltrim(); }

  llvm::Error error(const llvm::Twine &message) {
    return makeError("in pattern '" + text + "' at column " +
                     llvm::Twine(text.size() - rest.size() + 1) + ": " +
                     message);
  }

  llvm::StringRef parseWord() {
    size_t length = rest.find_first_of(" \t\n()");
    llvm::StringRef word = rest.take_front(length);
    rest = rest.drop_front(word.size());
    return word;
  }

  llvm::Expected<unsigned> parseNode() {
    skipSpace();
    if (rest.empty())
      return error("expected a pattern");
    Pattern::Node node;
    if (rest.consume_front("(")) {
      skipSpace();
      llvm::StringRef op = parseWord();
      if (op.empty() || op.starts_with("?"))
        return error("expected an operator after '('");
      node.op = symbols.intern(op);
      while (true) {
        skipSpace();
        if (rest.empty())
          return error("missing ')'");
        if (rest.consume_front(")"))
          break;
        auto child = parseNode();
        if (!child)
          return child.takeError();
        node.children.push_back(*child);
      }
    } else if (rest.starts_with(")")) {
      return error("unexpected ')'");
    } else {
      llvm::StringRef word = parseWord();
      if (word.consume_front("?")) {
        if (word.empty())
          return error("expected a variable name after '?'");
        node.isVariable = true;
        auto it = llvm::find(pattern.variables, word);
        node.variable = it - pattern.variables.begin();
        if (it == pattern.variables.end())
          pattern.variables.push_back(word.str());
      } else {
        node.op = symbols.intern(word);
      }
    }
    pattern.nodes.push_back(std::move(node));
    return pattern.nodes.size() - 1;
  }

  llvm::StringRef text, rest;
  SymbolTable &symbols;
  Pattern pattern;
};
} // namespace hypatia::eqsat

llvm::Expected<Pattern> Pattern::parse(llvm::StringRef text,
                                       SymbolTable &symbols) {
  return PatternParser(text, symbols).parse();
}

std::optional<unsigned> Pattern::getVariable(llvm::StringRef name) const {
  auto it = llvm::find(variables, name);
  if (it == variables.end())
    return std::nullopt;
  return it - variables.begin();
}

std::string Pattern::toString(const SymbolTable &symbols) const {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::function<void(unsigned)> print = [&](unsigned index) {
    const Node &node = nodes[index];
    if (node.isVariable) {
      os << '?' << variables[node.variable];
      return;
    }
    if (node.children.empty()) {
      os << symbols.getName(node.op);
      return;
    }
    os << '(' << symbols.getName(node.op);
    for (unsigned child : node.children) {
      os << ' ';
      print(child);
    }
    os << ')';
  };
  print(root);
  return text;
}

//===----------------------------------------------------------------------===//
// E-matching
//===----------------------------------------------------------------------===//

namespace {
/// Backtracking matcher: enumerates the substitutions under which pattern
/// node `index` matches class `id`, extending `substitution`.
class Matcher {
public:
  Matcher(const EGraph &egraph, const Pattern &pattern)
      : egraph(egraph), pattern(pattern) {}

  void match(unsigned index, ClassId id, Substitution &substitution,
             llvm::function_ref<void()> onMatch) {
    const Pattern::Node &node = pattern.getNodes()[index];
    id = egraph.find(id);
    if (node.isVariable) {
      ClassId &bound = substitution[node.variable];
      if (bound == kUnbound) {
        bound = id;
        onMatch();
        bound = kUnbound;
      } else if (egraph.find(bound) == id) {
        onMatch();
      }
      return;
    }
    for (ENodeRef enode : egraph.getNodes(id)) {
      if (enode.op != node.op || enode.children.size() != node.children.size())
        continue;
      matchChildren(node, enode, 0, substitution, onMatch);
    }
  }

  static constexpr ClassId kUnbound = ~ClassId(0);

private:
  void matchChildren(const Pattern::Node &node, ENodeRef enode,
                     unsigned position, Substitution &substitution,
                     llvm::function_ref<void()> onMatch) {
    if (position == node.children.size()) {
      onMatch();
      return;
    }
    match(node.children[position], enode.children[position], substitution, [&] {
      matchChildren(node, enode, position + 1, substitution, onMatch);
    });
  }

  const EGraph &egraph;
  const Pattern &pattern;
};
} // namespace

std::vector<Match> hypatia::eqsat::search(const EGraph &egraph,
                                          const Pattern &pattern,
                                          size_t limit) {
  std::vector<Match> matches;
  Matcher matcher(egraph, pattern);
  const Pattern::Node &root = pattern.getNodes()[pattern.getRoot()];
  for (ClassId id : egraph.getClassIds()) {
    if (matches.size() >= limit)
      break;
    // Cheap filter before backtracking: the root operator must be present.
    if (!root.isVariable &&
        llvm::none_of(egraph.getNodes(id),
                      [&](ENodeRef node) { return node.op == root.op; }))
      continue;
    Substitution substitution(pattern.getVariableNames().size(),
                              Matcher::kUnbound);
    matcher.match(pattern.getRoot(), id, substitution, [&] {
      if (matches.size() < limit)
        matches.push_back({id, substitution});
    });
  }
  return matches;
}

ClassId hypatia::eqsat::instantiate(EGraph &egraph, const Pattern &pattern,
                                    const Substitution &substitution) {
  std::function<ClassId(unsigned)> build = [&](unsigned index) -> ClassId {
    const Pattern::Node &node = pattern.getNodes()[index];
    if (node.isVariable)
      return substitution[node.variable];
    ENode enode;
    enode.op = node.op;
    for (unsigned child : node.children)
      enode.children.push_back(build(child));
    return egraph.add(std::move(enode));
  };
  return build(pattern.getRoot());
}

//===----------------------------------------------------------------------===//
// Rewrite rules
//===----------------------------------------------------------------------===//

llvm::Expected<Rewrite> Rewrite::parse(llvm::StringRef name,
                                       llvm::StringRef rule,
                                       SymbolTable &symbols,
                                       Condition condition) {
  auto [lhsText, rhsText] = rule.split("=>");
  if (rhsText.empty() && !rule.contains("=>"))
    return makeError("rule '" + name + "': expected 'lhs => rhs'");
  auto lhs = Pattern::parse(lhsText.trim(), symbols);
  if (!lhs)
    return makeError("rule '" + name + "': " + toString(lhs.takeError()));
  auto rhs = Pattern::parse(rhsText.trim(), symbols);
  if (!rhs)
    return makeError("rule '" + name + "': " + toString(rhs.takeError()));

  // Map the right side's variables to the left side's.
  llvm::SmallVector<unsigned> rhsToLhs;
  for (const std::string &variable : rhs->getVariableNames()) {
    std::optional<unsigned> index = lhs->getVariable(variable);
    if (!index)
      return makeError("rule '" + name + "': variable ?" + variable +
                       " of the right side is not bound by the left side");
    rhsToLhs.push_back(*index);
  }
  Rewrite rewrite;
  rewrite.name = name.str();
  rewrite.searcher = std::move(*lhs);
  rewrite.condition = std::move(condition);
  rewrite.applier = [rhs = std::move(*rhs), rhsToLhs](EGraph &egraph,
                                                      const Match &match) {
    Substitution substitution;
    for (unsigned index : rhsToLhs)
      substitution.push_back(match.substitution[index]);
    return llvm::SmallVector<ClassId, 2>{
        instantiate(egraph, rhs, substitution)};
  };
  return rewrite;
}

llvm::Expected<Rewrite> Rewrite::withApplier(llvm::StringRef name,
                                             llvm::StringRef searcher,
                                             SymbolTable &symbols,
                                             Applier applier,
                                             Condition condition) {
  auto pattern = Pattern::parse(searcher, symbols);
  if (!pattern)
    return makeError("rule '" + name + "': " + toString(pattern.takeError()));
  Rewrite rewrite;
  rewrite.name = name.str();
  rewrite.searcher = std::move(*pattern);
  rewrite.applier = std::move(applier);
  rewrite.condition = std::move(condition);
  rewrite.readsClassContents = true;
  return rewrite;
}
