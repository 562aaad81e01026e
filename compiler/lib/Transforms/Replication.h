//===- Replication.h - Which values every process shares ---------*- C++ -*-===//
//
// In a program that runs as several processes (docs/Distributed.md), a value
// is *replicated* when it is computed from the program's inputs (which
// every process reads alike), constants, process_count and the results of
// allreduce and allgather, and *per-process* when it depends on
// process_index, reduce_scatter (so on a shard) or per_process. Loops carry a state
// per-process from the first iteration that makes it so. The analysis is a
// monotone dataflow over the whole module (calls included), so its answer
// is a type discipline, the one fad-vjp and fad-check-collectives go by.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_TRANSFORMS_REPLICATION_H
#define FAD_LIB_TRANSFORMS_REPLICATION_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseSet.h"

namespace fad {

class ReplicationAnalysis {
public:
  explicit ReplicationAnalysis(mlir::ModuleOp module);

  /// Whether `v` is the same on every process.
  bool isReplicated(mlir::Value v) const { return !perProcess.contains(v); }

  /// The innermost op enclosing `op` that may run its body a number of
  /// times that differs between processes (a map over a per-process array,
  /// an `if` on a per-process condition, ...), or null.
  mlir::Operation *perProcessControl(mlir::Operation *op) const;

private:
  /// Marks `v` per-process; returns whether it was not yet.
  bool mark(mlir::Value v) { return perProcess.insert(v).second; }
  bool visit(mlir::Operation *op, mlir::ModuleOp module);

  llvm::DenseSet<mlir::Value> perProcess;
};

} // namespace fad

#endif // FAD_LIB_TRANSFORMS_REPLICATION_H
