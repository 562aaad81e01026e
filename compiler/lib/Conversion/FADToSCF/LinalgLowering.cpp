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

namespace {

/// `tensor` as an unranked memref the runtime reads (identity layout).
Value readOnlyBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memref = b.create<bufferization::ToMemrefOp>(
      loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
  return b.create<memref::CastOp>(loc, UnrankedMemRefType::get(type.getElementType(), {}),
                                  memref);
}

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

struct EighLowering : OpConversionPattern<EighOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(EighOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value matrix = adaptor.getMatrix();
    auto valuesType = cast<RankedTensorType>(op.getValues().getType());
    auto vectorsType = cast<RankedTensorType>(op.getVectors().getType());
    Type elem = valuesType.getElementType();
    Value a = readOnlyBuffer(rw, loc, matrix);
    // The eigenvalues have the matrix's first extent.
    Value n = rw.create<tensor::DimOp>(loc, matrix, 0);
    Value wBuffer = rw.create<memref::AllocOp>(
        loc, MemRefType::get(valuesType.getShape(), elem),
        valuesType.isDynamicDim(0) ? ValueRange{n} : ValueRange{});
    auto unranked = UnrankedMemRefType::get(elem, {});
    Value w = rw.create<memref::CastOp>(loc, unranked, wBuffer);
    auto [vBuffer, v] = resultBuffer(rw, loc, vectorsType, matrix);
    auto ptr = LLVM::LLVMPointerType::get(rw.getContext());
    func::FuncOp fn = getRuntimeFunction(
        rw, (Twine("fad_rt_eigh_") + suffix(elem)).str(),
        rw.getFunctionType({unranked, unranked, unranked, ptr}, {}));
    rw.create<func::CallOp>(loc, fn,
                            ValueRange{a, w, v, buildStringPointer(rw, loc, locationText(loc))});
    rw.replaceOp(op, ValueRange{rw.create<bufferization::ToTensorOp>(loc, valuesType, wBuffer,
                                                                     true, true),
                                rw.create<bufferization::ToTensorOp>(loc, vectorsType, vBuffer,
                                                                     true, true)});
    return success();
  }
};

struct SvdLowering : OpConversionPattern<SvdOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SvdOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value matrix = adaptor.getMatrix();
    Value m = rw.create<tensor::DimOp>(loc, matrix, 0);
    Value n = rw.create<tensor::DimOp>(loc, matrix, 1);
    Value k = rw.create<arith::MinSIOp>(loc, m, n);
    auto buffer = [&](Value result, ArrayRef<Value> extents) {
      auto type = cast<RankedTensorType>(result.getType());
      SmallVector<Value> dynamic;
      for (auto [d, extent] : llvm::enumerate(extents))
        if (type.isDynamicDim(d))
          dynamic.push_back(extent);
      return rw.create<memref::AllocOp>(
          loc, MemRefType::get(type.getShape(), type.getElementType()), dynamic);
    };
    Value u = buffer(op.getU(), {m, k}), s = buffer(op.getS(), {k}),
          vt = buffer(op.getVt(), {k, n});
    Type elem = op.getS().getType().getElementType();
    auto unranked = UnrankedMemRefType::get(elem, {});
    auto view = [&](Value b) { return rw.create<memref::CastOp>(loc, unranked, b); };
    func::FuncOp fn = getRuntimeFunction(
        rw, (Twine("fad_rt_svd_") + suffix(elem)).str(),
        rw.getFunctionType({unranked, unranked, unranked, unranked}, {}));
    rw.create<func::CallOp>(
        loc, fn, ValueRange{readOnlyBuffer(rw, loc, matrix), view(u), view(s), view(vt)});
    SmallVector<Value> buffers{u, s, vt}, results;
    for (auto [result, b] : llvm::zip_equal(op.getResults(), buffers))
      results.push_back(
          rw.create<bufferization::ToTensorOp>(loc, result.getType(), b, true, true));
    rw.replaceOp(op, results);
    return success();
  }
};

struct QrLowering : OpConversionPattern<QrOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(QrOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value matrix = adaptor.getMatrix();
    auto type = cast<RankedTensorType>(op.getQ().getType());
    Value m = rw.create<tensor::DimOp>(loc, matrix, 0);
    Value n = rw.create<tensor::DimOp>(loc, matrix, 1);
    auto alloc = [&](Value rows, Value cols) {
      SmallVector<Value> dynamic;
      if (type.isDynamicDim(0))
        dynamic.push_back(rows);
      if (type.isDynamicDim(1))
        dynamic.push_back(cols);
      return rw.create<memref::AllocOp>(
          loc, MemRefType::get(type.getShape(), type.getElementType()), dynamic);
    };
    Value q = alloc(m, n), r = alloc(n, n);
    auto unranked = UnrankedMemRefType::get(type.getElementType(), {});
    auto ptr = LLVM::LLVMPointerType::get(rw.getContext());
    func::FuncOp fn = getRuntimeFunction(
        rw, (Twine("fad_rt_qr_") + suffix(type.getElementType())).str(),
        rw.getFunctionType({unranked, unranked, unranked, ptr}, {}));
    rw.create<func::CallOp>(loc, fn,
                            ValueRange{readOnlyBuffer(rw, loc, matrix),
                                       rw.create<memref::CastOp>(loc, unranked, q),
                                       rw.create<memref::CastOp>(loc, unranked, r),
                                       buildStringPointer(rw, loc, locationText(loc))});
    rw.replaceOp(op, ValueRange{rw.create<bufferization::ToTensorOp>(loc, type, q, true, true),
                                rw.create<bufferization::ToTensorOp>(loc, type, r, true, true)});
    return success();
  }
};

} // namespace

void fad::populateLinalgLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<SolveLowering, SlogdetLowering, EighLowering, SvdLowering, QrLowering>(
      patterns.getContext());
}
