//===- AttachTarget.cpp - Set the module's #hypatia.target ------*- C++ -*-===//

#include "hypatia/Transforms/Passes.h"

#include "hypatia/Dialect/Hypatia/IR/Target.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace hypatia {
#define GEN_PASS_DEF_ATTACHTARGET
#include "hypatia/Transforms/Passes.h.inc"
} // namespace hypatia

using namespace mlir;
using namespace hypatia;

namespace {

struct AttachTargetPass
    : public hypatia::impl::AttachTargetBase<AttachTargetPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    std::optional<TargetKind> targetKind = symbolizeTargetKind(kind);
    if (!targetKind) {
      module.emitError() << "hypatia-attach-target: unknown kind '" << kind
                         << "': expected cpu or cuda";
      return signalPassFailure();
    }
    // A module's own target stays; chips and overrides given here replace
    // its chips and the figures of the same names (as a command line does).
    auto existing = module->getAttrOfType<TargetAttr>(kTargetAttrName);
    if (existing && existing.getKind() != *targetKind) {
      module.emitError() << "the module is compiled for "
                         << stringifyTargetKind(existing.getKind())
                         << " (its hypatia.target), not for " << kind;
      return signalPassFailure();
    }
    if (existing && chips.empty() && overrides.empty())
      return;

    ArrayAttr chipsAttr = existing ? existing.getChips() : ArrayAttr();
    if (!chips.empty()) {
      SmallVector<Attribute> names;
      for (const std::string &chip : chips)
        names.push_back(StringAttr::get(context, chip));
      chipsAttr = ArrayAttr::get(context, names);
    }
    NamedAttrList figures;
    if (existing && existing.getOverrides())
      figures.append(existing.getOverrides().getValue());
    Builder builder(context);
    for (const std::string &entry : overrides) {
      auto [name, text] = StringRef(entry).split('=');
      int64_t integer;
      double real;
      // Real figures are stored as floats whatever their spelling, so that
      // the attribute prints as it parses (`bandwidth_tbps = 1.000000e+02`).
      bool realFigure = TargetInfo::isIntegerFigure(name) == false;
      if (!realFigure && !text.getAsInteger(10, integer)) {
        figures.set(name, builder.getI64IntegerAttr(integer));
      } else if (!text.getAsDouble(real)) {
        figures.set(name, builder.getF64FloatAttr(real));
      } else {
        module.emitError() << "hypatia-attach-target: override '" << entry
                           << "' is not name=number";
        return signalPassFailure();
      }
    }
    auto target = TargetAttr::getChecked(
        [&] { return module.emitError() << "hypatia-attach-target: "; },
        context, *targetKind, chipsAttr,
        figures.empty() ? DictionaryAttr() : figures.getDictionary(context));
    if (!target)
      return signalPassFailure();
    module->setAttr(kTargetAttrName, target);
  }
};

} // namespace
