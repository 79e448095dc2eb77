//===- Internal.h - The C API's handles -------------------------*- C++ -*-===//
//
// What the opaque handles of hypatia/CAPI/Hypatia.h are, shared by the files
// that implement it.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_LIB_CAPI_INTERNAL_H
#define HYPATIA_LIB_CAPI_INTERNAL_H

#include "hypatia/CAPI/Hypatia.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

struct HypatiaContext {
  HypatiaContext();
  ~HypatiaContext();

  mlir::MLIRContext context;
  /// Diagnostics since the last hypatiaContextTakeDiagnostics, one per line.
  std::string diagnostics;
  mlir::DiagnosticEngine::HandlerID handler;
};

struct HypatiaModule {
  HypatiaContext *context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

namespace hypatia::capi {

/// A copy of `text` that C callers free with hypatiaStringFree.
char *copyString(llvm::StringRef text);

} // namespace hypatia::capi

#endif // HYPATIA_LIB_CAPI_INTERNAL_H
