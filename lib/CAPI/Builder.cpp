//===- Builder.cpp - Building hypatia functions through the C API -*- C++ -*-=//
//
// Frontends (the torch.fx importer) build a function op by op; values are
// numbered so that a C caller never holds an MLIR pointer. Every op is
// verified as it is made, so an error points at the op (and the frontend's
// location for it) rather than at the finished module.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace hypatia;

struct HypatiaBuilder {
  HypatiaContext *context;
  OwningOpRef<ModuleOp> module;
  func::FuncOp function;
  OpBuilder builder;
  Location loc;
  SmallVector<Value> values;
  bool finished = false;

  explicit HypatiaBuilder(HypatiaContext *context)
      : context(context), builder(&context->context),
        loc(UnknownLoc::get(&context->context)) {}

  /// The value numbered `id`, or null after an error at the current location.
  Value lookup(int64_t id, llvm::StringRef role) {
    if (finished) {
      emitError(loc) << "the function is already finished";
      return {};
    }
    if (id < 0 || id >= static_cast<int64_t>(values.size())) {
      emitError(loc) << "no value " << id << " (the " << role
                     << "); values so far: " << values.size();
      return {};
    }
    return values[id];
  }

  /// Numbers `op`'s result if the op verifies, else erases it.
  int64_t add(Operation *op) {
    if (failed(verify(op, /*verifyRecursively=*/false))) {
      op->erase();
      return -1;
    }
    values.push_back(op->getResult(0));
    return values.size() - 1;
  }
};

HypatiaBuilder *hypatiaBuilderCreate(HypatiaContext *context,
                                     const char *name) {
  auto *builder = new HypatiaBuilder(context);
  builder->module = ModuleOp::create(builder->loc);
  builder->builder.setInsertionPointToEnd(builder->module->getBody());
  builder->function = func::FuncOp::create(
      builder->builder, builder->loc, name && *name ? name : "forward",
      builder->builder.getFunctionType({}, {}));
  builder->builder.setInsertionPointToEnd(builder->function.addEntryBlock());
  return builder;
}

void hypatiaBuilderDestroy(HypatiaBuilder *builder) { delete builder; }

void hypatiaBuilderSetLocation(HypatiaBuilder *builder, const char *name,
                               const char *file, int32_t line, int32_t column) {
  MLIRContext *context = &builder->context->context;
  Location loc = UnknownLoc::get(context);
  if (file && *file)
    loc = FileLineColLoc::get(context, file, std::max(line, 0),
                              std::max(column, 0));
  if (name && *name)
    loc = NameLoc::get(StringAttr::get(context, name), loc);
  builder->loc = loc;
}

/// The element type of a hypatia_dtype code, or null with an error at the
/// builder's location.
static Type getElementType(HypatiaBuilder *builder, int32_t code) {
  std::optional<ElementType> type = getElementTypeOfCode(code);
  if (!type) {
    emitError(builder->loc)
        << "unknown element type code " << code << " (0: f32, 1: f16, 2: bf16)";
    return {};
  }
  return getMLIRType(&builder->context->context, *type);
}

int64_t hypatiaBuilderAddArgument(HypatiaBuilder *builder, int32_t elementType,
                                  int32_t rank, const int64_t *shape) {
  Type type = getElementType(builder, elementType);
  if (!type)
    return -1;
  if (rank < 0 || (rank > 0 && !shape)) {
    emitError(builder->loc) << "invalid rank " << rank << " or no shape";
    return -1;
  }
  SmallVector<int64_t> sizes;
  for (int64_t size : llvm::ArrayRef(shape, rank)) {
    if (size < -1) {
      emitError(builder->loc) << "invalid size " << size << " (-1: dynamic)";
      return -1;
    }
    sizes.push_back(size < 0 ? ShapedType::kDynamic : size);
  }
  if (builder->finished) {
    emitError(builder->loc) << "the function is already finished";
    return -1;
  }
  builder->values.push_back(builder->function.front().addArgument(
      RankedTensorType::get(sizes, type), builder->loc));
  return builder->values.size() - 1;
}

/// The dialect's activation for a hypatia_activation code, or an error at the
/// builder's location.
static std::optional<Activation> getActivation(HypatiaBuilder *builder,
                                               int32_t code) {
  if (std::optional<Activation> activation =
          symbolizeActivation(static_cast<uint32_t>(code)))
    return activation;
  emitError(builder->loc) << "unknown activation code " << code;
  return std::nullopt;
}

int64_t hypatiaBuilderLinear(HypatiaBuilder *builder, int32_t activation,
                             int64_t input, int64_t weight, int64_t bias) {
  std::optional<Activation> kind = getActivation(builder, activation);
  Value x = kind ? builder->lookup(input, "input") : Value();
  Value w = x ? builder->lookup(weight, "weight") : Value();
  Value b = (w && bias >= 0) ? builder->lookup(bias, "bias") : Value();
  if (!x || !w || (bias >= 0 && !b))
    return -1;
  auto inputType = cast<RankedTensorType>(x.getType());
  auto weightType = cast<RankedTensorType>(w.getType());
  if (inputType.getRank() < 1 || weightType.getRank() != 2) {
    emitError(builder->loc)
        << "a linear layer takes an input of rank >= 1 and a weight of rank 2, "
           "got input "
        << inputType << " and weight " << weightType;
    return -1;
  }
  return builder->add(
      createLinearLayer(builder->builder, builder->loc, *kind, x, w, b));
}

int64_t hypatiaBuilderActivation(HypatiaBuilder *builder, int32_t activation,
                                 int64_t input) {
  std::optional<Activation> kind = getActivation(builder, activation);
  Value x = kind ? builder->lookup(input, "input") : Value();
  if (!x)
    return -1;
  if (*kind == Activation::none) {
    emitError(builder->loc) << "activation 'none' has no elementwise op";
    return -1;
  }
  return builder->add(
      createElementwiseActivation(builder->builder, builder->loc, *kind, x));
}

int32_t hypatiaBuilderGetType(HypatiaBuilder *builder, int64_t value,
                              int32_t *elementType, int64_t *shape,
                              int32_t capacity) {
  Value v = builder->lookup(value, "value");
  if (!v)
    return -1;
  auto type = cast<RankedTensorType>(v.getType());
  if (elementType)
    *elementType =
        static_cast<int32_t>(*hypatia::getElementType(type.getElementType()));
  for (int64_t i = 0, e = std::min<int64_t>(type.getRank(), capacity); i < e;
       ++i)
    shape[i] = type.isDynamicDim(i) ? -1 : type.getDimSize(i);
  return type.getRank();
}

int64_t hypatiaBuilderDropout(HypatiaBuilder *builder, int64_t input,
                              double probability) {
  Value x = builder->lookup(input, "input");
  if (!x)
    return -1;
  OpBuilder &b = builder->builder;
  return builder->add(DropoutOp::create(b, builder->loc, x.getType(), x,
                                        b.getF64FloatAttr(probability)));
}

/// An elementwise op of two values (hypatia.mul, hypatia.add).
template <typename BinaryOp>
static int64_t buildBinary(HypatiaBuilder *builder, int64_t lhs, int64_t rhs) {
  Value a = builder->lookup(lhs, "lhs");
  Value b = builder->lookup(rhs, "rhs");
  if (!a || !b)
    return -1;
  // The verifier reports operands of different types at the location.
  return builder->add(
      BinaryOp::create(builder->builder, builder->loc, a.getType(), a, b));
}

int64_t hypatiaBuilderMul(HypatiaBuilder *builder, int64_t lhs, int64_t rhs) {
  return buildBinary<MulOp>(builder, lhs, rhs);
}

int64_t hypatiaBuilderAdd(HypatiaBuilder *builder, int64_t lhs, int64_t rhs) {
  return buildBinary<AddOp>(builder, lhs, rhs);
}

int64_t hypatiaBuilderMatmul(HypatiaBuilder *builder, int64_t lhs,
                             int64_t rhs, int32_t transposeLhs,
                             int32_t transposeRhs) {
  Value a = builder->lookup(lhs, "lhs");
  Value b = a ? builder->lookup(rhs, "rhs") : Value();
  if (!b)
    return -1;
  auto lhsType = cast<RankedTensorType>(a.getType());
  auto rhsType = cast<RankedTensorType>(b.getType());
  if (lhsType.getRank() != 2 || rhsType.getRank() != 2) {
    emitError(builder->loc) << "a matrix product takes matrices, got "
                            << lhsType << " and " << rhsType;
    return -1;
  }
  // The verifier reports sizes that do not multiply at the location.
  auto type = RankedTensorType::get(
      {lhsType.getDimSize(transposeLhs ? 1 : 0),
       rhsType.getDimSize(transposeRhs ? 0 : 1)},
      lhsType.getElementType());
  return builder->add(MatmulOp::create(builder->builder, builder->loc, type, a,
                                       b, transposeLhs != 0,
                                       transposeRhs != 0));
}

int64_t hypatiaBuilderActivationGrad(HypatiaBuilder *builder,
                                     int32_t activation, int64_t grad,
                                     int64_t input) {
  std::optional<Activation> kind = getActivation(builder, activation);
  Value g = kind ? builder->lookup(grad, "grad") : Value();
  Value x = g ? builder->lookup(input, "input") : Value();
  if (!x)
    return -1;
  return builder->add(ActivationGradOp::create(builder->builder, builder->loc,
                                               g.getType(), g, x, *kind));
}

int64_t hypatiaBuilderSumRows(HypatiaBuilder *builder, int64_t input) {
  Value x = builder->lookup(input, "input");
  if (!x)
    return -1;
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() < 2) {
    emitError(builder->loc) << "a row sum takes a tensor of rank >= 2, got "
                            << type;
    return -1;
  }
  return builder->add(SumRowsOp::create(
      builder->builder, builder->loc,
      RankedTensorType::get({type.getShape().back()}, type.getElementType()),
      x));
}

int64_t hypatiaBuilderConvert(HypatiaBuilder *builder, int64_t input,
                              int32_t elementType) {
  Value x = builder->lookup(input, "input");
  if (!x)
    return -1;
  Type type = getElementType(builder, elementType);
  if (!type)
    return -1;
  return builder->add(
      ConvertOp::create(builder->builder, builder->loc,
                        cast<RankedTensorType>(x.getType()).clone(type), x));
}

int64_t hypatiaBuilderReshape(HypatiaBuilder *builder, int64_t input,
                              int32_t rank, const int64_t *shape) {
  Value x = builder->lookup(input, "input");
  if (!x)
    return -1;
  Location loc = builder->loc;
  auto sourceType = cast<RankedTensorType>(x.getType());
  if (rank < 0 || (rank > 0 && !shape)) {
    emitError(loc) << "invalid rank " << rank << " or no shape";
    return -1;
  }
  llvm::ArrayRef<int64_t> sizes(shape, rank);
  if (!sourceType.hasStaticShape() ||
      llvm::any_of(sizes, [](int64_t size) { return size < 0; })) {
    emitError(loc) << "reshape needs static shapes, got " << sourceType
                   << " to [" << llvm::make_range(sizes.begin(), sizes.end())
                   << "]";
    return -1;
  }
  auto targetType = RankedTensorType::get(sizes, sourceType.getElementType());
  if (sourceType.getNumElements() != targetType.getNumElements()) {
    emitError(loc) << "cannot reshape " << sourceType << " ("
                   << sourceType.getNumElements() << " elements) to "
                   << targetType;
    return -1;
  }
  if (sourceType == targetType) {
    builder->values.push_back(x);
    return builder->values.size() - 1;
  }
  OpBuilder &b = builder->builder;
  // One collapse or one expand where the sizes group that way (flattening
  // the features of an image batch); otherwise through one dimension.
  if (auto reassociation =
          getReassociationIndicesForReshape(sourceType, targetType)) {
    if (sourceType.getRank() > targetType.getRank())
      return builder->add(tensor::CollapseShapeOp::create(b, loc, targetType, x,
                                                          *reassociation));
    return builder->add(
        tensor::ExpandShapeOp::create(b, loc, targetType, x, *reassociation));
  }
  auto flatType = RankedTensorType::get({sourceType.getNumElements()},
                                        sourceType.getElementType());
  Value flat = x;
  if (sourceType.getRank() != 1) {
    ReassociationIndices all =
        llvm::to_vector<2>(llvm::seq<int64_t>(0, sourceType.getRank()));
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, x,
                                           ArrayRef<ReassociationIndices>{all});
  }
  if (targetType.getRank() == 1) {
    builder->values.push_back(flat);
    return builder->values.size() - 1;
  }
  ReassociationIndices all =
      llvm::to_vector<2>(llvm::seq<int64_t>(0, targetType.getRank()));
  return builder->add(tensor::ExpandShapeOp::create(
      b, loc, targetType, flat, ArrayRef<ReassociationIndices>{all}));
}

int64_t hypatiaBuilderSliceRows(HypatiaBuilder *builder, int64_t input,
                                int64_t start, int64_t count) {
  Value x = builder->lookup(input, "input");
  if (!x)
    return -1;
  Location loc = builder->loc;
  auto type = cast<RankedTensorType>(x.getType());
  if (!type.hasStaticShape() || type.getRank() < 1 || start < 0 || count < 0 ||
      start > type.getDimSize(0) - count) {
    emitError(loc) << "rows [" << start << ", " << start << " + " << count
                   << ") are not rows of " << type;
    return -1;
  }
  OpBuilder &b = builder->builder;
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes, strides(type.getRank(), b.getIndexAttr(1));
  offsets[0] = b.getIndexAttr(start);
  for (int64_t dim : type.getShape())
    sizes.push_back(b.getIndexAttr(dim));
  sizes[0] = b.getIndexAttr(count);
  return builder->add(
      tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides));
}

HypatiaModule *hypatiaBuilderFinish(HypatiaBuilder *builder, int32_t numValues,
                                    const int64_t *values) {
  SmallVector<Value> results;
  for (int32_t i = 0; i < numValues; ++i) {
    Value value = values ? builder->lookup(values[i], "result") : Value();
    if (!value)
      return nullptr;
    results.push_back(value);
  }
  if (results.empty()) {
    emitError(builder->loc) << "a function must return at least one tensor";
    return nullptr;
  }
  func::ReturnOp::create(builder->builder, builder->loc, results);
  builder->function.setFunctionType(builder->builder.getFunctionType(
      builder->function.front().getArgumentTypes(), ValueRange(results)));
  builder->finished = true;
  if (failed(verify(*builder->module)))
    return nullptr;
  return new HypatiaModule{builder->context, std::move(builder->module)};
}
