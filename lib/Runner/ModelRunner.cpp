//===- ModelRunner.cpp - Call models built by hypatia-compile -------------===//

#include "hypatia/Runner/ModelRunner.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#ifdef HYPATIA_HAS_CUDA
#include <cuda_runtime.h>
#endif
#include <cmath>
#include <cstring>
#include <dlfcn.h>

using namespace hypatia;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Whether every segment the loader maps from `path` (a 64-bit ELF file)
/// lies within the file: dlopen maps a truncated file's segments anyway, and
/// touching them then raises SIGBUS.
static llvm::Error checkWholeSharedObject(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError("cannot read " + path + ": " +
                     buffer.getError().message());
  llvm::StringRef bytes = (*buffer)->getBuffer();
  auto read = [&](uint64_t offset, auto &value) {
    if (offset > bytes.size() || bytes.size() - offset < sizeof(value))
      return false;
    std::memcpy(&value, bytes.data() + offset, sizeof(value));
    return true;
  };
  uint64_t programHeaders = 0;
  uint16_t entrySize = 0, entries = 0;
  if (!bytes.starts_with("\x7f"
                         "ELF") ||
      bytes.size() < 64 || bytes[4] != 2 /*ELFCLASS64*/ ||
      !read(32, programHeaders) || !read(54, entrySize) || !read(56, entries))
    return makeError(path + " is not a 64-bit ELF shared object");
  for (uint16_t i = 0; i < entries; ++i) {
    uint64_t entry = programHeaders + uint64_t(i) * entrySize;
    uint32_t type = 0;
    uint64_t offset = 0, fileSize = 0;
    if (!read(entry, type) || !read(entry + 8, offset) ||
        !read(entry + 32, fileSize))
      return makeError(path + " is truncated (its program headers end past "
                              "the file)");
    constexpr uint32_t kLoadSegment = 1; // PT_LOAD
    if (type == kLoadSegment &&
        (offset > bytes.size() || bytes.size() - offset < fileSize))
      return makeError(path + " is truncated: a segment ends at byte " +
                       llvm::Twine(offset + fileSize) + " of " +
                       llvm::Twine(bytes.size()));
  }
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<LoadedModel>>
LoadedModel::load(llvm::StringRef path) {
  if (llvm::Error error = checkWholeSharedObject(path))
    return std::move(error);
  void *handle = dlopen(path.str().c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return makeError("cannot load " + path + ": " + dlerror());
  using GetModel = const hypatia_model *(*)();
  auto getModel =
      reinterpret_cast<GetModel>(dlsym(handle, "hypatia_get_model"));
  if (!getModel) {
    dlclose(handle);
    return makeError(path + " is not a model built by hypatia-compile (no "
                            "hypatia_get_model)");
  }
  const hypatia_model *model = getModel();
  if (model->abi_version != HYPATIA_MODEL_ABI_VERSION) {
    dlclose(handle);
    return makeError(
        llvm::formatv("{0} has model ABI version {1}, expected {2}", path,
                      model->abi_version, HYPATIA_MODEL_ABI_VERSION));
  }
  return std::unique_ptr<LoadedModel>(
      new LoadedModel(handle, model, path.str()));
}

LoadedModel::~LoadedModel() { dlclose(handle); }

llvm::Expected<const hypatia_function *>
LoadedModel::lookup(llvm::StringRef name) const {
  std::string names;
  for (int32_t i = 0; i < model->num_functions; ++i) {
    if (name == model->functions[i].name)
      return &model->functions[i];
    names +=
        (names.empty() ? "@" : ", @") + std::string(model->functions[i].name);
  }
  return makeError("no function @" + name + " in " + path + "; it has " +
                   names);
}

#ifdef HYPATIA_HAS_CUDA
namespace {
/// Device buffers freed on every exit path.
struct DeviceBuffers {
  llvm::SmallVector<void *> pointers;
  ~DeviceBuffers() {
    for (void *pointer : pointers)
      cudaFree(pointer);
  }
  llvm::Expected<void *> allocate(size_t bytes) {
    void *pointer = nullptr;
    if (cudaError_t error = cudaMalloc(&pointer, bytes ? bytes : 1))
      return makeError(llvm::Twine("cudaMalloc: ") + cudaGetErrorString(error));
    pointers.push_back(pointer);
    return pointer;
  }
};

llvm::Error check(cudaError_t error, const char *what) {
  if (error == cudaSuccess)
    return llvm::Error::success();
  return makeError(llvm::Twine(what) + ": " + cudaGetErrorString(error));
}
} // namespace
#endif

llvm::Expected<llvm::SmallVector<HostTensor>>
LoadedModel::run(const hypatia_function &function,
                 llvm::ArrayRef<const HostTensor *> inputs) const {
  if (inputs.size() != size_t(function.num_inputs))
    return makeError(llvm::formatv("@{0} takes {1} inputs, got {2}",
                                   function.name, function.num_inputs,
                                   inputs.size()));
  llvm::SmallVector<hypatia_tensor> inputTensors, resultTensors;
  for (const HostTensor *input : inputs)
    inputTensors.push_back({const_cast<void *>(input->getData()),
                            static_cast<int32_t>(input->getElementType()),
                            int32_t(input->getShape().size()),
                            input->getShape().data()});
  // Results get the sizes the model's description derives from the inputs;
  // the call itself checks the inputs.
  llvm::SmallVector<HostTensor> results;
  for (int32_t r = 0; r < function.num_results; ++r) {
    const hypatia_tensor_type &type = function.results[r];
    llvm::SmallVector<int64_t> shape;
    for (int32_t d = 0; d < type.rank; ++d) {
      int64_t size = type.shape[d];
      if (size < 0) {
        const HostTensor *source = inputs[type.size_source_input[d]];
        int32_t dim = type.size_source_dim[d];
        size = dim < int32_t(source->getShape().size())
                   ? source->getShape()[dim]
                   : 0;
      }
      shape.push_back(size);
    }
    auto result =
        HostTensor::create(static_cast<ElementType>(type.dtype), shape);
    if (!result)
      return result.takeError();
    results.push_back(std::move(*result));
    // NaN everywhere first, so that elements a model fails to write show.
    for (int64_t i = 0, e = results.back().getNumElements(); i < e; ++i)
      results.back().setFromDouble(i, NAN);
  }
  for (HostTensor &result : results)
    resultTensors.push_back(
        {result.getData(), static_cast<int32_t>(result.getElementType()),
         int32_t(result.getShape().size()), result.getShape().data()});

  if (model->target == HYPATIA_TARGET_CPU) {
    if (function.call(inputTensors.data(), resultTensors.data(), nullptr))
      return makeError(llvm::Twine(reinterpret_cast<const char *(*)()>(
          dlsym(handle, "hypatia_model_last_error"))()));
    return std::move(results);
  }

#ifdef HYPATIA_HAS_CUDA
  DeviceBuffers buffers;
  for (auto [tensor, input] : llvm::zip(inputTensors, inputs)) {
    llvm::Expected<void *> device = buffers.allocate(input->getSizeInBytes());
    if (!device)
      return device.takeError();
    if (llvm::Error error =
            check(cudaMemcpy(*device, input->getData(), input->getSizeInBytes(),
                             cudaMemcpyHostToDevice),
                  "copying an input to the GPU"))
      return std::move(error);
    tensor.data = *device;
  }
  for (auto [tensor, result] : llvm::zip(resultTensors, results)) {
    llvm::Expected<void *> device = buffers.allocate(result.getSizeInBytes());
    if (!device)
      return device.takeError();
    // All-ones bytes are NaN in f32, f16 and bf16.
    if (llvm::Error error =
            check(cudaMemset(*device, 0xFF, result.getSizeInBytes()),
                  "poisoning a result"))
      return std::move(error);
    tensor.data = *device;
  }
  if (function.call(inputTensors.data(), resultTensors.data(), nullptr))
    return makeError(llvm::Twine(reinterpret_cast<const char *(*)()>(
        dlsym(handle, "hypatia_model_last_error"))()));
  if (llvm::Error error = check(cudaDeviceSynchronize(), "running the model"))
    return std::move(error);
  for (auto [tensor, result] : llvm::zip(resultTensors, results))
    if (llvm::Error error =
            check(cudaMemcpy(result.getData(), tensor.data,
                             result.getSizeInBytes(), cudaMemcpyDeviceToHost),
                  "copying a result from the GPU"))
      return std::move(error);
  return std::move(results);
#else
  return makeError("this build of Hypatia has no CUDA support");
#endif
}
