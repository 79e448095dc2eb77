//===- Parse.h - Parsing modules from untrusted text ------------*- C++ -*-===//
//
// MLIR's parser and printer recurse once per level of nesting, so a few
// thousand nested brackets (regions, arrays, types) overflow the stack. Every
// entry point that parses text a user hands over (hypatia-compile,
// hypatia-run, the C API) goes through parseModule, which bounds the nesting
// first and reports where it goes too deep.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_COMPILER_PARSE_H
#define HYPATIA_COMPILER_PARSE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace hypatia {

/// The deepest nesting of brackets ((), [], {}, <>) a module may have: far
/// beyond any real program, far below what overflows the stack.
constexpr unsigned kMaxNestingDepth = 512;

/// Parses `source` (named `bufferName` in diagnostics) into a module, or
/// emits an error (located at the bracket that nests too deep, for that
/// case) and returns null.
mlir::OwningOpRef<mlir::ModuleOp> parseModule(llvm::StringRef source,
                                              llvm::StringRef bufferName,
                                              mlir::MLIRContext *context);

} // namespace hypatia

#endif // HYPATIA_COMPILER_PARSE_H
