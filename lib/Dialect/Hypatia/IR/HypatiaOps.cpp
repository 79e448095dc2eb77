//===- HypatiaOps.cpp - Hypatia operations ----------------------*- C++ -*-===//

#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"
#include "hypatia/Dialect/Hypatia/IR/Target.h"
#include "hypatia/Runtime/Vocabulary.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace hypatia;

//===----------------------------------------------------------------------===//
// Shape checks shared by every linear layer
//===----------------------------------------------------------------------===//

/// Prints a shape the way users read it in PyTorch: `[?, 2048]`.
static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(shape, os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << '?';
    else
      os << dim;
  });
  os << ']';
  return text;
}

static std::string formatShape(RankedTensorType type) {
  return formatShape(type.getShape());
}

/// Whether two sizes, either possibly dynamic, can be equal.
static bool sizesAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Checks one layer `x @ weight^T + bias`. `layerName` prefixes the messages
/// of multi-layer ops.
static LogicalResult verifyLayerOperands(Operation *op, StringRef layerName,
                                         RankedTensorType inputType,
                                         RankedTensorType weightType,
                                         RankedTensorType biasType) {
  auto error = [&]() {
    InFlightDiagnostic diag = op->emitOpError();
    if (!layerName.empty())
      diag << layerName << ": ";
    return diag;
  };
  if (inputType.getRank() < 2)
    return error() << "input must have rank >= 2 ([batch..., in_features]), "
                      "got "
                   << formatShape(inputType);
  int64_t inFeatures = inputType.getShape().back();
  if (ShapedType::isDynamic(inFeatures))
    return error() << "input features (the last dimension) must be static, "
                      "got input "
                   << formatShape(inputType);
  if (weightType.getRank() != 2 || !weightType.hasStaticShape())
    return error() << "weight must be a static [out_features, in_features] "
                      "matrix, got "
                   << formatShape(weightType);
  if (weightType.getDimSize(1) != inFeatures)
    return error() << "weight " << formatShape(weightType)
                   << " does not match input features " << inFeatures
                   << " (input " << formatShape(inputType)
                   << "): expected weight [" << weightType.getDimSize(0) << ", "
                   << inFeatures << "]";
  int64_t outFeatures = weightType.getDimSize(0);
  if (biasType &&
      (biasType.getRank() != 1 || biasType.getDimSize(0) != outFeatures))
    return error() << "bias " << formatShape(biasType)
                   << " does not match weight " << formatShape(weightType)
                   << ": expected bias [" << outFeatures << "]";

  Type elementType = inputType.getElementType();
  if (weightType.getElementType() != elementType)
    return error() << "element types differ: input " << elementType
                   << ", weight " << weightType.getElementType();
  if (biasType && biasType.getElementType() != elementType)
    return error() << "element types differ: input " << elementType << ", bias "
                   << biasType.getElementType();
  return success();
}

SmallVector<int64_t>
hypatia::getLinearLayerResultShape(ArrayRef<int64_t> inputShape,
                                   ArrayRef<int64_t> weightShape) {
  SmallVector<int64_t> shape(inputShape.drop_back());
  shape.push_back(weightShape.front());
  return shape;
}

RankedTensorType hypatia::getLinearLayerResultType(Value input, Value weight) {
  auto inputType = cast<RankedTensorType>(input.getType());
  return RankedTensorType::get(
      getLinearLayerResultShape(
          inputType.getShape(),
          cast<RankedTensorType>(weight.getType()).getShape()),
      inputType.getElementType());
}

/// Checks that the result is the input's batch dimensions followed by N.
static LogicalResult verifyLayerResult(Operation *op,
                                       RankedTensorType inputType,
                                       RankedTensorType weightType,
                                       RankedTensorType resultType) {
  int64_t outFeatures = weightType.getDimSize(0);
  SmallVector<int64_t> expected =
      getLinearLayerResultShape(inputType.getShape(), weightType.getShape());
  if (resultType.getShape() != ArrayRef<int64_t>(expected))
    return op->emitOpError()
           << "result " << formatShape(resultType) << " does not match "
           << formatShape(expected) << " (the input's batch dimensions "
           << formatShape(inputType.getShape().drop_back())
           << " followed by out_features " << outFeatures << ")";
  if (resultType.getElementType() != inputType.getElementType())
    return op->emitOpError()
           << "result element type " << resultType.getElementType()
           << " differs from input element type " << inputType.getElementType();
  return success();
}

static RankedTensorType getTypeOrNull(Value value) {
  return value ? cast<RankedTensorType>(value.getType()) : RankedTensorType();
}

LogicalResult hypatia::detail::verifyLinearLayer(Operation *op) {
  auto layer = cast<LinearLayerOpInterface>(op);
  RankedTensorType inputType = layer.getInput().getType();
  RankedTensorType weightType = layer.getWeight().getType();
  if (failed(verifyLayerOperands(op, /*layerName=*/"", inputType, weightType,
                                 getTypeOrNull(layer.getBias()))))
    return failure();
  return verifyLayerResult(op, inputType, weightType,
                           cast<RankedTensorType>(op->getResult(0).getType()));
}

std::optional<ElementType> hypatia::getElementType(Type type) {
  if (type.isF32())
    return ElementType::F32;
  if (type.isF16())
    return ElementType::F16;
  if (type.isBF16())
    return ElementType::BF16;
  return std::nullopt;
}

Type hypatia::getMLIRType(MLIRContext *context, ElementType type) {
  switch (type) {
  case ElementType::F32:
    return Float32Type::get(context);
  case ElementType::F16:
    return Float16Type::get(context);
  case ElementType::BF16:
    return BFloat16Type::get(context);
  }
  llvm_unreachable("unknown element type");
}

Activation hypatia::getGeluActivation(GeluApproximation approximate) {
  return approximate == GeluApproximation::tanh ? Activation::gelu_tanh
                                                : Activation::gelu_erf;
}

//===----------------------------------------------------------------------===//
// Linear layer ops
//===----------------------------------------------------------------------===//

Activation LinearOp::getActivationKind() { return Activation::none; }
Activation FusedLinearReluOp::getActivationKind() { return Activation::relu; }
Activation FusedLinearGeluOp::getActivationKind() {
  return getGeluActivation(getApproximate());
}
Activation FusedLinearSiluOp::getActivationKind() { return Activation::silu; }

//===----------------------------------------------------------------------===//
// FusedMLPOp
//===----------------------------------------------------------------------===//

/// Parses `[relu, gelu_tanh, none]`.
static ParseResult parseActivationList(OpAsmParser &parser,
                                       ArrayAttr &activations) {
  SmallVector<Attribute> elements;
  MLIRContext *context = parser.getContext();
  auto parseOne = [&]() -> ParseResult {
    StringRef keyword;
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseKeyword(&keyword))
      return failure();
    std::optional<Activation> activation = symbolizeActivation(keyword);
    if (!activation)
      return parser.emitError(loc)
             << "unknown activation '" << keyword
             << "': expected none, relu, gelu_erf, gelu_tanh or silu";
    elements.push_back(ActivationAttr::get(context, *activation));
    return success();
  };
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Square, parseOne))
    return failure();
  activations = ArrayAttr::get(context, elements);
  return success();
}

static void printActivationList(OpAsmPrinter &printer, Operation *,
                                ArrayAttr activations) {
  printer << '[';
  llvm::interleaveComma(activations, printer, [&](Attribute attr) {
    printer << stringifyActivation(cast<ActivationAttr>(attr).getValue());
  });
  printer << ']';
}

Activation FusedMLPOp::getActivationOfLayer(unsigned i) {
  return cast<ActivationAttr>(getActivations()[i]).getValue();
}

LogicalResult FusedMLPOp::verify() {
  unsigned numLayers = getNumLayers();
  if (numLayers < 2)
    return emitOpError() << "needs at least two layers, got " << numLayers
                         << "; use hypatia.linear or a fused_linear_* op for "
                            "a single layer";
  if (!getBiases().empty() && getBiases().size() != numLayers)
    return emitOpError() << "has " << getBiases().size() << " biases for "
                         << numLayers
                         << " layers: give one bias per layer or none";
  if (getActivations().size() != numLayers)
    return emitOpError() << "has " << getActivations().size()
                         << " activations for " << numLayers << " layers";

  RankedTensorType inputType = getInput().getType();
  RankedTensorType layerInputType = inputType;
  RankedTensorType weightType;
  for (unsigned i = 0; i < numLayers; ++i) {
    std::string layerName = "layer " + std::to_string(i);
    weightType = cast<RankedTensorType>(getWeights()[i].getType());
    if (failed(verifyLayerOperands(*this, layerName, layerInputType, weightType,
                                   getTypeOrNull(getBiasOfLayer(i)))))
      return failure();
    layerInputType = RankedTensorType::get(
        getLinearLayerResultShape(layerInputType.getShape(),
                                  weightType.getShape()),
        inputType.getElementType());
  }
  return verifyLayerResult(*this, layerInputType, weightType, getType());
}

//===----------------------------------------------------------------------===//
// GatedLinearOp
//===----------------------------------------------------------------------===//

LogicalResult GatedLinearOp::verify() {
  if (getBiases().size() != 0 && getBiases().size() != 2)
    return emitOpError() << "has " << getBiases().size()
                         << " biases: give the gate's and the up "
                            "projection's, or none";
  if (getActivation() == Activation::none)
    return emitOpError("needs an activation on the gate (relu, gelu_erf, "
                       "gelu_tanh or silu)");
  RankedTensorType inputType = getInput().getType();
  RankedTensorType gateType = getGateWeight().getType();
  RankedTensorType upType = getUpWeight().getType();
  if (failed(verifyLayerOperands(*this, "gate", inputType, gateType,
                                 getTypeOrNull(getGateBias()))) ||
      failed(verifyLayerOperands(*this, "up", inputType, upType,
                                 getTypeOrNull(getUpBias()))))
    return failure();
  if (gateType != upType)
    return emitOpError() << "gate weight " << formatShape(gateType)
                         << " and up weight " << formatShape(upType)
                         << " differ: the product needs equal widths";
  return verifyLayerResult(*this, inputType, gateType, getType());
}

//===----------------------------------------------------------------------===//
// Elementwise activations
//===----------------------------------------------------------------------===//

Activation ReluOp::getActivationKind() { return Activation::relu; }
Activation GeluOp::getActivationKind() {
  return getGeluActivation(getApproximate());
}
Activation SiluOp::getActivationKind() { return Activation::silu; }

OpFoldResult DropoutOp::fold(FoldAdaptor) { return getInput(); }

OpFoldResult ConvertOp::fold(FoldAdaptor) {
  return getInput().getType() == getType() ? getInput() : nullptr;
}

OpFoldResult ReluOp::fold(FoldAdaptor) {
  Operation *producer = getInput().getDefiningOp();
  if (isa_and_nonnull<ReluOp, FusedLinearReluOp>(producer))
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// LibraryLinearOp
//===----------------------------------------------------------------------===//

/// The effects of a destination-passing op that overwrites its init: pure on
/// tensors; on buffers it reads its inputs and writes init entirely.
static void getDestinationEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (op.isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

/// The checks every destination-passing hypatia op shares: all operands
/// tensors (with `init`'s type as the result) or all buffers (no result).
static LogicalResult verifyDestinationForm(Operation *op, Value init,
                                           Value result) {
  bool onTensors = isa<RankedTensorType>(init.getType());
  for (Value operand : op->getOperands())
    if (isa<RankedTensorType>(operand.getType()) != onTensors)
      return op->emitOpError("operands must be all tensors or all buffers");
  if (onTensors != (result != nullptr))
    return op->emitOpError(onTensors ? "on tensors has a result (init, written)"
                                     : "on buffers has no result");
  if (result && result.getType() != init.getType())
    return op->emitOpError() << "result type " << result.getType()
                             << " differs from init " << init.getType();
  return success();
}

void LibraryLinearOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDestinationEffects(*this, effects);
}

void MLPKernelOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDestinationEffects(*this, effects);
}

Activation MLPKernelOp::getActivationOfLayer(unsigned i) {
  return cast<ActivationAttr>(getActivations()[i]).getValue();
}

LogicalResult MLPKernelOp::verify() {
  if (failed(verifyDestinationForm(*this, getInit(), getResult())))
    return failure();
  unsigned numLayers = getNumLayers();
  if (getActivations().size() != numLayers ||
      (!getBiases().empty() && getBiases().size() != numLayers))
    return emitOpError() << "has " << numLayers << " weights, "
                         << getBiases().size() << " biases and "
                         << getActivations().size()
                         << " activations: expected one activation per layer "
                            "and one bias per layer or none";
  auto input = cast<ShapedType>(getInput().getType());
  auto init = cast<ShapedType>(getInit().getType());
  Type elementType = input.getElementType();
  if (input.getRank() != 2 || init.getRank() != 2 ||
      ShapedType::isDynamic(input.getDimSize(1)))
    return emitOpError("expects input [M, K] with static K and init [M, N]");
  SmallVector<int64_t> widths = {input.getDimSize(1)};
  for (unsigned i = 0; i < numLayers; ++i) {
    auto weight = cast<ShapedType>(getWeights()[i].getType());
    Value bias = getBiasOfLayer(i);
    if (!weight.hasStaticShape() || weight.getRank() != 2 ||
        weight.getDimSize(1) != widths.back() ||
        (bias && cast<ShapedType>(bias.getType()).getShape() !=
                     ArrayRef<int64_t>{weight.getDimSize(0)}))
      return emitOpError() << "layer " << i << ": weight "
                           << formatShape(weight.getShape())
                           << " (and bias) do not take " << widths.back()
                           << " features";
    if (weight.getElementType() != elementType ||
        (bias &&
         cast<ShapedType>(bias.getType()).getElementType() != elementType))
      return emitOpError("operands must have one element type");
    widths.push_back(weight.getDimSize(0));
  }
  if (init.getElementType() != elementType ||
      (!ShapedType::isDynamic(init.getDimSize(1)) &&
       init.getDimSize(1) != widths.back()) ||
      (!ShapedType::isDynamic(init.getDimSize(0)) &&
       !ShapedType::isDynamic(input.getDimSize(0)) &&
       init.getDimSize(0) != input.getDimSize(0)))
    return emitOpError() << "init " << formatShape(init.getShape())
                         << " is not the result of input "
                         << formatShape(input.getShape());
  TargetInfo target = TargetInfo::getFor(*this);
  if (!target.fusedMLPKernelFits(*getElementType(elementType), widths,
                                 !getBiases().empty()))
    return emitOpError() << "the " << stringifyTargetKind(target.kind)
                         << " target's fused_mlp kernel does not compute "
                         << elementType << " layers of widths "
                         << formatShape(widths);
  return success();
}

LogicalResult LibraryLinearOp::verify() {
  auto input = cast<ShapedType>(getInput().getType());
  auto weight = cast<ShapedType>(getWeight().getType());
  auto init = cast<ShapedType>(getInit().getType());
  auto bias = getBias() ? cast<ShapedType>(getBias().getType()) : ShapedType();
  if (failed(verifyDestinationForm(*this, getInit(), getResult())))
    return failure();
  if (input.getRank() != 2 || weight.getRank() != 2 || init.getRank() != 2 ||
      (bias && bias.getRank() != 1))
    return emitOpError("expects input [M, K] (or [K, M] when "
                       "input_transposed), weight [N, K] (or [K, N] when "
                       "weight_transposed), bias [N] and init [M, N]");
  int64_t m = input.getDimSize(getInputTransposed() ? 1 : 0);
  int64_t k = input.getDimSize(getInputTransposed() ? 0 : 1);
  int64_t weightK = weight.getDimSize(getWeightTransposed() ? 0 : 1);
  int64_t n = weight.getDimSize(getWeightTransposed() ? 1 : 0);
  // A second row block of the weight doubles N (both blocks [N, K]).
  // Of one shape and element type; buffers may differ in layout (rows of
  // one buffer at different offsets).
  auto sameShape = [](Value a, Value b) {
    auto aType = cast<ShapedType>(a.getType());
    auto bType = cast<ShapedType>(b.getType());
    return aType.getShape() == bType.getShape() &&
           aType.getElementType() == bType.getElementType();
  };
  if (Value second = getSecondWeight()) {
    if (!sameShape(second, getWeight()) || getWeightTransposed() ||
        getInputTransposed() ||
        (getBias() != nullptr) != (getSecondBias() != nullptr) ||
        (getBias() && !sameShape(getSecondBias(), getBias())))
      return emitOpError("expects second_weight of the weight's shape, with "
                         "second_bias exactly when there is a bias (of the "
                         "bias's shape), and neither operand transposed");
    if (!ShapedType::isDynamic(n))
      n *= 2;
  } else if (getSecondBias()) {
    return emitOpError("has second_bias without second_weight");
  }
  int64_t biasN =
      bias && getSecondBias() && !ShapedType::isDynamic(bias.getDimSize(0))
          ? 2 * bias.getDimSize(0)
      : bias ? bias.getDimSize(0)
             : n;
  if (!sizesAgree(k, weightK) || !sizesAgree(init.getDimSize(0), m) ||
      !sizesAgree(init.getDimSize(1), n) || !sizesAgree(biasN, n))
    return emitOpError() << "shapes do not form a linear layer: input "
                         << formatShape(input.getShape()) << ", weight "
                         << formatShape(weight.getShape()) << ", init "
                         << formatShape(init.getShape());
  Type elementType = input.getElementType();
  if (weight.getElementType() != elementType ||
      init.getElementType() != elementType ||
      (bias && bias.getElementType() != elementType))
    return emitOpError("operands must have one element type");
  TargetInfo target = TargetInfo::getFor(*this);
  if (!target.gemmFusesActivation(*getElementType(elementType), getEpilogue()))
    return emitOpError() << "the GEMM library of the "
                         << stringifyTargetKind(target.kind)
                         << " target cannot apply "
                         << stringifyActivation(getEpilogue()) << " to "
                         << elementType << " in its epilogue";
  return success();
}

//===----------------------------------------------------------------------===//
// Gradients
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  RankedTensorType lhs = getLhs().getType(), rhs = getRhs().getType(),
                   result = getType();
  if (lhs.getRank() != 2 || rhs.getRank() != 2 || result.getRank() != 2)
    return emitOpError("expects matrices (rank 2), got ")
           << formatShape(lhs) << ", " << formatShape(rhs) << " -> "
           << formatShape(result);
  if (rhs.getElementType() != lhs.getElementType() ||
      result.getElementType() != lhs.getElementType())
    return emitOpError("operands and result must have one element type");
  int64_t m = lhs.getDimSize(getLhsRowDim());
  int64_t k = lhs.getDimSize(1 - getLhsRowDim());
  int64_t rhsK = rhs.getDimSize(1 - getRhsColumnDim());
  int64_t n = rhs.getDimSize(getRhsColumnDim());
  if (!sizesAgree(k, rhsK) || !sizesAgree(m, result.getDimSize(0)) ||
      !sizesAgree(n, result.getDimSize(1)))
    return emitOpError() << "shapes do not multiply: op(lhs) "
                         << formatShape(ArrayRef<int64_t>{m, k})
                         << " @ op(rhs) "
                         << formatShape(ArrayRef<int64_t>{rhsK, n}) << " -> "
                         << formatShape(result);
  return success();
}

LogicalResult SumRowsOp::verify() {
  RankedTensorType input = getInput().getType(), result = getType();
  if (input.getRank() < 2 || result.getRank() != 1)
    return emitOpError("expects [batch..., N] -> [N], got ")
           << formatShape(input) << " -> " << formatShape(result);
  if (result.getElementType() != input.getElementType())
    return emitOpError("input and result must have one element type");
  if (!sizesAgree(input.getShape().back(), result.getDimSize(0)))
    return emitOpError() << "result " << formatShape(result)
                         << " is not the last dimension of the input "
                         << formatShape(input);
  return success();
}

//===----------------------------------------------------------------------===//
// Construction with inferred result types
//===----------------------------------------------------------------------===//

LinearLayerOpInterface hypatia::createLinearLayer(OpBuilder &builder,
                                                  Location loc,
                                                  Activation activation,
                                                  Value input, Value weight,
                                                  Value bias) {
  RankedTensorType type = getLinearLayerResultType(input, weight);
  switch (activation) {
  case Activation::none:
    return LinearOp::create(builder, loc, type, input, weight, bias);
  case Activation::relu:
    return FusedLinearReluOp::create(builder, loc, type, input, weight, bias);
  case Activation::gelu_erf:
  case Activation::gelu_tanh:
    return FusedLinearGeluOp::create(builder, loc, type, input, weight, bias,
                                     activation == Activation::gelu_tanh
                                         ? GeluApproximation::tanh
                                         : GeluApproximation::none);
  case Activation::silu:
    return FusedLinearSiluOp::create(builder, loc, type, input, weight, bias);
  }
  llvm_unreachable("unknown activation");
}

ElementwiseActivationOpInterface
hypatia::createElementwiseActivation(OpBuilder &builder, Location loc,
                                     Activation activation, Value input) {
  switch (activation) {
  case Activation::relu:
    return ReluOp::create(builder, loc, input);
  case Activation::gelu_erf:
  case Activation::gelu_tanh:
    return GeluOp::create(builder, loc, input,
                          activation == Activation::gelu_tanh
                              ? GeluApproximation::tanh
                              : GeluApproximation::none);
  case Activation::silu:
    return SiluOp::create(builder, loc, input);
  case Activation::none:
    break;
  }
  llvm_unreachable("no elementwise op for this activation");
}

FusedMLPOp hypatia::createFusedMLP(OpBuilder &builder, Location loc,
                                   Value input, ValueRange weights,
                                   ValueRange biases,
                                   ArrayRef<Activation> activations) {
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(inputType.getShape());
  for (Value weight : weights)
    shape = getLinearLayerResultShape(
        shape, cast<RankedTensorType>(weight.getType()).getShape());
  SmallVector<Attribute> attributes;
  for (Activation activation : activations)
    attributes.push_back(ActivationAttr::get(builder.getContext(), activation));
  return FusedMLPOp::create(
      builder, loc, RankedTensorType::get(shape, inputType.getElementType()),
      input, weights, biases, builder.getArrayAttr(attributes));
}

GatedLinearOp hypatia::createGatedLinear(OpBuilder &builder, Location loc,
                                         Activation activation, Value input,
                                         Value gateWeight, Value gateBias,
                                         Value upWeight, Value upBias) {
  SmallVector<Value, 2> biases;
  if (gateBias)
    biases = {gateBias, upBias};
  return GatedLinearOp::create(
      builder, loc, getLinearLayerResultType(input, gateWeight), input,
      gateWeight, upWeight, biases,
      ActivationAttr::get(builder.getContext(), activation));
}

Value hypatia::createUnfusedGatedLinear(OpBuilder &builder, Location loc,
                                        GatedLinearOp op) {
  Value gate =
      createLinearLayer(builder, loc, op.getActivation(), op.getInput(),
                        op.getGateWeight(), op.getGateBias())
          ->getResult(0);
  Value up = createLinearLayer(builder, loc, Activation::none, op.getInput(),
                               op.getUpWeight(), op.getUpBias())
                 ->getResult(0);
  return MulOp::create(builder, loc, gate, up);
}

//===----------------------------------------------------------------------===//
// The dialect's enums are the C vocabulary's codes
//===----------------------------------------------------------------------===//

#define HYPATIA_CHECK_ACTIVATION_CODE_(SUFFIX, name, code)                     \
  static_assert(static_cast<int>(Activation::name) == code &&                  \
                    HYPATIA_ACTIVATION_##SUFFIX == code,                       \
                "hypatia::Activation::" #name                                  \
                " differs from the C vocabulary");
HYPATIA_FOR_EACH_ACTIVATION(HYPATIA_CHECK_ACTIVATION_CODE_)
#define HYPATIA_COUNT_ONE_(SUFFIX, name, code) +1
static_assert(getMaxEnumValForActivation() + 1 ==
                  (0 HYPATIA_FOR_EACH_ACTIVATION(HYPATIA_COUNT_ONE_)),
              "hypatia::Activation and the C vocabulary have different "
              "activations");

#define HYPATIA_CHECK_TARGET_CODE_(SUFFIX, name, code)                         \
  static_assert(static_cast<int>(TargetKind::name) == code &&                  \
                    HYPATIA_TARGET_##SUFFIX == code,                           \
                "hypatia::TargetKind::" #name                                  \
                " differs from the C vocabulary");
HYPATIA_FOR_EACH_TARGET(HYPATIA_CHECK_TARGET_CODE_)
static_assert(getMaxEnumValForTargetKind() + 1 ==
                  (0 HYPATIA_FOR_EACH_TARGET(HYPATIA_COUNT_ONE_)),
              "hypatia::TargetKind and the C vocabulary have different "
              "targets");

#include "hypatia/Dialect/Hypatia/IR/HypatiaInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.cpp.inc"
