//===- GPUDeviceRuntime.cpp - What kernels call, on the device ---*- C++ -*-===//
//
// This file implements fad-gpu-device-runtime (see Passes.td): the runtime's
// check failures get trapping bodies in each gpu.module, and the host
// module is marked as a GPU program for the runtime.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"
#include "fad/Dialect/FAD/IR/FADDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace fad {
#define GEN_PASS_DEF_FADGPUDEVICERUNTIME
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

/// The symbol by which the runtime recognizes a program built for a GPU.
constexpr llvm::StringLiteral kGPUProgramSymbol = "fad_gpu_program";

namespace {
struct FADGPUDeviceRuntimePass
    : public fad::impl::FADGPUDeviceRuntimeBase<FADGPUDeviceRuntimePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool failed = false;
    for (gpu::GPUModuleOp gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      gpuModule.walk([&](func::FuncOp fn) {
        if (!fn.isExternal())
          return;
        StringRef name = fn.getSymName();
        if (name != fad::kFailFunction && name != fad::kIndexErrorFunction &&
            name != fad::kSizeErrorFunction) {
          fn.emitError("a GPU kernel cannot call '") << name << "', a host function";
          failed = true;
          return;
        }
        // The launch fails; the host runtime reports a failed check.
        fn.setPrivate();
        OpBuilder b(fn.getContext());
        b.setInsertionPointToStart(fn.addEntryBlock());
        b.create<LLVM::Trap>(fn.getLoc());
        b.create<func::ReturnOp>(fn.getLoc());
      });
    }
    if (failed)
      return signalPassFailure();
    if (!module.lookupSymbol(kGPUProgramSymbol)) {
      OpBuilder b(module.getBodyRegion());
      auto i8 = b.getI8Type();
      b.create<LLVM::GlobalOp>(module.getLoc(), i8, /*isConstant=*/true,
                               LLVM::Linkage::External, kGPUProgramSymbol,
                               b.getIntegerAttr(i8, 1));
    }
  }
};
} // namespace
