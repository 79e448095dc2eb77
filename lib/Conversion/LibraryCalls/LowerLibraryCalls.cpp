//===- LowerLibraryCalls.cpp - Library calls on buffers to runtime calls --===//
//
// After bufferization, each hypatia.library_linear on buffers becomes a call
// of the runtime's hypatia_linear_<dtype>[_nobias] (hypatiaLinear on memref
// descriptors), which runs one cuBLASLt GEMM with the epilogue fused (on the
// CPU, one oneDNN matmul); one with a second weight block becomes a call of
// hypatia_linear_pair_<dtype>[_nobias].
//
//===----------------------------------------------------------------------===//

#include "hypatia/Conversion/Passes.h"
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"
#include "hypatia/Runtime/Vocabulary.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace hypatia {
#define GEN_PASS_DEF_LOWERLIBRARYCALLS
#include "hypatia/Conversion/Passes.h.inc"
} // namespace hypatia

using namespace mlir;
using namespace hypatia;

namespace {

struct LowerLibraryCallsPass
    : public hypatia::impl::LowerLibraryCallsBase<LowerLibraryCallsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<LibraryLinearOp> calls;
    getOperation().walk([&](LibraryLinearOp op) { calls.push_back(op); });
    for (LibraryLinearOp op : calls)
      if (failed(lower(op)))
        return signalPassFailure();
  }

  /// The runtime function for `elementType`, declared on first use.
  /// With `pair`, the function of a weight in two row blocks
  /// (hypatia_linear_pair_*: weight, second weight, then the biases).
  func::FuncOp getRuntimeFunction(Type elementType, bool withBias, bool pair) {
    ModuleOp module = getOperation();
    std::string name =
        ((pair ? "hypatia_linear_pair_" : "hypatia_linear_") +
         getElementTypeName(*hypatia::getElementType(elementType)) +
         (withBias ? "" : "_nobias"))
            .str();
    if (auto existing = module.lookupSymbol<func::FuncOp>(name))
      return existing;
    MLIRContext *context = module.getContext();
    // Any strides and offset: a weight may be rows of a larger one (a chunked
    // layer); the runtime checks that rows are dense.
    constexpr int64_t dynamic = ShapedType::kDynamic;
    auto matrix = MemRefType::get(
        {dynamic, dynamic}, elementType,
        StridedLayoutAttr::get(context, dynamic, {dynamic, dynamic}));
    SmallVector<Type> inputs = {matrix, matrix};
    if (pair)
      inputs.push_back(matrix);
    auto vector =
        MemRefType::get({dynamic}, elementType,
                        StridedLayoutAttr::get(context, dynamic, {dynamic}));
    if (withBias)
      inputs.append(pair ? 2 : 1, vector);
    // The activation (a hypatia_activation), whether TF32 is allowed, and
    // which operands are stored transposed (hypatia_layout bits).
    auto int32 = IntegerType::get(context, 32);
    inputs.append({matrix, int32, int32, int32});
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    auto function = func::FuncOp::create(
        builder, module.getLoc(), name,
        FunctionType::get(context, inputs, /*results=*/{}));
    function.setPrivate();
    // Memref descriptors are passed by pointer: the runtime's C functions
    // are _mlir_ciface_<name>.
    function->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                      UnitAttr::get(context));
    return function;
  }

  LogicalResult lower(LibraryLinearOp op) {
    if (op.getResult())
      return op.emitOpError("is still on tensors: run it after bufferization");
    SmallVector<Value> values = {op.getInput(), op.getWeight()};
    if (op.getSecondWeight())
      values.push_back(op.getSecondWeight());
    if (op.getBias())
      values.push_back(op.getBias());
    if (op.getSecondBias())
      values.push_back(op.getSecondBias());
    values.push_back(op.getInit());
    // The runtime reads rows of contiguous elements (and checks the rest).
    for (Value value : values) {
      auto type = cast<MemRefType>(value.getType());
      SmallVector<int64_t> strides;
      int64_t offset;
      if (failed(type.getStridesAndOffset(strides, offset)) ||
          strides.back() != 1)
        return op.emitOpError() << "operand of type " << type
                                << " does not have contiguous rows";
    }

    Type elementType =
        cast<MemRefType>(op.getInput().getType()).getElementType();
    func::FuncOp function = getRuntimeFunction(
        elementType, op.getBias() != nullptr, op.getSecondWeight() != nullptr);
    OpBuilder b(op);
    Location loc = op.getLoc();
    SmallVector<Value> operands;
    for (auto [value, type] :
         llvm::zip(values, function.getFunctionType().getInputs()))
      operands.push_back(value.getType() == type
                             ? value
                             : memref::CastOp::create(b, loc, type, value));
    // The dialect's activations are the runtime's codes (Vocabulary.h).
    operands.push_back(arith::ConstantIntOp::create(
        b, loc, static_cast<int64_t>(op.getEpilogue()), 32));
    operands.push_back(
        arith::ConstantIntOp::create(b, loc, op.getAllowTf32() ? 1 : 0, 32));
    int64_t layout = (op.getInputTransposed() ? HYPATIA_INPUT_TRANSPOSED : 0) |
                     (op.getWeightTransposed() ? HYPATIA_WEIGHT_TRANSPOSED : 0);
    operands.push_back(arith::ConstantIntOp::create(b, loc, layout, 32));
    func::CallOp::create(b, loc, function, operands);
    op.erase();
    return success();
  }
};

} // namespace
