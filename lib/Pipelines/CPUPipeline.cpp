//===- CPUPipeline.cpp - hypatia to LLVM for the host CPU -------*- C++ -*-===//
//
// f32 and bf16 linear layers are oneDNN matmuls with their bias and
// activation (the model ABI's CPULinear.c); everything else is loop nests in
// f32 (f16 layers accumulating in f32), erf/tanh/exp as polynomials the
// vectorizer vectorizes. With `reference`, everything is loop nests, f32 in
// f64 with libm's functions: a float64-accurate check of faster paths.
//
//===----------------------------------------------------------------------===//

#include "PipelineSteps.h"
#include "hypatia/Conversion/Passes.h"
#include "hypatia/Pipelines/Pipelines.h"
#include "hypatia/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void hypatia::buildCPUPipeline(OpPassManager &pm,
                               const CPUPipelineOptions &options) {
  AttachTargetOptions target;
  target.kind = "cpu";
  pm.addPass(createAttachTarget(target));
  // f32 and bf16 linear layers are oneDNN matmuls (with their epilogue)
  // unless this is the reference (TargetInfo::hasGemmLibrary); what is left
  // becomes loop nests. The reference computes f32 in f64; otherwise f32 is
  // computed in f32, as PyTorch does (in f64, each element of an erf-GELU
  // gradient was a scalar call of libm's erf and exp, and the training
  // step of timm's ViT-B MLP took 2.1x eager's time).
  if (!options.reference)
    pm.addNestedPass<func::FuncOp>(createHypatiaToLibraryCalls());
  HypatiaToLinalgOptions loweringOptions;
  loweringOptions.computeF32InF64 = options.reference;
  pm.addPass(createHypatiaToLinalg(loweringOptions));
  pm.addPass(createCanonicalizerPass());
  // One loop nest for a chain of elementwise ops (each op still rounds its
  // result to its element type, so the values are those of the chain).
  pm.addPass(createFuseElementwise());

  if (options.resultsAsOutParams)
    pm.addNestedPass<func::FuncOp>(createDistinctResults());
  pipeline::addBufferization(pm);
  if (options.resultsAsOutParams)
    pipeline::addResultsToOutParams(pm);
  pipeline::addDeallocation(pm);
  if (!options.reference)
    pm.addPass(createLowerLibraryCalls());

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pipeline::addLoweringToControlFlow(pm);
  // bf16 has no native x86 arithmetic: expand its extf/truncf into integer ops.
  arith::ArithExpandOpsPassOptions expandOptions;
  expandOptions.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expandOptions));
  // erf and tanh through libm: correctly rounded to within an ulp or two,
  // which the reference path needs more than speed. Elsewhere the f32 ones
  // become polynomials, which the vectorizer turns into vector code. What
  // LLVM has intrinsics for (the polynomials' fma and floor) goes to them
  // first: as libm calls they would keep the loops scalar.
  if (!options.reference)
    pm.addPass(createApproximateMath());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pipeline::addLoweringToLLVM(pm);
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createDetachTarget());
}

/// Registers a pipeline that runs on a whole module. Nested under another op
/// (`func.func(hypatia-cpu-pipeline)`) its module passes could not be added:
/// upstream's PassPipelineRegistration would end in an LLVM ERROR; this
/// reports a parse error instead.
template <typename Options>
static void registerModulePipeline(StringRef name, StringRef description,
                                   void (*build)(OpPassManager &,
                                                 const Options &)) {
  registerPassPipeline(
      name, description,
      [name, build](OpPassManager &pm, StringRef text,
                    function_ref<LogicalResult(const Twine &)> errorHandler)
          -> LogicalResult {
        std::optional<StringRef> anchor = pm.getOpName();
        if (anchor && *anchor != ModuleOp::getOperationName())
          return errorHandler(name +
                              " runs on a whole builtin.module, not "
                              "nested under '" +
                              *anchor + "'");
        Options options;
        if (failed(options.parseFromString(text)))
          return failure();
        build(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> handler) {
        handler(Options());
      });
}

void hypatia::registerPipelines() {
  registerModulePipeline<CPUPipelineOptions>(
      "hypatia-cpu-pipeline",
      "Lower hypatia ops to the LLVM dialect for the host CPU (the reference "
      "path: hypatia-to-linalg, bufferization, loops, LLVM)",
      &buildCPUPipeline);
  registerModulePipeline<CUDAPipelineOptions>(
      "hypatia-cuda-pipeline",
      "Lower hypatia ops to the LLVM dialect for NVIDIA GPUs (the chips of the "
      "module's #hypatia.target): linear layers as cuBLASLt calls with fused "
      "epilogues, the rest as NVVM kernels",
      &buildCUDAPipeline);
}
