//===- Parse.cpp - Parsing modules from untrusted text --------------------===//

#include "hypatia/Compiler/Parse.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

namespace {
/// Where a bracket nests deeper than the limit, if one does.
struct TooDeep {
  unsigned line, column;
};
} // namespace

/// Scans `source` for nesting depth: brackets outside string literals and
/// comments; `->`, `<=` and `>=` are not brackets.
static std::optional<TooDeep> findTooDeep(llvm::StringRef source) {
  unsigned depth = 0, line = 1, column = 0;
  for (size_t i = 0, e = source.size(); i < e; ++i) {
    char c = source[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      continue;
    }
    char next = i + 1 < e ? source[i + 1] : '\0';
    char previous = i > 0 ? source[i - 1] : '\0';
    if (c == '/' && next == '/') {
      i = std::min(source.find('\n', i), e) - 1;
      continue;
    }
    if (c == '"') {
      // To the closing quote; a backslash escapes the next character.
      for (++i; i < e && source[i] != '"'; ++i)
        if (source[i] == '\\')
          ++i;
      continue;
    }
    bool opens = c == '(' || c == '[' || c == '{' || (c == '<' && next != '=');
    bool closes = c == ')' || c == ']' || c == '}' ||
                  (c == '>' && previous != '-' && next != '=');
    if (opens && ++depth > hypatia::kMaxNestingDepth)
      return TooDeep{line, column};
    if (closes && depth > 0)
      --depth;
  }
  return std::nullopt;
}

OwningOpRef<ModuleOp> hypatia::parseModule(llvm::StringRef source,
                                           llvm::StringRef bufferName,
                                           MLIRContext *context) {
  if (std::optional<TooDeep> tooDeep = findTooDeep(source)) {
    emitError(FileLineColLoc::get(context, bufferName, tooDeep->line,
                                  tooDeep->column))
        << "nesting deeper than " << kMaxNestingDepth
        << " levels of brackets: refusing to parse";
    return nullptr;
  }
  // MLIR's lexer reads up to a NUL after the text, and parseSourceString
  // does not copy (llvm/llvm-project#154462): a slice of a larger string, or
  // bytes handed over without a terminator, were read past their end (found
  // by fuzz/hypatia-fuzz.cpp under AddressSanitizer). A copy has the NUL.
  llvm::SourceMgr sourceManager;
  sourceManager.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, bufferName), llvm::SMLoc());
  ParserConfig config(context);
  return parseSourceFile<ModuleOp>(sourceManager, config);
}
