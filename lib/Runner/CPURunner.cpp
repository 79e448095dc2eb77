//===- CPURunner.cpp - Run hypatia functions on the host CPU ----*- C++ -*-===//
//
// Calls go through the `_mlir_ciface_` wrapper that `llvm.emit_c_interface`
// asks for: each tensor argument is passed as a pointer to a memref descriptor
// {allocated, aligned, offset, sizes[rank], strides[rank]}, and the results
// come back through a pointer (first argument) to a struct of descriptors.
// All descriptor fields are 8 bytes, so a descriptor of rank r is 3 + 2r
// int64 words and a struct of them is their concatenation.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Runner/CPURunner.h"
#include "hypatia/Pipelines/Pipelines.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace hypatia;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string typeToString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
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

CPUFunction::CPUFunction(std::unique_ptr<ExecutionEngine> engine,
                         std::string name, TensorSignature signature)
    : engine(std::move(engine)), name(std::move(name)),
      signature(std::move(signature)) {}

CPUFunction::~CPUFunction() = default;

llvm::Expected<std::unique_ptr<CPUFunction>>
CPUFunction::compile(ModuleOp module, StringRef name) {
  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func)
    return makeError("no function @" + name + " in the module");
  FailureOr<TensorSignature> signature = getTensorSignature(func);
  if (failed(signature))
    return makeError("@" + name + " cannot be called from the host");

  MLIRContext *context = module.getContext();
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  context->appendDialectRegistry(registry);

  OwningOpRef<ModuleOp> lowered = module.clone();
  auto loweredFunc = lowered->lookupSymbol<func::FuncOp>(name);
  loweredFunc->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                       UnitAttr::get(context));
  // Callers' inputs are read-only: bufferization must never write into them.
  for (unsigned i = 0, e = loweredFunc.getNumArguments(); i < e; ++i)
    loweredFunc.setArgAttr(
        i, bufferization::BufferizationDialect::kWritableAttrName,
        BoolAttr::get(context, false));

  PassManager pm(context);
  buildCPUPipeline(pm);
  if (failed(pm.run(*lowered)))
    return makeError("lowering @" + name + " for the CPU failed");

  static bool nativeTargetInitialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)nativeTargetInitialized;

  ExecutionEngineOptions options;
  auto transformer = makeOptimizingTransformer(
      /*optLevel=*/2, /*sizeLevel=*/0, /*targetMachine=*/nullptr);
  options.transformer = transformer;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Default;
  auto engine = ExecutionEngine::create(*lowered, options);
  if (!engine)
    return makeError("JIT compilation of @" + name +
                     " failed: " + llvm::toString(engine.takeError()));
  return std::unique_ptr<CPUFunction>(
      new CPUFunction(std::move(*engine), name.str(), std::move(*signature)));
}

/// Words of a memref descriptor of rank `rank`.
static size_t descriptorWords(int64_t rank) { return 3 + 2 * rank; }

llvm::Expected<SmallVector<HostTensor>>
CPUFunction::run(ArrayRef<const HostTensor *> inputs) {
  if (inputs.size() != signature.inputs.size())
    return makeError("@" + name + " takes " +
                     llvm::Twine(signature.inputs.size()) + " inputs, got " +
                     llvm::Twine(inputs.size()));

  // Descriptors of the inputs, checked against the signature.
  SmallVector<SmallVector<int64_t>> inputDescriptors;
  for (auto [index, input, type] : llvm::enumerate(inputs, signature.inputs)) {
    std::optional<ElementType> elementType =
        getElementType(type.getElementType());
    bool shapeMatches = input->getShape().size() == size_t(type.getRank());
    for (int64_t d = 0; shapeMatches && d < type.getRank(); ++d)
      shapeMatches =
          type.isDynamicDim(d) || type.getDimSize(d) == input->getShape()[d];
    if (!shapeMatches || elementType != input->getElementType())
      return makeError("input " + llvm::Twine(index) + " of @" + name + " is " +
                       input->getTypeString() + ", expected " +
                       typeToString(type));
    SmallVector<int64_t> descriptor(descriptorWords(type.getRank()));
    auto pointer = reinterpret_cast<int64_t>(input->getData());
    descriptor[0] = pointer;
    descriptor[1] = pointer;
    descriptor[2] = 0;
    int64_t stride = 1;
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      descriptor[3 + d] = input->getShape()[d];
      descriptor[3 + type.getRank() + d] = stride;
      stride *= input->getShape()[d];
    }
    inputDescriptors.push_back(std::move(descriptor));
  }

  size_t resultWords = 0;
  for (RankedTensorType type : signature.results)
    resultWords += descriptorWords(type.getRank());
  SmallVector<int64_t> resultStorage(std::max<size_t>(resultWords, 1));

  // The packed wrapper reads each argument through a pointer to its value;
  // the ciface function's arguments are themselves pointers.
  SmallVector<void *> argumentValues;
  if (!signature.results.empty())
    argumentValues.push_back(resultStorage.data());
  for (SmallVector<int64_t> &descriptor : inputDescriptors)
    argumentValues.push_back(descriptor.data());
  SmallVector<void *> packedArguments;
  for (void *&value : argumentValues)
    packedArguments.push_back(&value);
  if (llvm::Error error =
          engine->invokePacked("_mlir_ciface_" + name, packedArguments))
    return std::move(error);

  // Copy the results out, then free what the function allocated: a result
  // may alias an input (e.g. dropout returns its operand) or another result.
  llvm::DenseSet<int64_t> notOwned;
  for (SmallVector<int64_t> &descriptor : inputDescriptors)
    notOwned.insert(descriptor[0]);
  SmallVector<HostTensor> results;
  size_t offset = 0;
  for (RankedTensorType type : signature.results) {
    int64_t rank = type.getRank();
    const int64_t *descriptor = resultStorage.data() + offset;
    offset += descriptorWords(rank);
    ElementType elementType = *getElementType(type.getElementType());
    HostTensor result(elementType, ArrayRef<int64_t>(descriptor + 3, rank));
    size_t elementSize = getElementSize(elementType);
    // Identity layouts at function boundaries: dense, row-major data.
    const char *data = reinterpret_cast<const char *>(descriptor[1]) +
                       descriptor[2] * elementSize;
    std::memcpy(result.getData(), data, result.getSizeInBytes());
    results.push_back(std::move(result));
  }
  offset = 0;
  for (RankedTensorType type : signature.results) {
    int64_t allocated = resultStorage[offset];
    offset += descriptorWords(type.getRank());
    if (notOwned.insert(allocated).second)
      std::free(reinterpret_cast<void *>(allocated));
  }
  return results;
}
