//===- HostTensor.cpp - Dense tensors in host memory ------------*- C++ -*-===//

#include "hypatia/Support/HostTensor.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

using namespace hypatia;

static const llvm::fltSemantics &getSemantics(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return llvm::APFloat::IEEEsingle();
  case ElementType::F16:
    return llvm::APFloat::IEEEhalf();
  case ElementType::BF16:
    return llvm::APFloat::BFloat();
  }
  llvm_unreachable("unknown element type");
}

void HostTensor::FreeDeleter::operator()(void *pointer) const {
  std::free(pointer);
}

llvm::Expected<HostTensor> HostTensor::create(ElementType elementType,
                                              llvm::ArrayRef<int64_t> shape) {
  uint64_t bytes = getElementSize(elementType);
  for (int64_t size : shape) {
    if (size < 0)
      return llvm::createStringError("a tensor cannot have size " +
                                     std::to_string(size));
    if (size != 0 && bytes > kMaxBytes / uint64_t(size))
      return llvm::createStringError(
          "a tensor of shape [" +
          llvm::join(llvm::map_range(
                         shape, [](int64_t s) { return std::to_string(s); }),
                     ", ") +
          "] would hold more than the limit of " + std::to_string(kMaxBytes) +
          " bytes");
    bytes *= uint64_t(size);
  }
  size_t allocated = (bytes + 63) / 64 * 64;
  void *storage = std::aligned_alloc(64, allocated == 0 ? 64 : allocated);
  if (!storage)
    return llvm::createStringError("cannot allocate " + std::to_string(bytes) +
                                   " bytes for a host tensor");
  return HostTensor(elementType, shape, storage);
}

HostTensor::HostTensor(ElementType elementType, llvm::ArrayRef<int64_t> shape,
                       void *storage)
    : elementType(elementType), shape(shape), storage(storage) {}

HostTensor::HostTensor(ElementType elementType, llvm::ArrayRef<int64_t> shape)
    : elementType(elementType), shape(shape) {
  // aligned_alloc needs a size that is a multiple of the alignment (and > 0).
  size_t bytes = (getSizeInBytes() + 63) / 64 * 64;
  storage.reset(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
  if (!storage)
    llvm::report_bad_alloc_error("hypatia: cannot allocate a host tensor");
}

int64_t HostTensor::getNumElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

double HostTensor::getAsDouble(int64_t i) const {
  if (elementType == ElementType::F32) {
    float value;
    std::memcpy(&value, static_cast<const char *>(getData()) + 4 * i, 4);
    return value;
  }
  uint16_t bits;
  std::memcpy(&bits, static_cast<const char *>(getData()) + 2 * i, 2);
  llvm::APFloat value(getSemantics(elementType), llvm::APInt(16, bits));
  bool losesInfo;
  value.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToDouble();
}

void HostTensor::setFromDouble(int64_t i, double value) {
  llvm::APFloat converted(value);
  bool losesInfo;
  converted.convert(getSemantics(elementType),
                    llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  uint64_t bits = converted.bitcastToAPInt().getZExtValue();
  size_t size = getElementSize(elementType);
  // Little-endian hosts: the low bytes hold the value.
  std::memcpy(static_cast<char *>(getData()) + size * i, &bits, size);
}

std::string HostTensor::getTypeString() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "tensor<";
  for (int64_t dim : shape)
    os << dim << 'x';
  os << getElementTypeName(elementType) << '>';
  return text;
}

/// SplitMix64: tiny, fast and fully specified, so the inputs of a seed are the
/// same everywhere (std:: distributions are implementation-defined).
static uint64_t splitMix64(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void hypatia::fillRandom(HostTensor &tensor, uint64_t seed, uint64_t stream) {
  uint64_t state = seed * 0x100000001b3ULL + stream * 0x9e3779b97f4a7c15ULL;
  splitMix64(state);
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
    // 24 random bits: exactly representable in f32, uniform in [-1, 1).
    double unit = static_cast<double>(splitMix64(state) >> 40) / (1 << 24);
    tensor.setFromDouble(i, 2.0 * unit - 1.0);
  }
}
