//===- GPUSinkGlobals.cpp - Constant arrays into the kernels ------*- C++ -*-===//
//
// This file implements fad-gpu-sink-globals (see Passes.td): a constant
// array a gpu.launch reads (memref.get_global of host read-only data) is
// taken inside the launch, so that outlining copies the global into the
// kernel's gpu.module instead of passing the kernel a host pointer.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace fad {
#define GEN_PASS_DEF_FADGPUSINKGLOBALS
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

namespace {
struct FADGPUSinkGlobalsPass
    : public fad::impl::FADGPUSinkGlobalsBase<FADGPUSinkGlobalsPass> {
  void runOnOperation() override {
    getOperation()->walk([](gpu::LaunchOp launch) {
      Region &body = launch.getBody();
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(body, captured);
      OpBuilder b = OpBuilder::atBlockBegin(&body.front());
      for (Value v : captured) {
        auto global = v.getDefiningOp<memref::GetGlobalOp>();
        if (!global)
          continue;
        Value inside = b.clone(*global)->getResult(0);
        replaceAllUsesInRegionWith(v, inside, body);
      }
    });
  }
};
} // namespace
