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

#include "hypatia/Conversion/BufferAlignment.h"
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
static int64_t getTilesPerWarp(ArrayRef<int64_t> paddedWidths) {
  int64_t widest = *llvm::max_element(paddedWidths);
  return widest <= 32 ? 4 : widest <= 64 ? 2 : 1;
}

/// Registers per thread that hold prefetched input: enough warp tiles ahead
/// to keep about this many in flight (narrow inputs are prefetched two tiles
/// ahead, so that a multiprocessor has enough bytes in flight to cover the
/// memory's latency).
static constexpr int64_t kPrefetchRegisters = 32;

/// Elements of a row that one thread reads of the input, or writes of the
/// result, with one access: 8 (16 bytes) where the padded width is a multiple
/// of 32, else 4. See MLPKernelEmitter's input and output layouts.
static int64_t getRowVector(int64_t paddedWidth) {
  return paddedWidth % 32 == 0 ? 8 : 4;
}

namespace {
/// The widths of a kernel's chain: the input's features, then each layer's;
/// the widths it computes at; and the elements per access along a row of the
/// input and of the result.
struct ChainShape {
  SmallVector<int64_t> widths, padded;
  int64_t inputVector, outputVector;

  explicit ChainShape(MLPKernelOp op) {
    widths.push_back(cast<MemRefType>(op.getInput().getType()).getDimSize(1));
    for (Value weight : op.getWeights())
      widths.push_back(cast<MemRefType>(weight.getType()).getDimSize(0));
    for (int64_t width : widths)
      padded.push_back(TargetInfo::getFusedMLPPaddedWidth(width));
    inputVector = getRowVector(padded.front());
    outputVector = getRowVector(padded.back());
  }
};
} // namespace

namespace {

/// Four registers of an A fragment or accumulator, or two of a B fragment.
using Fragment = SmallVector<Value, 4>;

/// Emits the body of one kernel: what a thread does.
///
/// Every width is computed padded to a multiple of 16 (zero weights and
/// biases in shared memory; the input's missing columns read as zero, the
/// result's are not written), so that first and last layers of any width
/// (3 -> 64, 64 -> 1) run on the same tiles.
///
/// Global accesses are vectors along rows. An mma.sync A fragment gives
/// thread (g, t) columns 2t, 2t+1, 2t+8, 2t+9 of each 16-column k-tile, which
/// are not contiguous; but a layer's sum over k does not depend on the order
/// of k, so the first layer's columns are permuted (in its staged weight) to
/// make the `inputVector` columns a thread needs from a row contiguous in the
/// input. Likewise the last layer's output columns are permuted (its staged
/// weight rows and bias) so that the columns a thread holds are contiguous in
/// the result.
class MLPKernelEmitter {
public:
  MLPKernelEmitter(OpBuilder &b, Location loc, MLPKernelOp op,
                   const ChainShape &shape, bool inputAligned,
                   bool outputAligned)
      : b(b), loc(loc), op(op),
        elementType(cast<MemRefType>(op.getInput().getType()).getElementType()),
        f32(b.getF32Type()), pairType(VectorType::get({2}, elementType)),
        widths(shape.widths), padded(shape.padded),
        inputVector(shape.inputVector), outputVector(shape.outputVector),
        inputAligned(inputAligned), outputAligned(outputAligned) {}

  void emit(gpu::LaunchOp launch);

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value add(Value x, int64_t y) {
    return arith::AddIOp::create(b, loc, x, index(y));
  }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, index(y));
  }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, index(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, index(y));
  }
  Value less(Value x, int64_t y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x,
                                 index(y));
  }
  Value min(Value x, int64_t y) {
    return arith::MinUIOp::create(b, loc, x, index(y));
  }
  Value zeroOf(Type type) {
    return arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
  }

  /// The input column that column `p` of the first layer's staged weight
  /// multiplies: thread t reads columns [4vq + vt, 4vq + vt + v) of each row
  /// (v = inputVector, q counting groups of v / 4 k-tiles), and element 4j + s
  /// of that vector is slot s (columns 2t, 2t+1, 2t+8, 2t+9) of the group's
  /// k-tile j.
  Value getInputColumn(Value p) {
    Value kTile = div(p, kTileDepth), inTile = rem(p, kTileDepth);
    Value slot =
        arith::AddIOp::create(b, loc, mul(div(inTile, 8), 2), rem(inTile, 2));
    Value thread = div(rem(inTile, 8), 2);
    int64_t tilesPerVector = inputVector / 4;
    Value column = mul(div(kTile, tilesPerVector), 4 * inputVector);
    column = arith::AddIOp::create(b, loc, column, mul(thread, inputVector));
    column = arith::AddIOp::create(b, loc, column,
                                   mul(rem(kTile, tilesPerVector), 4));
    return arith::AddIOp::create(b, loc, column, slot);
  }
  /// The result column that row `p` of the last layer's staged weight (and
  /// bias) computes: thread t holds columns 2t, 2t+1 of each 8-column n-tile;
  /// n-tile j of a group of v / 2 (v = outputVector) gives elements 2j, 2j+1
  /// of the thread's columns [4vm + vt, 4vm + vt + v) of group m.
  Value getOutputColumn(Value p) {
    Value nTile = div(p, kTileCols), inTile = rem(p, kTileCols);
    Value thread = div(inTile, 2);
    int64_t tilesPerVector = outputVector / 2;
    Value column = mul(div(nTile, tilesPerVector), 4 * outputVector);
    column = arith::AddIOp::create(b, loc, column, mul(thread, outputVector));
    column = arith::AddIOp::create(b, loc, column,
                                   mul(rem(nTile, tilesPerVector), 2));
    return arith::AddIOp::create(b, loc, column, rem(inTile, 2));
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
  /// Elements `offset`, `offset + 1` of `vector` as a register.
  Value registerAt(Value vector, int64_t offset) {
    return toRegister(vector::ShuffleOp::create(
        b, loc, vector, vector, ArrayRef<int64_t>{offset, offset + 1}));
  }
  /// The concatenation of `pieces` (vectors of one type, a power of two of
  /// them), by halves.
  Value concatenate(ArrayRef<Value> pieces) {
    if (pieces.size() == 1)
      return pieces.front();
    size_t half = pieces.size() / 2;
    Value low = concatenate(pieces.take_front(half));
    Value high = concatenate(pieces.drop_front(half));
    int64_t size = cast<VectorType>(low.getType()).getNumElements();
    return vector::ShuffleOp::create(
        b, loc, low, high, llvm::to_vector(llvm::seq<int64_t>(0, 2 * size)));
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

  /// The `inputVector` input elements of `row` from column `column` on
  /// (`group` counts the thread's vectors along the row): one load where the
  /// whole group lies within the input's width, else element by element with
  /// the columns past it read as zero.
  Value loadInputVector(Value row, Value column, int64_t group);
  /// Stores `vector` (`outputVector` elements) at `row`, `column` of the
  /// result (`group` counts the thread's vectors along the row): one store
  /// where the whole group lies within the result's width, else the elements
  /// within it one by one.
  void storeOutputVector(Value vector, Value row, Value column, int64_t group);

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
  /// The chain's shape (ChainShape), and whether the input and result
  /// accesses may assume alignment to their size (the host launches this
  /// kernel only where they are).
  ArrayRef<int64_t> widths, padded;
  int64_t inputVector, outputVector;
  bool inputAligned, outputAligned;
};

} // namespace

Value MLPKernelEmitter::loadInputVector(Value row, Value column,
                                        int64_t group) {
  Value input = op.getInput();
  int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
  auto vectorType = VectorType::get({inputVector}, elementType);
  if ((group + 1) * 4 * inputVector <= widths.front())
    return vector::LoadOp::create(
        b, loc, vectorType, input, ValueRange{row, column},
        /*nontemporal=*/false,
        llvm::Align(inputAligned ? inputVector * elementBytes : elementBytes));
  SmallVector<Value> elements;
  Value zero = zeroOf(elementType);
  for (int64_t i = 0; i < inputVector; ++i) {
    Value at = add(column, i);
    Value value = memref::LoadOp::create(
        b, loc, input, ValueRange{row, min(at, widths.front() - 1)});
    elements.push_back(
        arith::SelectOp::create(b, loc, less(at, widths.front()), value, zero));
  }
  return vector::FromElementsOp::create(b, loc, vectorType, elements);
}

void MLPKernelEmitter::storeOutputVector(Value vector, Value row, Value column,
                                         int64_t group) {
  Value output = op.getInit();
  int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
  if ((group + 1) * 4 * outputVector <= widths.back()) {
    vector::StoreOp::create(b, loc, vector, output, ValueRange{row, column},
                            /*nontemporal=*/false,
                            llvm::Align(outputAligned
                                            ? outputVector * elementBytes
                                            : elementBytes));
    return;
  }
  for (int64_t i = 0; i < outputVector; ++i) {
    Value at = add(column, i);
    auto inWidth = scf::IfOp::create(b, loc, less(at, widths.back()));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&inWidth.getThenRegion().front());
    memref::StoreOp::create(b, loc,
                            vector::ExtractOp::create(b, loc, vector, i),
                            output, ValueRange{row, at});
  }
}

void MLPKernelEmitter::emit(gpu::LaunchOp launch) {
  unsigned numLayers = op.getNumLayers();
  int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
  Value thread = launch.getThreadIds().x;
  Value block = launch.getBlockIds().x;
  Value numBlocks = launch.getGridSize().x;

  // Each warp takes 16-row tiles: thread (g, t) = (lane / 4, lane % 4) holds
  // rows g and g + 8 of a tile, columns 2t and 2t + 1 of each 8 columns.
  Value warp = div(thread, kWarpSize);
  Value lane = rem(thread, kWarpSize);
  Value group = div(lane, 4);
  Value quad = rem(lane, 4);
  Value pairColumn = mul(quad, 2);
  // ldmatrix.x4 of weights reads two n-tiles of one k-tile: 8x8 matrices
  // (n-tile 0, k 0..7), (n-tile 0, k 8..15), (n-tile 1, k 0..7),
  // (n-tile 1, k 8..15); lane 8m + r gives the address of row r of matrix m.
  // Each matrix lands in the registers of a B fragment.
  Value matrix = div(lane, 8);
  Value matrixRowOffset =
      arith::AddIOp::create(b, loc, mul(div(matrix, 2), 8), rem(lane, 8));
  Value matrixColumnOffset = mul(rem(matrix, 2), 8);

  Value input = op.getInput();
  Value rows = memref::DimOp::create(b, loc, input, 0);
  // A warp takes `tilesPerWarp` tiles of 16 rows at a time: each weight
  // fragment read from shared memory then serves that many mma.sync.
  int64_t tilesPerWarp = getTilesPerWarp(padded);
  int64_t warpTileRows = kTileRows * tilesPerWarp;
  Value numWarpTiles =
      arith::CeilDivUIOp::create(b, loc, rows, index(warpTileRows));
  Value firstTile =
      arith::AddIOp::create(b, loc, mul(block, kWarpsPerBlock), warp);
  Value tileStride = mul(numBlocks, kWarpsPerBlock);
  // Rows past the batch are read as the last row (rows do not mix in an
  // MLP) and never stored.
  Value lastRow = arith::SubIOp::create(b, loc, rows, index(1));
  auto threadRows = [&](Value warpTile, int64_t tile) -> std::array<Value, 2> {
    Value upper = arith::AddIOp::create(
        b, loc, add(mul(warpTile, warpTileRows), tile * kTileRows), group);
    return {upper, add(upper, 8)};
  };
  // The first layer's A fragments of a warp tile (per tile, per 16-column
  // k-tile, four registers), from the thread's vectors of its two rows.
  int64_t inputTiles = padded.front() / kTileDepth;
  int64_t tilesPerInputVector = inputVector / 4;
  auto loadInput = [&](Value warpTile) {
    SmallVector<Value> fragments;
    for (int64_t tile = 0; tile < tilesPerWarp; ++tile) {
      auto [upperRow, lowerRow] = threadRows(warpTile, tile);
      Value upperRead = arith::MinUIOp::create(b, loc, upperRow, lastRow);
      Value lowerRead = arith::MinUIOp::create(b, loc, lowerRow, lastRow);
      SmallVector<Value> upper, lower;
      for (int64_t vectorGroup = 0;
           vectorGroup * tilesPerInputVector < inputTiles; ++vectorGroup) {
        Value column =
            add(mul(quad, inputVector), vectorGroup * 4 * inputVector);
        upper.push_back(loadInputVector(upperRead, column, vectorGroup));
        lower.push_back(loadInputVector(lowerRead, column, vectorGroup));
      }
      for (int64_t kt = 0; kt < inputTiles; ++kt) {
        int64_t vectorGroup = kt / tilesPerInputVector;
        int64_t slot = kt % tilesPerInputVector * 4;
        fragments.append({registerAt(upper[vectorGroup], slot),
                          registerAt(lower[vectorGroup], slot),
                          registerAt(upper[vectorGroup], slot + 2),
                          registerAt(lower[vectorGroup], slot + 2)});
      }
    }
    return fragments;
  };

  // The first tiles' input is in flight while the weights are staged.
  int64_t registersPerTile = tilesPerWarp * inputTiles * 4;
  int64_t prefetchDepth =
      std::max<int64_t>(1, kPrefetchRegisters / registersPerTile);
  SmallVector<Value> firstInput;
  for (int64_t ahead = 0; ahead < prefetchDepth; ++ahead)
    llvm::append_range(
        firstInput, loadInput(arith::AddIOp::create(b, loc, firstTile,
                                                    mul(tileStride, ahead))));

  // Every layer's weight [N, K + 8] and bias [N] (in f32: it initialises the
  // accumulators) in shared memory at padded widths, one after the other;
  // staged by all threads of the block, in 16-byte vectors where the layout
  // allows.
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
      Value value = load(guarded ? min(i, count - 1) : i);
      pendingStores.push_back([&, store, value, i, guarded, count] {
        if (!guarded)
          return store(value, i);
        auto ifInRange = scf::IfOp::create(b, loc, less(i, count));
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&ifInRange.getThenRegion().front());
        store(value, i);
      });
    }
  };
  for (unsigned l = 0; l < numLayers; ++l) {
    int64_t n = widths[l + 1], k = widths[l];
    int64_t paddedN = padded[l + 1], paddedK = padded[l];
    bool firstLayer = l == 0, lastLayer = l + 1 == numLayers;
    auto weightType =
        MemRefType::get({paddedN, paddedK + kVectorElements}, elementType,
                        MemRefLayoutAttrInterface(), workgroup);
    sharedWeights.push_back(memref::ViewOp::create(
        b, loc, weightType, shared, index(offset), ValueRange{}));
    offset +=
        TargetInfo::getFusedMLPLayerSharedBytes(n, k, false, elementBytes);
    if (op.getBiasOfLayer(l)) {
      auto biasType = MemRefType::get({paddedN}, f32,
                                      MemRefLayoutAttrInterface(), workgroup);
      sharedBiases.push_back(memref::ViewOp::create(
          b, loc, biasType, shared, index(offset), ValueRange{}));
      offset += paddedN * 4;
    }

    // The weight or bias row that row `p` of the staged one holds.
    auto sourceRow = [&, lastLayer](Value p) {
      return lastLayer ? getOutputColumn(p) : p;
    };
    // Pieces of `chunk` elements along a row: 8 (16-byte vectors) where the
    // columns are in order and rows hold whole vectors; pairs in the first
    // layer (its permutation keeps pairs together); else elements.
    int64_t chunk = !firstLayer && k % kVectorElements == 0 ? kVectorElements
                    : k % 2 == 0                            ? 2
                                                            : 1;
    auto chunkType = VectorType::get({chunk}, elementType);
    int64_t chunksPerRow = paddedK / chunk;
    Value weight = op.getWeights()[l], sharedWeight = sharedWeights.back();
    stage(
        paddedN * chunksPerRow,
        [&](Value i) -> Value {
          Value row = sourceRow(div(i, chunksPerRow));
          Value column = mul(rem(i, chunksPerRow), chunk);
          if (firstLayer)
            column = getInputColumn(column);
          // Global rows may be views with any offset: element alignment
          // there.
          Value value = vector::LoadOp::create(
              b, loc, chunkType, weight,
              ValueRange{min(row, n - 1), min(column, k - chunk)});
          if (paddedN == n && paddedK == k)
            return value;
          Value inRange =
              arith::AndIOp::create(b, loc, less(row, n), less(column, k));
          return arith::SelectOp::create(b, loc, inRange, value,
                                         zeroOf(chunkType));
        },
        [&, sharedWeight, chunksPerRow, chunk](Value value, Value i) {
          // Shared rows are 16-byte aligned by construction.
          vector::StoreOp::create(b, loc, value, sharedWeight,
                                  ValueRange{div(i, chunksPerRow),
                                             mul(rem(i, chunksPerRow), chunk)},
                                  /*nontemporal=*/false,
                                  llvm::Align(chunk * elementBytes));
        });
    if (Value bias = op.getBiasOfLayer(l)) {
      Value sharedBias = sharedBiases.back();
      stage(
          paddedN,
          [&](Value i) -> Value {
            Value row = sourceRow(i);
            Value value = extendTo(
                b, loc, memref::LoadOp::create(b, loc, bias, min(row, n - 1)),
                f32);
            if (paddedN == n)
              return value;
            return arith::SelectOp::create(b, loc, less(row, n), value,
                                           zeroOf(f32));
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
  llvm::append_range(nextInput,
                     loadInput(arith::AddIOp::create(
                         b, loc, warpTile, mul(tileStride, prefetchDepth))));

  SmallVector<SmallVector<Fragment>> a(tilesPerWarp);
  for (int64_t tile = 0; tile < tilesPerWarp; ++tile)
    for (int64_t kt = 0; kt < inputTiles; ++kt) {
      auto registers =
          tiles.getRegionIterArgs().slice((tile * inputTiles + kt) * 4, 4);
      a[tile].push_back(Fragment(registers.begin(), registers.end()));
    }

  Value zero = zeroOf(f32);
  for (unsigned l = 0; l < numLayers; ++l) {
    int64_t k = padded[l], n = padded[l + 1];
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
      // only: the pairs of a group of n-tiles are the thread's contiguous
      // columns there.
      auto [upperRow, lowerRow] = threadRows(warpTile, tile);
      int64_t tilesPerOutputVector = outputVector / 2;
      for (auto [row, pairs] : {std::make_pair(upperRow, &upperPairs),
                                std::make_pair(lowerRow, &lowerPairs)}) {
        auto store = scf::IfOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                  rows));
        OpBuilder::InsertionGuard storeGuard(b);
        b.setInsertionPointToStart(&store.getThenRegion().front());
        for (int64_t vectorGroup = 0;
             vectorGroup * 4 * outputVector < widths.back(); ++vectorGroup) {
          Value vector = concatenate(ArrayRef<Value>(*pairs).slice(
              vectorGroup * tilesPerOutputVector, tilesPerOutputVector));
          storeOutputVector(
              vector, row,
              add(mul(quad, outputVector), vectorGroup * 4 * outputVector),
              vectorGroup);
        }
      }
    }
  }
  scf::YieldOp::create(b, loc, nextInput);
}

/// An i1: whether every row of the 2-D `buffer` starts at a multiple of
/// `elements` elements' bytes (its first element, and its row stride).
static Value buildRowsAligned(OpBuilder &b, Location loc, Value buffer,
                              int64_t elements) {
  int64_t elementBytes =
      cast<MemRefType>(buffer.getType()).getElementTypeBitWidth() / 8;
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  Value strideRemainder =
      arith::RemUIOp::create(b, loc, metadata.getStrides()[0],
                             arith::ConstantIndexOp::create(b, loc, elements));
  Value strideAligned =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, strideRemainder,
                            arith::ConstantIndexOp::create(b, loc, 0));
  return arith::AndIOp::create(
      b, loc, strideAligned,
      buildIsAddressAligned(b, loc, buffer, elements * elementBytes));
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
  ChainShape shape(op);
  ArrayRef<int64_t> widths = shape.widths;
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
      b, loc, rows, index(kTileRows * getTilesPerWarp(shape.padded)));
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
  auto buildLaunch = [&](bool inputAligned, bool outputAligned) {
    OpBuilder::InsertionGuard guard(b);
    Value one = index(1);
    auto launch = gpu::LaunchOp::create(
        b, loc, blocks, one, one, index(kWarpSize * kWarpsPerBlock), one, one,
        arith::ConstantIntOp::create(b, loc, sharedBytes, 32));
    b.setInsertionPointToStart(&launch.getBody().front());
    MLPKernelEmitter(b, loc, op, shape, inputAligned, outputAligned)
        .emit(launch);
    gpu::TerminatorOp::create(b, loc);
  };
  // Vector accesses to the input and result where each of their rows starts
  // at a multiple of the vector's size; where a buffer does not (a view that
  // starts at any element, or a width that is no multiple of the vector),
  // the kernel that accesses it element by element.
  bool inputMayAlign = widths.front() % shape.inputVector == 0;
  bool outputMayAlign = widths.back() % shape.outputVector == 0;
  if (!inputMayAlign && !outputMayAlign) {
    buildLaunch(false, false);
  } else {
    Value aligned = arith::ConstantIntOp::create(b, loc, 1, 1);
    if (inputMayAlign)
      aligned = arith::AndIOp::create(
          b, loc, aligned,
          buildRowsAligned(b, loc, op.getInput(), shape.inputVector));
    if (outputMayAlign)
      aligned = arith::AndIOp::create(
          b, loc, aligned,
          buildRowsAligned(b, loc, op.getInit(), shape.outputVector));
    auto ifAligned = scf::IfOp::create(b, loc, aligned, /*withElse=*/true);
    b.setInsertionPointToStart(&ifAligned.getThenRegion().front());
    buildLaunch(inputMayAlign, outputMayAlign);
    b.setInsertionPointToStart(&ifAligned.getElseRegion().front());
    buildLaunch(false, false);
  }
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
