//===- Reductions.cpp - Carried values that lowered loops combine -*- C++ -*-===//
//
// This file implements Reductions.h.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Reductions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

std::optional<fad::Reduction> fad::matchSelectReduction(Value acc, Value yielded) {
  if (std::distance(acc.use_begin(), acc.use_end()) != 2)
    return std::nullopt;
  auto select = yielded.getDefiningOp<arith::SelectOp>();
  if (!select || !select->getResult(0).hasOneUse())
    return std::nullopt;
  Operation *compare = select.getCondition().getDefiningOp();
  if (!isa_and_nonnull<arith::CmpFOp, arith::CmpIOp>(compare) || !compare->hasOneUse() ||
      compare->getBlock() != select->getBlock())
    return std::nullopt;
  Value t = select.getTrueValue(), f = select.getFalseValue();
  Value x = t == acc ? f : t;
  if ((t != acc && f != acc) || x == acc)
    return std::nullopt;
  Value l = compare->getOperand(0), r = compare->getOperand(1);
  if (!((l == acc && r == x) || (l == x && r == acc)))
    return std::nullopt;
  return Reduction{select, compare, t == acc ? 1u : 2u};
}
