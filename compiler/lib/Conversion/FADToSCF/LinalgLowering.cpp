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

struct SolveLowering : OpConversionPattern<SolveOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SolveOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    Value a = readOnlyBuffer(rw, loc, adaptor.getMatrix());
    Value rhs = readOnlyBuffer(rw, loc, adaptor.getRhs());
    SmallVector<Value> dynamicExtents;
    for (int64_t k = 0; k < type.getRank(); ++k)
      if (type.isDynamicDim(k))
        dynamicExtents.push_back(rw.create<tensor::DimOp>(loc, adaptor.getRhs(), k));
    Value buffer = rw.create<memref::AllocOp>(
        loc, MemRefType::get(type.getShape(), elem), dynamicExtents);
    auto unranked = UnrankedMemRefType::get(elem, {});
    Value x = rw.create<memref::CastOp>(loc, unranked, buffer);
    auto ptr = LLVM::LLVMPointerType::get(rw.getContext());
    func::FuncOp fn = getRuntimeFunction(
        rw, (Twine("fad_rt_solve_") + suffix(elem)).str(),
        rw.getFunctionType({a.getType(), unranked, unranked, rw.getI32Type(), ptr}, {}));
    Value transpose = rw.create<arith::ConstantIntOp>(loc, op.getTranspose() ? 1 : 0, 32);
    rw.create<func::CallOp>(
        loc, fn, ValueRange{a, rhs, x, transpose, buildStringPointer(rw, loc, locationText(loc))});
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

} // namespace

void fad::populateLinalgLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<SolveLowering, SlogdetLowering>(patterns.getContext());
}
