//===- Pipelines.cpp - The fad lowering pipelines -----------------*- C++ -*-===//
//
// This file implements the pass pipelines from fad IR to the LLVM dialect:
// fad -> scf/tensor (convert-fad-to-scf), one-shot bufferization with
// ownership-based deallocation, then the standard upstream conversions.
//
//===----------------------------------------------------------------------===//

#include "fad/Pipelines/Pipelines.h"
#include "fad/Conversion/Passes.h"
#include "fad/Lowering/Passes.h"
#include "fad/AD/Rules.h"
#include "fad/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToFuncs/MathToFuncs.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Dialect/Arith/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void fad::registerLoweringDialects(DialectRegistry &registry) {
  registry.insert<bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  memref::MemRefDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  arith::registerBufferDeallocationOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  cf::registerBufferizableOpInterfaceExternalModels(registry);
  cf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  memref::registerAllocationOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  registerDerivativeRules(registry);
}

void fad::buildFADToSCFPipeline(OpPassManager &pm, const PipelineOptions &options) {
  FADAutodiffOptions autodiff;
  autodiff.checkpoint = options.checkpoint;
  autodiff.reportTapes = options.reportTapes;
  pm.addPass(createFADAutodiff(autodiff));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.fuse) {
    pm.addPass(createFADFuse());
    pm.addPass(createCSEPass());
  }
  pm.addPass(createFADSplitAccumulations());
  pm.addPass(createConvertFADToSCF());
  // Not scf.for's folding of tensor.cast into its iteration arguments: it
  // gives a state the static shape of its initial value and casts each
  // yield back to it, which is wrong for a loop whose array grows
  // (`loop a = [y] for ... do build (length a + 1) ...`).
  pm.addPass(createCanonicalizerPass(GreedyRewriteConfig(), /*disabledPatterns=*/
                                     {"(anonymous namespace)::ForOpTensorCastFolder"}));
  pm.addPass(createCSEPass());
}

void fad::buildSCFToLLVMPipeline(OpPassManager &pm, const PipelineOptions &options) {
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  bufferization.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  // Loops carry arrays that their bodies rebuild (loop x = ... do f x).
  bufferization.allowReturnAllocsFromLoops = true;
  // Copying before every write makes the aliasing invariants of loops
  // (their yields alias their iteration arguments) hold by themselves, and
  // LLVM 19 scf.for checks them only with the in-place analysis.
  bufferization.copyBeforeWrite = !options.inPlace;
  bufferization.enforceAliasingInvariants = options.inPlace;
  pm.addPass(createFADPrivateScratch());
  // Rows computed into fresh tensors and then inserted into a result are
  // built in place instead (no allocation and copy per row).
  if (options.inPlace)
    pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  pm.addPass(createFADCopyViewCallArguments());
  bufferization::buildBufferDeallocationPipeline(pm, {});
  pm.addPass(createBufferizationToMemRefPass());
  pm.addPass(createConvertLinalgToLoopsPass());
  // Maps and reductions onto all cores (libomp's threads).
  FADParallelizeOptions parallelize;
  parallelize.allowChecks = options.executable;
  pm.addPass(createFADParallelize(parallelize));
  pm.addPass(createFADHoistLoopBuffers());
  pm.addPass(createFADExpandStridedCopies());
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createFADInlineAllocaScopes());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertMathToFuncs());
  pm.addPass(createFADPreciseMathToLibm());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // Allocations go through the runtime (_mlir_memref_to_llvm_alloc/free),
  // which frees what a failed library call leaves behind.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void fad::registerFADPipelines() {
  PassPipelineRegistration<>("fad-to-scf",
                             "Lower fad to value-semantic scf/tensor IR",
                             [](OpPassManager &pm) { buildFADToSCFPipeline(pm); });
  PassPipelineRegistration<>("fad-to-llvm", "Lower fad to the LLVM dialect",
                             [](OpPassManager &pm) {
                               buildFADToSCFPipeline(pm);
                               buildSCFToLLVMPipeline(pm);
                             });
}
