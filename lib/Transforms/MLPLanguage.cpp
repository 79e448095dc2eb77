//===- MLPLanguage.cpp - Hypatia ops as an e-graph language -----*- C++ -*-===//

#include "hypatia/Transforms/MLPLanguage.h"

#include "llvm/Support/ErrorHandling.h"

using namespace hypatia;
using namespace hypatia::eqsat;

MLPSymbols::MLPSymbols(SymbolTable &table)
    : leaf(table.intern("leaf")), noBias(table.intern("no_bias")),
      linear(table.intern("linear")),
      fusedLinearRelu(table.intern("fused_linear_relu")),
      fusedLinearGelu(table.intern("fused_linear_gelu")),
      fusedLinearGeluTanh(table.intern("fused_linear_gelu_tanh")),
      fusedLinearSilu(table.intern("fused_linear_silu")),
      relu(table.intern("relu")), gelu(table.intern("gelu")),
      geluTanh(table.intern("gelu_tanh")), silu(table.intern("silu")),
      mul(table.intern("mul")), dropout(table.intern("dropout")),
      fusedMLP(table.intern("fused_mlp")),
      gatedLinear(table.intern("gated_linear")) {}

std::optional<Activation> MLPSymbols::getLayerActivation(Symbol op) const {
  if (op == linear)
    return Activation::none;
  if (op == fusedLinearRelu)
    return Activation::relu;
  if (op == fusedLinearGelu)
    return Activation::gelu_erf;
  if (op == fusedLinearGeluTanh)
    return Activation::gelu_tanh;
  if (op == fusedLinearSilu)
    return Activation::silu;
  return std::nullopt;
}

Symbol MLPSymbols::getLayerSymbol(Activation activation) const {
  switch (activation) {
  case Activation::none:
    return linear;
  case Activation::relu:
    return fusedLinearRelu;
  case Activation::gelu_erf:
    return fusedLinearGelu;
  case Activation::gelu_tanh:
    return fusedLinearGeluTanh;
  case Activation::silu:
    return fusedLinearSilu;
  }
  llvm_unreachable("unknown activation");
}

std::optional<Activation>
MLPSymbols::getElementwiseActivation(Symbol op) const {
  if (op == relu)
    return Activation::relu;
  if (op == gelu)
    return Activation::gelu_erf;
  if (op == geluTanh)
    return Activation::gelu_tanh;
  if (op == silu)
    return Activation::silu;
  return std::nullopt;
}

Symbol MLPSymbols::getElementwiseSymbol(Activation activation) const {
  switch (activation) {
  case Activation::relu:
    return relu;
  case Activation::gelu_erf:
    return gelu;
  case Activation::gelu_tanh:
    return geluTanh;
  case Activation::silu:
    return silu;
  case Activation::none:
    break;
  }
  llvm_unreachable("no elementwise op for this activation");
}

uint64_t ActivationLists::intern(llvm::ArrayRef<Activation> activations) {
  std::vector<Activation> key(activations.begin(), activations.end());
  auto [it, inserted] = ids.try_emplace(key, lists.size());
  if (inserted)
    lists.push_back(std::move(key));
  return it->second;
}
