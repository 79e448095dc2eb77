//===- MemRefDescriptor.h - The C ABI of compiled functions -----*- C++ -*-===//
//
// Functions compiled by Hypatia's pipelines with llvm.emit_c_interface are
// called as _mlir_ciface_<name>(descriptor *...): one pointer per tensor
// argument, inputs first, then (CUDA pipeline) the outputs the caller
// allocates. Each points to this descriptor of a dense row-major buffer.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_RUNTIME_MEMREFDESCRIPTOR_H
#define HYPATIA_RUNTIME_MEMREFDESCRIPTOR_H

#include <cstdint>

namespace hypatia {

template <int Rank> struct MemRefDescriptor {
  /// What was allocated (freed by its owner), and where the data starts.
  void *allocated;
  void *aligned;
  /// Offset of the first element from `aligned`, in elements.
  int64_t offset;
  int64_t sizes[Rank];
  /// In elements; row-major dense: strides[Rank - 1] = 1.
  int64_t strides[Rank];
};

} // namespace hypatia

#endif // HYPATIA_RUNTIME_MEMREFDESCRIPTOR_H
