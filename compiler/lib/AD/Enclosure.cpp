//===- Enclosure.cpp - Interval Taylor enclosures (AutoBound) -----*- C++ -*-===//
//
// This file implements EnclosureBuilder (Enclosure.h): sums add; products
// fold the terms of degree above k into the remainder with interval powers
// of H = [a - x0, b - x0]; an elementary function s(u) expands around
// u0 = u_0 in powers of y = u - u0 and encloses the remainder ratio
//   r(y) = (s(u0 + y) - sum_{i<=k} s_i y^i) / y^(k+1)
// over the range Y of y.
//
//===----------------------------------------------------------------------===//

#include "fad/AD/Enclosure.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;
using namespace fad;

static double factorial(unsigned n) {
  double f = 1;
  for (unsigned i = 2; i <= n; ++i)
    f *= i;
  return f;
}

EnclosureBuilder::EnclosureBuilder(OpBuilder &b, Location loc, unsigned k, Value x0, Value a,
                                   Value bb)
    : b(b), loc(loc), k(k) {
  h = {sub(a, x0), sub(bb, x0)};
}

Value EnclosureBuilder::constant(double v) {
  return b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(v));
}
Value EnclosureBuilder::add(Value x, Value y) { return b.create<AddOp>(loc, x, y); }
Value EnclosureBuilder::sub(Value x, Value y) { return b.create<SubOp>(loc, x, y); }
Value EnclosureBuilder::mul(Value x, Value y) { return b.create<MulOp>(loc, x, y); }
Value EnclosureBuilder::div(Value x, Value y) { return b.create<DivOp>(loc, x, y); }
Value EnclosureBuilder::min(Value x, Value y) { return b.create<MinOp>(loc, x, y); }
Value EnclosureBuilder::max(Value x, Value y) { return b.create<MaxOp>(loc, x, y); }

Interval EnclosureBuilder::iadd(Interval x, Interval y) {
  return {add(x.lo, y.lo), add(x.hi, y.hi)};
}
Interval EnclosureBuilder::iscale(Value s, Interval x) {
  Value p = mul(s, x.lo), q = mul(s, x.hi);
  return {min(p, q), max(p, q)};
}
Interval EnclosureBuilder::imul(Interval x, Interval y) {
  Value p1 = mul(x.lo, y.lo), p2 = mul(x.lo, y.hi), p3 = mul(x.hi, y.lo), p4 = mul(x.hi, y.hi);
  return {min(min(p1, p2), min(p3, p4)), max(max(p1, p2), max(p3, p4))};
}
Interval EnclosureBuilder::ipow(Interval x, unsigned n) {
  Interval result = point(constant(1.0));
  for (unsigned i = 0; i < n; ++i)
    result = imul(result, x);
  return result;
}

/// The range of sum_i c_i H^i + R H^degree over H (an enclosure).
Interval EnclosureBuilder::range(ArrayRef<Value> c, Interval r, unsigned degree) {
  Interval total = point(c.empty() ? constant(0.0) : c[0]);
  for (unsigned i = 1; i < c.size(); ++i)
    total = iadd(total, iscale(c[i], ipow(h, i)));
  return iadd(total, imul(r, ipow(h, degree)));
}

Enclosure EnclosureBuilder::constantEnclosure(Value v) {
  Enclosure e{{v}, point(constant(0.0))};
  for (unsigned i = 1; i <= k; ++i)
    e.c.push_back(constant(0.0));
  return e;
}

Enclosure EnclosureBuilder::plus(const Enclosure &x, const Enclosure &y, bool subtract) {
  Enclosure z;
  for (unsigned i = 0; i <= k; ++i)
    z.c.push_back(subtract ? sub(x.c[i], y.c[i]) : add(x.c[i], y.c[i]));
  z.r = subtract ? Interval{sub(x.r.lo, y.r.hi), sub(x.r.hi, y.r.lo)} : iadd(x.r, y.r);
  return z;
}

Enclosure EnclosureBuilder::scaled(Value s, const Enclosure &x) {
  Enclosure z;
  for (Value c : x.c)
    z.c.push_back(mul(s, c));
  z.r = iscale(s, x.r);
  return z;
}

Enclosure EnclosureBuilder::times(const Enclosure &x, const Enclosure &y) {
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
Enclosure EnclosureBuilder::compose(const Enclosure &u, ArrayRef<Value> s, Interval ratio) {
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
Interval EnclosureBuilder::yRange(const Enclosure &u) {
  Enclosure v = u;
  v.c[0] = constant(0.0);
  return range(v);
}

/// [min, max] of the remainder ratio at the ends of Y, for a function with
/// a monotone (k+1)-th derivative (so a monotone ratio): `value(y)` is
/// s(u0 + y); at y = 0 the ratio is s_{k+1}.
Interval EnclosureBuilder::sharpRatio(Interval y, ArrayRef<Value> s, Value next,
                                      function_ref<Value(Value)> value) {
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

Enclosure EnclosureBuilder::elementary(Function fn, const Enclosure &u) {
  Value u0 = u.c[0];
  Interval y = yRange(u);
  SmallVector<Value> s;
  Interval ratio;
  if (fn == Function::Exp) {
    Value e0 = b.create<ExpOp>(loc, u0);
    for (unsigned i = 0; i <= k + 1; ++i)
      s.push_back(mul(e0, constant(1.0 / factorial(i))));
    ratio = sharpRatio(y, ArrayRef<Value>(s).take_front(k + 1), s[k + 1], [&](Value yv) {
      return b.create<ExpOp>(loc, add(u0, yv)).getResult();
    });
  } else if (fn == Function::Log) {
    s.push_back(b.create<LogOp>(loc, u0));
    Value power = constant(1.0);
    for (unsigned i = 1; i <= k + 1; ++i) {
      power = mul(power, u0);
      s.push_back(div(constant((i % 2 ? 1.0 : -1.0) / i), power));
    }
    ratio = sharpRatio(y, ArrayRef<Value>(s).take_front(k + 1), s[k + 1], [&](Value yv) {
      return b.create<LogOp>(loc, add(u0, yv)).getResult();
    });
  } else if (fn == Function::Sqrt) {
    Value root = b.create<SqrtOp>(loc, u0);
    Value power = constant(1.0);
    double binomial = 1.0;
    for (unsigned i = 0; i <= k + 1; ++i) {
      if (i > 0) {
        binomial *= (0.5 - (i - 1)) / i;
        power = mul(power, u0);
      }
      s.push_back(div(mul(constant(binomial), root), power));
    }
    ratio = sharpRatio(y, ArrayRef<Value>(s).take_front(k + 1), s[k + 1], [&](Value yv) {
      return b.create<SqrtOp>(loc, add(u0, yv)).getResult();
    });
  } else if (fn == Function::Reciprocal) {
    // 1/u: s_i = (-1)^i / u0^(i+1).
    Value power = u0;
    for (unsigned i = 0; i <= k + 1; ++i) {
      s.push_back(div(constant(i % 2 ? -1.0 : 1.0), power));
      power = mul(power, u0);
    }
    ratio = sharpRatio(y, ArrayRef<Value>(s).take_front(k + 1), s[k + 1],
                          [&](Value yv) { return div(constant(1.0), add(u0, yv)); });
  } else {
    // sin and cos: derivatives cycle through +-sin, +-cos. Where the
    // (k+1)-th derivative is monotone over the argument's range (the range
    // holds no zero of the (k+2)-th), the ratio is monotone and its
    // endpoint values are the sharp enclosure; otherwise the Lagrange
    // bound |r| <= 1/(k+1)! holds.
    bool isSin = fn == Function::Sin;
    Value sv = b.create<SinOp>(loc, u0), cv = b.create<CosOp>(loc, u0);
    Value cycle[4] = {isSin ? sv : cv, isSin ? cv : mul(constant(-1.0), sv),
                      isSin ? mul(constant(-1.0), sv) : mul(constant(-1.0), cv),
                      isSin ? mul(constant(-1.0), cv) : sv};
    for (unsigned i = 0; i <= k + 1; ++i)
      s.push_back(mul(cycle[i % 4], constant(1.0 / factorial(i))));
    Interval sharp =
        sharpRatio(y, ArrayRef<Value>(s).take_front(k + 1), s[k + 1], [&](Value yv) {
          Value arg = add(u0, yv);
          return isSin ? b.create<SinOp>(loc, arg).getResult()
                       : b.create<CosOp>(loc, arg).getResult();
        });
    // The (k+2)-th derivative of sin is +-sin (k even) or +-cos (k odd)
    // (swapped for cos); its zeros are at offset + n pi.
    bool zerosOfSin = (k % 2 == 0) == isSin;
    double offset = zerosOfSin ? 0.0 : M_PI / 2;
    Value lo = div(sub(add(u0, y.lo), constant(offset)), constant(M_PI));
    Value hi = div(sub(add(u0, y.hi), constant(offset)), constant(M_PI));
    Value zeroInside = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLE,
                                               b.create<CeilOp>(loc, lo), b.create<FloorOp>(loc, hi));
    Value bound = constant(1.0 / factorial(k + 1));
    Value negBound = mul(constant(-1.0), bound);
    ratio = {b.create<arith::SelectOp>(loc, zeroInside, negBound, sharp.lo),
             b.create<arith::SelectOp>(loc, zeroInside, bound, sharp.hi)};
  }
  return compose(u, ArrayRef<Value>(s).take_front(k + 1), ratio);
}
