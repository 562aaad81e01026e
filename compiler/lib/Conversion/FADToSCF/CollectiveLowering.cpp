//===- CollectiveLowering.cpp - Lower processes and collectives ---*- C++ -*-===//
//
// fad.process_index/count and the collectives become calls of the runtime
// (runtime/lib/Distributed.cpp), which is one process without MPI and
// MPI_COMM_WORLD's under `fadc --mpi`: the compiled code is the same for
// both. Arrays are passed as unranked memrefs; the result goes to a fresh
// buffer that becomes the result tensor (to_tensor restrict). Calls of the
// runtime are not thread safe, so a loop containing a collective is never
// parallelized (Parallelize.cpp), which keeps every process's collectives in
// one order.
//
//===----------------------------------------------------------------------===//

#include "fad/Conversion/FADToSCF/FADToSCF.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace fad;

namespace {

/// The runtime's name suffix of an element type (the verifiers exclude i1).
std::string suffix(Type elem) { return runtimeKind(elem).first.str(); }

/// A call of the runtime's allreduce of one scalar (kind 0 sum, 1 max, 2 min).
Value allreduceScalar(OpBuilder &b, Location loc, Value value, int kind) {
  Value kindValue = b.create<arith::ConstantIntOp>(loc, kind, 32);
  Value where = buildStringPointer(b, loc, locationText(loc));
  func::FuncOp fn = getRuntimeFunction(
      b, "fad_rt_allreduce_" + suffix(value.getType()),
      b.getFunctionType({value.getType(), b.getI32Type(), where.getType()}, {value.getType()}));
  return b.create<func::CallOp>(loc, fn, ValueRange{value, kindValue, where}).getResult(0);
}

/// The unranked view of `buffer`, and the call's operands for it.
Value unranked(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  return b.create<memref::CastOp>(loc, UnrankedMemRefType::get(type.getElementType(), {}),
                                  buffer);
}

/// Calls the runtime's `name`(in, out, extra..., location) and replaces `op`
/// by the tensor of the buffer `out`, of `type` with `extents` (the dynamic
/// ones, in order).
void callWithResultBuffer(ConversionPatternRewriter &rw, Operation *op, StringRef name,
                          Value input, RankedTensorType type, ValueRange extents,
                          ValueRange extra) {
  Location loc = op->getLoc();
  Value in = readOnlyBuffer(rw, loc, input);
  Value buffer = rw.create<memref::AllocOp>(
      loc, MemRefType::get(type.getShape(), type.getElementType()), extents);
  Value out = unranked(rw, loc, buffer);
  SmallVector<Value> operands{in, out};
  operands.append(extra.begin(), extra.end());
  operands.push_back(buildStringPointer(rw, loc, locationText(loc)));
  func::FuncOp fn =
      getRuntimeFunction(rw, name, rw.getFunctionType(ValueRange(operands).getTypes(), {}));
  rw.create<func::CallOp>(loc, fn, operands);
  rw.replaceOpWithNewOp<bufferization::ToTensorOp>(op, type, buffer, /*restrict=*/true,
                                                    /*writable=*/true);
}

/// The dynamic extents of `type` for a result shaped like `like` but with
/// `rows` rows.
SmallVector<Value> extentsWithRows(OpBuilder &b, Location loc, RankedTensorType type, Value like,
                                   Value rows) {
  SmallVector<Value> extents;
  for (int64_t k = 0; k < type.getRank(); ++k)
    if (type.isDynamicDim(k))
      extents.push_back(k == 0 ? rows : b.create<tensor::DimOp>(loc, like, k).getResult());
  return extents;
}

template <typename OpTy>
struct ProcessInfoLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                                ConversionPatternRewriter &rw) const override {
    StringRef name = std::is_same_v<OpTy, ProcessIndexOp> ? "fad_rt_process_index"
                                                           : "fad_rt_process_count";
    func::FuncOp fn = getRuntimeFunction(rw, name, rw.getFunctionType({}, {rw.getI64Type()}));
    rw.replaceOpWithNewOp<func::CallOp>(op, fn, ValueRange{});
    return success();
  }
};

struct PerProcessLowering : OpConversionPattern<PerProcessOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PerProcessOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    rw.replaceOp(op, adaptor.getValue());
    return success();
  }
};

struct AllreduceLowering : OpConversionPattern<AllreduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AllreduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    int kind = llvm::StringSwitch<int>(op.getKind()).Case("max", 1).Case("min", 2).Default(0);
    Value value = adaptor.getValue();
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type) {
      rw.replaceOp(op, allreduceScalar(rw, loc, value, kind));
      return success();
    }
    Value rows = rw.create<tensor::DimOp>(loc, value, 0);
    callWithResultBuffer(rw, op, "fad_rt_allreduce_array_" + suffix(type.getElementType()),
                         value, type, extentsWithRows(rw, loc, type, value, rows),
                         rw.create<arith::ConstantIntOp>(loc, kind, 32).getResult());
    return success();
  }
};

struct AllgatherLowering : OpConversionPattern<AllgatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AllgatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value value = adaptor.getValue();
    auto type = cast<RankedTensorType>(op.getType());
    // The result's rows: the sum of every process's.
    Value rows = rw.create<arith::IndexCastOp>(loc, rw.getI64Type(),
                                               rw.create<tensor::DimOp>(loc, value, 0));
    Value allRowsIndex = rw.create<arith::IndexCastOp>(loc, rw.getIndexType(),
                                                       allreduceScalar(rw, loc, rows, 0));
    callWithResultBuffer(rw, op, "fad_rt_allgather_" + suffix(type.getElementType()), value,
                         type, extentsWithRows(rw, loc, type, value, allRowsIndex), {});
    return success();
  }
};

struct ReduceScatterLowering : OpConversionPattern<ReduceScatterOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ReduceScatterOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value value = adaptor.getValue();
    auto type = cast<RankedTensorType>(op.getType());
    Value count = rw.create<arith::IndexCastOp>(loc, rw.getIndexType(), adaptor.getCount());
    callWithResultBuffer(rw, op, "fad_rt_reduce_scatter_" + suffix(type.getElementType()),
                         value, type, extentsWithRows(rw, loc, type, value, count), {});
    return success();
  }
};
} // namespace

void fad::populateCollectiveLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<ProcessInfoLowering<ProcessIndexOp>, ProcessInfoLowering<ProcessCountOp>,
               PerProcessLowering, AllreduceLowering, AllgatherLowering,
               ReduceScatterLowering>(
      patterns.getContext());
}
