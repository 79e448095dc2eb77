//===- Compiler.h - hypatia modules to shared objects -----------*- C++ -*-===//
//
// Ahead-of-time compilation, shared by hypatia-compile, hypatia-run
// --target=cuda and the C API: a hypatia module becomes a shared object whose
// C ABI is described in hypatia/Runtime/Model.h.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_COMPILER_COMPILER_H
#define HYPATIA_COMPILER_COMPILER_H

#include "hypatia/Dialect/Hypatia/IR/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <memory>
#include <string>

namespace hypatia {

struct CompileOptions {
  TargetKind target = TargetKind::cpu;
  /// CUDA: the chips to build device code for ("": the target's defaults).
  llvm::SmallVector<std::string> chips;
  /// Run --fuse-mlp before lowering.
  bool fuse = true;
  /// CUDA: let f32 GEMMs use TF32 tensor cores.
  bool allowTF32 = false;
  /// CPU: the float64-accurate reference (loop nests, no BLAS).
  bool reference = false;
  /// LLVM optimization level of the host code (0-3).
  unsigned optLevel = 2;
  /// The host CPU the code may assume ("" for generic x86-64, "native" for
  /// this machine's): the default runs on any x86-64 machine.
  std::string hostCPU;
  /// The C compiler driver that links the shared object ("": $HYPATIA_LINKER,
  /// else the C compiler Hypatia was built with, else `cc`).
  std::string linker;
  /// Where libHypatiaRuntime.so and the model ABI archives are ("": found
  /// next to the running executable or library).
  std::string libraryDir;
};

/// Lowers `module` (in place) through the target's pipeline and translates it
/// to LLVM IR with the model ABI's entry points and description. Errors are
/// emitted as diagnostics on the module's context.
mlir::FailureOr<std::unique_ptr<llvm::Module>>
compileToLLVMIR(mlir::ModuleOp module, const CompileOptions &options,
                llvm::LLVMContext &llvmContext);

/// Lowers `module` (in place) through the CUDA pipeline up to its kernels and
/// writes each gpu.module's PTX for the newest chip of the target to `os`
/// (what the fatbin carries for chips newer than its cubins), each after a
/// comment naming it.
mlir::LogicalResult compileToPTX(mlir::ModuleOp module,
                                 const CompileOptions &options,
                                 llvm::raw_ostream &os);

/// compileToLLVMIR, then an object file, then a shared object at
/// `outputPath` linked against the model ABI archive and, for CUDA,
/// libHypatiaRuntime.so (found through an rpath to its directory).
mlir::LogicalResult compileToSharedObject(mlir::ModuleOp module,
                                          const CompileOptions &options,
                                          llvm::StringRef outputPath);

/// The model ABI archive a model for `options` is linked with ("" if it
/// cannot be found).
std::string getModelABIArchivePath(const CompileOptions &options);

/// The compile cache's directory: $HYPATIA_CACHE_DIR, else
/// $XDG_CACHE_HOME/hypatia, else ~/.cache/hypatia ("" if there is no home).
std::string getDefaultCacheDir();

/// The content address of compiling `module` with `options`: a SHA-256 of
/// the module (generic form, without locations), every option, the model
/// ABI version and this compiler's identity (its file, size and
/// modification time, so that a rebuilt Hypatia never reuses an older one's
/// output).
std::string getCompileKey(mlir::ModuleOp module, const CompileOptions &options);

/// The host CPU as the compile cache's key names it: "native" becomes this
/// machine's CPU name and enabled features ("native:<cpu>:<features>"), so
/// that a cache shared by machines of different CPUs never hands one the
/// other's code; any other name stays as it is.
std::string getHostCPUIdentity(llvm::StringRef hostCPU);

/// Compiles `module` (left unchanged) into `<cacheDir>/<key>.so`, unless that
/// exists already (from this process or another), and returns the path.
/// `cacheDir` empty: getDefaultCacheDir(). `wasCached`, if given, says
/// whether the entry was there.
mlir::FailureOr<std::string> compileCached(mlir::ModuleOp module,
                                           const CompileOptions &options,
                                           llvm::StringRef cacheDir,
                                           bool *wasCached = nullptr);

} // namespace hypatia

#endif // HYPATIA_COMPILER_COMPILER_H
