//===- EGraph.cpp - An e-graph with deferred rebuilding ---------*- C++ -*-===//

#include "hypatia/EqSat/EGraph.h"

#include "llvm/ADT/STLExtras.h"

#include <cassert>

#include <algorithm>

using namespace hypatia::eqsat;

Symbol SymbolTable::intern(llvm::StringRef name) {
  auto [it, inserted] = ids.try_emplace(name, names.size());
  if (inserted)
    names.push_back(name.str());
  return it->second;
}

std::optional<Symbol> SymbolTable::lookup(llvm::StringRef name) const {
  auto it = ids.find(name);
  if (it == ids.end())
    return std::nullopt;
  return it->second;
}

bool ENode::operator<(const ENode &other) const {
  if (op != other.op)
    return op < other.op;
  if (payload != other.payload)
    return payload < other.payload;
  return children < other.children;
}

Analysis::~Analysis() = default;

EGraph::EGraph(std::unique_ptr<Analysis> analysis)
    : analysis(std::move(analysis)) {}

void EGraph::setAnalysis(std::unique_ptr<Analysis> newAnalysis) {
  assert(classes.empty() && "the analysis of a non-empty e-graph");
  analysis = std::move(newAnalysis);
}

ClassId EGraph::find(ClassId id) const {
  // Path halving: every other node on the path points to its grandparent.
  while (unionFind[id] != id) {
    unionFind[id] = unionFind[unionFind[id]];
    id = unionFind[id];
  }
  return id;
}

ClassId EGraph::makeSet() {
  ClassId id = unionFind.size();
  unionFind.push_back(id);
  lastChange.push_back(++clock);
  return id;
}

ENode EGraph::canonicalize(ENode node) const {
  for (ClassId &child : node.children)
    child = find(child);
  return node;
}

std::optional<ClassId> EGraph::lookup(ENode node) const {
  auto it = hashcons.find(canonicalize(std::move(node)));
  if (it == hashcons.end())
    return std::nullopt;
  return find(it->second);
}

ClassId EGraph::add(ENode node) {
  node = canonicalize(std::move(node));
  if (auto it = hashcons.find(node); it != hashcons.end())
    return find(it->second);

  ClassId id = makeSet();
  auto eclass = std::make_unique<EClass>();
  eclass->id = id;
  eclass->nodes.push_back(node);
  if (analysis)
    eclass->data = analysis->make(*this, node);
  // One parent entry per distinct child: a node using a class several times
  // (a weight shared by every layer of a fused_mlp) is repaired once.
  llvm::SmallVector<ClassId, 4> distinct(node.children);
  llvm::sort(distinct);
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  uint32_t index = arena.size();
  arena.push_back(node);
  for (ClassId child : distinct)
    classes[child]->parents.emplace_back(index, id);
  classes.push_back(std::move(eclass));
  hashcons.emplace(std::move(node), id);
  ++numClasses;
  return id;
}

bool EGraph::merge(ClassId a, ClassId b) {
  a = find(a);
  b = find(b);
  if (a == b)
    return false;
  // Keep the class with more parents as the root: fewer parents to move.
  if (classes[a]->parents.size() < classes[b]->parents.size())
    std::swap(a, b);
  unionFind[b] = a;
  --numClasses;
  pending.push_back(a);
  lastChange[a] = ++clock;

  std::unique_ptr<EClass> from = std::move(classes[b]);
  EClass &into = *classes[a];
  llvm::append_range(into.nodes, from->nodes);
  llvm::append_range(into.parents, from->parents);
  if (analysis) {
    ClassData before = into.data;
    if (!analysis->merge(into.data, from->data))
      analysisConflict = true;
    if (into.data != before)
      analysisPending.push_back(a);
  }
  classes[b] = nullptr;
  return true;
}

void EGraph::repair(ClassId id) {
  // Repairing an earlier class may have merged this one away.
  id = find(id);
  EClass &eclass = *classes[id];
  // Re-canonicalize the parents; congruent ones are merged.
  std::vector<std::pair<uint32_t, ClassId>> parents;
  parents.swap(eclass.parents);
  for (auto &[index, parentClass] : parents)
    hashcons.erase(arena[index]);
  // Canonical parent node -> (its arena index, its class).
  std::unordered_map<ENode, std::pair<uint32_t, ClassId>, ENodeHash> unique;
  for (auto &[index, parentClass] : parents) {
    ENode canonical = canonicalize(arena[index]);
    auto [it, inserted] =
        unique.try_emplace(canonical, index, find(parentClass));
    if (!inserted) {
      merge(it->second.second, parentClass);
      it->second.second = find(it->second.second);
    }
    hashcons[canonical] = find(parentClass);
    arena[index] = std::move(canonical);
  }
  // `merge` above may have moved this class's parents elsewhere or added to
  // them; keep what is there and add the repaired ones.
  EClass &current = *classes[find(id)];
  for (auto &[node, entry] : unique)
    current.parents.emplace_back(entry.first, find(entry.second));
}

void EGraph::rebuild() {
  while (!pending.empty() || !analysisPending.empty()) {
    std::vector<ClassId> todo;
    todo.swap(pending);
    for (ClassId &id : todo)
      id = find(id);
    llvm::sort(todo);
    todo.erase(std::unique(todo.begin(), todo.end()), todo.end());
    for (ClassId id : todo)
      repair(id);

    // Facts that changed flow to the parents.
    std::vector<ClassId> changed;
    changed.swap(analysisPending);
    for (ClassId id : changed) {
      EClass &eclass = *classes[find(id)];
      for (auto &[index, parentClass] : eclass.parents) {
        EClass &parent = *classes[find(parentClass)];
        ClassData before = parent.data;
        if (!analysis->merge(parent.data, analysis->make(*this, arena[index])))
          analysisConflict = true;
        if (parent.data != before) {
          analysisPending.push_back(parent.id);
          lastChange[parent.id] = ++clock;
        }
      }
    }
  }
  // Canonical node lists: children canonical, sorted, no duplicates.
  for (std::unique_ptr<EClass> &eclass : classes) {
    if (!eclass)
      continue;
    for (ENode &node : eclass->nodes)
      node = canonicalize(std::move(node));
    llvm::sort(eclass->nodes);
    eclass->nodes.erase(std::unique(eclass->nodes.begin(), eclass->nodes.end()),
                        eclass->nodes.end());
  }
}

std::vector<ClassId> EGraph::getClassIds() const {
  std::vector<ClassId> ids;
  ids.reserve(numClasses);
  for (const std::unique_ptr<EClass> &eclass : classes)
    if (eclass)
      ids.push_back(eclass->id);
  return ids;
}
