//===- ScalarActivations.cpp - Activations in linalg bodies -----*- C++ -*-===//

#include "hypatia/Conversion/ScalarActivations.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace hypatia;

//===----------------------------------------------------------------------===//
// Scalar arithmetic inside linalg bodies
//===----------------------------------------------------------------------===//

static Value buildFloatConstant(OpBuilder &b, Location loc, Type type,
                                double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

/// The type matrix products accumulate in and epilogues and activations are
/// evaluated in, for tensors of `elementType`: f32 for f16/bf16 (as PyTorch
/// and cuBLAS do), f32 or f64 for f32.
Type hypatia::getComputeType(Type elementType, bool computeF32InF64) {
  MLIRContext *context = elementType.getContext();
  if (computeF32InF64 && elementType.isF32())
    return Float64Type::get(context);
  return Float32Type::get(context);
}

/// Widens a scalar to the compute type; the result is rounded once at the end.
Value hypatia::extendTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return arith::ExtFOp::create(b, loc, type, value);
}

Value hypatia::truncateTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return arith::TruncFOp::create(b, loc, type, value);
}

/// Applies `activation` to a scalar of the compute type.
Value hypatia::buildActivation(OpBuilder &b, Location loc, Value v,
                               Activation activation) {
  Type type = v.getType();
  auto constant = [&](double c) { return buildFloatConstant(b, loc, type, c); };
  switch (activation) {
  case Activation::none:
    return v;
  case Activation::relu:
    // maximumf propagates NaN, matching torch.relu.
    return arith::MaximumFOp::create(b, loc, v, constant(0.0));
  case Activation::gelu_erf: {
    // x/2 * (1 + erf(x / sqrt(2)))
    Value erf = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, v, constant(M_SQRT1_2)));
    Value halfV = arith::MulFOp::create(b, loc, v, constant(0.5));
    return arith::MulFOp::create(
        b, loc, halfV, arith::AddFOp::create(b, loc, constant(1.0), erf));
  }
  case Activation::gelu_tanh: {
    // x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
    Value cube =
        arith::MulFOp::create(b, loc, v, arith::MulFOp::create(b, loc, v, v));
    Value inner = arith::AddFOp::create(
        b, loc, v, arith::MulFOp::create(b, loc, cube, constant(0.044715)));
    Value tanh = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, inner, constant(std::sqrt(2.0 / M_PI))));
    Value halfV = arith::MulFOp::create(b, loc, v, constant(0.5));
    return arith::MulFOp::create(
        b, loc, halfV, arith::AddFOp::create(b, loc, constant(1.0), tanh));
  }
  case Activation::silu: {
    // x / (1 + exp(-x)); exp overflows to inf for very negative x, giving -0.
    Value expNeg =
        math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
    return arith::DivFOp::create(
        b, loc, v, arith::AddFOp::create(b, loc, constant(1.0), expNeg));
  }
  }
  llvm_unreachable("unknown activation");
}
