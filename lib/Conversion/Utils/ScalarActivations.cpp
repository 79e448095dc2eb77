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

Value hypatia::buildActivationGrad(OpBuilder &b, Location loc, Value grad,
                                   Value x, Activation activation) {
  Type type = x.getType();
  auto constant = [&](double c) { return buildFloatConstant(b, loc, type, c); };
  auto mul = [&](Value l, Value r) {
    return arith::MulFOp::create(b, loc, l, r).getResult();
  };
  auto add = [&](Value l, Value r) {
    return arith::AddFOp::create(b, loc, l, r).getResult();
  };
  auto sub = [&](Value l, Value r) {
    return arith::SubFOp::create(b, loc, l, r).getResult();
  };
  switch (activation) {
  case Activation::none:
    return grad;
  case Activation::relu: {
    // threshold_backward: x <= 0 ? 0 : grad. The ordered comparison is false
    // for NaN, which passes the gradient, as in PyTorch.
    Value blocked =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, x,
                              constant(0.0));
    return arith::SelectOp::create(b, loc, blocked, constant(0.0), grad);
  }
  case Activation::gelu_erf: {
    // Phi(x) + x * phi(x): Phi = (1 + erf(x / sqrt(2))) / 2,
    // phi = exp(-x^2 / 2) / sqrt(2 pi).
    Value cdf = mul(constant(0.5),
                    add(constant(1.0), math::ErfOp::create(
                                           b, loc, mul(x, constant(M_SQRT1_2)))));
    Value pdf = mul(math::ExpOp::create(b, loc, mul(constant(-0.5), mul(x, x))),
                    constant(0.5 * M_2_SQRTPI * M_SQRT1_2));
    return mul(grad, add(cdf, mul(x, pdf)));
  }
  case Activation::gelu_tanh: {
    // d/dx [x/2 (1 + tanh(u))], u = sqrt(2/pi) (x + 0.044715 x^3):
    // (1 + tanh u) / 2 + x/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2).
    constexpr double kappa = 0.044715;
    Value beta = constant(std::sqrt(2.0 / M_PI));
    Value square = mul(x, x);
    Value inner = mul(beta, add(x, mul(constant(kappa), mul(square, x))));
    Value tanh = math::TanhOp::create(b, loc, inner);
    Value left = mul(constant(0.5), add(constant(1.0), tanh));
    Value right = mul(mul(mul(constant(0.5), x),
                          sub(constant(1.0), mul(tanh, tanh))),
                      mul(beta, add(constant(1.0),
                                    mul(constant(3.0 * kappa), square))));
    return mul(grad, add(left, right));
  }
  case Activation::silu: {
    // s (1 + x (1 - s)), s = sigmoid(x) = 1 / (1 + exp(-x)).
    Value sigmoid = arith::DivFOp::create(
        b, loc, constant(1.0),
        add(constant(1.0),
            math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x))));
    return mul(grad,
               mul(sigmoid, add(constant(1.0), mul(x, sub(constant(1.0),
                                                          sigmoid)))));
  }
  }
  llvm_unreachable("unknown activation");
}
