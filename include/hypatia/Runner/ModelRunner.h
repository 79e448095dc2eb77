//===- ModelRunner.h - Call models built by hypatia-compile -----*- C++ -*-===//
//
// Loads a shared object with the C ABI of hypatia/Runtime/Model.h and calls
// its functions on host tensors: directly for CPU models, through device
// buffers for CUDA models. hypatia-run --target=cuda uses it.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_RUNNER_MODELRUNNER_H
#define HYPATIA_RUNNER_MODELRUNNER_H

#include "hypatia/Runtime/Model.h"
#include "hypatia/Support/HostTensor.h"

#include <memory>

namespace hypatia {

class LoadedModel {
public:
  static llvm::Expected<std::unique_ptr<LoadedModel>>
  load(llvm::StringRef path);
  ~LoadedModel();

  const hypatia_model &getModel() const { return *model; }
  /// The function called `name`, or an error naming those there are.
  llvm::Expected<const hypatia_function *> lookup(llvm::StringRef name) const;

  /// Calls `function` on `inputs`, returning freshly allocated results. For a
  /// CUDA model the inputs are copied to the GPU and the results, poisoned
  /// with NaN before the call so that unwritten elements show, copied back.
  llvm::Expected<llvm::SmallVector<HostTensor>>
  run(const hypatia_function &function,
      llvm::ArrayRef<const HostTensor *> inputs) const;

private:
  LoadedModel(void *handle, const hypatia_model *model, std::string path)
      : handle(handle), model(model), path(std::move(path)) {}

  void *handle;
  const hypatia_model *model;
  std::string path;
};

} // namespace hypatia

#endif // HYPATIA_RUNNER_MODELRUNNER_H
