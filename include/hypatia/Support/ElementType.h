//===- ElementType.h - Tensor element types as C++ sees them ----*- C++ -*-===//
//
// The element types of Hypatia's tensors, with the codes of the C vocabulary
// (hypatia/Runtime/Vocabulary.h), so that a code crosses every interface
// (compiled models, the runtime, the C API) without translation.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_SUPPORT_ELEMENTTYPE_H
#define HYPATIA_SUPPORT_ELEMENTTYPE_H

#include "hypatia/Runtime/Vocabulary.h"

#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace hypatia {

enum class ElementType : int32_t {
#define HYPATIA_ELEMENT_TYPE_(SUFFIX, name, code) SUFFIX = code,
  HYPATIA_FOR_EACH_DTYPE(HYPATIA_ELEMENT_TYPE_)
#undef HYPATIA_ELEMENT_TYPE_
};

/// The element type of a hypatia_dtype code, if it is one.
inline std::optional<ElementType> getElementTypeOfCode(int32_t code) {
  switch (code) {
#define HYPATIA_ELEMENT_TYPE_CASE_(SUFFIX, name, code)                         \
  case code:                                                                   \
    return ElementType::SUFFIX;
    HYPATIA_FOR_EACH_DTYPE(HYPATIA_ELEMENT_TYPE_CASE_)
#undef HYPATIA_ELEMENT_TYPE_CASE_
  }
  return std::nullopt;
}

/// `f32`, `f16` or `bf16`, as MLIR spells them.
inline llvm::StringRef getElementTypeName(ElementType type) {
  switch (type) {
#define HYPATIA_ELEMENT_TYPE_NAME_(SUFFIX, name, code)                         \
  case ElementType::SUFFIX:                                                    \
    return #name;
    HYPATIA_FOR_EACH_DTYPE(HYPATIA_ELEMENT_TYPE_NAME_)
#undef HYPATIA_ELEMENT_TYPE_NAME_
  }
  return "";
}

/// Bytes per element.
inline size_t getElementSize(ElementType type) {
  return type == ElementType::F32 ? 4 : 2;
}

} // namespace hypatia

#endif // HYPATIA_SUPPORT_ELEMENTTYPE_H
