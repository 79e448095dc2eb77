//===- ModelDType.h - Element types as the model ABI codes them -*- C++ -*-===//
//
// The one mapping between HostTensor's element types and the dtype codes of
// compiled models (hypatia_model_dtype in hypatia/Runtime/Model.h), shared by
// the compiler that writes a model's description and the runner that reads it.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_SUPPORT_MODELDTYPE_H
#define HYPATIA_SUPPORT_MODELDTYPE_H

#include "hypatia/Runtime/Model.h"
#include "hypatia/Support/HostTensor.h"

namespace hypatia {

inline int32_t getModelDType(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return HYPATIA_MODEL_F32;
  case ElementType::F16:
    return HYPATIA_MODEL_F16;
  case ElementType::BF16:
    return HYPATIA_MODEL_BF16;
  }
  return HYPATIA_MODEL_F32;
}

inline ElementType getElementType(hypatia_model_dtype dtype) {
  switch (dtype) {
  case HYPATIA_MODEL_F16:
    return ElementType::F16;
  case HYPATIA_MODEL_BF16:
    return ElementType::BF16;
  case HYPATIA_MODEL_F32:
    return ElementType::F32;
  }
  return ElementType::F32;
}

} // namespace hypatia

#endif // HYPATIA_SUPPORT_MODELDTYPE_H
