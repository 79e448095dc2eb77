//===- MLPKernelToGPU.cpp - A whole MLP as one tensor-core kernel ---------===//
//
// A narrow MLP run as a chain of library GEMMs spends its time in launches
// and in writing and re-reading every hidden activation. Here the whole chain
// is one kernel: each warp owns 16 rows (the M of mma.sync m16n8k16) and
// carries them through every layer in registers. The accumulator fragment of
// a layer (per thread: rows g and g+8, columns 2t and 2t+1 of an 8-column
// tile) is exactly the A fragment layout of the next layer's 16-column k-tile
// once two neighbouring n-tiles are packed to f16/bf16 pairs, so activations
// never leave registers; weights and biases are staged in shared memory once
// per block, their rows padded by 16 bytes so that the 8 rows a B fragment
// reads fall in distinct banks.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Conversion/Passes.h"
#include "hypatia/Conversion/ScalarActivations.h"
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"
#include "hypatia/Dialect/Hypatia/IR/Target.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

#include <array>

namespace hypatia {
#define GEN_PASS_DEF_MLPKERNELTOGPU
#include "hypatia/Conversion/Passes.h.inc"
} // namespace hypatia

using namespace mlir;
using namespace hypatia;

static constexpr int64_t kWarpSize = 32;
static constexpr int64_t kWarpsPerBlock = 8;
/// Rows per warp tile and the shape of one mma.sync.
static constexpr int64_t kTileRows = 16, kTileCols = 8, kTileDepth = 16;
/// Blocks at most: two per SM of the H200's 132 (a block stages its weights
/// once and then strides over row tiles).
static constexpr int64_t kMaxBlocks = 264;
/// Elements of one 16-byte vector of f16/bf16 (weight staging).
static constexpr int64_t kVectorElements = 8;

/// 16-row tiles a warp carries at once: two while the widest layer is at most
/// 64 wide (the accumulators and A fragments of both fit the 128 registers a
/// thread has at two blocks per SM), else one.
static int64_t getTilesPerWarp(ArrayRef<int64_t> widths) {
  return *llvm::max_element(widths) <= 64 ? 2 : 1;
}

namespace {

/// Four registers of an A fragment or accumulator, or two of a B fragment.
using Fragment = SmallVector<Value, 4>;

/// Emits the body of one kernel: what a thread does.
class MLPKernelEmitter {
public:
  MLPKernelEmitter(OpBuilder &b, Location loc, MLPKernelOp op)
      : b(b), loc(loc), op(op),
        elementType(cast<MemRefType>(op.getInput().getType()).getElementType()),
        f32(b.getF32Type()), pairType(VectorType::get({2}, elementType)) {}

  void emit(gpu::LaunchOp launch, ArrayRef<int64_t> widths);

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value add(Value x, int64_t y) {
    return arith::AddIOp::create(b, loc, x, index(y));
  }

  /// Two neighbouring elements of a row as one mma operand register: an i32
  /// for bf16, a vector<2xf16> for f16 (as nvvm.mma.sync takes them).
  Value toRegister(Value pair) {
    if (elementType.isF16())
      return pair;
    Value word = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, b.getI32Type()), pair);
    return vector::ExtractOp::create(b, loc, word, 0);
  }
  /// Two neighbouring elements of a row; 4-byte aligned in shared memory
  /// (even columns of rows of a multiple of 16 bytes), element-aligned in
  /// global memory (a view may start anywhere).
  Value loadPair(Value buffer, ValueRange indices) {
    bool shared = gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(
        cast<MemRefType>(buffer.getType()));
    int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
    return vector::LoadOp::create(
        b, loc, pairType, buffer, indices, /*nontemporal=*/false,
        llvm::Align(shared ? 2 * elementBytes : elementBytes));
  }
  /// Two f32 values rounded to the element type, as a pair.
  Value roundPair(Value first, Value second) {
    return vector::FromElementsOp::create(
        b, loc, pairType,
        ValueRange{truncateTo(b, loc, first, elementType),
                   truncateTo(b, loc, second, elementType)});
  }

  Fragment mma(const Fragment &a, const Fragment &bFragment,
               const Fragment &c) {
    auto resultType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(4, f32));
    NVVM::MMATypes ptxType =
        elementType.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
    auto product =
        NVVM::MmaOp::create(b, loc, resultType, a, bFragment, c,
                            ArrayRef<int64_t>{kTileRows, kTileCols, kTileDepth},
                            /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
                            std::array<NVVM::MMATypes, 2>{ptxType, ptxType},
                            std::array<NVVM::MMALayout, 2>{
                                NVVM::MMALayout::row, NVVM::MMALayout::col});
    Fragment result;
    for (int64_t i = 0; i < 4; ++i)
      result.push_back(LLVM::ExtractValueOp::create(b, loc, product, i));
    return result;
  }

  OpBuilder &b;
  Location loc;
  MLPKernelOp op;
  Type elementType, f32;
  VectorType pairType;
};

} // namespace

void MLPKernelEmitter::emit(gpu::LaunchOp launch, ArrayRef<int64_t> widths) {
  unsigned numLayers = op.getNumLayers();
  int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
  Value thread = launch.getThreadIds().x;
  Value block = launch.getBlockIds().x;
  Value numBlocks = launch.getGridSize().x;
  Value threads = index(kWarpSize * kWarpsPerBlock);

  // Every layer's weight [N, K + 8] and bias [N] in shared memory, one after
  // the other; staged by all threads of the block with 16-byte vectors.
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value shared = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                      MemRefLayoutAttrInterface(), workgroup));
  SmallVector<Value> sharedWeights, sharedBiases;
  int64_t offset = 0;
  for (unsigned l = 0; l < numLayers; ++l) {
    int64_t n = widths[l + 1], k = widths[l];
    auto weightType = MemRefType::get({n, k + kVectorElements}, elementType,
                                      MemRefLayoutAttrInterface(), workgroup);
    sharedWeights.push_back(memref::ViewOp::create(
        b, loc, weightType, shared, index(offset), ValueRange{}));
    offset += n * (k + kVectorElements) * elementBytes;
    if (Value bias = op.getBiasOfLayer(l)) {
      auto biasType = MemRefType::get({n}, elementType,
                                      MemRefLayoutAttrInterface(), workgroup);
      sharedBiases.push_back(memref::ViewOp::create(
          b, loc, biasType, shared, index(offset), ValueRange{}));
      offset += n * elementBytes;
    }

    auto vectorType = VectorType::get({kVectorElements}, elementType);
    int64_t vectorsPerRow = k / kVectorElements;
    auto copy =
        scf::ForOp::create(b, loc, thread, index(n * vectorsPerRow), threads);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(copy.getBody());
      Value i = copy.getInductionVar();
      Value row = arith::DivUIOp::create(b, loc, i, index(vectorsPerRow));
      Value column = arith::MulIOp::create(
          b, loc, arith::RemUIOp::create(b, loc, i, index(vectorsPerRow)),
          index(kVectorElements));
      // Global rows may be views with any offset: element alignment there;
      // shared rows are 16-byte aligned by construction.
      Value vector = vector::LoadOp::create(
          b, loc, vectorType, op.getWeights()[l], ValueRange{row, column});
      vector::StoreOp::create(b, loc, vector, sharedWeights.back(),
                              ValueRange{row, column}, /*nontemporal=*/false,
                              llvm::Align(16));
    }
    if (Value bias = op.getBiasOfLayer(l)) {
      auto biasCopy = scf::ForOp::create(b, loc, thread, index(n), threads);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(biasCopy.getBody());
      Value i = biasCopy.getInductionVar();
      memref::StoreOp::create(b, loc, memref::LoadOp::create(b, loc, bias, i),
                              sharedBiases.back(), i);
    }
  }
  gpu::BarrierOp::create(b, loc);

  // Each warp takes 16-row tiles: thread (g, t) = (lane / 4, lane % 4) holds
  // rows g and g + 8 of a tile, columns 2t and 2t + 1 of each 8 columns.
  Value warp = arith::DivUIOp::create(b, loc, thread, index(kWarpSize));
  Value lane = arith::RemUIOp::create(b, loc, thread, index(kWarpSize));
  Value group = arith::DivUIOp::create(b, loc, lane, index(4));
  Value pairColumn = arith::MulIOp::create(
      b, loc, arith::RemUIOp::create(b, loc, lane, index(4)), index(2));
  Value input = op.getInput(), output = op.getInit();
  Value rows = memref::DimOp::create(b, loc, input, 0);
  // A warp takes `tilesPerWarp` tiles of 16 rows at a time: each weight
  // fragment read from shared memory then serves that many mma.sync.
  int64_t tilesPerWarp = getTilesPerWarp(widths);
  Value numWarpTiles =
      arith::CeilDivUIOp::create(b, loc, rows, index(kTileRows * tilesPerWarp));
  Value firstTile = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, block, index(kWarpsPerBlock)),
      warp);
  Value tileStride =
      arith::MulIOp::create(b, loc, numBlocks, index(kWarpsPerBlock));
  auto tiles = scf::ForOp::create(b, loc, firstTile, numWarpTiles, tileStride);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(tiles.getBody());

  Value warpRow = arith::MulIOp::create(b, loc, tiles.getInductionVar(),
                                        index(kTileRows * tilesPerWarp));
  // Rows past the batch are read as the last row (rows do not mix in an
  // MLP) and never stored.
  Value lastRow = arith::SubIOp::create(b, loc, rows, index(1));
  // Per tile: the rows this thread holds (g and g + 8) and where it reads
  // them; then the A fragments, one per 16-column k-tile.
  SmallVector<std::array<Value, 2>> tileRows;
  SmallVector<SmallVector<Fragment>> a(tilesPerWarp);
  for (int64_t tile = 0; tile < tilesPerWarp; ++tile) {
    Value upperRow =
        arith::AddIOp::create(b, loc, add(warpRow, tile * kTileRows), group);
    Value lowerRow = add(upperRow, 8);
    tileRows.push_back({upperRow, lowerRow});
    Value upperRead = arith::MinUIOp::create(b, loc, upperRow, lastRow);
    Value lowerRead = arith::MinUIOp::create(b, loc, lowerRow, lastRow);
    for (int64_t kt = 0; kt < widths[0] / kTileDepth; ++kt) {
      Value column = add(pairColumn, kt * kTileDepth);
      Value column8 = add(column, 8);
      a[tile].push_back({toRegister(loadPair(input, {upperRead, column})),
                         toRegister(loadPair(input, {lowerRead, column})),
                         toRegister(loadPair(input, {upperRead, column8})),
                         toRegister(loadPair(input, {lowerRead, column8}))});
    }
  }

  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  for (unsigned l = 0; l < numLayers; ++l) {
    int64_t k = widths[l], n = widths[l + 1];
    SmallVector<SmallVector<Fragment>> c(
        tilesPerWarp, SmallVector<Fragment>(n / kTileCols, Fragment(4, zero)));
    for (int64_t kt = 0; kt < k / kTileDepth; ++kt) {
      Value column = add(pairColumn, kt * kTileDepth);
      Value column8 = add(column, 8);
      for (int64_t nt = 0; nt < n / kTileCols; ++nt) {
        Value weightRow = add(group, nt * kTileCols);
        Fragment bFragment = {
            toRegister(loadPair(sharedWeights[l], {weightRow, column})),
            toRegister(loadPair(sharedWeights[l], {weightRow, column8}))};
        for (int64_t tile = 0; tile < tilesPerWarp; ++tile)
          c[tile][nt] = mma(a[tile][kt], bFragment, c[tile][nt]);
      }
    }

    Activation activation = op.getActivationOfLayer(l);
    for (int64_t tile = 0; tile < tilesPerWarp; ++tile) {
      // Epilogue in f32: bias, activation; then rounded pairs.
      SmallVector<std::array<Value, 2>> upperPairs, lowerPairs;
      for (int64_t nt = 0; nt < n / kTileCols; ++nt) {
        Value column = add(pairColumn, nt * kTileCols);
        Fragment values = c[tile][nt];
        if (!sharedBiases.empty()) {
          Value bias = loadPair(sharedBiases[l], {column});
          for (int64_t i = 0; i < 4; ++i) {
            Value element = vector::ExtractOp::create(b, loc, bias, i % 2);
            values[i] = arith::AddFOp::create(b, loc, values[i],
                                              extendTo(b, loc, element, f32));
          }
        }
        for (Value &value : values)
          value = buildActivation(b, loc, value, activation);
        upperPairs.push_back({values[0], values[1]});
        lowerPairs.push_back({values[2], values[3]});
      }

      if (l + 1 < numLayers) {
        // Two neighbouring n-tiles are the next layer's k-tile.
        a[tile].clear();
        auto pack = [&](std::array<Value, 2> pair) {
          return toRegister(roundPair(pair[0], pair[1]));
        };
        for (int64_t j = 0; j < n / kTileDepth; ++j)
          a[tile].push_back({pack(upperPairs[2 * j]), pack(lowerPairs[2 * j]),
                             pack(upperPairs[2 * j + 1]),
                             pack(lowerPairs[2 * j + 1])});
        continue;
      }
      // The last layer's pairs go to the result, rows within the batch
      // only.
      for (auto [row, pairs] :
           {std::make_pair(tileRows[tile][0], &upperPairs),
            std::make_pair(tileRows[tile][1], &lowerPairs)}) {
        Value inBatch =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, rows);
        auto store = scf::IfOp::create(b, loc, inBatch);
        OpBuilder::InsertionGuard storeGuard(b);
        b.setInsertionPointToStart(&store.getThenRegion().front());
        for (int64_t nt = 0; nt < n / kTileCols; ++nt)
          vector::StoreOp::create(
              b, loc, roundPair((*pairs)[nt][0], (*pairs)[nt][1]), output,
              ValueRange{row, add(pairColumn, nt * kTileCols)});
      }
    }
  }
}

/// The widths of `op`'s chain: the input's features, then each layer's.
static SmallVector<int64_t> getWidths(MLPKernelOp op) {
  SmallVector<int64_t> widths = {
      cast<MemRefType>(op.getInput().getType()).getDimSize(1)};
  for (Value weight : op.getWeights())
    widths.push_back(cast<MemRefType>(weight.getType()).getDimSize(0));
  return widths;
}

static LogicalResult lowerToKernel(MLPKernelOp op) {
  if (op.getResult())
    return op.emitOpError("is still on tensors: run it after bufferization");
  for (Value operand : op->getOperands()) {
    auto type = cast<MemRefType>(operand.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1)
      return op.emitOpError()
             << "operand of type " << type << " does not have contiguous rows";
  }
  SmallVector<int64_t> widths = getWidths(op);
  Type elementType = cast<MemRefType>(op.getInput().getType()).getElementType();
  int64_t sharedBytes = 0;
  for (unsigned l = 0; l < op.getNumLayers(); ++l)
    sharedBytes += TargetInfo::getFusedMLPLayerSharedBytes(
        widths[l + 1], widths[l], !op.getBiases().empty(),
        elementType.getIntOrFloatBitWidth() / 8);

  OpBuilder b(op);
  Location loc = op.getLoc();
  auto index = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(b, loc, value);
  };
  Value rows = memref::DimOp::create(b, loc, op.getInput(), 0);
  Value tiles = arith::CeilDivUIOp::create(
      b, loc, rows, index(kTileRows * getTilesPerWarp(widths)));
  Value blocks = arith::MinUIOp::create(
      b, loc, arith::CeilDivUIOp::create(b, loc, tiles, index(kWarpsPerBlock)),
      index(kMaxBlocks));
  // No launch for an empty batch.
  Value nonEmpty = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt,
                                         blocks, index(0));
  auto ifNonEmpty = scf::IfOp::create(b, loc, nonEmpty);
  b.setInsertionPointToStart(&ifNonEmpty.getThenRegion().front());
  Value one = index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, blocks, one, one, index(kWarpSize * kWarpsPerBlock), one, one,
      arith::ConstantIntOp::create(b, loc, sharedBytes, 32));
  b.setInsertionPointToStart(&launch.getBody().front());
  MLPKernelEmitter(b, loc, op).emit(launch, widths);
  gpu::TerminatorOp::create(b, loc);
  op.erase();
  return success();
}

namespace {
struct MLPKernelToGPUPass
    : public hypatia::impl::MLPKernelToGPUBase<MLPKernelToGPUPass> {
  void runOnOperation() override {
    SmallVector<MLPKernelOp> kernels;
    getOperation().walk([&](MLPKernelOp op) { kernels.push_back(op); });
    for (MLPKernelOp op : kernels)
      if (failed(lowerToKernel(op)))
        return signalPassFailure();
  }
};
} // namespace
