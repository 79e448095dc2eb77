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
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

#include <array>
#include <functional>

namespace hypatia {
#define GEN_PASS_DEF_MLPKERNELTOGPU
#include "hypatia/Conversion/Passes.h.inc"
} // namespace hypatia

using namespace mlir;
using namespace hypatia;

// kWarpSize (32) comes with the NVGPU dialect.
static constexpr int64_t kWarpsPerBlock = 8;
/// Rows per warp tile and the shape of one mma.sync.
static constexpr int64_t kTileRows = 16, kTileCols = 8, kTileDepth = 16;
/// Elements of one 16-byte vector of f16/bf16 (weight staging).
static constexpr int64_t kVectorElements = 8;

/// 16-row tiles a warp carries at once: as many as keep the accumulators of
/// the widest layer within 64 registers per thread (four up to 32 features,
/// two up to 64, else one). Each weight fragment read from shared memory
/// serves that many mma.sync, and more rows are loaded per prefetch.
static int64_t getTilesPerWarp(ArrayRef<int64_t> widths) {
  int64_t widest = *llvm::max_element(widths);
  return widest <= 32 ? 4 : widest <= 64 ? 2 : 1;
}

/// Registers per thread that hold prefetched input: enough warp tiles ahead
/// to keep about this many in flight (narrow inputs are prefetched two tiles
/// ahead, so that a multiprocessor has enough bytes in flight to cover the
/// memory's latency).
static constexpr int64_t kPrefetchRegisters = 32;

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
  /// Two f32 values rounded to the element type, as a pair, by one
  /// cvt.rn(.relu).{bf16x2,f16x2}.f32; with `relu`, negative values become 0
  /// (rounding keeps the sign, so this is ReLU before rounding).
  Value roundPair(Value first, Value second, bool relu) {
    if (elementType.isF16())
      return NVVM::ConvertF32x2ToF16x2Op::create(
          b, loc, pairType, /*src_hi=*/second, /*src_lo=*/first,
          /*random_bits=*/Value(), NVVM::FPRoundingMode::RN,
          NVVM::SaturationMode::NONE, relu);
    return NVVM::ConvertF32x2ToBF16x2Op::create(
        b, loc, pairType, /*src_hi=*/second, /*src_lo=*/first,
        /*random_bits=*/Value(), NVVM::FPRoundingMode::RN,
        NVVM::SaturationMode::NONE, relu);
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

  // Each warp takes 16-row tiles: thread (g, t) = (lane / 4, lane % 4) holds
  // rows g and g + 8 of a tile, columns 2t and 2t + 1 of each 8 columns.
  Value warp = arith::DivUIOp::create(b, loc, thread, index(kWarpSize));
  Value lane = arith::RemUIOp::create(b, loc, thread, index(kWarpSize));
  Value group = arith::DivUIOp::create(b, loc, lane, index(4));
  Value pairColumn = arith::MulIOp::create(
      b, loc, arith::RemUIOp::create(b, loc, lane, index(4)), index(2));
  // ldmatrix.x4 of weights reads two n-tiles of one k-tile: 8x8 matrices
  // (n-tile 0, k 0..7), (n-tile 0, k 8..15), (n-tile 1, k 0..7),
  // (n-tile 1, k 8..15); lane 8m + r gives the address of row r of matrix m.
  // Each matrix lands in the registers of a B fragment.
  Value matrix = arith::DivUIOp::create(b, loc, lane, index(8));
  Value matrixRowOffset = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, matrix, index(2)), index(8)),
      arith::RemUIOp::create(b, loc, lane, index(8)));
  Value matrixColumnOffset = arith::MulIOp::create(
      b, loc, arith::RemUIOp::create(b, loc, matrix, index(2)), index(8));

  Value input = op.getInput(), output = op.getInit();
  Value rows = memref::DimOp::create(b, loc, input, 0);
  // A warp takes `tilesPerWarp` tiles of 16 rows at a time: each weight
  // fragment read from shared memory then serves that many mma.sync.
  int64_t tilesPerWarp = getTilesPerWarp(widths);
  int64_t warpTileRows = kTileRows * tilesPerWarp;
  Value numWarpTiles =
      arith::CeilDivUIOp::create(b, loc, rows, index(warpTileRows));
  Value firstTile = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, block, index(kWarpsPerBlock)),
      warp);
  Value tileStride =
      arith::MulIOp::create(b, loc, numBlocks, index(kWarpsPerBlock));
  // Rows past the batch are read as the last row (rows do not mix in an
  // MLP) and never stored.
  Value lastRow = arith::SubIOp::create(b, loc, rows, index(1));
  auto threadRows = [&](Value warpTile, int64_t tile) -> std::array<Value, 2> {
    Value upper = arith::AddIOp::create(
        b, loc,
        add(arith::MulIOp::create(b, loc, warpTile, index(warpTileRows)),
            tile * kTileRows),
        group);
    return {upper, add(upper, 8)};
  };
  // The first layer's A fragments of a warp tile, read from global memory
  // (per tile, per 16-column k-tile, four registers).
  auto loadInput = [&](Value warpTile) {
    SmallVector<Value> fragments;
    for (int64_t tile = 0; tile < tilesPerWarp; ++tile) {
      auto [upperRow, lowerRow] = threadRows(warpTile, tile);
      Value upperRead = arith::MinUIOp::create(b, loc, upperRow, lastRow);
      Value lowerRead = arith::MinUIOp::create(b, loc, lowerRow, lastRow);
      for (int64_t kt = 0; kt < widths[0] / kTileDepth; ++kt) {
        Value column = add(pairColumn, kt * kTileDepth);
        Value column8 = add(column, 8);
        for (auto [row, col] :
             {std::pair(upperRead, column), std::pair(lowerRead, column),
              std::pair(upperRead, column8), std::pair(lowerRead, column8)})
          fragments.push_back(toRegister(loadPair(input, {row, col})));
      }
    }
    return fragments;
  };

  // The first tiles' input is in flight while the weights are staged.
  int64_t inputTiles = widths[0] / kTileDepth;
  int64_t registersPerTile = tilesPerWarp * inputTiles * 4;
  int64_t prefetchDepth =
      std::max<int64_t>(1, kPrefetchRegisters / registersPerTile);
  SmallVector<Value> firstInput;
  for (int64_t ahead = 0; ahead < prefetchDepth; ++ahead)
    llvm::append_range(firstInput, loadInput(arith::AddIOp::create(
                                       b, loc, firstTile,
                                       arith::MulIOp::create(b, loc, tileStride,
                                                             index(ahead)))));

  // Every layer's weight [N, K + 8] and bias [N] (in f32: it initialises the
  // accumulators) in shared memory, one after the other; staged by all
  // threads of the block, weights with 16-byte vectors.
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value shared = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                      MemRefLayoutAttrInterface(), workgroup));
  SmallVector<Value> sharedWeights, sharedBiases;
  int64_t offset = 0;
  // Staging copies `count` elements (or vectors) with all threads: every
  // load of the block is issued before any store, so that they are in
  // flight together (a loop of load-then-store waits for each load in turn;
  // the counts are static). The last round's loads are clamped to the last
  // element and its stores guarded.
  int64_t blockThreads = kWarpSize * kWarpsPerBlock;
  SmallVector<std::function<void()>> pendingStores;
  auto stage = [&](int64_t count, llvm::function_ref<Value(Value)> load,
                   std::function<void(Value, Value)> store) {
    for (int64_t round = 0; round * blockThreads < count; ++round) {
      Value i = add(thread, round * blockThreads);
      bool guarded = (round + 1) * blockThreads > count;
      Value value = load(
          guarded ? arith::MinUIOp::create(b, loc, i, index(count - 1)) : i);
      pendingStores.push_back([&, store, value, i, guarded, count] {
        if (!guarded)
          return store(value, i);
        Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                              i, index(count));
        auto ifInRange = scf::IfOp::create(b, loc, inRange);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&ifInRange.getThenRegion().front());
        store(value, i);
      });
    }
  };
  for (unsigned l = 0; l < numLayers; ++l) {
    int64_t n = widths[l + 1], k = widths[l];
    auto weightType = MemRefType::get({n, k + kVectorElements}, elementType,
                                      MemRefLayoutAttrInterface(), workgroup);
    sharedWeights.push_back(memref::ViewOp::create(
        b, loc, weightType, shared, index(offset), ValueRange{}));
    offset += n * (k + kVectorElements) * elementBytes;
    if (Value bias = op.getBiasOfLayer(l)) {
      auto biasType =
          MemRefType::get({n}, f32, MemRefLayoutAttrInterface(), workgroup);
      sharedBiases.push_back(memref::ViewOp::create(
          b, loc, biasType, shared, index(offset), ValueRange{}));
      offset += n * 4;
    }

    auto vectorType = VectorType::get({kVectorElements}, elementType);
    int64_t vectorsPerRow = k / kVectorElements;
    Value weight = op.getWeights()[l], sharedWeight = sharedWeights.back();
    auto rowAndColumn = [&, vectorsPerRow](Value i) -> std::array<Value, 2> {
      return {arith::DivUIOp::create(b, loc, i, index(vectorsPerRow)),
              arith::MulIOp::create(
                  b, loc,
                  arith::RemUIOp::create(b, loc, i, index(vectorsPerRow)),
                  index(kVectorElements))};
    };
    stage(
        n * vectorsPerRow,
        [&](Value i) {
          // Global rows may be views with any offset: element alignment
          // there; shared rows are 16-byte aligned by construction.
          auto [row, column] = rowAndColumn(i);
          return vector::LoadOp::create(b, loc, vectorType, weight,
                                        ValueRange{row, column});
        },
        [&, sharedWeight, rowAndColumn](Value vector, Value i) {
          auto [row, column] = rowAndColumn(i);
          vector::StoreOp::create(b, loc, vector, sharedWeight,
                                  ValueRange{row, column},
                                  /*nontemporal=*/false, llvm::Align(16));
        });
    if (Value bias = op.getBiasOfLayer(l)) {
      Value sharedBias = sharedBiases.back();
      stage(
          n,
          [&](Value i) -> Value {
            return extendTo(b, loc, memref::LoadOp::create(b, loc, bias, i),
                            f32);
          },
          [&, sharedBias](Value value, Value i) {
            memref::StoreOp::create(b, loc, value, sharedBias, i);
          });
    }
  }
  for (const std::function<void()> &store : pendingStores)
    store();
  gpu::BarrierOp::create(b, loc);

  // A grid-stride loop over warp tiles that loads the input of the tile
  // `prefetchDepth` strides ahead while it computes this one: the loads are
  // in flight during the layers. The iteration arguments are the inputs of
  // this tile and the next prefetchDepth - 1.
  auto tiles = scf::ForOp::create(b, loc, firstTile, numWarpTiles, tileStride,
                                  firstInput);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(tiles.getBody());
  Value warpTile = tiles.getInductionVar();
  SmallVector<Value> nextInput(
      tiles.getRegionIterArgs().drop_front(registersPerTile));
  llvm::append_range(
      nextInput,
      loadInput(arith::AddIOp::create(
          b, loc, warpTile,
          arith::MulIOp::create(b, loc, tileStride, index(prefetchDepth)))));

  SmallVector<SmallVector<Fragment>> a(tilesPerWarp);
  for (int64_t tile = 0; tile < tilesPerWarp; ++tile)
    for (int64_t kt = 0; kt < inputTiles; ++kt) {
      auto registers =
          tiles.getRegionIterArgs().slice((tile * inputTiles + kt) * 4, 4);
      a[tile].push_back(Fragment(registers.begin(), registers.end()));
    }

  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  for (unsigned l = 0; l < numLayers; ++l) {
    int64_t k = widths[l], n = widths[l + 1];
    // Accumulators start at the bias (f32 pairs of the thread's columns).
    SmallVector<Fragment> initial;
    for (int64_t nt = 0; nt < n / kTileCols; ++nt) {
      if (sharedBiases.empty()) {
        initial.push_back(Fragment(4, zero));
        continue;
      }
      Value bias = vector::LoadOp::create(
          b, loc, VectorType::get({2}, f32), sharedBiases[l],
          ValueRange{add(pairColumn, nt * kTileCols)}, /*nontemporal=*/false,
          llvm::Align(8));
      Value first = vector::ExtractOp::create(b, loc, bias, 0);
      Value second = vector::ExtractOp::create(b, loc, bias, 1);
      initial.push_back({first, second, first, second});
    }
    SmallVector<SmallVector<Fragment>> c(tilesPerWarp, initial);
    for (int64_t kt = 0; kt < k / kTileDepth; ++kt) {
      for (int64_t nt = 0; nt < n / kTileCols; nt += 2) {
        Value matrices = nvgpu::LdMatrixOp::create(
            b, loc, VectorType::get({4, 2}, elementType), sharedWeights[l],
            ValueRange{add(matrixRowOffset, nt * kTileCols),
                       add(matrixColumnOffset, kt * kTileDepth)},
            /*transpose=*/false, /*numTiles=*/4);
        auto row = [&](int64_t i) {
          return toRegister(vector::ExtractOp::create(b, loc, matrices, i));
        };
        std::array<Fragment, 2> bFragments = {Fragment{row(0), row(1)},
                                              Fragment{row(2), row(3)}};
        for (int64_t half = 0; half < 2; ++half)
          for (int64_t tile = 0; tile < tilesPerWarp; ++tile)
            c[tile][nt + half] =
                mma(a[tile][kt], bFragments[half], c[tile][nt + half]);
      }
    }

    Activation activation = op.getActivationOfLayer(l);
    // ReLU is part of the rounding instruction (cvt.rn.relu); other
    // activations are evaluated in f32 first.
    bool reluInRounding = activation == Activation::relu;
    for (int64_t tile = 0; tile < tilesPerWarp; ++tile) {
      // Rounded pairs of the thread's upper and lower row per n-tile.
      SmallVector<Value> upperPairs, lowerPairs;
      for (int64_t nt = 0; nt < n / kTileCols; ++nt) {
        Fragment values = c[tile][nt];
        if (!reluInRounding)
          for (Value &value : values)
            value = buildActivation(b, loc, value, activation);
        upperPairs.push_back(roundPair(values[0], values[1], reluInRounding));
        lowerPairs.push_back(roundPair(values[2], values[3], reluInRounding));
      }

      if (l + 1 < numLayers) {
        // Two neighbouring n-tiles are the next layer's k-tile.
        a[tile].clear();
        for (int64_t j = 0; j < n / kTileDepth; ++j)
          a[tile].push_back({toRegister(upperPairs[2 * j]),
                             toRegister(lowerPairs[2 * j]),
                             toRegister(upperPairs[2 * j + 1]),
                             toRegister(lowerPairs[2 * j + 1])});
        continue;
      }
      // The last layer's pairs go to the result, rows within the batch
      // only.
      auto [upperRow, lowerRow] = threadRows(warpTile, tile);
      for (auto [row, pairs] : {std::make_pair(upperRow, &upperPairs),
                                std::make_pair(lowerRow, &lowerPairs)}) {
        Value inBatch =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, rows);
        auto store = scf::IfOp::create(b, loc, inBatch);
        OpBuilder::InsertionGuard storeGuard(b);
        b.setInsertionPointToStart(&store.getThenRegion().front());
        for (int64_t nt = 0; nt < n / kTileCols; ++nt)
          vector::StoreOp::create(
              b, loc, (*pairs)[nt], output,
              ValueRange{row, add(pairColumn, nt * kTileCols)});
      }
    }
  }
  scf::YieldOp::create(b, loc, nextInput);
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
  // A persistent grid: one block per multiprocessor at most (a block's
  // registers and shared memory take one), each striding over warp tiles, so
  // that weights are staged once per multiprocessor and no second wave
  // waits for the first (measured on the H200: narrow bf16 0.077 ms with two
  // blocks per multiprocessor, 0.065 with one).
  Value blocks = arith::MinUIOp::create(
      b, loc, arith::CeilDivUIOp::create(b, loc, tiles, index(kWarpsPerBlock)),
      index(TargetInfo::getFor(op).multiprocessors));
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
