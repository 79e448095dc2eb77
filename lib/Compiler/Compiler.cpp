//===- Compiler.cpp - hypatia modules to LLVM IR with the model ABI -------===//

#include "hypatia/Compiler/Compiler.h"
#include "ModelABIEmitter.h"
#include "hypatia/Conversion/DeviceCode.h"
#include "hypatia/Pipelines/Pipelines.h"
#include "hypatia/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"

using namespace mlir;
using namespace hypatia;

/// Attaches the target, fuses (unless disabled) and lowers through the
/// target's pipeline; for CUDA with `deviceCodeOnly`, only up to the kernels
/// in the NVVM dialect.
static void addCompilePipeline(PassManager &pm, const CompileOptions &options,
                               bool deviceCodeOnly) {
  // The target first: fusion's cost model and the lowering read it.
  AttachTargetOptions targetOptions;
  targetOptions.kind = stringifyTargetKind(options.target).str();
  targetOptions.chips.assign(options.chips.begin(), options.chips.end());
  pm.addPass(createAttachTarget(targetOptions));
  if (options.fuse)
    pm.addNestedPass<func::FuncOp>(createFuseMLP());
  if (options.target == TargetKind::cpu) {
    // One calling convention for both targets: the caller passes the results.
    CPUPipelineOptions cpuOptions;
    cpuOptions.resultsAsOutParams = true;
    cpuOptions.reference = options.reference;
    buildCPUPipeline(pm, cpuOptions);
  } else {
    CUDAPipelineOptions cudaOptions;
    cudaOptions.allowTF32 = options.allowTF32;
    cudaOptions.deviceCodeOnly = deviceCodeOnly;
    buildCUDAPipeline(pm, cudaOptions);
  }
}

LogicalResult hypatia::compileToPTX(ModuleOp module,
                                    const CompileOptions &options,
                                    llvm::raw_ostream &os) {
  if (options.target != TargetKind::cuda)
    return module.emitError("PTX is device code: it needs the cuda target");
  if (failed(verify(module)))
    return failure();
  PassManager pm(module.getContext());
  addCompilePipeline(pm, options, /*deviceCodeOnly=*/true);
  if (failed(pm.run(module)))
    return failure();
  std::string chip = TargetInfo::getFor(module).chips.back();
  for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
    FailureOr<SmallVector<char, 0>> ptx =
        compileDeviceCode(gpuModule, chip, gpu::CompilationTarget::Assembly);
    if (failed(ptx))
      return failure();
    os << "// gpu.module @" << gpuModule.getName() << " for " << chip << "\n"
       << StringRef(ptx->data(), ptx->size()) << "\n";
  }
  return success();
}

FailureOr<std::unique_ptr<llvm::Module>>
hypatia::compileToLLVMIR(ModuleOp module, const CompileOptions &options,
                         llvm::LLVMContext &llvmContext) {
  if (failed(verify(module)))
    return failure();
  FailureOr<std::vector<FunctionABI>> functions = analyzeModelABI(module);
  if (failed(functions))
    return failure();
  if (functions->empty())
    return module.emitError("no public function to compile"), failure();

  MLIRContext *context = module.getContext();
  for (auto func : module.getOps<func::FuncOp>())
    if (!func.isPrivate() && !func.isExternal())
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(context));
  // The functions keep their names in the model's table, but their code
  // (that of private functions too) gets names of Hypatia's own: a function
  // named like a C library symbol (@expf, @malloc) or like the ABI's
  // (@hypatia_get_model) would otherwise stand in for it in the whole object,
  // the generated code's own calls included.
  SymbolTable symbols(module);
  auto rename = [&](func::FuncOp func, StringRef symbol) -> LogicalResult {
    if (symbols.lookup(symbol) || failed(symbols.rename(func, symbol)))
      return func.emitError()
             << "cannot give @" << func.getName() << " the internal name "
             << symbol << ": a function of that name exists";
    return success();
  };
  for (auto [index, function] : llvm::enumerate(*functions)) {
    function.symbol = "hypatia_impl_" + std::to_string(index);
    if (failed(rename(symbols.lookup<func::FuncOp>(function.name),
                      function.symbol)))
      return failure();
  }
  unsigned numPrivate = 0;
  for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
    if (func.isPrivate() && !func.isExternal() &&
        failed(rename(func, "hypatia_private_" + std::to_string(numPrivate++))))
      return failure();

  PassManager pm(context);
  addCompilePipeline(pm, options, /*deviceCodeOnly=*/false);
  if (failed(pm.run(module)))
    return failure();

  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "hypatia_model");
  if (!llvmModule)
    return module.emitError("translation to LLVM IR failed"), failure();
  emitModelABI(*llvmModule, *functions, options.target);
  return llvmModule;
}
