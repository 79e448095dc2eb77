//===- LinearMemref.cpp - hypatiaLinear on memref descriptors ---*- C++ -*-===//
//
// What --hypatia-lower-library-calls calls: hypatia_linear_<dtype>[_nobias],
// declared with llvm.emit_c_interface, so the calls arrive at _mlir_ciface_*
// with pointers to MLIR memref descriptors. Runs on the stream set with
// hypatiaSetStream; failures are recorded for hypatiaTakeDeviceError().
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "hypatia/Runtime/MemRefDescriptor.h"

#include <cstdint>
#include <string>

#define HYPATIA_EXPORT __attribute__((visibility("default")))

namespace {

template <int Rank> using MemRef = hypatia::MemRefDescriptor<Rank>;

size_t elementBytes(hypatia_dtype dtype) {
  return dtype == HYPATIA_F32 ? 4 : 2;
}

template <int Rank>
void *getData(const MemRef<Rank> &memref, hypatia_dtype dtype) {
  return static_cast<char *>(memref.aligned) +
         memref.offset * elementBytes(dtype);
}

bool isRowMajor(const MemRef<2> &memref) {
  return memref.strides[1] == 1 &&
         (memref.sizes[0] <= 1 || memref.strides[0] == memref.sizes[1]);
}

void linear(hypatia_dtype dtype, const MemRef<2> *x, const MemRef<2> *w,
            const MemRef<1> *bias, const MemRef<2> *y, int32_t activation,
            int32_t allowTF32, int32_t layout) {
  bool inputTransposed = layout & HYPATIA_INPUT_TRANSPOSED;
  bool weightTransposed = layout & HYPATIA_WEIGHT_TRANSPOSED;
  int64_t m = x->sizes[inputTransposed], k = x->sizes[!inputTransposed];
  int64_t n = w->sizes[weightTransposed],
          weightK = w->sizes[!weightTransposed];
  std::string shapes = "x [" + std::to_string(x->sizes[0]) + ", " +
                       std::to_string(x->sizes[1]) + "]" +
                       (inputTransposed ? " (transposed)" : "") + ", w [" +
                       std::to_string(w->sizes[0]) + ", " +
                       std::to_string(w->sizes[1]) + "]" +
                       (weightTransposed ? " (transposed)" : "") + ", y [" +
                       std::to_string(y->sizes[0]) + ", " +
                       std::to_string(y->sizes[1]) + "]";
  if (weightK != k || y->sizes[0] != m || y->sizes[1] != n ||
      (bias && bias->sizes[0] != n)) {
    hypatia::runtime::recordDeviceFailure(
        HYPATIA_ERROR_INVALID_ARGUMENT,
        "hypatia: linear layer with mismatching shapes: " + shapes);
    return;
  }
  if (!isRowMajor(*x) || !isRowMajor(*w) || !isRowMajor(*y) ||
      (bias && bias->strides[0] != 1)) {
    hypatia::runtime::recordDeviceFailure(
        HYPATIA_ERROR_INVALID_ARGUMENT,
        "hypatia: linear layer on non-contiguous buffers: " + shapes);
    return;
  }
  hypatia_status status = hypatiaLinear(
      hypatiaGetStream(), dtype, m, n, k, getData(*x, dtype),
      getData(*w, dtype), bias ? getData(*bias, dtype) : nullptr,
      getData(*y, dtype), layout, hypatia_activation(activation), allowTF32);
  if (status != HYPATIA_SUCCESS)
    hypatia::runtime::recordDeviceFailure(status, hypatiaGetLastError());
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

HYPATIA_DEFINE_LINEAR(f32, HYPATIA_F32)
HYPATIA_DEFINE_LINEAR(f16, HYPATIA_F16)
HYPATIA_DEFINE_LINEAR(bf16, HYPATIA_BF16)
