//===- LinearMemref.cpp - hypatiaLinear on memref descriptors ---*- C++ -*-===//
//
// What --hypatia-lower-library-calls calls: hypatia_linear_<dtype>[_nobias]
// and hypatia_linear_pair_<dtype>[_nobias],
// declared with llvm.emit_c_interface, so the calls arrive at _mlir_ciface_*
// with pointers to MLIR memref descriptors. Runs on the stream set with
// hypatiaSetStream; failures are recorded for hypatiaTakeDeviceError().
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "hypatia/Runtime/MemRefDescriptor.h"

#include <cuda_runtime.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#define HYPATIA_EXPORT __attribute__((visibility("default")))

namespace {

template <int Rank> using MemRef = hypatia::MemRefDescriptor<Rank>;

template <int Rank>
void *getData(const MemRef<Rank> &memref, hypatia_dtype dtype) {
  return static_cast<char *>(memref.aligned) +
         memref.offset * hypatia::runtime::getElementBytes(dtype);
}

bool isRowMajor(const MemRef<2> &memref) {
  return memref.strides[1] == 1 &&
         (memref.sizes[0] <= 1 || memref.strides[0] == memref.sizes[1]);
}

/// Elements between rows of a matrix of contiguous rows (its column count
/// where it has one row).
int64_t getRowStride(const MemRef<2> &memref) {
  return memref.sizes[0] <= 1 ? memref.sizes[1] : memref.strides[0];
}

/// Whether y's rows are contiguous and apart by at least a row.
bool hasContiguousRows(const MemRef<2> &memref) {
  return memref.strides[1] == 1 && getRowStride(memref) >= memref.sizes[1];
}

/// Enqueues the layer; false (with the failure recorded) if it failed.
bool linear(hypatia_dtype dtype, const MemRef<2> *x, const MemRef<2> *w,
            const MemRef<1> *bias, const MemRef<2> *y, int32_t activation,
            int32_t allowTF32, int32_t layout) {
  bool inputTransposed = layout & HYPATIA_INPUT_TRANSPOSED;
  bool weightTransposed = layout & HYPATIA_WEIGHT_TRANSPOSED;
  int64_t m = x->sizes[inputTransposed], k = x->sizes[!inputTransposed];
  int64_t n = w->sizes[weightTransposed], weightK = w->sizes[!weightTransposed];
  std::string shapes =
      "x [" + std::to_string(x->sizes[0]) + ", " + std::to_string(x->sizes[1]) +
      "]" + (inputTransposed ? " (transposed)" : "") + ", w [" +
      std::to_string(w->sizes[0]) + ", " + std::to_string(w->sizes[1]) + "]" +
      (weightTransposed ? " (transposed)" : "") + ", y [" +
      std::to_string(y->sizes[0]) + ", " + std::to_string(y->sizes[1]) + "]";
  if (weightK != k || y->sizes[0] != m || y->sizes[1] != n ||
      (bias && bias->sizes[0] != n)) {
    hypatia::runtime::recordDeviceFailure(
        HYPATIA_ERROR_INVALID_ARGUMENT,
        "hypatia: linear layer with mismatching shapes: " + shapes);
    return false;
  }
  if (!isRowMajor(*x) || !isRowMajor(*w) || !hasContiguousRows(*y) ||
      (bias && bias->strides[0] != 1)) {
    hypatia::runtime::recordDeviceFailure(
        HYPATIA_ERROR_INVALID_ARGUMENT,
        "hypatia: linear layer on non-contiguous buffers: " + shapes);
    return false;
  }
  hypatia_status status = hypatia::runtime::linear(
      hypatiaGetStream(), dtype, m, n, k, getData(*x, dtype),
      getData(*w, dtype), bias ? getData(*bias, dtype) : nullptr,
      getData(*y, dtype), getRowStride(*y), layout,
      hypatia_activation(activation), allowTF32);
  if (status != HYPATIA_SUCCESS)
    hypatia::runtime::recordDeviceFailure(status, hypatiaGetLastError());
  return status == HYPATIA_SUCCESS;
}

/// `memref`'s elements from `first` on, as a descriptor of `sizes` with its
/// strides.
template <int Rank>
MemRef<Rank> slice(const MemRef<Rank> &memref, int64_t first,
                   const int64_t (&sizes)[Rank]) {
  MemRef<Rank> result = memref;
  result.offset += first;
  for (int i = 0; i < Rank; ++i)
    result.sizes[i] = sizes[i];
  return result;
}

/// A pair's shape and epilogue, and the device.
struct PairKey {
  int device;
  hypatia_dtype dtype;
  int64_t m, n, k;
  bool hasBias;
  int32_t activation, allowTF32;
  bool operator<(const PairKey &other) const {
    return std::tie(device, dtype, m, n, k, hasBias, activation, allowTF32) <
           std::tie(other.device, other.dtype, other.m, other.n, other.k,
                    other.hasBias, other.activation, other.allowTF32);
  }
};

/// Per pair shape, whether one GEMM over both blocks was measured faster
/// than one GEMM per block.
struct PairChoices {
  std::mutex mutex;
  std::map<PairKey, bool> oneIsFaster;
};

PairChoices &getPairChoices() {
  static PairChoices choices;
  return choices;
}

/// y [m, 2n] = x @ [w; second]^T (+ [bias; secondBias]). Where `second` (and
/// `secondBias`) directly follows `w` (and `bias`) in memory, the two are one
/// [2n, k] matrix and can be one GEMM; whether that is faster than a GEMM
/// per block depends on the library's kernels for the two shapes (on the
/// H200, one GEMM was 6% faster for LLaMA-7B's f32 MLP and 3% slower for its
/// bf16 one), so it is measured, once per shape, at the first call whose
/// stream is not being captured (one GEMM until then). Otherwise one GEMM
/// per column block of y.
void linearPair(hypatia_dtype dtype, const MemRef<2> *x, const MemRef<2> *w,
                const MemRef<2> *second, const MemRef<1> *bias,
                const MemRef<1> *secondBias, const MemRef<2> *y,
                int32_t activation, int32_t allowTF32, int32_t layout) {
  int64_t n = w->sizes[0], k = w->sizes[1];
  if (second->sizes[0] != n || second->sizes[1] != k || y->sizes[1] != 2 * n ||
      layout != 0) {
    hypatia::runtime::recordDeviceFailure(
        HYPATIA_ERROR_INVALID_ARGUMENT,
        "hypatia: linear layer of two weight blocks with mismatching shapes "
        "or a transposed operand: w [" +
            std::to_string(n) + ", " + std::to_string(k) + "], second [" +
            std::to_string(second->sizes[0]) + ", " +
            std::to_string(second->sizes[1]) + "], y [" +
            std::to_string(y->sizes[0]) + ", " + std::to_string(y->sizes[1]) +
            "]");
    return;
  }
  auto follows = [&](const auto &first, const auto &next, int64_t count) {
    return static_cast<const char *>(getData(next, dtype)) ==
           static_cast<const char *>(getData(first, dtype)) +
               count * int64_t(hypatia::runtime::getElementBytes(dtype));
  };
  bool adjacent =
      isRowMajor(*w) && isRowMajor(*second) && follows(*w, *second, n * k) &&
      (!bias || (bias->strides[0] == 1 && secondBias->strides[0] == 1 &&
                 follows(*bias, *secondBias, n)));
  MemRef<2> left = slice(*y, 0, {y->sizes[0], n});
  MemRef<2> right = slice(*y, n, {y->sizes[0], n});
  auto perBlock = [&] {
    return linear(dtype, x, w, bias, &left, activation, allowTF32, layout) &&
           linear(dtype, x, second, secondBias, &right, activation, allowTF32,
                  layout);
  };
  if (!adjacent) {
    perBlock();
    return;
  }
  MemRef<2> both = slice(*w, 0, {2 * n, k});
  MemRef<1> biases;
  if (bias)
    biases = slice(*bias, 0, {2 * n});
  auto asOne = [&] {
    return linear(dtype, x, &both, bias ? &biases : nullptr, y, activation,
                  allowTF32, layout);
  };
  int device = 0;
  cudaGetDevice(&device);
  PairKey key{device, dtype,           x->sizes[0], n,
              k,      bias != nullptr, activation,  allowTF32};
  PairChoices &choices = getPairChoices();
  std::optional<bool> oneIsFaster;
  {
    std::lock_guard<std::mutex> lock(choices.mutex);
    if (auto it = choices.oneIsFaster.find(key);
        it != choices.oneIsFaster.end())
      oneIsFaster = it->second;
  }
  void *stream = hypatiaGetStream();
  if (!oneIsFaster && !hypatia::runtime::isCapturing(stream)) {
    float one = hypatia::runtime::timeOnStream(stream, asOne);
    float two = hypatia::runtime::timeOnStream(stream, perBlock);
    oneIsFaster = one <= two;
    std::lock_guard<std::mutex> lock(choices.mutex);
    choices.oneIsFaster.emplace(key, *oneIsFaster);
  }
  if (oneIsFaster.value_or(true))
    asOne();
  else
    perBlock();
}

} // namespace

#define HYPATIA_DEFINE_LINEAR(NAME, DTYPE)                                     \
  extern "C" HYPATIA_EXPORT void _mlir_ciface_hypatia_linear_##NAME(           \
      MemRef<2> *x, MemRef<2> *w, MemRef<1> *bias, MemRef<2> *y,               \
      int32_t activation, int32_t allowTF32, int32_t layout) {                 \
    linear(DTYPE, x, w, bias, y, activation, allowTF32, layout);               \
  }                                                                            \
  extern "C" HYPATIA_EXPORT void _mlir_ciface_hypatia_linear_##NAME##_nobias(  \
      MemRef<2> *x, MemRef<2> *w, MemRef<2> *y, int32_t activation,            \
      int32_t allowTF32, int32_t layout) {                                     \
    linear(DTYPE, x, w, nullptr, y, activation, allowTF32, layout);            \
  }

#define HYPATIA_DEFINE_LINEAR_PAIR(NAME, DTYPE)                                \
  extern "C" HYPATIA_EXPORT void _mlir_ciface_hypatia_linear_pair_##NAME(      \
      MemRef<2> *x, MemRef<2> *w, MemRef<2> *second, MemRef<1> *bias,          \
      MemRef<1> *secondBias, MemRef<2> *y, int32_t activation,                 \
      int32_t allowTF32, int32_t layout) {                                     \
    linearPair(DTYPE, x, w, second, bias, secondBias, y, activation,           \
               allowTF32, layout);                                             \
  }                                                                            \
  extern "C" HYPATIA_EXPORT void                                               \
  _mlir_ciface_hypatia_linear_pair_##NAME##_nobias(                            \
      MemRef<2> *x, MemRef<2> *w, MemRef<2> *second, MemRef<2> *y,             \
      int32_t activation, int32_t allowTF32, int32_t layout) {                 \
    linearPair(DTYPE, x, w, second, nullptr, nullptr, y, activation,           \
               allowTF32, layout);                                             \
  }

HYPATIA_DEFINE_LINEAR(f32, HYPATIA_F32)
HYPATIA_DEFINE_LINEAR(f16, HYPATIA_F16)
HYPATIA_DEFINE_LINEAR(bf16, HYPATIA_BF16)

HYPATIA_DEFINE_LINEAR_PAIR(f32, HYPATIA_F32)
HYPATIA_DEFINE_LINEAR_PAIR(f16, HYPATIA_F16)
HYPATIA_DEFINE_LINEAR_PAIR(bf16, HYPATIA_BF16)
