//===- Target.cpp - The one description of a compilation target -----------===//

#include "hypatia/Dialect/Hypatia/IR/Target.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace hypatia;

//===----------------------------------------------------------------------===//
// Defaults
//===----------------------------------------------------------------------===//

TargetInfo TargetInfo::getDefault(TargetKind kind) {
  TargetInfo target;
  target.kind = kind;
  if (kind == TargetKind::cuda) {
    // The H200 of ../shared/bench/ANCHORS.md (2026-11-30): 8192^3 GEMMs
    // through PyTorch (bf16 688 TFLOP/s, f32 51.0 with TF32 off; f16 runs on
    // the same tensor cores as bf16), a 1 GiB device copy (4.24 TB/s), one
    // tiny eager kernel (9.0 us).
    target.chips = {"sm_80", "sm_86", "sm_89", "sm_90"};
    target.peakF32Gflops = 51'000;
    target.peakF16Gflops = 688'000;
    target.peakBF16Gflops = 688'000;
    target.bandwidthGBps = 4'240;
    target.launchNs = 9'000;
    // No generated fused_mlp kernel yet: a fused_mlp would run as its chain
    // of GEMMs, so fusion must not count it as one kernel.
    target.fusedMLPMaxWidth = 0;
    target.fusedMLPMaxLayers = 16;
    target.fusedMLPMaxWeightKiB = 160;
    return target;
  }
  // The CPU reference path (scalar loops accumulating in f64), measured on
  // the 2-core CI machine with hypatia-run (docs/benchmarks/cpu-target.md):
  // a 1024x1024x1024 f32 GEMM and a ReLU over 64 MiB. A loop nest costs no
  // launch; fused_mlp lowers to its chain, so it is never a single kernel.
  target.peakF32Gflops = 1;
  target.peakF16Gflops = 1;
  target.peakBF16Gflops = 1;
  target.bandwidthGBps = 1;
  target.launchNs = 0;
  target.fusedMLPMaxWidth = 0;
  target.fusedMLPMaxLayers = 16;
  target.fusedMLPMaxWeightKiB = 160;
  return target;
}

//===----------------------------------------------------------------------===//
// The figures a #hypatia.target can override, by name
//===----------------------------------------------------------------------===//

namespace {
struct Figure {
  llvm::StringLiteral name;
  int64_t TargetInfo::*field;
  /// The smallest valid value.
  int64_t minimum;
  int64_t maximum = INT64_MAX;
};
} // namespace

static const Figure kFigures[] = {
    {"peak_f32_gflops", &TargetInfo::peakF32Gflops, 1},
    {"peak_f16_gflops", &TargetInfo::peakF16Gflops, 1},
    {"peak_bf16_gflops", &TargetInfo::peakBF16Gflops, 1},
    {"bandwidth_gbps", &TargetInfo::bandwidthGBps, 1},
    {"launch_ns", &TargetInfo::launchNs, 0},
    {"fused_mlp_max_width", &TargetInfo::fusedMLPMaxWidth, 0},
    {"fused_mlp_max_layers", &TargetInfo::fusedMLPMaxLayers, 2, 16},
    {"fused_mlp_max_weight_kib", &TargetInfo::fusedMLPMaxWeightKiB, 0},
};

static const Figure *lookupFigure(StringRef name) {
  for (const Figure &figure : kFigures)
    if (figure.name == name)
      return &figure;
  return nullptr;
}

TargetInfo TargetInfo::get(TargetAttr attr) {
  TargetInfo target = getDefault(attr.getKind());
  if (ArrayAttr chips = attr.getChips()) {
    target.chips.clear();
    for (Attribute chip : chips)
      target.chips.push_back(cast<StringAttr>(chip).str());
  }
  if (DictionaryAttr overrides = attr.getOverrides())
    for (NamedAttribute entry : overrides)
      if (const Figure *figure = lookupFigure(entry.getName()))
        target.*(figure->field) = cast<IntegerAttr>(entry.getValue()).getInt();
  return target;
}

TargetAttr hypatia::findTargetAttr(Operation *op) {
  for (; op; op = op->getParentOp())
    if (auto attr = op->getAttrOfType<TargetAttr>(kTargetAttrName))
      return attr;
  return {};
}

TargetInfo TargetInfo::getFor(Operation *op) {
  if (TargetAttr attr = findTargetAttr(op))
    return get(attr);
  return getDefault(TargetKind::cuda);
}

double TargetInfo::getPeakFlops(ElementType type) const {
  switch (type) {
  case ElementType::F32:
    return peakF32Gflops * 1e9;
  case ElementType::F16:
    return peakF16Gflops * 1e9;
  case ElementType::BF16:
    return peakBF16Gflops * 1e9;
  }
  llvm_unreachable("unknown element type");
}

bool TargetInfo::gemmFusesActivation(ElementType type,
                                     Activation activation) const {
  if (kind == TargetKind::cpu)
    return true;
  switch (activation) {
  case Activation::none:
  case Activation::relu:
    return true;
  case Activation::gelu_tanh:
    return type != ElementType::F32;
  case Activation::gelu_erf:
  case Activation::silu:
    return false;
  }
  llvm_unreachable("unknown activation");
}

//===----------------------------------------------------------------------===//
// #hypatia.target<kind, name = value, ...>
//===----------------------------------------------------------------------===//

LogicalResult TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 TargetKind kind, ArrayAttr chips,
                                 DictionaryAttr overrides) {
  if (chips) {
    if (kind != TargetKind::cuda)
      return emitError() << "chips apply to cuda targets only";
    if (chips.empty())
      return emitError() << "a cuda target needs at least one chip";
    for (Attribute chip : chips) {
      auto name = dyn_cast<StringAttr>(chip);
      unsigned number = 0;
      if (!name || !name.getValue().starts_with("sm_") ||
          name.getValue().drop_front(3).getAsInteger(10, number) || number < 75)
        return emitError() << "chip " << chip
                           << " is not a CUDA chip CUDA 13 builds for "
                              "(\"sm_75\" or newer)";
    }
  }
  if (overrides) {
    for (NamedAttribute entry : overrides) {
      const Figure *figure = lookupFigure(entry.getName());
      if (!figure)
        return emitError() << "unknown target figure '"
                           << entry.getName().getValue() << "'";
      auto value = dyn_cast<IntegerAttr>(entry.getValue());
      if (!value || value.getInt() < figure->minimum ||
          value.getInt() > figure->maximum)
        return emitError() << "target figure '" << entry.getName().getValue()
                           << "' must be an integer in [" << figure->minimum
                           << ", "
                           << (figure->maximum == INT64_MAX
                                   ? std::string("inf")
                                   : std::to_string(figure->maximum))
                           << "], got "
                           << (value ? std::to_string(value.getInt())
                                     : std::string("a non-integer"));
    }
  }
  return success();
}

Attribute TargetAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef kindName;
  if (parser.parseLess() || parser.parseKeyword(&kindName))
    return {};
  std::optional<TargetKind> kind = symbolizeTargetKind(kindName);
  if (!kind) {
    parser.emitError(loc) << "unknown target kind '" << kindName
                          << "': expected cpu or cuda";
    return {};
  }
  ArrayAttr chips;
  NamedAttrList overrides;
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc nameLoc = parser.getCurrentLocation();
    StringRef name;
    if (parser.parseKeyword(&name) || parser.parseEqual())
      return {};
    if (name == "chips") {
      if (parser.parseAttribute(chips))
        return {};
      continue;
    }
    int64_t value;
    if (parser.parseInteger(value))
      return {};
    if (overrides.get(name)) {
      parser.emitError(nameLoc) << "target figure '" << name << "' given twice";
      return {};
    }
    overrides.append(name, parser.getBuilder().getI64IntegerAttr(value));
  }
  if (parser.parseGreater())
    return {};
  MLIRContext *context = parser.getContext();
  return getChecked(
      [&] { return parser.emitError(loc); }, context, *kind, chips,
      overrides.empty() ? DictionaryAttr() : overrides.getDictionary(context));
}

void TargetAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyTargetKind(getKind());
  if (ArrayAttr chips = getChips())
    printer << ", chips = " << chips;
  if (DictionaryAttr overrides = getOverrides())
    for (NamedAttribute entry : overrides)
      printer << ", " << entry.getName().getValue() << " = "
              << cast<IntegerAttr>(entry.getValue()).getInt();
  printer << '>';
}
