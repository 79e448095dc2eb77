//===- Export.h - An e-graph and its costs as JSON -------------*- C++ -*-===//
//
// What an external solver needs to check an extraction: every class reachable
// from the roots with its nodes, each node's operator, children and cost
// under the model. `bench/extraction_quality.py` solves the exact extraction
// problem of such a dump as an integer program and compares the pass's
// result with the optimum.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_EQSAT_EXPORT_H
#define HYPATIA_EQSAT_EXPORT_H

#include "hypatia/EqSat/Extract.h"

#include "llvm/Support/JSON.h"

namespace hypatia::eqsat {

/// Writes, as one JSON object: `roots` (canonical class ids), `classes` (the
/// classes reachable from the roots: `id`, `nodes`, each with `op`,
/// `children` as canonical class ids, `seconds` and `ops` of its cost, and
/// the index of the node each program chose, `input_choice` and
/// `result_choice`, -1 where it uses none), and
/// the DAG costs of `input` and `result` (`input_seconds`, `result_seconds`,
/// with their `_ops`).
void writeEGraphJSON(llvm::json::OStream &json, const EGraph &egraph,
                     llvm::ArrayRef<ClassId> roots, const CostModel &model,
                     const Selection &input, const Selection &result);

} // namespace hypatia::eqsat

#endif // HYPATIA_EQSAT_EXPORT_H
