//===- TaylorRules.cpp - Taylor-mode rules of the scalar ops ------*- C++ -*-===//
//
// This file implements Taylor mode for the scalar ops: how the truncated
// Taylor series z(t) = z0 + z1 t + ... + zK t^K of an op's result follows
// from its operands' series (normalized coefficients: zk = z^(k)(0) / k!).
// The recurrences are the standard ones (Griewank & Walther, "Evaluating
// Derivatives", ch. 13), each O(K^2):
//   z = x * y      zk = sum_{j=0..k} xj y(k-j)
//   z = x / y      zk = (xk - sum_{j=1..k} yj z(k-j)) / y0
//   z = exp x      zk = (1/k) sum_{j=1..k} j xj z(k-j)
//   z = expm1 x    exp's recurrence on w = z + 1: w0 = exp x0, zk = wk (k >= 1)
//   z = log x      zk = (xk - (1/k) sum_{j=1..k-1} j zj x(k-j)) / x0
//   z = log1p x    log's recurrence on u = 1 + x: u0 = 1 + x0, uk = xk (k >= 1)
//   s, c = sin x, cos x   sk = (1/k) sum j xj c(k-j),  ck = -(1/k) sum j xj s(k-j)
//   z = sqrt x     zk = (xk - sum_{j=1..k-1} zj z(k-j)) / (2 z0)
//   z = tanh x     zk = (1/k) sum j xj w(k-j),  w = 1 - z^2   (tan: w = 1 + z^2)
//   z = x ** a     a constant integer: repeated products (exact, no 1/x0);
//                  a constant: zk = (1/(k x0)) sum_{j=1..k} (a j - (k-j)) xj z(k-j);
//                  a series: exp (a * log x)
//   sinh, cosh     as sin and cos, with the sign of cosh's recurrence +
//   z = f x, f' = g (asin acos atan asinh acosh atanh erf):
//                  zk = (1/k) sum_{j=1..k} j xj g(k-j), with g's series built
//                  from x's: 1/sqrt(1 - x^2), -1/sqrt(1 - x^2), 1/(1 + x^2),
//                  1/sqrt(1 + x^2), 1/sqrt(x^2 - 1), 1/(1 - x^2),
//                  (2/sqrt(pi)) exp(-x^2)
//   log2, log10    log's coefficients divided by log 2, log 10
//   abs, max, min, rem, floor, ceil, round, trunc, sign: piecewise linear or
//                  constant, chosen by the primal values.
// The coefficients 1..K of a value travel as one array (the value's
// "tangent"); here they are unpacked into scalars, combined, and packed.
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/AD/Linearize.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/AD/ADInterfaces.h"

using namespace mlir;
using namespace fad;

namespace {
/// A truncated series: c[0] is the value, c[k] the k-th coefficient, null
/// for a coefficient that is identically zero.
struct Series {
  SmallVector<Value> c;
};

/// Builds series arithmetic on scalars of one float type.
class SeriesBuilder {
public:
  SeriesBuilder(OpBuilder &b, Location loc, unsigned order, Type type)
      : order(order), b(b), loc(loc), type(type) {}

  unsigned order;
  OpBuilder &builder() { return b; }
  Location location() { return loc; }

  /// The series of `v`: its primal, then its coefficients (if any).
  Series of(LinearizeState &state, Value v) {
    Series s;
    s.c.push_back(state.primal(v));
    Value coeffs = state.tangent(v);
    for (unsigned k = 1; k <= order; ++k) {
      if (!coeffs) {
        s.c.push_back(Value());
        continue;
      }
      Value index = b.create<arith::ConstantIntOp>(loc, k - 1, 64);
      s.c.push_back(b.create<IndexOp>(loc, type, coeffs, ValueRange{index}));
    }
    return s;
  }

  /// Coefficients 1..K as one array (zeros made explicit).
  Value pack(const Series &s) {
    SmallVector<Value> coeffs;
    for (unsigned k = 1; k <= order; ++k)
      coeffs.push_back(s.c[k] ? s.c[k] : constant(0.0));
    return b.create<ArrayOp>(loc, getArrayOfType(type), coeffs);
  }

  Value constant(double v) {
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(type, v));
  }
  Value add(Value x, Value y) {
    if (!x || !y)
      return x ? x : y;
    return b.create<AddOp>(loc, x, y);
  }
  Value sub(Value x, Value y) {
    if (!y)
      return x;
    return x ? b.create<SubOp>(loc, x, y).getResult() : b.create<NegOp>(loc, y).getResult();
  }
  Value mul(Value x, Value y) {
    if (!x || !y)
      return Value();
    return b.create<MulOp>(loc, x, y);
  }
  Value scale(double a, Value x) { return x ? mul(constant(a), x) : Value(); }
  Value div(Value x, Value y) { return x ? b.create<DivOp>(loc, x, y).getResult() : Value(); }
  Value select(Value cond, Value x, Value y) {
    if (!x && !y)
      return Value();
    return b.create<arith::SelectOp>(loc, cond, x ? x : constant(0.0), y ? y : constant(0.0));
  }

  /// sum_{j=from..to} f(j), skipping zero terms.
  Value sum(unsigned from, unsigned to, function_ref<Value(unsigned)> term) {
    Value total;
    for (unsigned j = from; j <= to; ++j)
      total = add(total, term(j));
    return total;
  }

  Series product(const Series &x, const Series &y) {
    Series z{{mul(x.c[0], y.c[0])}};
    for (unsigned k = 1; k <= order; ++k)
      z.c.push_back(sum(0, k, [&](unsigned j) { return mul(x.c[j], y.c[k - j]); }));
    return z;
  }

  /// exp of the series x, whose value is z0 = exp x0.
  Series exp(const Series &x, Value z0) {
    Series z{{z0}};
    for (unsigned k = 1; k <= order; ++k)
      z.c.push_back(scale(1.0 / k, sum(1, k, [&](unsigned j) {
        return scale(j, mul(x.c[j], z.c[k - j]));
      })));
    return z;
  }

  /// log of the series x, whose value is z0 = log x0.
  Series log(const Series &x, Value z0) {
    Series z{{z0}};
    for (unsigned k = 1; k <= order; ++k) {
      Value inner = scale(1.0 / k, sum(1, k - 1, [&](unsigned j) {
        return scale(j, mul(z.c[j], x.c[k - j]));
      }));
      z.c.push_back(div(sub(x.c[k], inner), x.c[0]));
    }
    return z;
  }

  /// The series a + s * x * x (a, s constants).
  Series affineOfSquare(double a, double s, const Series &x) {
    Series sq = product(x, x);
    Series u{{add(constant(a), scale(s, sq.c[0]))}};
    for (unsigned k = 1; k <= order; ++k)
      u.c.push_back(scale(s, sq.c[k]));
    return u;
  }

  /// sqrt of the series u, whose value is w0 (sqrt u0 when not given).
  Series sqrt(const Series &u, Value w0 = Value()) {
    Series w{{w0 ? w0 : b.create<SqrtOp>(loc, u.c[0]).getResult()}};
    for (unsigned k = 1; k <= order; ++k) {
      Value inner = sum(1, k - 1, [&](unsigned j) { return mul(w.c[j], w.c[k - j]); });
      w.c.push_back(div(sub(u.c[k], inner), scale(2.0, w.c[0])));
    }
    return w;
  }

  /// a / y for a constant a and the series y.
  Series reciprocal(double a, const Series &y) {
    Series r{{div(constant(a), y.c[0])}};
    for (unsigned k = 1; k <= order; ++k) {
      Value carried = sum(1, k, [&](unsigned j) { return mul(y.c[j], r.c[k - j]); });
      r.c.push_back(div(scale(-1.0, carried), y.c[0]));
    }
    return r;
  }

  /// The coefficients 1..K of z = f x with f' = g (g's series given to
  /// order K - 1): z' = g x'.
  void integrate(const Series &x, const Series &g, Series &z) {
    for (unsigned k = 1; k <= order; ++k)
      z.c.push_back(scale(1.0 / k, sum(1, k, [&](unsigned j) {
        return scale(j, mul(x.c[j], g.c[k - j]));
      })));
  }

private:
  OpBuilder &b;
  Location loc;
  Type type;
};

/// The Taylor rule of each op: fills `z` (whose c[0], the primal, is set)
/// from the operands' series `in`.
LogicalResult rule(AddOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  for (unsigned k = 1; k <= sb.order; ++k)
    z.c.push_back(sb.add(in[0].c[k], in[1].c[k]));
  return success();
}
LogicalResult rule(SubOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  for (unsigned k = 1; k <= sb.order; ++k)
    z.c.push_back(sb.sub(in[0].c[k], in[1].c[k]));
  return success();
}
LogicalResult rule(NegOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  for (unsigned k = 1; k <= sb.order; ++k)
    z.c.push_back(sb.scale(-1.0, in[0].c[k]));
  return success();
}
LogicalResult rule(MulOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Series p = sb.product(in[0], in[1]);
  z.c.append(p.c.begin() + 1, p.c.end());
  return success();
}
LogicalResult rule(DivOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  for (unsigned k = 1; k <= sb.order; ++k) {
    Value carried = sb.sum(1, k, [&](unsigned j) { return sb.mul(in[1].c[j], z.c[k - j]); });
    z.c.push_back(sb.div(sb.sub(in[0].c[k], carried), in[1].c[0]));
  }
  return success();
}
LogicalResult rule(ExpOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  z = sb.exp(in[0], z.c[0]);
  return success();
}
LogicalResult rule(LogOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  z = sb.log(in[0], z.c[0]);
  return success();
}
/// expm1 x = exp x - 1: exp's coefficients, whose recurrence needs the
/// constant term exp x0 (not the result, exp x0 - 1), but for that term.
LogicalResult rule(Expm1Op, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Value exp0 = sb.builder().create<ExpOp>(sb.location(), in[0].c[0]);
  Value z0 = z.c[0];
  z = sb.exp(in[0], exp0);
  z.c[0] = z0;
  return success();
}
/// log1p x = log (1 + x): log's recurrence on the series of 1 + x, which
/// differs from x's in the constant term only.
LogicalResult rule(Log1pOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Series u = in[0];
  u.c[0] = sb.add(sb.constant(1.0), in[0].c[0]);
  z = sb.log(u, z.c[0]);
  return success();
}

/// atan2(u, v): z' (u^2 + v^2) = v u' - u v', so with w = u^2 + v^2,
/// k z_k w_0 = sum_{j=1..k} j (v_{k-j} u_j - u_{k-j} v_j) - sum_{j=1..k-1} j z_j w_{k-j}.
LogicalResult rule(Atan2Op, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  const Series &u = in[0], &v = in[1];
  Series uu = sb.product(u, u), vv = sb.product(v, v);
  Series w;
  for (unsigned k = 0; k <= sb.order; ++k)
    w.c.push_back(sb.add(uu.c[k], vv.c[k]));
  for (unsigned k = 1; k <= sb.order; ++k) {
    Value cross = sb.sum(1, k, [&](unsigned j) {
      return sb.scale(j, sb.sub(sb.mul(v.c[k - j], u.c[j]), sb.mul(u.c[k - j], v.c[j])));
    });
    Value carried =
        sb.sum(1, k - 1, [&](unsigned j) { return sb.scale(j, sb.mul(z.c[j], w.c[k - j])); });
    z.c.push_back(sb.div(sb.sub(cross, carried), sb.scale(k, w.c[0])));
  }
  return success();
}

/// A report passes its value's series through.
LogicalResult rule(ReportOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  z.c.append(in[1].c.begin() + 1, in[1].c.end());
  return success();
}

/// sin and cos together (sign -1), or sinh and cosh (sign +1): each one's
/// recurrence needs the other.
std::pair<Series, Series> sinCos(SeriesBuilder &sb, const Series &x, Value s0, Value c0,
                                 double sign = -1.0) {
  Series s{{s0}}, c{{c0}};
  for (unsigned k = 1; k <= sb.order; ++k) {
    s.c.push_back(sb.scale(1.0 / k, sb.sum(1, k, [&](unsigned j) {
      return sb.scale(j, sb.mul(x.c[j], c.c[k - j]));
    })));
    c.c.push_back(sb.scale(sign / k, sb.sum(1, k, [&](unsigned j) {
      return sb.scale(j, sb.mul(x.c[j], s.c[k - j]));
    })));
  }
  return {s, c};
}
LogicalResult rule(SinOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Value c0 = sb.builder().create<CosOp>(sb.location(), in[0].c[0]);
  z = sinCos(sb, in[0], z.c[0], c0).first;
  return success();
}
LogicalResult rule(CosOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Value s0 = sb.builder().create<SinOp>(sb.location(), in[0].c[0]);
  z = sinCos(sb, in[0], s0, z.c[0]).second;
  return success();
}
LogicalResult rule(SqrtOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  z = sb.sqrt(in[0], z.c[0]);
  return success();
}

/// tanh (sign = -1) and tan (sign = +1): z' = (1 + sign z^2) x'.
void tanLike(SeriesBuilder &sb, const Series &x, Series &z, double sign) {
  Series w{{sb.add(sb.constant(1.0), sb.scale(sign, sb.mul(z.c[0], z.c[0])))}};
  for (unsigned k = 1; k <= sb.order; ++k) {
    z.c.push_back(sb.scale(1.0 / k, sb.sum(1, k, [&](unsigned j) {
      return sb.scale(j, sb.mul(x.c[j], w.c[k - j]));
    })));
    w.c.push_back(sb.scale(sign, sb.sum(0, k, [&](unsigned i) {
      return sb.mul(z.c[i], z.c[k - i]);
    })));
  }
}
LogicalResult rule(TanhOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  tanLike(sb, in[0], z, -1.0);
  return success();
}
LogicalResult rule(TanOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  tanLike(sb, in[0], z, 1.0);
  return success();
}
LogicalResult rule(AbsOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Value sign = partials::sign(sb.builder(), sb.location(), in[0].c[0]);
  for (unsigned k = 1; k <= sb.order; ++k)
    z.c.push_back(sb.mul(sign, in[0].c[k]));
  return success();
}

/// max and min follow the operand the primal chose (the first on a tie).
template <typename OpTy>
LogicalResult selectRule(SeriesBuilder &sb, ArrayRef<Series> in, Series &z, bool isMax) {
  Value first = sb.builder().create<arith::CmpFOp>(
      sb.location(), isMax ? arith::CmpFPredicate::UGE : arith::CmpFPredicate::ULE,
      in[0].c[0], in[1].c[0]);
  for (unsigned k = 1; k <= sb.order; ++k)
    z.c.push_back(sb.select(first, in[0].c[k], in[1].c[k]));
  return success();
}
LogicalResult rule(MaxOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  return selectRule<MaxOp>(sb, in, z, true);
}
LogicalResult rule(MinOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  return selectRule<MinOp>(sb, in, z, false);
}
/// fmod(x, y) = x - q y with q = trunc(x / y) constant nearby.
LogicalResult rule(RemOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Value q = sb.div(sb.sub(in[0].c[0], z.c[0]), in[1].c[0]);
  for (unsigned k = 1; k <= sb.order; ++k)
    z.c.push_back(sb.sub(in[0].c[k], sb.mul(q, in[1].c[k])));
  return success();
}
LogicalResult rule(SinhOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Value c0 = sb.builder().create<CoshOp>(sb.location(), in[0].c[0]);
  z = sinCos(sb, in[0], z.c[0], c0, 1.0).first;
  return success();
}
LogicalResult rule(CoshOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Value s0 = sb.builder().create<SinhOp>(sb.location(), in[0].c[0]);
  z = sinCos(sb, in[0], s0, z.c[0], 1.0).second;
  return success();
}

/// Functions given by their derivative's series (the header's table).
LogicalResult rule(AsinOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  sb.integrate(in[0], sb.reciprocal(1.0, sb.sqrt(sb.affineOfSquare(1.0, -1.0, in[0]))), z);
  return success();
}
LogicalResult rule(AcosOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  sb.integrate(in[0], sb.reciprocal(-1.0, sb.sqrt(sb.affineOfSquare(1.0, -1.0, in[0]))), z);
  return success();
}
LogicalResult rule(AtanOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  sb.integrate(in[0], sb.reciprocal(1.0, sb.affineOfSquare(1.0, 1.0, in[0])), z);
  return success();
}
LogicalResult rule(AsinhOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  sb.integrate(in[0], sb.reciprocal(1.0, sb.sqrt(sb.affineOfSquare(1.0, 1.0, in[0]))), z);
  return success();
}
LogicalResult rule(AcoshOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  sb.integrate(in[0], sb.reciprocal(1.0, sb.sqrt(sb.affineOfSquare(-1.0, 1.0, in[0]))), z);
  return success();
}
LogicalResult rule(AtanhOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  sb.integrate(in[0], sb.reciprocal(1.0, sb.affineOfSquare(1.0, -1.0, in[0])), z);
  return success();
}
LogicalResult rule(ErfOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Series u = sb.affineOfSquare(0.0, -1.0, in[0]);
  Series e = sb.exp(u, sb.builder().create<ExpOp>(sb.location(), u.c[0]));
  for (Value &c : e.c)
    c = sb.scale(1.1283791670955126, c); // 2 / sqrt(pi)
  sb.integrate(in[0], e, z);
  return success();
}
/// erfc x = 1 - erf x: the series of erf with its coefficients 1.. negated.
LogicalResult rule(ErfcOp, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  Series u = sb.affineOfSquare(0.0, -1.0, in[0]);
  Series e = sb.exp(u, sb.builder().create<ExpOp>(sb.location(), u.c[0]));
  for (Value &c : e.c)
    c = sb.scale(-1.1283791670955126, c); // -2 / sqrt(pi)
  sb.integrate(in[0], e, z);
  return success();
}
/// log_b x = log x / log b.
LogicalResult logBase(SeriesBuilder &sb, ArrayRef<Series> in, Series &z, double logOfBase) {
  Value z0 = z.c[0];
  z = sb.log(in[0], sb.builder().create<LogOp>(sb.location(), in[0].c[0]));
  for (unsigned k = 1; k <= sb.order; ++k)
    z.c[k] = sb.scale(1.0 / logOfBase, z.c[k]);
  z.c[0] = z0;
  return success();
}
LogicalResult rule(Log2Op, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  return logBase(sb, in, z, 0.6931471805599453);
}
LogicalResult rule(Log10Op, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  return logBase(sb, in, z, 2.302585092994046);
}
/// floor, ceil, round, trunc, sign: constant between their jumps.
template <typename OpTy>
std::enable_if_t<llvm::is_one_of<OpTy, FloorOp, CeilOp, RoundOp, TruncOp, SignOp>::value,
                 LogicalResult>
rule(OpTy, SeriesBuilder &sb, ArrayRef<Series>, Series &z) {
  z.c.resize(sb.order + 1);
  return success();
}

/// The integer value of a constant float exponent, if it is one (0..64).
std::optional<unsigned> integerExponent(Value exponent) {
  auto constant = exponent.getDefiningOp<arith::ConstantOp>();
  auto value = constant ? dyn_cast<FloatAttr>(constant.getValue()) : FloatAttr();
  if (!value)
    return std::nullopt;
  double a = value.getValueAsDouble();
  if (a < 0 || a > 64 || a != (double)(unsigned)a)
    return std::nullopt;
  return (unsigned)a;
}

LogicalResult rule(PowOp op, SeriesBuilder &sb, ArrayRef<Series> in, Series &z) {
  const Series &x = in[0], &y = in[1];
  bool constantExponent = llvm::all_of(ArrayRef<Value>(y.c).drop_front(),
                                       [](Value v) { return !v; });
  Value z0 = z.c[0];
  if (constantExponent) {
    if (std::optional<unsigned> n = integerExponent(op.getRhs())) {
      // Exact products, smooth everywhere (no division by x0).
      Series power{{sb.constant(1.0)}};
      power.c.resize(sb.order + 1);
      Series base = x;
      for (unsigned e = *n; e; e >>= 1) {
        if (e & 1)
          power = sb.product(power, base);
        if (e > 1)
          base = sb.product(base, base);
      }
      z.c.assign(power.c.begin(), power.c.end());
      z.c[0] = z0;
      return success();
    }
    // zk = (1/(k x0)) sum_{j=1..k} (a j - (k - j)) xj z(k-j): z' x = a z x'.
    for (unsigned k = 1; k <= sb.order; ++k) {
      Value total = sb.sum(1, k, [&](unsigned j) {
        Value weight = sb.sub(sb.mul(y.c[0], sb.constant(j)), sb.constant(double(k - j)));
        return sb.mul(weight, sb.mul(x.c[j], z.c[k - j]));
      });
      z.c.push_back(sb.div(total, sb.mul(sb.constant(k), x.c[0])));
    }
    return success();
  }
  // A varying exponent: x ** y = exp (y * log x).
  Value logX0 = sb.builder().create<LogOp>(sb.location(), x.c[0]);
  Series product = sb.product(y, sb.log(x, logX0));
  z = sb.exp(product, z0);
  return success();
}
} // namespace

namespace {
/// Taylor models: primal copy, operand series, the op's rule, packed result.
template <typename OpTy>
struct TaylorModel : TaylorOpInterface::ExternalModel<TaylorModel<OpTy>, OpTy> {
  LogicalResult propagateTaylor(Operation *op, OpBuilder &b, LinearizeState &state) const {
    Location loc = op->getLoc();
    Operation *primal = b.clone(*op, state.primalMapping());
    SeriesBuilder sb(b, loc, state.taylorOrder, op->getResult(0).getType());
    SmallVector<Series> in;
    for (Value operand : op->getOperands())
      in.push_back(sb.of(state, operand));
    Series z{{primal->getResult(0)}};
    if (failed(rule(cast<OpTy>(op), sb, in, z)))
      return failure();
    state.setTangent(op->getResult(0), sb.pack(z));
    return success();
  }
};
} // namespace

void fad::detail::registerTaylorRules(MLIRContext *ctx) {
  AddOp::attachInterface<TaylorModel<AddOp>>(*ctx);
  SubOp::attachInterface<TaylorModel<SubOp>>(*ctx);
  MulOp::attachInterface<TaylorModel<MulOp>>(*ctx);
  DivOp::attachInterface<TaylorModel<DivOp>>(*ctx);
  RemOp::attachInterface<TaylorModel<RemOp>>(*ctx);
  PowOp::attachInterface<TaylorModel<PowOp>>(*ctx);
  MaxOp::attachInterface<TaylorModel<MaxOp>>(*ctx);
  MinOp::attachInterface<TaylorModel<MinOp>>(*ctx);
  Atan2Op::attachInterface<TaylorModel<Atan2Op>>(*ctx);
  ReportOp::attachInterface<TaylorModel<ReportOp>>(*ctx);
  NegOp::attachInterface<TaylorModel<NegOp>>(*ctx);
  AbsOp::attachInterface<TaylorModel<AbsOp>>(*ctx);
  ExpOp::attachInterface<TaylorModel<ExpOp>>(*ctx);
  LogOp::attachInterface<TaylorModel<LogOp>>(*ctx);
  Expm1Op::attachInterface<TaylorModel<Expm1Op>>(*ctx);
  Log1pOp::attachInterface<TaylorModel<Log1pOp>>(*ctx);
  SinOp::attachInterface<TaylorModel<SinOp>>(*ctx);
  CosOp::attachInterface<TaylorModel<CosOp>>(*ctx);
  TanOp::attachInterface<TaylorModel<TanOp>>(*ctx);
  TanhOp::attachInterface<TaylorModel<TanhOp>>(*ctx);
  SqrtOp::attachInterface<TaylorModel<SqrtOp>>(*ctx);
  FloorOp::attachInterface<TaylorModel<FloorOp>>(*ctx);
  CeilOp::attachInterface<TaylorModel<CeilOp>>(*ctx);
  RoundOp::attachInterface<TaylorModel<RoundOp>>(*ctx);
  TruncOp::attachInterface<TaylorModel<TruncOp>>(*ctx);
  SignOp::attachInterface<TaylorModel<SignOp>>(*ctx);
  SinhOp::attachInterface<TaylorModel<SinhOp>>(*ctx);
  CoshOp::attachInterface<TaylorModel<CoshOp>>(*ctx);
  AsinOp::attachInterface<TaylorModel<AsinOp>>(*ctx);
  AcosOp::attachInterface<TaylorModel<AcosOp>>(*ctx);
  AtanOp::attachInterface<TaylorModel<AtanOp>>(*ctx);
  AsinhOp::attachInterface<TaylorModel<AsinhOp>>(*ctx);
  AcoshOp::attachInterface<TaylorModel<AcoshOp>>(*ctx);
  AtanhOp::attachInterface<TaylorModel<AtanhOp>>(*ctx);
  ErfOp::attachInterface<TaylorModel<ErfOp>>(*ctx);
  ErfcOp::attachInterface<TaylorModel<ErfcOp>>(*ctx);
  Log2Op::attachInterface<TaylorModel<Log2Op>>(*ctx);
  Log10Op::attachInterface<TaylorModel<Log10Op>>(*ctx);
}
