//===- HypatiaEnums.td - Hypatia enums and attributes ------*- tablegen -*-===//

#ifndef HYPATIA_DIALECT_HYPATIA_IR_HYPATIAENUMS_TD
#define HYPATIA_DIALECT_HYPATIA_IR_HYPATIAENUMS_TD

include "hypatia/Dialect/Hypatia/IR/HypatiaDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Hypatia_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how GELU is evaluated (PyTorch's `approximate` argument)", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"tanh", 1>
    ]> {
  let cppNamespace = "::hypatia";
  let genSpecializedAttr = 0;
}

def Hypatia_GeluApproximationAttr
    : EnumAttr<Hypatia_Dialect, Hypatia_GeluApproximation, "gelu_approximation"> {
  let assemblyFormat = "`<` $value `>`";
}

// The activation applied after a linear layer inside a fused op. `gelu_erf` and
// `gelu_tanh` are GELU with `approximate = none` and `approximate = tanh`.
def Hypatia_Activation : I32EnumAttr<"Activation",
    "the activation that follows a linear layer in a fused op", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"relu", 1>,
      I32EnumAttrCase<"gelu_erf", 2>,
      I32EnumAttrCase<"gelu_tanh", 3>,
      I32EnumAttrCase<"silu", 4>
    ]> {
  let cppNamespace = "::hypatia";
  let genSpecializedAttr = 0;
}

def Hypatia_ActivationAttr
    : EnumAttr<Hypatia_Dialect, Hypatia_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

def Hypatia_ActivationArrayAttr
    : TypedArrayAttrBase<Hypatia_ActivationAttr, "array of activations">;

#endif // HYPATIA_DIALECT_HYPATIA_IR_HYPATIAENUMS_TD
