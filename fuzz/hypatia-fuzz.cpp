//===- hypatia-fuzz.cpp - libFuzzer over parse, verify, fuse, lower -------===//
//
// A libFuzzer target that runs what the tools run on a program, in-process:
// parse (through parseModule, which bounds nesting), verify, then one of
// Hypatia's pipelines, then print. Built with AddressSanitizer and
// UndefinedBehaviorSanitizer in its own build directory (scripts/fuzz.sh),
// so that any crash, sanitizer report or hang is a finding.
//
// An input is one selector byte (which pipeline) followed by the program's
// text. The custom mutator knows what hypatia programs are made of: it
// changes dimensions, element types and op names, repeats and chains lines
// (deep chains, values used many times), swaps value names, and otherwise
// leaves the bytes to libFuzzer's own mutations.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Compiler/Parse.h"
#include "hypatia/Pipelines/Pipelines.h"
#include "hypatia/Registration.h"
#include "hypatia/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace mlir;

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {

/// What an input's first byte selects: the pipelines a user's program goes
/// through.
enum class Pipeline : uint8_t {
  /// Parse, verify, print, parse the printed text again.
  roundTrip,
  /// --fuse-mlp with its report.
  fuse,
  /// --fuse-mlp, then the CPU pipeline (GEMM library calls).
  cpu,
  /// The CPU pipeline's float64-accurate reference mode.
  cpuReference,
  /// --fuse-mlp, then the CUDA pipeline up to the kernels in the NVVM
  /// dialect (compiling them to a fatbin is LLVM's NVPTX back end, and slow).
  cuda,
  count
};

DialectRegistry &getRegistry() {
  static DialectRegistry *registry = [] {
    auto *registry = new DialectRegistry;
    hypatia::registerDialects(*registry);
    return registry;
  }();
  return *registry;
}

void runPipeline(Pipeline pipeline, ModuleOp module) {
  PassManager pm(module.getContext());
  if (pipeline != Pipeline::cpuReference) {
    hypatia::FuseMLPOptions fuse;
    fuse.report = true;
    pm.addPass(hypatia::createFuseMLP(fuse));
  }
  if (pipeline == Pipeline::cpu || pipeline == Pipeline::cpuReference) {
    hypatia::CPUPipelineOptions options;
    options.reference = pipeline == Pipeline::cpuReference;
    hypatia::buildCPUPipeline(pm, options);
  } else if (pipeline == Pipeline::cuda) {
    hypatia::CUDAPipelineOptions options;
    options.deviceCodeOnly = true;
    hypatia::buildCUDAPipeline(pm, options);
  }
  (void)pm.run(module);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  hypatia::registerPassesAndPipelines();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  auto pipeline =
      static_cast<Pipeline>(data[0] % static_cast<uint8_t>(Pipeline::count));
  llvm::StringRef text(reinterpret_cast<const char *>(data + 1), size - 1);

  MLIRContext context(getRegistry(), MLIRContext::Threading::DISABLED);
  // Diagnostics are the expected outcome of most inputs: not printed.
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> module = hypatia::parseModule(text, "fuzz", &context);
  if (!module || failed(verify(*module)))
    return 0;
  if (pipeline != Pipeline::roundTrip) {
    runPipeline(pipeline, *module);
    return 0;
  }
  std::string printed;
  llvm::raw_string_ostream os(printed);
  module->print(os);
  OwningOpRef<ModuleOp> again =
      hypatia::parseModule(printed, "fuzz-printed", &context);
  if (!again) {
    // A verified module whose printed form does not parse is a bug.
    llvm::errs() << "printed module does not parse:\n" << printed << "\n";
    __builtin_trap();
  }
  return 0;
}

//===----------------------------------------------------------------------===//
// The structure-aware mutator
//===----------------------------------------------------------------------===//

namespace {

const char *const kElementTypes[] = {"f32", "f16", "bf16", "f64", "i32", "i8"};
const char *const kOps[] = {"hypatia.linear",
                            "hypatia.relu",
                            "hypatia.gelu",
                            "hypatia.silu",
                            "hypatia.dropout",
                            "hypatia.mul",
                            "hypatia.add",
                            "hypatia.convert",
                            "hypatia.fused_linear_relu",
                            "hypatia.fused_linear_gelu",
                            "hypatia.fused_linear_silu",
                            "hypatia.fused_mlp",
                            "hypatia.mlp_kernel",
                            "hypatia.library_linear",
                            "hypatia.matmul",
                            "hypatia.activation_grad",
                            "hypatia.sum_rows"};
const char *const kDimensions[] = {
    "0",  "1",    "2",     "3",          "15",
    "16", "17",   "64",    "128",        "129",
    "?",  "4096", "65536", "2147483648", "4611686018427387904"};

/// Byte ranges [begin, end) of `text` where `isPart` holds, maximal.
template <typename Predicate>
std::vector<std::pair<size_t, size_t>> findRuns(const std::string &text,
                                                Predicate isPart) {
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < text.size();) {
    if (!isPart(text, i)) {
      ++i;
      continue;
    }
    size_t begin = i;
    while (i < text.size() && isPart(text, i))
      ++i;
    runs.push_back({begin, i});
  }
  return runs;
}

bool isDigit(const std::string &text, size_t i) {
  return text[i] >= '0' && text[i] <= '9';
}
bool isValueNameChar(const std::string &text, size_t i) {
  char c = text[i];
  return c == '%' || c == '_' || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// Replaces one occurrence (picked at random) of any of `words` in `text`
/// by another of them.
bool swapWord(std::string &text, llvm::ArrayRef<const char *> words,
              std::mt19937 &random) {
  std::vector<std::pair<size_t, size_t>> found;
  for (const char *word : words)
    for (size_t at = text.find(word); at != std::string::npos;
         at = text.find(word, at + 1))
      found.push_back({at, std::strlen(word)});
  if (found.empty())
    return false;
  auto [at, length] = found[random() % found.size()];
  text.replace(at, length, words[random() % words.size()]);
  return true;
}

/// The lines of `text` that define a value (`%name = ...`).
std::vector<std::pair<size_t, size_t>>
findDefiningLines(const std::string &text) {
  std::vector<std::pair<size_t, size_t>> lines;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find('\n', begin);
    end = end == std::string::npos ? text.size() : end + 1;
    llvm::StringRef line = llvm::StringRef(text).slice(begin, end).ltrim();
    if (line.starts_with("%") && line.contains(" = "))
      lines.push_back({begin, end});
    begin = end;
  }
  return lines;
}

/// One structural change of a hypatia program; false if `text` has nothing
/// it applies to.
bool mutateStructure(std::string &text, std::mt19937 &random) {
  switch (random() % 6) {
  case 0: { // a dimension
    auto runs = findRuns(text, isDigit);
    if (runs.empty())
      return false;
    auto [begin, end] = runs[random() % runs.size()];
    text.replace(begin, end - begin,
                 kDimensions[random() % std::size(kDimensions)]);
    return true;
  }
  case 1:
    return swapWord(text, kElementTypes, random);
  case 2:
    return swapWord(text, kOps, random);
  case 3: { // a defining line repeated, or chained many times (deep chains)
    auto lines = findDefiningLines(text);
    if (lines.empty())
      return false;
    auto [begin, end] = lines[random() % lines.size()];
    std::string line = text.substr(begin, end - begin);
    size_t copies = 1 + random() % (random() % 4 == 0 ? 2000 : 4);
    std::string repeated;
    for (size_t i = 0; i < copies && repeated.size() < 60000; ++i)
      repeated += line;
    text.insert(end, repeated);
    return true;
  }
  case 4: { // a value used where another was (shared values, dominance)
    auto names = findRuns(text, isValueNameChar);
    std::vector<std::pair<size_t, size_t>> values;
    for (auto run : names)
      if (text[run.first] == '%')
        values.push_back(run);
    if (values.size() < 2)
      return false;
    auto target = values[random() % values.size()];
    auto source = values[random() % values.size()];
    text.replace(target.first, target.second - target.first,
                 text.substr(source.first, source.second - source.first));
    return true;
  }
  default: { // a line removed
    auto lines = findDefiningLines(text);
    if (lines.empty())
      return false;
    auto [begin, end] = lines[random() % lines.size()];
    text.erase(begin, end - begin);
    return true;
  }
  }
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  std::mt19937 random(seed);
  // Half of the time libFuzzer's byte-level mutations (they find what no
  // grammar foresees; the selector byte changes only this way).
  if (size < 2 || random() % 2 == 0)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::string text(reinterpret_cast<const char *>(data + 1), size - 1);
  if (!mutateStructure(text, random) || text.size() + 1 > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data + 1, text.data(), text.size());
  return text.size() + 1;
}
