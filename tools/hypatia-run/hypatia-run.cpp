//===- hypatia-run.cpp - Run a function of a hypatia module -----*- C++ -*-===//
//
// hypatia-run FILE -e FUNC [--target=cpu|cuda] [--chip=sm_NN,...] [--seed N]
//             [--dynamic-sizes N,...] [--inputs a.npy,b.npy,...]
//             [--output-dir DIR] [--print]
//
// Compiles the module for the host CPU or the GPU into a shared object, as
// hypatia-compile does, and calls FUNC through the model ABI (results
// poisoned with NaN before the call so that unwritten elements show), on
// deterministic random inputs
// (uniform in [-1, 1), the same for a seed on every machine) or on inputs read
// from .npy files, and prints its results. --output-dir saves the inputs and
// results as .npy files, so that a reference can be computed independently.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Compiler/Compiler.h"
#include "hypatia/Compiler/ModelSignature.h"
#include "hypatia/Compiler/Parse.h"
#include "hypatia/Registration.h"
#include "hypatia/Runner/ModelRunner.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace hypatia;
namespace cl = llvm::cl;

static cl::OptionCategory category("hypatia-run options");

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<input .mlir file>"),
                                          cl::init("-"), cl::cat(category));
static cl::opt<std::string> entryPoint("e", cl::desc("The function to run"),
                                       cl::value_desc("function name"),
                                       cl::Required, cl::cat(category));
static cl::opt<std::string>
    targetName("target",
               cl::desc("cpu (default; --reference for the float64-accurate "
                        "path) or cuda, compiled "
                        "as by hypatia-compile"),
               cl::init("cpu"), cl::cat(category));
static cl::list<std::string>
    chips("chip",
          cl::desc("CUDA chips to build device code for, as hypatia-compile "
                   "--chip (sm_90a: Hopper's own instructions, wgmma)"),
          cl::CommaSeparated, cl::cat(category));
static cl::opt<bool>
    reference("reference",
              cl::desc("CPU: the float64-accurate reference (loop nests whose "
                       "f32 products accumulate in f64) instead of oneDNN"),
              cl::cat(category));
static cl::opt<bool> allowTF32("allow-tf32",
                               cl::desc("CUDA: let f32 GEMMs use TF32"),
                               cl::cat(category));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Seed of the random inputs (default 1)"),
                              cl::init(1), cl::cat(category));
static cl::list<int64_t> dynamicSizes(
    "dynamic-sizes",
    cl::desc("Sizes of the inputs' dynamic dimensions: one for all, or one "
             "each in argument order"),
    cl::CommaSeparated, cl::cat(category));
static cl::list<std::string>
    inputFiles("inputs",
               cl::desc("Read the inputs from these .npy files (float16, "
                        "float32 or float64; rounded to the argument type)"),
               cl::CommaSeparated, cl::cat(category));
static cl::opt<std::string> outputDir(
    "output-dir",
    cl::desc("Write input<i>.npy and result<i>.npy into this directory"),
    cl::cat(category));
static cl::opt<bool> printValues("print",
                                 cl::desc("Print every element of the results"),
                                 cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "hypatia-run") << message << "\n";
  return 1;
}

/// Prints `[[a, b], [c, d]]` for a row-major tensor.
static void printValuesOf(const HostTensor &tensor, llvm::raw_ostream &os) {
  ArrayRef<int64_t> shape = tensor.getShape();
  int64_t index = 0;
  std::function<void(size_t)> printDim = [&](size_t dim) {
    os << '[';
    for (int64_t i = 0; i < shape[dim]; ++i) {
      if (i > 0)
        os << (dim + 1 == shape.size() ? ", "
                                       : ",\n" + std::string(dim + 1, ' '));
      if (dim + 1 == shape.size())
        os << llvm::format("%.9g", tensor.getAsDouble(index++));
      else
        printDim(dim + 1);
    }
    os << ']';
  };
  if (shape.empty())
    os << llvm::format("%.9g", tensor.getAsDouble(0));
  else
    printDim(0);
  os << '\n';
}

static void printSummary(const HostTensor &tensor, llvm::raw_ostream &os) {
  double sum = 0, sumSquares = 0, minimum = INFINITY, maximum = -INFINITY;
  int64_t nonFinite = 0;
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
    double value = tensor.getAsDouble(i);
    if (!std::isfinite(value)) {
      ++nonFinite;
      continue;
    }
    sum += value;
    sumSquares += value * value;
    minimum = std::min(minimum, value);
    maximum = std::max(maximum, value);
  }
  os << llvm::format("  sum %.9g  l2 %.9g  min %.9g  max %.9g", sum,
                     std::sqrt(sumSquares), minimum, maximum);
  if (nonFinite)
    os << "  non-finite " << nonFinite;
  os << '\n';
}

/// Compiles the module into a temporary shared object, as hypatia-compile
/// does for the target, and calls the function through the model ABI: the
/// one way every compiled model is run.
static llvm::Expected<SmallVector<HostTensor>>
runCompiled(ModuleOp module, TargetKind target,
            ArrayRef<const HostTensor *> inputs) {
  SmallString<128> path;
  if (std::error_code error =
          llvm::sys::fs::createTemporaryFile("hypatia-run", "so", path))
    return llvm::createStringError(error, "cannot create a temporary file");
  llvm::FileRemover remove(path);
  // Only the entry point is exported: the module's other public functions
  // need not have signatures the model ABI can express. Those it does not
  // call are not compiled (a test file holds many functions, and hypatia-run
  // compiles the module once per function it runs).
  OwningOpRef<ModuleOp> entryOnly = module.clone();
  for (auto func : entryOnly->getOps<func::FuncOp>())
    if (func.getName() != entryPoint && func.isPublic())
      func.setPrivate();
  for (bool erased = true; erased;) {
    erased = false;
    for (auto func :
         llvm::make_early_inc_range(entryOnly->getOps<func::FuncOp>()))
      if (func.isPrivate() &&
          SymbolTable::symbolKnownUseEmpty(func, *entryOnly)) {
        func.erase();
        erased = true;
      }
  }
  CompileOptions options;
  options.target = target;
  options.fuse = false; // run the function as written
  options.allowTF32 = allowTF32;
  options.reference = reference;
  options.chips.assign(chips.begin(), chips.end());
  if (failed(compileToSharedObject(*entryOnly, options, path)))
    return llvm::createStringError("compiling @" + entryPoint + " for " +
                                   stringifyTargetKind(target) + " failed");
  auto model = LoadedModel::load(path);
  if (!model)
    return model.takeError();
  auto function = (*model)->lookup(entryPoint);
  if (!function)
    return function.takeError();
  return (*model)->run(**function, inputs);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Run a function of a hypatia module on the host CPU or the GPU and "
      "print its results\n");

  std::optional<TargetKind> target = symbolizeTargetKind(targetName);
  if (!target)
    return fail("unknown target '" + targetName + "': expected cpu or cuda");
  if (allowTF32 && *target != TargetKind::cuda)
    return fail("--allow-tf32 applies to --target=cuda only");
  if (reference && *target != TargetKind::cpu)
    return fail("--reference applies to --target=cpu only");
  if (!chips.empty() && *target != TargetKind::cuda)
    return fail("--chip applies to --target=cuda only");

  DialectRegistry registry;
  registerDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Errors here are about the user's function, not about compiler internals:
  // the location is enough, without a dump of the whole op.
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

  auto func = module->lookupSymbol<func::FuncOp>(entryPoint);
  if (!func) {
    std::string names;
    for (auto candidate : module->getOps<func::FuncOp>())
      names += (names.empty() ? "@" : ", @") + candidate.getName().str();
    return fail("no function @" + entryPoint + " in " + inputFilename +
                (names.empty() ? "" : "; it has " + names));
  }
  FailureOr<TensorSignature> signature = getTensorSignature(func);
  if (failed(signature))
    return 1;

  // Inputs: from files, or random with the seed.
  SmallVector<HostTensor> inputs;
  if (!inputFiles.empty()) {
    if (!dynamicSizes.empty())
      return fail("--dynamic-sizes and --inputs exclude each other: the files "
                  "give the shapes");
    if (inputFiles.size() != signature->inputs.size())
      return fail("@" + entryPoint + " takes " +
                  llvm::Twine(signature->inputs.size()) + " inputs, but " +
                  llvm::Twine(inputFiles.size()) + " files were given");
    for (auto [path, type] : llvm::zip(inputFiles, signature->inputs)) {
      llvm::Expected<HostTensor> tensor =
          readNpyFile(path, *getElementType(type.getElementType()));
      if (!tensor)
        return fail(llvm::toString(tensor.takeError()));
      inputs.push_back(std::move(*tensor));
    }
  } else {
    auto shapes = resolveInputShapes(signature->inputs, dynamicSizes);
    if (!shapes)
      return fail("@" + entryPoint + ": " + llvm::toString(shapes.takeError()) +
                  " with --dynamic-sizes");
    for (auto [index, shape, type] :
         llvm::enumerate(*shapes, signature->inputs)) {
      auto tensor =
          HostTensor::create(*getElementType(type.getElementType()), shape);
      if (!tensor)
        return fail("@" + entryPoint + ": input " + std::to_string(index) +
                    ": " + llvm::toString(tensor.takeError()));
      fillRandom(*tensor, seed, index);
      inputs.push_back(std::move(*tensor));
    }
  }

  SmallVector<const HostTensor *> inputPointers;
  for (HostTensor &tensor : inputs)
    inputPointers.push_back(&tensor);
  auto results = runCompiled(*module, *target, inputPointers);
  if (!results)
    return fail(llvm::toString(results.takeError()));

  if (!outputDir.empty()) {
    if (std::error_code error = llvm::sys::fs::create_directories(outputDir))
      return fail("cannot create " + outputDir + ": " + error.message());
    auto pathOf = [&](StringRef stem, size_t index) {
      SmallString<128> path(outputDir);
      llvm::sys::path::append(path, stem + std::to_string(index) + ".npy");
      return path;
    };
    // The files written must not be the user's inputs (a float64 input
    // would be replaced by its float32 copy).
    for (size_t index = 0; index < std::max(inputs.size(), results->size());
         ++index)
      for (StringRef stem : {"input", "result"})
        for (const std::string &input : inputFiles) {
          bool same = false;
          SmallString<128> path = pathOf(stem, index);
          if (!llvm::sys::fs::equivalent(input, path, same) && same)
            return fail("--output-dir " + outputDir +
                        " would overwrite the "
                        "input file " +
                        input + ": choose another directory");
        }
    auto save = [&](StringRef stem, size_t index,
                    const HostTensor &tensor) -> bool {
      SmallString<128> path = pathOf(stem, index);
      if (llvm::Error error = writeNpyFile(path, tensor)) {
        fail(llvm::toString(std::move(error)));
        return false;
      }
      return true;
    };
    for (auto [index, tensor] : llvm::enumerate(inputs))
      if (!save("input", index, tensor))
        return 1;
    for (auto [index, tensor] : llvm::enumerate(*results))
      if (!save("result", index, tensor))
        return 1;
  }

  llvm::raw_ostream &os = llvm::outs();
  for (auto [index, tensor] : llvm::enumerate(*results)) {
    os << "result " << index << ": " << tensor.getTypeString() << '\n';
    if (printValues)
      printValuesOf(tensor, os);
    else
      printSummary(tensor, os);
  }
  return 0;
}
