//===- hypatia-opt.cpp - Hypatia's optimizer driver -------------*- C++ -*-===//
//
// mlir-opt with the hypatia dialect, Hypatia's passes and pipelines, and the
// upstream dialects and passes those pipelines use.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/thread.h"

/// MLIR's parser and printer recurse once per level of nesting: a few
/// thousand nested regions, arrays or types overflowed the default 8 MiB
/// stack. The driver runs on a thread with this much (reserved, touched only
/// as deep as an input nests), room for any input of a few megabytes.
static constexpr unsigned kStackBytes = 1u << 30;

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  hypatia::registerDialects(registry);
  hypatia::registerPassesAndPipelines();
  int result = 1;
  llvm::thread driver(std::optional<unsigned>(kStackBytes), [&] {
    result = mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, "Hypatia optimizer driver\n", registry));
  });
  driver.join();
  return result;
}
