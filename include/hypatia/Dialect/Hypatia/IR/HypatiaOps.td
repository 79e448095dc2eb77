//===- HypatiaOps.td - Hypatia operations ------------------*- tablegen -*-===//

#ifndef HYPATIA_DIALECT_HYPATIA_IR_HYPATIAOPS_TD
#define HYPATIA_DIALECT_HYPATIA_IR_HYPATIAOPS_TD

include "hypatia/Dialect/Hypatia/IR/HypatiaDialect.td"
include "hypatia/Dialect/Hypatia/IR/HypatiaAttrs.td"
include "hypatia/Dialect/Hypatia/IR/HypatiaInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

def Hypatia_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def Hypatia_FloatTensorOrBuffer
    : AnyTypeOf<[Hypatia_FloatTensor, MemRefOf<[F32, F16, BF16]>]>;

//===----------------------------------------------------------------------===//
// Linear layers
//===----------------------------------------------------------------------===//

class Hypatia_LinearLayerOp<string mnemonic, list<Trait> traits = []>
    : Hypatia_Op<mnemonic, !listconcat(traits, [Pure,
          DeclareOpInterfaceMethods<Hypatia_LinearLayerOpInterface,
                                    ["getActivationKind"]>])> {
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Hypatia_LinearOp : Hypatia_LinearLayerOp<"linear"> {
  let summary = "Affine map `x @ weight^T + bias` (PyTorch's `nn.Linear`).";
  let description = [{
    Multiplies the input `[batch..., K]` by the transposed weight `[N, K]` and
    adds the optional bias `[N]`, giving `[batch..., N]`. The batch dimensions
    are carried through unchanged and may be dynamic.

    Example:

    ```mlir
    %y = hypatia.linear %x, %w, %b
        : (tensor<?x784xf32>, tensor<2048x784xf32>, tensor<2048xf32>)
        -> tensor<?x2048xf32>
    %z = hypatia.linear %y, %w2
        : (tensor<?x2048xf32>, tensor<10x2048xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$input, Hypatia_FloatTensor:$weight,
                       Optional<Hypatia_FloatTensor>:$bias);
}

class Hypatia_FusedLinearActivationOp<string mnemonic, string activation>
    : Hypatia_LinearLayerOp<mnemonic> {
  let summary = "Linear layer followed by " # activation # ", as one op.";
  let arguments = (ins Hypatia_FloatTensor:$input, Hypatia_FloatTensor:$weight,
                       Optional<Hypatia_FloatTensor>:$bias);
}

def Hypatia_FusedLinearReluOp
    : Hypatia_FusedLinearActivationOp<"fused_linear_relu", "ReLU"> {
  let description = [{
    Computes `relu(x @ weight^T + bias)` in one op; same operands and shapes as
    `hypatia.linear`. The matrix product and its epilogue (bias, ReLU) form one
    kernel on the GPU. NaN propagates through the ReLU as with `torch.relu`.

    Example:

    ```mlir
    %y = hypatia.fused_linear_relu %x, %w, %b
        : (tensor<?x784xf32>, tensor<2048x784xf32>, tensor<2048xf32>)
        -> tensor<?x2048xf32>
    ```
  }];
}

def Hypatia_FusedLinearGeluOp
    : Hypatia_FusedLinearActivationOp<"fused_linear_gelu", "GELU"> {
  let description = [{
    Computes `gelu(x @ weight^T + bias)` in one op, with GELU evaluated as
    `hypatia.gelu` does for the same `approximate` attribute (`none`, the
    default, uses erf; `tanh` uses the tanh approximation).

    Example:

    ```mlir
    %y = hypatia.fused_linear_gelu %x, %w, %b {approximate = #hypatia.gelu_approximation<tanh>}
        : (tensor<8x64xbf16>, tensor<256x64xbf16>, tensor<256xbf16>)
        -> tensor<8x256xbf16>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$input, Hypatia_FloatTensor:$weight,
                       Optional<Hypatia_FloatTensor>:$bias,
                       DefaultValuedAttr<Hypatia_GeluApproximationAttr,
                                         "GeluApproximation::none">:$approximate);
}

def Hypatia_FusedLinearSiluOp
    : Hypatia_FusedLinearActivationOp<"fused_linear_silu", "SiLU"> {
  let description = [{
    Computes `silu(x @ weight^T + bias)` in one op, where
    `silu(v) = v * sigmoid(v)`.

    Example:

    ```mlir
    %y = hypatia.fused_linear_silu %x, %w
        : (tensor<4x16x32xf16>, tensor<64x32xf16>) -> tensor<4x16x64xf16>
    ```
  }];
}

def Hypatia_FusedMLPOp : Hypatia_Op<"fused_mlp", [Pure, AttrSizedOperandSegments]> {
  let summary = "A chain of linear layers, each with its own activation.";
  let description = [{
    Computes `L_n(...L_2(L_1(x)))` where layer `i` is
    `activations[i](h @ weights[i]^T + biases[i])`. There are at least two
    layers. Either every layer has a bias or none has one. Layer `i`'s weight
    is `[N_i, N_(i-1)]`, with `N_0` the input's feature count; the result is
    `[batch..., N_n]`. Activations are `none`, `relu`, `gelu_erf`, `gelu_tanh`
    or `silu`; any layer, typically the last, may have `none`.

    Example (the 2-layer MLP `linear, relu, linear`):

    ```mlir
    %y = hypatia.fused_mlp %x, weights(%w1, %w2) biases(%b1, %b2)
        activations [relu, none]
        : (tensor<?x784xf32>, tensor<2048x784xf32>, tensor<10x2048xf32>,
           tensor<2048xf32>, tensor<10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$input,
                       Variadic<Hypatia_FloatTensor>:$weights,
                       Variadic<Hypatia_FloatTensor>:$biases,
                       Hypatia_ActivationArrayAttr:$activations);
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` `weights` `(` $weights `)` (`biases` `(` $biases^ `)`)?
    `activations` custom<ActivationList>($activations) attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of linear layers in the chain.
    unsigned getNumLayers() { return getWeights().size(); }
    /// The bias of layer `i`, or null when the chain has no biases.
    ::mlir::Value getBiasOfLayer(unsigned i) {
      return getBiases().empty() ? ::mlir::Value() : getBiases()[i];
    }
    /// The activation of layer `i`.
    ::hypatia::Activation getActivationOfLayer(unsigned i);
  }];
}

def Hypatia_GatedLinearOp : Hypatia_Op<"gated_linear", [Pure]> {
  let summary = "A gated linear unit `activation(x @ gate^T) * (x @ up^T)`.";
  let description = [{
    The first half of a gated MLP (`down(act(gate(x)) * up(x))`: LLaMA,
    Mistral and Qwen with SiLU, GeGLU with GELU): two linear layers of one
    input, the first followed by `activation`, multiplied elementwise. The
    input is `[batch..., K]`, both weights `[N, K]` and the result
    `[batch..., N]`; `biases`, if given, are the gate's and the up
    projection's `[N]` (both or neither). The activation is `relu`,
    `gelu_erf`, `gelu_tanh` or `silu`.

    `--fuse-mlp` forms it from the two layers and the `hypatia.mul` so that
    the two products are one GEMM: the library-call lowering computes
    `x @ [gate; up]^T` into one `[M, 2N]` buffer, as one GEMM when the two
    weights (and biases) lie one after the other in memory (the
    torch.compile backend places them so when it compiles the model) and as
    two GEMMs into the buffer's two halves otherwise; one elementwise pass
    then applies the activation and the product. Values are those of the
    unfused ops: f16/bf16 products are rounded to the element type before
    the activation and the multiplication, as PyTorch rounds each op.

    Example:

    ```mlir
    %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>}
        : (tensor<4x512x4096xbf16>, tensor<11008x4096xbf16>,
           tensor<11008x4096xbf16>) -> tensor<4x512x11008xbf16>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$input,
                       Hypatia_FloatTensor:$gate_weight,
                       Hypatia_FloatTensor:$up_weight,
                       Variadic<Hypatia_FloatTensor>:$biases,
                       Hypatia_ActivationAttr:$activation);
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $gate_weight `,` $up_weight (`biases` `(` $biases^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The gate's bias, or null when the op has no biases.
    ::mlir::Value getGateBias() {
      return getBiases().empty() ? ::mlir::Value() : getBiases()[0];
    }
    /// The up projection's bias, or null when the op has no biases.
    ::mlir::Value getUpBias() {
      return getBiases().empty() ? ::mlir::Value() : getBiases()[1];
    }
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise activations
//===----------------------------------------------------------------------===//

class Hypatia_ActivationOp<string mnemonic>
    : Hypatia_Op<mnemonic, [Pure, SameOperandsAndResultType,
          DeclareOpInterfaceMethods<Hypatia_ElementwiseActivationOpInterface,
                                    ["getActivationKind"]>]> {
  let arguments = (ins Hypatia_FloatTensor:$input);
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Hypatia_ReluOp : Hypatia_ActivationOp<"relu"> {
  let summary = "Rectified linear unit `max(x, 0)`.";
  let description = [{
    Elementwise `max(x, 0)`. NaN propagates (`relu(NaN) = NaN`), as with
    `torch.relu`.

    Example:

    ```mlir
    %y = hypatia.relu %x : tensor<?x2048xf32>
    ```

    Folds to its input when that is already a ReLU's result (`relu(relu(x))`,
    `relu(fused_linear_relu(...))`).
  }];
  let hasFolder = 1;
}

def Hypatia_GeluOp : Hypatia_ActivationOp<"gelu"> {
  let summary = "Gaussian error linear unit.";
  let description = [{
    Elementwise GELU, as `torch.nn.functional.gelu`. With `approximate = none`
    (the default), `gelu(x) = x/2 * (1 + erf(x / sqrt(2)))`; with
    `approximate = tanh`,
    `gelu(x) = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`.
    `f16`/`bf16` inputs are evaluated in `f32` and rounded once.

    Example:

    ```mlir
    %y = hypatia.gelu %x : tensor<?x3072xbf16>
    %z = hypatia.gelu %x {approximate = #hypatia.gelu_approximation<tanh>} : tensor<?x3072xbf16>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$input,
                       DefaultValuedAttr<Hypatia_GeluApproximationAttr,
                                         "GeluApproximation::none">:$approximate);
}

def Hypatia_SiluOp : Hypatia_ActivationOp<"silu"> {
  let summary = "Sigmoid linear unit `x * sigmoid(x)`.";
  let description = [{
    Elementwise SiLU (swish), as `torch.nn.functional.silu`:
    `silu(x) = x / (1 + exp(-x))`.

    Example:

    ```mlir
    %y = hypatia.silu %x : tensor<2x?x512xf16>
    ```
  }];
}

def Hypatia_MulOp : Hypatia_Op<"mul", [Pure, Commutative,
                                        SameOperandsAndResultType]> {
  let summary = "Elementwise product `lhs * rhs`.";
  let description = [{
    The elementwise product of two tensors of one type (no broadcasting), as
    `torch.mul` on equal shapes. `f16`/`bf16` operands are multiplied in
    `f32` and the product rounded once, as PyTorch does. This is the gate of
    a gated MLP: `down(silu(gate(x)) * up(x))`; the lowerings fuse it with
    the activation before it, so the gate costs one pass over memory.

    Example:

    ```mlir
    %h = hypatia.mul %g, %u : tensor<4x512x11008xbf16>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$lhs, Hypatia_FloatTensor:$rhs);
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Hypatia_AddOp : Hypatia_Op<"add", [Pure, Commutative,
                                        SameOperandsAndResultType]> {
  let summary = "Elementwise sum `lhs + rhs`.";
  let description = [{
    The elementwise sum of two tensors of one type (no broadcasting), as
    `torch.add` on equal shapes. `f16`/`bf16` operands are added in `f32`
    and the sum rounded once, as PyTorch does. This is a transformer block's
    residual connection (`x + mlp(x)`, BERT's `hidden + input` before its
    LayerNorm); a bias vector added to a matrix product is not this op but
    the bias of `hypatia.linear`. The lowerings fuse it with the elementwise
    ops around it.

    Example:

    ```mlir
    %y = hypatia.add %h, %x : tensor<16x512x1024xbf16>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$lhs, Hypatia_FloatTensor:$rhs);
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Hypatia_ConvertOp : Hypatia_Op<"convert", [Pure,
                                                SameOperandsAndResultShape]> {
  let summary = "Elementwise conversion to another float type.";
  let description = [{
    Each element converted to the result's element type: narrowing (`f32`
    to `f16` or `bf16`) rounds to nearest, ties to even, as `Tensor.to`
    does; widening is exact; `f16` to `bf16` and back goes through `f32`.
    This is what `torch.autocast` does to the operands of a matrix product:
    the importer converts a layer's `f32` input, weight and bias to the
    `bf16` or `f16` of its result. A conversion to the input's own type
    folds away.

    Example:

    ```mlir
    %w16 = hypatia.convert %w : tensor<3072x768xf32> to tensor<3072x768xbf16>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$input);
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
}

def Hypatia_Probability : AttrConstraint<
    CPred<"::llvm::cast<::mlir::FloatAttr>($_self).getValueAsDouble() >= 0.0 && "
          "::llvm::cast<::mlir::FloatAttr>($_self).getValueAsDouble() < 1.0">,
    "whose value is a probability in [0, 1)">;

def Hypatia_DropoutOp : Hypatia_Op<"dropout", [Pure, SameOperandsAndResultType]> {
  let summary = "Dropout, the identity at inference.";
  let description = [{
    Dropout with probability `probability` (in `[0, 1)`). Hypatia compiles
    models for inference, where dropout is the identity (as `nn.Dropout` in
    `eval()` mode): the op returns its input. The probability is kept so that
    an imported graph prints as it was written.

    Example:

    ```mlir
    %y = hypatia.dropout %x {probability = 1.000000e-01 : f64} : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$input,
                       ConfinedAttr<F64Attr, [Hypatia_Probability]>:$probability);
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  // The identity at inference.
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Gradients (training)
//===----------------------------------------------------------------------===//

def Hypatia_MatmulOp : Hypatia_Op<"matmul", [Pure]> {
  let summary = "Matrix product `op(lhs) @ op(rhs)`, either operand transposed.";
  let description = [{
    The product of two matrices, each read as stored or transposed
    (`transpose_lhs`, `transpose_rhs`): `op(lhs) [M, K] @ op(rhs) [K, N]`
    gives `[M, N]`, accumulated in `f32` (`f16`/`bf16` operands, as PyTorch
    does) and rounded once. This is what a linear layer's backward pass
    needs beyond `hypatia.linear` (which is `x @ weight^T`): the input
    gradient `dy @ weight` (neither transposed) and the weight gradient
    `dy^T @ x` (`transpose_lhs`), as the `mm` ops of an AOTAutograd graph.
    The GEMM libraries read either layout as it is stored: no transposed
    copy is made.

    Example:

    ```mlir
    %dx = hypatia.matmul %dy, %w : tensor<?x256xf32>, tensor<256x512xf32> -> tensor<?x512xf32>
    %dw = hypatia.matmul %dy, %x {transpose_lhs}
        : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<256x512xf32>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$lhs, Hypatia_FloatTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The dimension of `lhs` that is the result's rows (M); the other is K.
    unsigned getLhsRowDim() { return getTransposeLhs() ? 1 : 0; }
    /// The dimension of `rhs` that is the result's columns (N); the other
    /// is K.
    unsigned getRhsColumnDim() { return getTransposeRhs() ? 0 : 1; }
  }];
}

def Hypatia_ActivationGradOp : Hypatia_Op<"activation_grad", [Pure,
                                                SameOperandsAndResultType]> {
  let summary = "The gradient through an activation, `grad * act'(input)`.";
  let description = [{
    Backpropagates `grad` through the elementwise `activation` evaluated at
    `input`, as PyTorch's backward ops do, in the compute type (`f32` for
    `f16`/`bf16`) and rounded once:

    - `relu`: `input <= 0 ? 0 : grad` (`threshold_backward`; `input` may be
      the ReLU's input or its output, which have the same sign; NaN passes
      the gradient, as in PyTorch);
    - `gelu_erf`: `grad * (Phi(x) + x * phi(x))` with the standard normal's
      distribution `Phi` and density `phi` (`gelu_backward`);
    - `gelu_tanh`: the derivative of the tanh form, as `gelu_backward` with
      `approximate="tanh"` computes it;
    - `silu`: `grad * s * (1 + x * (1 - s))` with `s = sigmoid(x)`
      (`silu_backward`);
    - `none`: `grad`.

    Example:

    ```mlir
    %dh = hypatia.activation_grad %dy, %h {activation = #hypatia.activation<gelu_erf>}
        : tensor<?x3072xbf16>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$grad, Hypatia_FloatTensor:$input,
                       Hypatia_ActivationAttr:$activation);
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = "$grad `,` $input attr-dict `:` type($result)";
}

def Hypatia_SumRowsOp : Hypatia_Op<"sum_rows", [Pure]> {
  let summary = "Sum over every dimension but the last: a bias gradient.";
  let description = [{
    `result[n] = sum over i... of input[i..., n]` for an input
    `[batch..., N]` (at least one batch dimension), accumulated in `f32`
    (`f16`/`bf16`, as PyTorch does) and rounded once: the gradient of a
    linear layer's bias, `dy.sum(0)`. An empty batch gives zeros.

    Example:

    ```mlir
    %db = hypatia.sum_rows %dy : tensor<?x256xf32> -> tensor<256xf32>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensor:$input);
  let results = (outs Hypatia_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Library calls
//===----------------------------------------------------------------------===//

def Hypatia_LibraryLinearOp : Hypatia_Op<"library_linear", [
    DestinationStyleOpInterface, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "A linear layer computed by the target's GEMM library";
  let description = [{
    `init = epilogue(input @ weight^T + bias)` for a 2-D `input [M, K]`,
    `weight [N, K]`, optional `bias [N]` and destination `init [M, N]`, as
    one call of the GEMM library of the enclosing `#hypatia.target` (cuBLASLt
    on CUDA), with the bias and the epilogue activation applied by the
    library. The verifier accepts only epilogues the target's library
    applies (on CUDA: none, ReLU, and tanh-GELU for f16/bf16).

    This is how a lowering keeps a linear layer whole on its way to the
    runtime: the op is destination-passing on tensors (its result is `init`,
    written), bufferizes itself to the same op on buffers (no result), and
    `--hypatia-lower-library-calls` turns that into the runtime call. Nothing
    is lowered to generic loops and found again.

    `allow_tf32` lets an f32 GEMM round its inputs to TF32 on tensor cores.

    With `second_weight` (and `second_bias` where there is a `bias`), the
    weight is the rows of `weight` followed by those of `second_weight`
    (`[2N, K]` for two `[N, K]`; the bias likewise) and `init` is `[M, 2N]`:
    the two projections of a `hypatia.gated_linear`. The runtime makes one
    GEMM of them where the second weight (and bias) follows the first in
    memory, else two GEMMs into the two column blocks of `init`.

    `input_transposed` says the `input` operand holds `input^T` (`[K, M]`),
    and `weight_transposed` that the `weight` operand holds `weight^T`
    (`[K, N]`): the library reads either layout as it is stored. These are
    the products of a backward pass (`hypatia.matmul`); a linear layer has
    neither.

    Example:

    ```mlir
    %y = hypatia.library_linear %x, %w, %b into %init {epilogue = #hypatia.activation<relu>}
        : tensor<?x64xbf16>, tensor<32x64xbf16>, tensor<32xbf16> into tensor<?x32xbf16> -> tensor<?x32xbf16>
    hypatia.library_linear %xb, %wb into %yb {epilogue = #hypatia.activation<none>}
        : memref<?x64xf32>, memref<32x64xf32> into memref<?x32xf32>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensorOrBuffer:$input,
                       Hypatia_FloatTensorOrBuffer:$weight,
                       Optional<Hypatia_FloatTensorOrBuffer>:$bias,
                       Optional<Hypatia_FloatTensorOrBuffer>:$second_weight,
                       Optional<Hypatia_FloatTensorOrBuffer>:$second_bias,
                       Hypatia_FloatTensorOrBuffer:$init,
                       Hypatia_ActivationAttr:$epilogue,
                       UnitAttr:$allow_tf32, UnitAttr:$input_transposed,
                       UnitAttr:$weight_transposed);
  let results = (outs Optional<Hypatia_FloatTensor>:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`then` $second_weight^)?
    (`,` $second_bias^)? `into` $init attr-dict `:`
    type($input) `,` type($weight) (`,` type($bias)^)?
    (`then` type($second_weight)^)? (`,` type($second_bias)^)?
    `into` type($init) (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
  }];
}

def Hypatia_MLPKernelOp : Hypatia_Op<"mlp_kernel", [
    AttrSizedOperandSegments, DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "A fused_mlp computed by one kernel Hypatia generates";
  let description = [{
    `init = L_n(...L_1(input))` for a 2-D `input [M, N_0]` and destination
    `init [M, N_n]`, with layers as in `hypatia.fused_mlp`, computed by one
    tensor-core kernel that `--hypatia-mlp-kernel-to-gpu` generates: each
    warp keeps 16 rows of activations in registers through every layer, the
    weights and biases wait in shared memory, and only the input and the
    result cross global memory. The verifier accepts only chains that the
    enclosing `#hypatia.target`'s kernel computes (f16/bf16, every width,
    padded to a multiple of 16, within `fused_mlp_max_width`, layers and
    shared memory within its limits).

    Like `hypatia.library_linear` the op is destination-passing on tensors
    (its result is `init`, written) and bufferizes itself to the same op on
    buffers (no result).

    Example:

    ```mlir
    %y = hypatia.mlp_kernel %x, weights(%w1, %w2) biases(%b1, %b2) into %init
        activations [relu, none]
        : tensor<?x64xbf16>, weights(tensor<64x64xbf16>, tensor<16x64xbf16>)
          biases(tensor<64xbf16>, tensor<16xbf16>) into tensor<?x16xbf16>
          -> tensor<?x16xbf16>
    ```
  }];
  let arguments = (ins Hypatia_FloatTensorOrBuffer:$input,
                       Variadic<Hypatia_FloatTensorOrBuffer>:$weights,
                       Variadic<Hypatia_FloatTensorOrBuffer>:$biases,
                       Hypatia_FloatTensorOrBuffer:$init,
                       Hypatia_ActivationArrayAttr:$activations);
  let results = (outs Optional<Hypatia_FloatTensor>:$result);
  let assemblyFormat = [{
    $input `,` `weights` `(` $weights `)` (`biases` `(` $biases^ `)`)? `into`
    $init `activations` custom<ActivationList>($activations) attr-dict `:`
    type($input) `,` `weights` `(` type($weights) `)`
    (`biases` `(` type($biases)^ `)`)? `into` type($init)
    (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
    /// The number of layers.
    unsigned getNumLayers() { return getWeights().size(); }
    /// The bias of layer `i`, or null when the chain has no biases.
    ::mlir::Value getBiasOfLayer(unsigned i) {
      return getBiases().empty() ? ::mlir::Value() : getBiases()[i];
    }
    /// The activation of layer `i`.
    ::hypatia::Activation getActivationOfLayer(unsigned i);
  }];
}

#endif // HYPATIA_DIALECT_HYPATIA_IR_HYPATIAOPS_TD
