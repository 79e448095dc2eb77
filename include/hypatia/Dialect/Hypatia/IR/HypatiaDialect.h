//===- HypatiaDialect.h - Hypatia dialect -----------------------*- C++ -*-===//

#ifndef HYPATIA_DIALECT_HYPATIA_IR_HYPATIADIALECT_H
#define HYPATIA_DIALECT_HYPATIA_IR_HYPATIADIALECT_H

#include "mlir/IR/Dialect.h"

#include "hypatia/Dialect/Hypatia/IR/HypatiaOpsDialect.h.inc"

#endif // HYPATIA_DIALECT_HYPATIA_IR_HYPATIADIALECT_H
