/*===- Runtime.h - Hypatia's GPU runtime: C ABI ------------------*- C -*-===*\
|*                                                                            *|
|* What compiled models call on the GPU. No MLIR, no C++ in the interface.   *|
|* Everything runs on the caller's stream; failures return a non-zero code   *|
|* and leave a message for hypatiaGetLastError(), never abort the process.   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef HYPATIA_RUNTIME_RUNTIME_H
#define HYPATIA_RUNTIME_RUNTIME_H

#include "hypatia/Runtime/Vocabulary.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* cuBLASLt applies ReLU and tanh-GELU in a GEMM epilogue (hypatiaLinear
 * rejects the other activations). Its GELU is the tanh form, itself evaluated
 * approximately: up to 2.5e-5 relative error per element in f32 (measured on
 * an H100 with CUDA 13). Its ReLU keeps NaN, as torch.relu does (measured
 * likewise).
 *
 * y[m, n] = activation(x[m, k] @ w[n, k]^T + bias[n]), row-major, dense,
 * in one cuBLASLt call with the bias and activation in its epilogue. `bias`
 * may be null. `layout` says which operands are stored transposed
 * (HYPATIA_INPUT_TRANSPOSED: x as [k, m]; HYPATIA_WEIGHT_TRANSPOSED: w as
 * [k, n]); cuBLASLt reads them so, nothing is copied. k = 0 without a bias
 * gives zeros. f16/bf16 accumulate in f32; f32 uses full f32 arithmetic
 * unless `allow_tf32` is non-zero. `stream` is a cudaStream_t (null: the
 * legacy default stream). The first call for a shape, dtype, epilogue and
 * pointer alignment builds a plan (descriptors, algorithm, workspace); later
 * calls allocate nothing and synchronize nothing, so they can be captured in
 * a CUDA graph. Thread-safe. */
hypatia_status hypatiaLinear(void *stream, hypatia_dtype dtype, int64_t m,
                             int64_t n, int64_t k, const void *x, const void *w,
                             const void *bias, void *y, int layout,
                             hypatia_activation activation, int allow_tf32);

/* How many of cuBLASLt's heuristic candidates a plan times at its first use
 * (on the caller's buffers and stream, synchronizing it once; skipped while
 * the stream is being captured) to keep the fastest. 0 or 1: the
 * heuristic's first choice, nothing timed. The default comes from the
 * HYPATIA_GEMM_AUTOTUNE environment variable (else 0). Applies to plans
 * built afterwards. */
void hypatiaSetGemmAutotune(int candidates);

/* The message of the calling thread's last failure ("" if none). */
const char *hypatiaGetLastError(void);

/* Kernels compiled by Hypatia's GPU pipeline call the mgpu* functions that
 * MLIR's gpu-to-llvm emits; this runtime implements them so that everything
 * runs on the stream set here (per thread; null: the legacy default stream).
 * Their mgpuStreamSynchronize does not wait: work stays ordered on the
 * caller's stream, which the caller synchronizes when it needs the results,
 * and which it may capture in a CUDA graph. */
void hypatiaSetStream(void *stream);
void *hypatiaGetStream(void);

/* Frees, on the stream set with hypatiaSetStream, a device buffer that a
 * compiled function returned (its descriptor's allocated pointer). */
void hypatiaFree(void *pointer);

/* The first failure of a device operation (module load, kernel launch,
 * device allocation) since the last call, with its message available from
 * hypatiaGetLastError(); HYPATIA_SUCCESS if there was none. Generated code
 * cannot return errors itself: callers check here after a call. */
hypatia_status hypatiaTakeDeviceError(void);

/* Releases the plans and handles of all devices (e.g. before unloading). */
void hypatiaRuntimeShutdown(void);

#ifdef __cplusplus
}
#endif

#endif /* HYPATIA_RUNTIME_RUNTIME_H */
