//===- HostTensorTest.cpp - HostTensor, .npy files, random inputs ---------===//

#include "hypatia/Support/HostTensor.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace hypatia;

namespace {

TEST(HostTensorTest, RoundsToNearestEvenWhenNarrowing) {
  HostTensor bf16(ElementType::BF16, {4});
  // bf16 keeps 8 significand bits: 1 + 2^-8 is a tie between 1 and 1 + 2^-7.
  bf16.setFromDouble(0, 1.0 + std::ldexp(1.0, -8));
  bf16.setFromDouble(1, 1.0 + 3 * std::ldexp(1.0, -8));
  bf16.setFromDouble(2, -2.5);
  bf16.setFromDouble(3, NAN);
  EXPECT_EQ(bf16.getAsDouble(0), 1.0);
  EXPECT_EQ(bf16.getAsDouble(1), 1.0 + std::ldexp(1.0, -6));
  EXPECT_EQ(bf16.getAsDouble(2), -2.5);
  EXPECT_TRUE(std::isnan(bf16.getAsDouble(3)));

  HostTensor f16(ElementType::F16, {2});
  f16.setFromDouble(0, 65504.0);
  f16.setFromDouble(1, 1e6);
  EXPECT_EQ(f16.getAsDouble(0), 65504.0);
  EXPECT_TRUE(std::isinf(f16.getAsDouble(1)));
}

TEST(HostTensorTest, TypeStringNamesShapeAndElementType) {
  EXPECT_EQ(HostTensor(ElementType::F32, {4, 10}).getTypeString(),
            "tensor<4x10xf32>");
  EXPECT_EQ(HostTensor(ElementType::BF16, {2, 0, 3}).getTypeString(),
            "tensor<2x0x3xbf16>");
}

TEST(HostTensorTest, CreateRefusesSizesBeyondTheLimit) {
  llvm::Expected<HostTensor> small =
      HostTensor::create(ElementType::BF16, {3, 0});
  ASSERT_TRUE(bool(small));
  EXPECT_EQ(small->getNumElements(), 0);
  for (llvm::SmallVector<int64_t> shape :
       {llvm::SmallVector<int64_t>{-1, 4},
        llvm::SmallVector<int64_t>{int64_t(1) << 62, 784},
        llvm::SmallVector<int64_t>{int64_t(1) << 30, int64_t(1) << 30},
        llvm::SmallVector<int64_t>{INT64_MAX, INT64_MAX}}) {
    llvm::Expected<HostTensor> tensor =
        HostTensor::create(ElementType::F32, shape);
    EXPECT_FALSE(bool(tensor));
    if (!tensor)
      llvm::consumeError(tensor.takeError());
  }
}

TEST(HostTensorTest, RandomInputsAreDeterministicAndInRange) {
  HostTensor a(ElementType::F32, {64, 33}), b(ElementType::F32, {64, 33});
  HostTensor otherStream(ElementType::F32, {64, 33});
  fillRandom(a, /*seed=*/42, /*stream=*/0);
  fillRandom(b, /*seed=*/42, /*stream=*/0);
  fillRandom(otherStream, /*seed=*/42, /*stream=*/1);
  int differences = 0, zeros = 0;
  double sum = 0;
  for (int64_t i = 0; i < a.getNumElements(); ++i) {
    ASSERT_EQ(a.getAsDouble(i), b.getAsDouble(i));
    ASSERT_GE(a.getAsDouble(i), -1.0);
    ASSERT_LT(a.getAsDouble(i), 1.0);
    differences += a.getAsDouble(i) != otherStream.getAsDouble(i);
    zeros += a.getAsDouble(i) == 0.0;
    sum += a.getAsDouble(i);
  }
  EXPECT_GT(differences, a.getNumElements() * 99 / 100);
  EXPECT_LT(zeros, 3);
  // Mean of 2112 uniform(-1, 1) draws: standard deviation ~0.0126.
  EXPECT_LT(std::abs(sum / a.getNumElements()), 0.06);
}

class NpyFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("hypatia-npy", dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }
  std::string path(llvm::StringRef name) { return (dir + "/" + name).str(); }
  void writeBytes(llvm::StringRef name, llvm::StringRef bytes) {
    std::error_code error;
    llvm::raw_fd_ostream os(path(name), error);
    ASSERT_FALSE(error);
    os << bytes;
  }
  llvm::SmallString<128> dir;
};

TEST_F(NpyFileTest, RoundTripsEveryElementType) {
  for (ElementType type :
       {ElementType::F32, ElementType::F16, ElementType::BF16}) {
    HostTensor tensor(type, {3, 5, 2});
    fillRandom(tensor, 7, 3);
    ASSERT_FALSE(bool(writeNpyFile(path("t.npy"), tensor)));
    llvm::Expected<HostTensor> read = readNpyFile(path("t.npy"), type);
    ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
    ASSERT_EQ(read->getShape(), tensor.getShape());
    for (int64_t i = 0; i < tensor.getNumElements(); ++i)
      ASSERT_EQ(read->getAsDouble(i), tensor.getAsDouble(i));
  }
}

TEST_F(NpyFileTest, ConvertsFloat32FilesToTheRequestedType) {
  HostTensor source(ElementType::F32, {4});
  for (int i = 0; i < 4; ++i)
    source.setFromDouble(i, 1.0 + i * std::ldexp(1.0, -9));
  ASSERT_FALSE(bool(writeNpyFile(path("f32.npy"), source)));
  llvm::Expected<HostTensor> asBf16 =
      readNpyFile(path("f32.npy"), ElementType::BF16);
  ASSERT_TRUE(bool(asBf16));
  EXPECT_EQ(asBf16->getElementType(), ElementType::BF16);
  EXPECT_EQ(asBf16->getAsDouble(1), 1.0);
}

TEST_F(NpyFileTest, RejectsBadFilesWithTheirPath) {
  writeBytes("garbage.npy", "not numpy at all");
  llvm::Expected<HostTensor> garbage =
      readNpyFile(path("garbage.npy"), ElementType::F32);
  ASSERT_FALSE(bool(garbage));
  std::string message = llvm::toString(garbage.takeError());
  EXPECT_NE(message.find("garbage.npy"), std::string::npos);
  EXPECT_NE(message.find("bad magic"), std::string::npos);

  std::string header = "{'descr': '<i4', 'fortran_order': False, "
                       "'shape': (2,), }";
  std::string ints = std::string("\x93NUMPY\x01\x00", 8) + char(header.size()) +
                     char(0) + header + std::string(8, '\0');
  writeBytes("ints.npy", ints);
  llvm::Expected<HostTensor> wrongType =
      readNpyFile(path("ints.npy"), ElementType::F32);
  ASSERT_FALSE(bool(wrongType));
  EXPECT_NE(llvm::toString(wrongType.takeError()).find("unsupported dtype"),
            std::string::npos);

  llvm::Expected<HostTensor> missing =
      readNpyFile(path("missing.npy"), ElementType::F32);
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find("cannot read"),
            std::string::npos);
}

TEST_F(NpyFileTest, RejectsTruncatedData) {
  HostTensor tensor(ElementType::F32, {8});
  fillRandom(tensor, 1, 0);
  ASSERT_FALSE(bool(writeNpyFile(path("full.npy"), tensor)));
  auto buffer = llvm::MemoryBuffer::getFile(path("full.npy"));
  ASSERT_TRUE(bool(buffer));
  writeBytes("short.npy", (*buffer)->getBuffer().drop_back(4));
  llvm::Expected<HostTensor> read =
      readNpyFile(path("short.npy"), ElementType::F32);
  ASSERT_FALSE(bool(read));
  EXPECT_NE(llvm::toString(read.takeError()).find("expected 32"),
            std::string::npos);
}

} // namespace
