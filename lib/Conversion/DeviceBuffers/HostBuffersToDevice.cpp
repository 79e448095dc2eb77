//===- HostBuffersToDevice.cpp - Host buffers on the GPU --------*- C++ -*-===//

#include "hypatia/Conversion/Passes.h"

#include "mlir/IR/Builders.h"

namespace hypatia {
#define GEN_PASS_DEF_HOSTBUFFERSTODEVICE
#include "hypatia/Conversion/Passes.h.inc"
} // namespace hypatia

using namespace mlir;

namespace {

/// Whether `op` allocates, frees or copies a buffer of indices: the shape
/// operand of a memref.reshape (a 3-D result whose two batch dimensions are
/// both dynamic), which the host writes and reads. On the device, the host's
/// stores to it crashed.
bool isShapeBuffer(Operation *op) {
  auto isIndexBuffer = [](Type type) {
    auto buffer = dyn_cast<MemRefType>(type);
    return buffer && buffer.getElementType().isIndex();
  };
  return llvm::any_of(op->getOperandTypes(), isIndexBuffer) ||
         llvm::any_of(op->getResultTypes(), isIndexBuffer);
}

struct HostBuffersToDevicePass
    : public hypatia::impl::HostBuffersToDeviceBase<HostBuffersToDevicePass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (op->getParentOfType<gpu::GPUModuleOp>())
        return WalkResult::skip();
      if (isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp>(op) &&
          !isShapeBuffer(op))
        ops.push_back(op);
      return WalkResult::advance();
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      // gpu-to-llvm lowers the asynchronous forms: start from a token and
      // wait for the result's. With Hypatia's runtime both are the caller's
      // stream, and the wait does not block.
      Type tokenType = gpu::AsyncTokenType::get(b.getContext());
      Value start =
          gpu::WaitOp::create(b, loc, tokenType, ValueRange()).getAsyncToken();
      Value done;
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto device = gpu::AllocOp::create(
            b, loc, alloc.getType(), tokenType, ValueRange{start},
            alloc.getDynamicSizes(), alloc.getSymbolOperands(),
            /*hostShared=*/false);
        alloc.replaceAllUsesWith(device.getMemref());
        done = device.getAsyncToken();
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        done = gpu::DeallocOp::create(b, loc, tokenType, ValueRange{start},
                                      dealloc.getMemref())
                   .getAsyncToken();
      } else {
        auto copy = cast<memref::CopyOp>(op);
        done = gpu::MemcpyOp::create(b, loc, tokenType, ValueRange{start},
                                     copy.getTarget(), copy.getSource())
                   .getAsyncToken();
      }
      gpu::WaitOp::create(b, loc, Type(), ValueRange{done});
      op->erase();
    }
  }
};

} // namespace
