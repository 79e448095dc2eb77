//===- ModelABIEmitter.h - The C ABI of a model in LLVM IR ------*- C++ -*-===//

#ifndef HYPATIA_LIB_COMPILER_MODELABIEMITTER_H
#define HYPATIA_LIB_COMPILER_MODELABIEMITTER_H

#include "hypatia/Compiler/Compiler.h"
#include "hypatia/Compiler/ModelSignature.h"

namespace hypatia {

/// Adds to `module` (which defines _mlir_ciface_<name> for every function)
/// what Model.h describes: hypatia_get_model, the functions' descriptions,
/// and hypatia_call_<name>, which calls hypatiaModelInvoke with a packed
/// entry point taking an array of descriptor pointers.
void emitModelABI(llvm::Module &module, llvm::ArrayRef<FunctionABI> functions,
                  TargetKind target);

} // namespace hypatia

#endif // HYPATIA_LIB_COMPILER_MODELABIEMITTER_H
