//===- fad-opt.cpp - mlir-opt for the fad dialect -----------------*- C++ -*-===//
//
// This file implements fad-opt: MLIR's opt driver with the fad dialect, its
// passes and pipelines, and only the upstream dialects that fad IR and its
// lowering produce (registering everything would cost a minute of link time).
//
//===----------------------------------------------------------------------===//

#include "fad/Conversion/Passes.h"
#include "fad/Lowering/Passes.h"
#include "fad/Dialect/FAD/IR/FADDialect.h"
#include "fad/Pipelines/Pipelines.h"
#include "fad/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<fad::FADDialect, mlir::arith::ArithDialect,
                  mlir::bufferization::BufferizationDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
                  mlir::LLVM::LLVMDialect, mlir::math::MathDialect,
                  mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect>();
  fad::registerLoweringDialects(registry);
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerGpuKernelOutliningPass(); // GPU pass tests outline after fad's passes
  fad::registerFADConversionPasses();
  fad::registerFADLoweringPasses();
  fad::registerFADTransformsPasses();
  fad::registerFADPipelines();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "fad optimizer driver\n", registry));
}
