//===- HypatiaAttrs.td - Hypatia attributes ----------------*- tablegen -*-===//

#ifndef HYPATIA_DIALECT_HYPATIA_IR_HYPATIAATTRS_TD
#define HYPATIA_DIALECT_HYPATIA_IR_HYPATIAATTRS_TD

include "hypatia/Dialect/Hypatia/IR/HypatiaEnums.td"

// The codes of hypatia_target in hypatia/Runtime/Vocabulary.h.
def Hypatia_TargetKind : I32EnumAttr<"TargetKind",
    "what a module is compiled for", [
      I32EnumAttrCase<"cpu", 0>,
      I32EnumAttrCase<"cuda", 1>
    ]> {
  let cppNamespace = "::hypatia";
  let genSpecializedAttr = 0;
}

def Hypatia_TargetAttr : AttrDef<Hypatia_Dialect, "Target"> {
  let mnemonic = "target";
  let summary = "What a module is compiled for, and what that machine can do";
  let description = [{
    The one description of a compilation target, set on a module as its
    `hypatia.target` attribute (by `--hypatia-attach-target`, by the
    pipelines when it is missing, and by `hypatia-compile`). Fusion's cost
    model, the pipelines and every lowering read it; nothing else states a
    target fact.

    The kind (`cpu` or `cuda`) selects the defaults: for `cpu`, the reference
    path measured on the 2-core CI machine; for `cuda`, an H200
    measured on the card (bf16/f16 GEMMs 688 TFLOP/s, f32 51.0, copy 4.24
    TB/s, a kernel launch 9 us; see `../shared/bench/ANCHORS.md`), device code
    for sm_80, sm_86, sm_89 and sm_90 (plus PTX of the newest, for later
    chips), cuBLASLt fusing ReLU in every dtype and tanh-GELU in f16/bf16 into
    a GEMM's epilogue. Any figure can be overridden by name; only overrides
    are stored, so a module says what differs from the defaults.

    | name | meaning |
    | --- | --- |
    | `chips` | CUDA chips to build device code for, oldest first |
    | `peak_f32_tflops`, `peak_f16_tflops`, `peak_bf16_tflops` | GEMM throughput per element type, TFLOP/s |
    | `bandwidth_tbps` | memory bandwidth (bytes read plus written), TB/s |
    | `launch_us` | cost of one kernel launch, microseconds |
    | `multiprocessors` | streaming multiprocessors (a persistent kernel's grid: 132 on the H200) |
    | `fused_mlp_max_width` | widest layer one fused_mlp kernel keeps on chip; 0: no fused_mlp kernel |
    | `fused_mlp_max_layers` | most layers in one fused_mlp (2 to 16) |
    | `fused_mlp_max_weight_kib` | most weight and bias KiB (in shared memory) of one fused_mlp kernel; by default what every chip built for allows a block, less 3 (96 for the default chips, 224 for sm_90 alone) |
    | `fused_mlp_tflops` | tensor-core throughput of the generated fused_mlp kernel, TFLOP/s |
    | `fused_mlp_min_us` | least time of one generated fused_mlp kernel however few its rows (staging, code fetch), microseconds |

    Example:

    ```mlir
    module attributes {hypatia.target = #hypatia.target<cuda, chips = ["sm_80", "sm_90"], launch_us = 4.0>} {
    }
    ```
  }];
  let parameters = (ins
    EnumParameter<Hypatia_TargetKind>:$kind,
    OptionalParameter<"::mlir::ArrayAttr", "chips to build for">:$chips,
    OptionalParameter<"::mlir::DictionaryAttr",
                      "figures that differ from the kind's defaults">:$overrides
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif // HYPATIA_DIALECT_HYPATIA_IR_HYPATIAATTRS_TD
