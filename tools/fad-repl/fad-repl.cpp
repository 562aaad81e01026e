//===- fad-repl.cpp - The fad read-eval-print loop ----------------*- C++ -*-===//
//
// This file implements fad-repl: definitions persist across inputs, and an
// expression is compiled by the same pipeline as fadc into an entry without
// parameters, JIT-compiled by MLIR's ExecutionEngine and run under the
// runtime's library call frame (so a run-time error ends the input, not the
// session). Each input's definitions are parsed and type-checked once, when
// entered; an expression compiles with the definitions it uses specialized
// to it, and its compiled code is kept for the same input later (until the
// definitions change). See docs/Tools.md.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADDialect.h"
#include "fad/Frontend/Loader.h"
#include "fad/Frontend/MLIRGen.h"
#include "fad/Pipelines/Pipelines.h"
#include "fad/Runtime/FADLibrary.h"
#include "fad/Runtime/FADRuntime.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/LineEditor/LineEditor.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/thread.h"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mlir;
namespace cl = llvm::cl;

/// fad-repl's own options; --help lists only these.
static cl::OptionCategory replOptions("fad-repl options");
static cl::list<std::string> importDirs("I", cl::desc("Directory to search for imports"),
                                        cl::value_desc("dir"), cl::Prefix, cl::cat(replOptions));
static cl::list<std::string> preload(cl::Positional, cl::desc("[file.fad ...] to :load"),
                                     cl::cat(replOptions));

static const char *const helpText = R"(Enter a fad expression to evaluate it, or a definition to keep it:
  def f (x: f64) : f64 = x * x     a definition (a later one replaces it)
  let y = f 3.0                    a value, used by later inputs
  import "linalg"                  a standard library module
  grad f 1.5                       an expression: compiled, run, printed
Commands:
  :type e     the type of e          :ir e      the fad IR of e
  :deriv e    the simplified linear maps of the derivatives in e
  :time e     evaluate e and show its compile and run times
  :load file  load the definitions of a .fad file (and its imports)
  :threads n  run parallel loops on n threads (0: the default); alone, show the count
  :help       this text              :quit      leave (also end of input)
A line continues while brackets are open or it ends in `=`, `->`, `in`,
`then`, `else`, an operator or `\`.
)";

using Clock = std::chrono::steady_clock;
static double millisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

extern "C" {
// Defined by the runtime (Runtime.cpp, Library.cpp) for generated code.
struct UnrankedMemRef;
void memrefCopy(int64_t, UnrankedMemRef *, UnrankedMemRef *);
void *_mlir_memref_to_llvm_alloc(size_t);
void *_mlir_memref_to_llvm_aligned_alloc(size_t, size_t);
void _mlir_memref_to_llvm_free(void *);
}

/// The runtime functions that generated code calls; the JIT resolves them to
/// this process's copy of the runtime.
static llvm::orc::SymbolMap runtimeSymbols(llvm::orc::MangleAndInterner mangle) {
  llvm::orc::SymbolMap map;
  auto add = [&](const char *name, auto *fn) {
    map[mangle(name)] = {llvm::orc::ExecutorAddr::fromPtr(reinterpret_cast<void *>(fn)),
                         llvm::JITSymbolFlags::Exported};
  };
#define FAD_SYMBOL(name) add(#name, &name)
  FAD_SYMBOL(fad_rt_arg_f64);
  FAD_SYMBOL(fad_rt_arg_f32);
  FAD_SYMBOL(fad_rt_arg_i64);
  FAD_SYMBOL(fad_rt_arg_i32);
  FAD_SYMBOL(fad_rt_arg_bool);
  FAD_SYMBOL(fad_rt_arg_c128);
  FAD_SYMBOL(fad_rt_arg_c64);
  FAD_SYMBOL(fad_rt_arg_dim);
  FAD_SYMBOL(fad_rt_arg_fill_f64);
  FAD_SYMBOL(fad_rt_arg_fill_f32);
  FAD_SYMBOL(fad_rt_arg_fill_i64);
  FAD_SYMBOL(fad_rt_arg_fill_i32);
  FAD_SYMBOL(fad_rt_arg_fill_bool);
  FAD_SYMBOL(fad_rt_arg_fill_c128);
  FAD_SYMBOL(fad_rt_arg_fill_c64);
  FAD_SYMBOL(fad_rt_print_f64);
  FAD_SYMBOL(fad_rt_print_f32);
  FAD_SYMBOL(fad_rt_print_i64);
  FAD_SYMBOL(fad_rt_print_i32);
  FAD_SYMBOL(fad_rt_print_bool);
  FAD_SYMBOL(fad_rt_print_array_f64);
  FAD_SYMBOL(fad_rt_print_array_f32);
  FAD_SYMBOL(fad_rt_print_array_i64);
  FAD_SYMBOL(fad_rt_print_array_i32);
  FAD_SYMBOL(fad_rt_print_array_bool);
  FAD_SYMBOL(fad_rt_print_c128);
  FAD_SYMBOL(fad_rt_print_c64);
  FAD_SYMBOL(fad_rt_print_array_c128);
  FAD_SYMBOL(fad_rt_print_array_c64);
  FAD_SYMBOL(fad_rt_report);
  FAD_SYMBOL(fad_rt_trace_scalar);
  FAD_SYMBOL(fad_rt_trace_array_f64);
  FAD_SYMBOL(fad_rt_trace_array_f32);
  FAD_SYMBOL(fad_rt_trace_array_i64);
  FAD_SYMBOL(fad_rt_trace_array_i32);
  FAD_SYMBOL(fad_rt_trace_array_bool);
  FAD_SYMBOL(fad_rt_solve_f64);
  FAD_SYMBOL(fad_rt_solve_f32);
  FAD_SYMBOL(fad_rt_slogdet_f64);
  FAD_SYMBOL(fad_rt_slogdet_f32);
  FAD_SYMBOL(fad_rt_eigh_f64);
  FAD_SYMBOL(fad_rt_eigh_f32);
  FAD_SYMBOL(fad_rt_svd_f64);
  FAD_SYMBOL(fad_rt_svd_f32);
  FAD_SYMBOL(fad_rt_qr_f64);
  FAD_SYMBOL(fad_rt_qr_f32);
  // One process: the collectives are the identity.
  FAD_SYMBOL(fad_rt_process_index);
  FAD_SYMBOL(fad_rt_process_count);
#define FAD_COLLECTIVE_SYMBOLS(SUFFIX)                                                      \
  FAD_SYMBOL(fad_rt_allreduce_##SUFFIX);                                                   \
  FAD_SYMBOL(fad_rt_allreduce_array_##SUFFIX);                                             \
  FAD_SYMBOL(fad_rt_allgather_##SUFFIX);                                                   \
  FAD_SYMBOL(fad_rt_reduce_scatter_##SUFFIX)
  FAD_COLLECTIVE_SYMBOLS(f64);
  FAD_COLLECTIVE_SYMBOLS(f32);
  FAD_COLLECTIVE_SYMBOLS(i64);
  FAD_COLLECTIVE_SYMBOLS(i32);
#undef FAD_COLLECTIVE_SYMBOLS
  FAD_SYMBOL(fad_rt_fail);
  FAD_SYMBOL(fad_rt_chunks);
  FAD_SYMBOL(fad_rt_chunks_begin);
  FAD_SYMBOL(fad_rt_chunk_begin);
  FAD_SYMBOL(fad_rt_chunk_end);
  FAD_SYMBOL(fad_rt_chunks_end);
  FAD_SYMBOL(fad_rt_index_error);
  FAD_SYMBOL(fad_rt_size_error);
  FAD_SYMBOL(fad_rt_fixpoint_error);
  FAD_SYMBOL(memrefCopy);
  FAD_SYMBOL(_mlir_memref_to_llvm_alloc);
  FAD_SYMBOL(_mlir_memref_to_llvm_aligned_alloc);
  FAD_SYMBOL(_mlir_memref_to_llvm_free);
#undef FAD_SYMBOL
  return map;
}

namespace {
/// An expression compiled and loaded.
struct Compiled {
  std::shared_ptr<ExecutionEngine> engine;
  void (*thunk)(void) = nullptr;
  std::string entry;
  unsigned reusedDefs = 0; ///< compiled definitions it links to
};

class Session {
public:
  Session(DialectRegistry &registry, std::vector<std::string> searchDirs)
      : context(registry), loader(sourceMgr, searchDirs),
        diagnostics(sourceMgr, &context, llvm::errs()), runtime(fad_context_new()) {
    context.loadAllAvailableDialects();
    // Diagnostics point into the user's source; IR is not theirs to read.
    context.printOpOnDiagnostic(false);
    // The prelude cannot fail to parse: it is part of the compiler.
    loader.loadPrelude();
  }
  ~Session() { fad_context_free(runtime); }

  /// Handles one (possibly multi-line) input; false on `:quit`.
  bool handle(llvm::StringRef input);

private:
  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  fad::Loader loader;
  SourceMgrDiagnosticHandler diagnostics;
  fad_context *runtime;
  unsigned inputs = 0; ///< numbers the inputs in diagnostics: `<input N>`
  unsigned definitionsVersion = 0;
  llvm::StringMap<Compiled> cache; ///< by expression text, this definitions version
  /// Compiled definitions (MLIRGenOptions::callDefs): function name ->
  /// address, in the engines that compiled them.
  llvm::StringMap<void *> compiledDefs;
  std::vector<std::shared_ptr<ExecutionEngine>> defEngines;

  std::string inputName() const { return "<input " + std::to_string(inputs) + ">"; }
  bool addDefinitions(llvm::StringRef text);
  bool load(llvm::StringRef path);
  void definitionsChanged(size_t firstNewModule);
  OwningOpRef<ModuleOp> elaborate(llvm::StringRef expression, std::string &entry);
  Compiled *compile(llvm::StringRef expression, double &compileMs);
  void evaluate(llvm::StringRef expression, bool timed);
  const fad::ast::Decl *latestDef(llvm::StringRef name) const;
  static std::string entryType(ModuleOp module);
  void showType(llvm::StringRef expression);
  void showIR(llvm::StringRef expression, bool linear);
  void setThreads(llvm::StringRef count);
};
} // namespace

/// Parses and type-checks new definitions; on an error, forgets them.
bool Session::addDefinitions(llvm::StringRef text) {
  size_t before = loader.modules().size();
  unsigned firstBuffer = sourceMgr.getNumBuffers() + 1;
  if (!loader.loadText(text, inputName())) {
    loader.truncate(before);
    return false;
  }
  fad::MLIRGenOptions options;
  options.newFrom = firstBuffer;
  options.allowRedefinition = true;
  if (!fad::mlirGen(context, sourceMgr, loader.modules(), options)) {
    loader.truncate(before);
    return false;
  }
  definitionsChanged(before);
  return true;
}

bool Session::load(llvm::StringRef path) {
  size_t before = loader.modules().size();
  unsigned firstBuffer = sourceMgr.getNumBuffers() + 1;
  fad::MLIRGenOptions options;
  options.newFrom = firstBuffer;
  options.allowRedefinition = true;
  if (!loader.loadFile(path) || !fad::mlirGen(context, sourceMgr, loader.modules(), options)) {
    loader.truncate(before);
    return false;
  }
  definitionsChanged(before);
  return true;
}

/// New definitions (in the modules from `firstNewModule` on) may change
/// what expressions mean: forget compiled expressions, and compiled
/// definitions too when a name is defined again (a compiled def may call
/// the old one).
void Session::definitionsChanged(size_t firstNewModule) {
  ++definitionsVersion;
  cache.clear();
  llvm::StringSet<> earlier;
  const std::vector<fad::ast::Module> &modules = loader.modules();
  for (size_t m = 0; m < modules.size(); ++m)
    for (const fad::ast::Decl &d : modules[m].decls) {
      if (d.kind != fad::ast::Decl::Kind::Def)
        continue;
      if (m < firstNewModule) {
        earlier.insert(d.name);
      } else if (earlier.contains(d.name)) {
        compiledDefs.clear();
        defEngines.clear();
        return;
      }
    }
}

/// The fad module of `entry it<N> = expression` (the entry is not kept).
OwningOpRef<ModuleOp> Session::elaborate(llvm::StringRef expression, std::string &entry) {
  size_t before = loader.modules().size();
  unsigned firstBuffer = sourceMgr.getNumBuffers() + 1;
  entry = "it" + std::to_string(inputs);
  OwningOpRef<ModuleOp> module;
  if (loader.loadEntryExpression(expression, inputName(), entry)) {
    fad::MLIRGenOptions options;
    options.newFrom = firstBuffer;
    options.inferEntryResults = true;
    options.allowRedefinition = true;
    options.callDefs = true;
    module = fad::mlirGen(context, sourceMgr, loader.modules(), options);
  }
  loader.truncate(before);
  return module;
}

Compiled *Session::compile(llvm::StringRef expression, double &compileMs) {
  auto start = Clock::now();
  auto cached = cache.find(expression);
  if (cached != cache.end()) {
    compileMs = 0;
    return &cached->second;
  }
  std::string entry;
  OwningOpRef<ModuleOp> module = elaborate(expression, entry);
  if (!module)
    return nullptr;
  if (entryType(*module) == "a function") {
    llvm::errs() << "error: " << inputName()
                 << ": the value is a function; apply it to arguments to evaluate it\n";
    return nullptr;
  }
  // Definitions compiled by earlier inputs are only declared here and
  // linked to; the others are compiled with this input and kept.
  std::vector<std::string> reused, fresh;
  for (auto fn : llvm::make_early_inc_range(module->getOps<func::FuncOp>())) {
    if (!fn->hasAttr("fad.def"))
      continue;
    // A compiled definition never writes into its arguments: later inputs
    // call it without knowing its body, with arrays they still read, or with
    // constants in read-only memory.
    for (unsigned k = 0; k < fn.getNumArguments(); ++k)
      if (isa<TensorType>(fn.getArgument(k).getType()))
        fn.setArgAttr(k, bufferization::BufferizationDialect::kWritableAttrName,
                      BoolAttr::get(&context, false));
    // A reused definition keeps its body through the fad and MLIR passes,
    // so that its callers are analysed (bufferization: which arguments it
    // reads) and lowered exactly as when it was compiled; only its LLVM code
    // is not generated again. (A trivial stand-in body once made a caller
    // overwrite an array before the definition read it.)
    if (compiledDefs.contains(fn.getName()))
      reused.push_back(fn.getName().str());
    else
      fresh.push_back(fn.getName().str());
  }
  FailureOr<std::vector<fad::EntrySignature>> entries = fad::addLibraryThunks(*module, "repl");
  if (failed(entries) || entries->size() != 1)
    return nullptr;
  PassManager pm(&context);
  fad::buildFADToSCFPipeline(pm);
  fad::buildSCFToLLVMPipeline(pm);
  if (failed(pm.run(*module)))
    return nullptr;

  // Reused definitions become declarations, linked to their compiled code.
  module->walk([&](LLVM::LLVMFuncOp fn) {
    if (llvm::is_contained(reused, fn.getName())) {
      fn.getBody().dropAllReferences();
      fn.getBody().getBlocks().clear();
      fn.setLinkage(LLVM::Linkage::External);
    }
  });

  // options.transformer is a function_ref: the transformer must outlive it.
  // Floats contract into FMAs as in fadc's default, so that the REPL
  // computes what compiled programs do.
  // The vectorizer's settings are fadc's too.
  fad::tuneLLVMOptions();
  std::function<llvm::Error(llvm::Module *)> optimizeO2 =
      makeOptimizingTransformer(/*optLevel=*/2, /*sizeLevel=*/0, nullptr);
  std::function<llvm::Error(llvm::Module *)> optimize = [&](llvm::Module *llvmModule) {
    fad::allowFloatContraction(*llvmModule);
    fad::markFreshAllocations(*llvmModule);
    return optimizeO2(llvmModule);
  };
  ExecutionEngineOptions options;
  options.transformer = optimize;
  auto engine = ExecutionEngine::create(*module, options);
  if (!engine) {
    llvm::errs() << "error: JIT compilation failed: " << llvm::toString(engine.takeError())
                 << "\n";
    return nullptr;
  }
  (*engine)->registerSymbols([&](llvm::orc::MangleAndInterner mangle) {
    llvm::orc::SymbolMap symbols = runtimeSymbols(mangle);
    for (const std::string &name : reused)
      symbols[mangle(name)] = {llvm::orc::ExecutorAddr::fromPtr(compiledDefs.lookup(name)),
                               llvm::JITSymbolFlags::Exported};
    return symbols;
  });
  auto address = (*engine)->lookup(entries->front().thunk);
  if (!address) {
    llvm::errs() << "error: " << llvm::toString(address.takeError()) << "\n";
    return nullptr;
  }
  std::shared_ptr<ExecutionEngine> shared = std::move(*engine);
  for (const std::string &name : fresh) {
    auto def = shared->lookup(name);
    if (!def) {
      llvm::consumeError(def.takeError());
      continue;
    }
    compiledDefs[name] = *def;
  }
  if (!fresh.empty())
    defEngines.push_back(shared);
  Compiled &compiled = cache[expression];
  compiled.engine = std::move(shared);
  compiled.reusedDefs = reused.size();
  compiled.thunk = reinterpret_cast<void (*)(void)>(*address);
  compiled.entry = entry;
  compileMs = millisecondsSince(start);
  return &compiled;
}

/// What `:time` says after the compile time.
static std::string compileNote(double compileMs, unsigned reusedDefs) {
  if (compileMs == 0)
    return " (cached)";
  if (reusedDefs == 0)
    return "";
  return " (" + std::to_string(reusedDefs) + " compiled definition" +
         (reusedDefs == 1 ? "" : "s") + " reused)";
}

/// Set by SIGINT (Ctrl-C): the running expression or the line being typed
/// is abandoned, the session goes on.
static volatile std::sig_atomic_t interrupted = 0;
static void onInterrupt(int) { interrupted = 1; }

/// Whether a Ctrl-C arrived since the last call (and forgets it).
static bool takeInterrupt() {
  bool was = interrupted;
  interrupted = 0;
  return was;
}

/// SIGINT is blocked in every thread (main() blocks it before any other
/// thread starts, so MLIR's and LLVM's threads inherit that) and taken only
/// where the session waits: here, atomically with the wait (ppoll), so no
/// Ctrl-C is missed. Waits up to `timeoutMs` (-1: for ever) for `fd` to be
/// readable (-1: no file, a sleep); true when a Ctrl-C arrived.
static bool waitOrInterrupt(int fd, int timeoutMs) {
  sigset_t unblocked;
  pthread_sigmask(SIG_SETMASK, nullptr, &unblocked);
  sigdelset(&unblocked, SIGINT);
  struct pollfd in = {fd, POLLIN, 0};
  struct timespec timeout = {timeoutMs / 1000, (timeoutMs % 1000) * 1000000L};
  ppoll(fd < 0 ? nullptr : &in, fd < 0 ? 0 : 1, timeoutMs < 0 ? nullptr : &timeout, &unblocked);
  return takeInterrupt();
}

/// Runs the compiled expression in a child process (a fork shares the
/// compiled code and the definitions), so that Ctrl-C can end it at any
/// point, even inside a parallel loop, and the session keeps everything.
void Session::evaluate(llvm::StringRef expression, bool timed) {
  double compileMs = 0;
  Compiled *compiled = compile(expression, compileMs);
  if (!compiled || takeInterrupt()) {
    if (compiled)
      llvm::errs() << "interrupted\n";
    return;
  }
  llvm::outs().flush();
  llvm::errs().flush();
  std::fflush(nullptr);
  pid_t child = fork();
  if (child < 0) {
    llvm::errs() << "error: cannot start the evaluation: " << std::strerror(errno) << "\n";
    return;
  }
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); // it ends with the session
    std::signal(SIGINT, SIG_DFL);     // a Ctrl-C from the terminal ends it too
    sigset_t interrupt;
    sigemptyset(&interrupt);
    sigaddset(&interrupt, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &interrupt, nullptr);
    auto start = Clock::now();
    int status = fad_rt_call_printing(runtime, compiled->entry.c_str(), compiled->thunk);
    double runMs = millisecondsSince(start);
    std::fflush(stdout);
    if (status != FAD_OK)
      llvm::errs() << "error: " << fad_context_error(runtime) << "\n";
    else if (timed)
      llvm::outs() << llvm::format("compile %.1f ms%s, run %.3f ms\n", compileMs,
                                   compileNote(compileMs, compiled->reusedDefs).c_str(), runMs);
    llvm::outs().flush();
    llvm::errs().flush();
    std::_Exit(status == FAD_OK ? 0 : 1);
  }
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0)
    if (waitOrInterrupt(-1, 20))
      kill(child, SIGKILL);
  takeInterrupt();
  if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGKILL))
    llvm::errs() << "interrupted\n";
  else if (WIFSIGNALED(status))
    llvm::errs() << "error: the evaluation ended with signal " << WTERMSIG(status) << " ("
                 << strsignal(WTERMSIG(status)) << ")\n";
}

const fad::ast::Decl *Session::latestDef(llvm::StringRef name) const {
  for (auto m = loader.modules().rbegin(); m != loader.modules().rend(); ++m)
    for (auto d = m->decls.rbegin(); d != m->decls.rend(); ++d)
      if (d->kind == fad::ast::Decl::Kind::Def && d->name == name)
        return &*d;
  return nullptr;
}

/// `:threads n` sets the thread count of parallel loops (n <= 0: libomp's
/// default); `:threads` prints it.
void Session::setThreads(llvm::StringRef count) {
  if (!count.empty()) {
    int n = 0;
    if (count.getAsInteger(10, n)) {
      llvm::errs() << "error: :threads needs an integer, got '" << count << "'\n";
      return;
    }
    fad_set_threads(n);
  }
  llvm::outs() << "threads: " << fad_threads() << "\n";
}

void Session::showType(llvm::StringRef expression) {
  // A def with parameters is a function of its declared (perhaps size-
  // generic) type; a def `f = \x -> ...` is typed where it is applied.
  if (const fad::ast::Decl *d = latestDef(expression)) {
    bool generic = d->params.empty() && d->body->kind == fad::ast::Expr::Kind::Lambda;
    if (generic || !d->params.empty()) {
      if (generic)
        llvm::outs() << d->name << ": a generic function (typed where it is applied)";
      else
        fad::ast::printSignature(*d, llvm::outs());
      llvm::outs() << "\n";
      return;
    }
  }
  std::string entry;
  OwningOpRef<ModuleOp> module = elaborate(expression, entry);
  if (!module)
    return;
  std::string type = entryType(*module);
  llvm::outs() << (type == "a function" ? "a function (typed where it is applied)" : type)
               << "\n";
}

/// The fad.entry_type of the (one) entry of an elaborated input.
std::string Session::entryType(ModuleOp module) {
  for (auto fn : module.getOps<func::FuncOp>())
    if (auto type = fn->getAttrOfType<StringAttr>("fad.entry_type"))
      return type.str();
  return "";
}

void Session::showIR(llvm::StringRef expression, bool linear) {
  std::string entry;
  OwningOpRef<ModuleOp> module = elaborate(expression, entry);
  if (!module)
    return;
  if (!linear) {
    module->print(llvm::outs());
    return;
  }
  OwningOpRef<ModuleOp> view = fad::buildLinearView(*module);
  if (!view)
    return;
  if (view->getBody()->empty())
    llvm::outs() << "(no derivative in this expression)\n";
  else
    view->print(llvm::outs());
}

/// Whether `text` starts with the word `word`.
static bool startsWithWord(llvm::StringRef text, llvm::StringRef word) {
  return text.starts_with(word) &&
         (text.size() == word.size() || !llvm::isAlnum(text[word.size()]));
}

/// Whether a top-level `let` is a definition (`let x = e`) rather than an
/// expression (`let x = e in body`): it has no `in` keyword.
static bool isLetDefinition(llvm::StringRef text) {
  if (!startsWithWord(text, "let"))
    return false;
  for (size_t at = text.find("in"); at != llvm::StringRef::npos; at = text.find("in", at + 2)) {
    bool before = at == 0 || !(llvm::isAlnum(text[at - 1]) || text[at - 1] == '_');
    bool after = at + 2 >= text.size() || !(llvm::isAlnum(text[at + 2]) || text[at + 2] == '_');
    if (before && after)
      return false;
  }
  return true;
}

bool Session::handle(llvm::StringRef input) {
  ++inputs;
  input = input.trim();
  if (input.empty() || input.starts_with("--"))
    return true;
  if (input.starts_with(":")) {
    auto [command, argument] = input.split(' ');
    argument = argument.trim();
    if (command == ":quit" || command == ":q")
      return false;
    if (command == ":help" || command == ":h") {
      llvm::outs() << helpText;
    } else if ((command == ":type" || command == ":t" || command == ":ir" ||
                command == ":deriv" || command == ":time" || command == ":load") &&
               argument.empty()) {
      llvm::errs() << "error: " << command << " needs an argument (see :help)\n";
    } else if (command == ":type" || command == ":t") {
      showType(argument);
    } else if (command == ":ir") {
      showIR(argument, /*linear=*/false);
    } else if (command == ":deriv") {
      showIR(argument, /*linear=*/true);
    } else if (command == ":time") {
      evaluate(argument, /*timed=*/true);
    } else if (command == ":load") {
      load(argument);
    } else if (command == ":threads") {
      setThreads(argument);
    } else {
      llvm::errs() << "error: unknown command '" << command << "' (see :help)\n";
    }
  } else if (startsWithWord(input, "def") || startsWithWord(input, "import") ||
             startsWithWord(input, "entry")) {
    addDefinitions(input);
  } else if (isLetDefinition(input)) {
    addDefinitions("def" + input.drop_front(3).str());
  } else {
    evaluate(input, /*timed=*/false);
  }
  llvm::outs().flush();
  return true;
}

/// Whether `text` needs another line: an open bracket, or a last token that
/// cannot end an input.
static bool needsMore(llvm::StringRef text) {
  int depth = 0;
  for (llvm::StringRef line : llvm::split(text, '\n')) {
    line = line.split("--").first; // comments
    for (char c : line)
      depth += (c == '(' || c == '[') - (c == ')' || c == ']');
  }
  if (depth > 0)
    return true;
  llvm::StringRef last = text.rsplit('\n').second.empty() ? text : text.rsplit('\n').second;
  last = last.split("--").first.rtrim();
  if (last.starts_with(":"))
    return false;
  for (llvm::StringRef end : {"=", "->", "\\", "+", "-", "*", "/", "&&", "||", ",", "<", ">"})
    if (last.ends_with(end) && !last.ends_with("=="))
      return true;
  for (llvm::StringRef word : {"in", "then", "else", "do"})
    if (last.ends_with(word) &&
        (last.size() == word.size() || !llvm::isAlnum(last[last.size() - word.size() - 1])))
      return true;
  return false;
}

static int runRepl() {
  DialectRegistry registry;
  registry.insert<fad::FADDialect, arith::ArithDialect, func::FuncDialect,
                  linalg::LinalgDialect, LLVM::LLVMDialect, math::MathDialect,
                  scf::SCFDialect, tensor::TensorDialect>();
  fad::registerLoweringDialects(registry);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, (void *)&runRepl);
  std::vector<std::string> searchDirs(importDirs.begin(), importDirs.end());
  searchDirs.push_back(std::string(llvm::sys::path::parent_path(exe)) + "/../lib/fad/stdlib");
  Session session(registry, searchDirs);
  for (const std::string &file : preload)
    session.handle(":load " + file);

  bool interactive = llvm::sys::Process::StandardInIsUserInput();
  std::optional<llvm::LineEditor> editor;
  if (interactive) {
    llvm::SmallString<128> history;
    if (llvm::sys::path::home_directory(history))
      llvm::sys::path::append(history, ".fad_repl_history");
    editor.emplace("fad-repl", history);
    editor->setPrompt("fad> ");
    llvm::outs() << "fad-repl: :help for help, :quit to leave\n";
    llvm::outs().flush();
  }
  // Unbuffered, so that waiting for standard input to be readable is waiting
  // for the next line (input is typed or piped lines, small).
  if (!editor)
    std::setvbuf(stdin, nullptr, _IONBF, 0);
  std::string pending;
  while (true) {
    std::optional<std::string> line;
    if (editor) {
      sigset_t interrupt;
      sigemptyset(&interrupt);
      sigaddset(&interrupt, SIGINT);
      pthread_sigmask(SIG_UNBLOCK, &interrupt, nullptr);
      line = editor->readLine();
      pthread_sigmask(SIG_BLOCK, &interrupt, nullptr);
    } else if (!waitOrInterrupt(STDIN_FILENO, -1)) {
      std::string text;
      if (std::getline(std::cin, text))
        line = text;
    } else {
      interrupted = 1;
    }
    if (takeInterrupt()) { // Ctrl-C while typing: drop the input
      std::cin.clear();
      std::clearerr(stdin);
      pending.clear();
      if (editor)
        editor->setPrompt("fad> ");
      llvm::outs() << "\n";
      llvm::outs().flush();
      continue;
    }
    if (!line)
      break;
    pending += pending.empty() ? *line : "\n" + *line;
    // Without a terminal, an indented next line also continues the input.
    if (needsMore(pending) ||
        (!editor && std::isspace(std::cin.peek()) && std::cin.peek() != '\n')) {
      if (editor)
        editor->setPrompt("...  ");
      continue;
    }
    if (editor)
      editor->setPrompt("fad> ");
    std::string input = std::move(pending);
    pending.clear();
    if (!session.handle(input))
      return 0;
  }
  if (!pending.empty())
    session.handle(pending);
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(replOptions);
  cl::ParseCommandLineOptions(argc, argv,
                              "fad-repl: evaluate fad definitions and expressions\n");
  // The frontend recurses over expressions; give it fadc's large stack.
  // Ctrl-C: see waitOrInterrupt (no SA_RESTART: the line editor's read returns).
  struct sigaction action = {};
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  pthread_sigmask(SIG_BLOCK, &interrupt, nullptr);
  int rc = 1;
  llvm::thread worker(std::optional<unsigned>(512u << 20), [&] { rc = runRepl(); });
  worker.join();
  return rc;
}
