//===- PassManager.cpp - Textual pass pipelines in the C API ----*- C++ -*-===//

#include "Internal.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

struct HypatiaPassManager {
  explicit HypatiaPassManager(HypatiaContext *context)
      : context(context), pm(&context->context, ModuleOp::getOperationName()) {}

  HypatiaContext *context;
  PassManager pm;
};

HypatiaPassManager *hypatiaPassManagerParse(HypatiaContext *context,
                                            const char *pipeline) {
  Location loc = UnknownLoc::get(&context->context);
  if (!pipeline) {
    emitError(loc) << "no pass pipeline";
    return nullptr;
  }
  // The pipeline names its anchor, as hypatia-opt's --pass-pipeline does:
  // "builtin.module(fuse-mlp)".
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  FailureOr<OpPassManager> parsed = parsePassPipeline(pipeline, errorStream);
  if (failed(parsed)) {
    emitError(loc) << "invalid pass pipeline '" << pipeline
                   << "': " << llvm::StringRef(errors).trim();
    return nullptr;
  }
  if (parsed->getOpAnchorName() != ModuleOp::getOperationName()) {
    emitError(loc) << "the pass pipeline must be anchored on builtin.module, "
                      "as in 'builtin.module(fuse-mlp)'; got '"
                   << pipeline << "'";
    return nullptr;
  }
  auto result = std::make_unique<HypatiaPassManager>(context);
  static_cast<OpPassManager &>(result->pm) = std::move(*parsed);
  result->pm.enableVerifier(true);
  return result.release();
}

void hypatiaPassManagerDestroy(HypatiaPassManager *pm) { delete pm; }

int32_t hypatiaPassManagerRun(HypatiaPassManager *pm, HypatiaModule *module) {
  if (pm->context != module->context) {
    emitError(UnknownLoc::get(&pm->context->context))
        << "the module belongs to another context";
    return 0;
  }
  return succeeded(pm->pm.run(*module->module)) ? 1 : 0;
}
