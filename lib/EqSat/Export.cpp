//===- Export.cpp - An e-graph and its costs as JSON ----------------------===//

#include "hypatia/EqSat/Export.h"

#include "llvm/ADT/DenseSet.h"

using namespace hypatia::eqsat;

/// The canonical classes reachable from `roots` through any node, in
/// increasing order.
static std::vector<ClassId> getReachableClasses(const EGraph &egraph,
                                                llvm::ArrayRef<ClassId> roots) {
  llvm::DenseSet<ClassId> seen;
  std::vector<ClassId> stack;
  for (ClassId root : roots)
    if (seen.insert(egraph.find(root)).second)
      stack.push_back(egraph.find(root));
  while (!stack.empty()) {
    ClassId id = stack.back();
    stack.pop_back();
    for (ENodeRef node : egraph.getNodes(id))
      for (ClassId child : node.children)
        if (seen.insert(egraph.find(child)).second)
          stack.push_back(egraph.find(child));
  }
  std::vector<ClassId> classes(seen.begin(), seen.end());
  llvm::sort(classes);
  return classes;
}

void hypatia::eqsat::writeEGraphJSON(llvm::json::OStream &json,
                                     const EGraph &egraph,
                                     llvm::ArrayRef<ClassId> roots,
                                     const CostModel &model,
                                     const Selection &input,
                                     const Selection &result) {
  auto writeCost = [&](llvm::StringRef name, const Selection &selection) {
    std::optional<Cost> cost = getDagCost(egraph, roots, selection, model);
    json.attribute((name + "_seconds").str(),
                   cost ? llvm::json::Value(cost->seconds) : nullptr);
    json.attribute((name + "_ops").str(),
                   cost ? llvm::json::Value(cost->ops) : nullptr);
  };
  json.object([&] {
    json.attributeArray("roots", [&] {
      for (ClassId root : roots)
        json.value(int64_t(egraph.find(root)));
    });
    writeCost("input", input);
    writeCost("result", result);
    json.attributeArray("classes", [&] {
      for (ClassId id : getReachableClasses(egraph, roots)) {
        json.object([&] {
          json.attribute("id", int64_t(id));
          json.attribute("input_choice", int64_t(input[id]));
          json.attribute("result_choice", int64_t(result[id]));
          json.attributeArray("nodes", [&] {
            for (ENodeRef node : egraph.getNodes(id)) {
              Cost cost = model.getNodeCost(egraph, node);
              json.object([&] {
                json.attribute("op", egraph.getSymbols().getName(node.op));
                json.attributeArray("children", [&] {
                  for (ClassId child : node.children)
                    json.value(int64_t(egraph.find(child)));
                });
                // Infinite costs (a node the target cannot run) as null.
                json.attribute("seconds",
                               cost.isInfinite()
                                   ? llvm::json::Value(nullptr)
                                   : llvm::json::Value(cost.seconds));
                json.attribute("ops", cost.isInfinite()
                                          ? llvm::json::Value(nullptr)
                                          : llvm::json::Value(cost.ops));
              });
            }
          });
        });
      }
    });
  });
}
