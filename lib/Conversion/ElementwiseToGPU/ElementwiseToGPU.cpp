//===- ElementwiseToGPU.cpp - Elementwise ops as bandwidth-bound kernels --===//
//
// An elementwise linalg.generic on dense buffers touches every element once,
// so its kernel is as fast as its memory accesses: the buffers are seen as
// flat vectors, each thread moves one 16-byte vector per operand (all 132
// SMs busy at any size: one thread per vector, 256 per block), and the few
// elements past the last whole vector (or all of them, when a buffer is not
// 16-byte aligned) go element by element. The generic path (a parallel loop
// per dimension, one element per thread) kept a row per block and reached
// half the copy bandwidth.
//
// A matrix operand may also be a column block of a wider buffer (rows apart
// by more than their length: the two halves of a gated_linear's [M, 2N]
// product). Its elements are addressed by row and column; vectors stay
// within rows where the row length and the rows' distance are multiples of
// a vector.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Conversion/BufferAlignment.h"
#include "hypatia/Conversion/Passes.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace hypatia {
#define GEN_PASS_DEF_ELEMENTWISETOGPU
#include "hypatia/Conversion/Passes.h.inc"
} // namespace hypatia

using namespace mlir;
using namespace hypatia;

static constexpr int64_t kThreadsPerBlock = 256;

/// Whether `type` is a matrix of contiguous rows with any distance between
/// them (a column block of a wider row-major buffer).
static bool isColumnBlock(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return type.getRank() == 2 &&
         succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides[1] == 1;
}

/// The largest element size of `generic`'s operands if it is an elementwise
/// op this pass handles: dense buffers (or column blocks) of one shape,
/// identity indexing, no index-dependent body. (Element widths may differ: a
/// conversion.)
static std::optional<int64_t> getElementwiseBytes(linalg::GenericOp generic) {
  if (!generic.hasPureBufferSemantics() || generic.getNumDpsInits() < 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }) ||
      !generic.getBody()->getOps<linalg::IndexOp>().empty())
    return std::nullopt;
  std::optional<int64_t> bytes;
  ArrayRef<int64_t> shape;
  for (Value operand : generic->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !(type.getLayout().isIdentity() || isColumnBlock(type)) ||
        type.getRank() == 0 || !type.getElementType().isIntOrFloat())
      return std::nullopt;
    int64_t width = type.getElementTypeBitWidth() / 8;
    if (width == 0 || kElementwiseVectorBytes % width != 0 ||
        (!shape.empty() && shape != type.getShape()))
      return std::nullopt;
    bytes = std::max(bytes.value_or(0), width);
    shape = type.getShape();
  }
  return bytes;
}

/// `buffer` as a 1-D buffer of all its elements, if it is dense; a column
/// block stays a matrix.
static Value flatten(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getRank() == 1 || !type.getLayout().isIdentity())
    return buffer;
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  return memref::CollapseShapeOp::create(b, loc, buffer,
                                         ArrayRef<ReassociationIndices>{all});
}

/// Clones `generic`'s body on scalars `inputs` (one per input operand, then
/// one per init) and returns the values it yields.
static SmallVector<Value> cloneBody(OpBuilder &b, linalg::GenericOp generic,
                                    ValueRange arguments) {
  IRMapping mapping;
  Block *body = generic.getBody();
  mapping.map(body->getArguments(), arguments);
  for (Operation &op : body->without_terminator())
    b.clone(op, mapping);
  SmallVector<Value> results;
  for (Value value : body->getTerminator()->getOperands())
    results.push_back(mapping.lookupOrDefault(value));
  return results;
}

/// The indices of flat element `element` in `buffer`: itself in a flattened
/// buffer, (row, column) in a column block.
static SmallVector<Value> getIndices(OpBuilder &b, Location loc, Value buffer,
                                     Value element) {
  if (cast<MemRefType>(buffer.getType()).getRank() == 1)
    return {element};
  Value columns = memref::DimOp::create(b, loc, buffer, 1);
  return {arith::DivUIOp::create(b, loc, element, columns),
          arith::RemUIOp::create(b, loc, element, columns)};
}

/// An i1: whether a column block's rows keep `bytes`-byte vectors aligned and
/// within rows (row length and distance multiples of a vector).
static Value buildRowsHoldVectors(OpBuilder &b, Location loc, Value buffer,
                                  int64_t bytes) {
  auto type = cast<MemRefType>(buffer.getType());
  Value elementBytes =
      arith::ConstantIndexOp::create(b, loc, type.getElementTypeBitWidth() / 8);
  Value vectorBytes = arith::ConstantIndexOp::create(b, loc, bytes);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  Value aligned = arith::ConstantIntOp::create(b, loc, 1, 1);
  for (Value elements : {metadata.getSizes()[1], metadata.getStrides()[0]}) {
    Value remainder = arith::RemUIOp::create(
        b, loc, arith::MulIOp::create(b, loc, elements, elementBytes),
        vectorBytes);
    aligned = arith::AndIOp::create(
        b, loc, aligned,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, remainder,
                              zero));
  }
  return aligned;
}

/// The bytes of one `lanes`-element vector of `buffer`.
static int64_t getVectorBytes(Value buffer, int64_t lanes) {
  return lanes * cast<MemRefType>(buffer.getType()).getElementTypeBitWidth() /
         8;
}

static void lowerToKernel(linalg::GenericOp generic, int64_t elementBytes) {
  OpBuilder b(generic);
  Location loc = generic.getLoc();
  // 16 bytes of the widest operand per thread; narrower ones move less.
  int64_t lanes = kElementwiseVectorBytes / elementBytes;
  SmallVector<Value> flat;
  for (Value operand : generic->getOperands())
    flat.push_back(flatten(b, loc, operand));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  // Every operand has the generic's shape.
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  Value shaped = generic->getOperand(0);
  for (int64_t d = 0, e = cast<MemRefType>(shaped.getType()).getRank(); d < e;
       ++d)
    count = arith::MulIOp::create(b, loc, count,
                                  memref::DimOp::create(b, loc, shaped, d));

  // Vectors only where every buffer is aligned to them; the rest one element
  // at a time.
  Value aligned = arith::ConstantIntOp::create(b, loc, 1, 1);
  for (Value buffer : flat) {
    int64_t vectorBytes = getVectorBytes(buffer, lanes);
    aligned = arith::AndIOp::create(
        b, loc, aligned, buildIsAddressAligned(b, loc, buffer, vectorBytes));
    if (cast<MemRefType>(buffer.getType()).getRank() == 2)
      aligned = arith::AndIOp::create(
          b, loc, aligned, buildRowsHoldVectors(b, loc, buffer, vectorBytes));
  }
  Value lanesValue = arith::ConstantIndexOp::create(b, loc, lanes);
  Value numVectors = arith::SelectOp::create(
      b, loc, aligned, arith::DivUIOp::create(b, loc, count, lanesValue), zero);
  Value vectorEnd = arith::MulIOp::create(b, loc, numVectors, lanesValue);
  Value tail = arith::SubIOp::create(b, loc, count, vectorEnd);
  Value work = arith::MaxUIOp::create(b, loc, numVectors, tail);
  Value threads = arith::ConstantIndexOp::create(b, loc, kThreadsPerBlock);
  Value blocks = arith::CeilDivUIOp::create(b, loc, work, threads);

  // No launch for an empty tensor (a batch of 0).
  Value nonEmpty =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, work, zero);
  auto ifNonEmpty = scf::IfOp::create(b, loc, nonEmpty);
  b.setInsertionPointToStart(&ifNonEmpty.getThenRegion().front());
  auto launch =
      gpu::LaunchOp::create(b, loc, blocks, one, one, threads, one, one);
  b.setInsertionPointToStart(&launch.getBody().front());
  // Constants of the kernel are made inside it, so that they stay constants
  // there (outlining would pass values from the host as arguments).
  Value index = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(
          b, loc, launch.getBlockIds().x,
          arith::ConstantIndexOp::create(b, loc, kThreadsPerBlock)),
      launch.getThreadIds().x);
  unsigned numInputs = generic.getNumDpsInputs();

  // One vector per operand.
  Value inVectors = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                          index, numVectors);
  auto vectorPart = scf::IfOp::create(b, loc, inVectors);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&vectorPart.getThenRegion().front());
    Value start = arith::MulIOp::create(
        b, loc, index, arith::ConstantIndexOp::create(b, loc, lanes));
    SmallVector<Value> vectors;
    for (auto [i, buffer] : llvm::enumerate(flat)) {
      // Inits are read only if the body reads them.
      if (i >= numInputs && generic.getBody()->getArgument(i).use_empty()) {
        vectors.push_back(Value());
        continue;
      }
      auto type = VectorType::get(
          {lanes}, cast<MemRefType>(buffer.getType()).getElementType());
      vectors.push_back(vector::LoadOp::create(
          b, loc, type, buffer, getIndices(b, loc, buffer, start),
          /*nontemporal=*/false, llvm::Align(getVectorBytes(buffer, lanes))));
    }
    SmallVector<SmallVector<Value>> laneResults;
    for (int64_t lane = 0; lane < lanes; ++lane) {
      SmallVector<Value> scalars;
      for (auto [i, vector] : llvm::enumerate(vectors))
        scalars.push_back(
            vector
                ? vector::ExtractOp::create(b, loc, vector, lane).getResult()
                : arith::ConstantOp::create(
                      b, loc,
                      b.getZeroAttr(
                          cast<MemRefType>(flat[i].getType()).getElementType()))
                      .getResult());
      laneResults.push_back(cloneBody(b, generic, scalars));
    }
    for (unsigned r = 0; r < generic.getNumDpsInits(); ++r) {
      Value buffer = flat[numInputs + r];
      auto type = VectorType::get(
          {lanes}, cast<MemRefType>(buffer.getType()).getElementType());
      SmallVector<Value> elements;
      for (auto &results : laneResults)
        elements.push_back(results[r]);
      Value vector = vector::FromElementsOp::create(b, loc, type, elements);
      vector::StoreOp::create(
          b, loc, vector, buffer, getIndices(b, loc, buffer, start),
          /*nontemporal=*/false, llvm::Align(getVectorBytes(buffer, lanes)));
    }
  }

  // The elements after the last whole vector.
  Value inTail =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, index, tail);
  auto tailPart = scf::IfOp::create(b, loc, inTail);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&tailPart.getThenRegion().front());
    Value element = arith::AddIOp::create(b, loc, vectorEnd, index);
    SmallVector<Value> scalars;
    for (Value buffer : flat)
      scalars.push_back(memref::LoadOp::create(
          b, loc, buffer, getIndices(b, loc, buffer, element)));
    SmallVector<Value> results = cloneBody(b, generic, scalars);
    for (auto [r, result] : llvm::enumerate(results)) {
      Value buffer = flat[numInputs + r];
      memref::StoreOp::create(b, loc, result, buffer,
                              getIndices(b, loc, buffer, element));
    }
  }
  gpu::TerminatorOp::create(b, loc);
  generic.erase();
}

namespace {
struct ElementwiseToGPUPass
    : public hypatia::impl::ElementwiseToGPUBase<ElementwiseToGPUPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, int64_t>> generics;
    getOperation().walk([&](linalg::GenericOp generic) {
      if (generic->getParentOfType<gpu::LaunchOp>())
        return;
      if (std::optional<int64_t> bytes = getElementwiseBytes(generic))
        generics.emplace_back(generic, *bytes);
    });
    for (auto [generic, bytes] : generics)
      lowerToKernel(generic, bytes);
  }
};
} // namespace
