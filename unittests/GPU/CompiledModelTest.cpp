//===- CompiledModelTest.cpp - A model from the CUDA pipeline -------------===//
//
// MLPModel.mlir, compiled by hypatia-opt --hypatia-cuda-pipeline at build
// time, called through its C interface on device buffers and compared with a
// float64 evaluation of the same layers on the host.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Runtime/MemRefDescriptor.h"
#include "hypatia/Runtime/Runtime.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

template <int Rank> using MemRef = hypatia::MemRefDescriptor<Rank>;

// The C interface llvm.emit_c_interface gives @mlp: descriptors of the
// inputs, then of the output buffer the caller allocates.
extern "C" void _mlir_ciface_mlp(MemRef<2> *x, MemRef<2> *w1, MemRef<1> *b1,
                                 MemRef<2> *w2, MemRef<1> *b2, MemRef<2> *w3,
                                 MemRef<2> *output);

namespace {

bool hasDevice() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

/// A bf16 tensor on the host (values as rounded doubles) and on the device.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<double> values;
  void *device = nullptr;

  Tensor(std::vector<int64_t> shape, std::mt19937_64 &rng, double scale)
      : shape(std::move(shape)) {
    size_t count = 1;
    for (int64_t dim : this->shape)
      count *= dim;
    std::uniform_real_distribution<double> uniform(-scale, scale);
    std::vector<__nv_bfloat16> raw(count);
    values.resize(count);
    for (size_t i = 0; i < count; ++i) {
      raw[i] = __float2bfloat16_rn(float(uniform(rng)));
      values[i] = __bfloat162float(raw[i]);
    }
    EXPECT_EQ(cudaMalloc(&device, count * 2), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(device, raw.data(), count * 2, cudaMemcpyHostToDevice),
              cudaSuccess);
  }
  ~Tensor() { cudaFree(device); }

  template <int Rank> MemRef<Rank> descriptor() const {
    MemRef<Rank> memref{device, device, 0, {}, {}};
    int64_t stride = 1;
    for (int d = Rank - 1; d >= 0; --d) {
      memref.sizes[d] = shape[d];
      memref.strides[d] = stride;
      stride *= shape[d];
    }
    return memref;
  }
};

/// x @ w^T + b in float64, b optional.
std::vector<double> linear(const std::vector<double> &x, const Tensor &w,
                           const Tensor *b, int64_t rows) {
  int64_t n = w.shape[0], k = w.shape[1];
  std::vector<double> y(rows * n);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) {
      double sum = b ? b->values[j] : 0;
      for (int64_t i = 0; i < k; ++i)
        sum += x[r * k + i] * w.values[j * k + i];
      y[r * n + j] = sum;
    }
  return y;
}

TEST(CompiledModel, MLPFromTheCUDAPipelineMatchesFloat64) {
  if (!hasDevice())
    GTEST_SKIP() << "no CUDA device";
  const char *fixed = std::getenv("HYPATIA_TEST_SEED");
  std::mt19937_64 rng(fixed ? std::strtoull(fixed, nullptr, 10)
                            : std::random_device{}());
  int64_t rows = 517;
  Tensor x({rows, 64}, rng, 1.0), w1({96, 64}, rng, 0.25), b1({96}, rng, 0.5),
      w2({48, 96}, rng, 0.2), b2({48}, rng, 0.5), w3({300, 48}, rng, 0.3);

  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
            cudaSuccess);
  hypatiaSetStream(stream);
  // The output, poisoned (0xFFFF is a NaN in bf16) so that unwritten
  // elements show.
  void *output;
  ASSERT_EQ(cudaMalloc(&output, rows * 300 * 2), cudaSuccess);
  ASSERT_EQ(cudaMemsetAsync(output, 0xFF, rows * 300 * 2, stream), cudaSuccess);
  MemRef<2> dx = x.descriptor<2>(), dw1 = w1.descriptor<2>(),
            dw2 = w2.descriptor<2>(), dw3 = w3.descriptor<2>();
  MemRef<1> db1 = b1.descriptor<1>(), db2 = b2.descriptor<1>();
  MemRef<2> dout{output, output, 0, {rows, 300}, {300, 1}};
  _mlir_ciface_mlp(&dx, &dw1, &db1, &dw2, &db2, &dw3, &dout);
  ASSERT_EQ(hypatiaTakeDeviceError(), HYPATIA_SUCCESS) << hypatiaGetLastError();
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);

  std::vector<__nv_bfloat16> raw(rows * 300);
  ASSERT_EQ(
      cudaMemcpy(raw.data(), output, raw.size() * 2, cudaMemcpyDeviceToHost),
      cudaSuccess);
  cudaFree(output);

  std::vector<double> h = linear(x.values, w1, &b1, rows);
  for (double &v : h)
    v = v > 0 ? v : 0;
  h = linear(h, w2, &b2, rows);
  for (double &v : h)
    v = v / (1 + std::exp(-v));
  h = linear(h, w3, nullptr, rows);
  double difference = 0, norm = 0;
  bool allFinite = true;
  for (size_t i = 0; i < h.size(); ++i) {
    double reference = 0.5 * h[i] * (1 + std::erf(h[i] / std::sqrt(2.0)));
    double value = __bfloat162float(raw[i]);
    allFinite &= std::isfinite(value);
    difference += (value - reference) * (value - reference);
    norm += reference * reference;
  }
  double error = std::sqrt(difference / norm);
  std::printf("MLP compiled by hypatia-cuda-pipeline (bf16, %lld rows): "
              "relative error %.2e\n",
              (long long)rows, error);
  EXPECT_TRUE(allFinite);
  EXPECT_LE(error, 1e-2);
  hypatiaSetStream(nullptr);
  cudaStreamDestroy(stream);
}

} // namespace
