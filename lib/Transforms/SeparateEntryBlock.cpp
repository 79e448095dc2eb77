//===- SeparateEntryBlock.cpp - Operations out of the entry block ---------===//
//
// See the pass's description in Passes.td: a workaround for a cost in
// upstream dialect conversion that grows with the number of operations in
// the block of a function's arguments times the number of arguments.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Transforms/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace hypatia {
#define GEN_PASS_DEF_SEPARATEENTRYBLOCK
#include "hypatia/Transforms/Passes.h.inc"
} // namespace hypatia

using namespace mlir;

namespace {
struct SeparateEntryBlockPass
    : public hypatia::impl::SeparateEntryBlockBase<SeparateEntryBlockPass> {
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp function) {
      if (function.isExternal())
        return;
      Block &entry = function.getBody().front();
      // A function whose arguments have no uses gains nothing.
      if (llvm::all_of(entry.getArguments(), [](BlockArgument argument) {
            return argument.use_empty();
          }))
        return;
      Block *body = entry.splitBlock(entry.begin());
      OpBuilder builder = OpBuilder::atBlockEnd(&entry);
      cf::BranchOp::create(builder, function.getLoc(), body);
    });
  }
};
} // namespace
