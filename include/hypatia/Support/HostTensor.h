//===- HostTensor.h - Dense tensors in host memory --------------*- C++ -*-===//
//
// The tensors hypatia-run (and later the C API) feeds to compiled functions
// and reads back from them: a shape, an element type (f32, f16, bf16) and a
// dense row-major buffer. Also the .npy files they are read from and written
// to, and the deterministic random inputs used by tests.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_SUPPORT_HOSTTENSOR_H
#define HYPATIA_SUPPORT_HOSTTENSOR_H

#include "hypatia/Support/ElementType.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace hypatia {

/// A dense row-major tensor owning 64-byte aligned storage.
class HostTensor {
public:
  /// The most bytes one host tensor may hold: a hard limit, so that a shape
  /// read from a file or a command line cannot ask for more than a machine
  /// has (or wrap a size computation).
  static constexpr uint64_t kMaxBytes = uint64_t(1) << 40;

  /// A tensor of `shape`, or an error for a negative size, an element count
  /// or byte size beyond kMaxBytes, or an allocation that fails.
  static llvm::Expected<HostTensor> create(ElementType elementType,
                                           llvm::ArrayRef<int64_t> shape);
  /// As create, for shapes known to be valid and small; aborts otherwise.
  HostTensor(ElementType elementType, llvm::ArrayRef<int64_t> shape);

  ElementType getElementType() const { return elementType; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  int64_t getNumElements() const;
  size_t getSizeInBytes() const {
    return getNumElements() * getElementSize(elementType);
  }
  void *getData() { return storage.get(); }
  const void *getData() const { return storage.get(); }

  /// Element `i` (row-major), widened to double exactly.
  double getAsDouble(int64_t i) const;
  /// Sets element `i` to `value` rounded to the element type (to nearest,
  /// ties to even).
  void setFromDouble(int64_t i, double value);

  /// `tensor<4x10xf32>`.
  std::string getTypeString() const;

private:
  /// Takes over `storage` (from aligned_alloc) for a tensor of `shape`.
  HostTensor(ElementType elementType, llvm::ArrayRef<int64_t> shape,
             void *storage);
  struct FreeDeleter {
    void operator()(void *pointer) const;
  };
  ElementType elementType;
  llvm::SmallVector<int64_t> shape;
  std::unique_ptr<void, FreeDeleter> storage;
};

/// Fills `tensor` with values uniform in [-1, 1), rounded to its element type,
/// from a generator seeded by `seed` and `stream` (so that each argument of a
/// function gets its own sequence). The same seed gives the same values on
/// every machine.
void fillRandom(HostTensor &tensor, uint64_t seed, uint64_t stream);

/// Reads a C-ordered little-endian .npy file of float16, float32 or float64
/// and converts it (rounding to nearest) to `elementType`.
llvm::Expected<HostTensor> readNpyFile(llvm::StringRef path,
                                       ElementType elementType);

/// Writes `tensor` as .npy: f32 as float32, f16 as float16, and bf16 widened
/// exactly to float32 (NumPy has no bfloat16).
llvm::Error writeNpyFile(llvm::StringRef path, const HostTensor &tensor);

} // namespace hypatia

#endif // HYPATIA_SUPPORT_HOSTTENSOR_H
