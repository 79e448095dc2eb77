//===- SharedObject.cpp - LLVM IR to an object file and a shared object ---===//
//
// The object file comes from LLVM's code generator in process; linking it
// into a shared object is left to the system's C compiler driver, which knows
// where the C library and the linker are.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Compiler/Compiler.h"

#include "llvm/IR/Instructions.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/PassInstrumentation.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <dlfcn.h>

using namespace mlir;
using namespace hypatia;

static const char *getABIArchiveName(TargetKind target) {
  return target == TargetKind::cuda ? "libHypatiaModelABICUDA.a"
                                    : "libHypatiaModelABICPU.a";
}

/// The directory of the runtime library and the ABI archives: given, or next
/// to the executable or shared library this code is part of (bin/../lib or
/// lib/).
static std::string findLibraryDir(const CompileOptions &options) {
  if (!options.libraryDir.empty())
    return options.libraryDir;
  Dl_info info;
  if (!dladdr(reinterpret_cast<void *>(&findLibraryDir), &info) ||
      !info.dli_fname)
    return "";
  llvm::SmallString<256> self(info.dli_fname);
  llvm::sys::fs::make_absolute(self);
  // `bin/./tool` must find `lib/` beside `bin/`, not under `bin/`.
  llvm::sys::path::remove_dots(self, /*remove_dot_dot=*/true);
  llvm::StringRef dir = llvm::sys::path::parent_path(self);
  for (std::string candidate :
       {dir.str(), (llvm::sys::path::parent_path(dir) + "/lib").str()})
    if (llvm::sys::fs::exists(candidate + "/" +
                              getABIArchiveName(options.target)))
      return candidate;
  return "";
}

std::string hypatia::getModelABIArchivePath(const CompileOptions &options) {
  std::string libraryDir = findLibraryDir(options);
  return libraryDir.empty()
             ? ""
             : libraryDir + "/" + getABIArchiveName(options.target);
}

static std::string findLinker(const CompileOptions &options) {
  if (!options.linker.empty())
    return options.linker;
  if (const char *fromEnvironment = std::getenv("HYPATIA_LINKER"))
    return fromEnvironment;
#ifdef HYPATIA_DEFAULT_LINKER
  if (llvm::sys::fs::can_execute(HYPATIA_DEFAULT_LINKER))
    return HYPATIA_DEFAULT_LINKER;
#endif
  return "cc";
}

/// LLVM's default pipeline at `optLevel` (vectorizers and unrolling on, as
/// clang has them), less CalledValuePropagation. That pass only annotates
/// indirect calls, which Hypatia's host code does not make, and its solver is
/// worse than quadratic in the size of a model's entry function: on chains
/// of 200 / 400 / 800 linear layers with ReLU it took 0.43 / 2.07 / 10.9 s,
/// the rest of -O2 0.44 / 0.81 / 1.68 s (`opt`). The pipeline is built,
/// printed as text, and parsed again without it, so that nothing else of
/// LLVM's pipeline is restated here; if that text ever fails to parse, the
/// default pipeline runs as it is.
static void optimizeHostCode(llvm::Module &module, unsigned optLevel,
                             llvm::TargetMachine *machine) {
  llvm::OptimizationLevel level = optLevel == 0   ? llvm::OptimizationLevel::O0
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  llvm::LoopAnalysisManager loopAnalyses;
  llvm::FunctionAnalysisManager functionAnalyses;
  llvm::CGSCCAnalysisManager cgsccAnalyses;
  llvm::ModuleAnalysisManager moduleAnalyses;
  llvm::PassInstrumentationCallbacks instrumentation;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = true;
  tuning.LoopInterleaving = true;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  // With the callbacks, the builder records each pass's pipeline name.
  llvm::PassBuilder builder(machine, tuning, std::nullopt, &instrumentation);
  builder.registerModuleAnalyses(moduleAnalyses);
  builder.registerCGSCCAnalyses(cgsccAnalyses);
  builder.registerFunctionAnalyses(functionAnalyses);
  builder.registerLoopAnalyses(loopAnalyses);
  builder.crossRegisterProxies(loopAnalyses, functionAnalyses, cgsccAnalyses,
                               moduleAnalyses);
  llvm::ModulePassManager passes =
      level == llvm::OptimizationLevel::O0
          ? builder.buildO0DefaultPipeline(level)
          : builder.buildPerModuleDefaultPipeline(level);
  std::string text;
  llvm::raw_string_ostream stream(text);
  passes.printPipeline(stream, [&](llvm::StringRef className) {
    llvm::StringRef name = instrumentation.getPassNameForClassName(className);
    return name.empty() ? className : name;
  });
  // A module pass of the text: an item between commas.
  llvm::SmallVector<llvm::StringRef> kept;
  bool removed = false;
  for (llvm::StringRef pass : llvm::split(text, ','))
    if (pass == "called-value-propagation")
      removed = true;
    else
      kept.push_back(pass);
  llvm::ModulePassManager trimmed;
  if (removed) {
    if (llvm::Error error =
            builder.parsePassPipeline(trimmed, llvm::join(kept, ",")))
      llvm::consumeError(std::move(error));
    else
      passes = std::move(trimmed);
  }
  passes.run(module, moduleAnalyses);
}

/// Splits basic blocks longer than `kMaxBlockInstructions` after a call,
/// with an unconditional branch to the rest (the code generator lays the
/// pieces out one after the other). A model's entry point is one block as
/// long as the model (54k instructions for 800 linear layers), and the
/// instruction selector builds and schedules a DAG per block, superlinear in
/// its size: for 1600 linear layers hypatia-compile took 12.8-13.6 s with
/// the split and 14.6-15.6 s without.
static void splitLongBlocks(llvm::Module &module) {
  constexpr unsigned kMaxBlockInstructions = 1024;
  for (llvm::Function &function : module) {
    llvm::SmallVector<llvm::BasicBlock *> worklist;
    for (llvm::BasicBlock &block : function)
      worklist.push_back(&block);
    while (!worklist.empty()) {
      llvm::BasicBlock *block = worklist.pop_back_val();
      unsigned count = 0;
      for (llvm::Instruction &instruction : *block) {
        auto *call = llvm::dyn_cast<llvm::CallInst>(&instruction);
        if (++count < kMaxBlockInstructions || !call || call->isMustTailCall())
          continue;
        llvm::Instruction *next = call->getNextNode();
        if (!next || next->isTerminator())
          break;
        worklist.push_back(block->splitBasicBlock(next));
        break;
      }
    }
  }
}

static LogicalResult emitObjectFile(llvm::Module &module,
                                    const CompileOptions &options,
                                    llvm::StringRef path, Location loc) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;

  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return emitError(loc) << "no LLVM target for " << triple.str() << ": "
                          << error;
  std::string cpu =
      options.hostCPU == "native"
          ? llvm::sys::getHostCPUName().str()
          : (options.hostCPU.empty() ? "x86-64" : options.hostCPU);
  // An unknown CPU name would end in an LLVM fatal error in code generation.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, cpu, /*Features=*/""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu))
    return emitError(loc) << "unknown host CPU '" << cpu << "' for "
                          << triple.str() << " (try native or x86-64-v3)";
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, /*Features=*/"", llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Default));
  if (!machine)
    return emitError(loc) << "cannot create a target machine for " << cpu;
  module.setTargetTriple(triple);
  module.setDataLayout(machine->createDataLayout());

  optimizeHostCode(module, options.optLevel, machine.get());
  splitLongBlocks(module);

  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return emitError(loc) << "cannot write " << path << ": " << ec.message();
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, out, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return emitError(loc) << "the target cannot emit object files";
  codegen.run(module);
  // A write that failed (a full disk) is an error here, not an LLVM fatal
  // error when the stream closes.
  out.close();
  if (out.has_error()) {
    std::error_code writeError = out.error();
    out.clear_error();
    return emitError(loc) << "cannot write " << path << ": "
                          << writeError.message();
  }
  return success();
}

static LogicalResult link(llvm::StringRef objectPath,
                          const CompileOptions &options,
                          llvm::StringRef outputPath, Location loc) {
  std::string libraryDir = findLibraryDir(options);
  if (libraryDir.empty())
    return emitError(loc) << "cannot find " << getABIArchiveName(options.target)
                          << " (Hypatia's lib/ directory): pass its directory";
  std::string linkerName = findLinker(options);
  llvm::ErrorOr<std::string> linker = llvm::sys::findProgramByName(linkerName);
  if (!linker || !llvm::sys::fs::can_execute(*linker))
    return emitError(loc) << "cannot find the linker driver '" << linkerName
                          << "' (set HYPATIA_LINKER to a C compiler)";

  std::string archive = libraryDir + "/" + getABIArchiveName(options.target);
  llvm::SmallVector<std::string> arguments = {
      *linker, "-shared", "-o", outputPath.str(), objectPath.str(), archive};
  if (options.target == TargetKind::cuda)
    arguments.append({"-L" + libraryDir, "-lHypatiaRuntime",
                      // Beside the model first, then where it was built.
                      "-Wl,-rpath,$ORIGIN", "-Wl,-rpath," + libraryDir});
  else
    // Linear layers of CPU models are oneDNN matmuls (CPULinear.c). The model
    // stays loaded once loaded: oneDNN's OpenMP threads outlive a call, and
    // unloading their library under them (dlclose of the model, as
    // hypatia-run does) crashes them. Its OpenMP runtime is libgomp
    // (CPULinear.c sets its thread count).
    arguments.append(
        {"-ldnnl", "-l:libgomp.so.1", "-lpthread", "-lm", "-Wl,-z,nodelete"});

  llvm::SmallString<128> logPath;
  if (llvm::sys::fs::createTemporaryFile("hypatia-link", "log", logPath))
    return emitError(loc) << "cannot create a temporary file";
  llvm::FileRemover removeLog(logPath);
  llvm::SmallVector<llvm::StringRef> argumentRefs(arguments.begin(),
                                                  arguments.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  std::string error;
  int status = llvm::sys::ExecuteAndWait(*linker, argumentRefs, std::nullopt,
                                         redirects, /*SecondsToWait=*/300,
                                         /*MemoryLimit=*/0, &error);
  if (status != 0) {
    std::string log;
    if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
      log = (*buffer)->getBuffer().trim().str();
    return emitError(loc) << "linking " << outputPath << " failed ("
                          << (error.empty()
                                  ? "exit status " + std::to_string(status)
                                  : error)
                          << "): " << llvm::join(arguments, " ") << "\n"
                          << log;
  }
  return success();
}

LogicalResult hypatia::compileToSharedObject(ModuleOp module,
                                             const CompileOptions &options,
                                             llvm::StringRef outputPath) {
  Location loc = module.getLoc();
  llvm::LLVMContext llvmContext;
  FailureOr<std::unique_ptr<llvm::Module>> llvmModule =
      compileToLLVMIR(module, options, llvmContext);
  if (failed(llvmModule))
    return failure();

  llvm::SmallString<128> objectPath;
  if (llvm::sys::fs::createTemporaryFile("hypatia-model", "o", objectPath))
    return emitError(loc) << "cannot create a temporary file";
  llvm::FileRemover removeObject(objectPath);
  if (failed(emitObjectFile(**llvmModule, options, objectPath, loc)))
    return failure();
  return link(objectPath, options, outputPath, loc);
}
