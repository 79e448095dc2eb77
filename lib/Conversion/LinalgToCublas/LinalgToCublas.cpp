//===- LinalgToCublas.cpp - Linear layers as runtime GEMM calls -*- C++ -*-===//
//
// Matches, on buffers, the ops hypatia-to-linalg emits for one linear layer
// (zero fill, transposed-B matmul, tagged epilogue) and replaces them with one
// call of the runtime, which runs a cuBLASLt GEMM with the epilogue fused.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Conversion/Passes.h"
#include "hypatia/Conversion/ScalarActivations.h"
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"
#include "hypatia/Runtime/Runtime.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Matchers.h"

namespace hypatia {
#define GEN_PASS_DEF_LINALGTOCUBLAS
#include "hypatia/Conversion/Passes.h.inc"
} // namespace hypatia

using namespace mlir;
using namespace hypatia;

/// Whether `matmul` reads its second operand transposed: (m, k) x (n, k).
static bool readsWeightTransposed(linalg::MatmulOp matmul) {
  MLIRContext *context = matmul.getContext();
  AffineExpr m, n, k;
  bindDims(context, m, n, k);
  SmallVector<AffineMap> expected = {AffineMap::get(3, 0, {m, k}, context),
                                     AffineMap::get(3, 0, {n, k}, context),
                                     AffineMap::get(3, 0, {m, n}, context)};
  return matmul.getIndexingMapsArray() == ArrayRef<AffineMap>(expected);
}

/// The `linalg.fill` of zeros into `buffer` that precedes `user` in its block.
static linalg::FillOp findZeroFill(Value buffer, Operation *user) {
  for (Operation *candidate : buffer.getUsers()) {
    auto fill = dyn_cast<linalg::FillOp>(candidate);
    if (!fill || fill.getOutputs()[0] != buffer ||
        fill->getBlock() != user->getBlock() || !fill->isBeforeInBlock(user))
      continue;
    if (matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
      return fill;
  }
  return nullptr;
}

/// The epilogue hypatia-to-linalg tagged, reading `accumulator` first.
static linalg::GenericOp findEpilogue(Value accumulator) {
  for (Operation *user : accumulator.getUsers())
    if (auto generic = dyn_cast<linalg::GenericOp>(user))
      if (generic->hasAttr(kEpilogueActivationAttrName) &&
          generic.getInputs()[0] == accumulator)
        return generic;
  return nullptr;
}

/// The runtime's code for an activation cuBLASLt applies in its epilogue
/// (the C ABI's hypatia_activation, not the dialect's enum).
static hypatia_activation getRuntimeActivation(Activation activation) {
  switch (activation) {
  case Activation::relu:
    return HYPATIA_ACTIVATION_RELU;
  case Activation::gelu_tanh:
    return HYPATIA_ACTIVATION_GELU_TANH;
  default:
    return HYPATIA_ACTIVATION_NONE;
  }
}

static StringRef getDTypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  return "";
}

/// Row-major memrefs only: the runtime reads them as dense matrices.
static bool isDense(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.getLayout().isIdentity();
}

namespace {

struct LinalgToCublasPass
    : public hypatia::impl::LinalgToCublasBase<LinalgToCublasPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp matmul) {
      if (matmul.hasPureBufferSemantics() && readsWeightTransposed(matmul))
        matmuls.push_back(matmul);
    });
    for (linalg::MatmulOp matmul : matmuls)
      rewrite(matmul);
  }

  /// The runtime function for `elementType`, declared on first use.
  func::FuncOp getRuntimeFunction(Type elementType, bool withBias) {
    ModuleOp module = getOperation();
    std::string name = ("hypatia_linear_" + getDTypeName(elementType) +
                        (withBias ? "" : "_nobias"))
                           .str();
    if (auto existing = module.lookupSymbol<func::FuncOp>(name))
      return existing;
    MLIRContext *context = module.getContext();
    auto matrix = MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                                  elementType);
    SmallVector<Type> inputs = {matrix, matrix};
    if (withBias)
      inputs.push_back(MemRefType::get({ShapedType::kDynamic}, elementType));
    // The activation (hypatia_activation) and whether TF32 is allowed.
    inputs.append(
        {matrix, IntegerType::get(context, 32), IntegerType::get(context, 32)});
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

  /// Calls the runtime: y = activation(x @ w^T + bias), for an activation
  /// cuBLASLt can apply (none, relu, gelu_tanh).
  void createCall(OpBuilder &b, Location loc, Value x, Value w, Value bias,
                  Value y, Activation activation) {
    Type elementType = cast<MemRefType>(x.getType()).getElementType();
    func::FuncOp function = getRuntimeFunction(elementType, bias != nullptr);
    SmallVector<Value> operands;
    ArrayRef<Type> parameters = function.getFunctionType().getInputs();
    SmallVector<Value> values = {x, w};
    if (bias)
      values.push_back(bias);
    values.push_back(y);
    for (auto [value, type] : llvm::zip(values, parameters))
      operands.push_back(value.getType() == type
                             ? value
                             : memref::CastOp::create(b, loc, type, value));
    operands.push_back(arith::ConstantIntOp::create(
        b, loc, getRuntimeActivation(activation), 32));
    operands.push_back(arith::ConstantIntOp::create(b, loc, allowTF32, 32));
    func::CallOp::create(b, loc, function, operands);
  }

  void rewrite(linalg::MatmulOp matmul) {
    Value x = matmul.getInputs()[0], w = matmul.getInputs()[1];
    Value accumulator = matmul.getOutputs()[0];
    Type elementType = cast<MemRefType>(x.getType()).getElementType();
    if (getDTypeName(elementType).empty() ||
        cast<MemRefType>(w.getType()).getElementType() != elementType ||
        !isDense(x) || !isDense(w) || !isDense(accumulator))
      return;
    linalg::FillOp fill = findZeroFill(accumulator, matmul);
    if (!fill)
      return;
    Location loc = matmul.getLoc();
    linalg::GenericOp epilogue = findEpilogue(accumulator);

    if (!epilogue) {
      // A plain f32 GEMM writing its result directly.
      if (cast<MemRefType>(accumulator.getType()).getElementType() !=
          elementType)
        return;
      OpBuilder b(matmul);
      createCall(b, loc, x, w, /*bias=*/nullptr, accumulator, Activation::none);
      matmul.erase();
      fill.erase();
      return;
    }

    auto activation =
        cast<ActivationAttr>(epilogue->getAttr(kEpilogueActivationAttrName))
            .getValue();
    Value bias = epilogue->hasAttr(kEpilogueHasBiasAttrName)
                     ? epilogue.getInputs()[1]
                     : Value();
    Value y = epilogue.getOutputs()[0];
    if (cast<MemRefType>(y.getType()).getElementType() != elementType ||
        !isDense(y) || (bias && !isDense(bias)))
      return;

    OpBuilder b(epilogue);
    Location epilogueLoc = epilogue.getLoc();
    // cuBLASLt's GELU is an approximation (up to 2.5e-5 relative per element
    // in f32, measured on an H100): fused for f16/bf16 only, so that f32
    // layers stay within 1e-5.
    bool fusable =
        activation == Activation::none || activation == Activation::relu ||
        (activation == Activation::gelu_tanh && !elementType.isF32());
    if (fusable) {
      createCall(b, epilogueLoc, x, w, bias, y, activation);
    } else {
      // GEMM and bias in cuBLASLt, rounded to the element type; the
      // activation in an elementwise op.
      auto yType = cast<MemRefType>(y.getType());
      SmallVector<Value> dynamicSizes;
      for (int64_t i = 0; i < yType.getRank(); ++i)
        if (yType.isDynamicDim(i))
          dynamicSizes.push_back(memref::DimOp::create(b, epilogueLoc, y, i));
      Value temporary =
          memref::AllocOp::create(b, epilogueLoc, yType, dynamicSizes);
      createCall(b, epilogueLoc, x, w, bias, temporary, Activation::none);
      AffineMap identity = b.getMultiDimIdentityMap(yType.getRank());
      SmallVector<utils::IteratorType> iterators(yType.getRank(),
                                                 utils::IteratorType::parallel);
      Type computeType = getComputeType(elementType, /*computeF32InF64=*/false);
      linalg::GenericOp::create(
          b, epilogueLoc, ValueRange{temporary}, ValueRange{y},
          ArrayRef<AffineMap>{identity, identity}, iterators,
          [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
            Value value = buildActivation(
                nested, nestedLoc,
                extendTo(nested, nestedLoc, args[0], computeType), activation);
            linalg::YieldOp::create(
                nested, nestedLoc,
                truncateTo(nested, nestedLoc, value, elementType));
          });
      memref::DeallocOp::create(b, epilogueLoc, temporary);
    }
    epilogue.erase();
    matmul.erase();
    fill.erase();

    // The accumulator is no longer read: its allocation goes too.
    auto allocation = accumulator.getDefiningOp<memref::AllocOp>();
    if (allocation && llvm::all_of(accumulator.getUsers(), [](Operation *user) {
          return isa<memref::DeallocOp>(user);
        })) {
      for (Operation *user : llvm::make_early_inc_range(accumulator.getUsers()))
        user->erase();
      allocation.erase();
    }
  }
};

} // namespace
