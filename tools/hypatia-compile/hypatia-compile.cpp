//===- hypatia-compile.cpp - hypatia modules to shared objects --*- C++ -*-===//
//
// hypatia-compile FILE -o model.so [--target=cpu|cuda] [--chip=sm_NN,...]
//                 [--allow-tf32] [--reference]
//                 [--no-fuse] [--emit=so|llvm|ptx] [-O N] [--host-cpu=CPU]
//
// Builds a shared object exporting the module's public functions with the C
// ABI of hypatia/Runtime/Model.h (results in caller-allocated buffers,
// dynamic batch sizes, checked shapes, errors as status codes and messages).
//
//===----------------------------------------------------------------------===//

#include "hypatia/Compiler/Compiler.h"
#include "hypatia/Compiler/Parse.h"
#include "hypatia/Registration.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
using namespace hypatia;
namespace cl = llvm::cl;

static cl::OptionCategory category("hypatia-compile options");

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<input .mlir file>"),
                                          cl::init("-"), cl::cat(category));
static cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("path"), cl::Required,
                                           cl::cat(category));
static cl::opt<std::string> targetName("target",
                                       cl::desc("cpu (default) or cuda"),
                                       cl::init("cpu"), cl::cat(category));
static cl::list<std::string>
    chips("chip",
          cl::desc("CUDA chips to build device code for, e.g. "
                   "--chip=sm_80,sm_90 (default: sm_80, sm_86, sm_89, sm_90, "
                   "plus PTX of the newest for later chips)"),
          cl::CommaSeparated, cl::cat(category));
static cl::opt<std::string>
    emit("emit",
         cl::desc("so: a shared object (default); llvm: the LLVM IR with the "
                  "model ABI, before host optimization; ptx: the kernels' PTX "
                  "for the newest chip (cuda only)"),
         cl::init("so"), cl::cat(category));
static cl::opt<bool>
    reference("reference",
              cl::desc("CPU: the float64-accurate reference (loop nests whose "
                       "f32 products accumulate in f64) instead of oneDNN"),
              cl::cat(category));
static cl::opt<bool> allowTF32("allow-tf32",
                               cl::desc("CUDA: let f32 GEMMs use TF32 tensor "
                                        "cores (about 1e-3 relative error)"),
                               cl::cat(category));
static cl::opt<bool> noFuse("no-fuse", cl::desc("Do not run --fuse-mlp first"),
                            cl::cat(category));
static cl::opt<unsigned> optLevel("O",
                                  cl::desc("Host code optimization level (0-3, "
                                           "default 2)"),
                                  cl::init(2), cl::Prefix, cl::cat(category));
static cl::opt<std::string>
    hostCPU("host-cpu",
            cl::desc("Host CPU to tune for: generic x86-64 by default, "
                     "'native' for this machine's"),
            cl::cat(category));
static cl::opt<std::string>
    linker("linker",
           cl::desc("C compiler driver that links the shared object "
                    "(default: $HYPATIA_LINKER, else the one Hypatia was "
                    "built with)"),
           cl::cat(category));
static cl::opt<std::string>
    libraryDir("library-dir",
               cl::desc("Directory of libHypatiaRuntime.so and the model ABI "
                        "archives (default: ../lib beside this tool)"),
               cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "hypatia-compile") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerMLIRContextCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv, "Compile a hypatia module into a shared object\n");

  CompileOptions options;
  std::optional<TargetKind> target = symbolizeTargetKind(targetName);
  if (!target)
    return fail("unknown target '" + targetName + "': expected cpu or cuda");
  if (emit != "so" && emit != "llvm" && emit != "ptx")
    return fail("unknown --emit=" + emit + ": expected so, llvm or ptx");
  if (emit == "ptx" && *target != TargetKind::cuda)
    return fail("--emit=ptx applies to --target=cuda only");
  if (optLevel > 3)
    return fail("-O" + llvm::Twine(optLevel.getValue()) + ": expected 0-3");
  if (allowTF32 && *target != TargetKind::cuda)
    return fail("--allow-tf32 applies to --target=cuda only");
  if (reference && *target != TargetKind::cpu)
    return fail("--reference applies to --target=cpu only");
  if (!chips.empty() && *target != TargetKind::cuda)
    return fail("--chip applies to --target=cuda only");
  options.target = *target;
  options.chips.assign(chips.begin(), chips.end());
  options.fuse = !noFuse;
  options.allowTF32 = allowTF32;
  options.reference = reference;
  options.optLevel = optLevel;
  options.hostCPU = hostCPU;
  options.linker = linker;
  options.libraryDir = libraryDir;

  // Never write over the source (`-o x.mlir` of x.mlir).
  bool sameFile = false;
  if (outputFilename != "-" && inputFilename != "-" &&
      (outputFilename == inputFilename ||
       (!llvm::sys::fs::equivalent(inputFilename, outputFilename, sameFile) &&
        sameFile)))
    return fail("-o " + outputFilename +
                " is the input file: refusing to "
                "overwrite it");

  DialectRegistry registry;
  registerDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(inputFilename, &errorMessage);
  if (!file)
    return fail(errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  OwningOpRef<ModuleOp> module =
      parseModule(buffer->getBuffer(), buffer->getBufferIdentifier(), &context);
  if (!module)
    return 1;

  if (emit == "so")
    return failed(compileToSharedObject(*module, options, outputFilename));

  std::string text;
  llvm::raw_string_ostream textStream(text);
  llvm::LLVMContext llvmContext;
  if (emit == "ptx") {
    if (failed(compileToPTX(*module, options, textStream)))
      return 1;
  } else {
    FailureOr<std::unique_ptr<llvm::Module>> llvmModule =
        compileToLLVMIR(*module, options, llvmContext);
    if (failed(llvmModule))
      return 1;
    (*llvmModule)->print(textStream, nullptr);
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &errorMessage);
  if (!output)
    return fail(errorMessage);
  output->os() << text;
  // A failed write (a full disk) is an error, not an LLVM fatal error when
  // the stream closes.
  output->os().close();
  if (output->os().has_error()) {
    std::string message = output->os().error().message();
    output->os().clear_error();
    return fail("cannot write " + outputFilename + ": " + message);
  }
  output->keep();
  return 0;
}
