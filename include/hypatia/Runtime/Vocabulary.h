/*===- Vocabulary.h - The codes every Hypatia C interface shares -*- C -*-===*\
|*                                                                            *|
|* Element types, activations, status codes and targets, defined once. The   *|
|* model ABI (Model.h), the GPU runtime (Runtime.h) and the compiler's C API  *|
|* (CAPI/Hypatia.h) include this header; the dialect's enums are checked     *|
|* against it at compile time (HypatiaOps.cpp); the Python package reads the  *|
|* same tables at run time (hypatiaGetVocabulary in CAPI/Hypatia.h).          *|
|*                                                                            *|
|* Each list is an X-macro: X(C suffix, name as the dialect and Python spell  *|
|* it, code). Codes never change once published; new entries get new codes.  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef HYPATIA_RUNTIME_VOCABULARY_H
#define HYPATIA_RUNTIME_VOCABULARY_H

/* Element types of tensors. */
#define HYPATIA_FOR_EACH_DTYPE(X)                                              \
  X(F32, f32, 0)                                                               \
  X(F16, f16, 1)                                                               \
  X(BF16, bf16, 2)

/* The activation after a linear layer, or of an elementwise op: the dialect's
 * Activation enum. GELU_ERF is PyTorch's default GELU, GELU_TANH its
 * approximate="tanh" form. */
#define HYPATIA_FOR_EACH_ACTIVATION(X)                                         \
  X(NONE, none, 0)                                                             \
  X(RELU, relu, 1)                                                             \
  X(GELU_ERF, gelu_erf, 2)                                                     \
  X(GELU_TANH, gelu_tanh, 3)                                                   \
  X(SILU, silu, 4)

/* What every fallible function of the runtime and of compiled models
 * returns. */
#define HYPATIA_FOR_EACH_STATUS(X)                                             \
  X(SUCCESS, success, 0)                                                       \
  X(ERROR_INVALID_ARGUMENT, invalid_argument, 1)                               \
  X(ERROR_CUDA, cuda, 2)                                                       \
  X(ERROR_CUBLAS, cublas, 3)                                                   \
  X(ERROR_NOT_SUPPORTED, not_supported, 4)                                     \
  X(ERROR_OUT_OF_MEMORY, out_of_memory, 5)

/* Where a compiled model runs. */
#define HYPATIA_FOR_EACH_TARGET(X)                                             \
  X(CPU, cpu, 0)                                                               \
  X(CUDA, cuda, 1)

/* How the operands of a library GEMM (hypatia_linear_*) are stored, as bits:
 * the input as x^T ([K, M]) and the weight as w^T ([K, N]) instead of x
 * [M, K] and w [N, K]. A backward pass's products need them. */
#define HYPATIA_INPUT_TRANSPOSED 1
#define HYPATIA_WEIGHT_TRANSPOSED 2

#define HYPATIA_VOCABULARY_ENUMERATOR_(PREFIX, SUFFIX, name, code)             \
  PREFIX##SUFFIX = code,

#define HYPATIA_ENUMERATOR_(SUFFIX, name, code)                                \
  HYPATIA_VOCABULARY_ENUMERATOR_(HYPATIA_, SUFFIX, name, code)
#define HYPATIA_ACTIVATION_ENUMERATOR_(SUFFIX, name, code)                     \
  HYPATIA_VOCABULARY_ENUMERATOR_(HYPATIA_ACTIVATION_, SUFFIX, name, code)
#define HYPATIA_TARGET_ENUMERATOR_(SUFFIX, name, code)                         \
  HYPATIA_VOCABULARY_ENUMERATOR_(HYPATIA_TARGET_, SUFFIX, name, code)

typedef enum { HYPATIA_FOR_EACH_DTYPE(HYPATIA_ENUMERATOR_) } hypatia_dtype;
typedef enum {
  HYPATIA_FOR_EACH_ACTIVATION(HYPATIA_ACTIVATION_ENUMERATOR_)
} hypatia_activation;
typedef enum { HYPATIA_FOR_EACH_STATUS(HYPATIA_ENUMERATOR_) } hypatia_status;
typedef enum {
  HYPATIA_FOR_EACH_TARGET(HYPATIA_TARGET_ENUMERATOR_)
} hypatia_target;

#endif /* HYPATIA_RUNTIME_VOCABULARY_H */
