//===- HypatiaDialect.cpp - Hypatia dialect ---------------------*- C++ -*-===//

#include "hypatia/Dialect/Hypatia/IR/HypatiaDialect.h"
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace hypatia;

#include "hypatia/Dialect/Hypatia/IR/HypatiaEnums.cpp.inc"
#include "hypatia/Dialect/Hypatia/IR/HypatiaOpsDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "hypatia/Dialect/Hypatia/IR/HypatiaAttrs.cpp.inc"

void HypatiaDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "hypatia/Dialect/Hypatia/IR/HypatiaAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.cpp.inc"
      >();
}
