//===- ParseTest.cpp - parseModule on untrusted text ----------------------===//

#include "hypatia/Compiler/Parse.h"
#include "hypatia/Registration.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <string>

namespace {

mlir::DialectRegistry makeRegistry() {
  mlir::DialectRegistry registry;
  hypatia::registerDialects(registry);
  return registry;
}

// The text is a slice of a longer string, with no NUL after it: the parser
// must stop at the slice's end (MLIR's lexer reads to a NUL; the fuzzer
// found it reading past the end of such input).
TEST(ParseModule, StopsAtTheEndOfASlice) {
  mlir::MLIRContext context(makeRegistry());
  std::string text = "module {} this is not MLIR";
  mlir::OwningOpRef<mlir::ModuleOp> module =
      hypatia::parseModule(llvm::StringRef(text.data(), 9), "slice", &context);
  EXPECT_TRUE(module);
}

TEST(ParseModule, RefusesDeepNestingWithALocation) {
  mlir::MLIRContext context(makeRegistry());
  std::string error;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    error = d.str();
    return mlir::success();
  });
  std::string text(hypatia::kMaxNestingDepth + 1, '[');
  EXPECT_FALSE(hypatia::parseModule(text, "deep", &context));
  EXPECT_NE(error.find("nesting deeper than"), std::string::npos) << error;
}

} // namespace
