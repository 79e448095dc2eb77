//===- GpuLaunchTest.cpp - Kernels from MLIR's GPU pipeline ---------------===//
//
// SiluKernel.mlir, compiled at build time by MLIR's GPU pipeline, calls the
// runtime's mgpu* functions: its module is loaded by a global constructor,
// each call launches on the stream set with hypatiaSetStream.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Runtime/Runtime.h"

#include <cuda_runtime.h>

#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

// The host function MLIR emitted: two memref<?x64xf32> descriptors,
// expanded (allocated, aligned, offset, sizes[2], strides[2]).
extern "C" void silu(float *, float *, int64_t, int64_t, int64_t, int64_t,
                     int64_t, float *, float *, int64_t, int64_t, int64_t,
                     int64_t, int64_t);
// One of the runtime's mgpu* functions, called directly to test its errors.
extern "C" void *mgpuModuleGetFunction(void *module, const char *name);

namespace {

bool hasDevice() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

void callSilu(float *x, float *y, int64_t rows) {
  silu(x, x, 0, rows, 64, 64, 1, y, y, 0, rows, 64, 64, 1);
}

/// Fresh inputs in [-8, 8), the silu of each in float64, and the largest
/// relative error of the device result.
struct SiluCase {
  std::vector<float> input;
  explicit SiluCase(int64_t rows, uint64_t seed) : input(rows * 64) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> uniform(-8, 8);
    for (float &value : input)
      value = uniform(rng);
  }
  double maxRelativeError(const std::vector<float> &output) const {
    double worst = 0;
    for (size_t i = 0; i < input.size(); ++i) {
      double x = input[i], reference = x / (1 + std::exp(-x));
      if (!std::isfinite(output[i]))
        return INFINITY;
      worst = std::max(worst, std::abs(output[i] - reference) /
                                  std::max(std::abs(reference), 1e-30));
    }
    return worst;
  }
};

uint64_t getSeed() {
  const char *fixed = std::getenv("HYPATIA_TEST_SEED");
  return fixed ? std::strtoull(fixed, nullptr, 10) : std::random_device{}();
}

TEST(GpuLaunch, KernelRunsOnTheCallersStream) {
  if (!hasDevice())
    GTEST_SKIP() << "no CUDA device";
  int64_t rows = 1000;
  SiluCase silu(rows, getSeed());
  float *x, *y;
  ASSERT_EQ(cudaMalloc(&x, rows * 64 * 4), cudaSuccess);
  ASSERT_EQ(cudaMalloc(&y, rows * 64 * 4), cudaSuccess);
  ASSERT_EQ(
      cudaMemcpy(x, silu.input.data(), rows * 64 * 4, cudaMemcpyHostToDevice),
      cudaSuccess);
  ASSERT_EQ(cudaMemset(y, 0xFF, rows * 64 * 4), cudaSuccess);
  // The memset runs on the legacy stream, which a non-blocking stream does not
  // wait for: finish it before the kernel may run.
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
            cudaSuccess);
  hypatiaSetStream(stream);
  callSilu(x, y, rows);
  ASSERT_EQ(hypatiaTakeDeviceError(), HYPATIA_SUCCESS) << hypatiaGetLastError();
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  std::vector<float> output(rows * 64);
  cudaMemcpy(output.data(), y, rows * 64 * 4, cudaMemcpyDeviceToHost);
  double error = silu.maxRelativeError(output);
  std::printf("silu kernel from MLIR's GPU pipeline: max relative error %.2e\n",
              error);
  EXPECT_LE(error, 1e-6);

  // The same call captured in a CUDA graph, replayed on new inputs: every
  // launch went to the caller's stream, or the capture would have failed.
  cudaGraph_t graph;
  ASSERT_EQ(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal),
            cudaSuccess);
  callSilu(x, y, rows);
  ASSERT_EQ(cudaStreamEndCapture(stream, &graph), cudaSuccess);
  ASSERT_EQ(hypatiaTakeDeviceError(), HYPATIA_SUCCESS) << hypatiaGetLastError();
  cudaGraphExec_t exec;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  SiluCase second(rows, getSeed() + 1);
  cudaMemcpy(x, second.input.data(), rows * 64 * 4, cudaMemcpyHostToDevice);
  ASSERT_EQ(cudaMemset(y, 0xFF, rows * 64 * 4), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  ASSERT_EQ(cudaGraphLaunch(exec, stream), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  cudaMemcpy(output.data(), y, rows * 64 * 4, cudaMemcpyDeviceToHost);
  EXPECT_LE(second.maxRelativeError(output), 1e-6);

  hypatiaSetStream(nullptr);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cudaStreamDestroy(stream);
  cudaFree(x);
  cudaFree(y);
}

TEST(GpuLaunch, FailuresAreRecordedNotFatal) {
  if (!hasDevice())
    GTEST_SKIP() << "no CUDA device";
  EXPECT_EQ(hypatiaTakeDeviceError(), HYPATIA_SUCCESS);
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "missing_kernel"), nullptr);
  EXPECT_EQ(hypatiaTakeDeviceError(), HYPATIA_ERROR_CUDA);
  EXPECT_NE(std::string(hypatiaGetLastError()).find("missing_kernel"),
            std::string::npos);
  EXPECT_EQ(hypatiaTakeDeviceError(), HYPATIA_SUCCESS);
}

} // namespace
