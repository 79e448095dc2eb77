//===- GpuLaunch.cpp - The mgpu* functions of MLIR's gpu-to-llvm -*- C++
//-*-===//
//
// MLIR's gpu-to-llvm turns gpu.launch_func into calls of these functions
// (module load and unload in global constructors, then per launch: get the
// function, create a stream, launch, synchronize, destroy). Debian's MLIR ships
// no CUDA implementation of them. This one uses the CUDA runtime API only (the
// driver is loaded lazily by cudart, so the library loads on machines without
// one) and maps every stream to the caller's (hypatiaSetStream), so that a
// compiled function is stream-ordered and can be captured in a CUDA graph.
//
// These functions cannot return errors: a failure is recorded (the first one
// wins) and reported by hypatiaTakeDeviceError().
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cuda_runtime.h>

#include <mutex>
#include <string>

#define HYPATIA_EXPORT __attribute__((visibility("default")))

namespace {

thread_local void *currentStream = nullptr;

std::mutex deviceErrorMutex;
hypatia_status deviceStatus = HYPATIA_SUCCESS;
std::string deviceMessage;

} // namespace

void hypatia::runtime::recordDeviceFailure(hypatia_status status,
                                           const std::string &message) {
  std::lock_guard<std::mutex> lock(deviceErrorMutex);
  if (deviceStatus != HYPATIA_SUCCESS)
    return;
  deviceStatus = status;
  deviceMessage = message;
}

namespace {

void recordFailure(hypatia_status status, const std::string &message) {
  hypatia::runtime::recordDeviceFailure(status, message);
}

bool check(cudaError_t error, const char *what) {
  if (error == cudaSuccess)
    return true;
  recordFailure(HYPATIA_ERROR_CUDA, std::string("hypatia: ") + what + ": " +
                                        cudaGetErrorString(error));
  return false;
}

} // namespace

extern "C" HYPATIA_EXPORT void hypatiaSetStream(void *stream) {
  currentStream = stream;
}

extern "C" HYPATIA_EXPORT void *hypatiaGetStream(void) { return currentStream; }

extern "C" HYPATIA_EXPORT void hypatiaFree(void *pointer) {
  if (pointer)
    check(cudaFreeAsync(pointer, static_cast<cudaStream_t>(currentStream)),
          "freeing a returned buffer");
}

extern "C" HYPATIA_EXPORT hypatia_status hypatiaTakeDeviceError(void) {
  std::lock_guard<std::mutex> lock(deviceErrorMutex);
  hypatia_status status = deviceStatus;
  hypatia::runtime::setLastError(deviceMessage);
  deviceStatus = HYPATIA_SUCCESS;
  deviceMessage.clear();
  return status;
}

//===----------------------------------------------------------------------===//
// The functions gpu-to-llvm calls (signatures as LLVM 22 declares them)
//===----------------------------------------------------------------------===//

extern "C" HYPATIA_EXPORT void *mgpuModuleLoad(void *data, size_t /*size*/) {
  cudaLibrary_t library = nullptr;
  if (!check(cudaLibraryLoadData(&library, data, nullptr, nullptr, 0, nullptr,
                                 nullptr, 0),
             "loading a GPU module"))
    return nullptr;
  return library;
}

extern "C" HYPATIA_EXPORT void mgpuModuleUnload(void *module) {
  if (module)
    check(cudaLibraryUnload(static_cast<cudaLibrary_t>(module)),
          "unloading a GPU module");
}

extern "C" HYPATIA_EXPORT void *mgpuModuleGetFunction(void *module,
                                                      const char *name) {
  if (!module) {
    recordFailure(HYPATIA_ERROR_CUDA,
                  std::string("hypatia: kernel '") + name +
                      "' requested from a GPU module that failed to load");
    return nullptr;
  }
  cudaKernel_t kernel = nullptr;
  if (!check(cudaLibraryGetKernel(&kernel, static_cast<cudaLibrary_t>(module),
                                  name),
             "looking up a kernel"))
    return nullptr;
  return kernel;
}

extern "C" HYPATIA_EXPORT void
mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                 intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                 int32_t sharedBytes, void *stream, void **params,
                 void ** /*extra*/, size_t /*paramsCount*/) {
  if (!function) {
    recordFailure(HYPATIA_ERROR_CUDA,
                  "hypatia: launch of a kernel that could not be loaded");
    return;
  }
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return; // An empty batch: nothing to launch.
  // Beyond 48 KiB of dynamic shared memory (a fused MLP's weights) a kernel
  // must opt in; the compiler kept the size within the target chips' limit.
  constexpr int32_t kDefaultSharedLimit = 48 * 1024;
  if (sharedBytes > kDefaultSharedLimit &&
      !check(cudaFuncSetAttribute(static_cast<const void *>(function),
                                  cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  sharedBytes),
             "allowing a kernel its shared memory"))
    return;
  check(cudaLaunchKernel(static_cast<const void *>(function),
                         dim3(gridX, gridY, gridZ),
                         dim3(blockX, blockY, blockZ), params, sharedBytes,
                         static_cast<cudaStream_t>(currentStream)),
        "launching a kernel");
}

// Streams: always the caller's. Synchronizing is the caller's business.
extern "C" HYPATIA_EXPORT void *mgpuStreamCreate() { return currentStream; }
extern "C" HYPATIA_EXPORT void mgpuStreamDestroy(void *) {}
extern "C" HYPATIA_EXPORT void mgpuStreamSynchronize(void *) {}

// Events, for the asynchronous form of the gpu dialect.
extern "C" HYPATIA_EXPORT void *mgpuEventCreate() {
  cudaEvent_t event = nullptr;
  check(cudaEventCreateWithFlags(&event, cudaEventDisableTiming),
        "creating an event");
  return event;
}
extern "C" HYPATIA_EXPORT void mgpuEventDestroy(void *event) {
  check(cudaEventDestroy(static_cast<cudaEvent_t>(event)),
        "destroying an event");
}
extern "C" HYPATIA_EXPORT void mgpuEventSynchronize(void *) {}
extern "C" HYPATIA_EXPORT void mgpuEventRecord(void *event, void *stream) {
  check(cudaEventRecord(static_cast<cudaEvent_t>(event),
                        static_cast<cudaStream_t>(stream)),
        "recording an event");
}
extern "C" HYPATIA_EXPORT void mgpuStreamWaitEvent(void *stream, void *event) {
  check(cudaStreamWaitEvent(static_cast<cudaStream_t>(stream),
                            static_cast<cudaEvent_t>(event), 0),
        "waiting for an event");
}

// Device memory, stream-ordered on the caller's stream (gpu-to-llvm passes a
// null stream for synchronous gpu.alloc; that would be the legacy default
// stream), from cudaMallocAsync's pool: no device-wide synchronization, and
// allowed inside graph capture.
extern "C" HYPATIA_EXPORT void *mgpuMemAlloc(uint64_t bytes, void * /*stream*/,
                                             bool isHostShared) {
  if (isHostShared) {
    recordFailure(HYPATIA_ERROR_NOT_SUPPORTED,
                  "hypatia: host-shared device allocations are not supported");
    return nullptr;
  }
  void *pointer = nullptr;
  if (bytes && !check(cudaMallocAsync(&pointer, bytes,
                                      static_cast<cudaStream_t>(currentStream)),
                      "allocating device memory"))
    return nullptr;
  return pointer;
}
extern "C" HYPATIA_EXPORT void mgpuMemFree(void *pointer, void * /*stream*/) {
  if (pointer)
    check(cudaFreeAsync(pointer, static_cast<cudaStream_t>(currentStream)),
          "freeing device memory");
}
extern "C" HYPATIA_EXPORT void mgpuMemcpy(void *destination, void *source,
                                          size_t bytes, void * /*stream*/) {
  check(cudaMemcpyAsync(destination, source, bytes, cudaMemcpyDefault,
                        static_cast<cudaStream_t>(currentStream)),
        "copying device memory");
}
