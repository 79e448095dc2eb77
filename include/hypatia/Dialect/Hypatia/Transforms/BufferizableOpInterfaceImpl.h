//===- BufferizableOpInterfaceImpl.h - Bufferizing hypatia ops --*- C++ -*-===//

#ifndef HYPATIA_DIALECT_HYPATIA_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
#define HYPATIA_DIALECT_HYPATIA_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace hypatia {
/// One-shot bufferization of hypatia.library_linear: on tensors it writes its
/// destination, on buffers the same op writes that buffer in place.
void registerBufferizableOpInterfaceExternalModels(
    mlir::DialectRegistry &registry);
} // namespace hypatia

#endif // HYPATIA_DIALECT_HYPATIA_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
