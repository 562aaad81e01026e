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
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/TypeSwitch.h"

namespace fad {
#define GEN_PASS_DEF_FADGPUDEVICERUNTIME
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

/// The symbol by which the runtime recognizes a program built for a GPU.
constexpr llvm::StringLiteral kGPUProgramSymbol = "fad_gpu_program";

/// Declares malloc and free in `scope`.
static void declareHeap(OpBuilder b, SymbolTable scope, Location loc) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  if (!scope.lookup("malloc"))
    b.create<LLVM::LLVMFuncOp>(loc, "malloc", LLVM::LLVMFunctionType::get(ptr, {b.getI64Type()}));
  if (!scope.lookup("free"))
    b.create<LLVM::LLVMFuncOp>(
        loc, "free", LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(b.getContext()), {ptr}));
}

/// Declares the device's malloc and free in `gpuModule` if its kernels
/// allocate (a row per thread, say), and in `module`. The memref lowering
/// calls them, and declares them where they are missing in the enclosing
/// builtin module, which a gpu.module's symbols do not see, and which the
/// kernel modules, converted in parallel, must not modify.
static void declareDeviceHeap(ModuleOp module, gpu::GPUModuleOp gpuModule) {
  bool allocates = gpuModule
                       .walk([](Operation *op) {
                         return isa<memref::AllocOp, memref::DeallocOp>(op)
                                    ? WalkResult::interrupt()
                                    : WalkResult::advance();
                       })
                       .wasInterrupted();
  if (!allocates)
    return;
  declareHeap(OpBuilder::atBlockBegin(gpuModule.getBody()), SymbolTable(gpuModule),
              gpuModule.getLoc());
  declareHeap(OpBuilder::atBlockBegin(module.getBody()), SymbolTable(module), module.getLoc());
}

/// Math ops that LLVM 19's NVVM conversion does not map to libdevice (it
/// would leave calls of libm's names, which the device lacks), and the
/// calls of C's erfc that lower fad.erfc, become calls of libdevice's
/// `__nv_NAME` (f64) or `__nv_NAMEf` (f32).
static void callLibdevice(gpu::GPUModuleOp gpuModule) {
  SmallVector<std::pair<Operation *, StringRef>> calls;
  gpuModule.walk([&](Operation *op) {
    StringRef name = llvm::TypeSwitch<Operation *, StringRef>(op)
                         .Case([](math::AsinOp) { return "asin"; })
                         .Case([](math::AcosOp) { return "acos"; })
                         .Case([](math::SinhOp) { return "sinh"; })
                         .Case([](math::CoshOp) { return "cosh"; })
                         .Case([](math::AsinhOp) { return "asinh"; })
                         .Case([](math::AcoshOp) { return "acosh"; })
                         .Case([](math::AtanhOp) { return "atanh"; })
                         .Case([](func::CallOp call) {
                           StringRef callee = call.getCallee();
                           return callee == "erfc" || callee == "erfcf" ? "erfc" : StringRef();
                         })
                         .Default([](Operation *) { return StringRef(); });
    if (!name.empty())
      calls.push_back({op, name});
  });
  SymbolTable symbols(gpuModule);
  for (auto [op, name] : calls) {
    Type type = op->getResult(0).getType();
    std::string callee = ("__nv_" + name + (type.isF32() ? "f" : "")).str();
    auto fn = symbols.lookup<LLVM::LLVMFuncOp>(callee);
    if (!fn) {
      OpBuilder b = OpBuilder::atBlockBegin(gpuModule.getBody());
      fn = b.create<LLVM::LLVMFuncOp>(op->getLoc(), callee,
                                      LLVM::LLVMFunctionType::get(type, {type}));
      symbols.insert(fn);
    }
    OpBuilder b(op);
    op->replaceAllUsesWith(b.create<LLVM::CallOp>(op->getLoc(), fn, op->getOperands()));
    op->erase();
  }
  // The C declarations that fad.erfc's lowering made, now unused.
  for (StringRef name : {"erfc", "erfcf"})
    if (auto fn = symbols.lookup<func::FuncOp>(name))
      fn.erase();
}

namespace {
struct FADGPUDeviceRuntimePass
    : public fad::impl::FADGPUDeviceRuntimeBase<FADGPUDeviceRuntimePass> {
  using FADGPUDeviceRuntimeBase::FADGPUDeviceRuntimeBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool failed = false;
    for (gpu::GPUModuleOp gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      if (!hasLibdevice)
        gpuModule.walk([&](Operation *op) {
          if (!isa<math::MathDialect>(op->getDialect()))
            return WalkResult::advance();
          op->emitError("a GPU kernel computes '")
              << op->getName()
              << "', which needs libdevice (nvvm/libdevice/libdevice.10.bc) from a CUDA "
                 "toolkit, and none was found: set CUDA_HOME";
          failed = true;
          return WalkResult::interrupt();
        });
      gpuModule.walk([&](func::FuncOp fn) {
        if (!fn.isExternal())
          return;
        StringRef name = fn.getSymName();
        // C's erfc (fad.erfc's lowering) is libdevice's in a kernel.
        if (name == "erfc" || name == "erfcf") {
          if (!hasLibdevice) {
            // Located at a call, in the user's source (the declaration has
            // the module's location).
            Operation *where = fn;
            if (auto uses = SymbolTable::getSymbolUses(fn, gpuModule); uses && !uses->empty())
              where = uses->begin()->getUser();
            where->emitError("a GPU kernel computes '")
                << name << "', which needs libdevice (nvvm/libdevice/libdevice.10.bc) from a "
                << "CUDA toolkit, and none was found: set CUDA_HOME";
            failed = true;
            return;
          }
          return; // callLibdevice replaces its calls
        }
        if (!fad::isCheckFailure(name)) {
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
    for (gpu::GPUModuleOp gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      declareDeviceHeap(module, gpuModule);
      callLibdevice(gpuModule);
    }
    if (!module.lookupSymbol(kGPUProgramSymbol)) {
      OpBuilder b(module.getBodyRegion());
      auto i8 = b.getI8Type();
      // Weak: several cuda libraries may be linked into one program.
      b.create<LLVM::GlobalOp>(module.getLoc(), i8, /*isConstant=*/true, LLVM::Linkage::Weak,
                               kGPUProgramSymbol, b.getIntegerAttr(i8, 1));
    }
  }
};
} // namespace
