//===- NpyFile.cpp - NumPy .npy files ---------------------------*- C++ -*-===//
//
// The .npy format (NumPy's NEP 1): a magic string, a version, a header that is
// a Python dict literal {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), } padded to a multiple of 64 bytes, then the raw data.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Support/HostTensor.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace hypatia;

static constexpr char kMagic[] = "\x93NUMPY";
static constexpr size_t kMagicSize = 6;

static llvm::Error makeError(llvm::StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + message);
}

/// Returns the text after `'key':` in a header dict, trimmed.
static std::optional<llvm::StringRef> findHeaderValue(llvm::StringRef header,
                                                      llvm::StringRef key) {
  std::string quoted = ("'" + key + "'").str();
  size_t position = header.find(quoted);
  if (position == llvm::StringRef::npos)
    return std::nullopt;
  llvm::StringRef rest = header.drop_front(position + quoted.size()).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

namespace {
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  llvm::SmallVector<int64_t> shape;
};
} // namespace

static llvm::Expected<NpyHeader> parseHeader(llvm::StringRef path,
                                             llvm::StringRef header) {
  NpyHeader result;
  std::optional<llvm::StringRef> descr = findHeaderValue(header, "descr");
  if (!descr || !descr->consume_front("'"))
    return makeError(path, "malformed .npy header: no 'descr'");
  result.descr = descr->take_until([](char c) { return c == '\''; }).str();

  std::optional<llvm::StringRef> fortran =
      findHeaderValue(header, "fortran_order");
  if (!fortran)
    return makeError(path, "malformed .npy header: no 'fortran_order'");
  result.fortranOrder = fortran->starts_with("True");

  std::optional<llvm::StringRef> shape = findHeaderValue(header, "shape");
  if (!shape || !shape->consume_front("("))
    return makeError(path, "malformed .npy header: no 'shape'");
  llvm::StringRef dims = shape->take_until([](char c) { return c == ')'; });
  llvm::SmallVector<llvm::StringRef> pieces;
  dims.split(pieces, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef piece : pieces) {
    piece = piece.trim();
    if (piece.empty())
      continue;
    int64_t dim;
    if (piece.getAsInteger(10, dim) || dim < 0)
      return makeError(path, "malformed .npy shape '(" + dims + ")'");
    result.shape.push_back(dim);
  }
  return result;
}

llvm::Expected<HostTensor> hypatia::readNpyFile(llvm::StringRef path,
                                                ElementType elementType) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!file)
    return makeError(path, "cannot read: " + file.getError().message());
  llvm::StringRef bytes = (*file)->getBuffer();
  if (bytes.size() < kMagicSize + 4 ||
      std::memcmp(bytes.data(), kMagic, kMagicSize) != 0)
    return makeError(path, "not a .npy file (bad magic string)");

  uint8_t major = bytes[kMagicSize];
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return makeError(path, "truncated .npy header");
    headerLength = 0;
    for (int i = 0; i < 4; ++i)
      headerLength |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    headerStart = 12;
  } else {
    return makeError(path, "unsupported .npy version " + llvm::Twine(major));
  }
  if (bytes.size() < headerStart + headerLength)
    return makeError(path, "truncated .npy header");

  llvm::Expected<NpyHeader> header =
      parseHeader(path, bytes.substr(headerStart, headerLength));
  if (!header)
    return header.takeError();
  if (header->fortranOrder)
    return makeError(path, "Fortran-ordered arrays are not supported; save "
                           "with np.ascontiguousarray");

  size_t sourceSize;
  if (header->descr == "<f2")
    sourceSize = 2;
  else if (header->descr == "<f4")
    sourceSize = 4;
  else if (header->descr == "<f8")
    sourceSize = 8;
  else
    return makeError(path, "unsupported dtype '" + header->descr +
                               "': expected little-endian float16, float32 "
                               "or float64");

  llvm::Expected<HostTensor> created =
      HostTensor::create(elementType, header->shape);
  if (!created)
    return makeError(path, llvm::toString(created.takeError()));
  HostTensor tensor = std::move(*created);
  llvm::StringRef data = bytes.drop_front(headerStart + headerLength);
  int64_t count = tensor.getNumElements();
  if (data.size() != size_t(count) * sourceSize)
    return makeError(
        path, "holds " + llvm::Twine(data.size()) + " data bytes, expected " +
                  llvm::Twine(count * sourceSize) + " for its shape and dtype");
  for (int64_t i = 0; i < count; ++i) {
    const char *source = data.data() + i * sourceSize;
    double value;
    if (sourceSize == 8) {
      std::memcpy(&value, source, 8);
    } else if (sourceSize == 4) {
      float single;
      std::memcpy(&single, source, 4);
      value = single;
    } else {
      HostTensor scratch(ElementType::F16, {1});
      std::memcpy(scratch.getData(), source, 2);
      value = scratch.getAsDouble(0);
    }
    tensor.setFromDouble(i, value);
  }
  return tensor;
}

llvm::Error hypatia::writeNpyFile(llvm::StringRef path,
                                  const HostTensor &tensor) {
  bool asHalf = tensor.getElementType() == ElementType::F16;
  std::string header;
  llvm::raw_string_ostream os(header);
  os << "{'descr': '" << (asHalf ? "<f2" : "<f4")
     << "', 'fortran_order': False, 'shape': (";
  for (int64_t dim : tensor.getShape())
    os << dim << ", ";
  os << "), }";
  // Pad so that the data starts on a 64-byte boundary; the header ends in \n.
  size_t total = kMagicSize + 4 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');

  std::error_code error;
  llvm::raw_fd_ostream file(path, error, llvm::sys::fs::OF_None);
  if (error)
    return makeError(path, "cannot write: " + error.message());
  file.write(kMagic, kMagicSize);
  file << char(1) << char(0) << char(header.size() & 0xff)
       << char(header.size() >> 8) << header;
  if (tensor.getElementType() == ElementType::BF16) {
    for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
      float value = tensor.getAsDouble(i);
      file.write(reinterpret_cast<const char *>(&value), 4);
    }
  } else {
    file.write(static_cast<const char *>(tensor.getData()),
               tensor.getSizeInBytes());
  }
  file.close();
  if (file.has_error())
    return makeError(path, "write failed: " + file.error().message());
  return llvm::Error::success();
}
