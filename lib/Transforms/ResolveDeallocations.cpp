//===- ResolveDeallocations.cpp - Linear-time dealloc resolution ----------===//
//
// See the pass's description in Passes.td: upstream's
// buffer-deallocation-simplification compares the memrefs of a dealloc
// pairwise; where every candidate is its own memref.alloc, the answer is
// known without comparing.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace hypatia {
#define GEN_PASS_DEF_RESOLVEDEALLOCATIONS
#include "hypatia/Transforms/Passes.h.inc"
} // namespace hypatia

using namespace mlir;

/// The memref.alloc whose base buffer `memref` is (directly, or through
/// memref.extract_strided_metadata), else null.
static memref::AllocOp getAllocation(Value memref) {
  if (auto metadata = memref.getDefiningOp<memref::ExtractStridedMetadataOp>())
    if (metadata.getBaseBuffer() == memref)
      memref = metadata.getSource();
  return memref.getDefiningOp<memref::AllocOp>();
}

/// Replaces `dealloc` by what it does, where every memref it may free is the
/// base buffer of a distinct allocation and every retained value is an
/// allocation or a function argument; returns false (and changes nothing)
/// otherwise.
static bool resolve(bufferization::DeallocOp dealloc) {
  // The allocations that may be freed, with their conditions.
  SmallVector<std::pair<memref::AllocOp, Value>> candidates;
  llvm::SmallPtrSet<Operation *, 16> seen;
  for (auto [memref, condition] :
       llvm::zip(dealloc.getMemrefs(), dealloc.getConditions())) {
    if (matchPattern(condition, m_Zero()))
      continue;
    memref::AllocOp allocation = getAllocation(memref);
    if (!allocation || !seen.insert(allocation).second)
      return false;
    candidates.push_back({allocation, condition});
  }
  // Each retained value's allocation; a function argument is no allocation
  // of this function, so it aliases none of the candidates.
  DenseMap<Operation *, SmallVector<unsigned, 1>> retainedIndices;
  for (auto [index, retained] : llvm::enumerate(dealloc.getRetained())) {
    if (auto argument = dyn_cast<BlockArgument>(retained);
        argument && argument.getOwner()->isEntryBlock() &&
        isa<FunctionOpInterface>(argument.getOwner()->getParentOp()))
      continue;
    memref::AllocOp allocation = retained.getDefiningOp<memref::AllocOp>();
    if (!allocation)
      return false;
    retainedIndices[allocation].push_back(index);
  }

  OpBuilder builder(dealloc);
  Location loc = dealloc.getLoc();
  Value no = arith::ConstantIntOp::create(builder, loc, 0, 1);
  SmallVector<Value> updated(dealloc.getRetained().size(), no);
  for (auto [allocation, condition] : candidates) {
    auto retained = retainedIndices.find(allocation);
    if (retained != retainedIndices.end()) {
      for (unsigned index : retained->second)
        updated[index] = condition;
      continue;
    }
    if (matchPattern(condition, m_One())) {
      memref::DeallocOp::create(builder, loc, allocation.getResult());
      continue;
    }
    auto ifOwned = scf::IfOp::create(builder, loc, condition);
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(&ifOwned.getThenRegion().front());
    memref::DeallocOp::create(builder, loc, allocation.getResult());
  }
  dealloc->replaceAllUsesWith(updated);
  dealloc.erase();
  return true;
}

namespace {
struct ResolveDeallocationsPass
    : public hypatia::impl::ResolveDeallocationsBase<ResolveDeallocationsPass> {
  void runOnOperation() override {
    SmallVector<bufferization::DeallocOp> deallocs;
    getOperation().walk(
        [&](bufferization::DeallocOp dealloc) { deallocs.push_back(dealloc); });
    for (bufferization::DeallocOp dealloc : deallocs)
      resolve(dealloc);
  }
};
} // namespace
