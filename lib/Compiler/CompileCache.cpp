//===- CompileCache.cpp - Compiled models by content address --------------===//
//
// Like Triton's and Inductor's caches: the same module compiled with the same
// options by the same compiler is a file that already exists. Entries are
// written to a temporary file in the cache directory and renamed into place,
// so concurrent processes never see a partial model and the last writer wins
// with identical contents.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Compiler/Compiler.h"
#include "hypatia/Runtime/Model.h"

#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <dlfcn.h>

using namespace mlir;
using namespace hypatia;

std::string hypatia::getDefaultCacheDir() {
  if (std::optional<std::string> dir =
          llvm::sys::Process::GetEnv("HYPATIA_CACHE_DIR");
      dir && !dir->empty())
    return *dir;
  SmallString<128> path;
  if (std::optional<std::string> xdg =
          llvm::sys::Process::GetEnv("XDG_CACHE_HOME");
      xdg && !xdg->empty())
    path = *xdg;
  else if (!llvm::sys::path::home_directory(path))
    return "";
  else
    llvm::sys::path::append(path, ".cache");
  llvm::sys::path::append(path, "hypatia");
  return std::string(path);
}

/// A file as it is now: its path, size and modification time.
static std::string getFileIdentity(llvm::StringRef path) {
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(path, status))
    return path.str();
  return (path + ":" + llvm::Twine(status.getSize()) + ":" +
          llvm::Twine(
              status.getLastModificationTime().time_since_epoch().count()))
      .str();
}

/// What identifies this build of the compiler: the file its code is in. A
/// rebuilt Hypatia gets new entries.
static std::string getCompilerIdentity() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void *>(&getCompilerIdentity), &info) ||
      !info.dli_fname)
    return "unknown";
  return getFileIdentity(info.dli_fname);
}

std::string hypatia::getHostCPUIdentity(llvm::StringRef hostCPU) {
  if (hostCPU != "native")
    return hostCPU.str();
  std::string identity = ("native:" + llvm::sys::getHostCPUName()).str();
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  std::vector<std::string> enabled;
  for (const auto &feature : features)
    if (feature.getValue())
      enabled.push_back(feature.getKey().str());
  llvm::sort(enabled);
  return identity + ":" + llvm::join(enabled, ",");
}

std::string hypatia::getCompileKey(ModuleOp module,
                                   const CompileOptions &options) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "hypatia-compile-cache 1\nabi " << HYPATIA_MODEL_ABI_VERSION
     << "\ncompiler "
     << getCompilerIdentity()
     // The archive linked into the model (CPU models' GEMM calls are in it).
     << "\nabi-archive " << getFileIdentity(getModelABIArchivePath(options))
     << "\ntarget " << stringifyTargetKind(options.target) << "\nchips "
     << llvm::join(options.chips, ",") << "\nfuse " << options.fuse << "\ntf32 "
     << options.allowTF32 << "\nreference " << options.reference << "\nO "
     << options.optLevel << "\nhost-cpu " << getHostCPUIdentity(options.hostCPU)
     << "\nlinker " << options.linker << "\nlibrary-dir " << options.libraryDir
     << "\n";
  // Locations do not change the compiled code; the generic form does not
  // depend on how custom printers happen to spell an op.
  module->print(os, OpPrintingFlags().printGenericOpForm());
  return llvm::toHex(llvm::SHA256::hash(llvm::arrayRefFromStringRef(text)),
                     /*LowerCase=*/true);
}

FailureOr<std::string> hypatia::compileCached(ModuleOp module,
                                              const CompileOptions &options,
                                              llvm::StringRef cacheDir,
                                              bool *wasCached) {
  Location loc = module.getLoc();
  std::string dir = cacheDir.empty() ? getDefaultCacheDir() : cacheDir.str();
  if (dir.empty())
    return emitError(loc) << "no compile cache directory: set "
                             "HYPATIA_CACHE_DIR (there is no home directory)";
  SmallString<128> path(dir);
  llvm::sys::path::append(path, getCompileKey(module, options) + ".so");
  if (wasCached)
    *wasCached = false;
  if (llvm::sys::fs::exists(path)) {
    if (wasCached)
      *wasCached = true;
    return std::string(path);
  }
  if (std::error_code error = llvm::sys::fs::create_directories(dir))
    return emitError(loc) << "cannot create the compile cache " << dir << ": "
                          << error.message();

  SmallString<128> temporary;
  int fd;
  if (std::error_code error = llvm::sys::fs::createUniqueFile(
          dir + "/.compiling-%%%%%%%%.so", fd, temporary))
    return emitError(loc) << "cannot write to the compile cache " << dir << ": "
                          << error.message();
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  // Compilation lowers in place; the caller keeps its module.
  OwningOpRef<ModuleOp> copy = module.clone();
  if (failed(compileToSharedObject(*copy, options, temporary))) {
    llvm::sys::fs::remove(temporary);
    return failure();
  }
  if (std::error_code error = llvm::sys::fs::rename(temporary, path)) {
    llvm::sys::fs::remove(temporary);
    return emitError(loc) << "cannot move " << temporary << " to " << path
                          << ": " << error.message();
  }
  return std::string(path);
}
