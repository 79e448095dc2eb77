//===- MLPKernelToGPU.cpp - A whole MLP as one tensor-core kernel ---------===//
//
// A narrow MLP run as a chain of library GEMMs spends its time in launches
// and in writing and re-reading every hidden activation. Here the whole chain
// is one kernel: each warp owns 16-row tiles (the M of mma.sync m16n8k16; a
// warpgroup of four warps the 64 of wgmma m64nNk16) and carries them through
// every layer in registers. The accumulator fragment of a layer (per thread:
// rows g and g+8, columns 2t and 2t+1 of an 8-column tile) is exactly the A
// fragment layout of the next layer's 16-column k-tile once two neighbouring
// n-tiles are packed to f16/bf16 pairs, for mma.sync and for wgmma with A in
// registers alike, so activations never leave registers; weights and biases
// are staged in shared memory once per block: for ldmatrix with rows padded
// by 16 bytes (the 8 rows a B fragment reads fall in distinct banks), for
// wgmma as core matrices.
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

/// Registers per thread that weight staging loads into before it stores
/// them to shared memory (see MLPKernelEmitter::emit).
static constexpr int64_t kStagingRegisters = 32;

/// Elements of a row that one thread reads of the input, or writes of the
/// result, with one access: 8 (16 bytes) where the padded width is a multiple
/// of 32, else 4. See MLPKernelEmitter's input and output layouts.
static int64_t getRowVector(int64_t paddedWidth) {
  return paddedWidth % 32 == 0 ? 8 : 4;
}

/// Bytes of one asynchronous copy (cp.async) of the input or result's rows.
static constexpr int64_t kCopyBytes = 16;

/// Elements of layer `layer`'s weight row (`k` wide) that staging moves at
/// once: 8 (16 bytes) where the columns are in order and rows hold whole
/// vectors; pairs in the first layer (its permutation, getInputColumn, keeps
/// pairs together); else elements.
static int64_t getWeightChunk(unsigned layer, int64_t k) {
  return layer != 0 && k % kVectorElements == 0 ? kVectorElements
         : k % 2 == 0                           ? 2
                                                : 1;
}

namespace {
/// How a kernel moves the rows of its input or of its result.
enum class RowAccess {
  /// Each thread moves its `inputVector` (`outputVector`) contiguous
  /// elements of a row at once: every row starts at a multiple of that
  /// vector's bytes.
  Vector,
  /// Each warp moves the contiguous span of its 16-row tiles between global
  /// and shared memory in 16-byte pieces (the input by asynchronous copies,
  /// the next tile's in flight while this one computes), and threads take
  /// their elements from shared memory: rows of any width (63 -> ... -> 17)
  /// read and written at full width, where rows are contiguous and the
  /// buffer starts at a multiple of 16 bytes.
  Staged,
  /// Element by element: any view.
  Element,
};

/// What one launch of the kernel assumes of its buffers; the host checks it
/// before launching.
struct KernelVariant {
  RowAccess input = RowAccess::Element, output = RowAccess::Element;

  bool operator==(const KernelVariant &other) const {
    return input == other.input && output == other.output;
  }
};

/// How a block splits its rows among its warps. A unit (a warp for mma.sync;
/// a warpgroup of four warps for wgmma, whose m64 is four warps' 16 rows)
/// takes `tilesPerUnit` tiles of 16 rows per warp at a time; the units of
/// all blocks stride over the batch.
struct WorkSplit {
  bool warpgroupMMA;
  int64_t warpsPerBlock, warpsPerUnit, tilesPerUnit;
  /// Registers per thread that hold prefetched input: enough tiles ahead to
  /// keep about this many in flight. With mma.sync, narrow inputs are
  /// prefetched two tiles ahead, so that a multiprocessor has enough bytes
  /// in flight to cover the memory's latency. With wgmma 16 registers (one
  /// tile ahead for 64-wide input; two for 32): on the H200, 2^20 rows, bf16,
  /// narrow 0.1240 -> 0.1160 ms, w64x4 0.0668 -> 0.0609, w128x4 0.1884 ->
  /// 0.1672 against none, and 32 registers no better. (Before constants
  /// were sunk into the kernel, one tile ahead spilled at four warpgroups'
  /// 128 registers per thread.)
  int64_t prefetchRegisters;

  WorkSplit(ArrayRef<int64_t> paddedWidths, bool warpgroupMMA)
      : warpgroupMMA(warpgroupMMA) {
    if (warpgroupMMA) {
      // Four warpgroups of one 64-row tile each (measured on the H200 with
      // bench/experiments/wgmma_mlp_probe.cu, narrow bf16: one warpgroup per
      // block 0.064 ms, two 0.040, three 0.035, four 0.033; two tiles per
      // warpgroup did not pay, and ptxas serialised their wgmma for want of
      // registers). Four leave 128 registers per thread: layers wider than
      // 64 (64 accumulators, 32 registers of A fragments) spilled with four;
      // they get two (255 registers).
      bool fitsFour = *llvm::max_element(paddedWidths) <= 64;
      warpsPerBlock = fitsFour ? 16 : 8;
      warpsPerUnit = 4;
      tilesPerUnit = 1;
      prefetchRegisters = 16;
    } else {
      warpsPerBlock = 8;
      warpsPerUnit = 1;
      tilesPerUnit = getTilesPerWarp(paddedWidths);
      prefetchRegisters = 32;
    }
  }
  int64_t getUnitRows() const {
    return kTileRows * warpsPerUnit * tilesPerUnit;
  }
  int64_t getUnitsPerBlock() const { return warpsPerBlock / warpsPerUnit; }
  int64_t getBlockThreads() const { return kWarpSize * warpsPerBlock; }
};

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

  /// Shared memory for every layer's weight and bias, one after the other.
  int64_t getWeightBytes(bool hasBias, int64_t elementBytes) const {
    int64_t bytes = 0;
    for (size_t l = 0; l + 1 < widths.size(); ++l)
      bytes += TargetInfo::getFusedMLPLayerSharedBytes(widths[l + 1], widths[l],
                                                       hasBias, elementBytes);
    return bytes;
  }
};

/// Where a block's shared memory holds what: the weights and biases from 0,
/// then, for RowAccess::Staged, each warp's staged input rows (its tiles'
/// rows, `widths.front()` elements each, back to back as in the input) and
/// its staged result rows (padded width, as the threads hold them).
struct SharedLayout {
  int64_t inputOffset, inputWarpBytes = 0;
  int64_t outputOffset, outputWarpBytes = 0;
  int64_t totalBytes;

  SharedLayout(const ChainShape &shape, const WorkSplit &split,
               const KernelVariant &variant, bool hasBias,
               int64_t elementBytes) {
    int64_t rowsPerWarp = kTileRows * split.tilesPerUnit;
    inputOffset =
        llvm::alignTo(shape.getWeightBytes(hasBias, elementBytes), kCopyBytes);
    if (variant.input == RowAccess::Staged)
      inputWarpBytes = rowsPerWarp * shape.widths.front() * elementBytes;
    outputOffset = inputOffset + split.warpsPerBlock * inputWarpBytes;
    if (variant.output == RowAccess::Staged)
      outputWarpBytes = rowsPerWarp * shape.padded.back() * elementBytes;
    totalBytes = outputOffset + split.warpsPerBlock * outputWarpBytes;
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
                   const ChainShape &shape, const WorkSplit &split,
                   const KernelVariant &variant, const SharedLayout &layout)
      : b(b), loc(loc), op(op),
        elementType(cast<MemRefType>(op.getInput().getType()).getElementType()),
        f32(b.getF32Type()), pairType(VectorType::get({2}, elementType)),
        widths(shape.widths), padded(shape.padded),
        inputVector(shape.inputVector), outputVector(shape.outputVector),
        split(split), variant(variant), layout(layout) {}

  void emit(gpu::LaunchOp launch);

private:
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value add(Value x, int64_t y) {
    return arith::AddIOp::create(b, loc, x, index(y));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
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
  /// Waits until every lane of the warp is here, ordering their shared
  /// memory accesses.
  void syncWarp() {
    NVVM::SyncWarpOp::create(
        b, loc, arith::ConstantIntOp::create(b, loc, b.getI32Type(), -1));
  }
  /// A 1-D view of the contiguous rows of the 2-D `buffer` (RowAccess::Staged:
  /// the host checked that its row stride is its width).
  Value flatten(Value buffer) {
    auto type = cast<MemRefType>(buffer.getType());
    auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
    Value size = arith::MulIOp::create(b, loc, metadata.getSizes()[0],
                                       index(type.getDimSize(1)));
    auto flatType = MemRefType::get(
        {ShapedType::kDynamic}, type.getElementType(),
        StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, {1}));
    return memref::ReinterpretCastOp::create(
        b, loc, flatType, metadata.getBaseBuffer(),
        OpFoldResult(metadata.getOffset()), ArrayRef<OpFoldResult>{size},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
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
    return toWord(pair);
  }
  /// A pair or a register as an i32 (as inline PTX takes it).
  Value toWord(Value pair) {
    if (pair.getType().isInteger(32))
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

  /// The start-address field of a wgmma matrix descriptor for the shared
  /// address `address` (an i64):
  /// bits 0-13 hold its shared-memory address (18 bits, the low 4 zero) in
  /// units of 16 bytes. Every descriptor of the kernel is this plus a
  /// constant, added inside the PTX that uses it, so that one value is live
  /// across the loop instead of one per layer and k-tile.
  Value buildDescriptorBase(Value address) {
    Type i64 = b.getI64Type();
    auto constant = [&](int64_t value) -> Value {
      return arith::ConstantIntOp::create(b, loc, i64, value);
    };
    return arith::ShRUIOp::create(
        b, loc, arith::AndIOp::create(b, loc, address, constant(0x3FFFF)),
        constant(4));
  }

  /// One layer of a warpgroup's tiles by wgmma, its accumulators per tile
  /// and 8-column n-tile: `a` (per tile, per 16-column k-tile; registers)
  /// times the weight `n` x `k` staged in core matrices `weightOffset` bytes
  /// into shared memory (`descriptorBase`: buildDescriptorBase), plus the f32
  /// bias `biasOffset` bytes into it where `biasAddress` (the shared address
  /// of the thread's first bias pair) is given. The wgmma fragments of each
  /// warp are those of mma.sync: a warp holds rows 16w..16w+15 of the
  /// warpgroup's 64.
  SmallVector<SmallVector<Fragment>>
  warpgroupMMA(ArrayRef<SmallVector<Fragment>> a, Value biasAddress,
               int64_t biasOffset, Value descriptorBase, int64_t weightOffset,
               int64_t n, int64_t k);

  OpBuilder &b;
  Location loc;
  MLPKernelOp op;
  Type elementType, f32;
  VectorType pairType;
  /// The chain's shape (ChainShape); what the host checked of the buffers
  /// before launching this kernel (KernelVariant); where shared memory holds
  /// what.
  ArrayRef<int64_t> widths, padded;
  int64_t inputVector, outputVector;
  const WorkSplit &split;
  const KernelVariant &variant;
  const SharedLayout &layout;
};

} // namespace

SmallVector<SmallVector<Fragment>> MLPKernelEmitter::warpgroupMMA(
    ArrayRef<SmallVector<Fragment>> a, Value biasAddress, int64_t biasOffset,
    Value descriptorBase, int64_t weightOffset, int64_t n, int64_t k) {
  // One inline PTX block, from the accumulators' initial values to the
  // wait: the accumulators are its results, so nothing reads them before the
  // products are complete (a use of them cannot move above the wait); and
  // every shared address in it is a register plus a constant, so that no
  // address per layer stays live across the loop over tiles.
  int64_t accumulators = n / 2, kTiles = k / kTileDepth;
  int64_t tiles = static_cast<int64_t>(a.size());
  int64_t results = tiles * accumulators;
  SmallVector<Value> operands;
  for (const SmallVector<Fragment> &tile : a)
    for (const Fragment &fragment : tile)
      for (Value value : fragment)
        operands.push_back(toWord(value));
  int64_t descriptorOperand = results + operands.size();
  operands.push_back(descriptorBase);
  int64_t biasOperand = descriptorOperand + 1;
  if (biasAddress)
    operands.push_back(biasAddress);

  std::string ptx, constraints;
  llvm::raw_string_ostream os(ptx);
  os << "{\n.reg .b64 descriptor;\n";
  // With a bias, each accumulator n-tile (rows g and g + 8, columns 2t and
  // 2t + 1) starts at the bias pair of its columns; without, the first
  // product does not accumulate (scale-d 0).
  if (biasAddress)
    for (int64_t tile = 0; tile < tiles; ++tile)
      for (int64_t nt = 0; nt < n / kTileCols; ++nt) {
        int64_t first = tile * accumulators + nt * 4;
        if (tile == 0)
          os << "ld.shared.v2.f32 {$" << first << ", $" << first + 1 << "}, [$"
             << biasOperand << "+" << biasOffset + nt * kTileCols * 4 << "];\n";
        else
          os << "mov.b32 $" << first << ", $" << nt * 4 << ";\nmov.b32 $"
             << first + 1 << ", $" << nt * 4 + 1 << ";\n";
        os << "mov.b32 $" << first + 2 << ", $" << first << ";\nmov.b32 $"
           << first + 3 << ", $" << first + 1 << ";\n";
      }
  // The descriptor of k-tile kt: the weight's address plus two core
  // matrices (256 bytes) per k-tile in bits 0-13, in units of 16 bytes; the
  // leading byte offset (bits 16-29: from a core matrix to the next along k,
  // 128 bytes) and the stride byte offset (bits 32-45: from 8 rows to the
  // next 8, k / 8 core matrices), in the same units; no swizzling.
  int64_t leadingByteOffset = 128, strideByteOffset = k / 8 * 128;
  auto getDescriptorOffset = [&](int64_t kt) {
    return (weightOffset + kt * 256) >> 4 | (leadingByteOffset >> 4) << 16 |
           (strideByteOffset >> 4) << 32;
  };
  StringRef type = elementType.isF16() ? "f16" : "bf16";
  os << "wgmma.fence.sync.aligned;\n";
  for (int64_t tile = 0; tile < tiles; ++tile)
    for (int64_t kt = 0; kt < kTiles; ++kt) {
      os << "add.s64 descriptor, $" << descriptorOperand << ", "
         << getDescriptorOffset(kt) << ";\n";
      os << "wgmma.mma_async.sync.aligned.m64n" << n << "k16.f32." << type
         << "." << type << " {";
      for (int64_t i = 0; i < accumulators; ++i)
        os << (i ? ", $" : "$") << tile * accumulators + i;
      int64_t first = results + (tile * kTiles + kt) * 4;
      bool accumulate = biasAddress || kt > 0;
      os << "}, {$" << first << ", $" << first + 1 << ", $" << first + 2
         << ", $" << first + 3 << "}, descriptor, " << (accumulate ? 1 : 0)
         << ", 1, 1, 0;\n";
    }
  os << "wgmma.commit_group.sync.aligned;\n";
  os << "wgmma.wait_group.sync.aligned 0;\n}";
  for (int64_t i = 0; i < results; ++i)
    constraints += "=f,";
  for (int64_t i = 0; i < 4 * tiles * kTiles; ++i)
    constraints += "r,";
  constraints += biasAddress ? "l,r" : "l";

  auto resultType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), SmallVector<Type>(results, f32));
  auto products = LLVM::InlineAsmOp::create(
      b, loc, resultType, operands, ptx, constraints,
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::tailcallkind::TailCallKind::None,
      LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT),
      /*operand_attrs=*/ArrayAttr());
  SmallVector<SmallVector<Fragment>> result(tiles);
  for (int64_t tile = 0; tile < tiles; ++tile)
    for (int64_t nt = 0; nt < n / kTileCols; ++nt) {
      Fragment fragment;
      for (int64_t i = 0; i < 4; ++i)
        fragment.push_back(LLVM::ExtractValueOp::create(
            b, loc, products.getRes(), tile * accumulators + nt * 4 + i));
      result[tile].push_back(fragment);
    }
  return result;
}

Value MLPKernelEmitter::loadInputVector(Value row, Value column,
                                        int64_t group) {
  Value input = op.getInput();
  int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
  auto vectorType = VectorType::get({inputVector}, elementType);
  if ((group + 1) * 4 * inputVector <= widths.front())
    return vector::LoadOp::create(b, loc, vectorType, input,
                                  ValueRange{row, column},
                                  /*nontemporal=*/false,
                                  llvm::Align(variant.input == RowAccess::Vector
                                                  ? inputVector * elementBytes
                                                  : elementBytes));
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
                            llvm::Align(variant.output == RowAccess::Vector
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
  Value unit = div(warp, split.warpsPerUnit);
  Value warpInUnit = rem(warp, split.warpsPerUnit);
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
  // A unit takes `tilesPerWarp` tiles of 16 rows per warp at a time (with
  // mma.sync, each weight fragment read from shared memory then serves that
  // many products). Tile `tile` of a unit's rows is 16 rows per warp of the
  // unit, in warp order.
  int64_t tilesPerWarp = split.tilesPerUnit;
  int64_t unitRows = split.getUnitRows();
  Value numWarpTiles =
      arith::CeilDivUIOp::create(b, loc, rows, index(unitRows));
  Value firstTile =
      arith::AddIOp::create(b, loc, mul(block, split.getUnitsPerBlock()), unit);
  Value tileStride = mul(numBlocks, split.getUnitsPerBlock());
  // Rows past the batch are read as the last row (rows do not mix in an
  // MLP) and never stored.
  Value lastRow = arith::SubIOp::create(b, loc, rows, index(1));
  Value warpFirstRow = mul(warpInUnit, kTileRows);
  // The first row of a warp's tile `tile`, and the thread's two rows of it.
  auto tileFirstRow = [&](Value warpTile, int64_t tile) {
    return add(
        add(mul(warpTile, unitRows), tile * kTileRows * split.warpsPerUnit),
        warpFirstRow);
  };
  auto threadRows = [&](Value warpTile, int64_t tile) -> std::array<Value, 2> {
    Value upper = add(tileFirstRow(warpTile, tile), group);
    return {upper, add(upper, 8)};
  };
  // The first layer's A fragments of a warp tile (per tile, per 16-column
  // k-tile, four registers), from the thread's vectors of its two rows
  // (`vectors`: per tile, the upper row's, then the lower row's).
  int64_t inputTiles = padded.front() / kTileDepth;
  int64_t tilesPerInputVector = inputVector / 4;
  auto toFragments = [&](ArrayRef<std::array<SmallVector<Value>, 2>> vectors) {
    SmallVector<Value> fragments;
    for (auto &[upper, lower] : vectors)
      for (int64_t kt = 0; kt < inputTiles; ++kt) {
        int64_t vectorGroup = kt / tilesPerInputVector;
        int64_t slot = kt % tilesPerInputVector * 4;
        fragments.append({registerAt(upper[vectorGroup], slot),
                          registerAt(lower[vectorGroup], slot),
                          registerAt(upper[vectorGroup], slot + 2),
                          registerAt(lower[vectorGroup], slot + 2)});
      }
    return fragments;
  };
  auto loadInput = [&](Value warpTile) {
    // Every load of the warp tile is issued before its registers are taken
    // apart.
    SmallVector<std::array<SmallVector<Value>, 2>> vectors(tilesPerWarp);
    for (int64_t tile = 0; tile < tilesPerWarp; ++tile) {
      auto rows = threadRows(warpTile, tile);
      for (int64_t half = 0; half < 2; ++half)
        for (int64_t vectorGroup = 0;
             vectorGroup * tilesPerInputVector < inputTiles; ++vectorGroup) {
          Value readRow = arith::MinUIOp::create(b, loc, rows[half], lastRow);
          Value column =
              add(mul(quad, inputVector), vectorGroup * 4 * inputVector);
          vectors[tile][half].push_back(
              loadInputVector(readRow, column, vectorGroup));
        }
    }
    return toFragments(vectors);
  };

  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value shared = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                      MemRefLayoutAttrInterface(), workgroup));
  // The warp's part of the shared memory at `offset`, `warpBytes` per warp,
  // as `shape`.
  auto getWarpBuffer = [&](int64_t offset, int64_t warpBytes,
                           ArrayRef<int64_t> shape) -> Value {
    auto type = MemRefType::get(shape, elementType, MemRefLayoutAttrInterface(),
                                workgroup);
    return memref::ViewOp::create(
        b, loc, type, shared, add(mul(warp, warpBytes), offset), ValueRange{});
  };

  // RowAccess::Staged input: the warp's tiles' rows, a contiguous span of
  // the input, are copied to shared memory in 16-byte pieces by its lanes
  // (cp.async; zeros past the batch), and each thread reads its vectors from
  // there; the copy of the next tiles is in flight while these compute.
  int64_t inputWidth = widths.front();
  int64_t copyElements = kCopyBytes / elementBytes;
  Value stagedInput, flatInput, inputElements;
  if (variant.input == RowAccess::Staged) {
    stagedInput = getWarpBuffer(layout.inputOffset, layout.inputWarpBytes,
                                {tilesPerWarp * kTileRows * inputWidth});
    flatInput = flatten(input);
    inputElements = mul(rows, inputWidth);
  }
  // Runs `body` for each 16-byte piece of the warp's tiles' rows of
  // `width` elements (a contiguous span per tile), spread over the lanes:
  // with the tile, the element where the tile starts in the flat buffer, and
  // the piece's number within the tile.
  auto forEachWarpPiece = [&](Value warpTile, int64_t width,
                              function_ref<void(int64_t, Value, Value)> body) {
    int64_t piecesPerTile = kTileRows * width / copyElements;
    for (int64_t tile = 0; tile < tilesPerWarp; ++tile) {
      Value tileStart = mul(tileFirstRow(warpTile, tile), width);
      for (int64_t round = 0; round * kWarpSize < piecesPerTile; ++round) {
        Value piece = add(lane, round * kWarpSize);
        OpBuilder::InsertionGuard guard(b);
        if ((round + 1) * kWarpSize > piecesPerTile) {
          auto inTile = scf::IfOp::create(b, loc, less(piece, piecesPerTile));
          b.setInsertionPointToStart(&inTile.getThenRegion().front());
        }
        body(tile, tileStart, piece);
      }
    }
  };
  auto copyInputAsync = [&](Value warpTile) {
    auto tokenType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
    forEachWarpPiece(
        warpTile, inputWidth, [&](int64_t tile, Value tileStart, Value copy) {
          Value start = add(tileStart, mul(copy, copyElements));
          // Elements of the batch in this piece (the rest is zero-filled), and
          // a source within the buffer.
          Value inBatch = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ult, start, inputElements);
          Value count = arith::SelectOp::create(
              b, loc, inBatch,
              min(arith::SubIOp::create(b, loc, inputElements, start),
                  copyElements),
              index(0));
          Value source =
              arith::SelectOp::create(b, loc, inBatch, start, index(0));
          nvgpu::DeviceAsyncCopyOp::create(
              b, loc, tokenType, stagedInput,
              ValueRange{
                  add(mul(copy, copyElements), tile * kTileRows * inputWidth)},
              flatInput, ValueRange{source}, b.getIndexAttr(copyElements),
              count, b.getUnitAttr());
        });
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  };
  // The fragments of the staged tiles, once the warp's copies are complete.
  auto readStagedInput = [&] {
    NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(0));
    syncWarp();
    SmallVector<std::array<SmallVector<Value>, 2>> vectors(tilesPerWarp);
    auto vectorType = VectorType::get({inputVector}, elementType);
    Value zero = zeroOf(elementType);
    for (int64_t tile = 0; tile < tilesPerWarp; ++tile)
      for (int64_t half = 0; half < 2; ++half) {
        Value rowStart =
            mul(add(group, tile * kTileRows + half * 8), inputWidth);
        for (int64_t vectorGroup = 0;
             vectorGroup * tilesPerInputVector < inputTiles; ++vectorGroup) {
          Value column =
              add(mul(quad, inputVector), vectorGroup * 4 * inputVector);
          bool inWidth = (vectorGroup + 1) * 4 * inputVector <= inputWidth;
          SmallVector<Value> elements;
          for (int64_t i = 0; i < inputVector; ++i) {
            Value at = add(column, i);
            Value value = memref::LoadOp::create(
                b, loc, stagedInput,
                add(rowStart, inWidth ? at : min(at, inputWidth - 1)));
            if (!inWidth)
              value = arith::SelectOp::create(b, loc, less(at, inputWidth),
                                              value, zero);
            elements.push_back(value);
          }
          vectors[tile][half].push_back(
              vector::FromElementsOp::create(b, loc, vectorType, elements));
        }
      }
    // Every lane has its elements before the next copies overwrite them.
    syncWarp();
    return toFragments(vectors);
  };

  // RowAccess::Staged result: the threads write their rows of the warp's
  // tiles to shared memory at padded width, and the warp's lanes copy the
  // contiguous span of the result they make in 16-byte pieces (element by
  // element at the end of the batch).
  int64_t outputWidth = widths.back();
  Value stagedOutput, flatOutput, outputElements;
  if (variant.output == RowAccess::Staged) {
    stagedOutput = getWarpBuffer(layout.outputOffset, layout.outputWarpBytes,
                                 {tilesPerWarp * kTileRows, padded.back()});
    flatOutput = flatten(op.getInit());
    outputElements = mul(rows, outputWidth);
  }
  auto copyOutput = [&](Value warpTile) {
    syncWarp();
    auto vectorType = VectorType::get({copyElements}, elementType);
    forEachWarpPiece(
        warpTile, outputWidth, [&](int64_t tile, Value tileStart, Value copy) {
          Value first = mul(copy, copyElements);
          SmallVector<Value> elements;
          for (int64_t i = 0; i < copyElements; ++i) {
            Value at = add(first, i);
            elements.push_back(memref::LoadOp::create(
                b, loc, stagedOutput,
                ValueRange{add(div(at, outputWidth), tile * kTileRows),
                           rem(at, outputWidth)}));
          }
          Value vector =
              vector::FromElementsOp::create(b, loc, vectorType, elements);
          Value start = add(tileStart, first);
          Value whole =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                    add(start, copyElements), outputElements);
          auto ifWhole = scf::IfOp::create(b, loc, whole, /*withElse=*/true);
          b.setInsertionPointToStart(&ifWhole.getThenRegion().front());
          vector::StoreOp::create(b, loc, vector, flatOutput, start,
                                  /*nontemporal=*/false,
                                  llvm::Align(kCopyBytes));
          // The end of the batch: the elements within it.
          b.setInsertionPointToStart(&ifWhole.getElseRegion().front());
          for (int64_t i = 0; i < copyElements; ++i) {
            Value at = add(start, i);
            auto inBatch = scf::IfOp::create(
                b, loc,
                arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, at,
                                      outputElements));
            OpBuilder::InsertionGuard elementGuard(b);
            b.setInsertionPointToStart(&inBatch.getThenRegion().front());
            memref::StoreOp::create(b, loc, elements[i], flatOutput, at);
          }
        });
    // Every lane has read the staged rows before the next tile's overwrite
    // them.
    syncWarp();
  };

  // The first tiles' input is in flight while the weights are staged (in
  // registers, or on its way to shared memory).
  int64_t registersPerTile = tilesPerWarp * inputTiles * 4;
  int64_t prefetchDepth =
      split.prefetchRegisters == 0 || variant.input == RowAccess::Staged
          ? 0
          : std::max<int64_t>(1, split.prefetchRegisters / registersPerTile);
  SmallVector<Value> firstInput;
  for (int64_t ahead = 0; ahead < prefetchDepth; ++ahead)
    llvm::append_range(
        firstInput, loadInput(arith::AddIOp::create(b, loc, firstTile,
                                                    mul(tileStride, ahead))));
  if (variant.input == RowAccess::Staged)
    copyInputAsync(firstTile);

  // Every layer's weight and bias [N] (in f32: it initialises the
  // accumulators) in shared memory at padded widths, one after the other;
  // staged by all threads of the block, in 16-byte vectors where the layout
  // allows. For mma.sync the weight is [N, K + 8] (ldmatrix reads its rows);
  // for wgmma it is the canonical K-major layout without swizzling, core
  // matrices of 8 rows x 8 elements (128 contiguous bytes) in [N / 8, K / 8]
  // order: one k-tile is two core matrices 128 bytes apart (the descriptor's
  // leading byte offset), 8 rows are K / 8 core matrices apart (its stride
  // byte offset).
  SmallVector<Value> sharedWeights, sharedBiases;
  SmallVector<int64_t> weightOffsets, biasOffsets;
  int64_t offset = 0;
  // Staging copies `count` elements (or vectors) with all threads, loads
  // in batches of about kStagingRegisters registers per thread, each issued
  // before any of its stores so that they are in flight together (a loop of
  // load-then-store waits for each load in turn; the counts are static). All
  // loads before all stores spilled to local memory: 20 us of fixed cost per
  // block on the H200. The last round's loads are clamped to the last
  // element and its stores guarded.
  int64_t blockThreads = split.getBlockThreads();
  SmallVector<std::function<void()>> pendingStores;
  int64_t pendingRegisters = 0;
  auto storePending = [&] {
    for (const std::function<void()> &store : pendingStores)
      store();
    pendingStores.clear();
    pendingRegisters = 0;
  };
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
      pendingRegisters += llvm::divideCeil(
          getElementTypeOrSelf(value.getType()).getIntOrFloatBitWidth() *
              (isa<VectorType>(value.getType())
                   ? cast<VectorType>(value.getType()).getNumElements()
                   : 1),
          32);
      if (pendingRegisters >= kStagingRegisters)
        storePending();
    }
  };
  for (unsigned l = 0; l < numLayers; ++l) {
    int64_t n = widths[l + 1], k = widths[l];
    int64_t paddedN = padded[l + 1], paddedK = padded[l];
    bool firstLayer = l == 0, lastLayer = l + 1 == numLayers;
    SmallVector<int64_t> weightShape = {paddedN, paddedK + kVectorElements};
    if (split.warpgroupMMA)
      weightShape = {paddedN / 8, paddedK / 8, 8, 8};
    auto weightType = MemRefType::get(weightShape, elementType,
                                      MemRefLayoutAttrInterface(), workgroup);
    sharedWeights.push_back(memref::ViewOp::create(
        b, loc, weightType, shared, index(offset), ValueRange{}));
    weightOffsets.push_back(offset);
    offset +=
        TargetInfo::getFusedMLPLayerSharedBytes(n, k, false, elementBytes);
    if (op.getBiasOfLayer(l)) {
      auto biasType = MemRefType::get({paddedN}, f32,
                                      MemRefLayoutAttrInterface(), workgroup);
      sharedBiases.push_back(memref::ViewOp::create(
          b, loc, biasType, shared, index(offset), ValueRange{}));
      biasOffsets.push_back(offset);
      offset += paddedN * 4;
    }

    // The weight or bias row that row `p` of the staged one holds.
    auto sourceRow = [&, lastLayer](Value p) {
      return lastLayer ? getOutputColumn(p) : p;
    };
    int64_t chunk = getWeightChunk(l, k);
    auto chunkType = VectorType::get({chunk}, elementType);
    int64_t chunksPerRow = paddedK / chunk;
    Value weight = op.getWeights()[l], sharedWeight = sharedWeights.back();
    // Chunk `i` of the staged weight: where it comes from (row and column of
    // the weight, clamped into it) and whether it lies within the weight
    // (else it is zero), and where it goes.
    auto sourceOf = [&, sourceRow, firstLayer, n, k, chunk, chunksPerRow](
                        Value i) -> std::pair<SmallVector<Value>, Value> {
      Value row = sourceRow(div(i, chunksPerRow));
      Value column = mul(rem(i, chunksPerRow), chunk);
      if (firstLayer)
        column = getInputColumn(column);
      Value inRange =
          arith::AndIOp::create(b, loc, less(row, n), less(column, k));
      return {SmallVector<Value>{min(row, n - 1), min(column, k - chunk)},
              inRange};
    };
    auto destinationOf = [&, chunksPerRow, chunk](Value i) {
      // Shared rows are 16-byte aligned by construction; a chunk lies within
      // one row of a core matrix.
      Value row = div(i, chunksPerRow);
      Value column = mul(rem(i, chunksPerRow), chunk);
      if (split.warpgroupMMA)
        return SmallVector<Value>{div(row, 8), div(column, 8), rem(row, 8),
                                  rem(column, 8)};
      return SmallVector<Value>{row, column};
    };
    bool padding = paddedN != n || paddedK != k;
    stage(
        paddedN * chunksPerRow,
        [&](Value i) -> Value {
          auto [source, inWeight] = sourceOf(i);
          // Global rows may be views with any offset: element alignment
          // there.
          Value value =
              vector::LoadOp::create(b, loc, chunkType, weight, source);
          if (!padding)
            return value;
          return arith::SelectOp::create(b, loc, inWeight, value,
                                         zeroOf(chunkType));
        },
        [&, sharedWeight, destinationOf, chunk](Value value, Value i) {
          vector::StoreOp::create(b, loc, value, sharedWeight, destinationOf(i),
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
  storePending();
  // wgmma reads the weights through the async proxy: the generic proxy's
  // stores must be ordered before it, in each storing thread.
  if (split.warpgroupMMA)
    NVVM::FenceProxyOp::create(
        b, loc,
        NVVM::ProxyKindAttr::get(b.getContext(), NVVM::ProxyKind::async_shared),
        NVVM::SharedSpaceAttr::get(b.getContext(),
                                   NVVM::SharedSpace::shared_cta));
  gpu::BarrierOp::create(b, loc);

  // wgmma's operands in shared memory are addressed by constant offsets from
  // two values: the descriptor's start-address field, and the shared
  // address of the thread's first bias pair (columns 2t, 2t + 1).
  Value descriptorBase, biasAddress;
  if (split.warpgroupMMA) {
    Value sharedAddress = arith::IndexCastUIOp::create(
        b, loc, b.getI64Type(),
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, shared));
    descriptorBase = buildDescriptorBase(sharedAddress);
    biasAddress = arith::TruncIOp::create(
        b, loc, b.getI32Type(),
        arith::AddIOp::create(b, loc, sharedAddress,
                              arith::IndexCastUIOp::create(
                                  b, loc, b.getI64Type(), mul(pairColumn, 4))));
  }

  // A grid-stride loop over warp tiles that loads the input of the tile
  // `prefetchDepth` strides ahead while it computes this one: the loads are
  // in flight during the layers. The iteration arguments are the inputs of
  // this tile and the next prefetchDepth - 1. Without prefetching, a tile
  // loads its own input first.
  auto tiles = scf::ForOp::create(b, loc, firstTile, numWarpTiles, tileStride,
                                  firstInput);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(tiles.getBody());
  Value warpTile = tiles.getInductionVar();
  SmallVector<Value> tileInput, nextInput;
  if (variant.input == RowAccess::Staged) {
    tileInput = readStagedInput();
    copyInputAsync(add(warpTile, tileStride));
  } else if (prefetchDepth == 0) {
    tileInput = loadInput(warpTile);
  } else {
    tileInput.assign(tiles.getRegionIterArgs().begin(),
                     tiles.getRegionIterArgs().end());
    nextInput.assign(tileInput.begin() + registersPerTile, tileInput.end());
    llvm::append_range(nextInput,
                       loadInput(arith::AddIOp::create(
                           b, loc, warpTile, mul(tileStride, prefetchDepth))));
  }

  SmallVector<SmallVector<Fragment>> a(tilesPerWarp);
  for (int64_t tile = 0; tile < tilesPerWarp; ++tile)
    for (int64_t kt = 0; kt < inputTiles; ++kt) {
      auto registers =
          ArrayRef<Value>(tileInput).slice((tile * inputTiles + kt) * 4, 4);
      a[tile].push_back(Fragment(registers.begin(), registers.end()));
    }

  Value zero = zeroOf(f32);
  for (unsigned l = 0; l < numLayers; ++l) {
    int64_t k = padded[l], n = padded[l + 1];
    SmallVector<SmallVector<Fragment>> c;
    if (split.warpgroupMMA) {
      bool hasBias = !sharedBiases.empty();
      c = warpgroupMMA(a, hasBias ? biasAddress : Value(),
                       hasBias ? biasOffsets[l] : 0, descriptorBase,
                       weightOffsets[l], n, k);
    } else {
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
      c.assign(tilesPerWarp, initial);
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
      int64_t tilesPerOutputVector = outputVector / 2;
      if (variant.output == RowAccess::Staged) {
        // To the warp's staged rows, at padded width (copyOutput takes the
        // columns within the result's).
        for (auto [half, pairs] :
             {std::make_pair(0, &upperPairs), std::make_pair(8, &lowerPairs)}) {
          Value row = add(group, tile * kTileRows + half);
          for (int64_t vectorGroup = 0;
               vectorGroup * 4 * outputVector < widths.back(); ++vectorGroup)
            vector::StoreOp::create(
                b, loc,
                concatenate(ArrayRef<Value>(*pairs).slice(
                    vectorGroup * tilesPerOutputVector, tilesPerOutputVector)),
                stagedOutput,
                ValueRange{row, add(mul(quad, outputVector),
                                    vectorGroup * 4 * outputVector)},
                /*nontemporal=*/false,
                llvm::Align(outputVector * elementBytes));
        }
        continue;
      }
      auto [upperRow, lowerRow] = threadRows(warpTile, tile);
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
  if (variant.output == RowAccess::Staged)
    copyOutput(warpTile);
  // (Without iteration arguments the loop already ends in its yield.)
  if (!nextInput.empty())
    scf::YieldOp::create(b, loc, nextInput);
}

/// Whether the kernel for `shape` multiplies by wgmma rather than mma.sync:
/// where the target's chips all run it, the input is not read element by
/// element (RowAccess::Element), and
/// the chain does at least 0.9x the target's ridge (peak FLOPs over
/// bandwidth) in FLOPs per byte of input and result, the least that was
/// measured. On the H200 (bf16, 2^20 rows, bench/experiments/batch_slope.py)
/// wgmma took narrow (422 FLOP/byte, 2.6x the ridge) from 0.051 to 0.042 ms,
/// w128x4 (1150) from 0.098 to 0.059, w64x4 (320) from 0.027 to 0.023
/// (session 8); once constants were sunk into the kernel and wgmma's
/// warpgroups prefetched their next tile (session 9), also the configs bound
/// by reading the input: ngp64x2 (149 FLOP/byte, 0.92x the ridge) 0.0470 ->
/// 0.0360 ms and w32x8 (181) 0.0541 -> 0.0502 (session 10; mma.sync had won
/// both before). Below that no chain was measured. With element-wise input
/// reads wgmma needs more registers than it leaves; staged input
/// (RowAccess::Staged: nerf3, odd63) takes none.
static bool prefersWarpgroupMMA(const ChainShape &shape,
                                const TargetInfo &target, Type elementType,
                                bool elementInput) {
  if (!target.hasWarpgroupMMA() || elementInput)
    return false;
  double flops = 0;
  for (size_t l = 0; l + 1 < shape.padded.size(); ++l)
    flops += 2.0 * shape.padded[l] * shape.padded[l + 1];
  double bytes = (shape.widths.front() + shape.widths.back()) *
                 elementType.getIntOrFloatBitWidth() / 8.0;
  double ridge = target.getPeakFlops(elementType.isF16() ? ElementType::F16
                                                         : ElementType::BF16) /
                 target.getBytesPerSecond();
  return flops / bytes >= 0.9 * ridge;
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

/// An i1: whether the 2-D `buffer`'s rows are contiguous (its row stride is
/// its width) and it starts at a multiple of 16 bytes (RowAccess::Staged).
static Value buildRowsContiguous(OpBuilder &b, Location loc, Value buffer) {
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  Value contiguous = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq, metadata.getStrides()[0],
      arith::ConstantIndexOp::create(
          b, loc, cast<MemRefType>(buffer.getType()).getDimSize(1)));
  return arith::AndIOp::create(
      b, loc, contiguous, buildIsAddressAligned(b, loc, buffer, kCopyBytes));
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
  TargetInfo target = TargetInfo::getFor(op);
  ArrayRef<int64_t> widths = shape.widths;
  Type elementType = cast<MemRefType>(op.getInput().getType()).getElementType();
  int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
  bool hasBias = !op.getBiases().empty();
  auto getSplit = [&](const KernelVariant &variant) {
    return WorkSplit(shape.padded,
                     prefersWarpgroupMMA(shape, target, elementType,
                                         variant.input == RowAccess::Element));
  };

  // The fast variant: rows in vectors where their widths allow, else staged
  // through shared memory where that fits beside the weights. The fallback
  // moves elements and works for any view. (Weights staged by cp.async
  // instead of through registers were measured slower on the H200: fixed
  // cost per call 9-10 us -> 13-15 us on narrow, odd63 and nerf3, bf16.)
  KernelVariant fast, fallback;
  fast.input = widths.front() % shape.inputVector == 0 ? RowAccess::Vector
                                                       : RowAccess::Staged;
  fast.output = widths.back() % shape.outputVector == 0 ? RowAccess::Vector
                                                        : RowAccess::Staged;
  int64_t sharedBudget = target.fusedMLPMaxWeightKiB * 1024;
  if (SharedLayout(shape, getSplit(fast), fast, hasBias, elementBytes)
          .totalBytes > sharedBudget) {
    for (RowAccess *access : {&fast.input, &fast.output})
      if (*access == RowAccess::Staged)
        *access = RowAccess::Element;
  }

  OpBuilder b(op);
  Location loc = op.getLoc();
  auto index = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(b, loc, value);
  };
  Value rows = memref::DimOp::create(b, loc, op.getInput(), 0);
  // No launch for an empty batch.
  Value nonEmpty =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, rows, index(0));
  auto ifNonEmpty = scf::IfOp::create(b, loc, nonEmpty);
  b.setInsertionPointToStart(&ifNonEmpty.getThenRegion().front());
  auto buildLaunch = [&](const KernelVariant &variant) {
    OpBuilder::InsertionGuard guard(b);
    WorkSplit split = getSplit(variant);
    SharedLayout layout(shape, split, variant, hasBias, elementBytes);
    Value tiles =
        arith::CeilDivUIOp::create(b, loc, rows, index(split.getUnitRows()));
    // A persistent grid: one block per multiprocessor at most (a block's
    // registers and shared memory take one), each striding over warp tiles,
    // so that weights are staged once per multiprocessor and no second wave
    // waits for the first (measured on the H200: narrow bf16 0.077 ms with
    // two blocks per multiprocessor, 0.065 with one).
    Value blocks = arith::MinUIOp::create(
        b, loc,
        arith::CeilDivUIOp::create(b, loc, tiles,
                                   index(split.getUnitsPerBlock())),
        index(target.multiprocessors));
    Value one = index(1);
    auto launch = gpu::LaunchOp::create(
        b, loc, blocks, one, one, index(split.getBlockThreads()), one, one,
        arith::ConstantIntOp::create(b, loc, layout.totalBytes, 32));
    b.setInsertionPointToStart(&launch.getBody().front());
    MLPKernelEmitter(b, loc, op, shape, split, variant, layout).emit(launch);
    gpu::TerminatorOp::create(b, loc);
  };
  if (fast == fallback) {
    buildLaunch(fallback);
    op.erase();
    return success();
  }
  // What the fast variant assumes, checked on the host.
  Value assumptions = arith::ConstantIntOp::create(b, loc, 1, 1);
  auto assume = [&](Value condition) {
    assumptions = arith::AndIOp::create(b, loc, assumptions, condition);
  };
  for (auto [access, buffer, vector] :
       {std::make_tuple(fast.input, op.getInput(), shape.inputVector),
        std::make_tuple(fast.output, op.getInit(), shape.outputVector)}) {
    if (access == RowAccess::Vector)
      assume(buildRowsAligned(b, loc, buffer, vector));
    else if (access == RowAccess::Staged)
      assume(buildRowsContiguous(b, loc, buffer));
  }
  auto ifAssumed = scf::IfOp::create(b, loc, assumptions, /*withElse=*/true);
  b.setInsertionPointToStart(&ifAssumed.getThenRegion().front());
  buildLaunch(fast);
  b.setInsertionPointToStart(&ifAssumed.getElseRegion().front());
  buildLaunch(fallback);
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
