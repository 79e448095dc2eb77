// Calls through the model ABI with bad tensors get a message and a status,
// never a crash: a negative size (the message shows it, not "?"), a shape
// whose element count overflows 64 bits, a wrong dtype, a null data pointer.
// REQUIRES: c-compiler
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-compile %S/Inputs/layer.mlir -o %t/model.so
// RUN: %cc -std=c11 -Wall -Werror -I %hypatia_src/include %s -o %t/bad-calls -ldl
// RUN: %t/bad-calls %t/model.so | FileCheck %s

#include "hypatia/Runtime/Model.h"
#include "hypatia/Runtime/Vocabulary.h"

#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  void *handle = dlopen(argv[1], RTLD_NOW);
  if (!handle)
    return 3;
  hypatia_call_fn call = (hypatia_call_fn)dlsym(handle, "hypatia_call_layer");
  const char *(*lastError)(void) =
      (const char *(*)(void))dlsym(handle, "hypatia_model_last_error");
  if (!call || !lastError)
    return 4;
  static float x[4 * 8], w[16 * 8], y[4 * 16];
  int64_t weightShape[] = {16, 8}, resultShape[] = {4, 16};
  hypatia_tensor weight = {w, HYPATIA_F32, 2, weightShape};
  hypatia_tensor result = {y, HYPATIA_F32, 2, resultShape};

  // CHECK: negative: status 1: layer: input 0: size -4 of dimension 0 is negative
  int64_t negative[] = {-4, 8};
  hypatia_tensor inputs[] = {{x, HYPATIA_F32, 2, negative}, weight};
  printf("negative: status %d: %s\n", call(inputs, &result, 0), lastError());

  // CHECK: overflow: status 1: layer: input 0: more elements than a 64-bit count holds
  int64_t huge[] = {(int64_t)1 << 62, 8};
  inputs[0].shape = huge;
  printf("overflow: status %d: %s\n", call(inputs, &result, 0), lastError());

  // CHECK: dtype: status 1: layer: input 0: expected a rank-2 f32 tensor, got a rank-2 bf16 tensor
  int64_t good[] = {4, 8};
  inputs[0].shape = good;
  inputs[0].dtype = HYPATIA_BF16;
  printf("dtype: status %d: %s\n", call(inputs, &result, 0), lastError());

  // CHECK: null: status 1: layer: input 0: null data for 32 elements
  inputs[0].dtype = HYPATIA_F32;
  inputs[0].data = 0;
  printf("null: status %d: %s\n", call(inputs, &result, 0), lastError());

  // CHECK: good: status 0
  inputs[0].data = x;
  printf("good: status %d\n", call(inputs, &result, 0));
  return 0;
}
