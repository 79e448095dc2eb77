//===- HypatiaToLinalg.cpp - Lower hypatia ops to linalg --------*- C++ -*-===//
//
// Every linear layer becomes one matmul (weight read transposed, f32 or f64
// accumulator) plus at most one elementwise epilogue. On the CUDA path linear
// layers have become library calls before this pass (hypatia-to-library-calls)
// and only elementwise ops are left for it.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Conversion/BatchDims.h"
#include "hypatia/Conversion/Passes.h"
#include "hypatia/Conversion/ScalarActivations.h"
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace hypatia {
#define GEN_PASS_DEF_HYPATIATOLINALG
#include "hypatia/Conversion/Passes.h.inc"
} // namespace hypatia

using namespace mlir;
using namespace hypatia;

//===----------------------------------------------------------------------===//
// Linear layers
//===----------------------------------------------------------------------===//

/// Lowers `activation(input @ weight^T + bias)` and returns a value of
/// `resultType`. `bias` may be null.
static Value lowerLinearLayer(OpBuilder &b, Location loc, Value input,
                              Value weight, Value bias, Activation activation,
                              RankedTensorType resultType,
                              bool computeF32InF64) {
  MLIRContext *context = b.getContext();
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t outFeatures = cast<RankedTensorType>(weight.getType()).getDimSize(0);
  Type elementType = inputType.getElementType();
  Type accumulatorType = getComputeType(elementType, computeF32InF64);

  // [batch..., K] -> [M, K]: one GEMM over all batch dimensions.
  CollapsedInput collapsed = collapseBatchDims(b, loc, input);
  Value input2d = collapsed.matrix;

  OpFoldResult rows = tensor::getMixedSize(b, loc, input2d, 0);
  SmallVector<OpFoldResult> productSizes = {rows, b.getIndexAttr(outFeatures)};
  Value accumulatorInit =
      tensor::EmptyOp::create(b, loc, productSizes, accumulatorType);
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(accumulatorType));
  Value accumulator =
      linalg::FillOp::create(b, loc, zero, accumulatorInit).getResult(0);

  AffineExpr m, n, k;
  bindDims(context, m, n, k);
  auto matmul = linalg::MatmulOp::create(
      b, loc, TypeRange{accumulator.getType()}, ValueRange{input2d, weight},
      ValueRange{accumulator});
  matmul.setIndexingMapsAttr(
      b.getAffineMapArrayAttr({AffineMap::get(3, 0, {m, k}, context),
                               AffineMap::get(3, 0, {n, k}, context),
                               AffineMap::get(3, 0, {m, n}, context)}));
  Value result2d = matmul.getResult(0);

  // Epilogue: bias, activation and rounding in one elementwise op.
  if (bias || activation != Activation::none ||
      elementType != accumulatorType) {
    AffineMap identity = AffineMap::getMultiDimIdentityMap(2, context);
    SmallVector<Value> epilogueInputs = {result2d};
    SmallVector<AffineMap> maps = {identity};
    if (bias) {
      epilogueInputs.push_back(bias);
      maps.push_back(AffineMap::get(2, 0, {b.getAffineDimExpr(1)}, context));
    }
    maps.push_back(identity);
    Value epilogueInit =
        tensor::EmptyOp::create(b, loc, productSizes, elementType);
    SmallVector<utils::IteratorType> iterators(2,
                                               utils::IteratorType::parallel);
    auto epilogue = linalg::GenericOp::create(
        b, loc, TypeRange{epilogueInit.getType()}, epilogueInputs,
        ValueRange{epilogueInit}, maps, iterators,
        [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
          Value value = args[0];
          if (bias)
            value = arith::AddFOp::create(
                nested, nestedLoc, value,
                extendTo(nested, nestedLoc, args[1], accumulatorType));
          value = buildActivation(nested, nestedLoc, value, activation);
          linalg::YieldOp::create(
              nested, nestedLoc,
              truncateTo(nested, nestedLoc, value, elementType));
        });
    result2d = epilogue.getResult(0);
  }
  return expandBatchDims(b, loc, result2d, input, collapsed, resultType);
}

namespace {

struct LinearLayerLowering
    : public OpInterfaceRewritePattern<LinearLayerOpInterface> {
  LinearLayerLowering(MLIRContext *context, bool computeF32InF64)
      : OpInterfaceRewritePattern(context), computeF32InF64(computeF32InF64) {}

  LogicalResult matchAndRewrite(LinearLayerOpInterface layer,
                                PatternRewriter &rewriter) const override {
    Operation *op = layer.getOperation();
    Value result = lowerLinearLayer(
        rewriter, op->getLoc(), layer.getInput(), layer.getWeight(),
        layer.getBias(), layer.getActivationKind(),
        cast<RankedTensorType>(op->getResult(0).getType()), computeF32InF64);
    rewriter.replaceOp(op, result);
    return success();
  }

  bool computeF32InF64;
};

struct FusedMLPLowering : public OpRewritePattern<FusedMLPOp> {
  FusedMLPLowering(MLIRContext *context, bool computeF32InF64)
      : OpRewritePattern(context), computeF32InF64(computeF32InF64) {}

  LogicalResult matchAndRewrite(FusedMLPOp op,
                                PatternRewriter &rewriter) const override {
    Value hidden = op.getInput();
    for (unsigned i = 0, e = op.getNumLayers(); i < e; ++i) {
      Value weight = op.getWeights()[i];
      RankedTensorType layerType = getLinearLayerResultType(hidden, weight);
      hidden = lowerLinearLayer(
          rewriter, op.getLoc(), hidden, weight, op.getBiasOfLayer(i),
          op.getActivationOfLayer(i), layerType, computeF32InF64);
    }
    rewriter.replaceOp(op, hidden);
    return success();
  }

  bool computeF32InF64;
};

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

/// One linalg.generic computing `compute` of the scalars of `inputs` (all of
/// one type) in the compute type of their element type, rounded once.
static Value
lowerElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                 bool computeF32InF64,
                 function_ref<Value(OpBuilder &, Location, ValueRange)> compute,
                 Type resultElementType = {}) {
  Value first = inputs.front();
  auto inputType = cast<RankedTensorType>(first.getType());
  if (!resultElementType)
    resultElementType = inputType.getElementType();
  auto type = inputType.clone(resultElementType);
  Type computeType =
      getComputeType(inputType.getElementType(), computeF32InF64);
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, first), resultElementType);
  SmallVector<AffineMap> maps(inputs.size() + 1,
                              b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        SmallVector<Value> extended;
        for (Value arg : args.drop_back())
          extended.push_back(extendTo(nested, nestedLoc, arg, computeType));
        Value value = compute(nested, nestedLoc, extended);
        linalg::YieldOp::create(
            nested, nestedLoc,
            truncateTo(nested, nestedLoc, value, type.getElementType()));
      });
  return generic.getResult(0);
}

struct ElementwiseActivationLowering
    : public OpInterfaceRewritePattern<ElementwiseActivationOpInterface> {
  ElementwiseActivationLowering(MLIRContext *context, bool computeF32InF64)
      : OpInterfaceRewritePattern(context), computeF32InF64(computeF32InF64) {}

  LogicalResult matchAndRewrite(ElementwiseActivationOpInterface activationOp,
                                PatternRewriter &rewriter) const override {
    Activation activation = activationOp.getActivationKind();
    Value result = lowerElementwise(
        rewriter, activationOp->getLoc(), activationOp.getInput(),
        computeF32InF64, [&](OpBuilder &b, Location loc, ValueRange args) {
          return buildActivation(b, loc, args[0], activation);
        });
    rewriter.replaceOp(activationOp, result);
    return success();
  }

  bool computeF32InF64;
};

/// An elementwise op of the dialect whose scalar form is
/// `computeScalar` on the operands widened to the compute type, rounded once
/// to the result's element type.
template <typename OpTy>
struct ElementwiseOpLowering : public OpRewritePattern<OpTy> {
  ElementwiseOpLowering(MLIRContext *context, bool computeF32InF64)
      : OpRewritePattern<OpTy>(context), computeF32InF64(computeF32InF64) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value result = lowerElementwise(rewriter, op.getLoc(), op->getOperands(),
                                    computeF32InF64, computeScalar,
                                    op.getType().getElementType());
    rewriter.replaceOp(op, result);
    return success();
  }

  static Value computeScalar(OpBuilder &b, Location loc, ValueRange args);

  bool computeF32InF64;
};

template <>
Value ElementwiseOpLowering<MulOp>::computeScalar(OpBuilder &b, Location loc,
                                                  ValueRange args) {
  return arith::MulFOp::create(b, loc, args[0], args[1]);
}

template <>
Value ElementwiseOpLowering<AddOp>::computeScalar(OpBuilder &b, Location loc,
                                                  ValueRange args) {
  return arith::AddFOp::create(b, loc, args[0], args[1]);
}

/// A conversion is the value itself: the rounding to the result's type is
/// lowerElementwise's.
template <>
Value ElementwiseOpLowering<ConvertOp>::computeScalar(OpBuilder &, Location,
                                                      ValueRange args) {
  return args[0];
}

/// Dropout is the identity at inference.
struct DropoutLowering : public OpRewritePattern<DropoutOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DropoutOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

struct HypatiaToLinalgPass
    : public hypatia::impl::HypatiaToLinalgBase<HypatiaToLinalgPass> {
  using HypatiaToLinalgBase::HypatiaToLinalgBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns
        .add<LinearLayerLowering, FusedMLPLowering,
             ElementwiseActivationLowering, ElementwiseOpLowering<MulOp>,
             ElementwiseOpLowering<AddOp>, ElementwiseOpLowering<ConvertOp>>(
            context, computeF32InF64);
    patterns.add<DropoutLowering>(context);
    // Every pattern applies unconditionally and creates no hypatia op: the
    // greedy driver, in one sweep of the ops, suffices. (Dialect conversion
    // did the same in time quadratic in the number of ops: 6 s for a chain
    // of 8000 ReLUs.)
    // No folding or constant hoisting: the IR is the patterns' own, as a
    // conversion leaves it.
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true)
        .setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled)
        .enableFolding(false)
        .enableConstantCSE(false);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
    // Library calls and generated kernels stay whole until after
    // bufferization; anything else of the dialect left is a bug.
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (isa<HypatiaDialect>(op->getDialect()) &&
          !isa<LibraryLinearOp, MLPKernelOp>(op)) {
        op->emitOpError("was not lowered to linalg");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
