//===- Compile.cpp - Compiling models in the C API -------------*- C++ -*-===//

#include "Internal.h"

#include "hypatia/Compiler/Compiler.h"

#include "llvm/ADT/StringExtras.h"

#include <string>

using namespace mlir;

void hypatiaCompileOptionsInit(HypatiaCompileOptions *options) {
  *options = HypatiaCompileOptions{};
  options->target = HYPATIA_TARGET_CPU;
  options->fuse = 1;
  options->opt_level = 2;
}

/// The compiler's options for C API `options`, or an error at `loc`.
static FailureOr<hypatia::CompileOptions>
getCompileOptions(const HypatiaCompileOptions *options, Location loc) {
  if (!options)
    return emitError(loc) << "no compile options", failure();
  hypatia::CompileOptions result;
  std::optional<hypatia::TargetKind> target =
      hypatia::symbolizeTargetKind(static_cast<uint32_t>(options->target));
  if (!target)
    return emitError(loc) << "unknown target code " << options->target
                          << " (0: cpu, 1: cuda)",
           failure();
  if (options->opt_level < 0 || options->opt_level > 3)
    return emitError(loc) << "optimization level " << options->opt_level
                          << " is not in 0-3",
           failure();
  result.target = *target;
  if (options->chips && *options->chips) {
    SmallVector<StringRef> chips;
    StringRef(options->chips).split(chips, ',', -1, /*KeepEmpty=*/false);
    for (StringRef chip : chips)
      result.chips.push_back(chip.trim().str());
  }
  result.fuse = options->fuse != 0;
  result.allowTF32 = options->allow_tf32 != 0;
  result.reference = options->reference != 0;
  result.optLevel = options->opt_level;
  result.hostCPU = options->host_cpu ? options->host_cpu : "";
  result.linker = options->linker ? options->linker : "";
  result.libraryDir = options->library_dir ? options->library_dir : "";
  return result;
}

int32_t hypatiaCompile(HypatiaModule *module,
                       const HypatiaCompileOptions *options,
                       const char *outputPath) {
  Location loc = module->module->getLoc();
  if (!outputPath || !*outputPath) {
    emitError(loc) << "no output path";
    return 0;
  }
  FailureOr<hypatia::CompileOptions> compileOptions =
      getCompileOptions(options, loc);
  if (failed(compileOptions))
    return 0;
  // Compilation lowers in place; the caller keeps its module.
  OwningOpRef<ModuleOp> copy = module->module->clone();
  return succeeded(
             hypatia::compileToSharedObject(*copy, *compileOptions, outputPath))
             ? 1
             : 0;
}

char *hypatiaCompileCached(HypatiaModule *module,
                           const HypatiaCompileOptions *options,
                           const char *cacheDir, int32_t *wasCached) {
  Location loc = module->module->getLoc();
  FailureOr<hypatia::CompileOptions> compileOptions =
      getCompileOptions(options, loc);
  if (failed(compileOptions))
    return nullptr;
  bool cached = false;
  FailureOr<std::string> path = hypatia::compileCached(
      *module->module, *compileOptions, cacheDir ? cacheDir : "", &cached);
  if (failed(path))
    return nullptr;
  if (wasCached)
    *wasCached = cached;
  return hypatia::capi::copyString(*path);
}
