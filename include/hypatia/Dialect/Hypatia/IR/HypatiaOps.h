//===- HypatiaOps.h - Hypatia operations ------------------------*- C++ -*-===//

#ifndef HYPATIA_DIALECT_HYPATIA_IR_HYPATIAOPS_H
#define HYPATIA_DIALECT_HYPATIA_IR_HYPATIAOPS_H

#include "hypatia/Dialect/Hypatia/IR/HypatiaDialect.h"
#include "hypatia/Support/ElementType.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "hypatia/Dialect/Hypatia/IR/HypatiaEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "hypatia/Dialect/Hypatia/IR/HypatiaAttrs.h.inc"

namespace hypatia {
namespace detail {
/// Checks the shapes and element types of a linear layer (see
/// LinearLayerOpInterface). Emits an error naming the mismatching dimensions.
mlir::LogicalResult verifyLinearLayer(mlir::Operation *op);
} // namespace detail

/// The element type code of an MLIR float type the dialect accepts (f32, f16
/// or bf16), and back.
std::optional<ElementType> getElementType(mlir::Type type);
mlir::Type getMLIRType(mlir::MLIRContext *context, ElementType type);

/// The activation a gelu op with the given approximation computes.
Activation getGeluActivation(GeluApproximation approximate);

/// The shape of a linear layer's result: the input's batch dimensions
/// followed by the weight's out_features (`[batch..., K]` and `[N, K]` give
/// `[batch..., N]`). The one place that says so: the verifiers, the builders
/// below, the e-graph's shape analysis and the lowerings use it.
llvm::SmallVector<int64_t>
getLinearLayerResultShape(llvm::ArrayRef<int64_t> inputShape,
                          llvm::ArrayRef<int64_t> weightShape);
mlir::RankedTensorType getLinearLayerResultType(mlir::Value input,
                                                mlir::Value weight);
} // namespace hypatia

#include "hypatia/Dialect/Hypatia/IR/HypatiaInterfaces.h.inc"

#define GET_OP_CLASSES
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h.inc"

namespace hypatia {
/// `activation(input @ weight^T + bias)`: hypatia.linear for `none`, else the
/// fused_linear_* op of the activation. `bias` may be null. The result type
/// is inferred. The op is not verified.
LinearLayerOpInterface createLinearLayer(mlir::OpBuilder &builder,
                                         mlir::Location loc,
                                         Activation activation,
                                         mlir::Value input, mlir::Value weight,
                                         mlir::Value bias);

/// hypatia.relu, hypatia.gelu or hypatia.silu; `activation` is not `none`.
ElementwiseActivationOpInterface
createElementwiseActivation(mlir::OpBuilder &builder, mlir::Location loc,
                            Activation activation, mlir::Value input);

/// hypatia.fused_mlp with its result type inferred; `biases` empty or one per
/// layer.
FusedMLPOp createFusedMLP(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::Value input, mlir::ValueRange weights,
                          mlir::ValueRange biases,
                          llvm::ArrayRef<Activation> activations);

/// hypatia.gated_linear with its result type inferred; the biases are both
/// null or both given.
GatedLinearOp createGatedLinear(mlir::OpBuilder &builder, mlir::Location loc,
                                Activation activation, mlir::Value input,
                                mlir::Value gateWeight, mlir::Value gateBias,
                                mlir::Value upWeight, mlir::Value upBias);

/// The ops a gated_linear stands for: the gate layer with its activation,
/// the up layer and their product. Returns the product.
mlir::Value createUnfusedGatedLinear(mlir::OpBuilder &builder,
                                     mlir::Location loc, GatedLinearOp op);
} // namespace hypatia

#endif // HYPATIA_DIALECT_HYPATIA_IR_HYPATIAOPS_H
