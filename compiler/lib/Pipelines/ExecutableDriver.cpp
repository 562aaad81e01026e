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

/// The runtime's name suffix and kind code of a complex number whose parts
/// have type `part`.
static std::pair<StringRef, int64_t> complexKind(Type part) {
  return part.isF64() ? std::pair<StringRef, int64_t>{"c128", FAD_KIND_C128}
                      : std::pair<StringRef, int64_t>{"c64", FAD_KIND_C64};
}

/// The entry's attribute `name` (fad.entry_arg_parts or
/// fad.entry_result_parts: 1 marks a complex number's real part), or no
/// complex numbers among its `count` leaves.
static SmallVector<int32_t> leafParts(func::FuncOp entry, StringRef name, size_t count) {
  if (auto parts = entry->getAttrOfType<DenseI32ArrayAttr>(name))
    if (parts.size() == (int64_t)count)
      return SmallVector<int32_t>(parts.asArrayRef());
  return SmallVector<int32_t>(count, 0);
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

  /// Reads leaf `k` of the selected entry's input as a value of type `t`,
  /// or, given `part`, that part (0 real, 1 imaginary) of a complex leaf
  /// whose parts have type `t`.
  Value readArgument(int64_t k, Type t, std::optional<int32_t> part = std::nullopt) {
    auto tensorType = dyn_cast<RankedTensorType>(t);
    Type elem = getElementTypeOrSelf(t);
    auto [suffix, kind] = part ? complexKind(elem) : scalarKind(elem);
    SmallVector<Value> leaf = {i64(k)};
    if (part)
      leaf.push_back(b.create<arith::ConstantIntOp>(loc, *part, 32));
    if (!tensorType) {
      Value v = call(("fad_rt_arg_" + suffix).str(), abiType(t), leaf);
      return t.isInteger(1) ? b.create<arith::TruncIOp>(loc, t, v) : v;
    }
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
    leaf.push_back(unranked);
    call(("fad_rt_arg_fill_" + suffix).str(), {}, leaf);
    return b.create<bufferization::ToTensorOp>(loc, tensorType, buffer,
                                               /*restrict=*/true,
                                               /*writable=*/true);
  }

  /// The entry's arguments, read from the input's leaves; `parts` marks the
  /// real parts of complex numbers (fad.entry_arg_parts), which are one
  /// leaf of the input with the imaginary part that follows.
  SmallVector<Value> readArguments(TypeRange types, ArrayRef<int32_t> parts) {
    SmallVector<Value> args;
    for (size_t k = 0, leaf = 0; k < types.size(); ++k, ++leaf) {
      if (parts[k] == 1) {
        args.push_back(readArgument(leaf, types[k], 0));
        args.push_back(readArgument(leaf, types[++k], 1));
      } else {
        args.push_back(readArgument(leaf, types[k]));
      }
    }
    return args;
  }

  /// The unranked memref of array `v`, for the runtime to read.
  Value unrankedView(Value v) {
    auto tensorType = cast<RankedTensorType>(v.getType());
    Type elem = tensorType.getElementType();
    Value buffer = b.create<bufferization::ToMemrefOp>(
        loc, MemRefType::get(tensorType.getShape(), elem), v, /*read_only=*/true);
    return b.create<memref::CastOp>(loc, UnrankedMemRefType::get(elem, Attribute()), buffer);
  }

  /// Prints (or hands over) `values`, a complex number's two parts as one
  /// value where `parts` (fad.entry_result_parts) marks its real part.
  void printResults(ValueRange values, ArrayRef<int32_t> parts) {
    for (size_t k = 0; k < values.size(); ++k) {
      Value v = values[k];
      Type t = v.getType();
      bool complex = parts[k] == 1;
      Type elem = getElementTypeOrSelf(t);
      StringRef suffix = (complex ? complexKind(elem) : scalarKind(elem)).first;
      SmallVector<Value> args;
      if (isa<RankedTensorType>(t)) {
        args.push_back(unrankedView(v));
        if (complex)
          args.push_back(unrankedView(values[++k]));
        call(("fad_rt_print_array_" + suffix).str(), {}, args);
        continue;
      }
      args.push_back(t.isInteger(1) ? b.create<arith::ExtUIOp>(loc, abiType(t), v) : v);
      if (complex)
        args.push_back(values[++k]);
      call(("fad_rt_print_" + suffix).str(), {}, args);
    }
  }

  /// Emits the selection test, input, timed runs and output of `entry`.
  void addEntry(func::FuncOp entry, StringRef name, int64_t params) {
    FunctionType type = entry.getFunctionType();
    SmallVector<int32_t> argParts = leafParts(entry, "fad.entry_arg_parts", type.getNumInputs());
    Value selected =
        call("fad_rt_select", b.getI32Type(),
             {fad::buildStringPointer(b, loc, name), i64(params),
              i64(type.getNumInputs() - llvm::count(argParts, 1))});
    Value zero = b.create<arith::ConstantIntOp>(loc, 0, 32);
    Value isSelected =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, selected, zero);
    auto ifOp = b.create<scf::IfOp>(loc, isSelected, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());

    SmallVector<Value> args = readArguments(type.getInputs(), argParts);

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
    printResults(results.getResults(),
                 leafParts(entry, "fad.entry_result_parts", type.getNumResults()));
  }

  /// Emits a function that reads the arguments of `entry`, calls it once and
  /// hands over its results (a library's thunk, see FADLibrary.h).
  void addThunk(func::FuncOp entry, StringRef thunkName) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(entry);
    auto thunk = b.create<func::FuncOp>(loc, thunkName, b.getFunctionType({}, {}));
    b.setInsertionPointToStart(thunk.addEntryBlock());
    FunctionType type = entry.getFunctionType();
    SmallVector<Value> args = readArguments(
        type.getInputs(), leafParts(entry, "fad.entry_arg_parts", type.getNumInputs()));
    printResults(b.create<func::CallOp>(loc, entry, args).getResults(),
                 leafParts(entry, "fad.entry_result_parts", type.getNumResults()));
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
  // One leaf of the C API per leaf of the entry, but one per complex number
  // (its two parts, marked by `parts`).
  auto addLeaves = [](TypeRange types, ArrayRef<int32_t> parts, auto name,
                      std::vector<EntryLeaf> &out) {
    for (size_t k = 0; k < types.size(); ++k) {
      EntryLeaf l{name(k, out.size()), FAD_KIND_F64, 0};
      if (auto tensor = dyn_cast<RankedTensorType>(types[k]))
        l.rank = tensor.getRank();
      Type elem = getElementTypeOrSelf(types[k]);
      l.kind = parts[k] == 1 ? complexKind(elem).second : scalarKind(elem).second;
      k += parts[k];
      out.push_back(std::move(l));
    }
  };
  for (func::FuncOp entry : *entries) {
    EntrySignature sig;
    sig.name = entry->getAttrOfType<StringAttr>("fad.entry").getValue().str();
    sig.function = (prefix + "_" + cIdentifier(sig.name)).str();
    sig.thunk = (prefix + "__call_" + cIdentifier(sig.name)).str();
    auto names = entry->getAttrOfType<ArrayAttr>("fad.entry_leaf_names");
    FunctionType type = entry.getFunctionType();
    addLeaves(type.getInputs(), leafParts(entry, "fad.entry_arg_parts", type.getNumInputs()),
              [&](size_t k, size_t n) {
                return names && k < names.size()
                           ? cIdentifier(cast<StringAttr>(names[k]).getValue())
                           : "arg" + std::to_string(n);
              },
              sig.args);
    addLeaves(type.getResults(),
              leafParts(entry, "fad.entry_result_parts", type.getNumResults()),
              [](size_t, size_t n) { return "result" + std::to_string(n); }, sig.results);
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
