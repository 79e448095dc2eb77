//===- hypatia-opt.cpp - Hypatia's optimizer driver -------------*- C++ -*-===//
//
// mlir-opt with the hypatia dialect, Hypatia's passes and pipelines, and the
// upstream dialects and passes those pipelines use.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  hypatia::registerDialects(registry);
  hypatia::registerPassesAndPipelines();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Hypatia optimizer driver\n", registry));
}
