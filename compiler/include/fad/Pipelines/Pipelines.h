//===- Pipelines.h - From fad IR to native code -------------------*- C++ -*-===//
//
// The one place that says how fad IR becomes native code. fadc and fad-opt
// both call these, so the compiler and the pass-level tests cannot drift.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_PIPELINES_PIPELINES_H
#define FAD_PIPELINES_PIPELINES_H

#include "fad/AD/CheckpointPolicy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class raw_pwrite_stream;
} // namespace llvm

namespace mlir {
class DialectRegistry;
class ModuleOp;
class OpPassManager;
} // namespace mlir

namespace fad {

/// Registers the dialects and external models (bufferization, LLVM
/// translation) that the lowering pipeline needs.
void registerLoweringDialects(mlir::DialectRegistry &registry);

/// Where the code runs (fadc --target).
enum class Target {
  Host,        ///< the CPU's cores (OpenMP)
  CUDA,        ///< NVIDIA GPUs: kernels as PTX, launched through the runtime
  CUDAEmulate, ///< the CUDA target's kernels, run on the CPU block by block
};

/// The GPU that --target=cuda compiles for when none is named: PTX for
/// sm_80 is JIT-compiled by the driver for every later GPU (A100, H100, H200).
constexpr const char *kDefaultGPUChip = "sm_80";

/// How the pipeline runs (fadc's options).
struct PipelineOptions {
  CheckpointPolicy checkpoint = CheckpointPolicy::Auto; ///< docs/AD.md, "Loops"
  bool reportTapes = false;        ///< a remark per loop under reverse mode
  /// fad-fuse runs (fadc --no-fusion turns it off, to check it: the
  /// differential tester compares both).
  bool fuse = true;
  /// Bufferization updates buffers in place where its analysis allows;
  /// otherwise it copies before every write (fadc --no-inplace, likewise).
  bool inPlace = true;
  /// The code runs in an executable, where a failed run-time check ends the
  /// process from any thread, so parallel loops may contain checks
  /// (fad-parallelize's allow-checks). Libraries and the REPL, whose failed
  /// checks unwind the caller's thread, run such loops in chunks that a
  /// failed check abandons (unwind-checks).
  bool executable = false;
  /// Every scalar float op checks that its result is finite (fadc
  /// --check-nans): the first NaN or infinity stops the program there.
  bool checkNans = false;
  Target target = Target::Host;
  std::string gpuChip = kDefaultGPUChip; ///< for Target::CUDA
  /// With Target::CUDA, stop after outlining the kernels (fadc --emit=gpu).
  bool stopAfterOutlining = false;
};

/// Stage 1 ("lowered"): AD, fusion, fad -> scf/tensor/arith/math/linalg,
/// then canonicalize and CSE. The IR keeps value semantics.
void buildFADToSCFPipeline(mlir::OpPassManager &pm, const PipelineOptions &options = {});

/// Stage 2: bufferization and deallocation, then everything to the LLVM
/// dialect.
void buildSCFToLLVMPipeline(mlir::OpPassManager &pm, const PipelineOptions &options = {});

/// The PTX of every kernel module in `module` (after the CUDA pipeline),
/// each after a `// kernel module NAME` line (fadc --emit=ptx).
std::string kernelAssembly(mlir::ModuleOp module);

/// Parses fadc's --target: `host`, `cuda`, `cuda:sm_NN` or `cuda-emulate`.
/// Fails for anything else.
mlir::LogicalResult parseTarget(llvm::StringRef text, PipelineOptions &options);

/// Registers `fad-to-scf` and `fad-to-llvm` as named pipelines for fad-opt.
void registerFADPipelines();

/// Adds `fad_main`, the program's driver, to a module whose entry points are
/// `func.func`s carrying `fad.entry` (the source name) and `fad.entry_params`
/// (the number of source parameters). `fad_main` asks the runtime which entry
/// was selected, reads its arguments, runs it the requested number of times
/// under the runtime's timer and prints its results. See FADRuntime.h.
mlir::LogicalResult addExecutableDriver(mlir::ModuleOp module);

/// One scalar or array crossing the C API of a library (FADLibrary.h).
struct EntryLeaf {
  std::string name; ///< a C identifier
  int kind;         ///< FAD_KIND_*
  int rank;         ///< 0 for a scalar
};
/// An entry point as a library exports it.
struct EntrySignature {
  std::string name;     ///< in the source
  std::string function; ///< the C function, `<prefix>_<name>`
  std::string thunk;    ///< the generated function that fad_call runs
  std::vector<EntryLeaf> args, results;
};

/// The C identifier for a fad name: primes and other marks become `_`, and
/// a name that C, C++ or Python reserve (`new`, `lambda`, `from`, `int64_t`,
/// or a name the generated code itself uses, `ctx`) gets a trailing `_`, so
/// that generated headers and Python modules compile whatever the names.
std::string cIdentifier(llvm::StringRef name);

/// Adds a thunk per entry point (reads its arguments, runs it, hands over its
/// results through the runtime) and makes the entries private. Returns the
/// entries' C signatures, for the header (see LibraryAPI.h).
mlir::FailureOr<std::vector<EntrySignature>> addLibraryThunks(mlir::ModuleOp module,
                                                              llvm::StringRef prefix);

/// For every differentiation (fad.jvp/fad.vjp) in `module`, the simplified
/// linear map of its linearization, `linear_N`, and that map's transpose,
/// `transpose_N` (fadc --emit=linear). Each takes the point, the values the
/// differentiated function captures, and a tangent (cotangent). Returns null
/// after emitting an error.
mlir::OwningOpRef<mlir::ModuleOp> buildLinearView(mlir::ModuleOp module);

/// Lets the code generator fuse a multiplication and an addition of floats
/// into one fused multiply-add (FMA), rounded once: marks every floating-point
/// add, subtract, multiply and negate `contract`, as GCC's default
/// -ffp-contract=fast does for C. Results may differ from separately rounded
/// operations in the last bits.
void allowFloatContraction(llvm::Module &module);

/// Declares the runtime's allocation functions to return memory that no
/// other pointer reaches (LLVM's `noalias` return, as for malloc): loops
/// that read some buffers and write others then vectorize without checking
/// at run time whether they overlap.
void markFreshAllocations(llvm::Module &module);

/// Sets LLVM's options for the loops fad generates (unless the command line
/// set them): vectorized remainders from 4 elements a vector, no speculation
/// that a stride known only at run time is 1, and innermost loops aligned to
/// 32 bytes.
void tuneLLVMOptions();

/// Translates an LLVM-dialect module to LLVM IR optimized at -O3 for the host
/// CPU, with float contraction (`allowFloatContraction`) when
/// `contractFloats`. Emits an error on `module` and returns null on failure.
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module,
                                                llvm::LLVMContext &context,
                                                bool contractFloats = true);

/// Writes `llvmModule` as a host object file to `os`.
mlir::LogicalResult emitObjectFile(llvm::Module &llvmModule,
                                   llvm::raw_pwrite_stream &os,
                                   std::string &error);

} // namespace fad

#endif // FAD_PIPELINES_PIPELINES_H
