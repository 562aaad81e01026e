//===- FADOps.td - fad dialect operations ------------------*- tablegen -*-===//
//
// Operations of the fad dialect: scalar arithmetic and math, array
// construction and access, and the structured array constructs.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_OPS_TD
#define FAD_OPS_TD

include "fad/Dialect/FAD/IR/FADDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/LoopLikeInterface.td"
include "fad/Dialect/FAD/IR/PartialsInterface.td"
include "fad/Dialect/FAD/IR/LanguageBuiltinInterface.td"

class FAD_Op<string mnemonic, list<Trait> traits = []>
    : Op<FAD_Dialect, mnemonic, traits>;

// Recomputing the op costs more than reading its results from memory
// (transcendental functions, sequential loops): fusion does not move it
// into a loop that would run it once per iteration, and reverse mode keeps
// what it reads from it rather than recompute it (fad::isCostlyToRecompute).
def FAD_CostlyToRecompute : NativeOpTrait<"CostlyToRecompute"> {
  let cppNamespace = "::fad::traits";
}

def FAD_Scalar : AnyTypeOf<[F32, F64, I64, I32, I1], "fad scalar">;
def FAD_Numeric : AnyTypeOf<[F32, F64, I64, I32], "fad number">;
def FAD_Float : AnyTypeOf<[F32, F64], "fad float">;
def FAD_Array : RankedTensorOf<[F32, F64, I64, I32, I1]>;
def FAD_Value : AnyTypeOf<[F32, F64, I64, I32, I1, FAD_Array], "fad value">;

//===----------------------------------------------------------------------===//
// Scalar arithmetic
//===----------------------------------------------------------------------===//

// The ops that check their operands at run time (an index in bounds, the
// rows of an array literal of equal extent): free of memory effects, so dead
// ones are erased and equal ones merged, but not speculatable, so none is
// computed where the program would not compute it.
defvar FAD_EffectFreeButFails = NoMemoryEffect;

// Scalar ops state their partial derivatives on their own record (the one
// place for them, shared by every mode). In `partials`, `x`/`y` are the
// operands, `z` the result, and helpers come from fad/Dialect/FAD/IR/Partials.h.
//
// `builtin`, unless empty, makes the op the builtin function (or operator)
// of that name in fad programs, taking its `arity` operands, integers too
// unless `operandType` is FAD_Float (LanguageBuiltinOpInterface; the
// frontend needs nothing else).
class FAD_ScalarOp<string mnemonic, string partials, string operandNames, string builtin,
                   int arity, Type operandType, list<Trait> traits>
    : FAD_Op<mnemonic, !listconcat(
          [NoMemoryEffect, DeclareOpInterfaceMethods<ConditionallySpeculatable>,
           SameOperandsAndResultType,
           DeclareOpInterfaceMethods<FAD_ScalarPartialsOpInterface>],
          !if(!empty(builtin), []<Trait>, [FAD_LanguageBuiltinOpInterface]), traits)> {
  let extraClassDeclaration = !if(!empty(builtin), "", [{
    static ::llvm::StringRef getBuiltinName() { return "}] # builtin # [{"; }
    static unsigned getBuiltinArity() { return }] # arity # [{; }
    static bool acceptsIntegers() { return }] #
      !if(!eq(operandType, FAD_Float), "false", "true") # [{; }
  }]);
  // Set by ops that fail at run time on some integer operands (a division
  // by zero, a negative exponent): those are not speculatable, so no
  // transformation computes them where the program would not (hoisting out
  // of a loop that may run no iteration).
  bit failsOnIntegers = 0;
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::buildPartials(::mlir::OpBuilder &b) {
      using namespace ::fad::partials;
      ::mlir::Location loc = getLoc();
      }] # operandNames # [{
      ::mlir::Value z = getResult();
      (void)loc; (void)z;
      return }] # partials # [{;
    }
    ::mlir::Speculation::Speculatability $cppClass::getSpeculatability() {
      return }] # !if(failsOnIntegers,
        "getType().isInteger() ? ::mlir::Speculation::NotSpeculatable : ", "") # [{
        ::mlir::Speculation::Speculatable;
    }
  }];
}

class FAD_BinaryOp<string mnemonic, string builtin, string semantics, string partials,
                   Type operandType = FAD_Numeric, list<Trait> traits = []>
    : FAD_ScalarOp<mnemonic, partials,
                   "::mlir::Value x = getLhs(), y = getRhs(); (void)x; (void)y;",
                   builtin, 2, operandType, traits> {
  // Identity pruning (x + 0, x * 1, ...), which AD output needs: see
  // FADOps.cpp; ops without a rule fold nothing.
  let hasFolder = 1;
  let summary = "scalar " # mnemonic;
  let description = !strconcat([{
    Both operands and the result have the same scalar type.
  }], semantics, [{

    Partial derivatives (x = lhs, y = rhs, z = result): `}], partials, [{`.

    ```mlir
    %z = fad.}], mnemonic, [{ %x, %y : f64
    ```
  }]);
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs operandType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

// The second argument is the builtin's name in fad programs (an operator for
// the arithmetic ones; `pow` is an alias of `**` written in the frontend).
def FAD_AddOp : FAD_BinaryOp<"add", "+", "`lhs + rhs`.", "{one(b, loc, z), one(b, loc, z)}">;
def FAD_SubOp : FAD_BinaryOp<"sub", "-", "`lhs - rhs`.",
  "{one(b, loc, z), constant(b, loc, z, -1.0)}">;
def FAD_MulOp : FAD_BinaryOp<"mul", "*", "`lhs * rhs`.", "{y, x}">;
def FAD_DivOp : FAD_BinaryOp<"div", "/",
  "`lhs / rhs`; integer division truncates toward zero (as in C).",
  "{divide(b, loc, one(b, loc, z), y), negate(b, loc, divide(b, loc, z, y))}"> {
  let failsOnIntegers = 1;
}
def FAD_RemOp : FAD_BinaryOp<"rem", "%",
  "The remainder of `lhs / rhs` with the sign of `lhs` (C's `%` and `fmod`).",
  "{one(b, loc, z), remainderRhsPartial(b, loc, x, y, z)}"> {
  let failsOnIntegers = 1;
}
def FAD_PowOp : FAD_BinaryOp<"pow", "**",
  "`lhs` raised to `rhs`; for integers `rhs` must be non-negative.",
  "{powerBasePartial(b, loc, x, y), powerExponentPartial(b, loc, x, z)}",
  FAD_Numeric, [FAD_CostlyToRecompute]> {
  let failsOnIntegers = 1;
}
def FAD_MaxOp : FAD_BinaryOp<"max", "max",
  "The larger operand; `lhs` on a tie.", "tieGoesFirst(b, loc, x, y, /*isMax=*/true)">;
def FAD_MinOp : FAD_BinaryOp<"min", "min",
  "The smaller operand; `lhs` on a tie.", "tieGoesFirst(b, loc, x, y, /*isMax=*/false)">;
def FAD_Atan2Op : FAD_BinaryOp<"atan2", "atan2",
  "The angle of the point (`rhs`, `lhs`) in [-pi, pi], as C's `atan2(lhs, rhs)`.",
  "angleOfPoint(b, loc, x, y)", FAD_Float, [FAD_CostlyToRecompute]>;

// A function of one scalar: `builtin` is its name in fad programs ("" for
// none), `partial` its derivative.
class FAD_UnaryOp<string mnemonic, string builtin, string semantics, Type operandType,
                  string partial, list<Trait> traits = []>
    : FAD_ScalarOp<mnemonic, "{" # partial # "}",
                   "::mlir::Value x = getOperand(); (void)x;", builtin, 1, operandType,
                   traits> {
  let summary = "scalar " # mnemonic;
  let description = !strconcat(semantics, [{

    Derivative (x = operand, z = result): `}], partial, [{`.

    ```mlir
    %y = fad.}], mnemonic, [{ %x : f64
    ```
  }]);
  let arguments = (ins operandType:$operand);
  let results = (outs operandType:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
}

// Unary minus is syntax (`-x`), not a builtin.
def FAD_NegOp : FAD_UnaryOp<"neg", "", "`-x`.", FAD_Numeric, "constant(b, loc, z, -1.0)">;
def FAD_AbsOp : FAD_UnaryOp<"abs", "abs", "`|x|`; its derivative at 0 is 0.", FAD_Numeric,
  "sign(b, loc, x)">;
def FAD_ExpOp : FAD_UnaryOp<"exp", "exp", "`e^x`.", FAD_Float, "z", [FAD_CostlyToRecompute]>;
def FAD_Expm1Op : FAD_UnaryOp<"expm1", "expm1",
  "`e^x - 1`, accurate for `x` near 0 (C's `expm1`).", FAD_Float,
  "b.create<ExpOp>(loc, x)", [FAD_CostlyToRecompute]>;
def FAD_LogOp : FAD_UnaryOp<"log", "log", "The natural logarithm.", FAD_Float,
  "divide(b, loc, one(b, loc, z), x)", [FAD_CostlyToRecompute]>;
def FAD_Log1pOp : FAD_UnaryOp<"log1p", "log1p",
  "`log(1 + x)`, accurate for `x` near 0 (C's `log1p`).", FAD_Float,
  "divide(b, loc, one(b, loc, z), b.create<AddOp>(loc, one(b, loc, z), x))",
  [FAD_CostlyToRecompute]>;
def FAD_SinOp : FAD_UnaryOp<"sin", "sin", "The sine (radians).", FAD_Float,
  "b.create<CosOp>(loc, x)", [FAD_CostlyToRecompute]>;
def FAD_CosOp : FAD_UnaryOp<"cos", "cos", "The cosine (radians).", FAD_Float,
  "negate(b, loc, b.create<SinOp>(loc, x))", [FAD_CostlyToRecompute]>;
def FAD_TanOp : FAD_UnaryOp<"tan", "tan", "The tangent (radians).", FAD_Float,
  "b.create<AddOp>(loc, one(b, loc, z), b.create<MulOp>(loc, z, z))",
  [FAD_CostlyToRecompute]>;
def FAD_TanhOp : FAD_UnaryOp<"tanh", "tanh", "The hyperbolic tangent.", FAD_Float,
  "b.create<SubOp>(loc, one(b, loc, z), b.create<MulOp>(loc, z, z))",
  [FAD_CostlyToRecompute]>;
def FAD_SqrtOp : FAD_UnaryOp<"sqrt", "sqrt", "The square root.", FAD_Float,
  "divide(b, loc, constant(b, loc, z, 0.5), z)", [FAD_CostlyToRecompute]>;
def FAD_FloorOp : FAD_UnaryOp<"floor", "floor",
  "Rounds toward negative infinity; its derivative is 0.", FAD_Float, "::mlir::Value()">;
def FAD_CeilOp : FAD_UnaryOp<"ceil", "ceil",
  "Rounds toward positive infinity; its derivative is 0.", FAD_Float, "::mlir::Value()">;

// Inverse trigonometric and hyperbolic functions, erf, log2/log10 and
// rounding (C's functions of the same names).
def FAD_AsinOp : FAD_UnaryOp<"asin", "asin",
  "The arcsine, in [-pi/2, pi/2]; NaN outside [-1, 1]. Its derivative is +inf at +-1.",
  FAD_Float, "divide(b, loc, one(b, loc, x), b.create<SqrtOp>(loc, b.create<SubOp>(loc, one(b, loc, x), b.create<MulOp>(loc, x, x))))", [FAD_CostlyToRecompute]>;
def FAD_AcosOp : FAD_UnaryOp<"acos", "acos",
  "The arccosine, in [0, pi]; NaN outside [-1, 1]. Its derivative is -inf at +-1.",
  FAD_Float, "negate(b, loc, divide(b, loc, one(b, loc, x), b.create<SqrtOp>(loc, b.create<SubOp>(loc, one(b, loc, x), b.create<MulOp>(loc, x, x)))))", [FAD_CostlyToRecompute]>;
def FAD_AtanOp : FAD_UnaryOp<"atan", "atan", "The arctangent, in [-pi/2, pi/2].", FAD_Float,
  "divide(b, loc, one(b, loc, x), b.create<AddOp>(loc, one(b, loc, x), b.create<MulOp>(loc, x, x)))", [FAD_CostlyToRecompute]>;
def FAD_SinhOp : FAD_UnaryOp<"sinh", "sinh", "The hyperbolic sine.", FAD_Float,
  "b.create<CoshOp>(loc, x)", [FAD_CostlyToRecompute]>;
def FAD_CoshOp : FAD_UnaryOp<"cosh", "cosh", "The hyperbolic cosine.", FAD_Float,
  "b.create<SinhOp>(loc, x)", [FAD_CostlyToRecompute]>;
def FAD_AsinhOp : FAD_UnaryOp<"asinh", "asinh", "The inverse hyperbolic sine.", FAD_Float,
  "divide(b, loc, one(b, loc, x), b.create<SqrtOp>(loc, b.create<AddOp>(loc, one(b, loc, x), b.create<MulOp>(loc, x, x))))", [FAD_CostlyToRecompute]>;
def FAD_AcoshOp : FAD_UnaryOp<"acosh", "acosh",
  "The inverse hyperbolic cosine, >= 0; NaN below 1. Its derivative is +inf at 1.", FAD_Float,
  "divide(b, loc, one(b, loc, x), b.create<SqrtOp>(loc, b.create<SubOp>(loc, b.create<MulOp>(loc, x, x), one(b, loc, x))))", [FAD_CostlyToRecompute]>;
def FAD_AtanhOp : FAD_UnaryOp<"atanh", "atanh",
  "The inverse hyperbolic tangent; +-inf at +-1, NaN outside [-1, 1].", FAD_Float,
  "divide(b, loc, one(b, loc, x), b.create<SubOp>(loc, one(b, loc, x), b.create<MulOp>(loc, x, x)))", [FAD_CostlyToRecompute]>;
def FAD_ErfOp : FAD_UnaryOp<"erf", "erf", "The error function (2/sqrt(pi)) int_0^x e^(-t^2) dt.",
  FAD_Float,
  "b.create<MulOp>(loc, constant(b, loc, x, 1.1283791670955126), "
  "b.create<ExpOp>(loc, negate(b, loc, b.create<MulOp>(loc, x, x))))",
  [FAD_CostlyToRecompute]>;
def FAD_ErfcOp : FAD_UnaryOp<"erfc", "erfc",
  "The complementary error function 1 - erf x, to full relative precision "
  "where it is tiny (erfc 10 = 2.1e-45, where 1 - erf 10 is 0): C's erfc.",
  FAD_Float,
  "b.create<MulOp>(loc, constant(b, loc, x, -1.1283791670955126), "
  "b.create<ExpOp>(loc, negate(b, loc, b.create<MulOp>(loc, x, x))))",
  [FAD_CostlyToRecompute]>;
def FAD_Log2Op : FAD_UnaryOp<"log2", "log2", "The base-2 logarithm.", FAD_Float,
  "divide(b, loc, constant(b, loc, x, 1.4426950408889634), x)", [FAD_CostlyToRecompute]>;
def FAD_Log10Op : FAD_UnaryOp<"log10", "log10", "The base-10 logarithm.", FAD_Float,
  "divide(b, loc, constant(b, loc, x, 0.4342944819032518), x)", [FAD_CostlyToRecompute]>;
def FAD_RoundOp : FAD_UnaryOp<"round", "round",
  "Rounds to the nearest integer, halfway cases away from zero; its derivative is 0.",
  FAD_Float, "::mlir::Value()">;
def FAD_TruncOp : FAD_UnaryOp<"trunc", "trunc",
  "Rounds toward zero; its derivative is 0.", FAD_Float, "::mlir::Value()">;
def FAD_SignOp : FAD_UnaryOp<"sign", "sign",
  "1 for `x > 0`, -1 for `x < 0`, else `x` itself (0, -0 or NaN); its derivative is 0.",
  FAD_Numeric, "::mlir::Value()">;

def FAD_ConvertOp : FAD_Op<"convert", [Pure]> {
  let summary = "conversion between scalar types";
  let description = [{
    Converts a scalar to another scalar type: float to float rounds to
    nearest, integer to float is exact where representable, float to integer
    truncates toward zero, integer to integer sign-extends or truncates, and
    `i1` converts to `0`/`1`.

    ```mlir
    %y = fad.convert %i : i64 to f64
    ```
  }];
  let arguments = (ins FAD_Scalar:$operand);
  let results = (outs FAD_Scalar:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `to` type($result)";
}

//===----------------------------------------------------------------------===//
// Arrays
//===----------------------------------------------------------------------===//

def FAD_ArrayOp : FAD_Op<"array", [FAD_EffectFreeButFails]> {
  let summary = "array literal";
  let description = [{
    Builds an array from its elements, which all have the same type: scalars
    give a rank-1 array, arrays of rank r an array of rank r+1. Rows of
    different extents are a run-time error (arrays are regular).

    ```mlir
    %a = fad.array %x, %y : f64 -> tensor<?xf64>
    ```
  }];
  let arguments = (ins Variadic<FAD_Value>:$elements);
  let results = (outs FAD_Array:$result);
  let assemblyFormat = "$elements attr-dict `:` type($elements) `->` type($result)";
  let hasVerifier = 1;
}

def FAD_DimOp : FAD_Op<"dim", [Pure]> {
  let summary = "extent of an array along one dimension";
  let description = [{
    ```mlir
    %n = fad.dim %a [0] : tensor<?x?xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$array, I64Attr:$dim);
  let results = (outs I64:$result);
  let assemblyFormat = "$array `[` $dim `]` attr-dict `:` type($array)";
  let hasVerifier = 1;
  // dim(map xs, 0) -> dim(xs, 0), dim(build n f, 0) -> n, dim(x[i], d) ->
  // dim(x, d + 1) (FADCanonicalize.cpp).
  let hasCanonicalizer = 1;
}

def FAD_IndexOp : FAD_Op<"index", [FAD_EffectFreeButFails]> {
  let summary = "read an element or a row of an array";
  let description = [{
    `fad.index %a[%i, %j]` reads the element of `%a` at the given `i64`
    indices. With fewer indices than the rank, the result is the sub-array
    (a row of a matrix, for one index). An index out of bounds is a run-time
    error naming the index, the extent and the source location.

    ```mlir
    %row = fad.index %m[%i] : tensor<?x?xf64> -> tensor<?xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$array, Variadic<I64>:$indices);
  let results = (outs FAD_Value:$result);
  let assemblyFormat =
      "$array `[` $indices `]` attr-dict `:` type($array) `->` type($result)";
  let hasVerifier = 1;
  // Folds a constant index into an array literal (the element itself), which
  // removes the arrays that Taylor mode packs coefficients into.
  let hasFolder = 1;
}

def FAD_TransposeOp : FAD_Op<"transpose", [Pure, SameOperandsAndResultType]> {
  let summary = "swap the two outermost dimensions";
  let description = [{
    For an array of rank r >= 2, `result[j, i, ...] = operand[i, j, ...]`.

    ```mlir
    %t = fad.transpose %m : tensor<?x?xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$operand);
  let results = (outs FAD_Array:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Dense linear algebra
//===----------------------------------------------------------------------===//
// Factorizations are computed by the runtime (LU with partial pivoting), and
// differentiated by matrix-level rules (lib/AD/Rules/LinalgRules.cpp), never
// through their loops.

def FAD_SolveOp : FAD_Op<"solve", [Pure, FAD_CostlyToRecompute,
                                   AllTypesMatch<["rhs", "result"]>]> {
  let summary = "the solution of a linear system A x = b (or A^T x = b)";
  let description = [{
    For a square `matrix` A of extent n and `rhs` b of any rank >= 1 whose
    outer extent is n, the x with A x = b, solving for every trailing index
    of b at once (b is read as n rows of columns); with `transpose`, the x
    with A^T x = b. With `lower` (`upper`), A is its lower (upper) triangle,
    diagonal included, the other entries unread, and the system is solved
    by substitution; else by LU factorization with partial pivoting. A
    singular A (an exactly zero pivot or diagonal entry) stops the program
    with the op's location. Linear in `rhs`.

    ```mlir
    %x = fad.solve %a, %b : tensor<?x?xf64>, tensor<?xf64>
    %y = fad.solve %a, %c {transpose} : tensor<?x?xf64>, tensor<?x?xf64>
    %z = fad.solve %l, %b {lower} : tensor<?x?xf64>, tensor<?xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$matrix, FAD_Array:$rhs, UnitAttr:$transpose,
                       UnitAttr:$lower, UnitAttr:$upper);
  let results = (outs FAD_Array:$result);
  let assemblyFormat = "$matrix `,` $rhs attr-dict `:` type($matrix) `,` type($rhs)";
  let hasVerifier = 1;
}

def FAD_SlogdetOp : FAD_Op<"slogdet", [Pure, FAD_CostlyToRecompute]> {
  let summary = "the sign and the log of the absolute value of a determinant";
  let description = [{
    For a square `matrix` A: `sign` (1, -1, or 0 for a singular A) and
    `logabsdet` = log |det A| (-inf for a singular A), by LU factorization
    with partial pivoting, so that det A = sign * exp(logabsdet) without
    overflow.

    ```mlir
    %s, %l = fad.slogdet %a : tensor<?x?xf64> -> f64, f64
    ```
  }];
  let arguments = (ins FAD_Array:$matrix);
  let results = (outs FAD_Float:$sign, FAD_Float:$logabsdet);
  let assemblyFormat =
      "$matrix attr-dict `:` type($matrix) `->` type($sign) `,` type($logabsdet)";
  let hasVerifier = 1;
}

def FAD_EighOp : FAD_Op<"eigh", [Pure, FAD_CostlyToRecompute]> {
  let summary = "the eigendecomposition of a symmetric matrix";
  let description = [{
    For a square `matrix` A, the eigenvalues `values` (ascending) and the
    orthonormal eigenvectors, the columns of `vectors`, of its symmetric part
    S = (A + A^T)/2: S = V diag(w) V^T. Each eigenvector's largest component
    (the first of equal ones) is positive. Computed by cyclic Jacobi
    rotations to full precision.

    ```mlir
    %w, %v = fad.eigh %a : tensor<?x?xf64> -> tensor<?xf64>, tensor<?x?xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$matrix);
  let results = (outs FAD_Array:$values, FAD_Array:$vectors);
  let assemblyFormat =
      "$matrix attr-dict `:` type($matrix) `->` type($values) `,` type($vectors)";
  let hasVerifier = 1;
}

def FAD_SvdOp : FAD_Op<"svd", [Pure, FAD_CostlyToRecompute]> {
  let summary = "the thin singular value decomposition";
  let description = [{
    For an m x n `matrix` A and k = min(m, n): U (m x k, orthonormal
    columns), the singular values s (k, descending, >= 0) and V^T (k x n,
    orthonormal rows) with A = U diag(s) V^T. Each right singular vector's
    largest component is positive. Computed by one-sided Jacobi rotations
    (Hestenes) to full precision. A column of U for a zero singular value
    is zero.

    ```mlir
    %u, %s, %vt = fad.svd %a : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?xf64>, tensor<?x?xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$matrix);
  let results = (outs FAD_Array:$u, FAD_Array:$s, FAD_Array:$vt);
  let assemblyFormat =
      "$matrix attr-dict `:` type($matrix) `->` type($u) `,` type($s) `,` type($vt)";
  let hasVerifier = 1;
}

def FAD_QrOp : FAD_Op<"qr", [Pure, FAD_CostlyToRecompute]> {
  let summary = "the thin QR decomposition";
  let description = [{
    For an m x n `matrix` A with m >= n: Q (m x n, orthonormal columns) and
    R (n x n, upper triangular, diagonal >= 0) with A = Q R, by Householder
    reflections. m < n stops the program with the op's location.

    ```mlir
    %q, %r = fad.qr %a : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?x?xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$matrix);
  let results = (outs FAD_Array:$q, FAD_Array:$r);
  let assemblyFormat = "$matrix attr-dict `:` type($matrix) `->` type($q) `,` type($r)";
  let hasVerifier = 1;
}

def FAD_ZerosLikeOp : FAD_Op<"zeros_like", [Pure, SameOperandsAndResultType]> {
  let summary = "an array of zeros with the extents of another";
  let description = [{
    The array of the same type and extents as `operand`, filled with 0. The
    AD engine uses it where a symbolic zero tangent must be materialized.

    ```mlir
    %z = fad.zeros_like %x : tensor<?x?xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$operand);
  let results = (outs FAD_Array:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
  // zeros_like of a 1-D map/build result -> a build of zeros over its
  // extent (FADCanonicalize.cpp).
  let hasCanonicalizer = 1;
}

def FAD_AddAtOp : FAD_Op<"add_at", [FAD_EffectFreeButFails, AllTypesMatch<["array", "result"]>]> {
  let summary = "an array with a value added at one position";
  let description = [{
    `fad.add_at %a[%i, ...], %v` is `%a` with `%v` added to its element (all
    indices given) or row (fewer indices) at the indices. It is the transpose
    of indexing (an accumulation into an adjoint) and updates in place after
    bufferization. Indices out of bounds are a run-time error.

    ```mlir
    %b = fad.add_at %a[%i], %v : tensor<?xf64>, f64
    ```
  }];
  let arguments = (ins FAD_Array:$array, Variadic<I64>:$indices, FAD_Value:$value);
  let results = (outs FAD_Array:$result);
  let assemblyFormat =
      "$array `[` $indices `]` `,` $value attr-dict `:` type($array) `,` type($value)";
  let hasVerifier = 1;
}

def FAD_UpdateOp : FAD_Op<"update", [FAD_EffectFreeButFails, AllTypesMatch<["array", "result"]>]> {
  let summary = "an array with one element or row replaced";
  let description = [{
    `fad.update %a[%i, ...], %v` is `%a` with its element (all indices
    given) or row (fewer indices) at the indices replaced by `%v` (the
    prelude's `update a i v`). It updates in place after bufferization when
    `%a` is not read afterwards. Indices out of bounds, and a row of other
    extents than `%a`'s rows, are run-time errors.

    ```mlir
    %b = fad.update %a[%i], %row : tensor<?x?xf64>, tensor<?xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$array, Variadic<I64>:$indices, FAD_Value:$value);
  let results = (outs FAD_Array:$result);
  let assemblyFormat =
      "$array `[` $indices `]` `,` $value attr-dict `:` type($array) `,` type($value)";
  let hasVerifier = 1;
}

def FAD_ReportOp : FAD_Op<"report", [
    AllTypesMatch<["value", "result"]>,
    DeclareOpInterfaceMethods<FAD_ScalarPartialsOpInterface>]> {
  let summary = "progress report: returns its value, printing it on request";
  let description = [{
    Returns `value`. As a side effect, when the program runs with `-p N` and
    `step` is a multiple of N, prints `step <step>: <value>` on standard
    error. Derivatives pass straight through (the partial with respect to
    `value` is 1), so a report inside a differentiated function changes no
    derivative; it prints when the primal is evaluated. Not pure: it is never
    removed or merged.

    ```mlir
    %l = fad.report %k, %loss : f64
    ```
  }];
  let arguments = (ins I64:$step, FAD_Float:$value);
  let results = (outs FAD_Float:$result);
  let assemblyFormat = "$step `,` $value attr-dict `:` type($result)";
  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::Value> $cppClass::buildPartials(::mlir::OpBuilder &b) {
      return {::mlir::Value(), ::fad::partials::one(b, getLoc(), getResult())};
    }
  }];
}

def FAD_TraceOp : FAD_Op<"trace", [AllTypesMatch<["value", "result"]>]> {
  let summary = "debug print: returns its value, printing it on standard error";
  let description = [{
    Returns `value` unchanged. As a side effect, prints `<label>: <value>`
    (just `<value>` for an empty label) as one line on standard error, the
    value formatted as a result is printed (arrays of any rank nested in
    brackets). The frontend's `trace "label" x` emits one per leaf of `x`,
    the leaf's path appended to the label (`p.w`, `t.0`). The derivative is
    the identity (every AD mode passes the tangent through unchanged, and
    tangents are never printed): it prints when the primal is evaluated. Not
    pure: it is never removed, merged or hoisted, and a loop whose body
    traces stays on the host thread (Parallelize.cpp: it calls the runtime).

    ```mlir
    %y = fad.trace "x" %x : tensor<?x3xf64>
    ```

    Differentiation: see lib/AD/Rules/ArrayRules.cpp.
  }];
  let arguments = (ins StrAttr:$label, FAD_Value:$value);
  let results = (outs FAD_Value:$result);
  let assemblyFormat = "$label $value attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Processes (SPMD over MPI)
//===----------------------------------------------------------------------===//

def FAD_ProcessIndexOp : FAD_Op<"process_index", [Pure]> {
  let summary = "the index of this process, 0 to process_count - 1";
  let description = [{
    Under MPI (fadc --mpi), the rank of this process in the program's
    communicator; 0 in a program built without MPI. Its value differs
    between processes: values computed from it are per-process (see
    docs/Distributed.md), which is what differentiation and the collective
    check go by.

    ```mlir
    %r = fad.process_index : i64
    ```
  }];
  let results = (outs I64:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
}

def FAD_ProcessCountOp : FAD_Op<"process_count", [Pure]> {
  let summary = "the number of processes the program runs as";
  let description = [{
    The size of the program's communicator under MPI; 1 without MPI.

    ```mlir
    %p = fad.process_count : i64
    ```
  }];
  let results = (outs I64:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
}

def FAD_PerProcessOp : FAD_Op<"per_process", [Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "its operand, declared to differ between processes";
  let description = [{
    Returns `value` unchanged. What it declares is for the analysis of which
    values every process shares (Transforms/Replication.h): its result is
    per-process, whatever its operand. A library's host that passes each
    process its own data marks the argument so (`per_process data`); an
    executable's inputs are the same on every process and need no mark.
    Lowered to its operand; linear, with the identity as its transpose.

    ```mlir
    %mine = fad.per_process %data : tensor<?xf64>
    ```
  }];
  let arguments = (ins FAD_Value:$value);
  let results = (outs FAD_Value:$result);
  let assemblyFormat = "$value attr-dict `:` type($result)";
}

def FAD_AllreduceOp : FAD_Op<"allreduce", [AllTypesMatch<["value", "result"]>]> {
  let summary = "combine a value over all processes, elementwise";
  let description = [{
    Every process passes a value of the same type and extents (checked at
    run time); every process gets the elementwise `sum`, `max` or `min` of
    them. The identity with one process. A collective: every process must
    run it the same number of times, in the same order (fad-check-collectives
    rejects one under per-process control). Not pure: it is never removed,
    merged or hoisted, and a loop around it stays sequential. The sum is
    linear; max and min have no derivative.

    ```mlir
    %s = fad.allreduce sum %x : tensor<?xf64>
    ```

    Differentiation: see lib/AD/Rules/CollectiveRules.cpp.
  }];
  let arguments = (ins StrAttr:$kind, FAD_Value:$value);
  let results = (outs FAD_Value:$result);
  let assemblyFormat = "$kind $value attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def FAD_AllgatherOp : FAD_Op<"allgather"> {
  let summary = "the concatenation of every process's array, in process order";
  let description = [{
    Every process passes an array whose rows (elements of the leading
    dimension) have the same extents; every process gets the arrays of
    processes 0, 1, ... concatenated along the leading dimension. Blocks may
    have any length, zero included. A collective, as fad.allreduce. Linear:
    its transpose is fad.reduce_scatter.

    ```mlir
    %all = fad.allgather %block : tensor<?x3xf64> -> tensor<?x3xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$value);
  let results = (outs FAD_Array:$result);
  let assemblyFormat = "$value attr-dict `:` type($value) `->` type($result)";
  let hasVerifier = 1;
}

def FAD_ReduceScatterOp : FAD_Op<"reduce_scatter"> {
  let summary = "this process's block of the sum of every process's array";
  let description = [{
    Every process passes an array of the same extents, whose leading extent
    is the sum over processes of `count`; process r gets rows
    [o, o + count) of the elementwise sum, where o is the sum of the counts
    of processes 0..r-1. A collective, as fad.allreduce. Linear: the
    transpose of fad.allgather, and its transpose is fad.allgather.

    ```mlir
    %mine = fad.reduce_scatter %all, %n : tensor<?x3xf64> -> tensor<?x3xf64>
    ```
  }];
  let arguments = (ins FAD_Array:$value, I64:$count);
  let results = (outs FAD_Array:$result);
  let assemblyFormat = "$value `,` $count attr-dict `:` type($value) `->` type($result)";
  let hasVerifier = 1;
}

def FAD_AssertOp : FAD_Op<"assert"> {
  let summary = "run-time check with a user-facing message";
  let description = [{
    Stops the program with `message` on standard error and exit status 1
    when `condition` is false. The frontend uses it for size checks that
    cannot be decided at compile time; such a check passes the two sizes
    that must agree, and the message then ends with them
    (`... (sizes 3 and 2)`).

    ```mlir
    fad.assert %same, "prog.fad:3:5: arrays of different sizes"
    fad.assert %same, "map: arrays of different sizes" sizes(%n, %m)
    ```
  }];
  let arguments = (ins I1:$condition, StrAttr:$message, Variadic<I64>:$sizes);
  let assemblyFormat = "$condition `,` $message (`sizes` `(` $sizes^ `)`)? attr-dict";
  // assert(a == c), c constant: a's uses after it read c (FADCanonicalize.cpp).
  let hasCanonicalizer = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$condition, "::llvm::StringRef":$message), [{
      build($_builder, $_state, condition, message, ::mlir::ValueRange{});
    }]>
  ];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Structured ops
//===----------------------------------------------------------------------===//

def FAD_YieldOp : FAD_Op<"yield", [Pure, Terminator, ReturnLike]> {
  let summary = "the values a region of a structured op produces";
  let arguments = (ins Variadic<FAD_Value>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

class FAD_StructuredOp<string mnemonic, list<Trait> traits = []>
    : FAD_Op<mnemonic, !listconcat([RecursiveMemoryEffects, SingleBlock], traits)>;

// A structured op whose body runs once per element or iteration: what does
// not depend on those moves out (moveLoopInvariantCode, in fad-fuse). Ops
// with inits name the body arguments that carry them.
defvar FAD_LoopLike = DeclareOpInterfaceMethods<LoopLikeOpInterface>;
defvar FAD_LoopLikeWithInits =
    DeclareOpInterfaceMethods<LoopLikeOpInterface, ["getRegionIterArgs"]>;

def FAD_MapOp : FAD_StructuredOp<"map", [FAD_LoopLike]> {
  let summary = "apply a function to every element of arrays of equal extent";
  let description = [{
    `fad.map` takes k arrays of the same outer extent n and a body with k
    block arguments (one element of each array: a scalar, or a row for an
    array of rank > 1). The body yields m values; the results are the m
    arrays of extent n of those values. Inputs of different extents are a
    run-time error. Elements may be computed in any order or in parallel.

    ```mlir
    %z = fad.map (%x, %y) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%a: f64, %b: f64):
      %s = fad.add %a, %b : f64
      fad.yield %s : f64
    }
    ```
  }];
  let arguments = (ins Variadic<FAD_Array>:$inputs);
  let results = (outs Variadic<FAD_Array>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat =
      "`(` $inputs `)` attr-dict `:` functional-type($inputs, $results) $body";
  let hasRegionVerifier = 1;
  // Unused results dropped, results that are inputs forwarded
  // (FADCanonicalize.cpp).
  let hasCanonicalizer = 1;
}

// Speculatable (hoisted out of loops it is invariant in) when its size is a
// constant, so that it cannot fail, and its body is (a jacfwd's identity
// seed, built per iteration of a loop around otherwise).
def FAD_BuildOp : FAD_StructuredOp<"build", [FAD_LoopLike,
    DeclareOpInterfaceMethods<ConditionallySpeculatable>]> {
  let summary = "the array of a function of the index";
  let description = [{
    Evaluates the body for every `i` in `[0, size)` (an `i64` block
    argument) and collects the m yielded values into m arrays of extent
    `size`. A negative size is a run-time error.

    ```mlir
    %iota = fad.build %n : tensor<?xi64> {
    ^bb0(%i: i64):
      fad.yield %i : i64
    }
    ```
  }];
  let arguments = (ins I64:$size);
  let results = (outs Variadic<FAD_Array>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$size attr-dict `:` type($results) $body";
  let hasRegionVerifier = 1;
  // Unused results dropped (FADCanonicalize.cpp).
  let hasCanonicalizer = 1;
}

def FAD_ReduceOp : FAD_StructuredOp<"reduce", [FAD_LoopLikeWithInits, AttrSizedOperandSegments]> {
  let summary = "fold arrays with an associative operator";
  let description = [{
    Combines the elements of k arrays of equal extent with an associative
    operator whose neutral element is `inits` (k values, one per array).
    The body takes 2k block arguments, an accumulated value and an element
    (`acc_0..acc_{k-1}, x_0..x_{k-1}`) and yields k values. The grouping of
    the combinations is unspecified, so the operator must be associative
    and `inits` neutral.

    ```mlir
    %s = fad.reduce inits(%zero) arrays(%x) : (f64), (tensor<?xf64>) -> f64 {
    ^bb0(%acc: f64, %e: f64):
      %t = fad.add %acc, %e : f64
      fad.yield %t : f64
    }
    ```
  }];
  let arguments = (ins Variadic<FAD_Value>:$inits, Variadic<FAD_Array>:$inputs);
  let results = (outs Variadic<FAD_Value>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `inits` `(` $inits `)` `arrays` `(` $inputs `)` attr-dict `:`
    `(` type($inits) `)` `,` `(` type($inputs) `)` `->` type($results) $body
  }];
  let hasRegionVerifier = 1;
}

def FAD_ScanOp : FAD_StructuredOp<"scan", [FAD_LoopLikeWithInits, AttrSizedOperandSegments]> {
  let summary = "inclusive prefix scan with an associative operator";
  let description = [{
    Like `fad.reduce`, but the results are k arrays of the same extent as the
    inputs whose element i combines elements 0..i (inclusive scan).

    ```mlir
    %p = fad.scan inits(%zero) arrays(%x) : (f64), (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%acc: f64, %e: f64):
      %t = fad.add %acc, %e : f64
      fad.yield %t : f64
    }
    ```
  }];
  let arguments = (ins Variadic<FAD_Value>:$inits, Variadic<FAD_Array>:$inputs);
  let results = (outs Variadic<FAD_Array>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `inits` `(` $inits `)` `arrays` `(` $inputs `)` attr-dict `:`
    `(` type($inits) `)` `,` `(` type($inputs) `)` `->` type($results) $body
  }];
  let hasRegionVerifier = 1;
}

def FAD_ForOp : FAD_StructuredOp<"for", [FAD_LoopLikeWithInits, FAD_CostlyToRecompute]> {
  let summary = "sequential loop with a counted trip";
  let description = [{
    `loop x = x0 for i < n do body`: the body receives the `i64` counter and
    the loop state and yields the next state; the results are the final
    state (the inits when `count <= 0`).

    ```mlir
    %r = fad.for %n iter(%x0) : (f64) -> f64 {
    ^bb0(%i: i64, %x: f64):
      %y = fad.mul %x, %x : f64
      fad.yield %y : f64
    }
    ```
  }];
  let arguments = (ins I64:$count, Variadic<FAD_Value>:$inits);
  let results = (outs Variadic<FAD_Value>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat =
      "$count `iter` `(` $inits `)` attr-dict `:` functional-type($inits, $results) $body";
  let hasRegionVerifier = 1;
  // A constant trip count of at most one: no loop (FADCanonicalize.cpp).
  let hasCanonicalizer = 1;
}

def FAD_WhileOp : FAD_Op<"while", [RecursiveMemoryEffects, FAD_CostlyToRecompute]> {
  let summary = "sequential loop with a data-dependent trip count";
  let description = [{
    `loop x = x0 while cond do body`: the `cond` region receives the state
    and yields an `i1`; while it is true the `body` region maps the state to
    the next one. The results are the first state for which `cond` is false.

    ```mlir
    %r = fad.while iter(%x0) : (f64) -> f64 cond {
    ^bb0(%x: f64):
      %c = arith.cmpf olt, %x, %lim : f64
      fad.yield %c : i1
    } do {
    ^bb0(%x: f64):
      %y = fad.add %x, %x : f64
      fad.yield %y : f64
    }
    ```
  }];
  let arguments = (ins Variadic<FAD_Value>:$inits);
  let results = (outs Variadic<FAD_Value>:$results);
  let regions = (region SizedRegion<1>:$cond, SizedRegion<1>:$body);
  let assemblyFormat = [{
    `iter` `(` $inits `)` attr-dict `:` functional-type($inits, $results)
    `cond` $cond `do` $body
  }];
  let hasRegionVerifier = 1;
}

def FAD_FixpointOp : FAD_StructuredOp<"fixpoint"> {
  let summary = "the fixed point of a function, found by iteration";
  let description = [{
    `fixpoint f x0`: iterates the body (the function f, from state to next
    state) from `inits` until the largest change of any component,
    max|x_{k+1} - x_k|, is at most `tolerance` * max(1, max|x_k|) (default
    1e-12); the results are the last iterate. More than `max_iterations`
    (default 100000) is a run-time error that names the last change. The
    derivative solves use the same tolerance and limit.

    Differentiation uses the implicit function theorem, not the iterations:
    the tangent solves the linear fixed point xTan = df/dx xTan + df/dtheta
    thetaTan (theta: values the body captures), and reverse mode iterates
    w = xAdj + (df/dx)^T w, then thetaAdj = (df/dtheta)^T w, so memory does
    not depend on the number of iterations. The initial state has no
    influence on the result, hence a zero derivative.

    ```mlir
    %r = fad.fixpoint iter(%x0) : (f64) -> f64 {
    ^bb0(%x: f64):
      %q = fad.div %a, %x : f64
      %s = fad.add %x, %q : f64
      %y = fad.mul %half, %s : f64
      fad.yield %y : f64
    }
    ```
  }];
  let arguments = (ins Variadic<FAD_Value>:$inits,
                       DefaultValuedAttr<F64Attr, "1e-12">:$tolerance,
                       DefaultValuedAttr<I64Attr, "100000">:$max_iterations);
  let results = (outs Variadic<FAD_Value>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat =
      "`iter` `(` $inits `)` attr-dict `:` functional-type($inits, $results) $body";
  let hasRegionVerifier = 1;
}

def FAD_IfOp : FAD_Op<"if", [RecursiveMemoryEffects, RecursivelySpeculatable]> {
  let summary = "conditional that evaluates only the chosen branch";
  let description = [{
    Both regions take no arguments and yield values of the result types.

    ```mlir
    %r = fad.if %c -> f64 {
      fad.yield %x : f64
    } else {
      fad.yield %y : f64
    }
    ```
  }];
  let arguments = (ins I1:$condition);
  let results = (outs Variadic<FAD_Value>:$results);
  let regions = (region SizedRegion<1>:$thenRegion, SizedRegion<1>:$elseRegion);
  let assemblyFormat =
      "$condition (`->` type($results)^)? $thenRegion `else` $elseRegion attr-dict";
  let hasRegionVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Differentiation
//===----------------------------------------------------------------------===//

def FAD_JvpOp : FAD_Op<"jvp", [RecursiveMemoryEffects, AttrSizedOperandSegments,
                                SingleBlock]> {
  let summary = "forward-mode derivative of a function given as a region";
  let description = [{
    `jvp f x dx`: the body is the function f, taking the primal arguments as
    block arguments (values it captures from the enclosing scope are
    constants of the differentiation). With k yielded values, the op has 2k
    results: f's results at `primals`, then their directional derivatives
    along `tangents` (which have the primals' types). Tangents of integer or
    boolean values are zero.

    With `batched` (vector mode), each tangent carries a batch of n
    directions as an extra innermost dimension (an `f64` primal has a
    `tensor<?xf64>` tangent, a `tensor<?xf64>` primal a `tensor<?x?xf64>`
    one), and so do the result tangents: one traversal computes n
    directional derivatives. `jacfwd` uses it with the identity as tangent.

    With `taylor_order = K` (which implies `batched`, with a batch of K),
    the "tangent" of a value is its truncated Taylor series: the normalized
    coefficients 1..K of t -> value(x + t dx...) at t = 0 (coefficient 0 is
    the value itself), propagated through every op by the standard
    recurrences (TaylorOpInterface). `taylor f x v k` uses it.

    The `fad-jvp` pass replaces the op by the linearized body, innermost op
    first, so nested derivatives (a jvp inside a differentiated function)
    differentiate the inner derivative's program: no perturbation confusion.

    ```mlir
    %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
    ^bb0(%a: f64):
      %s = fad.sin %a : f64
      fad.yield %s : f64
    }
    ```

    Differentiation: lib/AD/Linearize.cpp and lib/AD/Rules/.
  }];
  let arguments = (ins Variadic<FAD_Value>:$primals, Variadic<FAD_Value>:$tangents,
                       UnitAttr:$batched, OptionalAttr<I64Attr>:$taylor_order);
  let results = (outs Variadic<FAD_Value>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $primals `)` `tangents` `(` $tangents `)` (`batched` $batched^)? attr-dict `:`
    `(` type($primals) `)` `,` `(` type($tangents) `)` `->` `(` type($results) `)` $body
  }];
  let hasRegionVerifier = 1;
}

def FAD_VjpOp : FAD_Op<"vjp", [RecursiveMemoryEffects, AttrSizedOperandSegments,
                                SingleBlock]> {
  let summary = "reverse-mode derivative of a function given as a region";
  let description = [{
    `vjp f x yAdj`: the body is the function f, taking the primal arguments
    as block arguments (captured values are constants). With k yielded
    values and p primals, the op has k + p results: f's results at
    `primals`, then the cotangent of each primal argument: the transpose of
    f's linearization at `primals` applied to `cotangents` (which have the
    yielded values' types).

    The `fad-vjp` pass linearizes the body and transposes its linear part;
    innermost ops first.

    ```mlir
    %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
    ^bb0(%a: f64):
      %s = fad.sin %a : f64
      fad.yield %s : f64
    }
    ```

    Differentiation: lib/AD/Transpose.cpp and lib/AD/Rules/.
  }];
  let arguments = (ins Variadic<FAD_Value>:$primals, Variadic<FAD_Value>:$cotangents);
  let results = (outs Variadic<FAD_Value>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $primals `)` `cotangents` `(` $cotangents `)` attr-dict `:`
    `(` type($primals) `)` `,` `(` type($cotangents) `)` `->` `(` type($results) `)` $body
  }];
  let hasRegionVerifier = 1;
}

def FAD_TaylorBoundOp : FAD_Op<"taylor_bound", [RecursiveMemoryEffects, SingleBlock]> {
  let summary = "Taylor polynomial with a remainder enclosure (AutoBound)";
  let description = [{
    `taylor_bound f x0 a b k`: the body is a scalar function f of one float
    (straight-line code of elementary functions). The results are the k+1
    Taylor coefficients c of f at `x0` (a `tensor<?xf64>`) and an interval
    [lo, hi] such that for every x in [a, b]
      f(x) - sum_{i<=k} c_i (x - x0)^i  is in  [lo, hi] (x - x0)^(k+1).
    It is computed by interval Taylor arithmetic with sharp per-function
    enclosures of the remainder (Streeter & Dillon, "Automatically bounding
    the Taylor remainder series", 2022): exp, log, sqrt and reciprocals have
    monotone remainder ratios, whose extremes are at the ends of the
    argument's range; sin and cos are sharp where their (k+1)-th derivative
    is monotone on the range and use the Lagrange bound 1/(k+1)! elsewhere; tan and
    tanh are enclosed by composition.

    ```mlir
    %c, %lo, %hi = fad.taylor_bound (%x0, %a, %b) order 1 : tensor<?xf64>, f64, f64 {
    ^bb0(%x: f64):
      %e = fad.exp %x : f64
      fad.yield %e : f64
    }
    ```
  }];
  let arguments = (ins F64:$x0, F64:$lower, F64:$upper, I64Attr:$order);
  let results = (outs RankedTensorOf<[F64]>:$coefficients, F64:$lo, F64:$hi);
  let regions = (region SizedRegion<1>:$body);
  let hasRegionVerifier = 1;
  let assemblyFormat = [{
    `(` $x0 `,` $lower `,` $upper `)` `order` $order attr-dict `:`
    type($coefficients) `,` type($lo) `,` type($hi) $body
  }];
}

#endif // FAD_OPS_TD
