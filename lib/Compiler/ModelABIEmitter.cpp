//===- ModelABIEmitter.cpp - The C ABI of a model in LLVM IR
//---------------===//
//
// The structs built here mirror Model.h field by field; the checks and the
// descriptor packing are C code (ModelInvoke.c), the generated code only
// describes the functions and adapts calling conventions.
//
//===----------------------------------------------------------------------===//

#include "ModelABIEmitter.h"
#include "hypatia/Runtime/Model.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/IRBuilder.h"

using namespace hypatia;

namespace {

class Emitter {
public:
  Emitter(llvm::Module &module)
      : module(module), context(module.getContext()),
        i32(llvm::Type::getInt32Ty(context)),
        i64(llvm::Type::getInt64Ty(context)),
        ptr(llvm::PointerType::getUnqual(context)),
        tensorType(llvm::StructType::create(context, {i32, i32, ptr, ptr, ptr},
                                            "hypatia_tensor_type")),
        functionType(llvm::StructType::create(
            context, {ptr, i32, i32, ptr, ptr, ptr}, "hypatia_function")),
        modelType(llvm::StructType::create(context, {i32, i32, i32, ptr},
                                           "hypatia_model")) {}

  void emit(llvm::ArrayRef<FunctionABI> functions, TargetKind target) {
    // The call functions first: the table points to them, they to the table.
    llvm::SmallVector<llvm::Function *> calls;
    auto *callType = llvm::FunctionType::get(i32, {ptr, ptr, ptr}, false);
    for (const FunctionABI &function : functions)
      calls.push_back(
          llvm::Function::Create(callType, llvm::GlobalValue::ExternalLinkage,
                                 "hypatia_call_" + function.name, module));

    llvm::SmallVector<llvm::Constant *> entries;
    for (auto [function, call] : llvm::zip(functions, calls))
      entries.push_back(llvm::ConstantStruct::get(
          functionType,
          {getString(function.name),
           llvm::ConstantInt::get(i32, function.signature.inputs.size()),
           llvm::ConstantInt::get(i32, function.signature.results.size()),
           getTensorTypes(function, /*results=*/false),
           getTensorTypes(function, /*results=*/true), call}));
    auto *tableType = llvm::ArrayType::get(functionType, entries.size());
    auto *table = new llvm::GlobalVariable(
        module, tableType, /*isConstant=*/true,
        llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(tableType, entries), "hypatia_functions");

    for (auto [index, function] : llvm::enumerate(functions))
      emitCall(calls[index], function,
               llvm::ConstantExpr::getInBoundsGetElementPtr(
                   tableType, table,
                   llvm::ArrayRef<llvm::Constant *>{
                       llvm::ConstantInt::get(i64, 0),
                       llvm::ConstantInt::get(i64, index)}));

    auto *model = new llvm::GlobalVariable(
        module, modelType, /*isConstant=*/true,
        llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantStruct::get(
            modelType, {llvm::ConstantInt::get(i32, HYPATIA_MODEL_ABI_VERSION),
                        llvm::ConstantInt::get(i32, target == TargetKind::cuda
                                                        ? HYPATIA_TARGET_CUDA
                                                        : HYPATIA_TARGET_CPU),
                        llvm::ConstantInt::get(i32, entries.size()), table}),
        "hypatia_model");
    auto *getModel = llvm::Function::Create(
        llvm::FunctionType::get(ptr, {}, false),
        llvm::GlobalValue::ExternalLinkage, "hypatia_get_model", module);
    llvm::IRBuilder<> builder(
        llvm::BasicBlock::Create(context, "entry", getModel));
    builder.CreateRet(model);
  }

private:
  llvm::Constant *getString(llvm::StringRef text) {
    return llvm::IRBuilder<>(context).CreateGlobalString(text, "hypatia_name",
                                                         0, &module);
  }

  llvm::Constant *getArray(llvm::Type *elementType,
                           llvm::ArrayRef<llvm::Constant *> elements,
                           const llvm::Twine &name) {
    if (elements.empty())
      return llvm::ConstantPointerNull::get(ptr);
    auto *type = llvm::ArrayType::get(elementType, elements.size());
    return new llvm::GlobalVariable(
        module, type, /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(type, elements), name);
  }

  llvm::Constant *getTensorTypes(const FunctionABI &function, bool results) {
    llvm::ArrayRef<mlir::RankedTensorType> types =
        results ? function.signature.results : function.signature.inputs;
    llvm::SmallVector<llvm::Constant *> entries;
    for (auto [index, type] : llvm::enumerate(types)) {
      llvm::SmallVector<llvm::Constant *> shape, sourceInput, sourceDim;
      for (auto [dim, size] : llvm::enumerate(type.getShape())) {
        shape.push_back(llvm::ConstantInt::get(
            i64, mlir::ShapedType::isDynamic(size) ? -1 : size));
        if (!results)
          continue;
        const std::optional<SizeSource> &source =
            function.resultSizes[index][dim];
        sourceInput.push_back(
            llvm::ConstantInt::get(i32, source ? source->input : -1));
        sourceDim.push_back(
            llvm::ConstantInt::get(i32, source ? source->dim : -1));
      }
      llvm::Constant *null = llvm::ConstantPointerNull::get(ptr);
      entries.push_back(llvm::ConstantStruct::get(
          tensorType,
          {llvm::ConstantInt::get(i32, static_cast<int32_t>(*getElementType(
                                           type.getElementType()))),
           llvm::ConstantInt::get(i32, type.getRank()),
           getArray(i64, shape, "hypatia_shape"),
           results ? getArray(i32, sourceInput, "hypatia_size_input") : null,
           results ? getArray(i32, sourceDim, "hypatia_size_dim") : null}));
    }
    return getArray(tensorType, entries,
                    results ? "hypatia_results" : "hypatia_inputs");
  }

  /// hypatia_call_<name>(inputs, results, stream): hypatiaModelInvoke with
  /// the function's description and an entry point that unpacks an array of
  /// descriptor pointers into _mlir_ciface_<name>'s arguments.
  void emitCall(llvm::Function *call, const FunctionABI &function,
                llvm::Constant *description) {
    size_t numTensors =
        function.signature.inputs.size() + function.signature.results.size();
    llvm::FunctionCallee target = module.getOrInsertFunction(
        "_mlir_ciface_" + function.symbol,
        llvm::FunctionType::get(
            llvm::Type::getVoidTy(context),
            llvm::SmallVector<llvm::Type *>(numTensors, ptr), false));
    auto *entry = llvm::Function::Create(
        llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr}, false),
        llvm::GlobalValue::InternalLinkage, "hypatia_entry_" + function.symbol,
        module);
    llvm::IRBuilder<> builder(
        llvm::BasicBlock::Create(context, "entry", entry));
    llvm::SmallVector<llvm::Value *> descriptors;
    for (size_t i = 0; i < numTensors; ++i)
      descriptors.push_back(builder.CreateLoad(
          ptr, builder.CreateConstInBoundsGEP1_64(ptr, entry->getArg(0), i)));
    builder.CreateCall(target, descriptors);
    builder.CreateRetVoid();
    // The function's code, and the wrapper that unpacks descriptors into its
    // arguments (a model's weights make thousands of them), are inlined into
    // the entry point: no call is left whose arguments the code generator
    // passes one by one on the stack (its instruction selection is
    // superlinear in them: 4.7 s for 800 linear layers with such calls, 2.3 s
    // without).
    for (const std::string &name :
         {function.symbol, "_mlir_ciface_" + function.symbol})
      if (llvm::Function *inlined = module.getFunction(name)) {
        inlined->setLinkage(llvm::GlobalValue::InternalLinkage);
        inlined->addFnAttr(llvm::Attribute::AlwaysInline);
      }

    llvm::FunctionCallee invoke = module.getOrInsertFunction(
        "hypatiaModelInvoke",
        llvm::FunctionType::get(i32, {ptr, ptr, ptr, ptr, ptr}, false));
    builder.SetInsertPoint(llvm::BasicBlock::Create(context, "entry", call));
    builder.CreateRet(
        builder.CreateCall(invoke, {description, entry, call->getArg(0),
                                    call->getArg(1), call->getArg(2)}));
  }

  llvm::Module &module;
  llvm::LLVMContext &context;
  llvm::Type *i32, *i64;
  llvm::PointerType *ptr;
  llvm::StructType *tensorType, *functionType, *modelType;
};

} // namespace

void hypatia::emitModelABI(llvm::Module &module,
                           llvm::ArrayRef<FunctionABI> functions,
                           TargetKind target) {
  Emitter(module).emit(functions, target);
}
