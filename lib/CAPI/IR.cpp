//===- IR.cpp - Contexts, diagnostics and modules in the C API --*- C++ -*-===//

#include "Internal.h"

#include "hypatia/Compiler/Parse.h"
#include "hypatia/Registration.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

using namespace mlir;

char *hypatia::capi::copyString(llvm::StringRef text) {
  char *copy = static_cast<char *>(std::malloc(text.size() + 1));
  if (!copy)
    return nullptr;
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

/// `file:line:col`, the way compilers print where an error is; a name (an
/// imported node's, say) follows in parentheses.
static void printLocation(Location loc, llvm::raw_ostream &os) {
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    os << file.getFilename().getValue() << ':' << file.getLine() << ':'
       << file.getColumn();
  } else if (auto name = dyn_cast<NameLoc>(loc)) {
    if (isa<UnknownLoc>(name.getChildLoc())) {
      os << name.getName().getValue();
    } else {
      printLocation(name.getChildLoc(), os);
      os << " (" << name.getName().getValue() << ")";
    }
  } else if (auto callSite = dyn_cast<CallSiteLoc>(loc)) {
    printLocation(callSite.getCallee(), os);
  } else if (auto fused = dyn_cast<FusedLoc>(loc);
             fused && !fused.getLocations().empty()) {
    printLocation(fused.getLocations().front(), os);
  } else {
    os << "<unknown>";
  }
}

static llvm::StringRef getSeverityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Remark:
    return "remark";
  case DiagnosticSeverity::Note:
    return "note";
  }
  return "error";
}

static void appendDiagnostic(const Diagnostic &diagnostic, std::string &out) {
  llvm::raw_string_ostream os(out);
  printLocation(diagnostic.getLocation(), os);
  os << ": " << getSeverityName(diagnostic.getSeverity()) << ": "
     << diagnostic.str() << "\n";
  for (const Diagnostic &note : diagnostic.getNotes())
    appendDiagnostic(note, out);
}

HypatiaContext::HypatiaContext() : context(MLIRContext::Threading::DISABLED) {
  // Pass registration is global and not idempotent.
  static std::once_flag registerPasses;
  std::call_once(registerPasses, hypatia::registerPassesAndPipelines);
  DialectRegistry registry;
  hypatia::registerDialects(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
  // Diagnostics carry locations; the offending op in generic form is noise.
  context.printOpOnDiagnostic(false);
  // Collect every diagnostic instead of printing it to stderr: the caller
  // (Python) turns them into exceptions.
  handler = context.getDiagEngine().registerHandler([this](Diagnostic &diag) {
    appendDiagnostic(diag, diagnostics);
    return success();
  });
}

HypatiaContext::~HypatiaContext() {
  context.getDiagEngine().eraseHandler(handler);
}

int32_t hypatiaGetCAPIVersion(void) { return HYPATIA_CAPI_VERSION; }

const char *hypatiaGetVocabulary(void) {
#define HYPATIA_VOCABULARY_LINE_(kind, name, code) kind " " #name " " #code "\n"
#define HYPATIA_DTYPE_LINE_(SUFFIX, name, code)                                \
  HYPATIA_VOCABULARY_LINE_("dtype", name, code)
#define HYPATIA_ACTIVATION_LINE_(SUFFIX, name, code)                           \
  HYPATIA_VOCABULARY_LINE_("activation", name, code)
#define HYPATIA_STATUS_LINE_(SUFFIX, name, code)                               \
  HYPATIA_VOCABULARY_LINE_("status", name, code)
#define HYPATIA_TARGET_LINE_(SUFFIX, name, code)                               \
  HYPATIA_VOCABULARY_LINE_("target", name, code)
  return HYPATIA_FOR_EACH_DTYPE(HYPATIA_DTYPE_LINE_)
      HYPATIA_FOR_EACH_ACTIVATION(HYPATIA_ACTIVATION_LINE_)
          HYPATIA_FOR_EACH_STATUS(HYPATIA_STATUS_LINE_)
              HYPATIA_FOR_EACH_TARGET(HYPATIA_TARGET_LINE_);
}

void hypatiaStringFree(char *string) { std::free(string); }

HypatiaContext *hypatiaContextCreate(void) { return new HypatiaContext(); }

void hypatiaContextDestroy(HypatiaContext *context) { delete context; }

char *hypatiaContextTakeDiagnostics(HypatiaContext *context) {
  char *result = hypatia::capi::copyString(context->diagnostics);
  context->diagnostics.clear();
  return result;
}

HypatiaModule *hypatiaModuleParse(HypatiaContext *context, const char *source,
                                  size_t length, const char *bufferName) {
  if (!source) {
    emitError(UnknownLoc::get(&context->context)) << "no source text";
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = hypatia::parseModule(
      llvm::StringRef(source, length),
      bufferName && *bufferName ? bufferName : "<string>", &context->context);
  if (!module)
    return nullptr;
  return new HypatiaModule{context, std::move(module)};
}

HypatiaModule *hypatiaModuleClone(HypatiaModule *module) {
  return new HypatiaModule{module->context, module->module->clone()};
}

void hypatiaModuleDestroy(HypatiaModule *module) { delete module; }

char *hypatiaModulePrint(HypatiaModule *module, int32_t withLocations) {
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  if (withLocations)
    flags.enableDebugInfo();
  // An invalid module (after a failed pass) still prints, generically; the
  // verifier's diagnostics are not the caller's concern here.
  size_t diagnosticsSize = module->context->diagnostics.size();
  if (failed(verify(*module->module)))
    flags.printGenericOpForm();
  module->context->diagnostics.resize(diagnosticsSize);
  module->module->print(os, flags);
  return hypatia::capi::copyString(text);
}

int32_t hypatiaModuleVerify(HypatiaModule *module) {
  return succeeded(verify(*module->module)) ? 1 : 0;
}
