//===- HypatiaOps.cpp - Hypatia operations ----------------------*- C++ -*-===//

#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"

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

/// Checks one layer `x @ weight^T + bias` and returns its output feature count
/// N in `outFeatures`. `layerName` prefixes the messages of multi-layer ops.
static LogicalResult verifyLayerOperands(Operation *op, StringRef layerName,
                                         RankedTensorType inputType,
                                         RankedTensorType weightType,
                                         RankedTensorType biasType,
                                         int64_t &outFeatures) {
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
  outFeatures = weightType.getDimSize(0);
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

/// Checks that the result is the input's batch dimensions followed by N.
static LogicalResult verifyLayerResult(Operation *op,
                                       RankedTensorType inputType,
                                       int64_t outFeatures,
                                       RankedTensorType resultType) {
  SmallVector<int64_t> expected(inputType.getShape().drop_back());
  expected.push_back(outFeatures);
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
  int64_t outFeatures;
  if (failed(verifyLayerOperands(op, /*layerName=*/"", inputType,
                                 layer.getWeight().getType(),
                                 getTypeOrNull(layer.getBias()), outFeatures)))
    return failure();
  return verifyLayerResult(op, inputType, outFeatures,
                           cast<RankedTensorType>(op->getResult(0).getType()));
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
  int64_t outFeatures = 0;
  for (unsigned i = 0; i < numLayers; ++i) {
    std::string layerName = "layer " + std::to_string(i);
    if (failed(verifyLayerOperands(
            *this, layerName, layerInputType,
            cast<RankedTensorType>(getWeights()[i].getType()),
            getTypeOrNull(getBiasOfLayer(i)), outFeatures)))
      return failure();
    SmallVector<int64_t> hiddenShape(inputType.getShape().drop_back());
    hiddenShape.push_back(outFeatures);
    layerInputType =
        RankedTensorType::get(hiddenShape, inputType.getElementType());
  }
  return verifyLayerResult(*this, inputType, outFeatures, getType());
}

//===----------------------------------------------------------------------===//
// Elementwise activations
//===----------------------------------------------------------------------===//

Activation ReluOp::getActivationKind() { return Activation::relu; }
Activation GeluOp::getActivationKind() {
  return getGeluActivation(getApproximate());
}
Activation SiluOp::getActivationKind() { return Activation::silu; }

LogicalResult DropoutOp::verify() {
  double probability = getProbability().convertToDouble();
  if (!(probability >= 0.0 && probability < 1.0))
    return emitOpError() << "probability must be in [0, 1), got "
                         << probability;
  return success();
}

#include "hypatia/Dialect/Hypatia/IR/HypatiaInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.cpp.inc"
