//===- ExecutableDriver.cpp - The generated main of a program ----*- C++ -*-===//
//
// This file implements addExecutableDriver: the `fad_main` function that the
// runtime's `main` calls. For every entry point it asks the runtime whether
// that entry was selected (-e), reads its flattened arguments, calls it the
// requested number of times (-r) under the runtime's timer (-t), and prints
// each flattened result. It is built at the tensor level, before
// bufferization, so that the arguments' buffers are owned and freed by the
// same deallocation machinery as the rest of the program. addLibraryThunks
// builds the same reading and handing over, one function per entry, for
// libraries (FADLibrary.h).
//
//===----------------------------------------------------------------------===//

#include "fad/Conversion/FADToSCF/FADToSCF.h"
#include "fad/Pipelines/Pipelines.h"
#include "fad/Runtime/FADRuntime.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

/// The runtime's name suffix and kind code of a scalar type.
static std::pair<StringRef, int64_t> scalarKind(Type t) {
  if (t.isF64())
    return {"f64", FAD_KIND_F64};
  if (t.isF32())
    return {"f32", FAD_KIND_F32};
  if (t.isInteger(64))
    return {"i64", FAD_KIND_I64};
  if (t.isInteger(32))
    return {"i32", FAD_KIND_I32};
  return {"bool", FAD_KIND_BOOL};
}

/// The ABI type of a scalar crossing the runtime boundary (bools are i32).
static Type abiType(Type t) {
  return t.isInteger(1) ? IntegerType::get(t.getContext(), 32) : t;
}

namespace {
/// Builds the per-entry part of `fad_main`.
class DriverBuilder {
public:
  DriverBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value i64(int64_t v) { return b.create<arith::ConstantIntOp>(loc, v, 64); }

  Value call(StringRef name, TypeRange results, ValueRange args) {
    func::FuncOp fn = fad::getRuntimeFunction(
        b, name, b.getFunctionType(args.getTypes(), results));
    auto op = b.create<func::CallOp>(loc, fn, args);
    return results.empty() ? Value() : op.getResult(0);
  }

  /// Reads leaf `k` of the selected entry's input as a value of type `t`.
  Value readArgument(int64_t k, Type t) {
    auto tensorType = dyn_cast<RankedTensorType>(t);
    if (!tensorType) {
      auto [suffix, kind] = scalarKind(t);
      Value v = call(("fad_rt_arg_" + suffix).str(), abiType(t), {i64(k)});
      return t.isInteger(1) ? b.create<arith::TruncIOp>(loc, t, v) : v;
    }
    Type elem = tensorType.getElementType();
    auto [suffix, kind] = scalarKind(elem);
    SmallVector<Value> dims;
    for (int64_t d = 0; d < tensorType.getRank(); ++d) {
      Value dim = call("fad_rt_arg_dim", b.getI64Type(),
                       {i64(k), i64(kind), i64(tensorType.getRank()), i64(d)});
      dims.push_back(b.create<arith::IndexCastOp>(loc, b.getIndexType(), dim));
    }
    auto memrefType = MemRefType::get(tensorType.getShape(), elem);
    Value buffer = b.create<memref::AllocOp>(loc, memrefType, dims);
    Value unranked = b.create<memref::CastOp>(
        loc, UnrankedMemRefType::get(elem, Attribute()), buffer);
    call(("fad_rt_arg_fill_" + suffix).str(), {}, {i64(k), unranked});
    return b.create<bufferization::ToTensorOp>(loc, tensorType, buffer,
                                               /*restrict=*/true,
                                               /*writable=*/true);
  }

  void printResult(Value v) {
    Type t = v.getType();
    auto tensorType = dyn_cast<RankedTensorType>(t);
    if (!tensorType) {
      if (t.isInteger(1))
        v = b.create<arith::ExtUIOp>(loc, abiType(t), v);
      call(("fad_rt_print_" + scalarKind(t).first).str(), {}, {v});
      return;
    }
    Type elem = tensorType.getElementType();
    auto memrefType = MemRefType::get(tensorType.getShape(), elem);
    Value buffer = b.create<bufferization::ToMemrefOp>(loc, memrefType, v,
                                                       /*read_only=*/true);
    Value unranked = b.create<memref::CastOp>(
        loc, UnrankedMemRefType::get(elem, Attribute()), buffer);
    call(("fad_rt_print_array_" + scalarKind(elem).first).str(), {}, {unranked});
  }

  /// Emits the selection test, input, timed runs and output of `entry`.
  void addEntry(func::FuncOp entry, StringRef name, int64_t params) {
    FunctionType type = entry.getFunctionType();
    Value selected = call("fad_rt_select", b.getI32Type(),
                          {fad::buildStringPointer(b, loc, name), i64(params),
                           i64(type.getNumInputs())});
    Value zero = b.create<arith::ConstantIntOp>(loc, 0, 32);
    Value isSelected =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, selected, zero);
    auto ifOp = b.create<scf::IfOp>(loc, isSelected, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());

    SmallVector<Value> args;
    for (auto [k, t] : llvm::enumerate(type.getInputs()))
      args.push_back(readArgument(k, t));

    // Runs 1..N-1 are only timed; the last run's results are printed.
    Value runs = b.create<arith::IndexCastOp>(
        loc, b.getIndexType(), call("fad_rt_runs", b.getI64Type(), {}));
    Value one = b.create<arith::ConstantIndexOp>(loc, 1);
    auto timedRuns = b.create<scf::ForOp>(loc, one, runs, one);
    {
      OpBuilder::InsertionGuard inLoop(b);
      b.setInsertionPoint(timedRuns.getBody()->getTerminator());
      call("fad_rt_timer_start", {}, {});
      b.create<func::CallOp>(loc, entry, args);
      call("fad_rt_timer_stop", {}, {});
    }
    call("fad_rt_timer_start", {}, {});
    auto results = b.create<func::CallOp>(loc, entry, args);
    call("fad_rt_timer_stop", {}, {});
    for (Value v : results.getResults())
      printResult(v);
  }

  /// Emits a function that reads the arguments of `entry`, calls it once and
  /// hands over its results (a library's thunk, see FADLibrary.h).
  void addThunk(func::FuncOp entry, StringRef thunkName) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(entry);
    auto thunk = b.create<func::FuncOp>(loc, thunkName, b.getFunctionType({}, {}));
    b.setInsertionPointToStart(thunk.addEntryBlock());
    SmallVector<Value> args;
    for (auto [k, t] : llvm::enumerate(entry.getFunctionType().getInputs()))
      args.push_back(readArgument(k, t));
    for (Value v : b.create<func::CallOp>(loc, entry, args).getResults())
      printResult(v);
    b.create<func::ReturnOp>(loc);
  }

private:
  OpBuilder &b;
  Location loc;
};
} // namespace

/// The module's entry points, in order, checked to carry their attributes.
static FailureOr<SmallVector<func::FuncOp>> entryPoints(ModuleOp module) {
  SmallVector<func::FuncOp> entries;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (!fn->hasAttr("fad.entry"))
      continue;
    if (!fn->getAttrOfType<StringAttr>("fad.entry") ||
        !fn->getAttrOfType<IntegerAttr>("fad.entry_params"))
      return fn.emitError("entry point without fad.entry/fad.entry_params");
    entries.push_back(fn);
  }
  return entries;
}

std::string fad::cIdentifier(StringRef name) {
  static const llvm::StringSet<> reserved = {
      // C
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
      "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
      "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
      "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool",
      "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",
      "uint64_t", "size_t", "NULL",
      // C++
      "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "catch", "char8_t",
      "char16_t", "char32_t", "class", "compl", "concept", "consteval", "constexpr",
      "constinit", "const_cast", "co_await", "co_return", "co_yield", "decltype", "delete",
      "dynamic_cast", "explicit", "export", "false", "friend", "mutable", "namespace", "new",
      "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private",
      "protected", "public", "reinterpret_cast", "requires", "static_assert", "static_cast",
      "template", "this", "thread_local", "throw", "true", "try", "typeid", "typename",
      "using", "virtual", "wchar_t", "xor", "xor_eq",
      // Python
      "False", "None", "True", "as", "assert", "async", "await", "def", "del", "elif",
      "except", "finally", "from", "global", "import", "in", "is", "lambda", "nonlocal",
      "pass", "raise", "with", "yield",
      // The generated code's own names
      "ctx"};
  std::string id;
  for (char c : name)
    id += llvm::isAlnum(c) ? c : '_';
  if (reserved.contains(id) || (!id.empty() && id[0] == '_'))
    id += '_';
  return id;
}

FailureOr<std::vector<fad::EntrySignature>> fad::addLibraryThunks(ModuleOp module,
                                                                   StringRef prefix) {
  FailureOr<SmallVector<func::FuncOp>> entries = entryPoints(module);
  if (failed(entries))
    return failure();
  OpBuilder b(module.getContext());
  DriverBuilder driver(b, module.getLoc());
  std::vector<EntrySignature> signatures;
  auto leaf = [](Type t, std::string name) {
    EntryLeaf l{std::move(name), FAD_KIND_F64, 0};
    if (auto tensor = dyn_cast<RankedTensorType>(t)) {
      l.rank = tensor.getRank();
      t = tensor.getElementType();
    }
    l.kind = scalarKind(t).second;
    return l;
  };
  for (func::FuncOp entry : *entries) {
    EntrySignature sig;
    sig.name = entry->getAttrOfType<StringAttr>("fad.entry").getValue().str();
    sig.function = (prefix + "_" + cIdentifier(sig.name)).str();
    sig.thunk = (prefix + "__call_" + cIdentifier(sig.name)).str();
    auto names = entry->getAttrOfType<ArrayAttr>("fad.entry_leaf_names");
    FunctionType type = entry.getFunctionType();
    for (auto [k, t] : llvm::enumerate(type.getInputs())) {
      std::string name = names && k < names.size()
                             ? cIdentifier(cast<StringAttr>(names[k]).getValue())
                             : "arg" + std::to_string(k);
      sig.args.push_back(leaf(t, name));
    }
    for (auto [k, t] : llvm::enumerate(type.getResults()))
      sig.results.push_back(leaf(t, "result" + std::to_string(k)));
    driver.addThunk(entry, sig.thunk);
    // Only the thunks are the library's symbols: two fad libraries can be
    // linked into one program.
    entry.setPrivate();
    signatures.push_back(std::move(sig));
  }
  return signatures;
}

LogicalResult fad::addExecutableDriver(ModuleOp module) {
  FailureOr<SmallVector<func::FuncOp>> entries = entryPoints(module);
  if (failed(entries))
    return failure();
  OpBuilder b(module.getContext());
  Location loc = module.getLoc();
  b.setInsertionPointToEnd(module.getBody());
  auto main = b.create<func::FuncOp>(loc, "fad_main", b.getFunctionType({}, {}));
  b.setInsertionPointToStart(main.addEntryBlock());
  DriverBuilder driver(b, loc);
  for (func::FuncOp entry : *entries)
    driver.addEntry(entry, entry->getAttrOfType<StringAttr>("fad.entry").getValue(),
                    entry->getAttrOfType<IntegerAttr>("fad.entry_params").getInt());
  b.create<func::ReturnOp>(loc);
  return success();
}
