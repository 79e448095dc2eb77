//===- HypatiaInterfaces.td - Hypatia op interfaces --------*- tablegen -*-===//
//
// Two views shared by several ops, so that verification, lowering and fusion
// treat every linear layer (plain or fused with an activation) and every
// elementwise activation the same way.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_DIALECT_HYPATIA_IR_HYPATIAINTERFACES_TD
#define HYPATIA_DIALECT_HYPATIA_IR_HYPATIAINTERFACES_TD

include "mlir/IR/OpBase.td"

def Hypatia_LinearLayerOpInterface : OpInterface<"LinearLayerOpInterface"> {
  let cppNamespace = "::hypatia";
  let description = [{
    One linear layer `activation(x @ weight^T + bias)`: `hypatia.linear` and the
    `hypatia.fused_linear_*` ops. The bias is optional.
  }];
  let methods = [
    InterfaceMethod<"The input `[batch..., K]`.", "::mlir::TypedValue<::mlir::RankedTensorType>", "getInput">,
    InterfaceMethod<"The weight `[N, K]`.", "::mlir::TypedValue<::mlir::RankedTensorType>", "getWeight">,
    InterfaceMethod<"The bias `[N]`, or null when the layer has none.",
                    "::mlir::TypedValue<::mlir::RankedTensorType>", "getBias">,
    InterfaceMethod<"The activation applied after the affine map.",
                    "::hypatia::Activation", "getActivationKind">,
  ];
  let verify = [{ return ::hypatia::detail::verifyLinearLayer($_op); }];
}

def Hypatia_ElementwiseActivationOpInterface
    : OpInterface<"ElementwiseActivationOpInterface"> {
  let cppNamespace = "::hypatia";
  let description = [{
    An elementwise activation on its own (`hypatia.relu`, `hypatia.gelu`,
    `hypatia.silu`), as opposed to one fused into a linear layer.
  }];
  let methods = [
    InterfaceMethod<"The input tensor.", "::mlir::TypedValue<::mlir::RankedTensorType>", "getInput">,
    InterfaceMethod<"The activation this op computes.", "::hypatia::Activation",
                    "getActivationKind">,
  ];
}

#endif // HYPATIA_DIALECT_HYPATIA_IR_HYPATIAINTERFACES_TD
