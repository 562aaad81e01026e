//===- TaylorBound.cpp - Taylor remainder enclosures (AutoBound) --*- C++ -*-===//
//
// This file implements the expansion of fad.taylor_bound: interval Taylor
// arithmetic after Streeter & Dillon, "Automatically bounding the Taylor
// remainder series" (2022). Every value v of the body is an enclosure
//   v(x) in sum_{i<=k} v_i h^i + [R] h^(k+1),   h = x - x0, x in [a, b],
// with exact coefficients v_i and an interval R. Sums add; products fold the
// terms of degree above k into R with interval powers of H = [a-x0, b-x0];
// an elementary function s(u) expands around u0 = u_0 in powers of
// y = u - u0 and encloses the remainder ratio
//   r(y) = (s(u0 + y) - sum_{i<=k} s_i y^i) / y^(k+1)
// over the range Y of y: for exp, log, sqrt and 1/u the (k+1)-th derivative
// is monotone, so r is, and [min, max] of r at the ends of Y is the sharp
// enclosure; sin and cos use the Lagrange bound |r| <= 1/(k+1)!. The
// ops are generated at the taylor_bound's place as ordinary fad IR.
//
//===----------------------------------------------------------------------===//

#include "Expansion.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/DenseMap.h"

#include <cmath>

using namespace mlir;
using namespace fad;

namespace {
struct Interval {
  Value lo, hi;
};

/// An enclosure: coefficients 0..k and the interval remainder.
struct Enclosure {
  SmallVector<Value> c;
  Interval r;
};

class BoundBuilder {
public:
  BoundBuilder(OpBuilder &b, Location loc, unsigned k, Value x0, Value a, Value bb)
      : b(b), loc(loc), k(k) {
    h = {sub(a, x0), sub(bb, x0)};
  }

  Value constant(double v) { return b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(v)); }
  Value add(Value x, Value y) { return b.create<AddOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<SubOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<MulOp>(loc, x, y); }
  Value div(Value x, Value y) { return b.create<DivOp>(loc, x, y); }
  Value min(Value x, Value y) { return b.create<MinOp>(loc, x, y); }
  Value max(Value x, Value y) { return b.create<MaxOp>(loc, x, y); }

  Interval point(Value v) { return {v, v}; }
  Interval iadd(Interval x, Interval y) { return {add(x.lo, y.lo), add(x.hi, y.hi)}; }
  Interval iscale(Value s, Interval x) {
    Value p = mul(s, x.lo), q = mul(s, x.hi);
    return {min(p, q), max(p, q)};
  }
  Interval imul(Interval x, Interval y) {
    Value p1 = mul(x.lo, y.lo), p2 = mul(x.lo, y.hi), p3 = mul(x.hi, y.lo), p4 = mul(x.hi, y.hi);
    return {min(min(p1, p2), min(p3, p4)), max(max(p1, p2), max(p3, p4))};
  }
  Interval ipow(Interval x, unsigned n) {
    Interval result = point(constant(1.0));
    for (unsigned i = 0; i < n; ++i)
      result = imul(result, x);
    return result;
  }
  /// The range of sum_i c_i H^i + R H^(k+1) over H (an enclosure).
  Interval range(ArrayRef<Value> c, Interval r, unsigned degree) {
    Interval total = point(c.empty() ? constant(0.0) : c[0]);
    for (unsigned i = 1; i < c.size(); ++i)
      total = iadd(total, iscale(c[i], ipow(h, i)));
    return iadd(total, imul(r, ipow(h, degree)));
  }
  Interval range(const Enclosure &e) { return range(e.c, e.r, k + 1); }

  Enclosure constantEnclosure(Value v) {
    Enclosure e{{v}, point(constant(0.0))};
    for (unsigned i = 1; i <= k; ++i)
      e.c.push_back(constant(0.0));
    return e;
  }

  Enclosure plus(const Enclosure &x, const Enclosure &y, bool subtract) {
    Enclosure z;
    for (unsigned i = 0; i <= k; ++i)
      z.c.push_back(subtract ? sub(x.c[i], y.c[i]) : add(x.c[i], y.c[i]));
    z.r = subtract ? Interval{sub(x.r.lo, y.r.hi), sub(x.r.hi, y.r.lo)} : iadd(x.r, y.r);
    return z;
  }

  Enclosure scaled(Value s, const Enclosure &x) {
    Enclosure z;
    for (Value c : x.c)
      z.c.push_back(mul(s, c));
    z.r = iscale(s, x.r);
    return z;
  }

  /// x * y: terms of degree <= k are exact; the others join the remainder.
  Enclosure times(const Enclosure &x, const Enclosure &y) {
    Enclosure z;
    z.r = point(constant(0.0));
    for (unsigned d = 0; d <= 2 * k; ++d) {
      Value term;
      for (unsigned i = 0; i <= k; ++i)
        if (d >= i && d - i <= k)
          term = term ? add(term, mul(x.c[i], y.c[d - i])) : mul(x.c[i], y.c[d - i]);
      if (d <= k)
        z.c.push_back(term);
      else
        z.r = iadd(z.r, iscale(term, ipow(h, d - k - 1)));
    }
    // Remainder terms: R_x h^(k+1) y(h) + R_y h^(k+1) x_poly(h).
    z.r = iadd(z.r, imul(x.r, range(y)));
    z.r = iadd(z.r, imul(y.r, range(x.c, point(constant(0.0)), k + 1)));
    return z;
  }

  /// s(u) for an elementary s with Taylor coefficients s_0..s_k at u0 and a
  /// remainder-ratio enclosure over the range of y = u - u0.
  Enclosure compose(const Enclosure &u, ArrayRef<Value> s, Interval ratio) {
    // v = u - u0 (no constant term); w = v / h.
    Enclosure v = u;
    v.c[0] = constant(0.0);
    Enclosure result = constantEnclosure(s[0]);
    Enclosure power = v;
    for (unsigned i = 1; i <= k; ++i) {
      result = plus(result, scaled(s[i], power), false);
      if (i < k)
        power = times(power, v);
    }
    SmallVector<Value> w(v.c.begin() + 1, v.c.end());
    Interval wRange = range(w, v.r, k);
    result.r = iadd(result.r, imul(ratio, ipow(wRange, k + 1)));
    return result;
  }

  /// The range of y = u - u0 over the trust region.
  Interval yRange(const Enclosure &u) {
    Enclosure v = u;
    v.c[0] = constant(0.0);
    return range(v);
  }

  /// [min, max] of the remainder ratio at the ends of Y, for a function with
  /// a monotone (k+1)-th derivative (so a monotone ratio): `value(y)` is
  /// s(u0 + y); at y = 0 the ratio is s_{k+1}.
  Interval sharpRatio(Interval y, ArrayRef<Value> s, Value next, function_ref<Value(Value)> value) {
    auto ratioAt = [&](Value yv) {
      Value poly = s[0];
      Value yi = constant(1.0);
      for (unsigned i = 1; i <= k; ++i) {
        yi = mul(yi, yv);
        poly = add(poly, mul(s[i], yi));
      }
      Value yk1 = mul(yi, yv);
      Value formula = div(sub(value(yv), poly), yk1);
      Value isZero = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, yv, constant(0.0));
      return b.create<arith::SelectOp>(loc, isZero, next, formula).getResult();
    };
    Value lo = ratioAt(y.lo), hi = ratioAt(y.hi);
    return {min(lo, hi), max(lo, hi)};
  }

  OpBuilder &b;
  Location loc;
  unsigned k;
  Interval h;
};

double factorial(unsigned n) {
  double f = 1;
  for (unsigned i = 2; i <= n; ++i)
    f *= i;
  return f;
}
} // namespace

LogicalResult fad::expandTaylorBound(TaylorBoundOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  unsigned k = op.getOrder();
  BoundBuilder bb(b, loc, k, op.getX0(), op.getLower(), op.getUpper());
  Block &body = op.getBody().front();
  DenseMap<Value, Enclosure> enclosures;
  // x = x0 + 1 h.
  Enclosure x = bb.constantEnclosure(op.getX0());
  if (k >= 1)
    x.c[1] = bb.constant(1.0);
  else
    x.r = bb.point(bb.constant(1.0)); // order 0: the h term is the remainder
  enclosures[body.getArgument(0)] = x;

  auto get = [&](Value v) -> FailureOr<Enclosure> {
    auto it = enclosures.find(v);
    if (it != enclosures.end())
      return it->second;
    return failure();
  };

  // An elementary function of an enclosure: exp, log, sqrt, 1/u, sin, cos.
  enum class Fn { Exp, Log, Sqrt, Recip, Sin, Cos };
  auto elementary = [&](Fn fn, const Enclosure &u) -> Enclosure {
    Value u0 = u.c[0];
    Interval y = bb.yRange(u);
    SmallVector<Value> s;
    Interval ratio;
    if (fn == Fn::Exp) {
      Value e0 = b.create<ExpOp>(loc, u0);
      for (unsigned i = 0; i <= k + 1; ++i)
        s.push_back(bb.mul(e0, bb.constant(1.0 / factorial(i))));
      ratio = bb.sharpRatio(y, ArrayRef<Value>(s).take_front(k + 1), s[k + 1], [&](Value yv) {
        return b.create<ExpOp>(loc, bb.add(u0, yv)).getResult();
      });
    } else if (fn == Fn::Log) {
      s.push_back(b.create<LogOp>(loc, u0));
      Value power = bb.constant(1.0);
      for (unsigned i = 1; i <= k + 1; ++i) {
        power = bb.mul(power, u0);
        s.push_back(bb.div(bb.constant((i % 2 ? 1.0 : -1.0) / i), power));
      }
      ratio = bb.sharpRatio(y, ArrayRef<Value>(s).take_front(k + 1), s[k + 1], [&](Value yv) {
        return b.create<LogOp>(loc, bb.add(u0, yv)).getResult();
      });
    } else if (fn == Fn::Sqrt) {
      Value root = b.create<SqrtOp>(loc, u0);
      Value power = bb.constant(1.0);
      double binomial = 1.0;
      for (unsigned i = 0; i <= k + 1; ++i) {
        if (i > 0) {
          binomial *= (0.5 - (i - 1)) / i;
          power = bb.mul(power, u0);
        }
        s.push_back(bb.div(bb.mul(bb.constant(binomial), root), power));
      }
      ratio = bb.sharpRatio(y, ArrayRef<Value>(s).take_front(k + 1), s[k + 1], [&](Value yv) {
        return b.create<SqrtOp>(loc, bb.add(u0, yv)).getResult();
      });
    } else if (fn == Fn::Recip) {
      // 1/u: s_i = (-1)^i / u0^(i+1).
      Value power = u0;
      for (unsigned i = 0; i <= k + 1; ++i) {
        s.push_back(bb.div(bb.constant(i % 2 ? -1.0 : 1.0), power));
        power = bb.mul(power, u0);
      }
      ratio = bb.sharpRatio(y, ArrayRef<Value>(s).take_front(k + 1), s[k + 1],
                            [&](Value yv) { return bb.div(bb.constant(1.0), bb.add(u0, yv)); });
    } else {
      // sin and cos: derivatives cycle through +-sin, +-cos. Where the
      // (k+1)-th derivative is monotone over the argument's range (the range
      // holds no zero of the (k+2)-th), the ratio is monotone and its
      // endpoint values are the sharp enclosure; otherwise the Lagrange
      // bound |r| <= 1/(k+1)! holds.
      bool isSin = fn == Fn::Sin;
      Value sv = b.create<SinOp>(loc, u0), cv = b.create<CosOp>(loc, u0);
      Value cycle[4] = {isSin ? sv : cv, isSin ? cv : bb.mul(bb.constant(-1.0), sv),
                        isSin ? bb.mul(bb.constant(-1.0), sv) : bb.mul(bb.constant(-1.0), cv),
                        isSin ? bb.mul(bb.constant(-1.0), cv) : sv};
      for (unsigned i = 0; i <= k + 1; ++i)
        s.push_back(bb.mul(cycle[i % 4], bb.constant(1.0 / factorial(i))));
      Interval sharp =
          bb.sharpRatio(y, ArrayRef<Value>(s).take_front(k + 1), s[k + 1], [&](Value yv) {
            Value arg = bb.add(u0, yv);
            return isSin ? b.create<SinOp>(loc, arg).getResult()
                         : b.create<CosOp>(loc, arg).getResult();
          });
      // The (k+2)-th derivative of sin is +-sin (k even) or +-cos (k odd)
      // (swapped for cos); its zeros are at offset + n pi.
      bool zerosOfSin = (k % 2 == 0) == isSin;
      double offset = zerosOfSin ? 0.0 : M_PI / 2;
      Value lo = bb.div(bb.sub(bb.add(u0, y.lo), bb.constant(offset)), bb.constant(M_PI));
      Value hi = bb.div(bb.sub(bb.add(u0, y.hi), bb.constant(offset)), bb.constant(M_PI));
      Value zeroInside = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLE,
                                                 b.create<CeilOp>(loc, lo), b.create<FloorOp>(loc, hi));
      Value bound = bb.constant(1.0 / factorial(k + 1));
      Value negBound = bb.mul(bb.constant(-1.0), bound);
      ratio = {b.create<arith::SelectOp>(loc, zeroInside, negBound, sharp.lo),
               b.create<arith::SelectOp>(loc, zeroInside, bound, sharp.hi)};
    }
    return bb.compose(u, ArrayRef<Value>(s).take_front(k + 1), ratio);
  };

  for (Operation &inner : body.without_terminator()) {
    Value result = inner.getNumResults() == 1 ? inner.getResult(0) : Value();
    if (!result || !result.getType().isF64())
      return inner.emitOpError("is not supported by taylor_bound (scalar f64 code of "
                               "+ - * / exp log sqrt sin cos tan tanh and constant powers only)");
    if (auto constant = dyn_cast<arith::ConstantOp>(inner)) {
      enclosures[result] = bb.constantEnclosure(b.clone(inner)->getResult(0));
      continue;
    }
    SmallVector<Enclosure> in;
    for (Value operand : inner.getOperands()) {
      FailureOr<Enclosure> e = get(operand);
      if (failed(e)) {
        // A value from outside the body is a constant of the bound.
        if (operand.getType().isF64()) {
          in.push_back(bb.constantEnclosure(operand));
          continue;
        }
        return inner.emitOpError("is not supported by taylor_bound");
      }
      in.push_back(*e);
    }
    Enclosure out;
    if (isa<AddOp, SubOp>(inner)) {
      out = bb.plus(in[0], in[1], isa<SubOp>(inner));
    } else if (isa<NegOp>(inner)) {
      out = bb.scaled(bb.constant(-1.0), in[0]);
    } else if (isa<MulOp>(inner)) {
      out = bb.times(in[0], in[1]);
    } else if (isa<ExpOp, LogOp, SqrtOp, DivOp, SinOp, CosOp, PowOp>(inner)) {
      // The argument u of the elementary function (1/u for a division).
      Enclosure u = isa<DivOp>(inner) ? in[1] : in[0];
      if (auto pow = dyn_cast<PowOp>(inner)) {
        // Constant integer powers multiply; other constant exponents are
        // exp (a log u).
        auto exponent = pow.getRhs().getDefiningOp<arith::ConstantOp>();
        auto value = exponent ? dyn_cast<FloatAttr>(exponent.getValue()) : FloatAttr();
        if (!value || !in[1].c.size())
          return inner.emitOpError("taylor_bound needs a constant exponent");
        double a = value.getValueAsDouble();
        if (a >= 0 && a <= 16 && a == std::floor(a)) {
          out = bb.constantEnclosure(bb.constant(1.0));
          for (int i = 0; i < (int)a; ++i)
            out = bb.times(out, u);
          enclosures[result] = out;
          continue;
        }
        return inner.emitOpError("taylor_bound supports integer constant powers only");
      }
      if (isa<DivOp>(inner))
        out = bb.times(in[0], elementary(Fn::Recip, u));
      else if (isa<ExpOp>(inner))
        out = elementary(Fn::Exp, u);
      else if (isa<LogOp>(inner))
        out = elementary(Fn::Log, u);
      else if (isa<SqrtOp>(inner))
        out = elementary(Fn::Sqrt, u);
      else if (isa<SinOp>(inner))
        out = elementary(Fn::Sin, u);
      else
        out = elementary(Fn::Cos, u);
    } else if (isa<TanhOp>(inner)) {
      // tanh u = 1 - 2 / (exp (2 u) + 1), by composition.
      Enclosure e = elementary(Fn::Exp, bb.scaled(bb.constant(2.0), in[0]));
      Enclosure denominator = bb.plus(e, bb.constantEnclosure(bb.constant(1.0)), false);
      out = bb.plus(bb.constantEnclosure(bb.constant(1.0)),
                    bb.scaled(bb.constant(2.0), elementary(Fn::Recip, denominator)), true);
    } else if (isa<TanOp>(inner)) {
      // tan u = sin u / cos u.
      out = bb.times(elementary(Fn::Sin, in[0]), elementary(Fn::Recip, elementary(Fn::Cos, in[0])));
    } else {
      return inner.emitOpError("is not supported by taylor_bound (scalar f64 code of "
                               "+ - * / exp log sqrt sin cos tan tanh and constant powers only)");
    }
    enclosures[result] = out;
  }
  FailureOr<Enclosure> f = get(cast<YieldOp>(body.getTerminator()).getValues()[0]);
  if (failed(f))
    return op.emitOpError("the function's result must be computed from its argument");
  Value coefficients = b.create<ArrayOp>(loc, op.getCoefficients().getType(), f->c);
  op.getCoefficients().replaceAllUsesWith(coefficients);
  op.getLo().replaceAllUsesWith(f->r.lo);
  op.getHi().replaceAllUsesWith(f->r.hi);
  op.erase();
  return success();
}
