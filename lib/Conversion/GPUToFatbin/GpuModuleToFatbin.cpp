//===- GpuModuleToFatbin.cpp - Device code for every chip, one fatbin -----===//
//
// Upstream gpu-module-to-binary makes one object per target attribute, and
// the offloading handler then embeds one of them, chosen at compile time: a
// model would run on one chip only. Here each chip's cubin and the newest
// chip's PTX go into one fatbin (the toolkit's fatbinary), and the CUDA
// driver picks the image for the device it loads on.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Conversion/DeviceCode.h"
#include "hypatia/Conversion/Passes.h"
#include "hypatia/Dialect/Hypatia/IR/Target.h"

#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

namespace hypatia {
#define GEN_PASS_DEF_GPUMODULETOFATBIN
#include "hypatia/Conversion/Passes.h.inc"
} // namespace hypatia

using namespace mlir;
using namespace hypatia;

/// The CUDA toolkit Hypatia was built with (ptxas, fatbinary, libdevice).
static StringRef getToolkitPath() {
#ifdef HYPATIA_CUDA_TOOLKIT_DIR
  return HYPATIA_CUDA_TOOLKIT_DIR;
#else
  return "";
#endif
}

/// A temporary file holding `contents`, removed with the returned object.
static FailureOr<std::string> writeTemporary(StringRef prefix, StringRef suffix,
                                             ArrayRef<char> contents,
                                             Location loc) {
  SmallString<128> path;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile(prefix, suffix, fd, path))
    return emitError(loc) << "cannot create a temporary file: " << ec.message(),
           failure();
  llvm::raw_fd_ostream out(fd, /*shouldClose=*/true);
  out.write(contents.data(), contents.size());
  out.close();
  if (out.has_error())
    return emitError(loc) << "cannot write " << path, failure();
  return std::string(path);
}

FailureOr<SmallVector<char, 0>>
hypatia::compileDeviceCode(gpu::GPUModuleOp module, StringRef chip,
                           gpu::CompilationTarget format) {
  StringRef toolkit = getToolkitPath();
  if (toolkit.empty())
    return module.emitError(
        "Hypatia was built without the CUDA toolkit: no device code");
  auto nvvmTarget =
      NVVM::NVVMTargetAttr::get(module.getContext(), /*optLevel=*/3,
                                "nvptx64-nvidia-cuda", chip, "+ptx80");
  gpu::TargetOptions options(toolkit, {}, "", "", format);
  std::optional<SmallVector<char, 0>> object =
      cast<gpu::TargetAttrInterface>(nvvmTarget)
          .serializeToObject(module, options);
  if (!object)
    return module.emitError()
           << "compiling device code for " << chip << " failed";
  return std::move(*object);
}

namespace {

struct GpuModuleToFatbinPass
    : public hypatia::impl::GpuModuleToFatbinBase<GpuModuleToFatbinPass> {
  using Base::Base;

  void runOnOperation() override {
    TargetInfo target = TargetInfo::getFor(getOperation());
    SmallVector<gpu::GPUModuleOp> modules(
        getOperation().getOps<gpu::GPUModuleOp>());
    for (gpu::GPUModuleOp module : modules)
      if (failed(compile(module, target)))
        return signalPassFailure();
  }

  LogicalResult compile(gpu::GPUModuleOp module, const TargetInfo &target) {
    Location loc = module.getLoc();
    if (target.kind != TargetKind::cuda || target.chips.empty())
      return module.emitError("device code needs a cuda target with chips");
    StringRef toolkit = getToolkitPath();
    // The temporary files of the images and the fatbin, removed on return.
    SmallVector<std::string> temporaries;
    llvm::scope_exit removeTemporaries([&] {
      for (const std::string &path : temporaries)
        llvm::sys::fs::remove(path);
    });
    SmallVector<std::string> images;
    auto serialize = [&](StringRef chip, gpu::CompilationTarget format,
                         StringRef kind) -> LogicalResult {
      FailureOr<SmallVector<char, 0>> object =
          compileDeviceCode(module, chip, format);
      if (failed(object))
        return failure();
      FailureOr<std::string> path =
          writeTemporary("hypatia-" + chip.str(),
                         kind == "ptx" ? "ptx" : "cubin", *object, loc);
      if (failed(path))
        return failure();
      temporaries.push_back(*path);
      images.push_back(("--image3=kind=" + kind + ",sm=" + chip.drop_front(3) +
                        ",file=" + *path)
                           .str());
      return success();
    };
    for (const std::string &chip : target.chips)
      if (failed(serialize(chip, gpu::CompilationTarget::Binary, "elf")))
        return failure();
    if (failed(serialize(target.chips.back(), gpu::CompilationTarget::Assembly,
                         "ptx")))
      return failure();

    SmallString<128> fatbinary(toolkit);
    llvm::sys::path::append(fatbinary, "bin", "fatbinary");
    FailureOr<std::string> output =
        writeTemporary("hypatia", "fatbin", {}, loc);
    if (failed(output))
      return failure();
    temporaries.push_back(*output);
    SmallVector<std::string> arguments = {fatbinary.str().str(), "-64",
                                          "--create=" + *output};
    llvm::append_range(arguments, images);
    SmallVector<StringRef> argumentRefs(arguments.begin(), arguments.end());
    std::string message;
    if (llvm::sys::ExecuteAndWait(fatbinary, argumentRefs, std::nullopt, {}, 0,
                                  0, &message) != 0)
      return module.emitError()
             << "fatbinary failed" << (message.empty() ? "" : ": ") << message;
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> fatbin =
        llvm::MemoryBuffer::getFile(*output);
    if (!fatbin)
      return module.emitError() << "cannot read " << *output;

    MLIRContext *context = module.getContext();
    auto newest = NVVM::NVVMTargetAttr::get(context, 3, "nvptx64-nvidia-cuda",
                                            target.chips.back(), "+ptx80");
    auto object = gpu::ObjectAttr::get(
        context, newest, gpu::CompilationTarget::Fatbin,
        StringAttr::get(context, (*fatbin)->getBuffer()), nullptr, nullptr);
    OpBuilder builder(module);
    gpu::BinaryOp::create(builder, loc, module.getName(), nullptr,
                          ArrayRef<Attribute>{object});
    module.erase();
    return success();
  }
};

} // namespace
