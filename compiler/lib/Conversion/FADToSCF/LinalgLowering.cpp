//===- LinalgLowering.cpp - Lower fad's dense linear algebra ------*- C++ -*-===//
//
// fad.solve and fad.slogdet become calls of the runtime's kernels
// (runtime/lib/Linalg.cpp): the operands are read through
// bufferization.to_memref, the solution is written into a fresh buffer that
// becomes the result tensor (to_tensor restrict: nothing else aliases it).
// The runtime checks the extents and reports a singular matrix with the op's
// location.
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

using namespace mlir;
using namespace fad;

Value fad::readOnlyBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memref = b.create<bufferization::ToMemrefOp>(
      loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
  return b.create<memref::CastOp>(loc, UnrankedMemRefType::get(type.getElementType(), {}),
                                  memref);
}

namespace {

const char *suffix(Type elem) { return elem.isF64() ? "f64" : "f32"; }

/// A fresh buffer with the extents of `like` (a tensor of the same shape),
/// and its unranked view for the runtime.
std::pair<Value, Value> resultBuffer(OpBuilder &b, Location loc, RankedTensorType type,
                                     Value like) {
  SmallVector<Value> dynamicExtents;
  for (int64_t k = 0; k < type.getRank(); ++k)
    if (type.isDynamicDim(k))
      dynamicExtents.push_back(b.create<tensor::DimOp>(loc, like, k));
  Value buffer = b.create<memref::AllocOp>(
      loc, MemRefType::get(type.getShape(), type.getElementType()), dynamicExtents);
  return {buffer, b.create<memref::CastOp>(
                      loc, UnrankedMemRefType::get(type.getElementType(), {}), buffer)};
}

struct SolveLowering : OpConversionPattern<SolveOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SolveOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    Value a = readOnlyBuffer(rw, loc, adaptor.getMatrix());
    Value rhs = readOnlyBuffer(rw, loc, adaptor.getRhs());
    auto [buffer, x] = resultBuffer(rw, loc, type, adaptor.getRhs());
    auto unranked = UnrankedMemRefType::get(elem, {});
    auto ptr = LLVM::LLVMPointerType::get(rw.getContext());
    func::FuncOp fn = getRuntimeFunction(
        rw, (Twine("fad_rt_solve_") + suffix(elem)).str(),
        rw.getFunctionType({a.getType(), unranked, unranked, rw.getI32Type(), ptr}, {}));
    // The runtime's mode bits: 1 transpose, 2 lower, 4 upper.
    int mode = (op.getTranspose() ? 1 : 0) | (op.getLower() ? 2 : 0) | (op.getUpper() ? 4 : 0);
    Value modeValue = rw.create<arith::ConstantIntOp>(loc, mode, 32);
    rw.create<func::CallOp>(
        loc, fn, ValueRange{a, rhs, x, modeValue, buildStringPointer(rw, loc, locationText(loc))});
    rw.replaceOpWithNewOp<bufferization::ToTensorOp>(op, type, buffer, /*restrict=*/true,
                                                      /*writable=*/true);
    return success();
  }
};

struct SlogdetLowering : OpConversionPattern<SlogdetOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SlogdetOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Type elem = op.getSign().getType();
    Value a = readOnlyBuffer(rw, loc, adaptor.getMatrix());
    // The runtime writes [sign, log |det|] into a two-element buffer.
    Value out = rw.create<memref::AllocaOp>(loc, MemRefType::get({2}, elem));
    auto unranked = UnrankedMemRefType::get(elem, {});
    auto ptr = LLVM::LLVMPointerType::get(rw.getContext());
    func::FuncOp fn = getRuntimeFunction(
        rw, (Twine("fad_rt_slogdet_") + suffix(elem)).str(),
        rw.getFunctionType({a.getType(), unranked, ptr}, {}));
    rw.create<func::CallOp>(loc, fn,
                            ValueRange{a, rw.create<memref::CastOp>(loc, unranked, out),
                                       buildStringPointer(rw, loc, locationText(loc))});
    Value zero = rw.create<arith::ConstantIndexOp>(loc, 0);
    Value one = rw.create<arith::ConstantIndexOp>(loc, 1);
    rw.replaceOp(op, ValueRange{rw.create<memref::LoadOp>(loc, out, zero),
                                rw.create<memref::LoadOp>(loc, out, one)});
    return success();
  }
};

/// Replaces `op` (whose results are tensors) by a call of the runtime's
/// `name`_f64/_f32 on a read-only view of `matrix` and fresh buffers for the
/// results, of the extents `extents` (one list per result), then the op's
/// location when `located`; the buffers become the results.
void replaceByKernelCall(ConversionPatternRewriter &rw, Operation *op, StringRef name,
                         Value matrix, ArrayRef<SmallVector<Value>> extents, bool located) {
  Location loc = op->getLoc();
  Type elem = cast<RankedTensorType>(matrix.getType()).getElementType();
  auto unranked = UnrankedMemRefType::get(elem, {});
  SmallVector<Value> buffers, operands{readOnlyBuffer(rw, loc, matrix)};
  for (auto [result, dims] : llvm::zip_equal(op->getResults(), extents)) {
    auto type = cast<RankedTensorType>(result.getType());
    SmallVector<Value> dynamic;
    for (auto [d, extent] : llvm::enumerate(dims))
      if (type.isDynamicDim(d))
        dynamic.push_back(extent);
    buffers.push_back(
        rw.create<memref::AllocOp>(loc, MemRefType::get(type.getShape(), elem), dynamic));
    operands.push_back(rw.create<memref::CastOp>(loc, unranked, buffers.back()));
  }
  if (located)
    operands.push_back(buildStringPointer(rw, loc, locationText(loc)));
  func::FuncOp fn = getRuntimeFunction(rw, (name + "_" + suffix(elem)).str(),
                                       rw.getFunctionType(ValueRange(operands).getTypes(), {}));
  rw.create<func::CallOp>(loc, fn, operands);
  SmallVector<Value> results;
  for (auto [result, buffer] : llvm::zip_equal(op->getResults(), buffers))
    results.push_back(rw.create<bufferization::ToTensorOp>(loc, result.getType(), buffer,
                                                           /*restrict=*/true, /*writable=*/true));
  rw.replaceOp(op, results);
}

struct EighLowering : OpConversionPattern<EighOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(EighOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Value n = rw.create<tensor::DimOp>(op.getLoc(), adaptor.getMatrix(), 0);
    replaceByKernelCall(rw, op, "fad_rt_eigh", adaptor.getMatrix(), {{n}, {n, n}},
                        /*located=*/true);
    return success();
  }
};

struct SvdLowering : OpConversionPattern<SvdOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SvdOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value m = rw.create<tensor::DimOp>(loc, adaptor.getMatrix(), 0);
    Value n = rw.create<tensor::DimOp>(loc, adaptor.getMatrix(), 1);
    Value k = rw.create<arith::MinSIOp>(loc, m, n);
    replaceByKernelCall(rw, op, "fad_rt_svd", adaptor.getMatrix(), {{m, k}, {k}, {k, n}},
                        /*located=*/false);
    return success();
  }
};

struct QrLowering : OpConversionPattern<QrOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(QrOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value m = rw.create<tensor::DimOp>(loc, adaptor.getMatrix(), 0);
    Value n = rw.create<tensor::DimOp>(loc, adaptor.getMatrix(), 1);
    replaceByKernelCall(rw, op, "fad_rt_qr", adaptor.getMatrix(), {{m, n}, {n, n}},
                        /*located=*/true);
    return success();
  }
};

} // namespace

void fad::populateLinalgLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<SolveLowering, SlogdetLowering, EighLowering, SvdLowering, QrLowering>(
      patterns.getContext());
}
