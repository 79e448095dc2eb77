//===- Registration.h - What Hypatia's tools register -----------*- C++ -*-===//
//
// One list of the dialects, interface models and passes Hypatia's pipelines
// touch, shared by hypatia-opt, hypatia-run and the C API, so that a pipeline
// that works in one tool works in all of them.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_REGISTRATION_H
#define HYPATIA_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace hypatia {

/// The hypatia dialect, the upstream dialects the pipelines produce, and the
/// external interface models (bufferization, deallocation) they rely on.
void registerDialects(mlir::DialectRegistry &registry);

/// Hypatia's passes and pipelines, and the upstream passes they are built of
/// (so that each step can also be run on its own in hypatia-opt).
void registerPassesAndPipelines();

} // namespace hypatia

#endif // HYPATIA_REGISTRATION_H
