//===- LinalgRules.cpp - Derivative rules of dense linear algebra -*- C++ -*-===//
//
// This file implements the matrix-level rules of fad.solve and fad.slogdet:
// the factorizations are never differentiated through their loops.
//
//   solve:    x = A^-1 b         xTan = A^-1 (bTan - ATan x)
//             (transpose)        xTan = A^-T (bTan - ATan^T x)
//             (lower, upper)     the same with A and ATan's triangle
//             transpose in b:    bAdj += A^-T xAdj   (A^-1 with `transpose`)
//   slogdet:  l = log |det A|    lTan = tr(A^-1 ATan) = sum_ij (A^-T)_ij ATan_ij
//             sign               piecewise constant: no tangent
//   eigh:     S = (A + A^T)/2 = V diag(w) V^T, P = V^T STan V
//             wTan = diag P      VTan = V (F o P), F_ij = 1/(w_j - w_i), F_ii = 0
//   svd:      A = U diag(s) V^T, P = U^T ATan V, F_ij = 1/(s_j^2 - s_i^2), F_ii = 0
//             sTan = diag P
//             UTan = U (F o (P S + S P^T)) + (I - U U^T) ATan V S^-1
//             VTan = V (F o (S P + P^T S)) + (I - V V^T) ATan^T U S^-1
//   qr:       A = Q R, X = ATan R^-1, C = Q^T X, Omega = tril(C,-1) - tril(C,-1)^T
//             QTan = Q Omega + (I - Q Q^T) X,  RTan = (C - Omega) R
//
// The products with ATan are written as auxiliary primal IR (maps, builds
// and reduces of A with the primal x or A^-T held constant: b - A x, and
// sum_ij M_ij A_ij) that the generic rules linearize, so they hold in vector
// mode, are transposed by the structured ops' rules (reverse mode gets
// AAdj = -bAdj x^T and lAdj A^-T), and are differentiated again by nested
// derivatives. Taylor mode supports only solve's linear part (a tangent in
// b alone): the higher coefficients of a product with a varying A are
// refused with an error.
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"

#include "fad/AD/ADInterfaces.h"
#include "fad/AD/Transpose.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace fad;

namespace {

/// The element (or row) `i` of `array`.
Value elementAt(OpBuilder &b, Location loc, Value array, Value i) {
  auto type = cast<RankedTensorType>(array.getType());
  return b.create<IndexOp>(loc, getElementOrRowType(type), array, ValueRange{i});
}

/// A structured op created with no results, its body built, recreated with
/// the result type `type` (known only from what the body yields).
Value withResultType(OpBuilder &b, Operation *op, Type type) {
  OperationState state(op->getLoc(), op->getName());
  state.addOperands(op->getOperands());
  state.addTypes(type);
  state.addRegion()->takeBody(op->getRegion(0));
  Value result = b.create(state)->getResult(0);
  op->erase();
  return result;
}

/// `build n f`: the array of f(i) for i < n.
Value buildArray(OpBuilder &b, Location loc, Value n, function_ref<Value(Value)> f) {
  auto build = b.create<BuildOp>(loc, TypeRange{}, n);
  Value element;
  {
    OpBuilder::InsertionGuard guard(b);
    Block *body = b.createBlock(&build.getBody(), {}, {b.getI64Type()}, {loc});
    element = f(body->getArgument(0));
    b.create<YieldOp>(loc, ValueRange{element});
  }
  return withResultType(b, build, getArrayOfType(element.getType()));
}

/// `v * s` for a scalar `s`: every element of `v` (a scalar or an array of
/// any rank) times `s`.
Value scaled(OpBuilder &b, Location loc, Value v, Value s) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type)
    return b.create<MulOp>(loc, v, s);
  auto map = b.create<MapOp>(loc, TypeRange{type}, ValueRange{v});
  OpBuilder::InsertionGuard guard(b);
  Block *body = b.createBlock(&map.getBody(), {}, {getElementOrRowType(type)}, {loc});
  b.create<YieldOp>(loc, ValueRange{scaled(b, loc, body->getArgument(0), s)});
  return map.getResult(0);
}

/// The sum of the elements (or, elementwise, the rows) of a non-empty `array`.
Value sumOuter(OpBuilder &b, Location loc, Value array) {
  Type elem = getElementOrRowType(cast<RankedTensorType>(array.getType()));
  Value zero =
      isa<RankedTensorType>(elem)
          ? b.create<ZerosLikeOp>(
                 loc, elementAt(b, loc, array, b.create<arith::ConstantIntOp>(loc, 0, 64)))
                .getResult()
          : b.create<arith::ConstantOp>(loc, b.getZeroAttr(elem)).getResult();
  auto reduce = b.create<ReduceOp>(loc, TypeRange{elem}, ValueRange{zero}, ValueRange{array});
  OpBuilder::InsertionGuard guard(b);
  Block *body = b.createBlock(&reduce.getBody(), {}, {elem, elem}, {loc, loc});
  b.create<YieldOp>(loc, ValueRange{buildElementwiseAdd(b, loc, body->getArgument(0),
                                                        body->getArgument(1))});
  return reduce.getResult(0);
}

/// The rows sum_j a[i][j] x_i[j] for x_i = xOf(i) (x_i[j] a scalar or an
/// array): the matrix-vector product when every x_i is the same x.
Value rowProducts(OpBuilder &b, Location loc, Value a, function_ref<Value(Value)> xOf) {
  return buildArray(b, loc, b.create<DimOp>(loc, a, 0), [&](Value i) {
    Value row = elementAt(b, loc, a, i);
    Value x = xOf(i);
    return sumOuter(b, loc, buildArray(b, loc, b.create<DimOp>(loc, x, 0), [&](Value j) {
                      return scaled(b, loc, elementAt(b, loc, x, j), elementAt(b, loc, row, j));
                    }));
  });
}

/// The tangents of the primal expressions that `build` writes (in front of
/// `op`, reading `op`'s operands and values of the new primal program): its
/// ops are linearized like any others, then erased and forgotten. A null
/// tangent is zero.
FailureOr<SmallVector<Value>> tangentsOf(OpBuilder &b, LinearizeState &state, Operation *op,
                                         function_ref<SmallVector<Value>(OpBuilder &)> build) {
  Operation *before = op->getPrevNode();
  OpBuilder aux(op);
  SmallVector<Value> results = build(aux);
  SmallVector<Operation *> auxOps;
  for (Operation *it = before ? before->getNextNode() : &op->getBlock()->front(); it != op;
       it = it->getNextNode())
    auxOps.push_back(it);
  LogicalResult linearized = success();
  for (Operation *auxOp : auxOps)
    if (failed(linearized = state.linearizeOp(b, auxOp)))
      break;
  SmallVector<Value> tangents;
  for (Value result : results)
    tangents.push_back(succeeded(linearized) ? state.tangent(result) : Value());
  for (Operation *auxOp : llvm::reverse(auxOps))
    state.eraseOp(auxOp);
  if (failed(linearized))
    return failure();
  return tangents;
}

FailureOr<Value> tangentOf(OpBuilder &b, LinearizeState &state, Operation *op,
                           function_ref<Value(OpBuilder &)> build) {
  FailureOr<SmallVector<Value>> tangents =
      tangentsOf(b, state, op, [&](OpBuilder &aux) { return SmallVector<Value>{build(aux)}; });
  if (failed(tangents))
    return failure();
  return (*tangents)[0];
}

/// The k x k matrix of f(i, j).
Value squareMatrix(OpBuilder &b, Location loc, Value k, function_ref<Value(Value, Value)> f) {
  return buildArray(b, loc, k, [&](Value i) {
    return buildArray(b, loc, k, [&](Value j) { return f(i, j); });
  });
}

/// a[i][j].
Value at2(OpBuilder &b, Location loc, Value a, Value i, Value j) {
  return elementAt(b, loc, elementAt(b, loc, a, i), j);
}

/// The product a c of two matrices (or a matrix and a vector).
Value product(OpBuilder &b, Location loc, Value a, Value c) {
  return rowProducts(b, loc, a, [&](Value) { return c; });
}

/// x - u (u^T x): x without its part in the span of u's orthonormal columns.
Value projectOut(OpBuilder &b, Location loc, Value x, Value u, Value uT) {
  return buildElementwise<SubOp>(b, loc, x, product(b, loc, u, product(b, loc, uT, x)));
}

/// F, the k x k matrix that is 1 / (g(j) - g(i)) off the diagonal and 0 on
/// it, for a scalar function g of the index (the eigenvalues, the squared
/// singular values): inf where two values are equal.
Value offDiagonalInverseGaps(OpBuilder &b, Location loc, Value k, Type elem,
                             function_ref<Value(Value)> g) {
  return squareMatrix(b, loc, k, [&](Value i, Value j) {
    Value gap = b.create<SubOp>(loc, g(j), g(i));
    Value inverse =
        b.create<DivOp>(loc, b.create<arith::ConstantOp>(loc, b.getFloatAttr(elem, 1.0)), gap);
    Value same = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, i, j);
    return b.create<arith::SelectOp>(
        loc, same, b.create<arith::ConstantOp>(loc, b.getFloatAttr(elem, 0.0)), inverse);
  });
}

LogicalResult refuseTaylor(Operation *op, LinearizeState &state) {
  if (!state.taylorOrder)
    return success();
  return op->emitError("Taylor mode (taylor, or jvp nested in taylor) through ")
         << op->getName() << " with a varying matrix is not supported";
}

/// `a` with the entries outside its lower (upper) triangle zero.
Value triangle(OpBuilder &b, Location loc, Value a, bool lower) {
  Type elem = cast<RankedTensorType>(a.getType()).getElementType();
  Value n = b.create<DimOp>(loc, a, 0);
  return buildArray(b, loc, n, [&](Value i) {
    Value row = elementAt(b, loc, a, i);
    return buildArray(b, loc, n, [&](Value j) {
      Value inside = b.create<arith::CmpIOp>(
          loc, lower ? arith::CmpIPredicate::sle : arith::CmpIPredicate::sge, j, i);
      return b.create<arith::SelectOp>(loc, inside, elementAt(b, loc, row, j),
                                       b.create<arith::ConstantOp>(loc, b.getZeroAttr(elem)));
    });
  });
}

/// A solve like `like` (the same triangle) of `matrix` and `rhs`.
Value solveLike(OpBuilder &b, SolveOp like, Value matrix, Value rhs, bool transpose) {
  return b.create<SolveOp>(like.getLoc(), rhs.getType(), matrix, rhs, transpose,
                           like.getLower(), like.getUpper());
}

struct SolveLinearize : LinearizeOpInterface::ExternalModel<SolveLinearize, SolveOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto solve = cast<SolveOp>(op);
    Location loc = solve.getLoc();
    Value x = b.clone(*op, state.primalMapping())->getResult(0);
    if (!state.readsTangent(op))
      return success();
    if (state.tangent(solve.getMatrix()) && failed(refuseTaylor(op, state)))
      return failure();
    // The tangent of b - A x with x held constant: bTan - ATan x.
    FailureOr<Value> rhsTan = tangentOf(b, state, op, [&](OpBuilder &aux) {
      Value a = solve.getMatrix();
      if (solve.getLower() || solve.getUpper())
        a = triangle(aux, loc, a, solve.getLower());
      if (solve.getTranspose())
        a = aux.create<TransposeOp>(loc, a);
      return buildElementwise<SubOp>(aux, loc, solve.getRhs(),
                                     rowProducts(aux, loc, a, [&](Value) { return x; }));
    });
    if (failed(rhsTan))
      return failure();
    if (*rhsTan)
      state.setTangent(solve.getResult(), solveLike(b, solve, state.primal(solve.getMatrix()),
                                                    *rhsTan, solve.getTranspose()));
    return success();
  }
};

struct SolveTranspose : TransposeOpInterface::ExternalModel<SolveTranspose, SolveOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto solve = cast<SolveOp>(op);
    // SolveLinearize only ever makes the right-hand side linear.
    assert(!state.isLinear(solve.getMatrix()) && "fad.solve is not linear in its matrix");
    Value resultAdj = state.adjoint(solve.getResult());
    if (!resultAdj)
      return success();
    state.addAdjoint(b, solve.getLoc(), solve.getRhs(),
                     solveLike(b, solve, state.primal(solve.getMatrix()), resultAdj,
                               !solve.getTranspose()));
    return success();
  }
};

struct SlogdetLinearize : LinearizeOpInterface::ExternalModel<SlogdetLinearize, SlogdetOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto slogdet = cast<SlogdetOp>(op);
    Location loc = slogdet.getLoc();
    b.clone(*op, state.primalMapping());
    if (!state.tangent(slogdet.getMatrix()))
      return success();
    if (failed(refuseTaylor(op, state)))
      return failure();
    // M = A^-T, held constant; then the tangent of sum_ij M_ij A_ij.
    Value a = state.primal(slogdet.getMatrix());
    Type elem = slogdet.getSign().getType();
    Value n = b.create<DimOp>(loc, a, 0);
    Value eye = squareMatrix(b, loc, n, [&](Value i, Value j) {
      Value same = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, i, j);
      return b.create<arith::SelectOp>(
          loc, same, b.create<arith::ConstantOp>(loc, b.getFloatAttr(elem, 1.0)),
          b.create<arith::ConstantOp>(loc, b.getFloatAttr(elem, 0.0)));
    });
    Value inverseT = b.create<SolveOp>(loc, eye.getType(), a, eye, /*transpose=*/true);
    FailureOr<Value> tangent = tangentOf(b, state, op, [&](OpBuilder &aux) {
      Value rows = rowProducts(aux, loc, slogdet.getMatrix(),
                               [&](Value i) { return elementAt(aux, loc, inverseT, i); });
      Value zero = aux.create<arith::ConstantOp>(loc, aux.getFloatAttr(elem, 0.0));
      auto reduce = aux.create<ReduceOp>(loc, TypeRange{elem}, ValueRange{zero}, ValueRange{rows});
      OpBuilder::InsertionGuard guard(aux);
      Block *body = aux.createBlock(&reduce.getBody(), {}, {elem, elem}, {loc, loc});
      aux.create<YieldOp>(loc, ValueRange{aux.create<AddOp>(loc, body->getArgument(0),
                                                            body->getArgument(1))});
      return reduce.getResult(0);
    });
    if (failed(tangent))
      return failure();
    state.setTangent(slogdet.getLogabsdet(), *tangent);
    return success();
  }
};

struct EighLinearize : LinearizeOpInterface::ExternalModel<EighLinearize, EighOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto eigh = cast<EighOp>(op);
    Location loc = eigh.getLoc();
    Operation *primal = b.clone(*op, state.primalMapping());
    if (!state.tangent(eigh.getMatrix()))
      return success();
    if (failed(refuseTaylor(op, state)))
      return failure();
    Value w = primal->getResult(0), v = primal->getResult(1);
    Type elem = cast<RankedTensorType>(w.getType()).getElementType();
    Value n = b.create<DimOp>(loc, v, 0);
    // F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it (inf for equal
    // eigenvalues: their eigenvectors' derivatives are undefined).
    Value f = offDiagonalInverseGaps(
        b, loc, n, elem, [&](Value i) { return elementAt(b, loc, w, i); });
    Value vT = b.create<TransposeOp>(loc, v);
    // With S = (A + A^T)/2 and P = V^T S V: wTan = diag P, VTan = V (F o P).
    FailureOr<SmallVector<Value>> tangents = tangentsOf(b, state, op, [&](OpBuilder &aux) {
      Value a = eigh.getMatrix();
      Value sym = scaled(aux, loc, buildElementwise<AddOp>(aux, loc, a, aux.create<TransposeOp>(loc, a)),
                         aux.create<arith::ConstantOp>(loc, aux.getFloatAttr(elem, 0.5)));
      Value p = product(aux, loc, vT, product(aux, loc, sym, v));
      Value diagonal = buildArray(aux, loc, n, [&](Value i) { return at2(aux, loc, p, i, i); });
      Value fp = squareMatrix(aux, loc, n, [&](Value i, Value j) {
        return aux.create<MulOp>(loc, at2(aux, loc, f, i, j), at2(aux, loc, p, i, j)).getResult();
      });
      return SmallVector<Value>{diagonal, product(aux, loc, v, fp)};
    });
    if (failed(tangents))
      return failure();
    state.setTangent(eigh.getValues(), (*tangents)[0]);
    state.setTangent(eigh.getVectors(), (*tangents)[1]);
    return success();
  }
};

struct SvdLinearize : LinearizeOpInterface::ExternalModel<SvdLinearize, SvdOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto svd = cast<SvdOp>(op);
    Location loc = svd.getLoc();
    Operation *primal = b.clone(*op, state.primalMapping());
    if (!state.tangent(svd.getMatrix()))
      return success();
    if (failed(refuseTaylor(op, state)))
      return failure();
    Value u = primal->getResult(0), s = primal->getResult(1), vT = primal->getResult(2);
    Type elem = cast<RankedTensorType>(s.getType()).getElementType();
    Value uT = b.create<TransposeOp>(loc, u), v = b.create<TransposeOp>(loc, vT);
    Value k = b.create<DimOp>(loc, s, 0);
    auto constant = [&](double x) {
      return b.create<arith::ConstantOp>(loc, b.getFloatAttr(elem, x)).getResult();
    };
    // F_ij = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it; 1 / s.
    Value f = offDiagonalInverseGaps(b, loc, k, elem, [&](Value i) {
      Value si = elementAt(b, loc, s, i);
      return b.create<MulOp>(loc, si, si).getResult();
    });
    Value inverse = buildArray(b, loc, k, [&](Value j) {
      return b.create<DivOp>(loc, constant(1.0), elementAt(b, loc, s, j)).getResult();
    });
    // With P = U^T ATan V: sTan = diag P,
    //   UTan = U (F o (P S + S P^T)) + (I - U U^T) ATan V S^-1,
    //   VTan = V (F o (S P + P^T S)) + (I - V V^T) ATan^T U S^-1.
    FailureOr<SmallVector<Value>> tangents = tangentsOf(b, state, op, [&](OpBuilder &aux) {
      Value a = svd.getMatrix();
      auto scaledColumns = [&](Value x) { // x S^-1
        return buildArray(aux, loc, aux.create<DimOp>(loc, x, 0), [&](Value i) {
          return buildArray(aux, loc, k, [&](Value j) {
            return aux.create<MulOp>(loc, at2(aux, loc, x, i, j), elementAt(aux, loc, inverse, j))
                .getResult();
          });
        });
      };
      Value av = product(aux, loc, a, v);
      Value p = product(aux, loc, uT, av);
      Value sTan = buildArray(aux, loc, k, [&](Value i) { return at2(aux, loc, p, i, i); });
      auto mixed = [&](bool left) {
        return squareMatrix(aux, loc, k, [&](Value i, Value j) {
          Value si = elementAt(aux, loc, s, i), sj = elementAt(aux, loc, s, j);
          Value pij = at2(aux, loc, p, i, j), pji = at2(aux, loc, p, j, i);
          Value sum = left ? aux.create<AddOp>(loc, aux.create<MulOp>(loc, pij, sj),
                                               aux.create<MulOp>(loc, si, pji))
                           : aux.create<AddOp>(loc, aux.create<MulOp>(loc, si, pij),
                                               aux.create<MulOp>(loc, pji, sj));
          return aux.create<MulOp>(loc, at2(aux, loc, f, i, j), sum).getResult();
        });
      };
      Value uTan = buildElementwise<AddOp>(aux, loc, product(aux, loc, u, mixed(true)),
                                           projectOut(aux, loc, scaledColumns(av), u, uT));
      Value atu = product(aux, loc, aux.create<TransposeOp>(loc, a), u);
      Value vTan = buildElementwise<AddOp>(aux, loc, product(aux, loc, v, mixed(false)),
                                           projectOut(aux, loc, scaledColumns(atu), v, vT));
      return SmallVector<Value>{uTan, sTan, aux.create<TransposeOp>(loc, vTan)};
    });
    if (failed(tangents))
      return failure();
    for (auto [result, tangent] : llvm::zip_equal(svd.getResults(), *tangents))
      state.setTangent(result, tangent);
    return success();
  }
};

struct QrLinearize : LinearizeOpInterface::ExternalModel<QrLinearize, QrOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto qr = cast<QrOp>(op);
    Location loc = qr.getLoc();
    Operation *primal = b.clone(*op, state.primalMapping());
    if (!state.tangent(qr.getMatrix()))
      return success();
    if (failed(refuseTaylor(op, state)))
      return failure();
    Value q = primal->getResult(0), r = primal->getResult(1);
    Value qT = b.create<TransposeOp>(loc, q);
    Value n = b.create<DimOp>(loc, r, 0);
    // With X = ATan R^-1 and C = Q^T X, Omega = tril(C, -1) - tril(C, -1)^T:
    //   QTan = Q Omega + (I - Q Q^T) X,  RTan = (C - Omega) R.
    FailureOr<SmallVector<Value>> tangents = tangentsOf(b, state, op, [&](OpBuilder &aux) {
      Value aT = aux.create<TransposeOp>(loc, qr.getMatrix());
      // X^T = R^-T A^T: one triangular solve with R^T.
      Value xT = aux.create<SolveOp>(loc, aT.getType(), r, aT, /*transpose=*/true,
                                     /*lower=*/false, /*upper=*/true);
      Value x = aux.create<TransposeOp>(loc, xT);
      Value c = product(aux, loc, qT, x);
      Value omega = squareMatrix(aux, loc, n, [&](Value i, Value j) {
        Value below = aux.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, i, j);
        Value above = aux.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, j);
        Value cij = at2(aux, loc, c, i, j), cji = at2(aux, loc, c, j, i);
        Value zero = aux.create<arith::ConstantOp>(loc, aux.getZeroAttr(cij.getType()));
        return aux.create<arith::SelectOp>(
            loc, below, cij,
            aux.create<arith::SelectOp>(loc, above, aux.create<NegOp>(loc, cji), zero));
      });
      Value qTan = buildElementwise<AddOp>(aux, loc, product(aux, loc, q, omega),
                                           projectOut(aux, loc, x, q, qT));
      Value rTan = product(aux, loc, buildElementwise<SubOp>(aux, loc, c, omega), r);
      return SmallVector<Value>{qTan, rTan};
    });
    if (failed(tangents))
      return failure();
    state.setTangent(qr.getQ(), (*tangents)[0]);
    state.setTangent(qr.getR(), (*tangents)[1]);
    return success();
  }
};

} // namespace

void fad::detail::registerLinalgRules(MLIRContext *ctx) {
  SolveOp::attachInterface<SolveLinearize, SolveTranspose>(*ctx);
  SlogdetOp::attachInterface<SlogdetLinearize>(*ctx);
  EighOp::attachInterface<EighLinearize>(*ctx);
  SvdOp::attachInterface<SvdLinearize>(*ctx);
  QrOp::attachInterface<QrLinearize>(*ctx);
}
