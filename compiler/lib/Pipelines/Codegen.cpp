//===- Codegen.cpp - LLVM IR and object files ---------------------*- C++ -*-===//
//
// This file implements the last steps of fadc: translating the LLVM dialect
// to LLVM IR, optimizing it at -O3 for the host CPU (so loops vectorize for
// the machine that runs the program, math functions through libmvec), and
// writing an object file.
//
//===----------------------------------------------------------------------===//

#include "fad/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;

/// A TargetMachine for the host CPU with all its features.
static std::unique_ptr<llvm::TargetMachine> hostTargetMachine(std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  llvm::SubtargetFeatures features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    features.AddFeature(feature.first(), feature.second);
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features.getString(), {},
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
}

/// Sets LLVM's command-line option `name` to `value` unless the command line
/// set it (a command-line setting wins).
static void defaultOption(llvm::StringRef name, llvm::StringRef value) {
  llvm::StringMap<llvm::cl::Option *> &options = llvm::cl::getRegisteredOptions();
  auto option = options.find(name);
  if (option != options.end() && option->second->getNumOccurrences() == 0)
    option->second->addOccurrence(0, option->first(), value);
}

/// Why the settings. LLVM's loop vectorizer vectorizes what a vectorized
/// loop leaves over only when the main loop takes 16 elements a vector or
/// more. With 8 doubles a vector (AVX-512) and 4 vectors an iteration, a
/// loop of fewer than 32 iterations -- a sum over 16 coordinates -- ran
/// entirely in the scalar remainder: from 4 elements a vector on, kmeans'
/// Newton direction took 5.7 ms instead of 14.6 and its cost 3.1 instead of
/// 6.1.
///
/// It speculates that a stride it knows only as a value is 1 (a run-time
/// check chooses the vectorized loop, else the scalar one). fad's strided
/// accesses are a column of a row-major array, whose stride is the row
/// length: not 1 where it matters. In a parallel loop's outlined body, which
/// reads the row length from memory, the speculation took the place of the
/// vectorized strided loop the same loop gets in place: tfim_vmc's sums over
/// the states of column products ran as one scalar chain of multiply-adds on
/// each thread (9 spins: 4.5 s on two threads, 3.1 s without it; one thread
/// unchanged).
///
/// Innermost loops start at a 32-byte boundary, not 16 (x86): where a hot
/// loop's few instructions straddled a 64-byte line, the decoded-instruction
/// cache held it worse, and gmm's gradient at d = 10 ran a fifth slower
/// after an unrelated change moved its code (checks dropped from another
/// loop); with the alignment the same code keeps its speed.
void fad::tuneLLVMOptions() {
  defaultOption("epilogue-vectorization-minimum-VF", "4");
  defaultOption("enable-mem-access-versioning", "false");
  defaultOption("x86-experimental-pref-innermost-loop-alignment", "5");
}

/// LLVM's -O3 pipeline for `machine`, with glibc's vector math library
/// (libmvec) known to the vectorizers: a loop calling exp, log, pow, sin,
/// cos, tan, tanh or atan2 vectorizes into calls of their 4-lane AVX2 (or
/// 2-lane SSE) versions, which programs link with -lmvec.
static void optimize(llvm::Module &module, llvm::TargetMachine &machine) {
  fad::tuneLLVMOptions();
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager sccs;
  llvm::ModuleAnalysisManager modules;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = true;
  tuning.LoopInterleaving = true;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder builder(&machine, tuning);
  llvm::Triple triple(module.getTargetTriple());
  llvm::TargetLibraryInfoImpl library(triple);
  library.addVectorizableFunctionsFromVecLib(llvm::TargetLibraryInfoImpl::LIBMVEC_X86, triple);
  // libmvec has had tanh and atan2 since glibc 2.35 (Debian 12: 2.36); LLVM
  // 19's table of it lacks them.
  auto lanes = [](unsigned n) { return llvm::ElementCount::getFixed(n); };
  const llvm::VecDesc newer[] = {
      {"tanh", "_ZGVbN2v_tanh", lanes(2), false, "_ZGV_LLVM_N2v"},
      {"tanh", "_ZGVdN4v_tanh", lanes(4), false, "_ZGV_LLVM_N4v"},
      {"tanhf", "_ZGVbN4v_tanhf", lanes(4), false, "_ZGV_LLVM_N4v"},
      {"tanhf", "_ZGVdN8v_tanhf", lanes(8), false, "_ZGV_LLVM_N8v"},
      {"atan2", "_ZGVbN2vv_atan2", lanes(2), false, "_ZGV_LLVM_N2vv"},
      {"atan2", "_ZGVdN4vv_atan2", lanes(4), false, "_ZGV_LLVM_N4vv"},
      {"atan2f", "_ZGVbN4vv_atan2f", lanes(4), false, "_ZGV_LLVM_N4vv"},
      {"atan2f", "_ZGVdN8vv_atan2f", lanes(8), false, "_ZGV_LLVM_N8vv"},
  };
  library.addVectorizableFunctions(newer);
  functions.registerPass([&] { return llvm::TargetLibraryAnalysis(library); });
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(module, modules);
}

void fad::allowFloatContraction(llvm::Module &module) {
  for (llvm::Function &fn : module)
    for (llvm::Instruction &inst : llvm::instructions(fn))
      switch (inst.getOpcode()) {
      case llvm::Instruction::FAdd:
      case llvm::Instruction::FSub:
      case llvm::Instruction::FMul:
      case llvm::Instruction::FNeg:
        inst.setHasAllowContract(true);
        break;
      default:
        break;
      }
}

void fad::markFreshAllocations(llvm::Module &module) {
  for (llvm::StringRef name : {"_mlir_memref_to_llvm_alloc", "_mlir_memref_to_llvm_aligned_alloc"})
    if (llvm::Function *fn = module.getFunction(name))
      fn->addRetAttr(llvm::Attribute::NoAlias);
}

std::unique_ptr<llvm::Module> fad::translateToLLVMIR(ModuleOp module,
                                                     llvm::LLVMContext &context,
                                                     bool contractFloats) {
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, context);
  if (!llvmModule) {
    module.emitError("translation to LLVM IR failed");
    return nullptr;
  }
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = hostTargetMachine(error);
  if (!machine) {
    module.emitError("no native target: ") << error;
    return nullptr;
  }
  // An executable's driver times each run of an entry (-r/-t): kept out of
  // line, an entry's calls are neither deleted (their results are unused
  // but for the last run) nor moved past the timer calls.
  if (llvmModule->getFunction("fad_main"))
    for (llvm::Function &fn : *llvmModule)
      if (fn.getName().starts_with("fad_entry_") && !fn.isDeclaration())
        fn.addFnAttr(llvm::Attribute::NoInline);
  if (contractFloats)
    allowFloatContraction(*llvmModule);
  markFreshAllocations(*llvmModule);
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(machine->getTargetTriple().getTriple());
  optimize(*llvmModule, *machine);
  return llvmModule;
}

LogicalResult fad::emitObjectFile(llvm::Module &llvmModule,
                                  llvm::raw_pwrite_stream &os, std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine = hostTargetMachine(error);
  if (!machine)
    return failure();
  llvm::legacy::PassManager passes;
  if (machine->addPassesToEmitFile(passes, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return failure();
  }
  passes.run(llvmModule);
  return success();
}
