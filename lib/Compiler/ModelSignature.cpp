//===- ModelSignature.cpp - What compiled functions take and return -------===//
//
// Dynamic result sizes are traced back through the ops that produced the
// result: every hypatia op keeps the sizes of its input's batch dimensions
// (operand 0; a linear layer changes only the last, static, dimension), and
// elementwise activations keep all of them; the ops of a backward pass say
// where each of their sizes comes from (a matmul's rows from its left
// operand, its columns from its right, either maybe transposed; a row sum's
// only dimension is its input's last).
//
//===----------------------------------------------------------------------===//

#include "hypatia/Compiler/ModelSignature.h"
#include "hypatia/Dialect/Hypatia/IR/HypatiaDialect.h"
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace hypatia;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The runtime's limit on ranks (ModelInvoke.c).
static constexpr int64_t kMaxRank = 16;

FailureOr<TensorSignature> hypatia::getTensorSignature(func::FuncOp func) {
  TensorSignature signature;
  auto collect = [&](TypeRange types, StringRef what,
                     SmallVectorImpl<RankedTensorType> &into) {
    for (auto [index, type] : llvm::enumerate(types)) {
      auto tensorType = dyn_cast<RankedTensorType>(type);
      if (!tensorType || !getElementType(tensorType.getElementType()))
        return func.emitError() << what << " " << index << " of @"
                                << func.getName() << " has type " << type
                                << ": only ranked tensors of f32, f16 or bf16 "
                                   "can be passed in and out",
               failure();
      into.push_back(tensorType);
    }
    return success();
  };
  if (failed(collect(func.getArgumentTypes(), "argument", signature.inputs)) ||
      failed(collect(func.getResultTypes(), "result", signature.results)))
    return failure();
  return signature;
}

/// The input size that dimension `dim` of `value` equals, if it can be told
/// from the ops that produced `value`.
static std::optional<SizeSource> traceSize(func::FuncOp func, Value value,
                                           unsigned dim) {
  while (true) {
    if (auto argument = dyn_cast<BlockArgument>(value)) {
      if (argument.getOwner() != &func.getBody().front())
        return std::nullopt;
      return SizeSource{argument.getArgNumber(), dim};
    }
    Operation *op = value.getDefiningOp();
    if (auto matmul = dyn_cast<MatmulOp>(op)) {
      bool rows = dim == 0;
      value = rows ? matmul.getLhs() : matmul.getRhs();
      dim = rows ? matmul.getLhsRowDim() : matmul.getRhsColumnDim();
      continue;
    }
    if (auto sum = dyn_cast<SumRowsOp>(op)) {
      value = sum.getInput();
      dim = sum.getInput().getType().getRank() - 1;
      continue;
    }
    if (isa<HypatiaDialect>(op->getDialect()) && op->getNumOperands() > 0) {
      auto inputType = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
      if (!inputType || dim >= inputType.getRank())
        return std::nullopt;
      value = op->getOperand(0);
      continue;
    }
    if (auto cast = dyn_cast<tensor::CastOp>(op)) {
      value = cast.getSource();
      continue;
    }
    return std::nullopt;
  }
}

FailureOr<std::vector<FunctionABI>> hypatia::analyzeModelABI(ModuleOp module) {
  std::vector<FunctionABI> functions;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isPrivate() || func.isExternal())
      continue;
    FailureOr<TensorSignature> signature = getTensorSignature(func);
    if (failed(signature))
      return failure();
    for (RankedTensorType type :
         llvm::concat<RankedTensorType>(signature->inputs, signature->results))
      if (type.getRank() > kMaxRank)
        return func.emitError()
                   << "@" << func.getName() << " has a tensor of "
                   << "rank " << type.getRank()
                   << ": compiled models support ranks up to " << kMaxRank,
               failure();

    FunctionABI function;
    function.name = func.getName().str();
    function.symbol = function.name;
    auto returnOp =
        dyn_cast<func::ReturnOp>(func.getBody().back().getTerminator());
    for (auto [index, type] : llvm::enumerate(signature->results)) {
      SmallVector<std::optional<SizeSource>> sizes;
      for (auto [dim, size] : llvm::enumerate(type.getShape())) {
        if (!ShapedType::isDynamic(size)) {
          sizes.push_back(std::nullopt);
          continue;
        }
        std::optional<SizeSource> source =
            returnOp ? traceSize(func, returnOp.getOperand(index), dim)
                     : std::nullopt;
        if (!source)
          return emitError(returnOp ? returnOp.getLoc() : func.getLoc())
                     << "dynamic size " << dim << " of result " << index
                     << " of @" << func.getName()
                     << " is not the size of an input: a compiled model's "
                        "callers could not allocate the result",
                 failure();
        sizes.push_back(source);
      }
      function.resultSizes.push_back(std::move(sizes));
    }
    function.signature = std::move(*signature);
    functions.push_back(std::move(function));
  }
  return functions;
}

llvm::Expected<SmallVector<SmallVector<int64_t>>>
hypatia::resolveInputShapes(ArrayRef<RankedTensorType> inputs,
                            ArrayRef<int64_t> dynamicSizes) {
  size_t numDynamic = 0;
  for (RankedTensorType type : inputs)
    numDynamic += type.getNumDynamicDims();
  if (numDynamic == 0 && !dynamicSizes.empty())
    return makeError("the function has no dynamic dimensions, but " +
                     llvm::Twine(dynamicSizes.size()) + " sizes were given");
  if (numDynamic > 0 && dynamicSizes.empty())
    return makeError("the function has " + llvm::Twine(numDynamic) +
                     " dynamic dimension(s): give their sizes (one for all, "
                     "or one each in argument order)");
  if (dynamicSizes.size() != 1 && dynamicSizes.size() != numDynamic)
    return makeError("the function has " + llvm::Twine(numDynamic) +
                     " dynamic dimensions, but " +
                     llvm::Twine(dynamicSizes.size()) +
                     " sizes were given: give one for all, or one each");
  for (int64_t size : dynamicSizes)
    if (size < 0)
      return makeError("dynamic sizes must be >= 0, got " + llvm::Twine(size));

  SmallVector<SmallVector<int64_t>> shapes;
  size_t next = 0;
  for (RankedTensorType type : inputs) {
    SmallVector<int64_t> shape(type.getShape());
    for (int64_t &dim : shape)
      if (ShapedType::isDynamic(dim))
        dim = dynamicSizes.size() == 1 ? dynamicSizes[0] : dynamicSizes[next++];
    shapes.push_back(std::move(shape));
  }
  return shapes;
}
