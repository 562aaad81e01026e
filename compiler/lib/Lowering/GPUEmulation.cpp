//===- GPUEmulation.cpp - Outlined kernels run on the CPU --------*- C++ -*-===//
//
// This file implements fad-emulate-gpu-launches (see Passes.td): the kernels
// that gpu-kernel-outlining made become host functions of their block and
// thread ids, and each launch loops over the grid and the blocks calling
// them. What the GPU would run, index arithmetic and guards included, runs.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/StringMap.h"

namespace fad {
#define GEN_PASS_DEF_FADEMULATEGPULAUNCHES
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

/// The host function's leading arguments: block ids, thread ids, grid
/// sizes, block sizes (x, y, z each).
constexpr unsigned kIdArguments = 12;

/// `kernel` as a host function `name` of (ids..., kernel arguments...), or
/// null after an error on an op that needs its threads to run together.
static func::FuncOp emulatedKernel(OpBuilder &b, gpu::GPUFuncOp kernel, StringRef name) {
  if (kernel.getNumWorkgroupAttributions() || kernel.getNumPrivateAttributions() ||
      !kernel.getBody().hasOneBlock()) {
    kernel.emitError("cannot emulate a kernel with attributions or several blocks");
    return nullptr;
  }
  SmallVector<Type> inputs(kIdArguments, b.getIndexType());
  llvm::append_range(inputs, kernel.getArgumentTypes());
  auto fn = b.create<func::FuncOp>(kernel.getLoc(), name, b.getFunctionType(inputs, {}));
  fn.setPrivate();
  IRMapping mapping;
  kernel.getBody().cloneInto(&fn.getBody(), mapping);
  Block &entry = fn.getBody().front();
  for (unsigned k = 0; k < kIdArguments; ++k)
    entry.insertArgument(k, b.getIndexType(), kernel.getLoc());

  auto idArgument = [&](unsigned group, gpu::Dimension dim) {
    return entry.getArgument(group * 3 + static_cast<unsigned>(dim));
  };
  bool failed = false;
  SmallVector<Operation *> replaced;
  fn.walk([&](Operation *op) {
    Value id;
    if (auto o = dyn_cast<gpu::BlockIdOp>(op))
      id = idArgument(0, o.getDimension());
    else if (auto o = dyn_cast<gpu::ThreadIdOp>(op))
      id = idArgument(1, o.getDimension());
    else if (auto o = dyn_cast<gpu::GridDimOp>(op))
      id = idArgument(2, o.getDimension());
    else if (auto o = dyn_cast<gpu::BlockDimOp>(op))
      id = idArgument(3, o.getDimension());
    if (id) {
      op->getResult(0).replaceAllUsesWith(id);
      replaced.push_back(op);
    } else if (isa<gpu::ReturnOp>(op)) {
      OpBuilder at(op);
      at.create<func::ReturnOp>(op->getLoc());
      replaced.push_back(op);
    } else if (isa<gpu::GPUDialect>(op->getDialect())) {
      op->emitError("cannot emulate '") << op->getName()
                                        << "': its threads would have to run together";
      failed = true;
    }
  });
  for (Operation *op : replaced)
    op->erase();
  if (failed) {
    fn.erase();
    return nullptr;
  }
  return fn;
}

/// Replaces `launch` by loops over blocks (z, y, x) and their threads
/// (z, y, x) calling `fn`.
static void emulateLaunch(gpu::LaunchFuncOp launch, func::FuncOp fn) {
  OpBuilder b(launch);
  Location loc = launch.getLoc();
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  Value extents[6] = {grid.z, grid.y, grid.x, block.z, block.y, block.x};
  Value ids[6]; // bz, by, bx, tz, ty, tx
  for (unsigned k = 0; k < 6; ++k) {
    auto loop = b.create<scf::ForOp>(loc, zero, extents[k], one);
    ids[k] = loop.getInductionVar();
    b.setInsertionPoint(loop.getBody()->getTerminator());
  }
  SmallVector<Value> args{ids[2], ids[1], ids[0], ids[5], ids[4], ids[3],
                          grid.x, grid.y, grid.z, block.x, block.y, block.z};
  llvm::append_range(args, launch.getKernelOperands());
  b.create<func::CallOp>(loc, fn, args);
  launch.erase();
}

namespace {
struct FADEmulateGPULaunchesPass
    : public fad::impl::FADEmulateGPULaunchesBase<FADEmulateGPULaunchesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    llvm::StringMap<func::FuncOp> emulated;
    bool failed = false;
    module.walk([&](gpu::LaunchFuncOp launch) {
      if (!launch.getAsyncDependencies().empty() || launch.getAsyncToken() ||
          launch.getClusterSizeX() || launch.getDynamicSharedMemorySize()) {
        launch.emitError("cannot emulate an asynchronous, clustered or shared-memory launch");
        failed = true;
        return;
      }
      std::string name = (launch.getKernelModuleName().getValue() + "_" +
                          launch.getKernelName().getValue() + "_emulated")
                             .str();
      func::FuncOp &fn = emulated[name];
      if (!fn) {
        auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
            launch, launch.getKernel());
        fn = kernel ? emulatedKernel(b, kernel, name) : nullptr;
        if (!fn) {
          failed = true;
          return;
        }
      }
      emulateLaunch(launch, fn);
    });
    if (failed)
      return signalPassFailure();
    for (gpu::GPUModuleOp gpuModule :
         llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>()))
      gpuModule.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};
} // namespace
