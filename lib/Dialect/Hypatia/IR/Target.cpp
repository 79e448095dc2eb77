//===- Target.cpp - The one description of a compilation target -----------===//

#include "hypatia/Dialect/Hypatia/IR/Target.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"

#include <limits>

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
    target.peakF32Tflops = 51.0;
    target.peakF16Tflops = 688.0;
    target.peakBF16Tflops = 688.0;
    target.bandwidthTBps = 4.24;
    target.launchUs = 9.0;
    target.multiprocessors = 132;
    // The generated fused_mlp kernel (--hypatia-mlp-kernel-to-gpu) keeps a
    // warp's 16 rows of activations in registers: up to 128 features. Its
    // weights must fit the shared memory of the smallest chip built for
    // (sm_86/sm_89: 99 KiB per block; sm_90 alone: 227).
    target.fusedMLPMaxWidth = 128;
    target.fusedMLPMaxLayers = 16;
    target.setChips({"sm_80", "sm_86", "sm_89", "sm_90"});
    // Measured: the suite's tiny bf16 (64 -> 128 -> 10, 32 rows, one block)
    // took 14.5 us on the GPU (CUPTI, 2026-11-30), 2.1x its cuBLASLt chain.
    target.fusedMLPMinUs = 14.5;
    return target;
  }
  // The CPU, measured on the 2-core CI machine: f32 and bf16 layers are
  // oneDNN matmuls (2026-12-02, a 2048^3 product through hypatia.compile:
  // f32 234 GFLOP/s, bf16 166 with AVX-512 BF16); f16 layers are loop nests
  // (2026-11-30, a 512x1024x1024 GEMM: 0.16 GFLOP/s: f16 conversions are
  // library calls); a ReLU over 64 MiB runs at 8.2 GB/s read plus written. A
  // loop nest costs no launch; fused_mlp lowers to its chain, so it is never
  // a single kernel.
  target.peakF32Tflops = 0.234;
  target.peakF16Tflops = 0.16e-3;
  target.peakBF16Tflops = 0.166;
  target.bandwidthTBps = 8.2e-3;
  target.launchUs = 0;
  target.fusedMLPMaxWidth = 0;
  target.fusedMLPMaxLayers = 16;
  target.fusedMLPMaxWeightKiB = 160;
  return target;
}

/// The shared memory one block may opt into on `chip`, in KiB (the CUDA
/// programming guide's table of compute capabilities); chips it does not list
/// get the 48 KiB every chip has.
static int64_t getSharedMemoryPerBlockKiB(StringRef chip) {
  return llvm::StringSwitch<int64_t>(chip)
      .Case("sm_75", 64)
      .Cases({"sm_80", "sm_87"}, 163)
      .Cases({"sm_86", "sm_89", "sm_120", "sm_121"}, 99)
      .Cases({"sm_90", "sm_90a", "sm_100", "sm_103"}, 227)
      .Default(48);
}

void TargetInfo::setChips(ArrayRef<std::string> names) {
  chips.assign(names.begin(), names.end());
  if (kind != TargetKind::cuda)
    return;
  fusedMLPMaxWeightKiB = getFusedMLPWeightBudgetKiB(chips);
  // Measured on the H200, narrow bf16 (64 -> 64 x 8 -> 16, 2^18 rows, 17.7
  // GFLOP; docs/benchmarks/mlp-kernel.md, 2026-12-01): mma.sync 0.0509 ms,
  // wgmma (sm_90a) 0.0421 ms. (Chains bound by memory keep mma.sync there;
  // the cost model charges them their bytes.)
  fusedMLPTflops = hasWarpgroupMMA() ? 420.0 : 350.0;
}

bool TargetInfo::hasWarpgroupMMA() const {
  return !chips.empty() &&
         llvm::all_of(chips, [](StringRef chip) { return chip == "sm_90a"; });
}

int64_t TargetInfo::getFusedMLPWeightBudgetKiB(ArrayRef<std::string> chips) {
  int64_t budget = std::numeric_limits<int64_t>::max();
  for (const std::string &chip : chips)
    budget = std::min(budget, getSharedMemoryPerBlockKiB(chip));
  // What the kernel's own static shared memory and the driver's reserve
  // may take.
  return chips.empty() ? 0 : budget - 3;
}

int64_t TargetInfo::getFusedMLPLayerSharedBytes(int64_t outFeatures,
                                                int64_t inFeatures,
                                                bool hasBias,
                                                int64_t elementBytes) {
  int64_t rows = getFusedMLPPaddedWidth(outFeatures);
  return rows * (getFusedMLPPaddedWidth(inFeatures) + 8) * elementBytes +
         (hasBias ? rows * 4 : 0);
}

bool TargetInfo::fusedMLPLayerFits(ElementType type, int64_t outFeatures,
                                   int64_t inFeatures) const {
  auto fits = [&](int64_t size) {
    return size > 0 && getFusedMLPPaddedWidth(size) <= fusedMLPMaxWidth;
  };
  return kind == TargetKind::cuda &&
         (type == ElementType::BF16 || type == ElementType::F16) &&
         fits(outFeatures) && fits(inFeatures);
}

bool TargetInfo::fusedMLPKernelFits(ElementType type,
                                    llvm::ArrayRef<int64_t> widths,
                                    bool hasBias) const {
  int64_t layers = static_cast<int64_t>(widths.size()) - 1;
  if (layers < 2 || layers > fusedMLPMaxLayers)
    return false;
  int64_t bytes = 0;
  for (int64_t i = 0; i < layers; ++i) {
    if (!fusedMLPLayerFits(type, widths[i + 1], widths[i]))
      return false;
    bytes += getFusedMLPLayerSharedBytes(widths[i + 1], widths[i], hasBias,
                                         getElementSize(type));
  }
  return bytes <= fusedMLPMaxWeightKiB * 1024;
}

//===----------------------------------------------------------------------===//
// The figures a #hypatia.target can override, by name
//===----------------------------------------------------------------------===//

namespace {
/// A figure: a real number (a rate or a time) or an integer (a limit).
struct Figure {
  llvm::StringLiteral name;
  double TargetInfo::*real;
  int64_t TargetInfo::*integer;
  /// The valid range, bounds included unless `aboveMinimum`.
  double minimum, maximum;
  bool aboveMinimum;
};
} // namespace

static constexpr double kUnbounded = std::numeric_limits<double>::infinity();
static const Figure kFigures[] = {
    {"peak_f32_tflops", &TargetInfo::peakF32Tflops, nullptr, 0, kUnbounded,
     true},
    {"peak_f16_tflops", &TargetInfo::peakF16Tflops, nullptr, 0, kUnbounded,
     true},
    {"peak_bf16_tflops", &TargetInfo::peakBF16Tflops, nullptr, 0, kUnbounded,
     true},
    {"bandwidth_tbps", &TargetInfo::bandwidthTBps, nullptr, 0, kUnbounded,
     true},
    {"launch_us", &TargetInfo::launchUs, nullptr, 0, kUnbounded, false},
    {"multiprocessors", nullptr, &TargetInfo::multiprocessors, 1, kUnbounded,
     false},
    {"fused_mlp_max_width", nullptr, &TargetInfo::fusedMLPMaxWidth, 0,
     kUnbounded, false},
    {"fused_mlp_max_layers", nullptr, &TargetInfo::fusedMLPMaxLayers, 2, 16,
     false},
    {"fused_mlp_max_weight_kib", nullptr, &TargetInfo::fusedMLPMaxWeightKiB, 0,
     kUnbounded, false},
    {"fused_mlp_tflops", &TargetInfo::fusedMLPTflops, nullptr, 0, kUnbounded,
     true},
    {"fused_mlp_min_us", &TargetInfo::fusedMLPMinUs, nullptr, 0, kUnbounded,
     false},
};

/// The value of a real figure: written as a float, or as an integer (by
/// --hypatia-attach-target's overrides, say).
static std::optional<double> getRealValue(Attribute value) {
  if (auto real = dyn_cast<FloatAttr>(value))
    return real.getValueAsDouble();
  if (auto integer = dyn_cast<IntegerAttr>(value))
    return static_cast<double>(integer.getInt());
  return std::nullopt;
}

static const Figure *lookupFigure(StringRef name) {
  for (const Figure &figure : kFigures)
    if (figure.name == name)
      return &figure;
  return nullptr;
}

std::optional<bool> TargetInfo::isIntegerFigure(StringRef name) {
  if (const Figure *figure = lookupFigure(name))
    return figure->integer != nullptr;
  return std::nullopt;
}

/// The range of `figure`, as an error message says it.
static std::string describeRange(const Figure &figure) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << (figure.integer ? "an integer" : "a number") << " in "
     << (figure.aboveMinimum ? '(' : '[') << llvm::format("%g", figure.minimum)
     << ", ";
  if (figure.maximum == kUnbounded)
    os << "inf)";
  else
    os << llvm::format("%g", figure.maximum) << ']';
  return text;
}

TargetInfo TargetInfo::get(TargetAttr attr) {
  TargetInfo target = getDefault(attr.getKind());
  if (ArrayAttr chips = attr.getChips())
    target.setChips(llvm::map_to_vector(
        chips, [](Attribute chip) { return cast<StringAttr>(chip).str(); }));
  if (DictionaryAttr overrides = attr.getOverrides()) {
    for (NamedAttribute entry : overrides) {
      const Figure *figure = lookupFigure(entry.getName());
      if (!figure)
        continue;
      if (figure->real)
        target.*(figure->real) = *getRealValue(entry.getValue());
      else
        target.*(figure->integer) =
            cast<IntegerAttr>(entry.getValue()).getInt();
    }
  }
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
    return peakF32Tflops * 1e12;
  case ElementType::F16:
    return peakF16Tflops * 1e12;
  case ElementType::BF16:
    return peakBF16Tflops * 1e12;
  }
  llvm_unreachable("unknown element type");
}

bool TargetInfo::hasGemmLibrary(ElementType type) const {
  return kind == TargetKind::cuda || type != ElementType::F16;
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
      // sm_<number>, or sm_<number>a (arch-specific: sm_90a, sm_100a).
      StringRef digits = name ? name.getValue() : StringRef();
      unsigned number = 0;
      bool isCUDAChip = digits.consume_front("sm_");
      digits.consume_back("a");
      if (!isCUDAChip || digits.getAsInteger(10, number) || number < 75)
        return emitError() << "chip " << chip
                           << " is not a CUDA chip CUDA 13 builds for "
                              "(\"sm_75\" or newer, \"sm_90a\" for wgmma)";
    }
  }
  if (overrides) {
    for (NamedAttribute entry : overrides) {
      const Figure *figure = lookupFigure(entry.getName());
      if (!figure)
        return emitError() << "unknown target figure '"
                           << entry.getName().getValue() << "'";
      std::optional<double> value;
      if (figure->real)
        value = getRealValue(entry.getValue());
      else if (auto integer = dyn_cast<IntegerAttr>(entry.getValue()))
        value = static_cast<double>(integer.getInt());
      bool inRange = value && *value <= figure->maximum &&
                     (figure->aboveMinimum ? *value > figure->minimum
                                           : *value >= figure->minimum);
      if (!inRange)
        return emitError() << "target figure '" << entry.getName().getValue()
                           << "' must be " << describeRange(*figure);
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
    const Figure *figure = lookupFigure(name);
    if (!figure) {
      parser.emitError(nameLoc) << "unknown target figure '" << name << "'";
      return {};
    }
    if (overrides.get(name)) {
      parser.emitError(nameLoc) << "target figure '" << name << "' given twice";
      return {};
    }
    Builder &builder = parser.getBuilder();
    if (figure->integer) {
      int64_t value;
      if (parser.parseInteger(value))
        return {};
      overrides.append(name, builder.getI64IntegerAttr(value));
    } else {
      // A real figure may be written as an integer (`launch_us = 5`).
      double value;
      int64_t whole;
      OptionalParseResult integer = parser.parseOptionalInteger(whole);
      if (integer.has_value()) {
        if (failed(*integer))
          return {};
        value = static_cast<double>(whole);
      } else if (parser.parseFloat(value)) {
        return {};
      }
      overrides.append(name, builder.getF64FloatAttr(value));
    }
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
  if (DictionaryAttr overrides = getOverrides()) {
    for (NamedAttribute entry : overrides) {
      printer << ", " << entry.getName().getValue() << " = ";
      if (auto integer = dyn_cast<IntegerAttr>(entry.getValue()))
        printer << integer.getInt();
      else
        printer.printFloat(cast<FloatAttr>(entry.getValue()).getValue());
    }
  }
  printer << '>';
}
