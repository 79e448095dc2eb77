//===- Compile.cpp - Compiling models in the C API --*- C++ -*-===//

#include "Internal.h"

#include "hypatia/Compiler/Compiler.h"

#include <string>

using namespace mlir;

int32_t hypatiaCompile(HypatiaModule *module, const char *outputPath,
                       int32_t target, int32_t fuse, int32_t allowTF32,
                       int32_t optLevel, const char *hostCPU,
                       const char *linker, const char *libraryDir) {
  Location loc = module->module->getLoc();
  if (!outputPath || !*outputPath) {
    emitError(loc) << "no output path";
    return 0;
  }
  hypatia::CompileOptions options;
  switch (target) {
  case HYPATIA_TARGET_CPU:
    options.target = hypatia::TargetKind::cpu;
    break;
  case HYPATIA_TARGET_CUDA:
    options.target = hypatia::TargetKind::cuda;
    break;
  default:
    emitError(loc) << "unknown target code " << target << " (0: cpu, 1: cuda)";
    return 0;
  }
  if (optLevel < 0 || optLevel > 3) {
    emitError(loc) << "optimization level " << optLevel << " is not in 0-3";
    return 0;
  }
  options.fuse = fuse != 0;
  options.allowTF32 = allowTF32 != 0;
  options.optLevel = optLevel;
  options.hostCPU = hostCPU ? hostCPU : "";
  options.linker = linker ? linker : "";
  options.libraryDir = libraryDir ? libraryDir : "";
  // Compilation lowers in place; the caller keeps its module.
  OwningOpRef<ModuleOp> copy = module->module->clone();
  return succeeded(hypatia::compileToSharedObject(*copy, options, outputPath))
             ? 1
             : 0;
}
