/*===- Hypatia.h - The C API of the Hypatia compiler --------------*- C -*-===*\
|*                                                                            *|
|* libHypatiaCAPI.so: the compiler as a C library, for the Python package    *|
|* (which reaches it through ctypes, so one build serves every Python) and   *|
|* for any other language with a C FFI.                                       *|
|*                                                                            *|
|* Objects are opaque handles, created and destroyed in pairs. A context     *|
|* owns every module, builder and pass manager made with it and must outlive *|
|* them. Nothing here aborts on bad input: a function that can fail returns  *|
|* null or 0 and leaves MLIR's diagnostics (with locations, one per line, as *|
|* "file:line:col: error: message") in its context, for                      *|
|* hypatiaContextTakeDiagnostics. Compiled models are loaded and called     *|
|* through their own C ABI (hypatia/Runtime/Model.h), not through this API.   *|
|*                                                                            *|
|* A context is not thread-safe: use one per thread.                          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef HYPATIA_CAPI_HYPATIA_H
#define HYPATIA_CAPI_HYPATIA_H

#include "hypatia/Runtime/Model.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HYPATIA_CAPI_EXPORT __attribute__((visibility("default")))

/* Bumped whenever a function below changes its signature or meaning. */
#define HYPATIA_CAPI_VERSION 3

typedef struct HypatiaContext HypatiaContext;
typedef struct HypatiaModule HypatiaModule;
typedef struct HypatiaBuilder HypatiaBuilder;
typedef struct HypatiaPassManager HypatiaPassManager;

HYPATIA_CAPI_EXPORT int32_t hypatiaGetCAPIVersion(void);

/* The codes of Vocabulary.h, one per line as "kind name code" (kind: dtype,
 * activation, status or target), for languages that cannot read C headers.
 * Static storage: not to be freed. */
HYPATIA_CAPI_EXPORT const char *hypatiaGetVocabulary(void);

/* Frees a string returned by this API. */
HYPATIA_CAPI_EXPORT void hypatiaStringFree(char *string);

/*===--- Contexts and diagnostics -----------------------------------------===*/

/* A context with the hypatia dialect and everything Hypatia's passes and
 * pipelines use registered. Never null. */
HYPATIA_CAPI_EXPORT HypatiaContext *hypatiaContextCreate(void);
HYPATIA_CAPI_EXPORT void hypatiaContextDestroy(HypatiaContext *context);

/* The diagnostics reported since the last call, one per line (notes
 * included), and forgets them. Free with hypatiaStringFree. */
HYPATIA_CAPI_EXPORT char *
hypatiaContextTakeDiagnostics(HypatiaContext *context);

/*===--- Modules ----------------------------------------------------------===*/

/* Parses and verifies `source` (`length` bytes; locations name
 * `bufferName`). Null on failure. */
HYPATIA_CAPI_EXPORT HypatiaModule *hypatiaModuleParse(HypatiaContext *context,
                                                      const char *source,
                                                      size_t length,
                                                      const char *bufferName);
HYPATIA_CAPI_EXPORT HypatiaModule *hypatiaModuleClone(HypatiaModule *module);
HYPATIA_CAPI_EXPORT void hypatiaModuleDestroy(HypatiaModule *module);

/* The module's textual form (with `loc(...)` locations if
 * `withLocations`). Free with hypatiaStringFree. */
HYPATIA_CAPI_EXPORT char *hypatiaModulePrint(HypatiaModule *module,
                                             int32_t withLocations);

/* 1 if the module verifies, else 0 with the verifier's diagnostics. */
HYPATIA_CAPI_EXPORT int32_t hypatiaModuleVerify(HypatiaModule *module);

/*===--- Building hypatia functions ---------------------------------------===*/

/* Builds one function `name` in a new module. Values are numbered from 0 in
 * the order they are made (arguments and op results alike); an operation
 * returns its result's number, or -1 with diagnostics at the current
 * location (the op's verifier's, or the builder's own). */
HYPATIA_CAPI_EXPORT HypatiaBuilder *
hypatiaBuilderCreate(HypatiaContext *context, const char *name);
HYPATIA_CAPI_EXPORT void hypatiaBuilderDestroy(HypatiaBuilder *builder);

/* The location of the operations made next: `file:line:col`, named `name`
 * when not empty (as loc("name"("file":line:col))). `file` empty: unknown. */
HYPATIA_CAPI_EXPORT void
hypatiaBuilderSetLocation(HypatiaBuilder *builder, const char *name,
                          const char *file, int32_t line, int32_t column);

/* A function argument: a tensor of `rank` sizes (-1: dynamic) with element
 * type `elementType` (a hypatia_dtype). */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderAddArgument(HypatiaBuilder *builder,
                                                      int32_t elementType,
                                                      int32_t rank,
                                                      const int64_t *shape);

/* `activation(input @ weight^T + bias)` (a hypatia_activation: hypatia.linear
 * for none, else the fused_linear_* op); `bias` -1 for none. */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderLinear(HypatiaBuilder *builder,
                                                 int32_t activation,
                                                 int64_t input, int64_t weight,
                                                 int64_t bias);
/* hypatia.relu, hypatia.gelu or hypatia.silu (a hypatia_activation other than
 * none). */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderActivation(HypatiaBuilder *builder,
                                                     int32_t activation,
                                                     int64_t input);
/* Dropout with `probability` in [0, 1): the identity at inference. */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderDropout(HypatiaBuilder *builder,
                                                  int64_t input,
                                                  double probability);
/* hypatia.mul: the elementwise product of two values of one type. */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderMul(HypatiaBuilder *builder,
                                              int64_t lhs, int64_t rhs);
/* hypatia.add: the elementwise sum of two values of one type. */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderAdd(HypatiaBuilder *builder,
                                              int64_t lhs, int64_t rhs);
/* hypatia.convert: `input` with every element converted to `elementType` (a
 * hypatia_dtype), rounded to nearest even where it narrows. */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderConvert(HypatiaBuilder *builder,
                                                  int64_t input,
                                                  int32_t elementType);
/* hypatia.matmul: op(lhs) @ op(rhs) of two matrices, each transposed where
 * its flag is non-zero (a backward pass's input and weight gradients). */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderMatmul(HypatiaBuilder *builder,
                                                 int64_t lhs, int64_t rhs,
                                                 int32_t transposeLhs,
                                                 int32_t transposeRhs);
/* hypatia.activation_grad: `grad * act'(input)` for a hypatia_activation. */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderActivationGrad(
    HypatiaBuilder *builder, int32_t activation, int64_t grad, int64_t input);
/* hypatia.sum_rows: the sum over every dimension but the last (a bias
 * gradient). */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderSumRows(HypatiaBuilder *builder,
                                                  int64_t input);
/* The type of value `value`, as the dialect inferred it: its element type
 * (a hypatia_dtype) in `*elementType` and up to `capacity` sizes (-1:
 * dynamic) in `shape`. Returns the rank, or -1 with diagnostics. */
HYPATIA_CAPI_EXPORT int32_t hypatiaBuilderGetType(HypatiaBuilder *builder,
                                                  int64_t value,
                                                  int32_t *elementType,
                                                  int64_t *shape,
                                                  int32_t capacity);

/* The same elements in a new static shape (as torch.reshape), through
 * tensor.collapse_shape and tensor.expand_shape. The input's shape must be
 * static. */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderReshape(HypatiaBuilder *builder,
                                                  int64_t input, int32_t rank,
                                                  const int64_t *shape);

/* Rows [start, start + count) of `input` (its first dimension; the others
 * whole), through tensor.extract_slice: a view, not a copy, once bufferized.
 * How the importer gives each half of a chunked linear layer its own weight
 * and bias. The input's shape must be static. */
HYPATIA_CAPI_EXPORT int64_t hypatiaBuilderSliceRows(HypatiaBuilder *builder,
                                                    int64_t input,
                                                    int64_t start,
                                                    int64_t count);

/* Returns `values` from the function and hands over the verified module;
 * null (and the builder unusable) on failure. The builder is still to be
 * destroyed. */
HYPATIA_CAPI_EXPORT HypatiaModule *hypatiaBuilderFinish(HypatiaBuilder *builder,
                                                        int32_t numValues,
                                                        const int64_t *values);

/*===--- Passes -----------------------------------------------------------===*/

/* A pass manager for a textual pipeline, as hypatia-opt's --pass-pipeline:
 * "builtin.module(fuse-mlp{report=true},hypatia-cpu-pipeline)". Null if the
 * pipeline does not parse or names an unknown pass. */
HYPATIA_CAPI_EXPORT HypatiaPassManager *
hypatiaPassManagerParse(HypatiaContext *context, const char *pipeline);
HYPATIA_CAPI_EXPORT void hypatiaPassManagerDestroy(HypatiaPassManager *pm);

/* Runs the pipeline on `module` in place (verifying after each pass): 1 on
 * success, else 0 with diagnostics (the module may be partly transformed). */
HYPATIA_CAPI_EXPORT int32_t hypatiaPassManagerRun(HypatiaPassManager *pm,
                                                  HypatiaModule *module);

/*===--- Compiling
 * ---------------------------------------------------------===*/

/* How to compile: the fields of hypatia-compile's options. Start from
 * hypatiaCompileOptionsInit's defaults (cpu, fusion on, TF32 off, -O2). */
typedef struct {
  int32_t target;          /* a hypatia_target */
  const char *chips;       /* CUDA chips, comma-separated ("sm_80,sm_90");
                              null or "": the target's defaults */
  int32_t fuse;            /* run --fuse-mlp first */
  int32_t allow_tf32;      /* CUDA: f32 GEMMs may use TF32 tensor cores */
  int32_t opt_level;       /* host code, 0-3 */
  const char *host_cpu;    /* null or "": generic x86-64; "native" */
  const char *linker;      /* null or "": $HYPATIA_LINKER, else built-in */
  const char *library_dir; /* null or "": found beside the library */
  int32_t reference;       /* CPU: the float64-accurate loop nests, no BLAS */
} HypatiaCompileOptions;

HYPATIA_CAPI_EXPORT void
hypatiaCompileOptionsInit(HypatiaCompileOptions *options);

/* Compiles `module` (left unchanged) into the shared object `outputPath`
 * with the model ABI of Model.h, as hypatia-compile does. 1 on success,
 * else 0 with diagnostics. */
HYPATIA_CAPI_EXPORT int32_t hypatiaCompile(HypatiaModule *module,
                                           const HypatiaCompileOptions *options,
                                           const char *outputPath);

/* As hypatiaCompile, through the compile cache: the same module and options
 * (and the same build of Hypatia) are compiled once, also across processes.
 * Returns the model's path in `cacheDir` (null or "": $HYPATIA_CACHE_DIR,
 * else ~/.cache/hypatia), to be freed with hypatiaStringFree, or null with
 * diagnostics. `wasCached` (may be null) is set to 1 if the model was
 * already there. */
HYPATIA_CAPI_EXPORT char *
hypatiaCompileCached(HypatiaModule *module,
                     const HypatiaCompileOptions *options, const char *cacheDir,
                     int32_t *wasCached);

#ifdef __cplusplus
}
#endif

#endif /* HYPATIA_CAPI_HYPATIA_H */
