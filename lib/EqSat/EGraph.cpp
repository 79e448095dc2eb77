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

bool ENodeRef::operator<(const ENodeRef &other) const {
  if (op != other.op)
    return op < other.op;
  if (payload != other.payload)
    return payload < other.payload;
  return children < other.children;
}

Analysis::~Analysis() = default;

//===----------------------------------------------------------------------===//
// NodeTable
//===----------------------------------------------------------------------===//

std::optional<NodeId> EGraph::NodeTable::lookup(const EGraph &egraph,
                                                ENodeRef node,
                                                uint64_t hash) const {
  if (slots.empty())
    return std::nullopt;
  size_t mask = slots.size() - 1;
  // Linear probing; an erased slot does not end the probe.
  for (size_t index = hash & mask;; index = (index + 1) & mask) {
    const Slot &slot = slots[index];
    if (slot.node == kEmpty)
      return std::nullopt;
    if (slot.node != kErased && slot.hash == uint32_t(hash) &&
        egraph.getNode(slot.node) == node)
      return slot.node;
  }
}

void EGraph::NodeTable::insert(const EGraph &egraph, NodeId id, uint64_t hash) {
  // At most 3/4 full, erased slots included, so that probes stay short and
  // always reach an empty slot.
  if ((numEntries + numErased + 1) * 4 > slots.size() * 3)
    grow(egraph);
  size_t mask = slots.size() - 1;
  size_t index = hash & mask;
  while (slots[index].node != kEmpty && slots[index].node != kErased)
    index = (index + 1) & mask;
  if (slots[index].node == kErased)
    --numErased;
  slots[index] = {id, uint32_t(hash)};
  ++numEntries;
}

void EGraph::NodeTable::erase(NodeId id, uint64_t hash) {
  if (slots.empty())
    return;
  size_t mask = slots.size() - 1;
  for (size_t index = hash & mask; slots[index].node != kEmpty;
       index = (index + 1) & mask) {
    if (slots[index].node == id) {
      slots[index].node = kErased;
      --numEntries;
      ++numErased;
      return;
    }
  }
}

void EGraph::NodeTable::grow(const EGraph &egraph) {
  // Double when mostly live; rehash in place of the erased slots otherwise.
  size_t size = std::max<size_t>(64, slots.size());
  if (numEntries * 2 >= slots.size())
    size *= 2;
  std::vector<Slot> old(size);
  old.swap(slots);
  numEntries = numErased = 0;
  for (const Slot &slot : old)
    if (slot.node != kEmpty && slot.node != kErased)
      insert(egraph, slot.node, hashNode(egraph.getNode(slot.node)));
}

//===----------------------------------------------------------------------===//
// EGraph
//===----------------------------------------------------------------------===//

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

void EGraph::canonicalizeStored(NodeId id) {
  const StoredNode &node = nodes[id];
  for (ClassId &child : llvm::MutableArrayRef(childStorage)
                            .slice(node.firstChild, node.numChildren))
    child = find(child);
}

std::optional<ClassId> EGraph::lookup(ENode node) const {
  node = canonicalize(std::move(node));
  std::optional<NodeId> held = table.lookup(*this, node, hashNode(node));
  if (!held)
    return std::nullopt;
  return find(nodes[*held].eclass);
}

ClassId EGraph::add(ENode node) {
  node = canonicalize(std::move(node));
  uint64_t hash = hashNode(node);
  if (std::optional<NodeId> held = table.lookup(*this, node, hash))
    return find(nodes[*held].eclass);

  ClassId id = makeSet();
  NodeId nodeId = nodes.size();
  nodes.push_back({node.op, uint32_t(node.children.size()), node.payload,
                   childStorage.size(), id});
  llvm::append_range(childStorage, node.children);
  auto eclass = std::make_unique<EClass>();
  eclass->id = id;
  eclass->nodes.push_back(nodeId);
  if (analysis)
    eclass->data = analysis->make(*this, node);
  // One parent entry per distinct child: a node using a class several times
  // (a weight shared by every layer of a fused_mlp) is repaired once.
  llvm::SmallVector<ClassId, 4> distinct(node.children);
  llvm::sort(distinct);
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  for (ClassId child : distinct)
    classes[child]->parents.push_back(nodeId);
  classes.push_back(std::move(eclass));
  table.insert(*this, nodeId, hash);
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
  unsorted.push_back(a);
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
  std::vector<NodeId> parents;
  parents.swap(classes[id]->parents);
  // Out of the table while their children change (it finds nodes by hash).
  for (NodeId parent : parents)
    if (!nodes[parent].redundant)
      table.erase(parent, hashNode(getNode(parent)));
  // Back in, canonical; a parent congruent to one already back in is merged
  // with it and becomes redundant. A node listed twice is back in already.
  std::vector<NodeId> repaired;
  for (NodeId parent : parents) {
    if (nodes[parent].redundant)
      continue;
    canonicalizeStored(parent);
    ENodeRef node = getNode(parent);
    uint64_t hash = hashNode(node);
    std::optional<NodeId> held = table.lookup(*this, node, hash);
    if (held == parent)
      continue;
    ClassId parentClass = find(nodes[parent].eclass);
    // Its contents changed: so may its place in its class's sorted list.
    unsorted.push_back(parentClass);
    if (held) {
      nodes[parent].redundant = true;
      merge(nodes[*held].eclass, parentClass);
      continue;
    }
    table.insert(*this, parent, hash);
    repaired.push_back(parent);
  }
  // `merge` above may have moved this class's parents elsewhere or added to
  // them; keep what is there and add the repaired ones.
  llvm::append_range(classes[find(id)]->parents, repaired);
}

void EGraph::sortClassNodes(ClassId id) {
  std::vector<NodeId> &list = classes[id]->nodes;
  llvm::erase_if(list, [&](NodeId node) { return nodes[node].redundant; });
  // Ties (none expected: held nodes differ) go to the older node, so the
  // order never depends on the sort's implementation.
  llvm::sort(list, [&](NodeId a, NodeId b) {
    ENodeRef left = getNode(a), right = getNode(b);
    if (left < right)
      return true;
    return !(right < left) && a < b;
  });
  list.erase(
      std::unique(list.begin(), list.end(),
                  [&](NodeId a, NodeId b) { return getNode(a) == getNode(b); }),
      list.end());
}

std::vector<ClassId> EGraph::takeCanonical(std::vector<ClassId> &ids) const {
  std::vector<ClassId> canonical;
  canonical.swap(ids);
  for (ClassId &id : canonical)
    id = find(id);
  llvm::sort(canonical);
  canonical.erase(std::unique(canonical.begin(), canonical.end()),
                  canonical.end());
  return canonical;
}

void EGraph::rebuild() {
  while (!pending.empty() || !analysisPending.empty()) {
    for (ClassId id : takeCanonical(pending))
      repair(id);

    // Facts that changed flow to the parents.
    std::vector<ClassId> changed;
    changed.swap(analysisPending);
    for (ClassId id : changed) {
      EClass &eclass = *classes[find(id)];
      for (NodeId parent : eclass.parents) {
        if (nodes[parent].redundant)
          continue;
        EClass &parentClass = *classes[find(nodes[parent].eclass)];
        ClassData before = parentClass.data;
        if (!analysis->merge(parentClass.data,
                             analysis->make(*this, getNode(parent))))
          analysisConflict = true;
        if (parentClass.data != before) {
          analysisPending.push_back(parentClass.id);
          lastChange[parentClass.id] = ++clock;
        }
      }
    }
  }
  // Canonical node lists: every node whose children changed was repaired
  // (it is a parent of the class that changed), so only the classes that
  // gained nodes or hold repaired ones are sorted again.
  for (ClassId id : takeCanonical(unsorted))
    sortClassNodes(id);
}

std::vector<ClassId> EGraph::getClassIds() const {
  std::vector<ClassId> ids;
  ids.reserve(numClasses);
  for (const std::unique_ptr<EClass> &eclass : classes)
    if (eclass)
      ids.push_back(eclass->id);
  return ids;
}
