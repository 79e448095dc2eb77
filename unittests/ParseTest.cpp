//===- ParseTest.cpp - parseModule on untrusted text ----------------------===//

#include "hypatia/Compiler/Parse.h"
#include "hypatia/Compiler/Compiler.h"
#include "hypatia/Registration.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/TargetParser/Host.h"

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

// host_cpu="native" is keyed in the compile cache by this machine's CPU and
// features, not the word "native": a cache shared with a machine of another
// CPU must not return code for this one (an illegal instruction there).
TEST(CompileKey, NativeHostCPUIsKeyedByTheMachine) {
  std::string identity = hypatia::getHostCPUIdentity("native");
  std::string prefix = "native:" + llvm::sys::getHostCPUName().str() + ":";
  EXPECT_EQ(identity.substr(0, prefix.size()), prefix);
  EXPECT_GT(identity.size(), prefix.size())
      << "no CPU features in " << identity;
  EXPECT_EQ(hypatia::getHostCPUIdentity("x86-64"), "x86-64");

  mlir::MLIRContext context(makeRegistry());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      hypatia::parseModule("module {}", "key", &context);
  ASSERT_TRUE(module);
  hypatia::CompileOptions native, baseline;
  native.hostCPU = "native";
  baseline.hostCPU = "x86-64";
  EXPECT_NE(hypatia::getCompileKey(*module, native),
            hypatia::getCompileKey(*module, baseline));
}
