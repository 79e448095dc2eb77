/*===- ModelInvoke.c - Checked calls into a compiled model -------*- C -*-===*\
|*                                                                            *|
|* Linked statically into every model hypatia-compile builds (see Model.h).  *|
|* Plain C, so that a model needs no C++ runtime; built twice, for CPU and   *|
|* CUDA models, the latter routing the stream and the errors of device work  *|
|* through libHypatiaRuntime.                                                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "Internal.h"
#include "hypatia/Runtime/Model.h"

#ifdef HYPATIA_MODEL_CUDA
#include "hypatia/Runtime/Runtime.h"
#endif

#include <alloca.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* Tensors per call and dimensions per tensor: descriptors live on the stack. */
enum { MAX_TENSORS = 4096, MAX_RANK = 16 };

static _Thread_local char lastError[1024];

EXPORT const char *hypatia_model_last_error(void) { return lastError; }

static int32_t fail(int32_t status, const char *format, ...) {
  va_list arguments;
  va_start(arguments, format);
  vsnprintf(lastError, sizeof(lastError), format, arguments);
  va_end(arguments);
  return status;
}

static const char *dtypeName(int32_t dtype) {
  switch (dtype) {
  case HYPATIA_F32:
    return "f32";
  case HYPATIA_F16:
    return "f16";
  case HYPATIA_BF16:
    return "bf16";
  }
  return "unknown dtype";
}

/* "[?, 784]" or "[32, 784]" into `buffer`. */
static const char *formatShape(char *buffer, size_t size, int32_t rank,
                               const int64_t *shape) {
  size_t used = (size_t)snprintf(buffer, size, "[");
  for (int32_t d = 0; d < rank && used < size; ++d) {
    if (shape[d] < 0)
      used +=
          (size_t)snprintf(buffer + used, size - used, "%s?", d ? ", " : "");
    else
      used += (size_t)snprintf(buffer + used, size - used, "%s%lld",
                               d ? ", " : "", (long long)shape[d]);
  }
  if (used < size)
    snprintf(buffer + used, size - used, "]");
  return buffer;
}

/* Checks `tensor` against `type`; `expected` receives the sizes it must have
 * (dynamic sizes of results resolved from the inputs). */
static int32_t checkTensor(const char *functionName, const char *role,
                           int32_t index, const hypatia_tensor *tensor,
                           const hypatia_tensor_type *type,
                           const hypatia_tensor *inputs) {
  char wanted[256], got[256];
  if (tensor->rank != type->rank || tensor->dtype != type->dtype ||
      (tensor->rank > 0 && !tensor->shape))
    return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                "%s: %s %d: expected a rank-%d %s tensor, got a rank-%d %s "
                "tensor",
                functionName, role, index, type->rank, dtypeName(type->dtype),
                tensor->rank, dtypeName(tensor->dtype));
  int64_t elements = 1;
  for (int32_t d = 0; d < type->rank; ++d) {
    int64_t size = tensor->shape[d];
    if (size < 0)
      return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                  "%s: %s %d: size %lld of dimension %d is negative",
                  functionName, role, index, (long long)size, d);
    int64_t expected = type->shape[d];
    if (expected < 0 && type->size_source_input) {
      const hypatia_tensor *source = &inputs[type->size_source_input[d]];
      expected = source->shape[type->size_source_dim[d]];
    }
    if (expected >= 0 && size != expected) {
      int64_t resolved[MAX_RANK];
      for (int32_t e = 0; e < type->rank; ++e) {
        resolved[e] = type->shape[e];
        if (resolved[e] < 0 && type->size_source_input)
          resolved[e] = inputs[type->size_source_input[e]]
                            .shape[type->size_source_dim[e]];
      }
      return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                  "%s: %s %d: expected shape %s, got %s", functionName, role,
                  index,
                  formatShape(wanted, sizeof(wanted), type->rank, resolved),
                  formatShape(got, sizeof(got), tensor->rank, tensor->shape));
    }
    if (size != 0 && elements > INT64_MAX / size)
      return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                  "%s: %s %d: more elements than a 64-bit count holds",
                  functionName, role, index);
    elements *= size;
  }
  if (elements > 0 && !tensor->data)
    return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                "%s: %s %d: null data for %lld elements", functionName, role,
                index, (long long)elements);
  size_t elementBytes = type->dtype == HYPATIA_F32 ? 4 : 2;
  if ((size_t)tensor->data % elementBytes)
    return fail(HYPATIA_ERROR_INVALID_ARGUMENT,
                "%s: %s %d: data is not aligned to its %zu-byte elements",
                functionName, role, index, elementBytes);
  return HYPATIA_SUCCESS;
}

/* A failure inside generated code (a failed allocation, a bad call of a
 * library function) ends the call in progress: it jumps back to
 * hypatiaModelInvoke, which returns the status. What the call allocated
 * before is not freed (the generated code keeps no list of it); the process
 * stays sound. */
static _Thread_local jmp_buf *activeCall;
static _Thread_local int32_t failedStatus;

void hypatiaModelFailCall(int32_t status, const char *format, ...) {
  va_list arguments;
  va_start(arguments, format);
  vsnprintf(lastError, sizeof(lastError), format, arguments);
  va_end(arguments);
  failedStatus = status;
  longjmp(*activeCall, 1);
}

/* Host allocations of the generated code (finalize-memref-to-llvm with
 * use-generic-functions calls these instead of malloc and free). */
__attribute__((visibility("hidden"))) void *
_mlir_memref_to_llvm_alloc(size_t bytes) {
  void *pointer = malloc(bytes ? bytes : 1);
  if (!pointer)
    hypatiaModelFailCall(HYPATIA_ERROR_OUT_OF_MEMORY,
                         "cannot allocate %zu bytes of host memory", bytes);
  return pointer;
}

__attribute__((visibility("hidden"))) void
_mlir_memref_to_llvm_free(void *pointer) {
  free(pointer);
}

/* An MLIR memref descriptor of rank r is 3 + 2r words: allocated, aligned,
 * offset, sizes[r], strides[r] (row-major dense). */
static void fillDescriptor(int64_t *words, const hypatia_tensor *tensor) {
  void *data = tensor->data;
  memcpy(&words[0], &data, sizeof(data));
  memcpy(&words[1], &data, sizeof(data));
  words[2] = 0;
  int64_t stride = 1;
  for (int32_t d = tensor->rank - 1; d >= 0; --d) {
    words[3 + d] = tensor->shape[d];
    words[3 + tensor->rank + d] = stride;
    stride *= tensor->shape[d];
  }
}

int32_t hypatiaModelInvoke(const hypatia_function *function,
                           void (*entry)(void **descriptors),
                           const hypatia_tensor *inputs,
                           const hypatia_tensor *results, void *stream) {
  int32_t numTensors = function->num_inputs + function->num_results;
  if (numTensors > MAX_TENSORS)
    return fail(HYPATIA_ERROR_NOT_SUPPORTED,
                "%s: %d tensors, more than the %d a call supports",
                function->name, numTensors, MAX_TENSORS);
  if ((function->num_inputs && !inputs) || (function->num_results && !results))
    return fail(HYPATIA_ERROR_INVALID_ARGUMENT, "%s: null array of %s",
                function->name, inputs ? "results" : "inputs");
  for (int32_t i = 0; i < function->num_inputs; ++i) {
    int32_t status = checkTensor(function->name, "input", i, &inputs[i],
                                 &function->inputs[i], inputs);
    if (status)
      return status;
  }
  for (int32_t i = 0; i < function->num_results; ++i) {
    int32_t status = checkTensor(function->name, "result", i, &results[i],
                                 &function->results[i], inputs);
    if (status)
      return status;
  }

  void **descriptors = alloca(sizeof(void *) * (size_t)(numTensors + 1));
  for (int32_t i = 0; i < numTensors; ++i) {
    const hypatia_tensor *tensor = i < function->num_inputs
                                       ? &inputs[i]
                                       : &results[i - function->num_inputs];
    int64_t *words = alloca(sizeof(int64_t) * (size_t)(3 + 2 * tensor->rank));
    fillDescriptor(words, tensor);
    descriptors[i] = words;
  }

  jmp_buf call;
  jmp_buf *enclosingCall = activeCall;
#ifdef HYPATIA_MODEL_CUDA
  void *previousStream = hypatiaGetStream();
  hypatiaSetStream(stream);
#else
  (void)stream;
#endif
  if (setjmp(call)) {
    activeCall = enclosingCall;
#ifdef HYPATIA_MODEL_CUDA
    hypatiaSetStream(previousStream);
    (void)hypatiaTakeDeviceError();
#endif
    char message[sizeof(lastError)];
    memcpy(message, lastError, sizeof(message));
    return fail(failedStatus, "%s: %s", function->name, message);
  }
  activeCall = &call;
  entry(descriptors);
  activeCall = enclosingCall;
#ifdef HYPATIA_MODEL_CUDA
  hypatiaSetStream(previousStream);
  hypatia_status status = hypatiaTakeDeviceError();
  if (status != HYPATIA_SUCCESS)
    return fail((int32_t)status, "%s: %s", function->name,
                hypatiaGetLastError());
#endif
  lastError[0] = '\0';
  return HYPATIA_SUCCESS;
}
