//===- LinearGemmTest.cpp - hypatiaLinear on the GPU ----------------------===//
//
// Runs where a CUDA device is present (the H100 machine); elsewhere every
// test reports itself skipped. Inputs are fresh random values (the seed is
// printed, HYPATIA_TEST_SEED repeats it), outputs are poisoned before each
// call, and results are compared with a float64 reference computed on the
// host from the same (rounded) inputs.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Runtime/Runtime.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace {

bool hasDevice() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

#define REQUIRE_DEVICE()                                                       \
  if (!hasDevice())                                                            \
  GTEST_SKIP() << "no CUDA device"

uint64_t getSeed() {
  static uint64_t seed = [] {
    const char *fixed = std::getenv("HYPATIA_TEST_SEED");
    uint64_t value =
        fixed ? std::strtoull(fixed, nullptr, 10) : std::random_device{}();
    std::printf("GPU test seed %llu (HYPATIA_TEST_SEED repeats it)\n",
                (unsigned long long)value);
    return value;
  }();
  return seed;
}

size_t elementSize(hypatia_dtype dtype) { return dtype == HYPATIA_F32 ? 4 : 2; }

/// Host values of one dtype, kept both as raw elements and as doubles.
struct HostMatrix {
  hypatia_dtype dtype;
  std::vector<unsigned char> raw;
  std::vector<double> values;

  HostMatrix(hypatia_dtype dtype, size_t count)
      : dtype(dtype), raw(count * elementSize(dtype)), values(count) {}

  void set(size_t i, double value) {
    float single = float(value);
    if (dtype == HYPATIA_F32) {
      std::memcpy(&raw[4 * i], &single, 4);
      values[i] = single;
    } else if (dtype == HYPATIA_F16) {
      __half half = __float2half_rn(single);
      std::memcpy(&raw[2 * i], &half, 2);
      values[i] = __half2float(half);
    } else {
      __nv_bfloat16 bf = __float2bfloat16_rn(single);
      std::memcpy(&raw[2 * i], &bf, 2);
      values[i] = __bfloat162float(bf);
    }
  }
  double get(size_t i) const {
    if (dtype == HYPATIA_F32) {
      float single;
      std::memcpy(&single, &raw[4 * i], 4);
      return single;
    }
    if (dtype == HYPATIA_F16) {
      __half half;
      std::memcpy(&half, &raw[2 * i], 2);
      return __half2float(half);
    }
    __nv_bfloat16 bf;
    std::memcpy(&bf, &raw[2 * i], 2);
    return __bfloat162float(bf);
  }
};

HostMatrix randomMatrix(hypatia_dtype dtype, size_t count,
                        std::mt19937_64 &rng) {
  HostMatrix matrix(dtype, count);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (size_t i = 0; i < count; ++i)
    matrix.set(i, uniform(rng));
  return matrix;
}

/// Device copy of a host matrix, freed on destruction.
struct DeviceBuffer {
  void *pointer = nullptr;
  size_t bytes = 0;
  explicit DeviceBuffer(size_t bytes) : bytes(bytes) {
    EXPECT_EQ(cudaMalloc(&pointer, bytes + 16), cudaSuccess);
  }
  DeviceBuffer(const HostMatrix &host) : DeviceBuffer(host.raw.size()) {
    EXPECT_EQ(
        cudaMemcpy(pointer, host.raw.data(), bytes, cudaMemcpyHostToDevice),
        cudaSuccess);
  }
  ~DeviceBuffer() { cudaFree(pointer); }
  /// The first `count` elements, after the device's work so far.
  HostMatrix download(hypatia_dtype dtype, size_t count) const {
    HostMatrix host(dtype, count);
    EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(host.raw.data(), pointer, host.raw.size(),
                         cudaMemcpyDeviceToHost),
              cudaSuccess);
    return host;
  }
  /// Fills with 0xFF bytes: NaN in every dtype, so unwritten outputs show.
  // Synchronous: the legacy-stream memset must not race with work on a
  // non-blocking stream.
  void poison() {
    EXPECT_EQ(cudaMemset(pointer, 0xFF, bytes), cudaSuccess);
    EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  }
};

double activate(double v, hypatia_activation activation) {
  switch (activation) {
  case HYPATIA_ACTIVATION_NONE:
    return v;
  case HYPATIA_ACTIVATION_RELU:
    return v > 0 ? v : 0;
  case HYPATIA_ACTIVATION_GELU_TANH:
    return 0.5 * v *
           (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
  default:
    ADD_FAILURE() << "no cuBLASLt epilogue for activation " << activation;
    return v;
  }
}

/// ||y - reference|| / ||x @ w^T + b|| for y = act(x @ w^T + b) in float64
/// (per element the larger of |x @ w^T + b| and |x @ w^T|): relative to the
/// products before the activation, whose rounding the result carries. (Relative
/// to the activation's output, a GELU of one negative product, -0.004 say,
/// turned cuBLASLt's bf16 epilogue into a 3.5% error: a flaky 1x1 case on the
/// H200.)
double relativeError(const HostMatrix &x, const HostMatrix &w,
                     const HostMatrix *b, const HostMatrix &y, int64_t m,
                     int64_t n, int64_t k, hypatia_activation activation,
                     bool &allFinite) {
  double difference = 0, norm = 0;
  allFinite = true;
  for (int64_t row = 0; row < m; ++row)
    for (int64_t col = 0; col < n; ++col) {
      double sum = b ? b->values[col] : 0;
      for (int64_t i = 0; i < k; ++i)
        sum += x.values[row * k + i] * w.values[col * k + i];
      double reference = activate(sum, activation);
      double value = y.get(row * n + col);
      allFinite &= std::isfinite(value);
      difference += (value - reference) * (value - reference);
      // The product and the bias may cancel; the product's own rounding
      // scales with the product (relative to the sum alone, a 1x1x8 bf16
      // case with a bias and tanh-GELU measured 1.24e-2 on the H200).
      double product = b ? sum - b->values[col] : sum;
      norm += std::max(sum * sum, product * product);
    }
  // All products zero: absolute error.
  return norm > 0 ? std::sqrt(difference) / std::sqrt(norm)
                  : std::sqrt(difference);
}

struct Shape {
  int64_t m, n, k;
};

class LinearGemmTest
    : public ::testing::TestWithParam<std::tuple<hypatia_dtype, Shape>> {};

TEST_P(LinearGemmTest, MatchesFloat64ForEveryEpilogue) {
  REQUIRE_DEVICE();
  auto [dtype, shape] = GetParam();
  auto [m, n, k] = shape;
  std::mt19937_64 rng(getSeed() + m * 131 + n * 7 + k + dtype);
  HostMatrix x = randomMatrix(dtype, m * k, rng);
  HostMatrix w = randomMatrix(dtype, n * k, rng);
  HostMatrix b = randomMatrix(dtype, n, rng);
  DeviceBuffer dx(x), dw(w), db(b), dy(m * n * elementSize(dtype));
  double f32Tolerance = 1e-5;

  for (hypatia_activation activation :
       {HYPATIA_ACTIVATION_NONE, HYPATIA_ACTIVATION_RELU,
        HYPATIA_ACTIVATION_GELU_TANH}) {
    for (bool withBias : {true, false}) {
      dy.poison();
      ASSERT_EQ(hypatiaLinear(nullptr, dtype, m, n, k, dx.pointer, dw.pointer,
                              withBias ? db.pointer : nullptr, dy.pointer,
                              /*layout=*/0, activation, /*allow_tf32=*/0),
                HYPATIA_SUCCESS)
          << hypatiaGetLastError();
      HostMatrix y = dy.download(dtype, m * n);
      bool allFinite;
      double error = relativeError(x, w, withBias ? &b : nullptr, y, m, n, k,
                                   activation, allFinite);
      EXPECT_TRUE(allFinite) << "unwritten or non-finite outputs";
      // cuBLASLt evaluates GELU approximately: up to 2.5e-5 relative per
      // element in f32 (measured), visible on the smallest shapes.
      double tolerance = dtype != HYPATIA_F32 ? 1e-2
                         : activation == HYPATIA_ACTIVATION_GELU_TANH
                             ? 1e-4
                             : f32Tolerance;
      EXPECT_LE(error, tolerance)
          << "dtype " << dtype << " m " << m << " n " << n << " k " << k
          << " activation " << activation << " bias " << withBias;
      std::printf("dtype %d  m %5lld n %5lld k %5lld  activation %d bias %d: "
                  "relative error %.2e\n",
                  dtype, (long long)m, (long long)n, (long long)k, activation,
                  withBias, error);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, LinearGemmTest,
    ::testing::Combine(
        ::testing::Values(HYPATIA_F32, HYPATIA_BF16, HYPATIA_F16),
        ::testing::Values(Shape{33, 17, 65}, Shape{1, 1, 8},
                          Shape{1024, 10, 784}, Shape{256, 384, 512})));

/// `rows x columns` of `matrix` stored the other way round.
HostMatrix transposed(const HostMatrix &matrix, int64_t rows, int64_t columns) {
  HostMatrix result(matrix.dtype, rows * columns);
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t column = 0; column < columns; ++column)
      result.set(column * rows + row, matrix.values[row * columns + column]);
  return result;
}

// The products of a backward pass: the input stored as x^T, the weight as
// w^T, or both, read in place; and an empty sum (k = 0) gives zeros.
TEST_P(LinearGemmTest, ReadsTransposedOperands) {
  REQUIRE_DEVICE();
  auto [dtype, shape] = GetParam();
  auto [m, n, k] = shape;
  std::mt19937_64 rng(getSeed() + m * 17 + n * 5 + k + dtype);
  HostMatrix x = randomMatrix(dtype, m * k, rng);
  HostMatrix w = randomMatrix(dtype, n * k, rng);
  DeviceBuffer dx(x), dw(w), dxT(transposed(x, m, k)), dwT(transposed(w, n, k)),
      dy(m * n * elementSize(dtype));
  for (int layout = 1; layout <= 3; ++layout) {
    dy.poison();
    ASSERT_EQ(hypatiaLinear(
                  nullptr, dtype, m, n, k,
                  layout & HYPATIA_INPUT_TRANSPOSED ? dxT.pointer : dx.pointer,
                  layout & HYPATIA_WEIGHT_TRANSPOSED ? dwT.pointer : dw.pointer,
                  nullptr, dy.pointer, layout, HYPATIA_ACTIVATION_NONE, 0),
              HYPATIA_SUCCESS)
        << hypatiaGetLastError();
    HostMatrix y = dy.download(dtype, m * n);
    bool allFinite;
    double error = relativeError(x, w, nullptr, y, m, n, k,
                                 HYPATIA_ACTIVATION_NONE, allFinite);
    EXPECT_TRUE(allFinite) << "unwritten or non-finite outputs";
    EXPECT_LE(error, dtype == HYPATIA_F32 ? 1e-5 : 1e-2)
        << "dtype " << dtype << " m " << m << " n " << n << " k " << k
        << " layout " << layout;
  }
  dy.poison();
  ASSERT_EQ(hypatiaLinear(nullptr, dtype, m, n, /*k=*/0, dx.pointer, dw.pointer,
                          nullptr, dy.pointer, HYPATIA_WEIGHT_TRANSPOSED,
                          HYPATIA_ACTIVATION_NONE, 0),
            HYPATIA_SUCCESS)
      << hypatiaGetLastError();
  HostMatrix y = dy.download(dtype, m * n);
  for (int64_t i = 0; i < m * n; ++i)
    ASSERT_EQ(y.get(i), 0.0) << "element " << i << " of an empty sum";
}

TEST(LinearGemmErrors, BadArgumentsAreReportedNotFatal) {
  REQUIRE_DEVICE();
  DeviceBuffer buffer(1024);
  EXPECT_EQ(hypatiaLinear(nullptr, hypatia_dtype(7), 2, 2, 2, buffer.pointer,
                          buffer.pointer, nullptr, buffer.pointer, 0,
                          HYPATIA_ACTIVATION_NONE, 0),
            HYPATIA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(hypatiaGetLastError()).find("unknown dtype 7"),
            std::string::npos);
  EXPECT_EQ(hypatiaLinear(nullptr, HYPATIA_F32, -1, 2, 2, buffer.pointer,
                          buffer.pointer, nullptr, buffer.pointer, 0,
                          HYPATIA_ACTIVATION_NONE, 0),
            HYPATIA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hypatiaLinear(nullptr, HYPATIA_F32, 2, 2, 2, nullptr,
                          buffer.pointer, nullptr, buffer.pointer, 0,
                          HYPATIA_ACTIVATION_NONE, 0),
            HYPATIA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(hypatiaLinear(nullptr, HYPATIA_F32, 2, 2, 2, buffer.pointer,
                          buffer.pointer, nullptr, buffer.pointer, 0,
                          hypatia_activation(9), 0),
            HYPATIA_ERROR_INVALID_ARGUMENT);
  // Activations of the vocabulary that cuBLASLt has no epilogue for.
  for (hypatia_activation activation :
       {HYPATIA_ACTIVATION_GELU_ERF, HYPATIA_ACTIVATION_SILU}) {
    EXPECT_EQ(hypatiaLinear(nullptr, HYPATIA_F32, 2, 2, 2, buffer.pointer,
                            buffer.pointer, nullptr, buffer.pointer, 0,
                            activation, 0),
              HYPATIA_ERROR_NOT_SUPPORTED);
    EXPECT_NE(std::string(hypatiaGetLastError()).find("no epilogue"),
              std::string::npos);
  }
  // An empty batch is a valid no-op.
  EXPECT_EQ(hypatiaLinear(nullptr, HYPATIA_F32, 0, 2, 2, buffer.pointer,
                          buffer.pointer, nullptr, buffer.pointer, 0,
                          HYPATIA_ACTIVATION_NONE, 0),
            HYPATIA_SUCCESS);
}

// A pointer aligned to 2 bytes only, for f32: either an algorithm that copes
// computes the right result, or the call fails with a message; never a crash.
TEST(LinearGemmErrors, MisalignedPointersAreHandled) {
  REQUIRE_DEVICE();
  std::mt19937_64 rng(getSeed());
  int64_t m = 8, n = 8, k = 8;
  HostMatrix x = randomMatrix(HYPATIA_F32, m * k, rng);
  HostMatrix w = randomMatrix(HYPATIA_F32, n * k, rng);
  DeviceBuffer dx(x.raw.size() + 8), dw(w), dy(m * n * 4);
  void *misaligned = static_cast<char *>(dx.pointer) + 2;
  ASSERT_EQ(cudaMemcpy(misaligned, x.raw.data(), x.raw.size(),
                       cudaMemcpyHostToDevice),
            cudaSuccess);
  dy.poison();
  hypatia_status status =
      hypatiaLinear(nullptr, HYPATIA_F32, m, n, k, misaligned, dw.pointer,
                    nullptr, dy.pointer, 0, HYPATIA_ACTIVATION_NONE, 0);
  std::printf("misaligned f32 input: status %d, message '%s'\n", status,
              hypatiaGetLastError());
  if (status == HYPATIA_SUCCESS) {
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    HostMatrix y(HYPATIA_F32, m * n);
    cudaMemcpy(y.raw.data(), dy.pointer, y.raw.size(), cudaMemcpyDeviceToHost);
    bool allFinite;
    EXPECT_LE(relativeError(x, w, nullptr, y, m, n, k, HYPATIA_ACTIVATION_NONE,
                            allFinite),
              1e-5);
  } else {
    EXPECT_EQ(status, HYPATIA_ERROR_NOT_SUPPORTED);
    EXPECT_NE(std::string(hypatiaGetLastError()).find("aligned to 2 bytes"),
              std::string::npos);
  }
}

// After the first call builds the plan, calls allocate and synchronize
// nothing: a whole forward can be captured in a CUDA graph and replayed.
TEST(LinearGemmGraphs, CapturedCallsReplayOnNewInputs) {
  REQUIRE_DEVICE();
  std::mt19937_64 rng(getSeed() + 1);
  int64_t m = 64, n = 48, k = 96;
  HostMatrix w = randomMatrix(HYPATIA_BF16, n * k, rng);
  HostMatrix b = randomMatrix(HYPATIA_BF16, n, rng);
  HostMatrix first = randomMatrix(HYPATIA_BF16, m * k, rng);
  DeviceBuffer dx(first), dw(w), db(b), dy(m * n * 2);
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
            cudaSuccess);
  // Warm-up builds the plan.
  ASSERT_EQ(hypatiaLinear(stream, HYPATIA_BF16, m, n, k, dx.pointer, dw.pointer,
                          db.pointer, dy.pointer, 0, HYPATIA_ACTIVATION_RELU,
                          0),
            HYPATIA_SUCCESS)
      << hypatiaGetLastError();
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);

  cudaGraph_t graph;
  ASSERT_EQ(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal),
            cudaSuccess);
  ASSERT_EQ(hypatiaLinear(stream, HYPATIA_BF16, m, n, k, dx.pointer, dw.pointer,
                          db.pointer, dy.pointer, 0, HYPATIA_ACTIVATION_RELU,
                          0),
            HYPATIA_SUCCESS)
      << hypatiaGetLastError();
  ASSERT_EQ(cudaStreamEndCapture(stream, &graph), cudaSuccess);
  cudaGraphExec_t exec;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);

  for (int replay = 0; replay < 2; ++replay) {
    HostMatrix x = randomMatrix(HYPATIA_BF16, m * k, rng);
    ASSERT_EQ(cudaMemcpy(dx.pointer, x.raw.data(), x.raw.size(),
                         cudaMemcpyHostToDevice),
              cudaSuccess);
    dy.poison();
    ASSERT_EQ(cudaGraphLaunch(exec, stream), cudaSuccess);
    ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
    HostMatrix y(HYPATIA_BF16, m * n);
    cudaMemcpy(y.raw.data(), dy.pointer, y.raw.size(), cudaMemcpyDeviceToHost);
    bool allFinite;
    EXPECT_LE(
        relativeError(x, w, &b, y, m, n, k, HYPATIA_ACTIVATION_RELU, allFinite),
        1e-2);
    EXPECT_TRUE(allFinite);
  }
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cudaStreamDestroy(stream);
}

// cuBLASLt's ReLU epilogue keeps NaN, as torch.relu does (measured on an H100
// with CUDA 13: DESIGN.md expected it to give 0). One row of x is NaN, so that
// row of x @ w^T is NaN before the activation; the other rows stay finite.
TEST(LinearGemmNumerics, ReluEpilogueKeepsNaN) {
  REQUIRE_DEVICE();
  for (hypatia_dtype dtype : {HYPATIA_F32, HYPATIA_BF16, HYPATIA_F16}) {
    for (bool withBias : {false, true}) {
      std::mt19937_64 rng(getSeed() + 2);
      int64_t m = 4, n = 8, k = 16;
      HostMatrix x = randomMatrix(dtype, m * k, rng);
      for (int64_t i = 0; i < k; ++i)
        x.set(k + i, NAN);
      HostMatrix w = randomMatrix(dtype, n * k, rng);
      HostMatrix b = randomMatrix(dtype, n, rng);
      DeviceBuffer dx(x), dw(w), db(b), dy(m * n * elementSize(dtype));
      dy.poison();
      ASSERT_EQ(hypatiaLinear(nullptr, dtype, m, n, k, dx.pointer, dw.pointer,
                              withBias ? db.pointer : nullptr, dy.pointer, 0,
                              HYPATIA_ACTIVATION_RELU, 0),
                HYPATIA_SUCCESS)
          << hypatiaGetLastError();
      HostMatrix y = dy.download(dtype, m * n);
      for (int64_t row = 0; row < m; ++row)
        for (int64_t col = 0; col < n; ++col)
          EXPECT_EQ(std::isnan(y.get(row * n + col)), row == 1)
              << "dtype " << dtype << " bias " << withBias << " at (" << row
              << ", " << col << ")";
    }
  }
}

} // namespace
