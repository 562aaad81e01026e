//===- Complex.cpp - Complex numbers of the language ---------------*- C++ -*-===//
//
// c128 and c64 values are pairs (re, im) of f64 or f32 (SourceTypes.h), and
// their arithmetic and functions are built here from the float ops of the
// fad dialect, by the usual formulas of the parts:
//   (a + bi)(c + di) = (ac - bd) + (ad + bc) i,  (a + bi) x = ax + bx i
//   (a + bi)/(c + di) = ((ac + bd) + (bc - ad) i) / (c^2 + d^2)
//   exp z = e^a (cos b + i sin b)        log z = log |z| + i arg z
//   sqrt z = sqrt((|z| + a)/2) + i sgn(b) sqrt((|z| - a)/2)   (principal)
//   sin z = sin a cosh b + i cos a sinh b, cos z = cos a cosh b - i sin a sinh b
//   sinh z = sinh a cos b + i cosh a sin b, cosh z = cosh a cos b + i sinh a sin b
//   tanh z = (sinh 2a + i sin 2b) / (cosh 2a + cos 2b)
//   z ** k (an integer literal k, |k| <= 64) by repeated squaring, else
//   z ** w = exp (w log z)
// Differentiation needs nothing of its own: a derivative of a function of
// complex numbers is one of its real parts, which is the convention of
// docs/AD.md (grad of a real L(z) is dL/dx + i dL/dy).
//
//===----------------------------------------------------------------------===//

#include "Elaborator.h"

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;
using namespace fad;
using namespace fad::frontend;

namespace {
/// Builds float arithmetic of one type at one location.
struct Parts {
  OpBuilder &b;
  Location l;

  template <typename OpTy> Value op(Value x) { return b.create<OpTy>(l, x.getType(), x); }
  template <typename OpTy> Value op(Value x, Value y) {
    return b.create<OpTy>(l, x.getType(), x, y);
  }
  Value add(Value x, Value y) { return op<AddOp>(x, y); }
  Value sub(Value x, Value y) { return op<SubOp>(x, y); }
  Value mul(Value x, Value y) { return op<MulOp>(x, y); }
  Value div(Value x, Value y) { return op<DivOp>(x, y); }
  Value neg(Value x) { return op<NegOp>(x); }
  Value constant(Type t, double v) { return b.create<arith::ConstantOp>(l, b.getFloatAttr(t, v)); }
  /// a^2 + b^2
  Value norm(Value re, Value im) { return add(mul(re, re), mul(im, im)); }
};
} // namespace

Val Elaborator::makeComplex(Val re, Val im, llvm::SMLoc at) {
  unify(re, im, at);
  scalar(re, at, "complex");
  scalar(im, at, "complex");
  if (re.literal && isInt(re.type->prim)) { // two integer literals: c128
    re = coerce(re, primType(Prim::F64), at);
    im = coerce(im, primType(Prim::F64), at);
  }
  if (!isFloatType(re.type) || !sameType(re.type, im.type))
    fail(at, "complex needs two floats of one type, got " + typeName(re.type) + " and " +
                 typeName(im.type));
  Val z;
  z.kind = Val::Kind::Tuple;
  z.complex = true;
  z.parts = {std::move(re), std::move(im)};
  return z;
}

Val Elaborator::toComplex(const Val &v, Prim part, llvm::SMLoc at, bool onlyLiterals) {
  if (isComplex(v)) {
    // A complex literal (`2.5i`) has literal parts: they take `part`.
    if (v.parts[0].type->prim == part || !v.parts[0].literal || !v.parts[1].literal)
      return v;
    return makeComplex(coerce(v.parts[0], primType(part), at),
                       coerce(v.parts[1], primType(part), at), at);
  }
  if (v.kind != Val::Kind::Data || !isPrim(v.type) || !isNumber(v.type))
    return v;
  if (!v.literal && (onlyLiterals || v.type->prim != part))
    return v;
  Val re = v.literal ? coerce(v, primType(part), at) : v;
  Val im = constant(part, 0.0, at);
  im.literal = 0.0;
  return makeComplex(re, im, at);
}

/// The part type of a complex operation on `lhs` and `rhs` (one of them
/// complex): that of the operand that is not a literal (and is complex or
/// a float), f64 if there is none.
static Prim partOf(const Val &lhs, const Val &rhs) {
  auto literal = [](const Val &v) { return v.parts[0].literal && v.parts[1].literal; };
  auto fixed = [&](const Val &v) -> std::optional<Prim> {
    if (Elaborator::isComplex(v))
      return literal(v) ? std::nullopt : std::optional(v.parts[0].type->prim);
    if (v.kind == Val::Kind::Data && !v.literal && isFloatType(v.type))
      return v.type->prim;
    return std::nullopt;
  };
  if (auto p = fixed(lhs))
    return *p;
  if (auto p = fixed(rhs))
    return *p;
  // Literals only: a complex literal's own part type (c64 1.0i stays c64).
  for (const Val *v : {&lhs, &rhs})
    if (Elaborator::isComplex(*v))
      return v->parts[0].type->prim;
  return Prim::F64;
}

Val Elaborator::genComplexBinary(const std::string &op, Val lhs, Val rhs, llvm::SMLoc at) {
  Prim part = partOf(lhs, rhs);
  std::string lhsType = describe(lhs, at), rhsType = describe(rhs, at);
  // z ** k, an integer literal k: exact products (and the derivative at 0).
  if (op == "**" && isComplex(lhs) && rhs.kind == Val::Kind::Data && rhs.literal &&
      *rhs.literal == std::trunc(*rhs.literal) && std::fabs(*rhs.literal) <= 64) {
    int64_t k = static_cast<int64_t>(std::fabs(*rhs.literal));
    Val result = toComplex(constant(part, 1.0, at), part, at), power = lhs;
    for (; k; k >>= 1) {
      if (k & 1)
        result = genComplexBinary("*", result, power, at);
      if (k > 1)
        power = genComplexBinary("*", power, power, at);
    }
    return *rhs.literal < 0 ? genComplexBinary("/", toComplex(constant(part, 1.0, at), part, at),
                                               result, at)
                            : result;
  }
  // z ** w with a real w: exp (w log z) by scaling (0 ** 0.5 is 0, not NaN).
  if (op == "**" && isComplex(lhs) && !isComplex(rhs))
    return genComplexFunction("exp", genComplexBinary("*", rhs, genComplexFunction("log", lhs, at),
                                                      at),
                              at);
  // A complex number times or over a float: each part (exact where the
  // float is, unlike the product with x + 0i, and half the work).
  bool lhsReal = !isComplex(lhs), rhsReal = !isComplex(rhs);
  if ((op == "*" && (lhsReal || rhsReal)) || (op == "/" && rhsReal)) {
    Val x = coerce(lhsReal ? lhs : rhs, primType(part), at);
    Val z = toComplex(lhsReal ? rhs : lhs, part, at);
    if (x.kind != Val::Kind::Data || !isPrim(x.type) || x.type->prim != part ||
        !sameType(typeOf(z, at), complexType(part)))
      fail(at, "operator " + op + " needs operands of the same type, got " + lhsType + " and " +
                   rhsType + " (convert explicitly, e.g. c128 x)");
    Parts p{b, loc(at)};
    Value v = x.leaves[0];
    auto scale = [&](const Val &c) {
      return data(primType(part), op == "*" ? p.mul(c.leaves[0], v) : p.div(c.leaves[0], v));
    };
    return makeComplex(scale(z.parts[0]), scale(z.parts[1]), at);
  }
  lhs = toComplex(lhs, part, at);
  rhs = toComplex(rhs, part, at);
  if (!isComplex(lhs) || !isComplex(rhs) || !sameType(typeOf(lhs, at), typeOf(rhs, at)))
    fail(at, "operator " + op + " needs operands of the same type, got " + lhsType + " and " +
                 rhsType + " (convert explicitly, e.g. c128 x)");
  Parts p{b, loc(at)};
  Value a = lhs.parts[0].leaves[0], bb = lhs.parts[1].leaves[0];
  Value c = rhs.parts[0].leaves[0], d = rhs.parts[1].leaves[0];
  TypeP partType = primType(part);
  auto complexOf = [&](Value re, Value im) {
    return makeComplex(data(partType, re), data(partType, im), at);
  };
  if (op == "+")
    return complexOf(p.add(a, c), p.add(bb, d));
  if (op == "-")
    return complexOf(p.sub(a, c), p.sub(bb, d));
  if (op == "*")
    return complexOf(p.sub(p.mul(a, c), p.mul(bb, d)), p.add(p.mul(a, d), p.mul(bb, c)));
  if (op == "/") {
    // Smith's algorithm: scaled by the larger part of the divisor, so that
    // c^2 + d^2 neither overflows nor underflows.
    // The branch is chosen before dividing (selects, which vectorize), so
    // that it costs one division and one reciprocal, as the textbook form.
    Value cBig = b.create<arith::CmpFOp>(p.l, arith::CmpFPredicate::OGE, p.op<AbsOp>(c),
                                         p.op<AbsOp>(d));
    auto pick = [&](Value x, Value y) {
      return b.create<arith::SelectOp>(p.l, cBig, x, y).getResult();
    };
    Value big = pick(c, d), small = pick(d, c);
    Value r = p.div(small, big); // d/c, or c/d
    Value inv = p.div(p.constant(a.getType(), 1.0), p.add(big, p.mul(small, r)));
    // |c| >= |d|: ((a + b r), (b - a r)) / (c + d r); else ((a r + b), (b r - a)) / (c r + d)
    Value reNum = pick(p.add(a, p.mul(bb, r)), p.add(p.mul(a, r), bb));
    Value imNum = pick(p.sub(bb, p.mul(a, r)), p.sub(p.mul(bb, r), a));
    return complexOf(p.mul(reNum, inv), p.mul(imNum, inv));
  }
  if (op == "**")
    return genComplexFunction("exp", genComplexBinary("*", rhs, genComplexFunction("log", lhs, at),
                                                      at),
                              at);
  if (op == "==" || op == "!=") {
    bool eq = op == "==";
    auto pred = eq ? arith::CmpFPredicate::OEQ : arith::CmpFPredicate::UNE;
    Value re = b.create<arith::CmpFOp>(p.l, pred, a, c);
    Value im = b.create<arith::CmpFOp>(p.l, pred, bb, d);
    Value r = eq ? b.create<arith::AndIOp>(p.l, re, im).getResult()
                 : b.create<arith::OrIOp>(p.l, re, im).getResult();
    return data(primType(Prim::Bool), r);
  }
  fail(at, "operator " + op + " is not defined on complex numbers (compare or combine re z, " +
               "im z or abs z)");
}

Val Elaborator::genComplexFunction(StringRef name, const Val &z, llvm::SMLoc at) {
  Prim part = z.parts[0].type->prim;
  TypeP partType = primType(part);
  Parts p{b, loc(at)};
  Value a = z.parts[0].leaves[0], bb = z.parts[1].leaves[0];
  Type t = a.getType();
  auto real = [&](Value v) { return data(partType, v); };
  auto complexOf = [&](Value re, Value im) { return makeComplex(real(re), real(im), at); };
  if (name == "re")
    return z.parts[0];
  if (name == "im")
    return z.parts[1];
  // |z| = m sqrt((a/m)^2 + (b/m)^2), m = max(|a|, |b|): no overflow or
  // underflow in the squares; 0 (and a zero derivative) at z = 0.
  auto magnitude = [&]() {
    Value m = p.op<MaxOp>(p.op<AbsOp>(a), p.op<AbsOp>(bb));
    Value zero = p.constant(t, 0.0);
    Value isZero = b.create<arith::CmpFOp>(p.l, arith::CmpFPredicate::OEQ, m, zero);
    // At 0 the unused branch computes sqrt 1, so that its derivative is
    // finite and no 0 * inf reaches the adjoint.
    Value one = p.constant(t, 1.0);
    Value safe = b.create<arith::SelectOp>(p.l, isZero, one, m);
    Value bump = b.create<arith::SelectOp>(p.l, isZero, one, zero);
    Value scaled =
        p.mul(safe, p.op<SqrtOp>(p.add(p.norm(p.div(a, safe), p.div(bb, safe)), bump)));
    return b.create<arith::SelectOp>(p.l, isZero, zero, scaled).getResult();
  };
  // Whether x < 0 or x is -0 (its sign bit), as copysign reads it.
  auto negative = [&](Value x) -> Value {
    Type bits = b.getIntegerType(t.getIntOrFloatBitWidth());
    Value raw = b.create<arith::BitcastOp>(p.l, bits, x);
    Value zero = b.create<arith::ConstantOp>(p.l, b.getIntegerAttr(bits, 0));
    return b.create<arith::CmpIOp>(p.l, arith::CmpIPredicate::slt, raw, zero);
  };
  if (name == "conj")
    return complexOf(a, p.neg(bb));
  if (name == "-") {
    if (z.parts[0].literal && z.parts[1].literal) { // -2.5i stays a literal
      Val re = constant(part, -*z.parts[0].literal, at), im = constant(part, -*z.parts[1].literal, at);
      re.literal = -*z.parts[0].literal;
      im.literal = -*z.parts[1].literal;
      return makeComplex(re, im, at);
    }
    return complexOf(p.neg(a), p.neg(bb));
  }
  if (name == "abs")
    return real(magnitude());
  if (name == "arg")
    return real(p.op<Atan2Op>(bb, a));
  if (name == "exp") {
    Value e = p.op<ExpOp>(a);
    return complexOf(p.mul(e, p.op<CosOp>(bb)), p.mul(e, p.op<SinOp>(bb)));
  }
  if (name == "log")
    return complexOf(p.op<LogOp>(magnitude()), p.op<Atan2Op>(bb, a));
  if (name == "sqrt") {
    // t = sqrt((|a| + |z|) / 2), the larger part's magnitude; the other is
    // |b| / 2t (no cancellation near the real axis, and finite derivatives
    // on it away from 0); the imaginary part takes b's sign (-0 included).
    Value s = p.op<SqrtOp>(p.mul(p.constant(t, 0.5), p.add(p.op<AbsOp>(a), magnitude())));
    Value zero = p.constant(t, 0.0);
    Value atZero = b.create<arith::CmpFOp>(p.l, arith::CmpFPredicate::OEQ, s, zero);
    Value other = b.create<arith::SelectOp>(
        p.l, atZero, zero, p.div(p.op<AbsOp>(bb), p.mul(p.constant(t, 2.0), s)));
    Value aNonNegative = b.create<arith::CmpFOp>(p.l, arith::CmpFPredicate::OGE, a,
                                                 p.constant(t, 0.0));
    Value imMagnitude = b.create<arith::SelectOp>(p.l, aNonNegative, other, s);
    return complexOf(b.create<arith::SelectOp>(p.l, aNonNegative, s, other),
                     b.create<arith::SelectOp>(p.l, negative(bb), p.neg(imMagnitude), imMagnitude));
  }
  if (name == "sin")
    return complexOf(p.mul(p.op<SinOp>(a), p.op<CoshOp>(bb)),
                     p.mul(p.op<CosOp>(a), p.op<SinhOp>(bb)));
  if (name == "cos")
    return complexOf(p.mul(p.op<CosOp>(a), p.op<CoshOp>(bb)),
                     p.neg(p.mul(p.op<SinOp>(a), p.op<SinhOp>(bb))));
  if (name == "sinh")
    return complexOf(p.mul(p.op<SinhOp>(a), p.op<CosOp>(bb)),
                     p.mul(p.op<CoshOp>(a), p.op<SinOp>(bb)));
  if (name == "cosh")
    return complexOf(p.mul(p.op<CoshOp>(a), p.op<CosOp>(bb)),
                     p.mul(p.op<SinhOp>(a), p.op<SinOp>(bb)));
  if (name == "tanh") {
    // Past |a| = 20, tanh z is +-1 to double precision (cosh 2a would
    // overflow first in f32 and at a ~ 355 in f64).
    Value two = p.constant(t, 2.0), a2 = p.mul(two, a), b2 = p.mul(two, bb);
    Value den = p.add(p.op<CoshOp>(a2), p.op<CosOp>(b2));
    Value far = b.create<arith::CmpFOp>(p.l, arith::CmpFPredicate::OGT, p.op<AbsOp>(a),
                                        p.constant(t, 20.0));
    Value sign = p.op<SignOp>(a);
    return complexOf(b.create<arith::SelectOp>(p.l, far, sign, p.div(p.op<SinhOp>(a2), den)),
                     b.create<arith::SelectOp>(p.l, far, p.constant(t, 0.0),
                                               p.div(p.op<SinOp>(b2), den)));
  }
  fail(at, name + " is not defined on complex numbers, got " + describe(z, at));
}
