// The public C headers compile together, as C and as C++, with every warning
// an error: one vocabulary, no symbol declared twice with different meanings.
// REQUIRES: c-compiler
// RUN: %cc -std=c11 -fsyntax-only -Wall -Wextra -Werror -I %hypatia_src/include %s
// RUN: %cc -x c++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror -I %hypatia_src/include %s

#include "hypatia/CAPI/Hypatia.h"
#include "hypatia/Runtime/Model.h"
#include "hypatia/Runtime/Runtime.h"
#include "hypatia/Runtime/Vocabulary.h"

#include <assert.h>

// The codes the compiled-model ABI, the runtime and the C API exchange are
// the same enumerators.
static_assert(HYPATIA_F32 == 0 && HYPATIA_F16 == 1 && HYPATIA_BF16 == 2,
               "element type codes are published and never change");
static_assert(HYPATIA_ACTIVATION_NONE == 0 && HYPATIA_ACTIVATION_SILU == 4,
               "activation codes are published and never change");
static_assert(HYPATIA_SUCCESS == 0 && HYPATIA_TARGET_CUDA == 1,
               "status and target codes are published and never change");
