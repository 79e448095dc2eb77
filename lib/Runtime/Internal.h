//===- Internal.h - Shared internals of the GPU runtime ---------*- C++ -*-===//

#ifndef HYPATIA_LIB_RUNTIME_INTERNAL_H
#define HYPATIA_LIB_RUNTIME_INTERNAL_H

#include "hypatia/Runtime/Runtime.h"

#include <string>

namespace hypatia::runtime {

/// Sets the calling thread's message for hypatiaGetLastError().
void setLastError(const std::string &message);

/// Records a failure of a call that cannot return one (generated code calls
/// it); the first failure is kept until hypatiaTakeDeviceError().
void recordDeviceFailure(hypatia_status status, const std::string &message);

} // namespace hypatia::runtime

#endif // HYPATIA_LIB_RUNTIME_INTERNAL_H
