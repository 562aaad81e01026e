//===- fadc.cpp - The fad compiler driver -------------------------*- C++ -*-===//
//
// This file implements fadc, the driver in the shape of MLIR's toyc: a
// sequence of small named steps (load the program, generate fad IR, lower,
// translate, emit an object, link), where the ordered --emit action says how
// far to go. Every user error is a located diagnostic and a non-zero exit.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADDialect.h"
#include "fad/Frontend/MLIRGen.h"
#include "fad/Pipelines/LibraryAPI.h"
#include "fad/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/thread.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
/// How far to compile, in pipeline order.
enum class Action {
  AST, FAD, Linear, Lowered, GPU, LLVMDialect, PTX, LLVMIR, Object, Executable,
  StaticLibrary, SharedLibrary, Python
};
} // namespace

/// fadc's own options; --help lists only these (LLVM's and MLIR's stay
/// usable, and --help-hidden lists them).
static cl::OptionCategory fadcOptions("fadc options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .fad or .mlir file>"),
                                      cl::Required, cl::cat(fadcOptions));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("file"), cl::init(""), cl::cat(fadcOptions));
static cl::opt<Action> emitAction(
    "emit", cl::desc("What to produce (each stops after its step)"),
    cl::init(Action::Executable),
    cl::values(clEnumValN(Action::AST, "ast", "the parsed AST"),
               clEnumValN(Action::FAD, "fad", "fad dialect IR"),
               clEnumValN(Action::Linear, "linear",
                          "each derivative's linear map and its transpose"),
               clEnumValN(Action::Lowered, "lowered",
                          "value-semantic scf/tensor/arith/math IR"),
               clEnumValN(Action::GPU, "gpu",
                          "the kernels outlined into gpu.modules and their launches "
                          "(a GPU --target)"),
               clEnumValN(Action::LLVMDialect, "llvm-mlir", "the LLVM dialect"),
               clEnumValN(Action::PTX, "ptx", "the kernels' PTX (--target=cuda)"),
               clEnumValN(Action::LLVMIR, "llvm", "LLVM IR (optimized)"),
               clEnumValN(Action::Object, "obj", "an object file"),
               clEnumValN(Action::Executable, "exe", "a native executable"),
               clEnumValN(Action::StaticLibrary, "lib",
                          "a static library libNAME.a and its C header NAME.h"),
               clEnumValN(Action::SharedLibrary, "shared",
                          "a shared library libNAME.so and its C header NAME.h"),
               clEnumValN(Action::Python, "python",
                          "a directory (-o) with libNAME.so, NAME.h and the module NAME.py")),
    cl::cat(fadcOptions));
static cl::opt<fad::CheckpointPolicy> checkpoint(
    "checkpoint", cl::desc("How reverse mode keeps the states of loops"),
    cl::values(FAD_CHECKPOINT_POLICY_VALUES), cl::init(fad::CheckpointPolicy::Auto),
    cl::cat(fadcOptions));
static cl::opt<bool> tapeReport(
    "tape-report",
    cl::desc("Print, for each loop under reverse mode, what its tape keeps (a remark)"),
    cl::init(false), cl::cat(fadcOptions));
static cl::opt<bool> noFusion(
    "no-fusion",
    cl::desc("Do not run the fusion pass (to check it: results must not change)"),
    cl::init(false), cl::cat(fadcOptions));
static cl::opt<bool> noInPlace(
    "no-inplace",
    cl::desc("Copy arrays before every write instead of updating them in place (to "
             "check bufferization: results must not change)"),
    cl::init(false), cl::cat(fadcOptions));
static cl::opt<bool> checkNans(
    "check-nans",
    cl::desc("Stop at the first NaN or infinity that an operation computes, naming its "
             "source location (also in derivatives; slower: for debugging)"),
    cl::init(false), cl::cat(fadcOptions));
static cl::opt<bool> contractFloats(
    "fp-contract",
    cl::desc("Fuse a float multiplication and addition into one multiply-add, rounded once "
             "(on by default, as GCC does for C; --fp-contract=false rounds each operation)"),
    cl::init(true), cl::cat(fadcOptions));
static cl::opt<std::string> targetName(
    "target",
    cl::desc("Where the code runs: host (the CPU's cores), cuda or cuda:sm_NN (NVIDIA GPUs; "
             "sm_80 by default, run on every later GPU), cuda-emulate (the cuda kernels run "
             "on the CPU, to check them)"),
    cl::value_desc("target"), cl::init("host"), cl::cat(fadcOptions));
static cl::opt<bool> useMPI(
    "mpi",
    cl::desc("Build a program that runs as the processes of `mpirun` (Open MPI): "
             "process_index, process_count and the collectives communicate"),
    cl::init(false), cl::cat(fadcOptions));
static cl::opt<std::string> depFile(
    "depfile", cl::desc("Also write a Make-style file listing the sources read (for build tools)"),
    cl::value_desc("file"), cl::init(""), cl::cat(fadcOptions));
static cl::list<std::string> importDirs("I", cl::desc("Directory to search for imports"),
                                        cl::value_desc("dir"), cl::Prefix, cl::cat(fadcOptions));

/// The directory holding fadc's own executable, to find the runtime and the
/// standard library relative to it (build and install trees alike).
static std::string toolDir(const char *argv0) {
  std::string exe = llvm::sys::fs::getMainExecutable(argv0, (void *)&toolDir);
  return std::string(llvm::sys::path::parent_path(exe));
}

static std::string defaultOutput(Action action) {
  std::string stem(llvm::sys::path::stem(inputFile));
  switch (action) {
  case Action::Object:
    return stem + ".o";
  case Action::StaticLibrary:
    return "lib" + stem + ".a";
  case Action::SharedLibrary:
    return "lib" + stem + ".so";
  case Action::Python:
    return ".";
  default:
    return stem;
  }
}

/// The name of a library: `prog` for -o DIR/libprog.a (or the input's stem
/// with --emit=python), as a C identifier; it prefixes every C symbol.
static std::string libraryName(Action action, StringRef output) {
  StringRef stem = action == Action::Python ? llvm::sys::path::stem(inputFile)
                                            : llvm::sys::path::stem(output);
  stem.consume_front("lib");
  std::string name = fad::cIdentifier(stem);
  if (name.empty() || llvm::isDigit(name[0]))
    name = "fad_" + name;
  return name;
}

/// Runs `program` (found on PATH) with `args`; reports failures.
static int run(StringRef program, ArrayRef<StringRef> args, StringRef what) {
  llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(program);
  if (!path) {
    llvm::errs() << "error: '" << program << "' not found (needed for " << what << ")\n";
    return 1;
  }
  SmallVector<StringRef> argv{*path};
  argv.append(args.begin(), args.end());
  std::string error;
  if (llvm::sys::ExecuteAndWait(*path, argv, std::nullopt, {}, 0, 0, &error) != 0) {
    llvm::errs() << "error: " << what << " failed" << (error.empty() ? "" : ": " + error)
                 << "\n";
    return 1;
  }
  return 0;
}

/// Writes `text` to `path`.
static int writeFile(StringRef path, StringRef text) {
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_Text);
  if (!ec)
    out << text;
  if (ec || out.has_error()) {
    llvm::errs() << "error: cannot write '" << path << "'\n";
    return 1;
  }
  return 0;
}

/// The flags that link Open MPI (pkg-config's, found when fadc was
/// configured), for --mpi; none without it.
static SmallVector<std::string> mpiLinkFlags() {
  SmallVector<std::string> flags;
  if (useMPI)
    for (StringRef flag : llvm::split(StringRef(FAD_MPI_LDFLAGS), ' '))
      if (!flag.empty())
        flags.push_back(flag.str());
  return flags;
}

/// Packs the program's object with its C wrappers and the library runtime
/// into a static or shared library, and writes the header (and the Python
/// module) beside it.
static int buildLibrary(Action action, StringRef scratch, StringRef object, StringRef output,
                        StringRef name,
                        ArrayRef<fad::EntrySignature> entries, StringRef runtimeLib) {
  std::string dir = action == Action::Python ? std::string(output)
                                             : std::string(llvm::sys::path::parent_path(output));
  if (dir.empty())
    dir = ".";
  if (llvm::sys::fs::create_directories(dir)) {
    llvm::errs() << "error: cannot create directory '" << dir << "'\n";
    return 1;
  }
  std::string header = (dir + "/" + name + ".h").str();
  if (writeFile(header, fad::libraryHeader(name, entries)))
    return 1;
  std::string wrappers = (scratch + "/" + name + "_api.c").str();
  std::string wrappersObject = (scratch + "/" + name + "_api.o").str();
  if (writeFile(wrappers, fad::libraryWrappers(name, entries)) ||
      run("cc", {"-std=c99", "-O2", "-fPIC", "-I", dir, "-c", wrappers, "-o", wrappersObject},
          "compiling the C wrappers"))
    return 1;
  if (action == Action::StaticLibrary) {
    // One archive with the runtime inside: the host links only libNAME.a.
    llvm::sys::fs::remove(output);
    std::string script = ("create " + output + "\naddmod " + object + "\naddmod " +
                          wrappersObject + "\naddlib " + runtimeLib + "\nsave\nend\n")
                             .str();
    std::string scriptFile = (scratch + "/ar.mri").str();
    if (writeFile(scriptFile, script))
      return 1;
    std::optional<StringRef> redirects[] = {StringRef(scriptFile), std::nullopt, std::nullopt};
    llvm::ErrorOr<std::string> ar = llvm::sys::findProgramByName("ar");
    std::string error;
    int rc = ar ? llvm::sys::ExecuteAndWait(*ar, {*ar, "-M"}, std::nullopt, redirects, 0, 0,
                                            &error)
                : 1;
    if (rc != 0) {
      llvm::errs() << "error: archiving '" << output << "' failed"
                   << (ar ? "" : ": 'ar' not found") << "\n";
      return 1;
    }
    return 0;
  }
  std::string shared =
      action == Action::Python ? dir + "/lib" + name.str() + ".so" : std::string(output);
  // The soname lets programs linked with it find it by name (through their
  // rpath or the loader's path), not by the path it was linked from.
  std::string soname = "-Wl,-soname," + llvm::sys::path::filename(shared).str();
  SmallVector<StringRef> linkArgs{"-shared", soname, "-o", shared, object, wrappersObject,
                                  runtimeLib, FAD_OPENMP_LIBRARY, "-lmvec", "-lm", "-ldl"};
  SmallVector<std::string> mpiFlags = mpiLinkFlags();
  linkArgs.append(mpiFlags.begin(), mpiFlags.end());
  if (run("c++", linkArgs, "linking the shared library"))
    return 1;
  if (action == Action::Python)
    return writeFile(dir + "/" + name.str() + ".py",
                     fad::pythonModule(name, "lib" + name.str() + ".so", entries));
  return 0;
}

/// Parses and elaborates a .fad program (or parses a .mlir file).
static OwningOpRef<ModuleOp> loadModule(MLIRContext &context, llvm::SourceMgr &sourceMgr,
                                        ArrayRef<std::string> searchDirs) {
  if (llvm::StringRef(inputFile).ends_with(".mlir")) {
    std::string error;
    auto file = openInputFile(inputFile, &error);
    if (!file) {
      llvm::errs() << "error: " << error << "\n";
      return nullptr;
    }
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  std::optional<std::vector<fad::ast::Module>> modules =
      fad::loadProgram(sourceMgr, inputFile, searchDirs);
  if (!modules)
    return nullptr;
  // The AST must outlive nothing past elaboration: the IR holds no pointers into it.
  return fad::mlirGen(context, sourceMgr, *modules);
}

/// Writes `text` through `write` to the output file (or stdout).
static int writeOutput(function_ref<void(llvm::raw_ostream &)> write, bool binary = false) {
  std::string path = outputFile.empty() ? std::string("-") : std::string(outputFile);
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec,
                           binary ? llvm::sys::fs::OF_None : llvm::sys::fs::OF_Text);
  if (ec) {
    llvm::errs() << "error: cannot write '" << path << "': " << ec.message() << "\n";
    return 1;
  }
  write(out.os());
  out.keep();
  return 0;
}

/// Links `object` with the fad runtime into the executable `output`.
static int linkExecutable(StringRef object, StringRef output, StringRef runtimeLib,
                          StringRef mpiRuntimeLib) {
  llvm::ErrorOr<std::string> linker = llvm::sys::findProgramByName("c++");
  if (!linker)
    linker = llvm::sys::findProgramByName("g++");
  if (!linker) {
    llvm::errs() << "error: no C++ compiler driver (c++ or g++) found to link with\n";
    return 1;
  }
  SmallVector<StringRef> args{*linker, object};
  // The MPI build of the processes' runtime replaces the one-process one
  // (runtime/lib/Distributed.cpp), then Open MPI's libraries.
  if (useMPI)
    args.append({"-Wl,--whole-archive", mpiRuntimeLib, "-Wl,--no-whole-archive"});
  SmallVector<std::string> mpiFlags = mpiLinkFlags();
  args.append({runtimeLib, FAD_OPENMP_LIBRARY, "-lmvec", "-lm", "-ldl", "-o", output});
  for (const std::string &flag : mpiFlags)
    args.push_back(flag);
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(*linker, args, std::nullopt, {}, 0, 0, &error);
  if (rc != 0) {
    llvm::errs() << "error: linking failed" << (error.empty() ? "" : ": " + error) << "\n";
    return 1;
  }
  return 0;
}

static int compile(const char *argv0);

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::HideUnrelatedOptions(fadcOptions);
  cl::ParseCommandLineOptions(argc, argv, "fad compiler\n");
  // The frontend recurses over expressions (bounded by the parser's nesting
  // limit); a large stack keeps deep but legal programs from overflowing.
  int rc = 1;
  llvm::thread worker(std::optional<unsigned>(512u << 20), [&] { rc = compile(argv[0]); });
  worker.join();
  return rc;
}

static int compile(const char *argv0) {

  std::string here = toolDir(argv0);
  std::vector<std::string> searchDirs(importDirs.begin(), importDirs.end());
  searchDirs.push_back(here + "/../lib/fad/stdlib");

  DialectRegistry registry;
  registry.insert<fad::FADDialect, arith::ArithDialect, func::FuncDialect,
                  linalg::LinalgDialect, LLVM::LLVMDialect, math::MathDialect,
                  scf::SCFDialect, tensor::TensorDialect>();
  fad::registerLoweringDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Diagnostics point into the user's source; IR is not theirs to read.
  context.printOpOnDiagnostic(false);

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  if (emitAction == Action::AST) {
    if (llvm::StringRef(inputFile).ends_with(".mlir")) {
      llvm::errs() << "error: --emit=ast needs a .fad program\n";
      return 1;
    }
    std::optional<std::vector<fad::ast::Module>> modules =
        fad::loadProgram(sourceMgr, inputFile, searchDirs);
    if (!modules)
      return 1;
    // The prelude is modules->front(); show only the user's files.
    return writeOutput([&](llvm::raw_ostream &os) {
      for (size_t i = 1; i < modules->size(); ++i)
        fad::ast::dump((*modules)[i], os);
    });
  }
  OwningOpRef<ModuleOp> module = loadModule(context, sourceMgr, searchDirs);
  if (!module)
    return 1;
  if (emitAction == Action::FAD)
    return writeOutput([&](llvm::raw_ostream &os) { module->print(os); });
  if (emitAction == Action::Linear) {
    OwningOpRef<ModuleOp> view = fad::buildLinearView(*module);
    if (!view)
      return 1;
    return writeOutput([&](llvm::raw_ostream &os) { view->print(os); });
  }

  bool isLibrary = emitAction >= Action::StaticLibrary;
  if (useMPI && (emitAction == Action::Python || !FAD_HAVE_MPI)) {
    llvm::errs() << "error: --mpi "
                 << (FAD_HAVE_MPI ? "builds executables and C libraries (--emit=lib or "
                                    "--emit=shared), not Python modules"
                                  : "needs Open MPI, which this fadc was built without (install "
                                    "libopenmpi-dev and configure again)")
                 << "\n";
    return 1;
  }
  // An executable or a library without an entry point could only fail when
  // it runs (or export nothing): say so now.
  if (emitAction >= Action::Object &&
      llvm::none_of(module->getOps<func::FuncOp>(),
                    [](func::FuncOp fn) { return fn->hasAttr("fad.entry"); })) {
    emitError(FileLineColLoc::get(&context, inputFile, 1, 1))
        << "the program has no entry point: " << (isLibrary ? "a library" : "an executable")
        << " needs at least one `entry` declaration";
    return 1;
  }
  std::string output =
      outputFile.empty() ? defaultOutput(emitAction) : std::string(outputFile);
  std::string name = libraryName(emitAction, output);
  std::vector<fad::EntrySignature> entries;
  if (isLibrary) {
    FailureOr<std::vector<fad::EntrySignature>> signatures =
        fad::addLibraryThunks(*module, name);
    if (failed(signatures))
      return 1;
    entries = std::move(*signatures);
  } else if (emitAction >= Action::Object && failed(fad::addExecutableDriver(*module))) {
    return 1;
  }
  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return 1;
  fad::PipelineOptions pipeline;
  if (failed(fad::parseTarget(targetName, pipeline))) {
    llvm::errs() << "error: unknown --target '" << targetName
                 << "' (host, cuda, cuda:sm_NN or cuda-emulate)\n";
    return 1;
  }
  if ((emitAction == Action::GPU && pipeline.target == fad::Target::Host) ||
      (emitAction == Action::PTX && pipeline.target != fad::Target::CUDA)) {
    llvm::errs() << "error: --emit=" << (emitAction == Action::GPU ? "gpu" : "ptx")
                 << " needs --target=cuda" << (emitAction == Action::GPU ? " or cuda-emulate" : "")
                 << "\n";
    return 1;
  }
  pipeline.stopAfterOutlining = emitAction == Action::GPU;
  pipeline.checkpoint = checkpoint;
  pipeline.reportTapes = tapeReport;
  pipeline.fuse = !noFusion;
  pipeline.inPlace = !noInPlace;
  pipeline.checkNans = checkNans;
  pipeline.executable = !isLibrary;
  fad::buildFADToSCFPipeline(pm, pipeline);
  if (failed(pm.run(*module)))
    return 1;
  if (emitAction == Action::Lowered)
    return writeOutput([&](llvm::raw_ostream &os) { module->print(os); });

  PassManager lowering(&context);
  if (failed(applyPassManagerCLOptions(lowering)))
    return 1;
  fad::buildSCFToLLVMPipeline(lowering, pipeline);
  if (failed(lowering.run(*module)))
    return 1;
  if (emitAction == Action::LLVMDialect || emitAction == Action::GPU)
    return writeOutput([&](llvm::raw_ostream &os) { module->print(os); });
  if (emitAction == Action::PTX)
    return writeOutput([&](llvm::raw_ostream &os) { os << fad::kernelAssembly(*module); });

  if (isLibrary) {
    // A library exports its thunks only, so that several fad libraries (and
    // their helper functions) link into one program.
    llvm::StringSet<> thunks;
    for (const fad::EntrySignature &e : entries)
      thunks.insert(e.thunk);
    module->walk([&](LLVM::LLVMFuncOp fn) {
      if (!fn.isExternal() && !thunks.contains(fn.getName()))
        fn.setLinkage(LLVM::Linkage::Internal);
    });
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = fad::translateToLLVMIR(*module, llvmContext, contractFloats);
  if (!llvmModule)
    return 1;
  if (emitAction == Action::LLVMIR)
    return writeOutput([&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); });

  // Executables and libraries are put together from files in a scratch
  // directory (whose names show up as archive members).
  std::string objectPath = output;
  llvm::SmallString<128> scratch;
  if (emitAction >= Action::Executable) {
    if (llvm::sys::fs::createUniqueDirectory("fadc", scratch)) {
      llvm::errs() << "error: cannot create a temporary directory\n";
      return 1;
    }
    objectPath = (scratch + "/" + name + ".o").str();
  }
  auto removeScratch = llvm::make_scope_exit([&] {
    if (!scratch.empty())
      llvm::sys::fs::remove_directories(scratch);
  });
  {
    std::error_code ec;
    llvm::ToolOutputFile out(objectPath, ec, llvm::sys::fs::OF_None);
    std::string error;
    if (ec || failed(fad::emitObjectFile(*llvmModule, out.os(), error))) {
      llvm::errs() << "error: cannot write '" << objectPath
                   << "': " << (ec ? ec.message() : error) << "\n";
      return 1;
    }
    out.keep();
  }
  if (emitAction == Action::Object)
    return 0;
  if (!depFile.empty()) {
    std::string deps = output + ":";
    for (unsigned id = 1; id <= sourceMgr.getNumBuffers(); ++id) {
      StringRef file = sourceMgr.getMemoryBuffer(id)->getBufferIdentifier();
      if (llvm::sys::fs::exists(file)) // the prelude is built in
        deps += " " + file.str();
    }
    if (writeFile(depFile, deps + "\n"))
      return 1;
  }
  return isLibrary ? buildLibrary(emitAction, scratch, objectPath, output, name, entries,
                                  here + (useMPI ? "/../lib/libfad_runtime_lib_mpi.a"
                                                 : "/../lib/libfad_runtime_lib.a"))
                   : linkExecutable(objectPath, output, here + "/../lib/libfad_runtime.a",
                                    here + "/../lib/libfad_runtime_mpi.a");
}
