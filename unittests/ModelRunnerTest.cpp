//===- ModelRunnerTest.cpp - Compiled CPU models called through the ABI ---===//
//
// The one way Hypatia runs compiled code: a shared object with the model ABI
// (hypatia-compile's), loaded and called by LoadedModel, as hypatia-run does.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Runner/ModelRunner.h"
#include "hypatia/Compiler/Compiler.h"
#include "hypatia/Compiler/ModelSignature.h"
#include "hypatia/Registration.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir;
using namespace hypatia;

namespace {

class ModelRunnerTest : public ::testing::Test {
protected:
  ModelRunnerTest() {
    DialectRegistry registry;
    registerDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  OwningOpRef<ModuleOp> parse(StringRef source) {
    return parseSourceString<ModuleOp>(source, &context);
  }

  /// Compiles `source` for the CPU into a temporary shared object (removed
  /// with the fixture) and loads it.
  std::unique_ptr<LoadedModel> compile(StringRef source) {
    OwningOpRef<ModuleOp> module = parse(source);
    if (!module)
      return nullptr;
    SmallString<128> path;
    if (llvm::sys::fs::createTemporaryFile("model-runner-test", "so", path))
      return nullptr;
    removers.push_back(std::make_unique<llvm::FileRemover>(path));
    CompileOptions options;
    options.fuse = false;
    if (failed(compileToSharedObject(*module, options, path)))
      return nullptr;
    auto model = LoadedModel::load(path);
    if (!model) {
      ADD_FAILURE() << llvm::toString(model.takeError());
      return nullptr;
    }
    return std::move(*model);
  }

  MLIRContext context;
  std::vector<std::unique_ptr<llvm::FileRemover>> removers;
};

RankedTensorType tensorType(MLIRContext &context, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, Float32Type::get(&context));
}

TEST_F(ModelRunnerTest, OneDynamicSizeServesEveryDynamicDimension) {
  SmallVector<RankedTensorType> inputs = {
      tensorType(context, {ShapedType::kDynamic, 8}),
      tensorType(context, {16, 8}),
      tensorType(context, {2, ShapedType::kDynamic, 8})};
  auto shapes = resolveInputShapes(inputs, {5});
  ASSERT_TRUE(bool(shapes)) << llvm::toString(shapes.takeError());
  EXPECT_EQ((*shapes)[0], SmallVector<int64_t>({5, 8}));
  EXPECT_EQ((*shapes)[1], SmallVector<int64_t>({16, 8}));
  EXPECT_EQ((*shapes)[2], SmallVector<int64_t>({2, 5, 8}));

  auto each = resolveInputShapes(inputs, {3, 4});
  ASSERT_TRUE(bool(each));
  EXPECT_EQ((*each)[0], SmallVector<int64_t>({3, 8}));
  EXPECT_EQ((*each)[2], SmallVector<int64_t>({2, 4, 8}));
}

TEST_F(ModelRunnerTest, WrongNumberOfDynamicSizesIsAnError) {
  SmallVector<RankedTensorType> dynamic = {
      tensorType(context, {ShapedType::kDynamic, ShapedType::kDynamic}),
      tensorType(context, {ShapedType::kDynamic, 8})};
  auto tooMany = resolveInputShapes(dynamic, {1, 2, 3, 4});
  ASSERT_FALSE(bool(tooMany));
  EXPECT_NE(llvm::toString(tooMany.takeError()).find("3 dynamic dimensions"),
            std::string::npos);
  auto none = resolveInputShapes(dynamic, {});
  ASSERT_FALSE(bool(none));
  llvm::consumeError(none.takeError());
  auto negative = resolveInputShapes(dynamic, {-1});
  ASSERT_FALSE(bool(negative));
  llvm::consumeError(negative.takeError());

  SmallVector<RankedTensorType> staticOnly = {tensorType(context, {2, 8})};
  auto unexpected = resolveInputShapes(staticOnly, {4});
  ASSERT_FALSE(bool(unexpected));
  EXPECT_NE(llvm::toString(unexpected.takeError()).find("no dynamic"),
            std::string::npos);
}

// The descriptor ABI with several batch dimensions, one of them dynamic,
// checked against a direct double-precision loop.
TEST_F(ModelRunnerTest, LinearOverTwoBatchDimensionsMatchesDirectLoop) {
  std::unique_ptr<LoadedModel> model = compile(R"mlir(
    func.func @layer(%x: tensor<2x?x5xf32>, %w: tensor<3x5xf32>,
                     %b: tensor<3xf32>) -> tensor<2x?x3xf32> {
      %y = hypatia.linear %x, %w, %b
          : (tensor<2x?x5xf32>, tensor<3x5xf32>, tensor<3xf32>) -> tensor<2x?x3xf32>
      return %y : tensor<2x?x3xf32>
    })mlir");
  ASSERT_TRUE(model);
  auto function = model->lookup("layer");
  ASSERT_TRUE(bool(function)) << llvm::toString(function.takeError());

  HostTensor x(ElementType::F32, {2, 7, 5}), w(ElementType::F32, {3, 5}),
      b(ElementType::F32, {3});
  fillRandom(x, 11, 0);
  fillRandom(w, 11, 1);
  fillRandom(b, 11, 2);
  auto results = model->run(**function, {&x, &w, &b});
  ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError());
  ASSERT_EQ(results->size(), 1u);
  const HostTensor &y = (*results)[0];
  ASSERT_EQ(y.getShape(), ArrayRef<int64_t>({2, 7, 3}));
  for (int64_t row = 0; row < 14; ++row) {
    for (int64_t n = 0; n < 3; ++n) {
      double expected = b.getAsDouble(n);
      for (int64_t k = 0; k < 5; ++k)
        expected += x.getAsDouble(row * 5 + k) * w.getAsDouble(n * 5 + k);
      EXPECT_NEAR(y.getAsDouble(row * 3 + n), expected, 1e-5);
    }
  }
}

// Results that alias an input or each other are written into the caller's
// buffers, each of them.
TEST_F(ModelRunnerTest, AliasingResultsAreCopiedAndFreedOnce) {
  std::unique_ptr<LoadedModel> model = compile(R"mlir(
    func.func @alias(%x: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>,
                                              tensor<4x3xf32>) {
      %d = hypatia.dropout %x {probability = 0.5 : f64} : tensor<4x3xf32>
      %r = hypatia.relu %x : tensor<4x3xf32>
      return %d, %r, %r : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
    })mlir");
  ASSERT_TRUE(model);
  auto function = model->lookup("alias");
  ASSERT_TRUE(bool(function)) << llvm::toString(function.takeError());
  HostTensor x(ElementType::F32, {4, 3});
  fillRandom(x, 5, 0);
  for (int repeat = 0; repeat < 3; ++repeat) {
    auto results = model->run(**function, {&x});
    ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError());
    for (int64_t i = 0; i < 12; ++i) {
      EXPECT_EQ((*results)[0].getAsDouble(i), x.getAsDouble(i));
      EXPECT_EQ((*results)[1].getAsDouble(i), std::max(x.getAsDouble(i), 0.0));
      EXPECT_EQ((*results)[2].getAsDouble(i), (*results)[1].getAsDouble(i));
    }
  }
}

TEST_F(ModelRunnerTest, MismatchedInputsAreRejectedBeforeTheCall) {
  std::unique_ptr<LoadedModel> model = compile(R"mlir(
    func.func @act(%x: tensor<?x3xbf16>) -> tensor<?x3xbf16> {
      %y = hypatia.silu %x : tensor<?x3xbf16>
      return %y : tensor<?x3xbf16>
    })mlir");
  ASSERT_TRUE(model);
  auto function = model->lookup("act");
  ASSERT_TRUE(bool(function)) << llvm::toString(function.takeError());

  HostTensor wrongShape(ElementType::BF16, {2, 4});
  auto shapeError = model->run(**function, {&wrongShape});
  ASSERT_FALSE(bool(shapeError));
  EXPECT_NE(llvm::toString(shapeError.takeError())
                .find("act: input 0: expected shape [?, 3], got [2, 4]"),
            std::string::npos);

  HostTensor wrongType(ElementType::F32, {2, 3});
  auto typeError = model->run(**function, {&wrongType});
  ASSERT_FALSE(bool(typeError));
  llvm::consumeError(typeError.takeError());

  auto countError = model->run(**function, {});
  ASSERT_FALSE(bool(countError));
  EXPECT_NE(llvm::toString(countError.takeError()).find("takes 1 inputs"),
            std::string::npos);
}

TEST_F(ModelRunnerTest, UnknownFunctionIsAnError) {
  std::unique_ptr<LoadedModel> model = compile(R"mlir(
    func.func @act(%x: tensor<4xf32>) -> tensor<4xf32> {
      return %x : tensor<4xf32>
    })mlir");
  ASSERT_TRUE(model);
  auto function = model->lookup("missing");
  ASSERT_FALSE(bool(function));
  EXPECT_NE(llvm::toString(function.takeError()).find("missing"),
            std::string::npos);
}

TEST_F(ModelRunnerTest, TruncatedSharedObjectsAreRefusedBeforeLoading) {
  OwningOpRef<ModuleOp> module = parse(R"mlir(
    func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
      %0 = hypatia.relu %x : tensor<4xf32>
      return %0 : tensor<4xf32>
    })mlir");
  ASSERT_TRUE(module);
  SmallString<128> path, truncated;
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("model-runner-test", "so", path));
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("model-runner-test", "so", truncated));
  llvm::FileRemover removePath(path), removeTruncated(truncated);
  CompileOptions options;
  ASSERT_TRUE(succeeded(compileToSharedObject(*module, options, path)));
  auto whole = llvm::MemoryBuffer::getFile(path);
  ASSERT_TRUE(bool(whole));
  // dlopen maps the missing bytes anyway and the first touch is SIGBUS.
  std::error_code error;
  llvm::raw_fd_ostream(truncated, error)
      << (*whole)->getBuffer().take_front((*whole)->getBufferSize() / 2);
  ASSERT_FALSE(error);
  auto model = LoadedModel::load(truncated);
  ASSERT_FALSE(bool(model));
  EXPECT_NE(llvm::toString(model.takeError()).find("is truncated"),
            std::string::npos);
  auto notELF = LoadedModel::load(__FILE__);
  ASSERT_FALSE(bool(notELF));
  EXPECT_NE(llvm::toString(notELF.takeError()).find("not a 64-bit ELF"),
            std::string::npos);
}

} // namespace
