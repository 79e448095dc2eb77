//===- HypatiaDialect.td - Hypatia dialect definition ------*- tablegen -*-===//
//
// The hypatia dialect describes multi-layer perceptrons: linear layers,
// activations and their fused forms, on ranked tensors.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_DIALECT_HYPATIA_IR_HYPATIADIALECT_TD
#define HYPATIA_DIALECT_HYPATIA_IR_HYPATIADIALECT_TD

include "mlir/IR/OpBase.td"

def Hypatia_Dialect : Dialect {
  let name = "hypatia";
  let cppNamespace = "::hypatia";
  let summary = "Multi-layer perceptrons: linear layers, activations, fusions.";
  let description = [{
    The `hypatia` dialect describes MLP graphs with PyTorch's conventions: an
    input `x` of shape `[batch..., K]`, a weight of shape `[N, K]` and an
    optional bias of shape `[N]`, computing `y = x @ weight^T + bias`.

    Tensors are ranked, with element type `f32`, `f16` or `bf16`. Feature
    dimensions (the last dimension of every operand) are static; the leading
    batch dimensions may be dynamic (`?`), and there may be more than one
    (`[B, T, K]`). Arithmetic on `f16`/`bf16` accumulates in `f32`.

    All ops are pure. Their verifiers reject mismatched shapes at compile time
    with a message naming the offending dimensions, so that a shape error never
    surfaces at run time.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = [];
}

class Hypatia_Op<string mnemonic, list<Trait> traits = []>
    : Op<Hypatia_Dialect, mnemonic, traits>;

#endif // HYPATIA_DIALECT_HYPATIA_IR_HYPATIADIALECT_TD
