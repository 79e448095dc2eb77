/*===- CPULinear.c - Linear layers of CPU models on oneDNN --------*- C -*-===*\
|*                                                                            *|
|* What --hypatia-lower-library-calls calls on the CPU target:                *|
|* hypatia_linear[_pair]_<f32|bf16>[_nobias] (declared with                   *|
|* llvm.emit_c_interface, so the calls arrive at _mlir_ciface_* with          *|
|* pointers to memref descriptors). One oneDNN matmul per layer,              *|
|* y = activation(x w^T + bias),                                              *|
|* f32 accumulation, the bias and the activation as its post-ops (no second   *|
|* pass over y). oneDNN picks its kernels by the CPU's features at run time   *|
|* and runs them on OpenMP threads. Only in CPU models                        *|
|* (libHypatiaModelABICPU.a, linked with -ldnnl); the CUDA runtime defines    *|
|* the same functions for the GPU.                                            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "Internal.h"
#include "hypatia/Runtime/Vocabulary.h"

#include <oneapi/dnnl/dnnl.h>

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* MLIR memref descriptors of rank 2 and 1 (hypatia/Runtime/MemRefDescriptor.h
 * in C), of f32 or bf16 elements. */
typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} Matrix;
typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} Vector;

/* Elements as f32 or bf16 (dnnl_f32, dnnl_bf16). */
static size_t getElementSize(dnnl_data_type_t type) {
  return type == dnnl_f32 ? 4 : 2;
}

static void *getElement(void *aligned, int64_t index, dnnl_data_type_t type) {
  return (char *)aligned + index * (int64_t)getElementSize(type);
}

static float loadElement(const void *address, dnnl_data_type_t type) {
  float value;
  if (type == dnnl_f32) {
    memcpy(&value, address, sizeof value);
  } else {
    uint16_t half;
    memcpy(&half, address, sizeof half);
    uint32_t bits = (uint32_t)half << 16;
    memcpy(&value, &bits, sizeof value);
  }
  return value;
}

/* Rounds to nearest even for bf16; NaN stays NaN. */
static void storeElement(void *address, float value, dnnl_data_type_t type) {
  if (type == dnnl_f32) {
    memcpy(address, &value, sizeof value);
    return;
  }
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  uint16_t half = (bits & 0x7fffffffu) > 0x7f800000u
                      ? (uint16_t)((bits >> 16) | 0x40)
                      : (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1)) >> 16);
  memcpy(address, &half, sizeof half);
}

/* The row stride: rows of contiguous elements (the lowering checks that
 * statically), at least `columns` apart. */
static int64_t leadingDimension(const Matrix *matrix, const char *name) {
  int64_t stride =
      matrix->sizes[0] <= 1 ? matrix->sizes[1] : matrix->strides[0];
  if (stride < 1)
    stride = 1;
  if (matrix->strides[1] != 1 || stride < matrix->sizes[1])
    hypatiaModelFailCall(
        HYPATIA_ERROR_INVALID_ARGUMENT,
        "linear layer: %s has strides [%lld, %lld] for sizes "
        "[%lld, %lld]",
        name, (long long)matrix->strides[0], (long long)matrix->strides[1],
        (long long)matrix->sizes[0], (long long)matrix->sizes[1]);
  return stride;
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

/* y = activation(y + bias), in place, where no matmul applied them (in f32,
 * rounded once). */
static void applyEpilogue(void *y, int64_t ldy, int64_t rows, int64_t columns,
                          void *bias, int64_t biasStride, int32_t activation,
                          dnnl_data_type_t type) {
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t column = 0; column < columns; ++column) {
      void *address = getElement(y, row * ldy + column, type);
      float value = loadElement(address, type);
      if (bias)
        value += loadElement(getElement(bias, column * biasStride, type), type);
      storeElement(address, activate(value, activation), type);
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

/* What a matmul primitive is specialised to. oneDNN picks and JIT-compiles
 * its kernel per shape (tens of microseconds to milliseconds), so each
 * layer's primitive is made once and kept. */
typedef struct {
  /* All int64_t: keys are compared with memcmp, so no padding. */
  int64_t type, m, n, k, ldx, ldw, ldy, activation, hasBias, biasStride;
  /* HYPATIA_INPUT_TRANSPOSED, HYPATIA_WEIGHT_TRANSPOSED bits. */
  int64_t layout;
  /* oneDNN splits the work for the OpenMP threads there are when it makes
   * the primitive, and runs it on as many. */
  int64_t threads;
} MatmulKey;

/* OpenMP (libgomp, which oneDNN runs on; PyTorch loads the same one). */
int omp_get_max_threads(void);
void omp_set_num_threads(int count);

/* Products of fewer FLOPs run on one thread. Waking a second thread costs
 * more than it saves there: the suite's tiny (32 x 64 -> 128 -> 10) took 78
 * us per call on two threads and 49 on one on the 2-core CI machine. */
static const double kMinFlopsPerThread = 4 << 20;

/* Sets the calling thread's OpenMP thread count; returns the one before. */
static int useThreads(int64_t count) {
  int previous = omp_get_max_threads();
  omp_set_num_threads((int)count);
  return previous;
}

static int64_t getThreadCount(int64_t m, int64_t n, int64_t k) {
  double threads = omp_get_max_threads();
  double useful = 2.0 * (double)m * (double)n * (double)k / kMinFlopsPerThread;
  return useful < 1 ? 1 : useful < threads ? (int64_t)useful : (int64_t)threads;
}

/* Kept primitives, never destroyed while the model is loaded (another thread
 * may be running one). Enough for every layer of a model at several batch
 * sizes; shapes beyond it get a primitive per call, slower but bounded. */
enum { kMaxMatmuls = 256 };
typedef struct {
  MatmulKey key;
  dnnl_primitive_t primitive;
} KeptMatmul;
static KeptMatmul matmuls[kMaxMatmuls];
static int numMatmuls;
static pthread_mutex_t matmulsLock = PTHREAD_MUTEX_INITIALIZER;

static dnnl_engine_t engine;
static dnnl_status_t engineStatus;
static pthread_once_t engineOnce = PTHREAD_ONCE_INIT;
static void createEngine(void) {
  engineStatus = dnnl_engine_create(&engine, dnnl_cpu, 0);
}

/* Ends the call with oneDNN's failure `status` while doing `what`. */
static void failOneDNN(dnnl_status_t status, const char *what) {
  hypatiaModelFailCall(status == dnnl_out_of_memory
                           ? HYPATIA_ERROR_OUT_OF_MEMORY
                           : HYPATIA_ERROR_NOT_SUPPORTED,
                       "linear layer: oneDNN failed to %s (dnnl_status_t %d)",
                       what, (int)status);
}

/* The activation as post-ops of the matmul. */
static dnnl_status_t appendActivation(dnnl_post_ops_t postOps,
                                      int32_t activation) {
  switch (activation) {
  case HYPATIA_ACTIVATION_RELU: {
    /* oneDNN's relu is max(x, 0), which turns NaN into 0; torch.relu keeps
     * NaN. elu with alpha 0 is x where x > 0, else 0 * (exp(x) - 1): NaN
     * stays NaN, and x <= 0 gives -0, which adding +0 makes +0. */
    dnnl_status_t status =
        dnnl_post_ops_append_eltwise(postOps, 1.0f, dnnl_eltwise_elu, 0, 0);
    return status ? status
                  : dnnl_post_ops_append_eltwise(postOps, 1.0f,
                                                 dnnl_eltwise_linear, 1, 0);
  }
  case HYPATIA_ACTIVATION_GELU_ERF:
    return dnnl_post_ops_append_eltwise(postOps, 1.0f, dnnl_eltwise_gelu_erf, 0,
                                        0);
  case HYPATIA_ACTIVATION_GELU_TANH:
    return dnnl_post_ops_append_eltwise(postOps, 1.0f, dnnl_eltwise_gelu_tanh,
                                        0, 0);
  case HYPATIA_ACTIVATION_SILU: /* x * sigmoid(alpha x), alpha = 1 */
    return dnnl_post_ops_append_eltwise(postOps, 1.0f, dnnl_eltwise_swish, 1,
                                        0);
  }
  return dnnl_invalid_arguments;
}

/* Matrix descriptors: x [m, k], w^T [k, n], the bias as a [1, n] row, y
 * [m, n], each by its strides: x stored transposed ([k, m]) and w stored
 * [n, k] (or transposed, [k, n]) are read in place. */
static void describeMatmul(const MatmulKey *key, dnnl_memory_desc_t *x,
                           dnnl_memory_desc_t *w, dnnl_memory_desc_t *bias,
                           dnnl_memory_desc_t *y) {
  dnnl_data_type_t type = (dnnl_data_type_t)key->type;
  dnnl_status_t status;
  bool inputTransposed = key->layout & HYPATIA_INPUT_TRANSPOSED;
  bool weightTransposed = key->layout & HYPATIA_WEIGHT_TRANSPOSED;
  if ((status = dnnl_memory_desc_init_by_strides(
           x, 2, (dnnl_dims_t){key->m, key->k}, type,
           inputTransposed ? (dnnl_dims_t){1, key->ldx}
                           : (dnnl_dims_t){key->ldx, 1})) ||
      (status = dnnl_memory_desc_init_by_strides(
           w, 2, (dnnl_dims_t){key->k, key->n}, type,
           weightTransposed ? (dnnl_dims_t){key->ldw, 1}
                            : (dnnl_dims_t){1, key->ldw})) ||
      (key->hasBias &&
       (status = dnnl_memory_desc_init_by_strides(
            bias, 2, (dnnl_dims_t){1, key->n}, type,
            (dnnl_dims_t){key->n * key->biasStride, key->biasStride}))) ||
      (status =
           dnnl_memory_desc_init_by_strides(y, 2, (dnnl_dims_t){key->m, key->n},
                                            type, (dnnl_dims_t){key->ldy, 1})))
    failOneDNN(status, "describe the matrices");
}

/* Makes the primitive for `key`; on failure returns the status and says in
 * `*what` what failed. */
static dnnl_status_t createMatmul(const MatmulKey *key,
                                  dnnl_primitive_t *primitive,
                                  const char **what) {
  dnnl_memory_desc_t x, w, bias, y;
  describeMatmul(key, &x, &w, &bias, &y);
  dnnl_matmul_desc_t desc;
  *what = "describe the matmul";
  dnnl_status_t status =
      dnnl_matmul_desc_init(&desc, &x, &w, key->hasBias ? &bias : NULL, &y);
  if (status)
    return status;
  dnnl_primitive_attr_t attributes = NULL;
  dnnl_post_ops_t postOps = NULL;
  dnnl_primitive_desc_t primitiveDesc = NULL;
  *what = "set the activation";
  if (!(status = dnnl_primitive_attr_create(&attributes)) &&
      key->activation != HYPATIA_ACTIVATION_NONE &&
      !(status = dnnl_post_ops_create(&postOps)) &&
      !(status = appendActivation(postOps, (int32_t)key->activation)))
    status = dnnl_primitive_attr_set_post_ops(attributes, postOps);
  if (!status) {
    *what = "make the matmul";
    int previousThreads = useThreads(key->threads);
    if (!(status = dnnl_primitive_desc_create(&primitiveDesc, &desc, attributes,
                                              engine, NULL)))
      status = dnnl_primitive_create(primitive, primitiveDesc);
    omp_set_num_threads(previousThreads);
  }
  if (primitiveDesc)
    dnnl_primitive_desc_destroy(primitiveDesc);
  if (postOps)
    dnnl_post_ops_destroy(postOps);
  if (attributes)
    dnnl_primitive_attr_destroy(attributes);
  return status;
}

/* The kept matmul of `key`, if any; called under `matmulsLock`. */
static KeptMatmul *findKeptMatmul(const MatmulKey *key) {
  for (int i = 0; i < numMatmuls; ++i)
    if (!memcmp(&matmuls[i].key, key, sizeof *key))
      return &matmuls[i];
  return NULL;
}

/* The primitive for `key`: a kept one, or a new one that `*kept` says the
 * caller must destroy; null where this CPU has no bf16 matmul (oneDNN has
 * one from AVX-512 on), also kept. */
static dnnl_primitive_t getMatmul(const MatmulKey *key, bool *kept) {
  pthread_once(&engineOnce, createEngine);
  if (engineStatus)
    failOneDNN(engineStatus, "create its CPU engine");
  pthread_mutex_lock(&matmulsLock);
  KeptMatmul *found = findKeptMatmul(key);
  pthread_mutex_unlock(&matmulsLock);
  if (found) {
    /* Kept entries never change once written. */
    *kept = true;
    return found->primitive;
  }
  /* Made outside the lock (it may take milliseconds); two threads making the
   * same one keep the first. A failure ends the call, never under the lock. */
  dnnl_primitive_t primitive = NULL;
  const char *what;
  dnnl_status_t status = createMatmul(key, &primitive, &what);
  if (status && !(status == dnnl_unimplemented && key->type == dnnl_bf16))
    failOneDNN(status, what);
  pthread_mutex_lock(&matmulsLock);
  if ((found = findKeptMatmul(key))) {
    if (primitive)
      dnnl_primitive_destroy(primitive);
    primitive = found->primitive;
    *kept = true;
  } else if ((*kept = numMatmuls < kMaxMatmuls)) {
    matmuls[numMatmuls++] = (KeptMatmul){*key, primitive};
  }
  pthread_mutex_unlock(&matmulsLock);
  return primitive;
}

static void executeMatmul(const MatmulKey *key, dnnl_primitive_t primitive,
                          void *x, void *w, void *bias, void *y) {
  dnnl_memory_desc_t xDesc, wDesc, biasDesc, yDesc;
  describeMatmul(key, &xDesc, &wDesc, &biasDesc, &yDesc);
  dnnl_memory_t memories[4] = {NULL, NULL, NULL, NULL};
  dnnl_stream_t stream = NULL;
  dnnl_status_t status;
  const char *what = "wrap the matrices";
  if (!(status = dnnl_memory_create(&memories[0], &xDesc, engine, x)) &&
      !(status = dnnl_memory_create(&memories[1], &wDesc, engine, w)) &&
      !(status = dnnl_memory_create(&memories[2], &yDesc, engine, y)) &&
      !(status = key->hasBias
                     ? dnnl_memory_create(&memories[3], &biasDesc, engine, bias)
                     : dnnl_success)) {
    what = "run the matmul";
    dnnl_exec_arg_t arguments[4] = {{DNNL_ARG_SRC, memories[0]},
                                    {DNNL_ARG_WEIGHTS, memories[1]},
                                    {DNNL_ARG_DST, memories[2]},
                                    {DNNL_ARG_BIAS, memories[3]}};
    /* The stream of a CPU engine runs on the calling thread (and its OpenMP
     * team) and is done when execute returns; one per call, it is cheap. */
    int previousThreads = useThreads(key->threads);
    if (!(status =
              dnnl_stream_create(&stream, engine, dnnl_stream_default_flags)) &&
        !(status = dnnl_primitive_execute(primitive, stream,
                                          key->hasBias ? 4 : 3, arguments)))
      status = dnnl_stream_wait(stream);
    omp_set_num_threads(previousThreads);
  }
  if (stream)
    dnnl_stream_destroy(stream);
  for (int i = 0; i < 4; ++i)
    if (memories[i])
      dnnl_memory_destroy(memories[i]);
  if (status)
    failOneDNN(status, what);
}

static void runWidened(const MatmulKey *key, void *x, void *w, void *bias,
                       void *y);

/* y = activation(x w^T + bias) as `key` describes it. */
static void runMatmul(const MatmulKey *key, void *x, void *w, void *bias,
                      void *y) {
  bool kept;
  dnnl_primitive_t primitive = getMatmul(key, &kept);
  if (!primitive) {
    runWidened(key, x, w, bias, y);
    return;
  }
  executeMatmul(key, primitive, x, w, bias, y);
  if (!kept)
    dnnl_primitive_destroy(primitive);
}

/* Copies rows x columns elements between layouts (row strides `ldFrom`,
 * `ldTo`; element strides `stepFrom`, `stepTo`), converting the type. */
static void convertElements(void *from, int64_t ldFrom, int64_t stepFrom,
                            dnnl_data_type_t typeFrom, void *to, int64_t ldTo,
                            int64_t stepTo, dnnl_data_type_t typeTo,
                            int64_t rows, int64_t columns) {
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t column = 0; column < columns; ++column)
      storeElement(
          getElement(to, row * ldTo + column * stepTo, typeTo),
          loadElement(
              getElement(from, row * ldFrom + column * stepFrom, typeFrom),
              typeFrom),
          typeTo);
}

/* A bf16 layer on a CPU without oneDNN's bf16 matmul: its operands widened
 * to f32 (exactly), an f32 matmul (f32 accumulation, as the bf16 one), the
 * result rounded to bf16 once. */
static void runWidened(const MatmulKey *key, void *x, void *w, void *bias,
                       void *y) {
  MatmulKey wide = *key;
  wide.type = dnnl_f32;
  wide.ldx = key->k, wide.ldw = key->k, wide.ldy = key->n;
  wide.biasStride = 1;
  wide.layout = 0; /* The copies are x [m, k] and w [n, k]. */
  bool inputTransposed = key->layout & HYPATIA_INPUT_TRANSPOSED;
  bool weightTransposed = key->layout & HYPATIA_WEIGHT_TRANSPOSED;
  size_t floats =
      (size_t)(key->m * key->k + key->n * key->k + key->n + key->m * key->n);
  float *xWide = malloc(floats * sizeof(float));
  if (!xWide)
    hypatiaModelFailCall(HYPATIA_ERROR_OUT_OF_MEMORY,
                         "linear layer: cannot allocate %zu bytes of host "
                         "memory for f32 copies of bf16 operands",
                         floats * sizeof(float));
  float *wWide = xWide + key->m * key->k;
  float *biasWide = wWide + key->n * key->k;
  float *yWide = biasWide + key->n;
  /* Element (i, j) of x [m, k] is at i * ldx + j, or j * ldx + i when x is
   * stored transposed; likewise w [n, k]. */
  convertElements(x, inputTransposed ? 1 : key->ldx,
                  inputTransposed ? key->ldx : 1, dnnl_bf16, xWide, key->k, 1,
                  dnnl_f32, key->m, key->k);
  convertElements(w, weightTransposed ? 1 : key->ldw,
                  weightTransposed ? key->ldw : 1, dnnl_bf16, wWide, key->k, 1,
                  dnnl_f32, key->n, key->k);
  if (key->hasBias)
    convertElements(bias, 0, key->biasStride, dnnl_bf16, biasWide, 0, 1,
                    dnnl_f32, 1, key->n);
  runMatmul(&wide, xWide, wWide, biasWide, yWide);
  convertElements(yWide, key->n, 1, dnnl_f32, y, key->ldy, 1, dnnl_bf16, key->m,
                  key->n);
  free(xWide);
}

static void linear(const Matrix *x, const Matrix *w, const Vector *bias,
                   const Matrix *y, int32_t activation, int32_t layout,
                   dnnl_data_type_t type) {
  bool inputTransposed = layout & HYPATIA_INPUT_TRANSPOSED;
  bool weightTransposed = layout & HYPATIA_WEIGHT_TRANSPOSED;
  if (layout & ~(HYPATIA_INPUT_TRANSPOSED | HYPATIA_WEIGHT_TRANSPOSED))
    hypatiaModelFailCall(HYPATIA_ERROR_INVALID_ARGUMENT,
                         "linear layer: unknown layout bits %d", (int)layout);
  int64_t m = x->sizes[inputTransposed], k = x->sizes[!inputTransposed];
  int64_t n = w->sizes[weightTransposed];
  if (w->sizes[!weightTransposed] != k || y->sizes[0] != m ||
      y->sizes[1] != n || (bias && bias->sizes[0] != n))
    hypatiaModelFailCall(
        HYPATIA_ERROR_INVALID_ARGUMENT,
        "linear layer with mismatching shapes: x [%lld, %lld]%s, "
        "w [%lld, %lld]%s, y [%lld, %lld]",
        (long long)x->sizes[0], (long long)x->sizes[1],
        inputTransposed ? " (transposed)" : "", (long long)w->sizes[0],
        (long long)w->sizes[1], weightTransposed ? " (transposed)" : "",
        (long long)y->sizes[0], (long long)y->sizes[1]);
  int64_t ldx = leadingDimension(x, "x"), ldw = leadingDimension(w, "w"),
          ldy = leadingDimension(y, "y");
  if (m == 0 || n == 0)
    return;
  void *xData = getElement(x->aligned, x->offset, type);
  void *wData = getElement(w->aligned, w->offset, type);
  void *biasData = bias ? getElement(bias->aligned, bias->offset, type) : NULL;
  int64_t biasStride = bias ? bias->strides[0] : 0;
  void *yData = getElement(y->aligned, y->offset, type);
  if (k == 0) {
    for (int64_t row = 0; row < m; ++row)
      for (int64_t column = 0; column < n; ++column)
        storeElement(getElement(yData, row * ldy + column, type), 0, type);
    applyEpilogue(yData, ldy, m, n, biasData, biasStride, activation, type);
    return;
  }
  /* One f32 row (a decode step, a batch of one) is a matrix-vector product,
   * streamed once on this thread. On the 2-core CI machine, for a batch of
   * one through 512 -> 1024 -> 1024 -> 256 (7 MB of weights): OpenBLAS's
   * sgemm (it packs all of w first) took 584 us against eager PyTorch's 229;
   * OpenBLAS's two-thread sgemv 227 us in a loop of calls, but 8.8 ms right
   * after PyTorch's own calls, whose OpenMP threads spin and leave
   * OpenBLAS's second thread no core; this loop 352 us in a loop of calls,
   * 0.5 ms after PyTorch's (bench/results/cpu-backend-one-row.txt). */
  if (m == 1 && type == dnnl_f32 && layout == 0) {
    rowTimesTransposed(xData, wData, ldw, n, k, yData);
    applyEpilogue(yData, ldy, m, n, biasData, biasStride, activation, type);
    return;
  }
  MatmulKey key = {type,         m,          n,      k,
                   ldx,          ldw,        ldy,    activation,
                   bias != NULL, biasStride, layout, getThreadCount(m, n, k)};
  runMatmul(&key, xData, wData, biasData, yData);
}

/* y [m, 2n] = x [w; second]^T (+ [bias; secondBias]), the two projections
 * of a gated_linear: one matmul where `second` (and `secondBias`) directly
 * follows `w` (and `bias`) in memory, so that the two are one [2n, k]
 * matrix; else one matmul per column block of y. */
static void linearPair(const Matrix *x, const Matrix *w, const Matrix *second,
                       const Vector *bias, const Vector *secondBias,
                       const Matrix *y, int32_t activation, int32_t layout,
                       dnnl_data_type_t type) {
  int64_t n = w->sizes[0], k = w->sizes[1];
  if (second->sizes[0] != n || second->sizes[1] != k || y->sizes[1] != 2 * n ||
      layout != 0)
    hypatiaModelFailCall(HYPATIA_ERROR_INVALID_ARGUMENT,
                         "linear layer of two weight blocks with mismatching "
                         "shapes or a transposed operand: w [%lld, %lld], "
                         "second [%lld, %lld], y [%lld, %lld]",
                         (long long)n, (long long)k,
                         (long long)second->sizes[0],
                         (long long)second->sizes[1], (long long)y->sizes[0],
                         (long long)y->sizes[1]);
  int64_t ldw = leadingDimension(w, "w");
  bool adjacent =
      ldw == k && leadingDimension(second, "second weight") == k &&
      getElement(second->aligned, second->offset, type) ==
          getElement(w->aligned, w->offset + n * k, type) &&
      (!bias || (bias->strides[0] == 1 && secondBias->strides[0] == 1 &&
                 getElement(secondBias->aligned, secondBias->offset, type) ==
                     getElement(bias->aligned, bias->offset + n, type)));
  if (adjacent) {
    Matrix both = *w;
    both.sizes[0] = 2 * n;
    Vector biases;
    if (bias) {
      biases = *bias;
      biases.sizes[0] = 2 * n;
    }
    linear(x, &both, bias ? &biases : NULL, y, activation, layout, type);
    return;
  }
  Matrix left = *y, right = *y;
  left.sizes[1] = right.sizes[1] = n;
  right.offset += n;
  linear(x, w, bias, &left, activation, layout, type);
  linear(x, second, secondBias, &right, activation, layout, type);
}

/* The entry points of an element type, with and without a bias. TF32 is a
 * GPU setting. */
#define DEFINE_LINEAR(name, type)                                              \
  __attribute__((visibility("hidden"))) void                                   \
  _mlir_ciface_hypatia_linear_##name(Matrix *x, Matrix *w, Vector *bias,       \
                                     Matrix *y, int32_t activation,            \
                                     int32_t allowTF32, int32_t layout) {      \
    (void)allowTF32;                                                           \
    linear(x, w, bias, y, activation, layout, type);                           \
  }                                                                            \
  __attribute__((visibility("hidden"))) void                                   \
  _mlir_ciface_hypatia_linear_##name##_nobias(                                 \
      Matrix *x, Matrix *w, Matrix *y, int32_t activation, int32_t allowTF32,  \
      int32_t layout) {                                                        \
    (void)allowTF32;                                                           \
    linear(x, w, NULL, y, activation, layout, type);                           \
  }

#define DEFINE_LINEAR_PAIR(name, type)                                         \
  __attribute__((visibility("hidden"))) void                                   \
  _mlir_ciface_hypatia_linear_pair_##name(                                     \
      Matrix *x, Matrix *w, Matrix *second, Vector *bias, Vector *secondBias,  \
      Matrix *y, int32_t activation, int32_t allowTF32, int32_t layout) {      \
    (void)allowTF32;                                                           \
    linearPair(x, w, second, bias, secondBias, y, activation, layout, type);   \
  }                                                                            \
  __attribute__((visibility("hidden"))) void                                   \
  _mlir_ciface_hypatia_linear_pair_##name##_nobias(                            \
      Matrix *x, Matrix *w, Matrix *second, Matrix *y, int32_t activation,     \
      int32_t allowTF32, int32_t layout) {                                     \
    (void)allowTF32;                                                           \
    linearPair(x, w, second, NULL, NULL, y, activation, layout, type);         \
  }

DEFINE_LINEAR(f32, dnnl_f32)
DEFINE_LINEAR(bf16, dnnl_bf16)
DEFINE_LINEAR_PAIR(f32, dnnl_f32)
DEFINE_LINEAR_PAIR(bf16, dnnl_bf16)
