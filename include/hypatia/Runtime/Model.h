/*===- Model.h - The C ABI of models built by hypatia-compile ----*- C -*-===*\
|*                                                                            *|
|* `hypatia-compile --target=cpu|cuda model.mlir -o model.so` builds a shared *|
|* object that exports, for the module's public functions:                    *|
|*                                                                            *|
|*   const hypatia_model *hypatia_get_model(void);                            *|
|*   int32_t hypatia_call_<function>(const hypatia_tensor *inputs,            *|
|*                                   const hypatia_tensor *results,           *|
|*                                   void *stream);                           *|
|*   const char *hypatia_model_last_error(void);                              *|
|*                                                                            *|
|* The model describes each function's signature (dtypes, static sizes, and  *|
|* for every dynamic size of a result the input size it equals), so that a   *|
|* caller can allocate results for any batch size and call any function      *|
|* without knowing the model in advance (hypatia-run and the Python package  *|
|* do so). The caller allocates every tensor, inputs and results, dense and  *|
|* row-major: on the host for a CPU model, on the current CUDA device for a  *|
|* CUDA model. A call checks ranks, dtypes and sizes before touching any     *|
|* data; on failure it returns a non-zero hypatia_status and leaves a message *|
|* for hypatia_model_last_error() (per thread), never aborting the process.   *|
|*                                                                            *|
|* A CUDA model runs everything on `stream` (a cudaStream_t; null: the legacy *|
|* default stream) without synchronizing it: results are ready when the      *|
|* stream has reached them. After the first call for a batch size, a call    *|
|* allocates only stream-ordered temporaries (cudaMallocAsync, from the      *|
|* pool) and can be captured in a CUDA graph. Errors of                      *|
|* work already enqueued (a failed kernel) are reported by the call that      *|
|* enqueued it where CUDA reports them at launch, else by a later call.       *|
|* A CPU model ignores `stream`.                                              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef HYPATIA_RUNTIME_MODEL_H
#define HYPATIA_RUNTIME_MODEL_H

#include "hypatia/Runtime/Vocabulary.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a struct below changes. */
#define HYPATIA_MODEL_ABI_VERSION 1

/* The type of one argument or result. */
typedef struct {
  int32_t dtype; /* hypatia_dtype */
  int32_t rank;
  const int64_t *shape; /* `rank` sizes; -1 where the size is dynamic */
  /* Results only (null for inputs): for each dimension d that is dynamic,
   * the result's size is the size of dimension size_source_dim[d] of input
   * size_source_input[d]; -1 at static dimensions. */
  const int32_t *size_source_input;
  const int32_t *size_source_dim;
} hypatia_tensor_type;

/* One tensor passed to a call: dense, row-major, `data` 16-byte aligned for
 * the fastest GEMMs (any alignment of the element size works). */
typedef struct {
  void *data;
  int32_t dtype; /* hypatia_dtype */
  int32_t rank;
  const int64_t *shape;
} hypatia_tensor;

typedef int32_t (*hypatia_call_fn)(const hypatia_tensor *inputs,
                                   const hypatia_tensor *results, void *stream);

typedef struct {
  const char *name;
  int32_t num_inputs;
  int32_t num_results;
  const hypatia_tensor_type *inputs;
  const hypatia_tensor_type *results;
  hypatia_call_fn call; /* the same function as hypatia_call_<name> */
} hypatia_function;

typedef struct {
  int32_t abi_version; /* HYPATIA_MODEL_ABI_VERSION */
  int32_t target;      /* hypatia_target */
  int32_t num_functions;
  const hypatia_function *functions;
} hypatia_model;

const hypatia_model *hypatia_get_model(void);
const char *hypatia_model_last_error(void);

/* Used by the generated hypatia_call_<name> functions (not exported): checks
 * the tensors against `function`'s signature, builds the MLIR memref
 * descriptors and calls `entry` with an array of pointers to them, inputs
 * first, then results. */
int32_t hypatiaModelInvoke(const hypatia_function *function,
                           void (*entry)(void **descriptors),
                           const hypatia_tensor *inputs,
                           const hypatia_tensor *results, void *stream);

#ifdef __cplusplus
}
#endif

#endif /* HYPATIA_RUNTIME_MODEL_H */
