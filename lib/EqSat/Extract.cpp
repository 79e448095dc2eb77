//===- Extract.cpp - Choosing the cheapest program in an e-graph ----------===//

#include "hypatia/EqSat/Extract.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/ScopeExit.h"

#include <cmath>
#include <limits>
#include <tuple>

using namespace hypatia::eqsat;

bool Cost::operator<(const Cost &other) const {
  // Times within a femtosecond, or equal to 1e-9 relative, are ties.
  double scale = std::max(std::abs(seconds), std::abs(other.seconds));
  if (std::abs(seconds - other.seconds) > std::max(1e-9 * scale, 1e-15))
    return seconds < other.seconds;
  return ops < other.ops - 0.5;
}

bool Cost::isInfinite() const { return std::isinf(seconds); }

Cost Cost::infinity() {
  return {std::numeric_limits<double>::infinity(),
          std::numeric_limits<double>::infinity()};
}

CostModel::~CostModel() = default;

std::optional<Cost> hypatia::eqsat::getDagCost(const EGraph &egraph,
                                               llvm::ArrayRef<ClassId> roots,
                                               const Selection &selection,
                                               const CostModel &model) {
  // Iterative DFS with colours: 1 = on the stack, 2 = done.
  llvm::DenseMap<ClassId, uint8_t> colour;
  Cost total;
  for (ClassId root : roots) {
    std::vector<std::pair<ClassId, unsigned>> stack;
    auto push = [&](ClassId id) -> bool {
      id = egraph.find(id);
      uint8_t &state = colour[id];
      if (state == 1)
        return false; // A cycle.
      if (state == 2)
        return true;
      if (selection[id] < 0)
        return false;
      state = 1;
      stack.emplace_back(id, 0);
      return true;
    };
    if (!push(root))
      return std::nullopt;
    while (!stack.empty()) {
      auto &[id, next] = stack.back();
      ENodeRef node = egraph.getNodes(id)[selection[id]];
      if (next < node.children.size()) {
        ClassId child = node.children[next++];
        if (!push(child))
          return std::nullopt;
        continue;
      }
      colour[id] = 2;
      total += model.getNodeCost(egraph, node);
      stack.pop_back();
    }
  }
  return total;
}

namespace {

/// Appends to `order` the classes reachable from `starts` that `visited`
/// does not mark yet, each after the classes `listChildren` gives for it
/// (a post-order; a child already on the path, a cycle, is skipped).
void appendPostOrder(
    llvm::ArrayRef<ClassId> starts,
    llvm::function_ref<void(ClassId, llvm::SmallVectorImpl<ClassId> &)>
        listChildren,
    std::vector<uint8_t> &visited, std::vector<ClassId> &order) {
  struct Frame {
    ClassId id;
    llvm::SmallVector<ClassId, 8> children;
    size_t next = 0;
  };
  std::vector<Frame> stack;
  auto push = [&](ClassId id) {
    visited[id] = 1;
    stack.push_back({id, {}, 0});
    listChildren(id, stack.back().children);
  };
  for (ClassId start : starts) {
    if (visited[start])
      continue;
    push(start);
    while (!stack.empty()) {
      Frame &frame = stack.back();
      if (frame.next < frame.children.size()) {
        ClassId child = frame.children[frame.next++];
        if (!visited[child])
          push(child);
        continue;
      }
      order.push_back(frame.id);
      stack.pop_back();
    }
  }
}

/// Every node's own cost, by class id and node index: fixed once saturation
/// is over, and computed once (a fused kernel's cost walks its layers).
using NodeCosts = std::vector<std::vector<Cost>>;

/// Most classes one local move may bring into or drop out of the program (and
/// visit when checking for a cycle): keeps a move's evaluation O(1), so the
/// search stays linear in the e-graph. Larger moves are not tried.
constexpr size_t kMaxClassesPerMove = 64;
/// Where tree costs saturate (see extractGreedy).
constexpr double kSaturatedSeconds = std::numeric_limits<double>::max();
/// Most classes one group move switches together (users of one class).
constexpr size_t kMaxGroupMove = 32;

/// The local search of the greedy extractor: a selection with reference
/// counts, where switching a class to another node is evaluated exactly
/// (classes that lose their last user leave the program, classes that gain
/// their first user join it with their current choice) and undone if it does
/// not pay.
class LocalSearch {
public:
  LocalSearch(const EGraph &egraph, const NodeCosts &nodeCosts,
              llvm::ArrayRef<ClassId> roots, Selection selection,
              const std::vector<Cost> &treeCost)
      : egraph(egraph), nodeCosts(nodeCosts), roots(roots),
        selection(std::move(selection)), treeCost(treeCost),
        references(this->selection.choice.size(), 0),
        parents(this->selection.choice.size()) {
    for (ClassId root : roots)
      addReference(egraph.find(root), /*log=*/false);
    for (ClassId id : egraph.getClassIds())
      for (auto [index, node] : llvm::enumerate(egraph.getNodes(id)))
        for (ClassId child : node.children) {
          auto &users = parents[egraph.find(child)];
          if (users.empty() ||
              users.back() != std::make_pair(id, int32_t(index)))
            users.push_back({id, int32_t(index)});
        }
  }

  void run(unsigned maxPasses, std::optional<Deadline> deadline) {
    for (unsigned pass = 0; pass < maxPasses; ++pass) {
      bool improved = false;
      computeTopologicalOrder();
      // A snapshot: an accepted move recomputes the order.
      std::vector<ClassId> classes = order;
      for (ClassId id : classes) {
        if (deadline && std::chrono::steady_clock::now() > *deadline)
          return;
        if (references[id] == 0)
          continue;
        NodeRange classNodes = egraph.getNodes(id);
        for (int32_t candidate = 0, e = classNodes.size(); candidate < e;
             ++candidate) {
          if (candidate == selection[id] || !isBuildable(classNodes[candidate]))
            continue;
          if (trySwitch(id, candidate)) {
            improved = true;
            // The order stays a topological one when the new node's
            // children were all placed before `id`; else it is recomputed.
            if (!keptOrder)
              computeTopologicalOrder();
          }
        }
      }
      // Moves of all users of a class at once: what no single move pays
      // for (materialising a shared value for several users, or dropping it
      // once none needs it). The classes of the program, then those outside
      // it that nodes of its classes could use: a value no program class
      // uses yet (a trunk each head recomputes inside its own fused chain)
      // joins only when its users switch to it together.
      for (ClassId id : llvm::concat<ClassId>(classes, getOutsideChildren())) {
        if (deadline && std::chrono::steady_clock::now() > *deadline)
          return;
        if (tryGroupMoves(id)) {
          improved = true;
          if (!keptOrder)
            computeTopologicalOrder();
        }
      }
      if (!improved)
        return;
    }
  }

  Selection takeSelection() {
    // Classes that are not referenced are not part of the program.
    for (size_t id = 0; id < selection.choice.size(); ++id)
      if (references[id] == 0)
        selection.choice[id] = -1;
    return std::move(selection);
  }

private:
  /// The classes outside the program that a node of a program class has as
  /// a child, each once, in increasing order.
  std::vector<ClassId> getOutsideChildren() const {
    std::vector<ClassId> outside;
    for (ClassId id : order)
      if (references[id] > 0)
        for (ENodeRef node : egraph.getNodes(id))
          for (ClassId child : node.children)
            if (references[egraph.find(child)] == 0)
              outside.push_back(egraph.find(child));
    llvm::sort(outside);
    outside.erase(std::unique(outside.begin(), outside.end()), outside.end());
    return outside;
  }

  bool isBuildable(ENodeRef node) const {
    return llvm::all_of(node.children, [&](ClassId child) {
      return !treeCost[egraph.find(child)].isInfinite();
    });
  }

  ENodeRef selectedNode(ClassId id) const {
    return egraph.getNodes(id)[selection.choice[id]];
  }
  const Cost &selectedCost(ClassId id) const {
    return nodeCosts[id][selection.choice[id]];
  }

  // Reference counting with an undo log. Adding the first reference to a
  // class brings it and its selected descendants into the program.
  void addReference(ClassId id, bool log) {
    std::vector<ClassId> work = {id};
    while (!work.empty()) {
      ClassId current = work.back();
      work.pop_back();
      if (log)
        undo.push_back({current, +1});
      if (references[current]++ > 0)
        continue;
      ++touched;
      delta += selectedCost(current);
      for (ClassId child : selectedNode(current).children)
        work.push_back(egraph.find(child));
    }
  }

  void removeReference(ClassId id) {
    std::vector<ClassId> work = {id};
    while (!work.empty()) {
      ClassId current = work.back();
      work.pop_back();
      undo.push_back({current, -1});
      if (--references[current] > 0)
        continue;
      ++touched;
      delta -= selectedCost(current);
      for (ClassId child : selectedNode(current).children)
        work.push_back(egraph.find(child));
    }
  }

  /// Post-order positions of the selected program: a class is after every
  /// class it uses.
  void computeTopologicalOrder() {
    order.clear();
    std::vector<uint8_t> visited(selection.choice.size(), 0);
    llvm::SmallVector<ClassId> starts;
    for (ClassId root : roots)
      starts.push_back(egraph.find(root));
    appendPostOrder(
        starts,
        [&](ClassId id, llvm::SmallVectorImpl<ClassId> &children) {
          for (ClassId child : selectedNode(id).children)
            children.push_back(egraph.find(child));
        },
        visited, order);
    position.assign(selection.choice.size(), -1.0);
    for (auto [index, id] : llvm::enumerate(order))
      position[id] = index;
  }

  /// After `id` switched to `node` whose children are all placed but not
  /// all before `id`: places `id` after its children and before every placed
  /// class that uses it, if there is room, keeping the order topological
  /// without recomputing it (a switch back to a value some later class
  /// computes: one recompute per such move made long diamond chains
  /// quadratic). Returns whether it did.
  bool repairOrder(ClassId id, ENodeRef node) {
    double after = -1;
    for (ClassId child : node.children) {
      double placed = position[egraph.find(child)];
      if (placed < 0)
        return false;
      after = std::max(after, placed);
    }
    double before = std::numeric_limits<double>::infinity();
    for (auto [user, index] : parents[id])
      if (selection.choice[user] == index && position[user] >= 0)
        before = std::min(before, position[user]);
    double placed =
        std::isinf(before) ? after + 1 : after + (before - after) / 2;
    if (!(after < placed && placed < before))
      return false; // No room left between them.
    position[id] = placed;
    return true;
  }

  /// Whether selecting `candidate` for `id` would make `id` reachable from
  /// itself. Classes already in the program and placed before `id` cannot
  /// reach it; the others are searched through their selected nodes.
  bool wouldCycle(ClassId id, ENodeRef candidate) const {
    std::vector<ClassId> work;
    llvm::DenseSet<ClassId> seen;
    for (ClassId child : candidate.children)
      work.push_back(egraph.find(child));
    while (!work.empty()) {
      ClassId current = work.back();
      work.pop_back();
      if (current == id)
        return true;
      if (position[current] >= 0 && position[current] < position[id])
        continue;
      if (!seen.insert(current).second)
        continue;
      if (seen.size() > kMaxClassesPerMove)
        return true; // Too far to check: treated as a cycle, not tried.
      for (ClassId child : selectedNode(current).children)
        work.push_back(egraph.find(child));
    }
    return false;
  }

  bool trySwitch(ClassId id, int32_t candidate) {
    ENodeRef newNode = egraph.getNodes(id)[candidate];
    if (wouldCycle(id, newNode))
      return false;
    int32_t old = selection.choice[id];
    beginMove();
    applySwitch(id, candidate);
    if (touched <= kMaxClassesPerMove && delta < Cost()) {
      keptOrder =
          isPlacedAfterChildren(id, newNode) || repairOrder(id, newNode);
      return true;
    }
    // Not better: undo the reference changes and the choice.
    undoReferences();
    selection.choice[id] = old;
    return false;
  }

  /// A move's bookkeeping starts empty: no cost change, no reference logged.
  void beginMove() {
    delta = Cost();
    undo.clear();
    touched = 0;
  }

  /// Switches `id` (in the program) to its node `candidate`: the cost change
  /// goes to `delta`, the reference changes (logged for undoReferences) bring
  /// the new node's children in and may drop the old node's.
  void applySwitch(ClassId id, int32_t candidate) {
    int32_t old = selection.choice[id];
    ENodeRef newNode = egraph.getNodes(id)[candidate];
    ENodeRef oldNode = selectedNode(id);
    delta += nodeCosts[id][candidate] - nodeCosts[id][old];
    selection.choice[id] = candidate;
    for (ClassId child : newNode.children)
      addReference(egraph.find(child), /*log=*/true);
    selection.choice[id] = old;
    for (ClassId child : oldNode.children)
      removeReference(egraph.find(child));
    selection.choice[id] = candidate;
  }

  void undoReferences() {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it)
      references[it->first] -= it->second;
  }

  /// Whether every child of `node` is placed before `id`: selecting `node`
  /// for `id` then keeps the order topological.
  bool isPlacedAfterChildren(ClassId id, ENodeRef node) const {
    return llvm::all_of(node.children, [&](ClassId child) {
      double placed = position[egraph.find(child)];
      return placed >= 0 && placed < position[id];
    });
  }

  /// The two group moves around `shared`: every program class that could
  /// use it switches to its cheapest node that does (when at least two
  /// can), or every class that uses it switches to its cheapest node that
  /// does not. Returns whether one was kept.
  bool tryGroupMoves(ClassId shared) {
    auto cheapest = [&](ClassId id, bool usesShared) -> int32_t {
      int32_t best = -1;
      NodeRange classNodes = egraph.getNodes(id);
      for (int32_t index = 0, e = classNodes.size(); index < e; ++index) {
        ENodeRef node = classNodes[index];
        bool uses = llvm::any_of(node.children, [&](ClassId child) {
          return egraph.find(child) == shared;
        });
        if (uses != usesShared || !isBuildable(node))
          continue;
        if (best < 0 || nodeCosts[id][index] < nodeCosts[id][best])
          best = index;
      }
      return best;
    };
    llvm::SmallVector<ClassId> users;
    for (auto [user, index] : parents[shared])
      if (references[user] > 0 && (users.empty() || users.back() != user))
        users.push_back(user);
    if (users.size() < 2 || users.size() > kMaxGroupMove)
      return false;
    for (bool materialise : {true, false}) {
      llvm::SmallVector<std::pair<ClassId, int32_t>> moves;
      for (ClassId user : users) {
        bool usesNow =
            llvm::any_of(selectedNode(user).children, [&](ClassId child) {
              return egraph.find(child) == shared;
            });
        if (usesNow == materialise)
          continue;
        int32_t candidate = cheapest(user, materialise);
        if (candidate < 0)
          break;
        moves.push_back({user, candidate});
      }
      if (moves.size() >= 2 && trySwitchGroup(moves))
        return true;
    }
    return false;
  }

  /// Switches every class of `moves` (still in the program when its turn
  /// comes) to its node together; kept if the program gets cheaper and stays
  /// acyclic.
  bool trySwitchGroup(llvm::ArrayRef<std::pair<ClassId, int32_t>> moves) {
    // When every new node's children are placed before its class, the order
    // stays topological: no cycle can form and none needs looking for.
    keptOrder = llvm::all_of(moves, [&](std::pair<ClassId, int32_t> move) {
      return isPlacedAfterChildren(move.first,
                                   egraph.getNodes(move.first)[move.second]);
    });
    beginMove();
    llvm::SmallVector<std::pair<ClassId, int32_t>> applied;
    for (auto [id, candidate] : moves) {
      if (references[id] == 0)
        continue;
      applied.push_back({id, selection.choice[id]});
      applySwitch(id, candidate);
    }
    if (touched <= kMaxClassesPerMove * kMaxGroupMove && delta < Cost() &&
        (keptOrder || isAcyclic()))
      return true;
    undoReferences();
    for (auto it = applied.rbegin(); it != applied.rend(); ++it)
      selection.choice[it->first] = it->second;
    return false;
  }

  /// Whether the selected program has no cycle (a walk over all of it: only
  /// for moves that already pay).
  bool isAcyclic() const {
    std::vector<uint8_t> state(selection.choice.size(), 0);
    std::vector<std::pair<ClassId, size_t>> stack;
    for (ClassId root : roots) {
      ClassId start = egraph.find(root);
      if (state[start])
        continue;
      state[start] = 1;
      stack.push_back({start, 0});
      while (!stack.empty()) {
        auto &[id, next] = stack.back();
        ENodeRef node = selectedNode(id);
        if (next == node.children.size()) {
          state[id] = 2;
          stack.pop_back();
          continue;
        }
        ClassId child = egraph.find(node.children[next++]);
        if (state[child] == 1)
          return false;
        if (state[child] == 0) {
          state[child] = 1;
          stack.push_back({child, 0});
        }
      }
    }
    return true;
  }

  const EGraph &egraph;
  const NodeCosts &nodeCosts;
  llvm::ArrayRef<ClassId> roots;
  Selection selection;
  const std::vector<Cost> &treeCost;
  std::vector<int32_t> references;
  std::vector<std::pair<ClassId, int>> undo;
  std::vector<ClassId> order;
  /// -1: not placed. Doubles, so that a class can be moved between two
  /// others (repairOrder).
  std::vector<double> position;
  /// For each class, the (class, node index) pairs whose node uses it.
  std::vector<llvm::SmallVector<std::pair<ClassId, int32_t>, 2>> parents;
  Cost delta;
  size_t touched = 0;
  /// Whether the last accepted move left the order topological.
  bool keptOrder = false;
};

} // namespace

Selection hypatia::eqsat::extractGreedy(const EGraph &egraph,
                                        llvm::ArrayRef<ClassId> roots,
                                        const CostModel &model,
                                        const Selection *baseline,
                                        std::optional<Deadline> deadline) {
  std::vector<ClassId> ids = egraph.getClassIds();
  size_t size = ids.empty() ? 0 : ids.back() + 1;

  NodeCosts nodeCosts(size);
  for (ClassId id : ids)
    for (ENodeRef node : egraph.getNodes(id))
      nodeCosts[id].push_back(model.getNodeCost(egraph, node));

  // 1. Cheapest tree per class. Classes are visited children first (a
  //    post-order of the class graph, back edges of cycles ignored), so one
  //    sweep settles the acyclic part; sweeps repeat until nothing improves.
  std::vector<ClassId> order;
  std::vector<uint8_t> visited(size, 0);
  appendPostOrder(
      ids,
      [&](ClassId id, llvm::SmallVectorImpl<ClassId> &children) {
        for (ENodeRef node : egraph.getNodes(id))
          for (ClassId child : node.children)
            children.push_back(egraph.find(child));
      },
      visited, order);
  std::vector<Cost> treeCost(size, Cost::infinity());
  Selection tree;
  tree.choice.assign(size, -1);
  for (bool changed = true; changed;) {
    changed = false;
    for (ClassId id : order) {
      NodeRange classNodes = egraph.getNodes(id);
      for (auto [index, node] : llvm::enumerate(classNodes)) {
        Cost cost = nodeCosts[id][index];
        bool childrenBuilt = true;
        for (ClassId child : node.children) {
          childrenBuilt &= tree.choice[egraph.find(child)] >= 0;
          cost += treeCost[egraph.find(child)];
        }
        if (!childrenBuilt)
          continue;
        // A tree counts shared work once per use: on deep DAGs (diamonds)
        // its cost doubles per level and overflows. It saturates, so that
        // every buildable class still gets a choice for the local search.
        cost.seconds = std::min(cost.seconds, kSaturatedSeconds);
        cost.ops = std::min(cost.ops, kSaturatedSeconds);
        if (tree.choice[id] >= 0 && !(cost < treeCost[id]))
          continue;
        treeCost[id] = cost;
        tree.choice[id] = index;
        changed = true;
      }
    }
  }
  for (ClassId root : roots)
    if (tree[egraph.find(root)] < 0)
      return baseline ? *baseline : tree;

  // 2. Local moves under the DAG cost.
  LocalSearch search(egraph, nodeCosts, roots, std::move(tree), treeCost);
  search.run(/*maxPasses=*/4, deadline);
  Selection result = search.takeSelection();

  if (baseline) {
    std::optional<Cost> baselineCost =
        getDagCost(egraph, roots, *baseline, model);
    std::optional<Cost> resultCost = getDagCost(egraph, roots, result, model);
    if (baselineCost && (!resultCost || !(*resultCost < *baselineCost)))
      return *baseline;
  }
  return result;
}

std::optional<Selection> hypatia::eqsat::extractExact(
    const EGraph &egraph, llvm::ArrayRef<ClassId> roots, const CostModel &model,
    const ExactLimits &limits, const Selection *incumbent, ExactStop *stop,
    size_t *stepsTaken, llvm::function_ref<bool(ClassId)> isFree,
    Selection *bestFound) {
  ExactStop ignored;
  ExactStop &why = stop ? *stop : ignored;
  why = ExactStop::None;
  size_t steps = 0;
  auto report = llvm::make_scope_exit([&] {
    if (stepsTaken)
      *stepsTaken = steps;
  });
  // The classes any program for the roots could use.
  llvm::DenseSet<ClassId> reachable;
  std::vector<ClassId> work;
  for (ClassId root : roots)
    work.push_back(egraph.find(root));
  while (!work.empty()) {
    ClassId id = work.back();
    work.pop_back();
    if (!reachable.insert(id).second)
      continue;
    if (!isFree && reachable.size() > limits.maxClasses) {
      why = ExactStop::Classes;
      return std::nullopt;
    }
    for (ENodeRef node : egraph.getNodes(id))
      for (ClassId child : node.children)
        work.push_back(egraph.find(child));
  }

  std::vector<ClassId> ids = egraph.getClassIds();
  Selection current, best;
  current.choice.assign(ids.empty() ? 0 : ids.back() + 1, -1);
  Cost bestCost = Cost::infinity();
  if (incumbent) {
    std::optional<Cost> incumbentCost =
        getDagCost(egraph, roots, *incumbent, model);
    if (incumbentCost) {
      bestCost = *incumbentCost;
      best = *incumbent;
    }
  }

  // A lower bound on what the classes still to decide cost: each needed,
  // undecided class pays at least its cheapest node's own cost, once. Without
  // it, only the cost of the decided classes pruned, and regions of about
  // 100 classes ran out of steps (bench/extraction_quality.py).
  // A class outside the neighbourhood (with `isFree`) has one node to take.
  auto getForced = [&](ClassId id) -> int32_t {
    return isFree && incumbent && !isFree(id) ? (*incumbent)[id] : -1;
  };
  std::vector<Cost> cheapest(current.choice.size());
  for (ClassId id : reachable) {
    NodeRange nodes = egraph.getNodes(id);
    if (int32_t forced = getForced(id); forced >= 0) {
      cheapest[id] = model.getNodeCost(egraph, nodes[forced]);
      continue;
    }
    Cost least = Cost::infinity();
    for (ENodeRef node : nodes)
      least = std::min(least, model.getNodeCost(egraph, node));
    cheapest[id] = least;
  }
  // Per class, how many entries of `needed` are counted in `pending` (those
  // pushed while the class was undecided); `pending` sums the cheapest costs
  // of the undecided classes with a count.
  std::vector<uint32_t> counted(current.choice.size(), 0);
  Cost pending;
  auto need = [&](ClassId id, std::vector<ClassId> &into) {
    into.push_back(id);
    if (current[id] >= 0)
      return false;
    if (counted[id]++ == 0)
      pending += cheapest[id];
    return true;
  };
  auto unneed = [&](ClassId id) {
    if (--counted[id] == 0)
      pending -= cheapest[id];
  };

  // Decide the needed classes one at a time; a class is needed once a
  // decided node uses it. Each decided class is paid once (DAG cost).
  std::vector<ClassId> needed;
  std::vector<bool> neededCounted;
  for (ClassId root : roots)
    neededCounted.push_back(need(egraph.find(root), needed));
  bool stopped = false;
  std::function<void(size_t, Cost)> decide = [&](size_t next, Cost cost) {
    if (stopped || !(cost + pending < bestCost))
      return;
    if (++steps > limits.maxSteps) {
      why = ExactStop::Steps;
      stopped = true;
      return;
    }
    // The clock is read every 1024 steps: it costs more than a step.
    if (limits.deadline && steps % 1024 == 0 &&
        std::chrono::steady_clock::now() > *limits.deadline) {
      why = ExactStop::Deadline;
      stopped = true;
      return;
    }
    while (next < needed.size() && current[needed[next]] >= 0)
      ++next;
    if (next == needed.size()) {
      if (getDagCost(egraph, roots, current, model)) {
        bestCost = cost;
        best = current;
      }
      return;
    }
    ClassId id = needed[next];
    // Decided: its share of the bound becomes the chosen node's cost.
    pending -= cheapest[id];
    NodeRange classNodes = egraph.getNodes(id);
    int32_t forced = getForced(id);
    for (auto [index, node] : llvm::enumerate(classNodes)) {
      if (forced >= 0 && int32_t(index) != forced)
        continue;
      Cost nodeCost = model.getNodeCost(egraph, node);
      current.choice[id] = index;
      size_t mark = needed.size();
      for (ClassId child : node.children)
        neededCounted.push_back(need(egraph.find(child), needed));
      decide(next + 1, cost + nodeCost);
      for (size_t i = needed.size(); i-- > mark;)
        if (neededCounted[i])
          unneed(needed[i]);
      needed.resize(mark);
      neededCounted.resize(mark);
    }
    current.choice[id] = -1;
    pending += cheapest[id];
  };
  decide(0, Cost());
  if (bestFound && !bestCost.isInfinite())
    *bestFound = best;
  if (stopped || bestCost.isInfinite())
    return std::nullopt;
  return best;
}

/// Large neighbourhood search from `current`: for each class of the
/// program, a window of up to `limits.windowClasses` program classes around
/// it (the classes its node uses and the classes that use it, breadth
/// first) is re-decided by branch and bound with the rest of the program
/// fixed; an improvement is kept and the sweep repeats until one finds
/// nothing or `stepsLeft` runs out. Returns whether the program got cheaper.
static bool improveByWindows(const EGraph &egraph,
                             llvm::ArrayRef<ClassId> roots,
                             const CostModel &model, const ExactLimits &limits,
                             Selection &current, size_t &stepsLeft) {
  std::optional<Cost> currentCost = getDagCost(egraph, roots, current, model);
  if (!currentCost)
    return false;
  bool improvedAtAll = false;
  for (bool improved = true; improved && stepsLeft > 0;) {
    improved = false;
    // The program's classes, and who uses whom.
    std::vector<ClassId> program;
    llvm::DenseMap<ClassId, llvm::SmallVector<ClassId, 4>> users;
    llvm::DenseSet<ClassId> seen;
    std::vector<ClassId> work(roots.begin(), roots.end());
    while (!work.empty()) {
      ClassId id = egraph.find(work.back());
      work.pop_back();
      if (current[id] < 0 || !seen.insert(id).second)
        continue;
      program.push_back(id);
      for (ClassId child : egraph.getNodes(id)[current[id]].children) {
        users[egraph.find(child)].push_back(id);
        work.push_back(child);
      }
    }
    llvm::sort(program);
    for (ClassId center : program) {
      if (stepsLeft == 0 ||
          (limits.deadline &&
           std::chrono::steady_clock::now() > *limits.deadline))
        return improvedAtAll;
      if (current[center] < 0)
        continue; // Left the program with an earlier improvement.
      llvm::SmallVector<ClassId, 32> window = {center};
      llvm::DenseSet<ClassId> inWindow = {center};
      for (size_t i = 0;
           i < window.size() && window.size() < limits.windowClasses; ++i) {
        ClassId id = window[i];
        llvm::SmallVector<ClassId, 8> neighbours(users.lookup(id));
        if (current[id] >= 0)
          for (ClassId child : egraph.getNodes(id)[current[id]].children)
            neighbours.push_back(egraph.find(child));
        for (ClassId next : neighbours)
          if (window.size() < limits.windowClasses && current[next] >= 0 &&
              inWindow.insert(next).second)
            window.push_back(next);
      }
      ExactLimits windowLimits = limits;
      windowLimits.maxSteps = std::min(stepsLeft, limits.maxStepsPerWindow);
      size_t taken = 0;
      Selection found;
      extractExact(
          egraph, roots, model, windowLimits, &current, /*stop=*/nullptr,
          &taken, [&](ClassId id) { return inWindow.contains(id); }, &found);
      stepsLeft -= std::min(taken, stepsLeft);
      std::optional<Cost> foundCost =
          found.choice.empty() ? std::nullopt
                               : getDagCost(egraph, roots, found, model);
      if (foundCost && *foundCost < *currentCost) {
        current = std::move(found);
        currentCost = foundCost;
        improved = improvedAtAll = true;
      }
    }
  }
  return improvedAtAll;
}

namespace {
/// Roots whose programs can share a class, and every class reachable from
/// them.
struct Region {
  std::vector<ClassId> roots, classes;
};
} // namespace

/// The roots grouped into connected regions, in the order of each region's
/// first root.
static std::vector<Region> splitIntoRegions(const EGraph &egraph,
                                            llvm::ArrayRef<ClassId> roots) {
  // The first root that reached each class; roots that reach a common class
  // are united (union-find over root indices).
  llvm::DenseMap<ClassId, unsigned> owner;
  std::vector<unsigned> parent(roots.size());
  for (unsigned i = 0; i < roots.size(); ++i)
    parent[i] = i;
  auto leaderOf = [&](unsigned i) {
    while (parent[i] != i)
      i = parent[i] = parent[parent[i]];
    return i;
  };
  std::vector<ClassId> work;
  for (unsigned r = 0; r < roots.size(); ++r) {
    work.push_back(egraph.find(roots[r]));
    while (!work.empty()) {
      ClassId id = work.back();
      work.pop_back();
      auto [it, inserted] = owner.try_emplace(id, r);
      if (!inserted) {
        // Reached before (by this root or an earlier one, which went on).
        unsigned a = leaderOf(it->second), b = leaderOf(r);
        if (a != b)
          parent[b] = a;
        continue;
      }
      for (ENodeRef node : egraph.getNodes(id))
        for (ClassId child : node.children)
          work.push_back(egraph.find(child));
    }
  }
  llvm::DenseMap<unsigned, unsigned> regionOfLeader;
  std::vector<Region> regions;
  for (unsigned r = 0; r < roots.size(); ++r) {
    auto [it, inserted] =
        regionOfLeader.try_emplace(leaderOf(r), regions.size());
    if (inserted)
      regions.emplace_back();
    regions[it->second].roots.push_back(roots[r]);
  }
  for (auto [id, r] : owner)
    regions[regionOfLeader.lookup(leaderOf(r))].classes.push_back(id);
  return regions;
}

Selection
hypatia::eqsat::extract(const EGraph &egraph, llvm::ArrayRef<ClassId> roots,
                        const CostModel &model, const Selection *baseline,
                        const ExactLimits &limits, ExtractionSummary &summary) {
  summary = {};
  // Greedy once over the whole block (its setup is linear in the e-graph,
  // so once per region would be quadratic in blocks of many regions), then
  // per region: the cheaper of greedy and the baseline, improved or proven
  // optimal by branch and bound.
  Selection greedy =
      extractGreedy(egraph, roots, model, nullptr, limits.deadline);
  Selection result;
  // The step limit is the block's, shared by its regions in order: a block
  // of many regions each near the class limit stays within it.
  ExactLimits regionLimits = limits;
  for (const Region &region : splitIntoRegions(egraph, roots)) {
    const Selection *start = &greedy;
    if (baseline) {
      std::optional<Cost> greedyCost =
          getDagCost(egraph, region.roots, greedy, model);
      std::optional<Cost> baselineCost =
          getDagCost(egraph, region.roots, *baseline, model);
      if (baselineCost && (!greedyCost || !(*greedyCost < *baselineCost)))
        start = baseline;
    }
    size_t taken = 0;
    std::optional<Selection> exact =
        extractExact(egraph, region.roots, model, regionLimits, start,
                     /*stop=*/nullptr, &taken);
    regionLimits.maxSteps -= std::min(taken, regionLimits.maxSteps);
    Selection windowed;
    bool improvedByWindows = false;
    if (!exact && region.classes.size() <= limits.maxWindowedClasses) {
      windowed = *start;
      improvedByWindows = improveByWindows(egraph, region.roots, model, limits,
                                           windowed, regionLimits.maxSteps);
    }
    if (exact && exact->choice == start->choice)
      ++summary.provenOptimal;
    else if (exact)
      ++summary.improvedByExact;
    else if (improvedByWindows)
      ++summary.improvedByWindows;
    else
      ++summary.greedyOnly;
    const Selection &chosen = exact               ? *exact
                              : improvedByWindows ? windowed
                                                  : *start;
    for (ClassId id : region.classes) {
      if (result.choice.size() <= id)
        result.choice.resize(id + 1, -1);
      result.choice[id] = chosen[id];
    }
  }
  return result;
}
