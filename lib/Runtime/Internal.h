//===- Internal.h - Shared internals of the GPU runtime ---------*- C++ -*-===//

#ifndef HYPATIA_LIB_RUNTIME_INTERNAL_H
#define HYPATIA_LIB_RUNTIME_INTERNAL_H

#include "hypatia/Runtime/Runtime.h"

#include <functional>
#include <string>

namespace hypatia::runtime {

/// Sets the calling thread's message for hypatiaGetLastError().
void setLastError(const std::string &message);

/// Records a failure of a call that cannot return one (generated code calls
/// it); the first failure is kept until hypatiaTakeDeviceError().
void recordDeviceFailure(hypatia_status status, const std::string &message);

/// hypatiaLinear with the rows of y `ldy` elements apart (ldy >= n): the
/// column block of a wider buffer.
hypatia_status linear(void *stream, hypatia_dtype dtype, int64_t m, int64_t n,
                      int64_t k, const void *x, const void *w, const void *bias,
                      void *y, int64_t ldy, int layout,
                      hypatia_activation activation, int allowTF32);

/// Whether work enqueued on `stream` (a cudaStream_t) is being captured into
/// a CUDA graph (then nothing may be timed or synchronized).
bool isCapturing(void *stream);

/// Milliseconds per call of `call` (which enqueues work on `stream` and
/// returns false on failure): two untimed calls, then five between two
/// events, waiting for the second. Infinity if a call or the timing fails.
/// How the runtime compares its choices (GEMM algorithms, a weight pair as
/// one GEMM or two) at first use.
float timeOnStream(void *stream, const std::function<bool()> &call);

/// Bytes of one element of `dtype`.
inline size_t getElementBytes(hypatia_dtype dtype) {
  return dtype == HYPATIA_F32 ? 4 : 2;
}

} // namespace hypatia::runtime

#endif // HYPATIA_LIB_RUNTIME_INTERNAL_H
