//===- Compile.cpp - Compiling and loading models in the C API --*- C++ -*-===//

#include "Internal.h"

#include "hypatia/Compiler/Compiler.h"

#include <dlfcn.h>
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
    options.target = hypatia::Target::CPU;
    break;
  case HYPATIA_TARGET_CUDA:
    options.target = hypatia::Target::CUDA;
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

static thread_local std::string lastError;

static void setLastError(std::string message) {
  lastError = std::move(message);
}

const char *hypatiaGetLastError(void) { return lastError.c_str(); }

struct HypatiaLoadedModel {
  void *handle;
  const hypatia_model *description;
  const char *(*getLastError)(void);
};

HypatiaLoadedModel *hypatiaModelLoad(const char *path) {
  if (!path) {
    setLastError("no model path");
    return nullptr;
  }
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *error = dlerror();
    setLastError(std::string("cannot load ") + path + ": " +
                 (error ? error : "unknown error"));
    return nullptr;
  }
  auto getModel = reinterpret_cast<const hypatia_model *(*)(void)>(
      dlsym(handle, "hypatia_get_model"));
  auto getLastError = reinterpret_cast<const char *(*)(void)>(
      dlsym(handle, "hypatia_model_last_error"));
  if (!getModel || !getLastError) {
    dlclose(handle);
    setLastError(std::string(path) +
                 " is not a Hypatia model (no hypatia_get_model)");
    return nullptr;
  }
  const hypatia_model *description = getModel();
  if (!description || description->abi_version != HYPATIA_MODEL_ABI_VERSION) {
    int32_t version = description ? description->abi_version : -1;
    dlclose(handle);
    setLastError(std::string(path) + " has model ABI version " +
                 std::to_string(version) + ", this library reads version " +
                 std::to_string(HYPATIA_MODEL_ABI_VERSION));
    return nullptr;
  }
  return new HypatiaLoadedModel{handle, description, getLastError};
}

void hypatiaModelUnload(HypatiaLoadedModel *model) {
  if (!model)
    return;
  dlclose(model->handle);
  delete model;
}

const hypatia_model *hypatiaModelGetDescription(HypatiaLoadedModel *model) {
  return model->description;
}

int32_t hypatiaModelCall(HypatiaLoadedModel *model, const char *name,
                         const hypatia_tensor *inputs,
                         const hypatia_tensor *results, void *stream) {
  const hypatia_model *description = model->description;
  for (int32_t i = 0; i < description->num_functions; ++i) {
    const hypatia_function &function = description->functions[i];
    if (!name || std::string(function.name) != name)
      continue;
    int32_t status = function.call(inputs, results, stream);
    if (status != HYPATIA_MODEL_SUCCESS)
      setLastError(model->getLastError());
    return status;
  }
  std::string known;
  for (int32_t i = 0; i < description->num_functions; ++i)
    known += std::string(i ? ", " : "") + description->functions[i].name;
  setLastError(std::string("the model has no function '") + (name ? name : "") +
               "' (it has: " + known + ")");
  return HYPATIA_MODEL_ERROR_INVALID_ARGUMENT;
}
