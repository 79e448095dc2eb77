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

/// `activation(op(lhs) @ op(rhs) + bias)` as an [M, N] tensor of the
/// operands' element type, op transposing where asked: one matmul into the
/// accumulator type, then at most one elementwise op (bias, activation and
/// rounding together). `bias` may be null.
static Value lowerMatrixProduct(OpBuilder &b, Location loc, Value lhs,
                                bool transposeLhs, Value rhs, bool transposeRhs,
                                Value bias, Activation activation,
                                bool computeF32InF64) {
  MLIRContext *context = b.getContext();
  Type elementType = cast<RankedTensorType>(lhs.getType()).getElementType();
  Type accumulatorType = getComputeType(elementType, computeF32InF64);

  SmallVector<OpFoldResult> productSizes = {
      tensor::getMixedSize(b, loc, lhs, transposeLhs ? 1 : 0),
      tensor::getMixedSize(b, loc, rhs, transposeRhs ? 0 : 1)};
  Value accumulatorInit =
      tensor::EmptyOp::create(b, loc, productSizes, accumulatorType);
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(accumulatorType));
  Value accumulator =
      linalg::FillOp::create(b, loc, zero, accumulatorInit).getResult(0);

  AffineExpr m, n, k;
  bindDims(context, m, n, k);
  auto map = [&](AffineExpr row, AffineExpr column) {
    return AffineMap::get(3, 0, {row, column}, context);
  };
  auto matmul =
      linalg::MatmulOp::create(b, loc, TypeRange{accumulator.getType()},
                               ValueRange{lhs, rhs}, ValueRange{accumulator});
  matmul.setIndexingMapsAttr(b.getAffineMapArrayAttr(
      {transposeLhs ? map(k, m) : map(m, k),
       transposeRhs ? map(n, k) : map(k, n), map(m, n)}));
  Value result = matmul.getResult(0);
  if (!bias && activation == Activation::none && elementType == accumulatorType)
    return result;

  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, context);
  SmallVector<Value> epilogueInputs = {result};
  SmallVector<AffineMap> maps = {identity};
  if (bias) {
    epilogueInputs.push_back(bias);
    maps.push_back(AffineMap::get(2, 0, {b.getAffineDimExpr(1)}, context));
  }
  maps.push_back(identity);
  Value epilogueInit =
      tensor::EmptyOp::create(b, loc, productSizes, elementType);
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
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
  return epilogue.getResult(0);
}

/// Lowers `activation(input @ weight^T + bias)` and returns a value of
/// `resultType`. `bias` may be null.
static Value lowerLinearLayer(OpBuilder &b, Location loc, Value input,
                              Value weight, Value bias, Activation activation,
                              RankedTensorType resultType,
                              bool computeF32InF64) {
  // [batch..., K] -> [M, K]: one GEMM over all batch dimensions.
  CollapsedInput collapsed = collapseBatchDims(b, loc, input);
  Value result2d = lowerMatrixProduct(b, loc, collapsed.matrix,
                                      /*transposeLhs=*/false, weight,
                                      /*transposeRhs=*/true, bias, activation,
                                      computeF32InF64);
  return expandBatchDims(b, loc, result2d, input, collapsed, resultType);
}

namespace {

/// A lowering to linalg that evaluates in the compute type of its element
/// type (f64 for f32 in the reference mode: `computeF32InF64`).
template <typename OpTy>
struct ComputeTypeLowering : public OpRewritePattern<OpTy> {
  ComputeTypeLowering(MLIRContext *context, bool computeF32InF64)
      : OpRewritePattern<OpTy>(context), computeF32InF64(computeF32InF64) {}

  bool computeF32InF64;
};

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

struct FusedMLPLowering : public ComputeTypeLowering<FusedMLPOp> {
  using ComputeTypeLowering::ComputeTypeLowering;

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
struct ElementwiseOpLowering : public ComputeTypeLowering<OpTy> {
  using ComputeTypeLowering<OpTy>::ComputeTypeLowering;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value result = lowerElementwise(rewriter, op.getLoc(), op->getOperands(),
                                    this->computeF32InF64, computeScalar,
                                    op.getType().getElementType());
    rewriter.replaceOp(op, result);
    return success();
  }

  static Value computeScalar(OpBuilder &b, Location loc, ValueRange args);
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

/// `grad * act'(input)` (see hypatia.activation_grad), elementwise.
struct ActivationGradLowering : public ComputeTypeLowering<ActivationGradOp> {
  using ComputeTypeLowering::ComputeTypeLowering;

  LogicalResult matchAndRewrite(ActivationGradOp op,
                                PatternRewriter &rewriter) const override {
    Activation activation = op.getActivation();
    Value result = lowerElementwise(
        rewriter, op.getLoc(), {op.getGrad(), op.getInput()}, computeF32InF64,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return buildActivationGrad(b, loc, args[0], args[1], activation);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct MatmulLowering : public ComputeTypeLowering<MatmulOp> {
  using ComputeTypeLowering::ComputeTypeLowering;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    Value result = lowerMatrixProduct(rewriter, op.getLoc(), op.getLhs(),
                                      op.getTransposeLhs(), op.getRhs(),
                                      op.getTransposeRhs(), /*bias=*/nullptr,
                                      Activation::none, computeF32InF64);
    // The product's sizes are the operands'; the result type may know more.
    if (result.getType() != op.getType())
      result =
          tensor::CastOp::create(rewriter, op.getLoc(), op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `sum_rows`: the batch dimensions collapsed into rows, then a reduction
/// whose parallel dimension (the columns) comes first, so that its loops are
/// a parallel loop over columns around a sequential one over rows, never a
/// sequential loop around parallel ones. Accumulated in the compute type and
/// rounded once.
struct SumRowsLowering : public ComputeTypeLowering<SumRowsOp> {
  using ComputeTypeLowering::ComputeTypeLowering;

  LogicalResult matchAndRewrite(SumRowsOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value matrix = collapseBatchDims(rewriter, loc, op.getInput()).matrix;
    RankedTensorType type = op.getType();
    Type computeType = getComputeType(type.getElementType(), computeF32InF64);
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, matrix, 1)};
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(computeType));
    Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, computeType);
    Value sums =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    AffineExpr column, row;
    bindDims(context, column, row);
    auto reduce = linalg::GenericOp::create(
        rewriter, loc, TypeRange{sums.getType()}, ValueRange{matrix},
        ValueRange{sums},
        ArrayRef<AffineMap>{AffineMap::get(2, 0, {row, column}, context),
                            AffineMap::get(2, 0, {column}, context)},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                      utils::IteratorType::reduction},
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value value = extendTo(b, nestedLoc, args[0], computeType);
          linalg::YieldOp::create(
              b, nestedLoc,
              arith::AddFOp::create(b, nestedLoc, args[1], value).getResult());
        });
    Value result = reduce.getResult(0);
    if (computeType != type.getElementType()) {
      Value rounded =
          tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
      AffineMap identity = rewriter.getMultiDimIdentityMap(1);
      result =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{rounded.getType()}, ValueRange{result},
              ValueRange{rounded}, ArrayRef<AffineMap>{identity, identity},
              ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
              [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
                linalg::YieldOp::create(
                    b, nestedLoc,
                    truncateTo(b, nestedLoc, args[0], type.getElementType()));
              })
              .getResult(0);
    }
    if (result.getType() != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The gate layer with its activation and the up layer, each rounded to the
/// element type as the unfused ops are, and their product.
struct GatedLinearLowering : public ComputeTypeLowering<GatedLinearOp> {
  using ComputeTypeLowering::ComputeTypeLowering;

  LogicalResult matchAndRewrite(GatedLinearOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value gate = lowerLinearLayer(
        rewriter, loc, op.getInput(), op.getGateWeight(), op.getGateBias(),
        op.getActivation(), op.getType(), computeF32InF64);
    Value up = lowerLinearLayer(rewriter, loc, op.getInput(), op.getUpWeight(),
                                op.getUpBias(), Activation::none, op.getType(),
                                computeF32InF64);
    rewriter.replaceOp(
        op, lowerElementwise(rewriter, loc, {gate, up}, computeF32InF64,
                             ElementwiseOpLowering<MulOp>::computeScalar));
    return success();
  }
};

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
    patterns.add<LinearLayerLowering, FusedMLPLowering, GatedLinearLowering,
                 ElementwiseActivationLowering, ElementwiseOpLowering<MulOp>,
                 ElementwiseOpLowering<AddOp>, ElementwiseOpLowering<ConvertOp>,
                 ActivationGradLowering, MatmulLowering, SumRowsLowering>(
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
