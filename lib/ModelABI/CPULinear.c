/*===- CPULinear.c - Linear layers of CPU models as BLAS GEMMs ----*- C -*-===*\
|*                                                                            *|
|* What --hypatia-lower-library-calls calls on the CPU target:                *|
|* hypatia_linear_f32[_nobias] (declared with llvm.emit_c_interface, so the   *|
|* calls arrive at _mlir_ciface_* with pointers to memref descriptors). One   *|
|* OpenBLAS sgemm per layer, y = x w^T, then bias and activation in one pass  *|
|* over y (splitting that pass over threads measured no faster on the 2-core *|
|* CI machine). Only in CPU models (libHypatiaModelABICPU.a, linked with      *|
|* -lopenblas);                                                               *|
|* the CUDA runtime defines the same functions for the GPU.                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "Internal.h"
#include "hypatia/Runtime/Vocabulary.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>

/* The CBLAS GEMM (OpenBLAS), declared here: its header's name and location
 * differ between distributions. The enums are C ints. */
enum { ROW_MAJOR = 101, NO_TRANSPOSE = 111, TRANSPOSE = 112 };
void cblas_sgemm(int order, int transposeA, int transposeB, int m, int n, int k,
                 float alpha, const float *a, int lda, const float *b, int ldb,
                 float beta, float *c, int ldc);

/* MLIR memref descriptors of rank 2 and 1 (hypatia/Runtime/MemRefDescriptor.h
 * in C). */
typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} Matrix;
typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} Vector;

/* The row stride as BLAS's leading dimension: rows of contiguous elements
 * (the lowering checks that statically), at least `columns` apart, within
 * BLAS's 32-bit ints. */
static int leadingDimension(const Matrix *matrix, const char *name) {
  int64_t stride =
      matrix->sizes[0] <= 1 ? matrix->sizes[1] : matrix->strides[0];
  if (stride < 1)
    stride = 1;
  if (matrix->strides[1] != 1 || stride < matrix->sizes[1] || stride > INT_MAX)
    hypatiaModelFailCall(
        HYPATIA_ERROR_INVALID_ARGUMENT,
        "linear layer: %s has strides [%lld, %lld] for sizes "
        "[%lld, %lld]",
        name, (long long)matrix->strides[0], (long long)matrix->strides[1],
        (long long)matrix->sizes[0], (long long)matrix->sizes[1]);
  return (int)stride;
}

static float activate(float value, int32_t activation) {
  switch (activation) {
  case HYPATIA_ACTIVATION_RELU:
    return value < 0 ? 0 : value; /* NaN stays NaN, as torch.relu */
  case HYPATIA_ACTIVATION_GELU_ERF:
    return 0.5f * value * (1 + erff(value * 0.70710678118654752f));
  case HYPATIA_ACTIVATION_GELU_TANH: {
    float inner =
        0.79788456080286536f * (value + 0.044715f * value * value * value);
    return 0.5f * value * (1 + tanhf(inner));
  }
  case HYPATIA_ACTIVATION_SILU:
    return value / (1 + expf(-value));
  }
  return value;
}

/* y = activation(y + bias) over rows [begin, end) of y. */
typedef struct {
  float *y;
  int64_t ldy, columns;
  const float *bias;
  int64_t biasStride;
  int32_t activation;
  int64_t begin, end;
} Epilogue;

static void applyEpilogue(const Epilogue *e) {
  for (int64_t row = e->begin; row < e->end; ++row) {
    float *values = e->y + row * e->ldy;
    if (e->bias)
      for (int64_t column = 0; column < e->columns; ++column)
        values[column] += e->bias[column * e->biasStride];
    if (e->activation != HYPATIA_ACTIVATION_NONE)
      for (int64_t column = 0; column < e->columns; ++column)
        values[column] = activate(values[column], e->activation);
  }
}

/* y[j] = w[j, :] . x for j < n, on the calling thread: 8 columns at a time
 * in GCC vector registers (two SSE registers on generic x86-64), each lane
 * its own partial sum. */
typedef float Float8 __attribute__((vector_size(32)));
static void rowTimesTransposed(const float *x, const float *w, int64_t ldw,
                               int64_t n, int64_t k, float *y) {
  for (int64_t j = 0; j < n; ++j) {
    const float *row = w + j * ldw;
    Float8 partial = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= k; i += 8) {
      Float8 a, b;
      __builtin_memcpy(&a, row + i, sizeof a);
      __builtin_memcpy(&b, x + i, sizeof b);
      partial += a * b;
    }
    float sum = 0;
    for (int lane = 0; lane < 8; ++lane)
      sum += partial[lane];
    for (; i < k; ++i)
      sum += row[i] * x[i];
    y[j] = sum;
  }
}

static void linear(const Matrix *x, const Matrix *w, const Vector *bias,
                   const Matrix *y, int32_t activation) {
  int64_t m = x->sizes[0], k = x->sizes[1], n = w->sizes[0];
  if (w->sizes[1] != k || y->sizes[0] != m || y->sizes[1] != n ||
      (bias && bias->sizes[0] != n))
    hypatiaModelFailCall(
        HYPATIA_ERROR_INVALID_ARGUMENT,
        "linear layer with mismatching shapes: x [%lld, %lld], "
        "w [%lld, %lld], y [%lld, %lld]",
        (long long)m, (long long)k, (long long)w->sizes[0],
        (long long)w->sizes[1], (long long)y->sizes[0], (long long)y->sizes[1]);
  if (m > INT_MAX || n > INT_MAX || k > INT_MAX)
    hypatiaModelFailCall(HYPATIA_ERROR_NOT_SUPPORTED,
                         "linear layer: sizes [%lld, %lld] x [%lld, %lld] "
                         "exceed BLAS's 32-bit dimensions",
                         (long long)m, (long long)k, (long long)n,
                         (long long)k);
  int ldx = leadingDimension(x, "x"), ldw = leadingDimension(w, "w"),
      ldy = leadingDimension(y, "y");
  if (m == 0 || n == 0)
    return;
  const float *xData = x->aligned + x->offset;
  const float *wData = w->aligned + w->offset;
  float *yData = y->aligned + y->offset;
  /* One row (a decode step, a batch of one) is a matrix-vector product,
   * streamed once on this thread. On the 2-core CI machine, for a batch of
   * one through 512 -> 1024 -> 1024 -> 256 (7 MB of weights): OpenBLAS's
   * sgemm (it packs all of w first) took 584 us against eager PyTorch's 229;
   * OpenBLAS's two-thread sgemv 227 us in a loop of calls, but 8.8 ms right
   * after PyTorch's own calls, whose OpenMP threads spin and leave
   * OpenBLAS's second thread no core; this loop 352 us in a loop of calls,
   * 0.5 ms after PyTorch's (bench/results/cpu-backend-one-row.txt). */
  if (k > 0 && m == 1)
    rowTimesTransposed(xData, wData, ldw, n, k, yData);
  else if (k > 0)
    cblas_sgemm(ROW_MAJOR, NO_TRANSPOSE, TRANSPOSE, (int)m, (int)n, (int)k, 1,
                xData, ldx, wData, ldw, 0, yData, ldy);
  else
    for (int64_t row = 0; row < m; ++row)
      for (int64_t column = 0; column < n; ++column)
        yData[row * ldy + column] = 0;
  if (!bias && activation == HYPATIA_ACTIVATION_NONE)
    return;
  Epilogue epilogue = {yData,
                       ldy,
                       n,
                       bias ? bias->aligned + bias->offset : NULL,
                       bias ? bias->strides[0] : 0,
                       activation,
                       0,
                       m};
  applyEpilogue(&epilogue);
}

__attribute__((visibility("hidden"))) void
_mlir_ciface_hypatia_linear_f32(Matrix *x, Matrix *w, Vector *bias, Matrix *y,
                                int32_t activation, int32_t allowTF32) {
  (void)allowTF32;
  linear(x, w, bias, y, activation);
}

__attribute__((visibility("hidden"))) void
_mlir_ciface_hypatia_linear_f32_nobias(Matrix *x, Matrix *w, Matrix *y,
                                       int32_t activation, int32_t allowTF32) {
  (void)allowTF32;
  linear(x, w, NULL, y, activation);
}
