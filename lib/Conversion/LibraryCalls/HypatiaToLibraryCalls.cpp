//===- HypatiaToLibraryCalls.cpp - Linear layers as library calls -*- C++ -*-=//
//
// On tensors, before anything else is lowered: each linear layer becomes one
// hypatia.library_linear (the batch dimensions collapsed around it) with the
// epilogue the target's GEMM library applies; an activation it cannot apply
// follows as the elementwise hypatia op, which hypatia-to-linalg turns into
// a kernel. A fused_mlp becomes one hypatia.mlp_kernel (the batch dimensions
// collapsed around it) where the target's generated kernel computes it, else
// its chain of layers. The products of a backward pass (hypatia.matmul) and
// its bias gradients (hypatia.sum_rows, a product with a row of ones) are
// library calls too, and so are a gated_linear's two projections, as one
// call into [M, 2N] followed by the gate on its two halves.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Conversion/BatchDims.h"
#include "hypatia/Conversion/BufferAlignment.h"
#include "hypatia/Conversion/Passes.h"
#include "hypatia/Dialect/Hypatia/IR/Target.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace hypatia {
#define GEN_PASS_DEF_HYPATIATOLIBRARYCALLS
#include "hypatia/Conversion/Passes.h.inc"
} // namespace hypatia

using namespace mlir;
using namespace hypatia;

/// A destination for an op computing `outFeatures` features per row of
/// `input` ([batch..., K]): a tensor of the result's own shape, seen as
/// [M, N] through the same collapse as the input. After bufferization the
/// expanded result is that buffer itself, which can then become the caller's
/// output buffer without a copy.
static Value createCollapsedDestination(OpBuilder &b, Location loc, Value input,
                                        const CollapsedInput &collapsed,
                                        int64_t outFeatures, Type elementType) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  sizes.back() = b.getIndexAttr(outFeatures);
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  if (!collapsed.reassociation.empty())
    init =
        tensor::CollapseShapeOp::create(b, loc, init, collapsed.reassociation);
  return init;
}

namespace {

/// A lowering to library calls: the target says which element types have a
/// GEMM library and which epilogues it applies; f32 GEMMs may use TF32 where
/// the pass allows it.
template <typename OpTy>
struct LibraryCallPattern : public OpRewritePattern<OpTy> {
  LibraryCallPattern(MLIRContext *context, const TargetInfo &target,
                     bool allowTF32)
      : OpRewritePattern<OpTy>(context), target(target), allowTF32(allowTF32) {}

  const TargetInfo &target;
  bool allowTF32;
};

struct LinearLayerToLibraryCall
    : public OpInterfaceRewritePattern<LinearLayerOpInterface> {
  LinearLayerToLibraryCall(MLIRContext *context, const TargetInfo &target,
                           bool allowTF32)
      : OpInterfaceRewritePattern(context), target(target),
        allowTF32(allowTF32) {}

  LogicalResult matchAndRewrite(LinearLayerOpInterface layer,
                                PatternRewriter &rewriter) const override {
    Operation *op = layer.getOperation();
    Location loc = op->getLoc();
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    Type elementType = resultType.getElementType();
    if (!target.hasGemmLibrary(*getElementType(elementType)))
      return rewriter.notifyMatchFailure(op, "no GEMM library for its type");
    Activation activation = layer.getActivationKind();
    bool fused =
        target.gemmFusesActivation(*getElementType(elementType), activation);

    CollapsedInput collapsed =
        collapseBatchDims(rewriter, loc, layer.getInput());
    Value init =
        createCollapsedDestination(rewriter, loc, layer.getInput(), collapsed,
                                   resultType.getShape().back(), elementType);
    Value result =
        LibraryLinearOp::create(rewriter, loc, init.getType(), collapsed.matrix,
                                layer.getWeight(), layer.getBias(),
                                /*second_weight=*/nullptr,
                                /*second_bias=*/nullptr, init,
                                fused ? activation : Activation::none,
                                allowTF32 && elementType.isF32())
            .getResult();
    result = expandBatchDims(rewriter, loc, result, layer.getInput(), collapsed,
                             resultType);
    if (!fused)
      result = createElementwiseActivation(rewriter, loc, activation, result)
                   ->getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }

  const TargetInfo &target;
  bool allowTF32;
};

/// Whether `first` and `second` are consecutive row blocks of one tensor:
/// whole-row slices with unit strides, `second` starting where `first` ends
/// (timm's GluMlp chunks one projection so).
static bool arePrecedingRows(Value first, Value second) {
  auto firstSlice = first.getDefiningOp<tensor::ExtractSliceOp>();
  auto secondSlice = second.getDefiningOp<tensor::ExtractSliceOp>();
  if (!firstSlice || !secondSlice ||
      firstSlice.getSource() != secondSlice.getSource())
    return false;
  auto sourceType = firstSlice.getSourceType();
  for (tensor::ExtractSliceOp slice : {firstSlice, secondSlice}) {
    ArrayRef<int64_t> offsets = slice.getStaticOffsets();
    ArrayRef<int64_t> sizes = slice.getStaticSizes();
    if (!llvm::all_of(slice.getStaticStrides(),
                      [](int64_t stride) { return stride == 1; }) ||
        ShapedType::isDynamic(offsets[0]) || ShapedType::isDynamic(sizes[0]))
      return false;
    for (int64_t d = 1, e = sourceType.getRank(); d < e; ++d)
      if (offsets[d] != 0 || sizes[d] != sourceType.getDimSize(d))
        return false;
  }
  return firstSlice.getStaticOffsets()[0] + firstSlice.getStaticSizes()[0] ==
         secondSlice.getStaticOffsets()[0];
}

/// Gate and up as one library call into [M, 2N] (one GEMM where the runtime
/// finds the weights adjacent), then the activation of the gate's half times
/// the other: elementwise hypatia ops on the two halves, which
/// hypatia-to-linalg lowers and fuses into one pass. The gate's weight comes
/// first, unless the up projection's rows are known to lie just before it
/// (then that order is one matrix).
struct GatedLinearToLibraryCall : public LibraryCallPattern<GatedLinearOp> {
  using LibraryCallPattern::LibraryCallPattern;

  LogicalResult matchAndRewrite(GatedLinearOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type elementType = resultType.getElementType();
    int64_t width = resultType.getShape().back();
    // Halves whose rows hold no whole vectors would be read element by
    // element (0.42 of the copy bandwidth for bf16 rows of 3071 on the H200,
    // against 0.86 for the same gate on two dense buffers): such widths are
    // two layers into two buffers, as are types without a GEMM library.
    if (!target.hasGemmLibrary(*getElementType(elementType)) ||
        (width * elementType.getIntOrFloatBitWidth() / 8) %
                kElementwiseVectorBytes !=
            0) {
      rewriter.replaceOp(op, createUnfusedGatedLinear(rewriter, loc, op));
      return success();
    }
    CollapsedInput collapsed = collapseBatchDims(rewriter, loc, op.getInput());
    Value init = createCollapsedDestination(rewriter, loc, op.getInput(),
                                            collapsed, 2 * width, elementType);
    bool upFirst = arePrecedingRows(op.getUpWeight(), op.getGateWeight()) &&
                   (!op.getGateBias() ||
                    arePrecedingRows(op.getUpBias(), op.getGateBias()));
    Value firstWeight = upFirst ? op.getUpWeight() : op.getGateWeight();
    Value firstBias = upFirst ? op.getUpBias() : op.getGateBias();
    Value secondWeight = upFirst ? op.getGateWeight() : op.getUpWeight();
    Value secondBias = upFirst ? op.getGateBias() : op.getUpBias();
    Value both = LibraryLinearOp::create(
                     rewriter, loc, init.getType(), collapsed.matrix,
                     firstWeight, firstBias, secondWeight, secondBias, init,
                     Activation::none, allowTF32 && elementType.isF32())
                     .getResult();
    OpFoldResult rows = tensor::getMixedSize(rewriter, loc, both, 0);
    auto half = [&](int64_t firstColumn) -> Value {
      return tensor::ExtractSliceOp::create(
          rewriter, loc, both,
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0),
                                 rewriter.getIndexAttr(firstColumn)},
          ArrayRef<OpFoldResult>{rows, rewriter.getIndexAttr(width)},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1),
                                 rewriter.getIndexAttr(1)});
    };
    Value gate = createElementwiseActivation(rewriter, loc, op.getActivation(),
                                             half(upFirst ? width : 0))
                     ->getResult(0);
    Value product =
        MulOp::create(rewriter, loc, gate, half(upFirst ? 0 : width));
    rewriter.replaceOp(op,
                       expandBatchDims(rewriter, loc, product, op.getInput(),
                                       collapsed, resultType));
    return success();
  }
};

/// `op(lhs) @ op(rhs)` as a library call: as the library sees it, the
/// input is op(lhs) and the weight op(rhs)^T, each read in the layout it is
/// stored in.
struct MatmulToLibraryCall : public LibraryCallPattern<MatmulOp> {
  using LibraryCallPattern::LibraryCallPattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    if (!target.hasGemmLibrary(*getElementType(type.getElementType())))
      return rewriter.notifyMatchFailure(op, "no GEMM library for its type");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, op.getLhs(), op.getLhsRowDim()),
        tensor::getMixedSize(rewriter, loc, op.getRhs(), op.getRhsColumnDim())};
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    auto call = LibraryLinearOp::create(
        rewriter, loc, init.getType(), op.getLhs(), op.getRhs(),
        /*bias=*/nullptr, /*second_weight=*/nullptr, /*second_bias=*/nullptr,
        init, Activation::none, allowTF32 && type.getElementType().isF32());
    call.setInputTransposed(op.getTransposeLhs());
    call.setWeightTransposed(!op.getTransposeRhs());
    Value result = call.getResult();
    if (result.getType() != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `sum_rows` as a product with a row of ones, `ones [1, M] @ x [M, N]`: the
/// GEMM library streams x once with a wide reduction over rows; a generated
/// loop would give each column one thread.
struct SumRowsToLibraryCall : public OpRewritePattern<SumRowsOp> {
  SumRowsToLibraryCall(MLIRContext *context, const TargetInfo &target)
      : OpRewritePattern(context), target(target) {}

  LogicalResult matchAndRewrite(SumRowsOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type elementType = type.getElementType();
    if (!target.hasGemmLibrary(*getElementType(elementType)))
      return rewriter.notifyMatchFailure(op, "no GEMM library for its type");
    Location loc = op.getLoc();
    Value matrix = collapseBatchDims(rewriter, loc, op.getInput()).matrix;
    SmallVector<OpFoldResult> onesSizes = {
        rewriter.getIndexAttr(1),
        tensor::getMixedSize(rewriter, loc, matrix, 0)};
    Value one = arith::ConstantOp::create(
        rewriter, loc, rewriter.getFloatAttr(elementType, 1.0));
    Value onesInit =
        tensor::EmptyOp::create(rewriter, loc, onesSizes, elementType);
    Value ones =
        linalg::FillOp::create(rewriter, loc, one, onesInit).getResult(0);
    SmallVector<OpFoldResult> sizes = {
        rewriter.getIndexAttr(1),
        tensor::getMixedSize(rewriter, loc, matrix, 1)};
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, elementType);
    auto call = LibraryLinearOp::create(
        rewriter, loc, init.getType(), ones, matrix, /*bias=*/nullptr,
        /*second_weight=*/nullptr,
        /*second_bias=*/nullptr, init, Activation::none, /*allowTF32=*/false);
    call.setWeightTransposed(true);
    Value row = call.getResult();
    auto rowType = cast<RankedTensorType>(row.getType());
    Value result = tensor::CollapseShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({rowType.getDimSize(1)}, elementType), row,
        ArrayRef<ReassociationIndices>{{0, 1}});
    if (result.getType() != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }

  const TargetInfo &target;
};

struct FusedMLPLowering : public OpRewritePattern<FusedMLPOp> {
  FusedMLPLowering(MLIRContext *context, const TargetInfo &target)
      : OpRewritePattern(context), target(target) {}

  LogicalResult matchAndRewrite(FusedMLPOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getType();
    Type elementType = resultType.getElementType();
    SmallVector<int64_t> widths = {op.getInput().getType().getShape().back()};
    for (Value weight : op.getWeights())
      widths.push_back(cast<RankedTensorType>(weight.getType()).getDimSize(0));
    if (target.fusedMLPKernelFits(*getElementType(elementType), widths,
                                  !op.getBiases().empty())) {
      Location loc = op.getLoc();
      CollapsedInput collapsed =
          collapseBatchDims(rewriter, loc, op.getInput());
      Value init = createCollapsedDestination(
          rewriter, loc, op.getInput(), collapsed, widths.back(), elementType);
      Value result =
          MLPKernelOp::create(rewriter, loc, init.getType(), collapsed.matrix,
                              op.getWeights(), op.getBiases(), init,
                              op.getActivations())
              .getResult();
      rewriter.replaceOp(op,
                         expandBatchDims(rewriter, loc, result, op.getInput(),
                                         collapsed, resultType));
      return success();
    }
    Value hidden = op.getInput();
    for (unsigned i = 0, e = op.getNumLayers(); i < e; ++i)
      hidden =
          createLinearLayer(rewriter, op.getLoc(), op.getActivationOfLayer(i),
                            hidden, op.getWeights()[i], op.getBiasOfLayer(i))
              ->getResult(0);
    rewriter.replaceOp(op, hidden);
    return success();
  }

  const TargetInfo &target;
};

struct HypatiaToLibraryCallsPass
    : public hypatia::impl::HypatiaToLibraryCallsBase<
          HypatiaToLibraryCallsPass> {
  using Base::Base;

  void runOnOperation() override {
    TargetInfo target = TargetInfo::getFor(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<LinearLayerToLibraryCall, GatedLinearToLibraryCall,
                 MatmulToLibraryCall>(&getContext(), target, allowTF32);
    patterns.add<SumRowsToLibraryCall>(&getContext(), target);
    patterns.add<FusedMLPLowering>(&getContext(), target);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
