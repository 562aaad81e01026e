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
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
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
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include <cstdlib>

using namespace mlir;
using fad::Target;

/// Threads per block of the kernels.
constexpr int64_t kGPUBlockSize = 256;

void fad::registerLoweringDialects(DialectRegistry &registry) {
  registry.insert<bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  gpu::GPUDialect, memref::MemRefDialect, NVVM::NVVMDialect>();
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
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerDerivativeRules(registry);
}

void fad::buildFADToSCFPipeline(OpPassManager &pm, const PipelineOptions &options) {
  FADAutodiffOptions autodiff;
  autodiff.checkpoint = options.checkpoint;
  autodiff.reportTapes = options.reportTapes;
  pm.addPass(createFADCheckCollectives());
  pm.addPass(createFADSharePrimals());
  pm.addPass(createFADAutodiff(autodiff));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.fuse) {
    pm.addPass(createFADFuse());
    pm.addPass(createCSEPass());
    // Extents that CSE merged read the constants their checks imply
    // (AssertOp's canonicalization): constant trip counts for unroll-jam.
    pm.addPass(createCanonicalizerPass());
  }
  pm.addPass(createFADSplitAccumulations());
  pm.addPass(createFADInterchangeAccumulations());
  pm.addPass(createFADUnrollJam());
  pm.addPass(createFADOverlapRecurrences());
  pm.addPass(createConvertFADToSCF({/*checkNans=*/options.checkNans}));
  // Not scf.for's folding of tensor.cast into its iteration arguments: it
  // gives a state the static shape of its initial value and casts each
  // yield back to it, which is wrong for a loop whose array grows
  // (`loop a = [y] for ... do build (length a + 1) ...`).
  pm.addPass(createCanonicalizerPass(GreedyRewriteConfig(), /*disabledPatterns=*/
                                     {"(anonymous namespace)::ForOpTensorCastFolder"}));
  pm.addPass(createCSEPass());
  if (options.fuse)
    pm.addPass(createFADFuseLoweredLoops());
}

/// The CUDA toolkit whose libdevice the kernels' math links: $CUDA_HOME (or
/// $CUDA_PATH) when set, else the one holding the ptxas on PATH, else
/// /usr/local/cuda; empty if it has no nvvm/libdevice/libdevice.10.bc.
/// Needed when compiling only.
static std::string findCUDAToolkit() {
  auto hasLibdevice = [](StringRef dir) {
    return llvm::sys::fs::exists(dir + "/nvvm/libdevice/libdevice.10.bc");
  };
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *dir = std::getenv(var))
      return hasLibdevice(dir) ? dir : "";
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas")) {
    StringRef dir = llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas));
    if (hasLibdevice(dir))
      return dir.str();
  }
  return hasLibdevice("/usr/local/cuda") ? "/usr/local/cuda" : "";
}

/// Parallel loops become kernels: reductions split into reduction-free
/// levels, each loop tiled by 256 (blocks of 256 threads, the innermost
/// dimension on consecutive threads, a guard for the ragged end), mapped to
/// blocks and threads, and outlined into gpu.modules.
static void addGPUMappingPasses(OpPassManager &pm) {
  pm.addPass(fad::createFADGPUReductions());
  pm.addNestedPass<func::FuncOp>(createParallelLoopTilingPass({kGPUBlockSize},
                                                              /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addPass(createParallelLoopToGpuPass());
  pm.addPass(createLowerAffinePass());
  // The tiling's index arithmetic folds (constant block sizes in launches).
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // After CSE, which would merge them back with the host's.
  pm.addPass(fad::createFADGPUSinkGlobals());
  pm.addPass(createGpuKernelOutliningPass());
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
  if (options.inPlace)
    pm.addPass(createFADReuseDeadArrays());
  // Tapes whose rows the loop writes start empty, not as filled zeros.
  pm.addPass(createFADEmptyOverwrittenStates());
  pm.addPass(createFADPrivateScratch());
  // Rows computed into fresh tensors and then inserted into a result are
  // built in place instead (no allocation and copy per row).
  if (options.inPlace) {
    pm.addPass(createFADHoistExtents());
    pm.addPass(bufferization::createEmptyTensorEliminationPass());
  }
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  pm.addPass(createFADCopyViewCallArguments());
  bufferization::buildBufferDeallocationPipeline(pm, {});
  pm.addPass(createBufferizationToMemRefPass());
  pm.addPass(createFADTightenBufferLayouts());
  pm.addPass(createConvertLinalgToLoopsPass());
  // Maps and reductions onto all cores (libomp's threads) or GPU threads.
  bool gpu = options.target != Target::Host;
  std::string cudaToolkit = options.target == Target::CUDA ? findCUDAToolkit() : "";
  FADParallelizeOptions parallelize;
  parallelize.allowChecks = options.executable;
  // A GPU program's checked loops stay on the host, sequential.
  parallelize.unwindChecks = !options.executable && !gpu;
  parallelize.hostThreads = !gpu;
  parallelize.selectReductions = gpu;
  // Emulation exists to run the kernels: every parallel loop launches one.
  if (options.target == Target::CUDAEmulate)
    parallelize.minWork = 0;
  pm.addPass(createFADHoistChecks());
  pm.addPass(createFADParallelize(parallelize));
  pm.addPass(createFADHoistLoopBuffers());
  pm.addPass(createFADExpandStridedCopies());
  if (!gpu)
    pm.addPass(createFADInterleaveFolds());
  if (gpu) {
    addGPUMappingPasses(pm);
    if (options.stopAfterOutlining)
      return;
    if (options.target == Target::CUDAEmulate)
      pm.addPass(createFADEmulateGPULaunches());
    else
      pm.addPass(createFADGPUDeviceRuntime({/*hasLibdevice=*/!cudaToolkit.empty()}));
  }
  pm.addPass(createConvertSCFToOpenMPPass());
  if (!gpu) // a GPU kernel cannot read the host's stack
    pm.addPass(createFADPromoteBuffersToStack());
  pm.addPass(createFADInlineAllocaScopes());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  if (options.target == Target::CUDA) {
    // The kernels go to NVVM first, so that their math becomes libdevice
    // calls, not the host's libm calls the passes below would make.
    GpuNVVMAttachTargetOptions nvvm;
    nvvm.chip = options.gpuChip;
    pm.addPass(createGpuNVVMAttachTarget(nvvm));
    OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
    kernels.addPass(createConvertGpuOpsToNVVMOps());
    kernels.addPass(createReconcileUnrealizedCastsPass());
  }
  pm.addPass(createConvertMathToFuncs());
  pm.addPass(createFADPreciseMathToLibm());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // Allocations go through the runtime (_mlir_memref_to_llvm_aligned_alloc
  // and _free), which frees what a failed library call leaves behind. The
  // aligned allocation function returns the buffer's data pointer itself
  // (not one computed through an integer), so that LLVM sees which
  // allocation each access reaches (markFreshAllocations).
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  memrefToLLVM.useAlignedAlloc = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  if (options.target == Target::CUDA)
    pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  if (!gpu)
    pm.addPass(createFADScopeParallelAccesses());
  if (options.target == Target::CUDA) {
    // PTX text in the program: the driver compiles it for the GPU present.
    GpuModuleToBinaryPassOptions binary;
    binary.compilationTarget = "isa";
    binary.toolkitPath = cudaToolkit;
    pm.addPass(createGpuModuleToBinaryPass(binary));
  }
}

std::string fad::kernelAssembly(ModuleOp module) {
  std::string text;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjects()) {
      text += "// kernel module " + binary.getName().str() + "\n";
      // The object is NUL-terminated for the driver's loader.
      text += cast<gpu::ObjectAttr>(attr).getObject().getValue().rtrim('\0').str();
      text += "\n";
    }
  });
  return text;
}

LogicalResult fad::parseTarget(llvm::StringRef text, PipelineOptions &options) {
  if (text == "host") {
    options.target = Target::Host;
    return success();
  }
  if (text == "cuda-emulate") {
    options.target = Target::CUDAEmulate;
    return success();
  }
  if (!text.consume_front("cuda"))
    return failure();
  options.target = Target::CUDA;
  if (text.empty())
    return success();
  // sm_NN, or sm_NNa for the architecture-specific features (sm_90a).
  StringRef chip = text;
  StringRef digits = text.consume_front(":sm_") ? text : StringRef();
  digits.consume_back("a");
  unsigned version;
  if (digits.empty() || digits.front() == '0' || digits.getAsInteger(10, version) ||
      version < 50)
    return failure();
  options.gpuChip = chip.drop_front().str();
  return success();
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
